/**
 * `spanlab compare --queue` end to end (issue 16): a private redis-server, three `spanlab worker` processes
 * (`--lock-ms 2000`) and a small compare (soft and CRF, 2 seeds × 2 epochs, no sensitivity runs: 4 runs),
 * checked against the same compare run locally (comparison.json equal but for its clock-only fields, every
 * run's best.safetensors byte for byte). In order, on one queue:
 *
 * 1. one worker is SIGKILLed as soon as it starts a job; its lock expires, another worker trains that job,
 *    and the compare finishes with the local run's figures;
 * 2. the same compare again is collected from the jobs Redis still holds, nothing trained again; the same
 *    payload added twice under its id is one job;
 * 3. a malformed payload, a payload whose config is invalid and a foreign job name are refused with their
 *    reasons (state failed), and the workers go on;
 * 4. a coordinator SIGKILLed after its first run folder is written is finished by `compare --resume` on the
 *    queue, each run trained once (a fresh --first-seed, so no job of 1 is reused);
 * 5. a queue whose Redis is unreachable is one clear error at start, and no comparison is written.
 *
 * Without /usr/bin/redis-server the file is skipped with a note — unless SPANLAB_REQUIRE_REDIS=1, where a
 * missing redis-server fails. The workers and the killed coordinator run the built CLI (dist/).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Job, Queue } from "bullmq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KEY_PREFIX, QUEUE_NAME } from "../../src/queue/connection.js";
import { JOB_NAME, jobIdOf, type JobPayload } from "../../src/queue/job_payload.js";
import { runCli } from "../helpers/cli.js";
import {
  CLI,
  REDIS_AVAILABLE,
  REDIS_REQUIRED,
  REDIS_SERVER,
  startRedis,
  startWorker,
  type TestRedis,
  type WorkerProcess,
  withoutTimings,
} from "../helpers/redis.js";

if (!REDIS_AVAILABLE && !REDIS_REQUIRED) console.warn(`skipping the queue tests: ${REDIS_SERVER} is missing (apt-get install -y redis-server)`);

const COMPARE = ["compare", "--objectives", "soft,crf", "--seeds", "2", "--epochs", "2", "--sensitivity", "none"];
/** The seeds of cases 3 and 4: runs (and so job ids) none of case 1's. */
const SECOND_SEEDS = ["--first-seed", "7"];
const TRAIN_LINE = /job (run-[0-9a-f]+): train /g;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() - started > timeoutMs) throw new Error(`no ${what} within ${timeoutMs} ms`);
    await sleep(50);
  }
}

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const server = createServer();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}

const alive = (worker: WorkerProcess) => worker.child.exitCode === null && worker.child.signalCode === null;
const trainedIds = (text: string) => [...text.matchAll(TRAIN_LINE)].map((match) => match[1]!);

describe.skipIf(!REDIS_AVAILABLE && !REDIS_REQUIRED)("compare through the Redis queue", () => {
  let dir: string;
  let redis: TestRedis | undefined;
  let queue: Queue | undefined;
  const workers: WorkerProcess[] = [];
  const children: ChildProcess[] = [];
  /** The job ids case 1 trained. */
  let firstIds: string[] = [];

  const comparison = (bundle: string) => JSON.parse(readFileSync(join(bundle, "comparison.json"), "utf8")) as unknown;
  /** The bundle's figures and every run's weights are the local reference's. */
  const expectSameAsLocal = (bundle: string, local: string) => {
    expect(withoutTimings(comparison(bundle))).toEqual(withoutTimings(comparison(local)));
    const runs = readdirSync(join(local, "runs")).filter((name) => !name.startsWith("."));
    expect(runs).toHaveLength(4);
    expect(
      readdirSync(join(bundle, "runs"))
        .filter((name) => !name.startsWith("."))
        .sort(),
    ).toEqual(runs.sort());
    for (const run of runs) {
      const weights = (folder: string) => readFileSync(join(folder, "runs", run, "best.safetensors"));
      expect(weights(bundle).equals(weights(local)), `${run}/best.safetensors`).toBe(true);
    }
  };
  const liveWorkers = () => workers.filter(alive);
  const logs = () => liveWorkers().map((worker) => worker.log());

  beforeAll(async () => {
    if (!REDIS_AVAILABLE) return;
    dir = mkdtempSync(join(tmpdir(), "spanlab-queue-"));
    redis = await startRedis();
    const url = new URL(redis.url);
    queue = new Queue(QUEUE_NAME, { connection: { host: url.hostname, port: Number(url.port) }, prefix: KEY_PREFIX });
    // The local references, trained on this machine's worker threads: case 1's seeds and case 4's.
    for (const [out, extra] of [
      ["local", []],
      ["local-7", SECOND_SEEDS],
    ] as const) {
      const local = await runCli([...COMPARE, ...extra, "--workers", "2", "--out", join(dir, out)]);
      expect(local.exitCode).toBe(0);
    }
    for (let i = 0; i < 3; i++) workers.push(await startWorker(redis.url, join(dir, `cache-${i}`), ["--lock-ms", "2000"]));
  }, 150_000);

  afterAll(async () => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    for (const worker of workers) if (alive(worker)) await worker.kill();
    await queue?.close();
    await redis?.stop();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it("has redis-server", () => {
    expect(REDIS_AVAILABLE, `${REDIS_SERVER} is missing (SPANLAB_REQUIRE_REDIS=1)`).toBe(true);
  });

  it("finishes a compare whose worker is killed mid-run, with the local run's figures", async () => {
    const out = join(dir, "queued");
    const running = runCli([...COMPARE, "--queue", redis!.url, "--out", out]);
    let finished = false;
    running.then(
      () => (finished = true),
      () => (finished = true),
    );
    // The first worker to start a job is killed while it trains it.
    const [victim, killedId] = await until("worker starting a job", () => {
      if (finished) throw new Error("the compare finished before any worker was seen starting a job");
      for (const worker of workers) {
        const id = trainedIds(worker.log())[0];
        if (id !== undefined) return [worker, id] as const;
      }
      return undefined;
    });
    await victim.kill("SIGKILL");
    expect(victim.log()).not.toContain(`job ${killedId}: done`);
    const result = await running;
    expect(result.exitCode).toBe(0);
    expectSameAsLocal(out, join(dir, "local"));

    // Its lock expired and another worker trained it.
    const others = workers.filter((worker) => worker !== victim);
    expect(others.some((worker) => worker.log().includes(`job ${killedId}: train `))).toBe(true);
    expect(others.some((worker) => worker.log().includes(`job ${killedId}: done`))).toBe(true);
    firstIds = [...new Set(others.flatMap((worker) => trainedIds(worker.log())))];
    expect(firstIds).toHaveLength(4);
    expect(firstIds).toContain(killedId);
  }, 120_000);

  it("collects a duplicate compare from the finished jobs without training again; one job per payload", async () => {
    const before = logs().map((text) => trainedIds(text).length);
    const result = await runCli([...COMPARE, "--queue", redis!.url, "--out", join(dir, "queued-again")]);
    expect(result.exitCode).toBe(0);
    expectSameAsLocal(join(dir, "queued-again"), join(dir, "local"));
    expect(logs().map((text) => trainedIds(text).length)).toEqual(before);

    // The same payload added twice under its id (its hash) is the one job, left completed.
    const id = firstIds[0]!;
    const job = (await queue!.getJob(id)) as Job;
    expect(jobIdOf(job.data as JobPayload)).toBe(id);
    const counts = await queue!.getJobCounts();
    for (let i = 0; i < 2; i++) await queue!.add(JOB_NAME, job.data, { jobId: id });
    expect(await queue!.getJobCounts()).toEqual(counts);
    const all = await queue!.getJobs(["completed", "failed", "active", "waiting", "delayed", "prioritized", "paused", "waiting-children"]);
    expect(all.filter((j) => j.id === id)).toHaveLength(1);
    expect(await queue!.getJobState(id)).toBe("completed");
    expect((await queue!.getJob(id))!.finishedOn).toBe(job.finishedOn);
    await sleep(1500);
    expect(logs().map((text) => trainedIds(text).length)).toEqual(before);
  }, 120_000);

  it("refuses a malformed payload, an invalid config and a foreign job with their reasons, and goes on", async () => {
    const good = (await queue!.getJob(firstIds[0]!))!.data as JobPayload;
    const bad: [string, string, unknown, RegExp][] = [
      ["bad-format", JOB_NAME, { format: "nope" }, /not a spanlab training job: .*format/],
      ["bad-epochs", JOB_NAME, { ...good, config: { ...good.config, epochs: -1 } }, /its training config is invalid: epochs: /],
      ["foreign", "other", good, /a foreign job \(name "other", expected "train"\)/],
    ];
    for (const [jobId, name, data] of bad) await queue!.add(name, data, { jobId });
    for (const [jobId, , , reason] of bad) {
      const state = await until(`final state of ${jobId}`, async () => {
        const s = await queue!.getJobState(jobId);
        return s === "failed" || s === "completed" ? s : undefined;
      });
      expect(state, jobId).toBe("failed");
      const failedReason = (await queue!.getJob(jobId))!.failedReason;
      expect(failedReason).toMatch(reason);
      // The worker that took it logged the same reason.
      await until(
        `refusal of ${jobId} in a worker's log`,
        () => (logs().some((text) => text.includes(`job ${jobId}: refused: ${failedReason}`)) ? true : undefined),
        10_000,
      );
    }
    // Nothing was trained, and every worker is still running.
    expect(workers.filter(alive)).toHaveLength(2);
    expect(logs().join("\n")).not.toMatch(/job (bad-format|bad-epochs|foreign): train /);
  }, 60_000);

  it("finishes with --resume a coordinator killed mid-compare, each run trained once", async () => {
    const out = join(dir, "resumed");
    const before = liveWorkers().map((worker) => worker.log().length);
    const child = spawn(process.execPath, [CLI, ...COMPARE, ...SECOND_SEEDS, "--queue", redis!.url, "--out", out], { stdio: ["ignore", "pipe", "pipe"] });
    children.push(child);
    let output = "";
    child.stdout!.on("data", (chunk) => (output += chunk));
    child.stderr!.on("data", (chunk) => (output += chunk));
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    try {
      await until(
        "first run folder",
        () => {
          if (child.exitCode !== null) throw new Error(`the coordinator exited (${child.exitCode}) before it wrote a run:\n${output}`);
          const runs = join(out, "runs");
          return existsSync(runs) && readdirSync(runs).some((name) => !name.startsWith(".")) ? true : undefined;
        },
        90_000,
      );
    } finally {
      child.kill("SIGKILL");
      await exited;
    }
    expect(child.signalCode, output).toBe("SIGKILL");
    expect(existsSync(join(out, "comparison.json"))).toBe(false);
    const collected = readdirSync(join(out, "runs")).filter((name) => !name.startsWith("."));
    expect(collected.length).toBeGreaterThan(0);
    expect(collected.length).toBeLessThan(4);

    const result = await runCli(["compare", "--resume", out, "--queue", redis!.url]);
    expect(result.exitCode).toBe(0);
    expectSameAsLocal(out, join(dir, "local-7"));
    const phaseLogs = liveWorkers().map((worker, i) => worker.log().slice(before[i]));
    const trained = phaseLogs.flatMap(trainedIds);
    expect(trained).toHaveLength(4);
    expect(new Set(trained).size).toBe(4);
    for (const id of trained) expect(firstIds).not.toContain(id);
    // The workers that refused case 3's jobs trained good ones after.
    for (const worker of liveWorkers()) {
      const text = worker.log();
      if (text.includes(": refused: ")) expect(text.slice(text.lastIndexOf(": refused: "))).toMatch(/: done in /);
    }
  }, 150_000);

  it("says Redis is unreachable at start and writes no comparison", async () => {
    const port = await closedPort();
    const out = join(dir, "unreachable");
    await expect(runCli([...COMPARE, "--queue", `redis://127.0.0.1:${port}`, "--out", out])).rejects.toThrow(/cannot reach Redis/);
    expect(existsSync(join(out, "comparison.json"))).toBe(false);
    expect(existsSync(out) ? readdirSync(out) : []).toEqual([]);
  }, 30_000);
});
