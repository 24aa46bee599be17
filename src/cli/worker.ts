/**
 * `spanlab worker --queue URL [--concurrency N] [--cache DIR]`: takes training jobs from the Redis queue
 * (src/queue/queue_worker.ts, docs/distributed.md) until interrupted. Ctrl-C (or SIGTERM) stops taking jobs
 * and lets the running ones finish; a second one stops at once (those jobs go to another worker).
 */
import { availableParallelism, homedir } from "node:os";
import { join } from "node:path";
import type { Command } from "commander";
import { startQueueWorker } from "../queue/queue_worker.js";
import { parseQueueUrl } from "../queue/queue_url.js";
import { integerFlag } from "./flags.js";

interface WorkerFlags {
  queue?: string;
  concurrency?: string;
  cache?: string;
  lockMs: string;
}

export function registerWorkerCommand(program: Command): void {
  program
    .command("worker")
    .description("take training jobs from a Redis queue (compare/sweep --queue) and run them on this machine")
    .option("--queue <url>", "the queue: redis://[:password@]host:port[/db], or rediss://… for TLS")
    .option("--concurrency <n>", "jobs at once, one worker thread each (default: one per core)")
    .option("--cache <dir>", "where window files are cached and runs train (default ~/.cache/spanlab/queue)")
    .option("--lock-ms <ms>", "how long a job stays claimed by a worker that stopped answering, before another takes it", "30000")
    .action(async (flags: WorkerFlags) => {
      if (flags.queue === undefined) throw new Error("spanlab worker needs --queue redis://host:port (the Redis the coordinator enqueues on)");
      const log = (line: string) => process.stderr.write(`spanlab worker: ${line}\n`);
      const worker = await startQueueWorker({
        address: parseQueueUrl(flags.queue),
        concurrency: flags.concurrency === undefined ? availableParallelism() : integerFlag("concurrency", flags.concurrency, 1),
        cacheDirectory: flags.cache ?? join(homedir(), ".cache", "spanlab", "queue"),
        lockMs: integerFlag("lock-ms", flags.lockMs, 1000),
        log,
      });
      await new Promise<void>((resolve, reject) => {
        let stopping = false;
        const stop = () => {
          if (stopping) {
            log("stopping now; the running jobs go back to the queue once their locks expire");
            process.exit(130);
          }
          stopping = true;
          log("finishing the running jobs, then stopping (again to stop now)");
          worker.close().then(resolve, reject);
        };
        process.on("SIGINT", stop);
        process.on("SIGTERM", stop);
      });
      const { finished, refused, failed } = worker.counts;
      log(`stopped: ${finished} jobs finished, ${refused} refused, ${failed} failed`);
    });
}
