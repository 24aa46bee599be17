/**
 * SOFT_SPAN_VS_CRF_RESULTS.csv — `metric,<first column>,<second column>,winner,notes`, the reference's
 * columns (`metric,soft_span_loss,crf,winner,notes`) — and the same rows as text for the decision matrix
 * of the markdown and report.html. The rows and their values are the model's `resultRows`.
 */
import type { ComparisonResult } from "../compare/types.js";
import { toCsv } from "./csv.js";
import { say } from "./model.js";

/** A results row as printed: the metric, one cell per objective (comparison order), the winner, the notes. */
export interface PrintedRow {
  metric: string;
  cells: string[];
  winner: string;
  notes: string;
}

export function resultTableRows(result: ComparisonResult): PrintedRow[] {
  return result.resultRows.map((row) => ({
    metric: row.metric,
    cells: result.objectives.map((o) => say(result, row.cells[o.name] ?? [])),
    winner: row.winner,
    notes: say(result, row.notes),
  }));
}

export function resultsHeader(result: ComparisonResult): string[] {
  return ["metric", ...result.objectives.map((o) => o.column), "winner", "notes"];
}

export function resultsCsv(result: ComparisonResult): string {
  return toCsv(
    resultsHeader(result),
    resultTableRows(result).map((r) => [r.metric, ...r.cells, r.winner, r.notes]),
  );
}
