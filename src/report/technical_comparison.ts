/**
 * SOFT_SPAN_VS_CRF_COMPARISON.md, the reference's "Level 4: Technical Details": the architecture as validated
 * when this bundle was made, the untrained-model threshold baseline done the reference's way, and the
 * threshold method with this bundle's figures. Every figure is read from `technicalDetails` of the
 * comparison model (src/compare/technical_details.ts).
 */
import type { ComparisonResult } from "../compare/types.js";
import type { ArchitectureValidation } from "../compare/technical_details.js";
import { fixed, formatSigned, formatThreshold, formatValue, plural } from "./format.js";
import { mdTable, seedsOf, type DocumentContext } from "./markdown.js";
import { capitalised, objectiveLabel } from "./model.js";

const thousands = new Intl.NumberFormat("en-US");

function yesNo(value: boolean): string {
  return value ? "yes" : "**no**";
}

function architectureSection(result: ComparisonResult, checks: readonly ArchitectureValidation[]): string[] {
  const out: string[] = ["## 1. Architecture validation", ""];
  const first = checks[0];
  const seed = result.protocol.seeds[0];
  out.push(
    `Checked when this bundle was made, on the models as \`spanlab compare\` builds them (initialised from seed ${seed}), not copied from the test suite.`,
  );
  out.push("");
  out.push(
    mdTable(
      [
        "Objective",
        "Parameters",
        "Names and shapes = PyTorch state dict",
        "Forward deterministic (evaluation)",
        "Forward deterministic (training, same dropout seed)",
        "Gradient entries checked",
        "Worst relative error",
      ],
      checks.map((check) => [
        capitalised(objectiveLabel(result, check.objective)),
        thousands.format(check.total),
        check.pytorchLayout.matches
          ? "yes"
          : `**no**: missing ${check.pytorchLayout.missing.join(", ") || "none"}; unexpected ${check.pytorchLayout.unexpected.join(", ") || "none"}; mis-shaped ${check.pytorchLayout.misshaped.join(", ") || "none"}`,
        yesNo(check.deterministicForward),
        yesNo(check.deterministicTrainingForward),
        String(check.gradientCheck.entries.length),
        check.gradientCheck.worstRelativeError.toExponential(1),
      ]),
      ["l", "r", "l", "l", "l", "r", "r"],
    ),
  );
  out.push("");
  out.push(
    "The PyTorch layout is the reference's `state_dict()` as PyTorch wrote it into spanlab's golden fixtures (`src/model/pytorch_layout.ts`). " +
      `The gradient check compares the backward pass with central differences (step ${first ? fixed(first.gradientCheck.step, 2) : "n/a"}, float32) of the Kendall-weighted training objective, ` +
      `dropout off, on the first ${first ? plural(first.gradientCheck.windows, "window") : "windows"} of the data file, at the coordinates with the largest gradients of each checked tensor; ` +
      "relative error = |analytic − numeric| / max(|analytic|, |numeric|).",
  );
  for (const check of checks) {
    out.push("");
    out.push(`### ${capitalised(objectiveLabel(result, check.objective))}: ${thousands.format(check.total)} parameters`);
    out.push("");
    out.push(
      mdTable(
        ["Module", "Tensors (shape)", "Parameters"],
        check.modules.map((module) => [
          `\`${module.module}\``,
          module.tensors.map((tensor) => `\`${tensor.name}\` (${tensor.shape.join(", ")})`).join(", "),
          thousands.format(module.count),
        ]),
        ["l", "l", "r"],
      ),
    );
    out.push("");
    out.push(
      mdTable(
        ["Gradient entry", "Analytic", "Central difference", "Relative error"],
        check.gradientCheck.entries.map((entry) => [
          `\`${entry.name}\`[${entry.index}]`,
          entry.analytic.toExponential(4),
          entry.numeric.toExponential(4),
          entry.relativeError.toExponential(1),
        ]),
        ["l", "r", "r", "r"],
      ),
    );
  }
  return out;
}

function untrainedSection(result: ComparisonResult): string[] {
  const baseline = result.technicalDetails.untrainedBaseline;
  const out: string[] = ["## 2. The untrained-model threshold baseline (the reference's way)", ""];
  out.push(
    `The reference swept thresholds over the probabilities of a model at initialisation, scored each on the validation windows, and reported the best F1 (${fixed(baseline.reference.untrainedF1, 4)}) as its "untrained baseline", ` +
      `beside the F1 of calling every bar in span (${fixed(baseline.reference.allPositiveF1, 4)}): a margin of ${formatSigned(baseline.reference.overAllPositive, "loss")}. ` +
      "Here the same is done for every run: each objective's model built and initialised from the run's seed exactly as training starts, before any step, " +
      "its threshold chosen on the validation windows it is scored on (as the reference did; optimistic by construction), beside the all-positive F1 of the same windows and the trained run's F1 (threshold chosen on its training windows).",
  );
  out.push("");
  out.push(
    mdTable(
      ["Objective", "Seed", "Best threshold (on validation)", "Untrained F1", "Precision", "Recall", "Bars called in span", "All-positive F1", "Trained F1"],
      baseline.rows.map((row) => [
        capitalised(objectiveLabel(result, row.objective)),
        String(row.seed),
        formatThreshold(row.threshold),
        formatValue(row.f1, "score"),
        formatValue(row.precision, "score"),
        formatValue(row.recall, "score"),
        formatValue(100 * row.predictedShare, "percent"),
        formatValue(row.allPositiveF1, "score"),
        formatValue(row.trainedF1, "score"),
      ]),
      ["l", "r", "r", "r", "r", "r", "r", "r", "r"],
    ),
  );
  out.push("");
  out.push(`Seed means (${plural(seedsOf(result), "seed")}):`);
  out.push("");
  out.push(
    mdTable(
      ["Objective", "Untrained F1", "All-positive F1", "Untrained − all-positive", "Seeds where untrained > all-positive", "Bars called in span", "Trained F1"],
      result.objectives.map((objective) => {
        const summary = baseline.byObjective[objective.name]!;
        return [
          capitalised(objective.label),
          formatValue(summary.f1, "score"),
          formatValue(summary.allPositiveF1, "score"),
          formatSigned(summary.overAllPositive, "score"),
          `${summary.seedsAboveAllPositive} of ${summary.seeds}`,
          formatValue(100 * summary.predictedShare, "percent"),
          formatValue(summary.trainedF1, "score"),
        ];
      }),
      ["l", "r", "r", "r", "r", "r", "r"],
    ),
  );
  out.push("");
  out.push("**What it measures.**");
  out.push("");
  for (const objective of result.objectives) {
    const summary = baseline.byObjective[objective.name]!;
    const figures = `untrained ${formatValue(summary.f1, "score")} vs all-positive ${formatValue(summary.allPositiveF1, "score")}, ${formatValue(100 * summary.predictedShare, "percent")} of bars called in span`;
    out.push(
      summary.reading === "all-positive"
        ? `- ${capitalised(objective.label)} (${figures}): the sweep's best threshold calls nearly every bar in span, so the figure is the all-positive F1: it measures how many bars are in span, not the model. This is what the reference's untrained "baseline" was.`
        : `- ${capitalised(objective.label)} (${figures}): above the all-positive F1. Even at initialisation the network's output is a function of the features, so a threshold can pick out bars with, say, a wide range; and because that threshold is chosen on the very windows it is scored on, part of the margin is the optimism of the choice, largest with few validation windows.`,
    );
  }
  out.push("");
  const rule = baseline.readingRule;
  out.push(
    `Rule: the figure is read as the all-positive one when it is within ${fixed(rule.f1Margin, 2)} of the all-positive F1 with at least ${formatValue(100 * rule.predictedShare, "percent")} of bars called in span. ` +
      "Either way it is no baseline for a trained model: the honest ones are the all-positive and prior-rate F1 and the rule detector of the same windows (THRESHOLD_OPTIMIZATION_ANALYSIS.md), with thresholds chosen on training windows only.",
  );
  return out;
}

function thresholdSection(result: ComparisonResult, context: DocumentContext): string[] {
  const method = result.technicalDetails.thresholdMethod;
  const out: string[] = ["## 3. The threshold method", ""];
  out.push(
    `- **Grid**: ${plural(method.grid.points, "threshold")}, ${fixed(method.grid.from, 2)} to ${fixed(method.grid.to, 2)} in steps of ${fixed(method.grid.step, 2)}; a bar is predicted in span when p > threshold.`,
  );
  out.push("- **Score**: pooled (micro) precision, recall and F1 over every bar of the windows scored (not a mean over windows).");
  out.push(
    `- **Minimum run length**: ${method.minRunLength > 1 ? `${method.minRunLength} bars: shorter predicted runs are removed before scoring, when choosing and when scoring` : "1 (no filter; `--min-run-length N` removes predicted runs shorter than N bars)"}.`,
  );
  out.push(`- **Chosen on**: ${method.chosenOn}; ties go to the lowest threshold. **Scored on**: the run's validation windows.`);
  out.push("");
  out.push(
    mdTable(
      [
        "Objective",
        "Chosen threshold (seed mean)",
        "F1 on training windows",
        "F1 on validation windows",
        "Validation-oracle threshold",
        "Validation-oracle F1 (contrast only)",
      ],
      result.objectives.map((objective) => {
        const row = method.byObjective[objective.name]!;
        return [
          capitalised(objective.label),
          formatValue(row.threshold, "score"),
          formatValue(row.trainingF1, "score"),
          formatValue(row.validationF1, "score"),
          formatValue(row.oracleThreshold, "score"),
          formatValue(row.oracleF1, "score"),
        ];
      }),
      ["l", "r", "r", "r", "r", "r"],
    ),
  );
  out.push("");
  out.push(`Every run's choice and sweep: [${context.layout.thresholdAnalysis}](${context.layout.thresholdAnalysis}) and \`${context.layout.sweepsCsv}\`.`);
  return out;
}

export function technicalComparison(result: ComparisonResult, context: DocumentContext): string {
  const p = result.protocol;
  const title = result.objectives.map((o) => capitalised(o.label)).join(" vs ");
  const out: string[] = [`# ${title}: technical details`, ""];
  out.push(
    `spanlab ${result.spanlab_version} · created ${result.created} · ${p.epochs} epochs · ${plural(seedsOf(result), "paired seed")} (${p.seeds.join(", ")})`,
  );
  out.push("");
  out.push(
    "The reference's Level 4: the untrained model baseline, the threshold optimisation methodology and the architecture validation. " +
      "Every figure below was computed from this comparison's models and runs (`comparison.json`, `technicalDetails`).",
  );
  out.push("");
  out.push(...architectureSection(result, result.technicalDetails.architecture));
  out.push("");
  out.push(...untrainedSection(result));
  out.push("");
  out.push(...thresholdSection(result, context));
  return `${out.join("\n")}\n`;
}
