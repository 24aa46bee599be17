/**
 * Training runs on worker threads, one run per thread, so several runs (both objectives, several seeds)
 * use every core. The kernels are single-threaded by design; parallelism lives here, across runs.
 */
import { runWorkerJob, type WorkerJobMessage, workerScript } from "../util/worker_job.js";
import type { TrainConfigInput } from "./config.js";
import type { TrainEvent, TrainOptions, TrainResult } from "./train.js";

export type WorkerJob =
  | { kind: "train"; config: TrainConfigInput; options: Omit<TrainOptions, "onEvent"> }
  | { kind: "resume"; runDirectory: string; stopAfterEpochs?: number; dataFile?: string };

export type WorkerMessage = WorkerJobMessage<TrainResult, { type: "event"; event: TrainEvent }>;

/** Runs one training job on its own worker thread; progress events arrive through `onEvent`. */
export function runJobInWorker(job: WorkerJob, onEvent?: (event: TrainEvent) => void): Promise<TrainResult> {
  return runWorkerJob<TrainResult, { type: "event"; event: TrainEvent }>(
    workerScript(import.meta.url, "train", "worker_entry.js"),
    job,
    "training worker",
    (message) => onEvent?.(message.event),
  );
}

/** Trains on a worker thread (see {@link train}). */
export function trainInWorker(config: TrainConfigInput, options: TrainOptions = {}): Promise<TrainResult> {
  const { onEvent, ...rest } = options;
  return runJobInWorker({ kind: "train", config, options: rest }, onEvent);
}

/**
 * Runs `jobs` with at most `workers` at a time, in order; results come back in job order. A failed job
 * rejects the whole batch after the running ones finish, so no half-written run is left behind unknowingly.
 * `onJobDone` hears of each job that succeeded once the next job is already started on the freed worker, so
 * work it does on this thread (evaluating the run) never holds a worker idle; a throw from it fails the batch
 * like a failed job.
 */
export async function runJobs(
  jobs: readonly WorkerJob[],
  workers: number,
  onEvent?: (index: number, event: TrainEvent) => void,
  onJobDone?: (index: number) => void,
): Promise<TrainResult[]> {
  if (!Number.isInteger(workers) || workers < 1) throw new Error(`workers must be a positive integer, got ${workers}`);
  const results: TrainResult[] = new Array(jobs.length);
  const failures: string[] = [];
  let next = 0;
  const followUps: Promise<void>[] = [];
  const followUp = (index: number) =>
    // setImmediate: after this lane has started its next job.
    new Promise<void>((resolve) =>
      setImmediate(() => {
        try {
          onJobDone?.(index);
        } catch (error) {
          failures.push(`job ${index + 1}, after it trained: ${(error as Error).message}`);
        }
        resolve();
      }),
    );
  const lane = async () => {
    while (next < jobs.length) {
      const index = next++;
      try {
        results[index] = await runJobInWorker(jobs[index]!, onEvent && ((event) => onEvent(index, event)));
        if (onJobDone) followUps.push(followUp(index));
      } catch (error) {
        failures.push(`job ${index + 1}: ${(error as Error).message}`);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(workers, jobs.length) }, lane));
  await Promise.all(followUps);
  if (failures.length > 0) throw new Error(`${failures.length} of ${jobs.length} training runs failed:\n  ${failures.join("\n  ")}`);
  return results;
}
