/**
 * "Is the class task learned?" as the documents print it (FINAL_COMPARISON §8, the summary, report.html):
 * `result.classHead`, formatted, never computed.
 */
import type { ComparisonResult } from "../compare/types.js";
import { formatValue } from "./format.js";
import { mdTable } from "./markdown.js";
import { capitalised } from "./model.js";

const score = (value: number) => formatValue(value, "score");
const percent = (share: number) => formatValue(100 * share, "percent");

/** Header and rows: one row per objective, then the logistic baseline. */
export function classHeadTable(result: ComparisonResult): { header: string[]; rows: string[][] } {
  const c = result.classHead;
  const rows = result.objectives.map((o) => {
    const head = c.byObjective[o.name]!;
    return [
      capitalised(o.label),
      score(head.accuracy.mean),
      score(head.majority.mean),
      percent(head.predictedMajorityShare.mean),
      `${formatValue(head.typeLoss.first, "loss")} → ${formatValue(head.typeLoss.final, "loss")} (prior ${formatValue(head.priorCrossEntropy.mean, "loss")})`,
      `${formatValue(head.typeWeight.effectiveFirst, "loss")} → ${formatValue(head.typeWeight.effectiveFinal, "loss")} (${percent(head.typeWeight.shareFirst)} → ${percent(head.typeWeight.shareFinal)})`,
      head.state,
    ];
  });
  rows.push(["Logistic regression, pooled features", score(c.logistic.accuracy.mean), score(c.logistic.majority.mean), "—", "—", "—", c.logistic.state]);
  return {
    header: ["Classifier", "Accuracy", "Always-majority", "Predicted majority", "Validation L_type, first → last", "Class weight 1/(2σ²) (share)", "Learned?"],
    rows,
  };
}

export function classHeadMarkdown(result: ComparisonResult): string[] {
  const c = result.classHead;
  const table = classHeadTable(result);
  const out = ["### Is the class task learned?", "", `**${c.sentence}**`, ""];
  out.push(mdTable(table.header, table.rows, ["l", "r", "r", "r", "l", "l", "l"]), "");
  out.push(
    `Seed means over ${result.protocol.seeds.length} seed(s). Learned: the interval of accuracy − always-majority, paired per seed, lies above 0 (≥ ${result.conventions.minimumPairedSeeds} seeds); not learned: it does not, or the head predicts the majority class for every window. Logistic baseline: ${c.logistic.description}.`,
    "",
  );
  for (const variant of c.variants) {
    out.push(
      `- ${variant.setting}: ${result.objectives.map((o) => `${o.shortLabel} accuracy ${score(variant.accuracy[o.name]!)}`).join(", ")} (always-majority ${score(variant.majority)}).`,
    );
  }
  for (const line of c.notRun) out.push(`- Not run: ${line}.`);
  out.push("");
  return out;
}

/** The summary's lines. */
export function classHeadLines(result: ComparisonResult): string[] {
  const c = result.classHead;
  return [
    c.sentence,
    ...c.variants.map(
      (v) =>
        `${v.setting}: ${result.objectives.map((o) => `${o.shortLabel} accuracy ${score(v.accuracy[o.name]!)}`).join(", ")} (always-majority ${score(v.majority)}).`,
    ),
    ...c.notRun.map((line) => `Not run: ${line}.`),
  ];
}
