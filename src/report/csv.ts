/**
 * The bundle's CSV files, RFC 4180: comma-separated, CRLF line ends, a field quoted when it holds a
 * comma, a double quote, CR or LF (quotes doubled inside). The results table's notes carry commas and
 * intervals "[low, high]", so quoting is not optional.
 *
 *  - SOFT_SPAN_VS_CRF_RESULTS.csv: `metric,soft_span_loss,crf,winner,notes` (the reference's columns).
 *  - threshold_optimization_results.csv: `threshold,f1,precision,recall,n_true,n_pred` (the reference's
 *    columns) for the first seed's soft-span run, scored on its validation windows.
 *  - threshold_sweeps.csv: every run's validation sweep in long format, with objective, seed and the
 *    probabilities thresholded (sigmoid / posterior marginals / emission softmax).
 */
import type { ComparisonResult } from "../compare/types.js";
import type { ThresholdRow } from "../eval/threshold.js";
import { firstRun, resultRows, runsOf } from "./analysis.js";
import { OBJECTIVES } from "../compare/types.js";
import { formatThreshold } from "./format.js";

export const RESULTS_HEADER = ["metric", "soft_span_loss", "crf", "winner", "notes"] as const;
export const THRESHOLD_HEADER = ["threshold", "f1", "precision", "recall", "n_true", "n_pred"] as const;
export const SWEEPS_HEADER = ["objective", "seed", "source", "threshold", "f1", "precision", "recall", "n_true", "n_pred"] as const;

/** One field, quoted when RFC 4180 requires it. */
export function csvField(value: string | number): string {
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** A whole CSV document: header then rows, each line ended by CRLF (RFC 4180 §2.1). */
export function toCsv(header: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  for (const [i, row] of rows.entries()) {
    if (row.length !== header.length) throw new Error(`CSV row ${i + 1} has ${row.length} fields for ${header.length} columns`);
  }
  return [header, ...rows].map((row) => row.map(csvField).join(",") + "\r\n").join("");
}

/** SOFT_SPAN_VS_CRF_RESULTS.csv. */
export function resultsCsv(result: ComparisonResult): string {
  return toCsv(
    RESULTS_HEADER,
    resultRows(result).map((r) => [r.metric, r.soft, r.crf, r.winner, r.notes]),
  );
}

/**
 * Threshold and scores as the sweep computed them: the threshold as the exact grid decimal, scores with
 * 6 decimals — enough to reproduce the reference's 4-decimal tables and to re-rank rows.
 */
function sweepFields(row: ThresholdRow): (string | number)[] {
  return [formatThreshold(row.threshold), row.f1.toFixed(6), row.precision.toFixed(6), row.recall.toFixed(6), row.nTrue, row.nPredicted];
}

/** threshold_optimization_results.csv: the first seed's soft run, its validation sweep. */
export function thresholdCsv(result: ComparisonResult): string {
  const choice = firstRun(result, "soft").evaluation.thresholds[0]!;
  return toCsv(THRESHOLD_HEADER, choice.validationSweep.map(sweepFields));
}

/** How each threshold source is named in threshold_sweeps.csv. */
export function sourceName(objective: "soft" | "crf", source: "probabilities" | "emission_softmax"): string {
  if (source === "emission_softmax") return "emission_softmax";
  return objective === "crf" ? "posterior_marginals" : "sigmoid";
}

/** threshold_sweeps.csv: every run's every validation sweep. */
export function sweepsCsv(result: ComparisonResult): string {
  const rows: (string | number)[][] = [];
  for (const objective of OBJECTIVES) {
    for (const run of runsOf(result, objective)) {
      for (const choice of run.evaluation.thresholds) {
        for (const row of choice.validationSweep) rows.push([objective, run.seed, sourceName(objective, choice.source), ...sweepFields(row)]);
      }
    }
  }
  return toCsv(SWEEPS_HEADER, rows);
}
