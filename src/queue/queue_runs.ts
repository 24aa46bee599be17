/**
 * The coordinator's side of the queue: a RunExecutor (src/train/executor.ts) that enqueues each training
 * run as a BullMQ job instead of running it here, relays the workers' progress, and writes each finished
 * run folder from the blobs its result names — checked against their SHA-256, assembled in a hidden folder
 * beside it and renamed into place, so a run folder is either absent, as it was, or whole. compare, tune and
 * sweep use it unchanged; the bundle is the one a local run writes (training is deterministic).
 *
 * Faults: a job's id is its payload's hash, so adding it again (a coordinator's `--resume`, a duplicate) is
 * the same job. The coordinator polls each job's state; a job Redis no longer knows (restarted without
 * persistence) is enqueued again with its blobs; Redis unreachable for `unreachableMs` is an error that
 * leaves the bundle as it was (the runs collected so far are whole; `--resume` goes on from them).
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { type Job, Queue, QueueEvents } from "bullmq";
import type { Redis } from "ioredis";
import { resolveTrainConfig } from "../train/config.js";
import type { RunExecutor } from "../train/executor.js";
import type { WorkerJob } from "../train/parallel.js";
import { RUN_FILES, type RunManifest, type TrainEvent } from "../train/train.js";
import { writeFileAtomic } from "../util/files.js";
import { expireBlob, getBlob, MissingBlobError, putBlob } from "./blob_store.js";
import { KEY_PREFIX, openRedis, QUEUE_NAME } from "./connection.js";
import { JOB_FORMAT, JOB_NAME, type JobPayload, type JobResult, jobIdOf, jobResultSchema, RUN_FILE_NAMES } from "./job_payload.js";
import type { QueueAddress } from "./queue_url.js";

export interface QueueRunsOptions {
  address: QueueAddress;
  /** How long Redis may be unreachable before the coordinator gives up (ms; default 60 s). */
  unreachableMs?: number;
  /** How often each job's state is asked (ms; default 500). */
  pollMs?: number;
  /** Lines for the progress display: jobs re-enqueued, outages, which worker trained what. */
  log?: (line: string) => void;
}

export interface QueueRuns extends RunExecutor {
  close(): Promise<void>;
}

/** Completed and failed jobs stay a week, so a coordinator's `--resume` finds what finished while it was away. */
const KEEP_SECONDS = 7 * 24 * 3600;
/** A collected run's files stay 5 minutes (for another coordinator of the same runs), then Redis frees them. */
const RESULT_GRACE_SECONDS = 300;

export async function openQueueRuns(options: QueueRunsOptions): Promise<QueueRuns> {
  const { address } = options;
  const log = options.log ?? (() => {});
  const connection = await openRedis(address, "--queue");
  const eventsConnection = await openRedis(address, "--queue");
  const queue = new Queue(QUEUE_NAME, { connection, prefix: KEY_PREFIX });
  const events = new QueueEvents(QUEUE_NAME, { connection: eventsConnection, prefix: KEY_PREFIX });
  events.on("error", () => {});
  queue.on("error", () => {});
  await events.waitUntilReady();
  const progressListeners = new Map<string, (event: TrainEvent) => void>();
  events.on("progress", ({ jobId, data }) => progressListeners.get(jobId)?.(data as unknown as TrainEvent));

  const run = async (jobs: readonly WorkerJob[], onEvent?: (index: number, event: TrainEvent) => void, onJobDone?: (index: number) => void): Promise<void> => {
    const dataShas = new Map<string, { sha256: string; bytes: number; name: string }>();
    const planned = jobs.map((job) => plan(job));
    const payloads: JobPayload[] = [];
    for (const p of planned) payloads.push(await payloadOf(connection, p, dataShas));
    const ids = payloads.map(jobIdOf);
    const enqueue = async (index: number): Promise<void> => {
      const existing = await queue.getJob(ids[index]!);
      if (existing !== undefined && (await existing.getState()) === "failed") {
        log(`${ids[index]}: failed before (${existing.failedReason}); trying again`);
        await existing.retry();
        return;
      }
      await queue.add(JOB_NAME, payloads[index]!, {
        jobId: ids[index]!,
        attempts: 1,
        removeOnComplete: { age: KEEP_SECONDS },
        removeOnFail: { age: KEEP_SECONDS },
      });
    };
    // Each run once, however many times the batch names it.
    const pending = new Map<string, number[]>();
    for (const [index, id] of ids.entries()) pending.set(id, [...(pending.get(id) ?? []), index]);
    for (const [id, indices] of pending) {
      await enqueue(indices[0]!);
      if (onEvent) {
        progressListeners.set(id, (event) => {
          for (const index of indices) onEvent(index, event);
        });
      }
    }
    const failures: string[] = [];
    let unreachableSince: number | null = null;
    try {
      while (pending.size > 0) {
        await sleep(options.pollMs ?? 500);
        try {
          for (const [id, indices] of [...pending]) {
            // ioredis holds commands while disconnected: a state that does not come back in time is an outage.
            const state = await answered(queue.getJobState(id), ANSWER_MS);
            if (state === "completed") {
              const job = (await queue.getJob(id)) as Job;
              const result = jobResultSchema.parse(job.returnvalue);
              try {
                for (const index of indices) await collect(connection, planned[index]!.runDirectory, payloads[index]!, result);
              } catch (error) {
                if (!(error instanceof MissingBlobError)) throw new CollectError((error as Error).message);
                // Its files are gone (collected long ago by another coordinator, or Redis restarted): train it again.
                log(`${id}: finished earlier, but ${error.message}; training it again`);
                await job.remove();
                await payloadOf(connection, planned[indices[0]!]!, new Map());
                await enqueue(indices[0]!);
                continue;
              }
              // Collected: its files stay a little while for a second coordinator of the same runs, not a week.
              for (const sha256 of Object.values(result.files)) await expireBlob(connection, sha256, RESULT_GRACE_SECONDS);
              log(`${id}: trained by ${result.worker} in ${(result.trainMs / 1000).toFixed(1)} s`);
              pending.delete(id);
              progressListeners.delete(id);
              for (const index of indices) {
                try {
                  onJobDone?.(index);
                } catch (error) {
                  failures.push(`job ${index + 1}, after it trained: ${(error as Error).message}`);
                }
              }
            } else if (state === "failed") {
              const job = await queue.getJob(id);
              for (const index of indices) failures.push(`job ${index + 1} (${id}): ${job?.failedReason ?? "failed"}`);
              pending.delete(id);
              progressListeners.delete(id);
            } else if (state === "unknown") {
              // Redis lost the job (restarted without persistence, or it was removed): its blobs too, maybe.
              log(`${id}: no longer in Redis (restarted?); enqueued again`);
              await payloadOf(connection, planned[indices[0]!]!, new Map());
              await enqueue(indices[0]!);
            }
          }
          if (unreachableSince !== null) log(`Redis at ${address.display}: reachable again`);
          unreachableSince = null;
        } catch (error) {
          if (error instanceof CollectError) throw error;
          const now = Date.now();
          if (unreachableSince === null) {
            unreachableSince = now;
            log(`Redis at ${address.display}: ${(error as Error).message}; waiting for it`);
          } else if (now - unreachableSince > (options.unreachableMs ?? 60_000)) {
            throw new Error(
              `lost Redis at ${address.display} for ${((now - unreachableSince) / 1000).toFixed(0)} s (${(error as Error).message}); ` +
                `${jobs.length - [...pending.values()].flat().length} of ${jobs.length} runs were collected whole, the others not written — ` +
                `run again with --resume once Redis is back`,
            );
          }
        }
      }
    } finally {
      for (const id of pending.keys()) progressListeners.delete(id);
    }
    if (failures.length > 0) throw new Error(`${failures.length} of ${jobs.length} training runs failed:\n  ${failures.join("\n  ")}`);
  };

  return {
    describe: (jobs) => `as ${jobs} jobs on the queue ${address.display}`,
    run,
    close: async () => {
      await events.close();
      await queue.close();
      connection.disconnect();
      eventsConnection.disconnect();
    },
  };
}

interface PlannedRun {
  kind: "train" | "resume";
  runDirectory: string;
  config: Record<string, unknown>;
}

/** A local job as a queue job: the config resolved as `train` resolves it (data by absolute path). */
function plan(job: WorkerJob): PlannedRun {
  if (job.kind === "resume") {
    const manifest = JSON.parse(readFileSync(join(job.runDirectory, RUN_FILES.config), "utf8")) as RunManifest;
    return { kind: "resume", runDirectory: job.runDirectory, config: manifest.config as unknown as Record<string, unknown> };
  }
  if (job.options.runDirectory === undefined) throw new Error("a queue job needs its run folder (options.runDirectory)");
  const config = { ...resolveTrainConfig(job.config), data: resolve(job.config.data) };
  return { kind: "train", runDirectory: job.options.runDirectory, config: config as unknown as Record<string, unknown> };
}

/** The payload of a planned run, its blobs uploaded (those Redis holds already are only renewed). */
async function payloadOf(redis: Redis, run: PlannedRun, dataShas: Map<string, { sha256: string; bytes: number; name: string }>): Promise<JobPayload> {
  const dataPath = String(run.config.data);
  let data = dataShas.get(dataPath);
  if (data === undefined) {
    const name = basename(dataPath);
    if (!/\.(parquet|jsonl)$/.test(name)) throw new Error(`${dataPath}: the queue carries window files named *.parquet or *.jsonl`);
    const bytes = readFileSync(dataPath);
    data = { sha256: await putBlob(redis, bytes, dataPath), bytes: bytes.length, name };
    dataShas.set(dataPath, data);
  }
  const payload: JobPayload = { format: JOB_FORMAT, kind: run.kind, config: run.config, data };
  if (run.kind === "resume") {
    const files: Record<string, string> = {};
    for (const name of RUN_FILE_NAMES) {
      const path = join(run.runDirectory, name);
      if (existsSync(path)) files[name] = await putBlob(redis, readFileSync(path), path);
    }
    payload.run = files;
  }
  return payload;
}

class CollectError extends Error {}

/**
 * Writes the finished run of `result` into `runDirectory`: every file fetched and checked, config.json's
 * data hash checked against the payload's, assembled in `.NAME.incoming` and renamed into place (a partial
 * folder it replaces is renamed aside first, then removed).
 */
async function collect(redis: Redis, runDirectory: string, payload: JobPayload, result: JobResult): Promise<void> {
  const parent = dirname(runDirectory);
  const incoming = join(parent, `.${basename(runDirectory)}.incoming`);
  const replaced = join(parent, `.${basename(runDirectory)}.replaced`);
  rmSync(incoming, { recursive: true, force: true });
  rmSync(replaced, { recursive: true, force: true });
  mkdirSync(incoming, { recursive: true });
  try {
    for (const [name, sha256] of Object.entries(result.files)) {
      writeFileAtomic(join(incoming, name), await getBlob(redis, sha256, `${runDirectory}: ${name}`));
    }
    const manifestText = result.files["config.json"] === undefined ? null : readFileSync(join(incoming, RUN_FILES.config), "utf8");
    const manifest = manifestText === null ? null : (JSON.parse(manifestText) as RunManifest);
    if (manifest === null || manifest.data.sha256 !== payload.data.sha256) {
      throw new CollectError(
        `${runDirectory}: the worker's run ${manifest === null ? "has no config.json" : `trained on data ${manifest.data.sha256.slice(0, 16)}…, not the ${payload.data.sha256.slice(0, 16)}… sent`}`,
      );
    }
  } catch (error) {
    rmSync(incoming, { recursive: true, force: true });
    throw error;
  }
  if (existsSync(runDirectory)) renameSync(runDirectory, replaced);
  renameSync(incoming, runDirectory);
  rmSync(replaced, { recursive: true, force: true });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** How long one question to Redis may take before the coordinator counts Redis as unreachable. */
const ANSWER_MS = 5000;

async function answered<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms / 1000} s`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
