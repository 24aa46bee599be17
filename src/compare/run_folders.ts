/**
 * The run folders of a comparison: whether each is finished (every epoch of its config, its last commit
 * whole), and training what is missing on the worker threads — new runs, and interrupted ones resumed.
 */
import { existsSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import type { TrainConfigInput } from "../train/config.js";
import { localRuns } from "../train/executor.js";
import type { WorkerJob } from "../train/parallel.js";
import { parseMetrics, type EpochRecord } from "../train/records.js";
import { commitComplete, readCommit } from "../train/run_commit.js";
import { RUN_FILES, type RunManifest } from "../train/train.js";
import { assertNoLinkBetween } from "../util/files.js";
import type { CompareOptions } from "./compare.js";
import type { ComparisonProtocol } from "./types.js";

/**
 * The records of a finished run, or null when the run is missing or incomplete; `epochs` defaults to the
 * run's own config.json.
 */
export function completedRecords(runDirectory: string, epochs?: number): EpochRecord[] | null {
  const metrics = join(runDirectory, RUN_FILES.metrics);
  if (!existsSync(metrics) || !existsSync(join(runDirectory, RUN_FILES.last))) return null;
  const wanted = epochs ?? readManifest(runDirectory).config.epochs;
  // A run whose last commit was cut short (or is not its last epoch) is resumed, which completes it.
  const commit = readCommit(runDirectory);
  if (commit && (commit.epoch !== wanted || !commitComplete(runDirectory, commit))) return null;
  const records = parseMetrics(readFileSync(metrics, "utf8"), metrics);
  return records.length === wanted ? records : null;
}

export function readManifest(runDirectory: string): RunManifest {
  return JSON.parse(readFileSync(join(runDirectory, RUN_FILES.config), "utf8")) as RunManifest;
}

/**
 * Trains what is missing of `runs` on the worker threads (or `options.executor`): resumes what was
 * interrupted, keeps what is done (a run is done when its metrics hold every epoch of its config).
 */
export async function trainMissing(
  bundleDirectory: string,
  runs: readonly { directory: string; config: TrainConfigInput }[],
  protocol: Pick<ComparisonProtocol, "workers" | "epochs">,
  options: Pick<CompareOptions, "onRunEvent" | "onMessage" | "executor"> & {
    /** Called with each run's folder once it has trained (not for runs found complete). */
    onRunDone?: (directory: string) => void;
  },
  what = "runs",
): Promise<void> {
  const message = options.onMessage ?? (() => {});
  // A run folder reached through a link could write anywhere: refused before any training.
  for (const run of runs) assertNoLinkBetween(bundleDirectory, run.directory);
  const pending = runs.filter((run) => completedRecords(run.directory, run.config.epochs ?? protocol.epochs) === null);
  const jobs: WorkerJob[] = pending.map((run) =>
    existsSync(join(run.directory, RUN_FILES.config))
      ? { kind: "resume", runDirectory: run.directory }
      : { kind: "train", config: run.config, options: { runDirectory: run.directory } },
  );
  if (runs.length > pending.length) message(`${runs.length - pending.length} of ${runs.length} ${what} already complete; reusing them`);
  if (jobs.length === 0) return;
  const executor = options.executor ?? localRuns(protocol.workers);
  message(`training ${jobs.length} ${what} ${executor.describe(jobs.length)}`);
  await executor.run(
    jobs,
    (index, event) => {
      options.onRunEvent?.(relative(join(bundleDirectory, "runs"), pending[index]!.directory), event);
    },
    options.onRunDone && ((index) => options.onRunDone!(pending[index]!.directory)),
  );
}
