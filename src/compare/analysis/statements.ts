/**
 * The sentences every document shares: the caution beside a decision the baselines do not back, what the
 * comparison does not establish, and the caveats — each a {@link Phrase}, so its figures stay numbers.
 */
import type { ComparisonResult, Phrase } from "../types.js";
import { ruleBaselineText } from "./baselines.js";
import { count, decimals, phrase, statistics, value } from "./phrase.js";

/** What the statements are built from: everything of the model but the statements and what follows them. */
export type AnalysedComparison = Omit<ComparisonResult, "statements" | "resultRows" | "plots" | "examples" | "technicalDetails">;

function f1Native(result: AnalysedComparison) {
  return result.metrics.find((m) => m.key === "f1_native")!;
}

/**
 * A caution when the recommended objective is not shown to beat the trivial baselines: winning the
 * comparison does not make a model useful, and a decision maker must see both on the same line.
 */
export function decisionCaution(result: AnalysedComparison): Phrase | null {
  const decision = result.recommendation.decision;
  const objective = result.objectives.find((o) => o.name === decision);
  if (!objective) return null;
  const cautions: Phrase[] = [];
  const r = result.baselines.readiness[objective.name]!;
  if (r.state !== "ready") {
    cautions.push(phrase(`is ${r.state === "not ready" ? "NOT above" : "not shown to be above"} the trivial baselines (`, r.text, ")"));
  }
  if (result.baselines.versusRule[objective.name] === "below") {
    cautions.push(phrase("its span F1 is below the transparent rule detector's (", ruleBaselineText(f1Native(result)) ?? [], ")"));
  }
  if (cautions.length === 0) return null;
  return phrase(`Caution: the ${objective.label} wins the comparison but `, ...cautions.flatMap((c, i) => (i === 0 ? [c] : [", and ", c])), ".");
}

/** The "what is NOT established" list: every undecided comparison plus what no metric here can show. */
export function notEstablishedLines(result: AnalysedComparison): Phrase[] {
  const seeds = result.protocol.seeds.length;
  const lines: Phrase[] = [];
  if (seeds === 1) lines.push(["Any difference between the objectives: one run per objective cannot separate the objective from the seed (run more seeds)."]);
  const compared = result.metrics.filter((m) => m.higherIsBetter !== null);
  const open = compared.filter((m) => m.winner === "not established");
  if (open.length > 0) {
    lines.push(
      phrase(
        "A difference on ",
        count(open.length),
        " of ",
        count(compared.length),
        ` compared metrics (winner "not established" in the metric table): ${open.map((m) => m.shortLabel).join(", ")}.`,
      ),
    );
  }
  const native = f1Native(result);
  for (const objective of result.objectives) {
    const r = result.baselines.readiness[objective.name]!;
    if (r.state !== "ready") lines.push(phrase(`That the ${objective.label} beats the trivial baselines (`, r.text, ")."));
    const versus = result.baselines.versusRule[objective.name];
    if (versus !== null && versus !== "above") {
      lines.push(
        phrase(
          `That the ${objective.label} beats the transparent rule detector (span F1 `,
          statistics(native.byObjective[objective.name], "score"),
          " vs ",
          ruleBaselineText(native) ?? [],
          ").",
        ),
      );
    }
  }
  lines.push([
    "Which task matters more: the σ's and task weights are the optimiser's uncertainty estimates after a fixed number of steps, not measurements of importance.",
  ]);
  lines.push([
    `Which objective learns faster from the loss curves: ${result.objectives.length === 2 ? "the two" : "the objectives'"} validation losses have different units (see Caveats).`,
  ]);
  if (result.protocol.split === "reference")
    lines.push(["Generalisation to unseen events: the reference row split leaks overlapping windows into validation."]);
  return lines;
}

/** The summary's caveats: the σ step budgets, the loss scales, the flagged reference heuristic, the logs' F1. */
export function caveatLines(result: AnalysedComparison): Phrase[] {
  const [first, second] = result.objectives as [AnalysedComparison["objectives"][0], AnalysedComparison["objectives"][0]];
  const h = result.referenceHeuristic;
  const shortLabel = (name: string) => result.objectives.find((o) => o.name === name)?.shortLabel ?? name;
  const lines: Phrase[] = result.objectives.map((o) => phrase("σ step budget — ", result.training.byObjective[o.name]!.budget.text));
  const scale = (objective: typeof first): Phrase => {
    const { total, span } = result.training.byObjective[objective.name]!.lossScale;
    return phrase(
      `${objective.label} `,
      value(total.min, "loss"),
      "–",
      value(total.max, "loss"),
      " (span term ",
      value(span.min, "loss"),
      "–",
      value(span.max, "loss"),
      ")",
    );
  };
  lines.push(
    phrase(
      "Loss scales are not comparable: validation loss ranges ",
      ...result.objectives.flatMap((o, i) => (i === 0 ? [scale(o)] : [" vs ", scale(o)])),
      "; the CRF's span term is an NLL summed over the bars, the soft span loss a per-bar mean. Loss values and reductions never decide.",
    ),
  );
  lines.push(
    phrase(
      `The reference's "normalised reduction" (a flagged heuristic, never used to decide): ${first.shortLabel} `,
      value(100 * h.reductions[first.name]!, "percent"),
      `, ${second.shortLabel} `,
      value(100 * h.reductions[second.name]!, "percent"),
      " raw ÷ ",
      decimals(h.scale, 2),
      " (ratio of epoch-1 validation losses) = ",
      value(100 * h.normalised, "percent"),
      // Every later objective is normalised against the first the same way.
      ...(h.others ?? []).flatMap((other) => [
        `; ${shortLabel(other.objective)} `,
        value(100 * h.reductions[other.objective]!, "percent"),
        " raw ÷ ",
        decimals(other.scale, 2),
        " = ",
        value(100 * other.normalised, "percent"),
      ]),
      ".",
    ),
  );
  lines.push(
    phrase(
      "The training logs' span_F1 is per-window (macro) at p > ",
      { value: result.conventions.logThreshold, decimals: 1 },
      "; the F1s above are pooled (micro) over bars at the chosen threshold.",
    ),
  );
  return lines;
}
