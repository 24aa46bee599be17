/**
 * `--queue URL` of compare, compare --tune and sweep: the training runs go to the Redis queue's workers
 * (src/queue, docs/distributed.md) instead of this machine's worker threads. Without the flag nothing
 * touches Redis.
 */
import type { RunExecutor } from "../train/executor.js";
import { openQueueRuns } from "../queue/queue_runs.js";
import { parseQueueUrl } from "../queue/queue_url.js";

export const QUEUE_FLAG_HELP =
  "train every run as a job on this Redis queue (redis://[:password@]host:port[/db], rediss:// for TLS) for `spanlab worker` processes to take";

/** Runs `work` with the queue's executor when `url` is given (closing it after), else with none. */
export async function withQueue<T>(
  url: string | undefined,
  workersGiven: boolean,
  onMessage: (message: string) => void,
  work: (executor: { executor?: RunExecutor }) => Promise<T>,
): Promise<T> {
  if (url === undefined) return work({});
  if (workersGiven)
    throw new Error("--workers sets this machine's worker threads; with --queue the runs go to the queue's workers (spanlab worker --concurrency)");
  const runs = await openQueueRuns({ address: parseQueueUrl(url), log: onMessage });
  try {
    return await work({ executor: runs });
  } finally {
    await runs.close();
  }
}
