/**
 * `spanlab worker --queue URL`: takes training jobs from the queue and runs each on a worker thread of this
 * machine (the library's own), so the BullMQ lock of a long run is renewed while it trains. Per job: the
 * payload is checked (a malformed or foreign one is refused with its reason, never run), the window file
 * fetched once into the cache and checked against its SHA-256, the run trained (or resumed from the files it
 * carries) in a private folder, and the run folder's files sent back as blobs named in the job's result.
 * A worker killed mid-job loses only that attempt: its lock expires and another worker takes the job.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { type Job, UnrecoverableError, Worker } from "bullmq";
import type { Redis } from "ioredis";
import { runJobInWorker, type WorkerJob } from "../train/parallel.js";
import type { TrainEvent } from "../train/train.js";
import { writeFileAtomic } from "../util/files.js";
import { getBlob, putBlob } from "./blob_store.js";
import { KEY_PREFIX, openRedis, QUEUE_NAME } from "./connection.js";
import { JOB_NAME, type JobResult, parseJobPayload, RESULT_FORMAT, RUN_FILE_NAMES } from "./job_payload.js";
import type { QueueAddress } from "./queue_url.js";

export interface QueueWorkerOptions {
  address: QueueAddress;
  /** Jobs at once (one worker thread each). */
  concurrency: number;
  /** Where window files are cached and runs train (default ~/.cache/spanlab/queue). */
  cacheDirectory: string;
  /** How long a job stays claimed by a worker that stopped renewing it (ms; BullMQ's lockDuration). */
  lockMs?: number;
  /** A line for the log: started, finished, refused jobs, outages. */
  log: (line: string) => void;
}

export interface RunningWorker {
  /** Stops taking jobs; waits for the running ones unless `force`. */
  close(force?: boolean): Promise<void>;
  /** Jobs finished, refused and failed so far. */
  counts: { finished: number; refused: number; failed: number };
}

/** How long a stop waits for BullMQ to close once the running jobs are done (Redis may be unreachable). */
const CLOSE_WAIT_MS = 10_000;

/** Progress goes to Redis at most this often per job (epoch ends and the start always). */
const STEP_PROGRESS_MS = 500;

export async function startQueueWorker(options: QueueWorkerOptions): Promise<RunningWorker> {
  const { address, log } = options;
  const connection = await openRedis(address, "spanlab worker");
  const blobs = await openRedis(address, "spanlab worker");
  const worker = `${hostname()}:${process.pid}`;
  const counts = { finished: 0, refused: 0, failed: 0 };
  mkdirSync(join(options.cacheDirectory, "data"), { recursive: true });
  mkdirSync(join(options.cacheDirectory, "runs"), { recursive: true });

  const processor = async (job: Job): Promise<JobResult> => {
    if (job.name !== JOB_NAME) throw new UnrecoverableError(`a foreign job (name ${JSON.stringify(job.name)}, expected ${JSON.stringify(JOB_NAME)})`);
    let parsed: ReturnType<typeof parseJobPayload>;
    try {
      parsed = parseJobPayload(job.data);
    } catch (error) {
      throw new UnrecoverableError((error as Error).message);
    }
    const { payload, config } = parsed;
    const started = performance.now();
    log(
      `job ${job.id}: ${payload.kind} ${config.loss} seed ${config.seed}, ${config.epochs} epochs (attempt ${job.attemptsMade + 1}${job.stalledCounter > 0 ? `, taken again after ${job.stalledCounter} stalled` : ""})`,
    );
    const dataFile = await cachedData(blobs, options.cacheDirectory, payload.data);
    const work = mkdtempSync(join(options.cacheDirectory, "runs", `${job.id}-`));
    try {
      const runDirectory = join(work, "run");
      let workerJob: WorkerJob;
      if (payload.kind === "resume") {
        mkdirSync(runDirectory);
        for (const [name, sha256] of Object.entries(payload.run ?? {})) {
          writeFileAtomic(join(runDirectory, name), await getBlob(blobs, sha256, `job ${job.id}: run file ${name}`));
        }
        workerJob = { kind: "resume", runDirectory, dataFile };
      } else {
        workerJob = { kind: "train", config: payload.config as never, options: { runDirectory, dataFile } };
      }
      let lastStep = 0;
      await runJobInWorker(workerJob, (event: TrainEvent) => {
        if (event.kind === "step") {
          const now = performance.now();
          if (now - lastStep < STEP_PROGRESS_MS) return;
          lastStep = now;
        }
        // Progress is best effort: a failed update must not fail the run.
        job.updateProgress(event as unknown as object).catch(() => {});
      });
      const files: Record<string, string> = {};
      for (const name of readdirSync(runDirectory)) {
        if (!(RUN_FILE_NAMES as readonly string[]).includes(name)) continue;
        files[name] = await putBlob(blobs, readFileSync(join(runDirectory, name)), `job ${job.id}: ${name}`);
      }
      const trainMs = performance.now() - started;
      log(`job ${job.id}: done in ${(trainMs / 1000).toFixed(1)} s`);
      return { format: RESULT_FORMAT, files, worker, trainMs };
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  };

  const bullWorker = new Worker(QUEUE_NAME, processor, {
    connection,
    prefix: KEY_PREFIX,
    concurrency: options.concurrency,
    lockDuration: options.lockMs ?? 30_000,
    stalledInterval: Math.max(1000, Math.floor((options.lockMs ?? 30_000) / 2)),
    // A killed worker's job is taken again by another; only a job that stalls this often fails.
    maxStalledCount: 3,
  });
  bullWorker.on("completed", () => counts.finished++);
  bullWorker.on("failed", (job, error) => {
    if (error instanceof UnrecoverableError || error.name === "UnrecoverableError") {
      counts.refused++;
      log(`job ${job?.id ?? "?"}: refused: ${error.message}`);
    } else {
      counts.failed++;
      log(`job ${job?.id ?? "?"}: failed: ${error.message}`);
    }
  });
  // An outage is said once, when the connection drops, and its end once; other queue errors (a lock that
  // could not be renewed because Redis lost the job, say) are logged as they come, the same one at most
  // every 10 s.
  let outage = false;
  connection.on("reconnecting", () => {
    if (!outage) log(`lost Redis at ${address.display}; reconnecting (running jobs go on training)`);
    outage = true;
  });
  connection.on("ready", () => {
    if (outage) log(`Redis at ${address.display}: connected again`);
    outage = false;
  });
  const lastSaid = new Map<string, number>();
  bullWorker.on("error", (error) => {
    const now = Date.now();
    if (outage || now - (lastSaid.get(error.message) ?? 0) < 10_000) return;
    lastSaid.set(error.message, now);
    log(`queue: ${error.message}`);
  });
  await bullWorker.waitUntilReady();
  log(`spanlab worker ${worker}: taking jobs from ${address.display} (${options.concurrency} at a time; cache ${options.cacheDirectory})`);
  return {
    counts,
    close: async (force = false) => {
      // Closing asks Redis to release the worker; with Redis gone that would wait for ever, so then the
      // worker stops at once and drops its connections after at most CLOSE_WAIT_MS (its jobs' locks expire
      // and, once Redis is back, another worker takes them).
      if (connection.status === "ready") await bullWorker.close(force);
      else await Promise.race([bullWorker.close(true), new Promise((resolve) => setTimeout(resolve, CLOSE_WAIT_MS).unref())]);
      connection.disconnect();
      blobs.disconnect();
    },
  };
}

/** The window file of `data`, from the cache or fetched into it (checked, written under a temporary name). */
async function cachedData(redis: Redis, cacheDirectory: string, data: { sha256: string; name: string }): Promise<string> {
  const folder = join(cacheDirectory, "data", data.sha256);
  const path = join(folder, data.name);
  if (existsSync(path)) return path;
  mkdirSync(folder, { recursive: true });
  writeFileAtomic(path, await getBlob(redis, data.sha256, `window file ${data.name}`));
  return path;
}
