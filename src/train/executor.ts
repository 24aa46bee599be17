/**
 * Where a batch of training runs executes: on worker threads of this machine (`localRuns`, the default) or
 * elsewhere — the Redis job queue of src/queue (docs/distributed.md). The library asks only this interface,
 * so compare, tune and sweep run the same way on either, and nothing in the library needs Redis.
 */
import { runJobs, type WorkerJob } from "./parallel.js";
import type { TrainEvent } from "./train.js";

export interface RunExecutor {
  /** How the runs execute, for the progress message: "on 2 worker threads", "on the queue redis://…". */
  describe(jobs: number): string;
  /**
   * Runs every job; on return each job's run folder (`options.runDirectory`, or the resumed `runDirectory`)
   * holds the finished run, exactly as training it here would have left it. `onEvent` relays each run's
   * training events; `onJobDone` hears of each finished job (not blocking the others); a failed job rejects
   * after the others finish, naming every failure.
   */
  run(jobs: readonly WorkerJob[], onEvent?: (index: number, event: TrainEvent) => void, onJobDone?: (index: number) => void): Promise<void>;
}

/** Worker threads on this machine, at most `workers` at once. */
export function localRuns(workers: number): RunExecutor {
  return {
    describe: (jobs) => `on ${Math.min(workers, jobs)} worker threads`,
    run: async (jobs, onEvent, onJobDone) => {
      await runJobs(jobs, workers, onEvent, onJobDone);
    },
  };
}
