/**
 * `spanlab compare` end to end: the comparison (compare/ trains, evaluates and analyses into the
 * comparison model, written as comparison.json) and then the analysis bundle rendered from that model
 * (report/). This layer sits above both so that neither depends on the other: compare knows nothing of
 * documents, and the report only renders a model it is given.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { COMPARISON_FILE, compare, type CompareOptions, type CompareOutcome } from "../compare/compare.js";
import type { ComparisonResult } from "../compare/types.js";
import { removeTemporaryFiles } from "../util/files.js";
import { withFolderLock } from "../util/lock.js";
import { resumeAnyComparison, tuneCompare, type TuneCompareOptions } from "../compare/tune.js";
import { BUNDLE_MANIFEST, bundleComplete, writeBundle } from "../report/bundle.js";

export interface BundleOutcome extends CompareOutcome {
  /** Every file of the bundle written, in order. */
  files: string[];
}

async function withBundle(outcome: CompareOutcome, onMessage: ((message: string) => void) | undefined): Promise<BundleOutcome> {
  onMessage?.("writing the analysis bundle");
  const files = await writeBundle(outcome.result, outcome.bundleDirectory);
  return { ...outcome, files };
}

/** Runs a new comparison into a new folder and writes its analysis bundle there. */
export async function compareAndWriteBundle(options: CompareOptions): Promise<BundleOutcome> {
  return withBundle(await compare(options), options.onMessage);
}

/** Runs a new tuned comparison (`compare --tune`: nested selection) and writes its analysis bundle. */
export async function tuneAndWriteBundle(options: TuneCompareOptions): Promise<BundleOutcome> {
  return withBundle(await tuneCompare(options), options.onMessage);
}

/** Finishes an interrupted comparison, tuned or not, in its folder (reusing every completed run) and writes its bundle. */
export async function resumeAndWriteBundle(
  bundleDirectory: string,
  options: Pick<CompareOptions, "workers" | "onRunEvent" | "onMessage"> = {},
): Promise<BundleOutcome> {
  // Temporary files of writes a kill interrupted (the run folders recover on their own when resumed).
  if (existsSync(bundleDirectory)) removeTemporaryFiles(bundleDirectory, ["runs"]);
  if (existsSync(join(bundleDirectory, COMPARISON_FILE))) {
    if (bundleComplete(bundleDirectory)) {
      throw new Error(`${bundleDirectory}: this comparison is already complete (every file its ${BUNDLE_MANIFEST} names is present and unchanged)`);
    }
    // Killed after the model was written: the runs and the model are done; only the documents are missing.
    options.onMessage?.(`${COMPARISON_FILE} is complete; writing the bundle's missing or changed files`);
    const result = JSON.parse(readFileSync(join(bundleDirectory, COMPARISON_FILE), "utf8")) as ComparisonResult;
    return withFolderLock(bundleDirectory, "the bundle", () => withBundle({ bundleDirectory, result }, options.onMessage));
  }
  return withBundle(await resumeAnyComparison(bundleDirectory, options), options.onMessage);
}
