/**
 * The Redis queue against local worker threads (docs/distributed.md): one 10-run compare (soft and CRF,
 * 5 paired seeds, a few epochs, no sensitivity runs) four ways — 1 and 2 local worker threads, and through
 * the queue with 1 and 2 `spanlab worker` processes (each one job at a time, as two machines would be) —
 * with the queue's overhead per job, (queued − local) ÷ runs at one worker each, and the speed-up of two
 * workers over one (the issue asks ≥ 1.8×). Needs /usr/bin/redis-server (a private one is started on a
 * free port, no persistence) and `npm run build`; skipped with a note otherwise. Run alone with
 * `npx tsc -p tsconfig.bench.json && node bench-dist/bench/queue.js [epochs]`.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compareAndWriteBundle } from "../src/app/compare.js";
import { openQueueRuns } from "../src/queue/queue_runs.js";
import { localRuns, type RunExecutor } from "../src/train/executor.js";
import { parseQueueUrl } from "../src/queue/queue_url.js";
import { defaultDataPath, packageRoot } from "../src/util/package.js";

const REDIS_SERVER = "/usr/bin/redis-server";
const CLI = join(packageRoot(), "dist", "src", "cli", "main.js");

async function waitForLine(child: ChildProcess, pattern: RegExp, what: string): Promise<void> {
  let text = "";
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      text += chunk;
      if (pattern.test(text)) resolve();
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.once("exit", (code) => reject(new Error(`${what} exited (${code}): ${text}`)));
  });
}

export async function runQueueBench(epochs = 5): Promise<void> {
  if (!existsSync(REDIS_SERVER)) {
    console.log(`queue bench: skipped (${REDIS_SERVER} missing; apt-get install redis-server)`);
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), "spanlab-bench-queue-"));
  const port = 20000 + Math.floor(Math.random() * 20000);
  const redis = spawn(REDIS_SERVER, ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], { stdio: ["ignore", "pipe", "pipe"] });
  const workers: ChildProcess[] = [];
  try {
    await waitForLine(redis, /Ready to accept connections/, "redis-server");
    const url = `redis://127.0.0.1:${port}`;
    const settings = { data: defaultDataPath(), objectives: ["soft", "crf"], seeds: 5, epochs, sensitivity: "none" as const };
    // The whole compare, and its training phase alone: the executor's run (which includes each run's
    // evaluation as it finishes, the same on both) — the part the queue distributes.
    let trainingSeconds = 0;
    const clocked = (executor: RunExecutor): RunExecutor => ({
      describe: executor.describe,
      run: async (jobs, onEvent, onJobDone) => {
        const started = performance.now();
        await executor.run(jobs, onEvent, onJobDone);
        trainingSeconds += (performance.now() - started) / 1000;
      },
    });
    const timed = async (label: string, executor: RunExecutor, firstSeed: number) => {
      trainingSeconds = 0;
      const started = performance.now();
      const out = join(dir, label);
      await compareAndWriteBundle({ ...settings, firstSeed, executor: clocked(executor), out });
      // The epochs' own time, summed over the runs (metrics.jsonl): what is left of a slot's time is overhead.
      let epochSeconds = 0;
      for (const run of readdirSync(join(out, "runs"))) {
        for (const line of readFileSync(join(out, "runs", run, "metrics.jsonl"), "utf8").split("\n")) {
          if (line.trim() !== "") epochSeconds += (JSON.parse(line) as { wall_seconds: number }).wall_seconds;
        }
      }
      return { total: (performance.now() - started) / 1000, training: trainingSeconds, epochSeconds };
    };
    const local1 = await timed("local-1", localRuns(1), 1);
    const local2 = await timed("local-2", localRuns(2), 1);
    const queued = async (count: number) => {
      // A database of its own per measurement: the same runs as local (seeds from 1), none done already.
      const database = `${url}/${count}`;
      const started: ChildProcess[] = [];
      try {
        // Each worker its own cache, as on its own machine (the window file is fetched once per worker).
        for (let i = 0; i < count; i++) {
          const child = spawn(process.execPath, [CLI, "worker", "--queue", database, "--concurrency", "1", "--cache", join(dir, `cache-${count}-${i}`)], {
            stdio: ["ignore", "pipe", "pipe"],
          });
          workers.push(child);
          started.push(child);
          await waitForLine(child, /taking jobs/, "spanlab worker");
        }
        const runs = await openQueueRuns({ address: parseQueueUrl(database) });
        try {
          return await timed(`queue-${count}`, runs, 1);
        } finally {
          await runs.close();
        }
      } finally {
        for (const child of started) child.kill("SIGTERM");
      }
    };
    const queue1 = await queued(1);
    const queue2 = await queued(2);
    const runs = 10;
    type Timing = { total: number; training: number; epochSeconds: number };
    // Per job, the time a slot (thread or worker) spent beyond the job's epochs: start-up, data, transfers, waits.
    const overhead = (t: Timing, slots: number) => `${(((t.training * slots - t.epochSeconds) / runs) * 1000).toFixed(0).padStart(6)} ms`;
    const line = (label: string, t: Timing, slots: number, extra = "") =>
      console.log(`  ${label.padEnd(26)} ${t.training.toFixed(1).padStart(7)} s ${t.total.toFixed(1).padStart(9)} s ${overhead(t, slots)}${extra}`);
    console.log(`Queue (BullMQ on a local redis-server) vs worker threads: compare of ${runs} runs (soft + CRF × 5 seeds, ${epochs} epochs)`);
    console.log(`  ${"".padEnd(26)} ${"training".padStart(9)} ${"compare".padStart(11)} ${"overhead/job".padStart(9)}`);
    line("local, 1 worker thread", local1, 1);
    line("local, 2 worker threads", local2, 2, `  (training ${(local1.training / local2.training).toFixed(2)}× one)`);
    line("queue, 1 spanlab worker", queue1, 1);
    line("queue, 2 spanlab workers", queue2, 2, `  (training ${(queue1.training / queue2.training).toFixed(2)}× one)`);
    console.log(
      "  (training: the runs from first enqueue to last collected, each evaluated as it lands; compare: all of it, the bundle included;\n" +
        "   overhead/job: (training × slots − the epochs' own seconds) ÷ runs; on 2 cores the coordinator's evaluations share the CPU with the workers)",
    );
  } finally {
    for (const child of workers) child.kill("SIGTERM");
    redis.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await runQueueBench(process.argv[2] === undefined ? undefined : Number(process.argv[2]));
}
