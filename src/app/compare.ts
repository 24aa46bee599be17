/**
 * `spanlab compare` end to end: the comparison (compare/ trains, evaluates and analyses into the
 * comparison model, written as comparison.json) and then the analysis bundle rendered from that model
 * (report/). This layer sits above both so that neither depends on the other: compare knows nothing of
 * documents, and the report only renders a model it is given.
 */
import { readComparisonModel } from "../compare/read_comparison.js";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { COMPARISON_FILE, compare, lockedComparison, type CompareOptions, type CompareOutcome } from "../compare/compare.js";
import { removeTemporaryFiles } from "../util/files.js";
import { resumeAnyComparison, tuneCompare, type TuneCompareOptions } from "../compare/tune.js";
import { BUNDLE_MANIFEST, bundleComplete, writeBundle } from "../report/bundle.js";

export interface BundleOutcome extends CompareOutcome {
  /** Every file of the bundle written, in order. */
  files: string[];
}

/**
 * The comparison `run` starts, with its bundle written by its `finish` hook: inside the folder's lock,
 * right after the comparison model, so no second writer can come between the model and its documents.
 */
async function withBundle(
  run: (finish: (outcome: CompareOutcome) => Promise<void>) => Promise<CompareOutcome>,
  onMessage: ((message: string) => void) | undefined,
): Promise<BundleOutcome> {
  let files: string[] = [];
  const outcome = await run(async ({ result, bundleDirectory }) => {
    onMessage?.("writing the analysis bundle");
    files = await writeBundle(result, bundleDirectory);
  });
  return { ...outcome, files };
}

/** Runs a new comparison into a new folder and writes its analysis bundle there. */
export async function compareAndWriteBundle(options: CompareOptions): Promise<BundleOutcome> {
  return withBundle((finish) => compare({ ...options, finish }), options.onMessage);
}

/** Runs a new tuned comparison (`compare --tune`: nested selection) and writes its analysis bundle. */
export async function tuneAndWriteBundle(options: TuneCompareOptions): Promise<BundleOutcome> {
  return withBundle((finish) => tuneCompare({ ...options, finish }), options.onMessage);
}

/** Finishes an interrupted comparison, tuned or not, in its folder (reusing every completed run) and writes its bundle. */
export async function resumeAndWriteBundle(
  bundleDirectory: string,
  options: Pick<CompareOptions, "workers" | "executor" | "onRunEvent" | "onMessage"> = {},
): Promise<BundleOutcome> {
  // Temporary files of writes a kill interrupted (the run folders recover on their own when resumed).
  if (existsSync(bundleDirectory)) removeTemporaryFiles(bundleDirectory, ["runs"]);
  if (existsSync(join(bundleDirectory, COMPARISON_FILE))) {
    if (bundleComplete(bundleDirectory)) {
      throw new Error(`${bundleDirectory}: this comparison is already complete (every file its ${BUNDLE_MANIFEST} names is present and unchanged)`);
    }
    // Killed after the model was written: the runs and the model are done; only the documents are missing.
    options.onMessage?.(`${COMPARISON_FILE} is complete; writing the bundle's missing or changed files`);
    const result = readComparisonModel(join(bundleDirectory, COMPARISON_FILE));
    return withBundle((finish) => lockedComparison(bundleDirectory, { finish }, async () => ({ bundleDirectory, result })), options.onMessage);
  }
  return withBundle((finish) => resumeAnyComparison(bundleDirectory, { ...options, finish }), options.onMessage);
}
