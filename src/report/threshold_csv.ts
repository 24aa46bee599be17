/**
 * The threshold sweeps as CSV:
 *  - threshold_optimization_results.csv: `threshold,f1,precision,recall,n_true,n_pred` (the reference's
 *    columns) for the first seed's run of the first objective (the reference's soft-span run), scored on
 *    its validation windows;
 *  - threshold_sweeps.csv: every run's validation sweep in long format, with objective, seed and the
 *    probabilities thresholded (sigmoid / posterior marginals / emission softmax).
 */
import type { ComparisonResult } from "../compare/types.js";
import type { ThresholdRow } from "../eval/threshold.js";
import { toCsv } from "./csv.js";
import { formatThreshold } from "./format.js";
import { firstRun, runsOf } from "./model.js";

export const THRESHOLD_HEADER = ["threshold", "f1", "precision", "recall", "n_true", "n_pred"] as const;
export const SWEEPS_HEADER = ["objective", "seed", "source", "threshold", "f1", "precision", "recall", "n_true", "n_pred"] as const;

/**
 * Threshold and scores as the sweep computed them: the threshold as the exact grid decimal, scores with
 * 6 decimals — enough to reproduce the reference's 4-decimal tables and to re-rank rows.
 */
function sweepFields(row: ThresholdRow): (string | number)[] {
  return [formatThreshold(row.threshold), row.f1.toFixed(6), row.precision.toFixed(6), row.recall.toFixed(6), row.nTrue, row.nPredicted];
}

/** threshold_optimization_results.csv: the first seed's run of the first objective, its validation sweep. */
export function thresholdCsv(result: ComparisonResult): string {
  const choice = firstRun(result, result.objectives[0]!.name).evaluation.thresholds[0]!;
  return toCsv(THRESHOLD_HEADER, choice.validationSweep.map(sweepFields));
}

/** How a threshold source is named: the head's own probability by its key, a reading by its own. */
export function sourceName(result: ComparisonResult, objective: string, source: string): string {
  return source === "probabilities" ? (result.objectives.find((o) => o.name === objective)?.probabilityKey ?? source) : source;
}

/** threshold_sweeps.csv: every run's every validation sweep. */
export function sweepsCsv(result: ComparisonResult): string {
  const rows: (string | number)[][] = [];
  for (const objective of result.objectives) {
    for (const run of runsOf(result, objective.name)) {
      for (const choice of run.evaluation.thresholds) {
        for (const row of choice.validationSweep) rows.push([objective.name, run.seed, sourceName(result, objective.name, choice.source), ...sweepFields(row)]);
      }
    }
  }
  return toCsv(SWEEPS_HEADER, rows);
}
