/**
 * "How sure is each head of its span?" as the documents print it (FINAL_COMPARISON, report.html): the
 * comparison model's span posterior section (src/compare/analysis/span_posterior.ts), formatted, never
 * computed.
 */
import type { ObjectiveSpanPosterior } from "../compare/analysis/span_posterior.js";
import type { Coverage } from "../eval/recalibration.js";
import { formatValue } from "./format.js";
import { mdTable } from "./markdown.js";

interface Named {
  name: string;
  label: string;
}

const score = (value: number) => formatValue(value, "score");
const coverage = (c: Coverage) => `${score(c.rate)} [${score(c.low)}, ${score(c.high)}] (${c.covered}/${c.total})`;
const beforeAfter = (before: number, after: number) => `${score(before)} → ${score(after)}`;

/** Header and rows: one row per objective. */
export function spanPosteriorTable(sections: readonly ObjectiveSpanPosterior[], objectives: readonly Named[]): { header: string[]; rows: string[][] } {
  const label = (name: string) => objectives.find((o) => o.name === name)?.label ?? name;
  return {
    header: [
      "Objective",
      "Temperature (mean; per run)",
      "Start interval coverage, T = 1 → fitted T",
      "End interval coverage, T = 1 → fitted T",
      "ECE of per-bar p, raw → isotonic",
      "ECE of P(IoU ≥ ½), raw → calibrated",
      "MBR expected IoU (claimed)",
      "Best IoU among the top spans",
    ],
    rows: sections.map((s) => [
      label(s.objective),
      `${formatValue(s.meanTemperature, "score")} (${s.temperatures.map((t) => formatValue(t, "score")).join(", ")})`,
      `${coverage(s.coverage.startBefore)} → ${coverage(s.coverage.startAfter)}`,
      `${coverage(s.coverage.endBefore)} → ${coverage(s.coverage.endAfter)}`,
      beforeAfter(s.bars.eceBefore, s.bars.eceAfter),
      beforeAfter(s.spans.eceBefore, s.spans.eceAfter),
      score(s.claimedExpectedIoU),
      `${score(s.topBestIoU)} (top ${s.topK})`,
    ]),
  };
}

/** What the section's numbers are, in words (the same for every document). */
export function spanPosteriorExplanation(sections: readonly ObjectiveSpanPosterior[]): string {
  const fitted = sections.map((s) => s.fittedOn / Math.max(1, s.runs));
  return [
    "Each head's exact posterior over single spans (docs/spec.md §12), on the scored (validation) windows.",
    `Its calibration is fitted on each run's own training windows (about ${Math.round(fitted[0] ?? 0)} per run), never on the windows scored:`,
    "a temperature T (dividing every path score; T > 1 means the head was overconfident) by the true span's negative log-likelihood,",
    "and isotonic maps for per-bar p and for the span confidence P(IoU(MBR, true span) ≥ ½).",
    "Coverage: the share of scored windows whose true start (end) bar lies in the 90% equal-tailed credible interval, pooled over runs, with its 95% Wilson interval;",
    "an equal-tailed interval of a discrete distribution holds at least 90% of the mass, often more, so a calibrated head covers a little over 0.9.",
    "ECE: expected calibration error over 10 equal-width bins, the mean over runs.",
  ].join(" ");
}

export function spanPosteriorMarkdown(sections: readonly ObjectiveSpanPosterior[], objectives: readonly Named[]): string[] {
  const table = spanPosteriorTable(sections, objectives);
  return [
    "### How sure is each head of its span?",
    "",
    spanPosteriorExplanation(sections),
    "",
    mdTable(table.header, table.rows, ["l", "l", "l", "l", "r", "r", "r", "r"]),
    "",
  ];
}
