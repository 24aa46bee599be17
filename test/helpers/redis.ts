/**
 * Redis for the queue tests (test/queue/): Debian's redis-server, started privately per test file on a free
 * loopback port with no persistence (so a restart loses everything, as the fault tests want), and the
 * `spanlab worker` processes that take the jobs. The tests skip with a note when redis-server is missing,
 * unless SPANLAB_REQUIRE_REDIS=1 (as .ci/run sets it after installing redis-server), where they fail.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";

export const REDIS_SERVER = "/usr/bin/redis-server";
export const REDIS_REQUIRED = process.env.SPANLAB_REQUIRE_REDIS === "1";
export const REDIS_AVAILABLE = existsSync(REDIS_SERVER);
/** The built CLI the worker processes run (npm test builds it first). */
export const CLI = join(import.meta.dirname, "../../dist/src/cli/main.js");

export interface TestRedis {
  url: string;
  port: number;
  /** Stops the server (its data is gone: no persistence). */
  stop(): Promise<void>;
  /** Stops it and starts an empty one on the same port. */
  restart(): Promise<void>;
}

async function freePort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}

async function waitForExit(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((resolve) => child.once("exit", () => resolve()));
}

export async function startRedis(): Promise<TestRedis> {
  const port = await freePort();
  let child: ChildProcess;
  const launch = async () => {
    child = spawn(REDIS_SERVER, ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--protected-mode", "no"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout!.on("data", (chunk) => (output += chunk));
    child.stderr!.on("data", (chunk) => (output += chunk));
    const started = Date.now();
    while (!output.includes("Ready to accept connections")) {
      if (child.exitCode !== null) throw new Error(`redis-server exited: ${output}`);
      if (Date.now() - started > 10_000) throw new Error(`redis-server did not start within 10 s: ${output}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  await launch();
  const stop = async () => {
    child.kill("SIGKILL");
    await waitForExit(child);
  };
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    stop,
    restart: async () => {
      await stop();
      await launch();
    },
  };
}

export interface WorkerProcess {
  child: ChildProcess;
  /** Everything the worker logged so far. */
  log(): string;
  /** Resolves once the log matches. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/** Starts `spanlab worker` on `url` (one job at a time by default) and waits until it takes jobs. */
export async function startWorker(url: string, cache: string, extra: string[] = []): Promise<WorkerProcess> {
  const child = spawn(process.execPath, [CLI, "worker", "--queue", url, "--concurrency", "1", "--cache", cache, "--lock-ms", "2000", ...extra], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let text = "";
  child.stdout!.on("data", (chunk) => (text += chunk));
  child.stderr!.on("data", (chunk) => (text += chunk));
  const worker: WorkerProcess = {
    child,
    log: () => text,
    waitFor: async (pattern, timeoutMs = 60_000) => {
      const started = Date.now();
      for (;;) {
        const match = text.match(pattern);
        if (match !== null) return match;
        if (child.exitCode !== null) throw new Error(`spanlab worker exited (${child.exitCode}) before ${pattern}:\n${text}`);
        if (Date.now() - started > timeoutMs) throw new Error(`spanlab worker: no ${pattern} within ${timeoutMs} ms:\n${text}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    kill: async (signal = "SIGKILL") => {
      child.kill(signal);
      await waitForExit(child);
    },
  };
  await worker.waitFor(/taking jobs/);
  return worker;
}

/**
 * comparison.json without what measures the clock rather than the data: its creation time, each run's and
 * epoch's wall seconds, and the training-time metric — the rest must be equal for a queued and a local run.
 */
export function withoutTimings(value: unknown): unknown {
  if (Array.isArray(value)) {
    return value.filter((item) => !(item !== null && typeof item === "object" && Object.values(item).includes("train_seconds"))).map(withoutTimings);
  }
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      if (key === "created" || key === "wall_seconds" || key === "wallSeconds" || key === "train_seconds") continue;
      out[key] = withoutTimings(item);
    }
    return out;
  }
  return value;
}
