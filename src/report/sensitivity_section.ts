/**
 * The sensitivity section as the bundle's documents print it (FINAL_COMPARISON's "Does the verdict
 * depend on the settings?", the summary's block, report.html's section): the points of
 * `result.sensitivity`, formatted, never computed.
 */
import type { ComparisonResult, SensitivityPoint } from "../compare/types.js";
import { pointName } from "../compare/analysis/sensitivity.js";
import { fixed, formatValue } from "./format.js";
import { mdTable, plotImage, type DocumentContext } from "./markdown.js";
import { capitalised, pairName, winnerName } from "./model.js";

const interval = (s: { mean: number; low: number; high: number } | undefined): string =>
  s ? `${formatValue(s.mean, "score")} [${formatValue(s.low, "score")}, ${formatValue(s.high, "score")}]` : "—";

/** The setting a point changes, in words: "pos_weight balanced × 0.25 (3.31)", "100 epochs". */
export function pointSetting(point: SensitivityPoint): string {
  const own = point.main ? " — the compare's own" : "";
  if (point.axis !== "pos_weight") return `${pointName(point)}${own}`;
  return `pos_weight ${point.setting}${point.posWeight === null ? "" : ` (${fixed(point.posWeight, 2)})`}${own}`;
}

/** Header and rows of the sensitivity table: each objective's F1, each pair's difference (earlier − later), the winner. */
export function sensitivityTable(result: ComparisonResult): { header: string[]; rows: string[][] } {
  const sensitivity = result.sensitivity!;
  const pairs = sensitivity.points[0]?.pairs ?? [];
  return {
    header: ["Setting", ...result.objectives.map((o) => `${capitalised(o.shortLabel)} F1`), ...pairs.map((pair) => pairName(result, pair)), "Winner"],
    rows: sensitivity.points.map((point) => [
      pointSetting(point),
      ...result.objectives.map((o) => interval(point.f1[o.name])),
      ...point.pairs.map(interval),
      winnerName(result, point.winner),
    ]),
  };
}

/** Why a bundle has no sensitivity points. */
export function noSensitivityText(result: ComparisonResult): string {
  return result.tuning
    ? "No sensitivity runs: a tuned comparison reports instead the inner score of every setting its search tried, per outer fold (the nested-selection section)."
    : "No sensitivity runs were trained (--sensitivity none, or the reference protocol).";
}

/** FINAL_COMPARISON's section (without its number). */
export function sensitivityMarkdown(result: ComparisonResult, context: DocumentContext, heading: string): string[] {
  const out = [heading, ""];
  const sensitivity = result.sensitivity;
  if (!sensitivity) {
    out.push(noSensitivityText(result), "");
    return out;
  }
  const table = sensitivityTable(result);
  out.push(`**${sensitivity.sentence}**`, "");
  out.push(
    `Span F1 of each objective's own decoder at other settings than the comparison's, each point trained on ${sensitivity.seeds.length === 1 ? `seed ${sensitivity.seeds[0]}` : `seeds ${sensitivity.seeds.join(", ")}`} with everything else unchanged; ` +
      `objectives that do not read pos_weight keep their main run. Intervals: ${sensitivity.intervalMethod}. ${result.objectives.length === 2 ? "A winner is named when the interval of the difference excludes 0." : "A winner is named when its intervals against every other objective exclude 0."}`,
    "",
  );
  out.push(
    mdTable(
      table.header,
      table.rows,
      table.header.map((_, i) => (i === 0 || i === table.header.length - 1 ? "l" : "r")),
    ),
    "",
  );
  for (const line of sensitivity.notRun) out.push(`- Not run: ${line}.`);
  if (sensitivity.notRun.length > 0) out.push("");
  out.push(plotImage(context, "sensitivity"), "");
  return out;
}

/** The summary's lines (plain text, one per point, then the sentence). */
export function sensitivityLines(result: ComparisonResult): string[] {
  const sensitivity = result.sensitivity;
  if (!sensitivity) return [noSensitivityText(result)];
  const lines = sensitivity.points.map(
    (point) =>
      `${pointSetting(point)}: ${result.objectives.map((o) => `${o.shortLabel} ${interval(point.f1[o.name])}`).join(", ")}; winner ${winnerName(result, point.winner)}`,
  );
  lines.push(sensitivity.sentence);
  for (const line of sensitivity.notRun) lines.push(`Not run: ${line}.`);
  return lines;
}
