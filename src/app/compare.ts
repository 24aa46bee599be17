/**
 * `spanlab compare` end to end: the comparison (compare/ trains, evaluates and analyses into the
 * comparison model, written as comparison.json) and then the analysis bundle rendered from that model
 * (report/). This layer sits above both so that neither depends on the other: compare knows nothing of
 * documents, and the report only renders a model it is given.
 */
import { compare, type CompareOptions, type CompareOutcome } from "../compare/compare.js";
import { resumeAnyComparison, tuneCompare, type TuneCompareOptions } from "../compare/tune.js";
import { writeBundle } from "../report/bundle.js";

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
  return withBundle(await resumeAnyComparison(bundleDirectory, options), options.onMessage);
}
