/**
 * FINAL_COMPARISON_SOFT_SPAN_VS_CRF.md: the technical deep-dive — loss trajectories, each task's raw loss
 * scale and effective weight, σ's against the step budget, probabilities, calibration, span-level
 * metrics, the decision matrix. Every figure is read from the comparison model.
 */
import type { ComparisonResult, DecoderMeans, ObjectiveDescription } from "../compare/types.js";
import { fixed, formatStatistics, formatValue, isValue, plural, type ValueKind } from "./format.js";
import { headlineTable, intervalWording, mdTable, metricTable, plotImage, seedsOf, usedSplit, type DocumentContext } from "./markdown.js";
import { histogramKey } from "./layout.js";
import { capitalised, lossScales, primaryStatement, readingsTitle, requireMetric, say, winnerName } from "./model.js";
import { resultTableRows } from "./results_csv.js";
import { sensitivityMarkdown } from "./sensitivity_section.js";
import { tuningMarkdown } from "./tuning_section.js";
import { classHeadMarkdown } from "./class_head_section.js";
import { spanPosteriorMarkdown } from "./span_posterior_section.js";

/** How the reference names each task (its "classification" is our `type`). */
export const TASK_LABEL: Record<string, string> = { pointer: "pointer", type: "classification", span: "span", countdown: "countdown" };
const TASKS = ["pointer", "type", "span", "countdown"] as const;

/** Seed-mean bar-level and span-level scores of an objective's decoders. */
function decoderTable(decoders: readonly DecoderMeans[]): string {
  const score = (v: number, kind: ValueKind = "score") => formatValue(v, kind);
  return mdTable(
    ["Decoder", "Threshold", "P", "R", "F1", "Mean IoU", "hit@1", "hit@3", "hit@5", "Start err (bars)", "End err (bars)", "Strict P", "Strict R", "Strict F1"],
    decoders.map((d) => [
      `\`${d.decoder}\` — ${d.description}`,
      isValue(d.threshold) ? fixed(d.threshold, 3) : "—",
      score(d.precision),
      score(d.recall),
      score(d.f1),
      score(d.meanIoU),
      score(d.hit1),
      score(d.hit3),
      score(d.hit5),
      score(d.startError, "bars"),
      score(d.endError, "bars"),
      score(d.strictPrecision),
      score(d.strictRecall),
      score(d.strictF1),
    ]),
    ["l", "r", "r", "r", "r", "r", "r", "r", "r", "r", "r", "r", "r", "r"],
  );
}

function lossSections(result: ComparisonResult, context: DocumentContext, out: string[]): void {
  const p = result.protocol;
  const epochs = result.training.trajectoryEpochs;
  const training = (o: ObjectiveDescription) => result.training.byObjective[o.name]!;
  out.push("## 2. Loss trajectories");
  out.push("");
  out.push(
    `Seed means at epochs ${epochs.join(", ")}. train = the Kendall-weighted objective training minimises; val = the unweighted sum L_type + L_ptr + L_span + L_cd on validation windows (the log's \`val_loss\`); ` +
      "val span = the span term alone, where the objectives differ.",
  );
  out.push("");
  out.push(
    mdTable(
      [
        "Epoch",
        ...result.objectives.flatMap((o) => [
          `${capitalised(o.shortLabel)} train`,
          `${capitalised(o.shortLabel)} val`,
          `${capitalised(o.shortLabel)} val span`,
        ]),
      ],
      epochs.map((e, i) => [
        String(e),
        ...result.objectives.flatMap((o) => {
          const point = training(o).trajectory[i]!;
          return [formatValue(point.train, "loss"), formatValue(point.validation, "loss"), formatValue(point.validationSpan, "loss")];
        }),
      ]),
      ["r", ...result.objectives.flatMap(() => ["r", "r", "r"] as const)],
    ),
  );
  out.push("");
  out.push("<details><summary>Validation loss per seed</summary>");
  out.push("");
  out.push(
    mdTable(
      ["Objective", "Seed", ...epochs.map((e) => `Epoch ${e}`), "Best (epoch)"],
      result.objectives.flatMap((o) =>
        training(o).validationPerSeed.map((run) => [
          o.label,
          String(run.seed),
          ...run.losses.map((loss) => formatValue(loss, "loss")),
          `${formatValue(run.best, "loss")} (${run.bestEpoch})`,
        ]),
      ),
      ["l", "r", ...epochs.map(() => "r" as const), "r"],
    ),
  );
  out.push("");
  out.push("</details>");
  out.push("");
  out.push(metricTable(result, ["val_loss_first", "val_loss_final", "val_loss_best", "loss_reduction", "best_epoch"]));
  out.push("");
  for (const o of result.objectives) {
    out.push(`- **${o.label}** — convergence: ${say(result, training(o).convergence.text)}; overfitting: ${say(result, training(o).overfitting.text)}.`);
  }
  out.push("");
  out.push(`Convergence rule: ${result.rules.convergence}. Overfitting rule: ${result.rules.overfitting}.`);
  out.push("");
  out.push(plotImage(context, "lossCurves"));
  out.push("");

  out.push("## 3. Each task's raw loss scale and effective weight");
  out.push("");
  out.push(
    `Seed means. Raw loss = the task's unweighted loss (mean over windows); effective weight = 1/(2σ²), the multiplier the Kendall objective puts on it; ` +
      `weighted term = val loss × effective weight at epoch ${p.epochs}. Large raw scales (a summed NLL, the countdown Huber) dominate the unweighted val_loss whatever the σ's do: ${lossScales(result.objectives)}.`,
  );
  out.push("");
  for (const o of result.objectives) {
    out.push(`**${o.label}**`);
    out.push("");
    out.push(
      mdTable(
        [
          "Task",
          "Train loss, epoch 1",
          `Train loss, epoch ${p.epochs}`,
          "Val loss, epoch 1",
          `Val loss, epoch ${p.epochs}`,
          "1/(2σ²), epoch 1",
          `1/(2σ²), epoch ${p.epochs}`,
          `Weighted val term, epoch ${p.epochs}`,
        ],
        training(o).taskScales.map((t) => [
          TASK_LABEL[t.task]!,
          ...[t.trainFirst, t.trainFinal, t.validationFirst, t.validationFinal, t.weightFirst, t.weightFinal, t.weightedFinal].map((v) =>
            formatValue(v, "loss"),
          ),
        ]),
        ["l", "r", "r", "r", "r", "r", "r", "r"],
      ),
    );
    out.push("");
  }
  out.push(
    `**Per epoch** — seed means at epochs ${epochs.join(", ")} (the epochs of section 2): each task's validation loss (raw, unweighted) and its 1/(2σ²).`,
  );
  out.push("");
  out.push(
    mdTable(
      ["Objective", "Epoch", ...TASKS.flatMap((task) => [`${TASK_LABEL[task]} val loss`, `${TASK_LABEL[task]} 1/(2σ²)`])],
      result.objectives.flatMap((o) =>
        training(o).taskScalesPerEpoch.map((row) => [
          o.label,
          String(row.epoch),
          ...row.tasks.flatMap((t) => [formatValue(t.validation, "loss"), formatValue(t.weight, "loss")]),
        ]),
      ),
      ["l", "r", ...TASKS.flatMap(() => ["r", "r"] as const)],
    ),
  );
  out.push("");
  out.push(plotImage(context, "taskScales"));
  out.push("");
}

function sigmaSection(result: ComparisonResult, context: DocumentContext, out: string[]): void {
  const seeds = seedsOf(result);
  out.push("## 4. Learned σ's and task weights");
  out.push("");
  out.push(
    mdTable(
      [
        "Task",
        ...result.objectives.map((o) => `${capitalised(o.shortLabel)} σ (final)`),
        ...result.objectives.map((o) => `${capitalised(o.shortLabel)} weight`),
      ],
      TASKS.map((task) => {
        const sigma = requireMetric(result, `sigma_${task}`);
        const weight = requireMetric(result, `weight_${task}`);
        return [
          TASK_LABEL[task]!,
          ...result.objectives.map((o) => formatStatistics(sigma.byObjective[o.name] ?? null, "sigma", seeds)),
          ...result.objectives.map((o) => formatStatistics(weight.byObjective[o.name] ?? null, "percent", seeds)),
        ];
      }),
      ["l", ...result.objectives.flatMap(() => ["r", "r"] as const)],
    ),
  );
  out.push("");
  out.push("Task weight = (1/σ²)/Σ(1/σⱼ²). Descriptive only: these numbers never decide.");
  out.push("");
  out.push("### Step budget: did the σ's converge?");
  out.push("");
  out.push(`${result.rules.budget}.`);
  out.push("");
  out.push(
    mdTable(
      ["Objective", "Task", "log σ init", "log σ final (seed mean)", "|Δ log σ|", "Bound steps·lr", "Share of bound", "Still moving (runs)"],
      result.objectives.flatMap((o) => {
        const summary = result.training.byObjective[o.name]!.budget;
        return TASKS.map((task) => [
          o.label,
          TASK_LABEL[task]!,
          formatValue(summary.tasks[task].initial, "loss"),
          formatValue(summary.tasks[task].finalMean, "loss"),
          formatValue(summary.tasks[task].moved, "loss"),
          summary.bound.min === summary.bound.max
            ? formatValue(summary.bound.min, "loss")
            : `${formatValue(summary.bound.min, "loss")}–${formatValue(summary.bound.max, "loss")}`,
          formatValue(100 * summary.tasks[task].share, "percent"),
          `${summary.tasks[task].limitedRuns} of ${summary.runs}`,
        ]);
      }),
      ["l", "l", "r", "r", "r", "r", "r", "r"],
    ),
  );
  out.push("");
  for (const o of result.objectives) out.push(`- ${say(result, result.training.byObjective[o.name]!.budget.text)}`);
  out.push("");
  out.push(plotImage(context, "sigma"));
  out.push("");
}

function probabilitySections(result: ComparisonResult, context: DocumentContext, out: string[]): void {
  const seeds = seedsOf(result);
  const probabilities = (o: ObjectiveDescription) => result.probabilities.byObjective[o.name]!;
  out.push("## 5. Probability analysis");
  out.push("");
  out.push(
    `Per-bar p(in span) on validation bars (${result.objectives.map((o) => `${o.shortLabel}: ${o.probabilityKey.replace(/_/g, " ")}`).join("; ")}), seed means of each run's statistics.`,
  );
  out.push("");
  const separation = requireMetric(result, "separation");
  out.push(
    mdTable(
      ["Objective", "In-span mean", "In-span std", "In-span median", "Out-of-span mean", "Out-of-span std", "Out-of-span median", "Separation"],
      result.objectives.map((o) => {
        const { inSpan, outOfSpan } = probabilities(o).separation;
        return [
          o.label,
          ...[inSpan.mean, inSpan.std, inSpan.median, outOfSpan.mean, outOfSpan.std, outOfSpan.median].map((v) => formatValue(v, "score")),
          formatStatistics(separation.byObjective[o.name] ?? null, "score", seeds),
        ];
      }),
      ["l", "r", "r", "r", "r", "r", "r", "r"],
    ),
  );
  out.push("");
  out.push(metricTable(result, ["in_span_mean", "out_of_span_mean", "separation"]));
  out.push("");
  for (const o of result.objectives) {
    out.push(plotImage(context, histogramKey(o)));
    out.push("");
  }

  // Objectives that read their probabilities several ways (the CRF: Viterbi, posterior marginals, emission softmax).
  for (const o of result.objectives.filter((x) => x.probabilityReadings.length > 0)) {
    out.push(`### ${capitalised(readingsTitle(o))}`);
    out.push("");
    out.push(
      "The reference read the CRF's per-bar probability as the softmax of its emissions, which ignores the transition scores. The posterior marginals " +
        "(forward–backward) are the CRF's actual p(in span); Viterbi is its native decoder. Scored side by side on the same validation bars (seed means; thresholds chosen on training windows):",
    );
    out.push("");
    out.push(decoderTable(probabilities(o).decoders));
    out.push("");
    out.push(metricTable(result, ["f1_native", "f1_threshold", ...o.probabilityReadings.map((r) => `f1_${r.key}`)]));
    out.push("");
  }

  out.push("## 6. Calibration");
  out.push("");
  out.push(metricTable(result, ["ece", "brier"]));
  out.push("");
  out.push(`Calibration verdict: **${winnerName(result, result.probabilities.calibrationWinner)}** (${result.rules.calibration}).`);
  out.push("");
  out.push(plotImage(context, "reliability"));
  out.push("");

  out.push("## 7. Span-level metrics");
  out.push("");
  out.push(
    "Bar-level P/R/F1 are pooled over validation bars. Span-level: each window's longest predicted run (or the decoded single span) against the true span — " +
      "mean IoU (no prediction = 0), hit@k (both boundaries within k bars), mean start/end error over windows with a prediction, strict P/R/F1 (IoU ≥ 0.5). Seed means:",
  );
  out.push("");
  for (const o of result.objectives) {
    out.push(`**${capitalised(o.label)}**`);
    out.push("");
    out.push(decoderTable(probabilities(o).decoders));
    out.push("");
  }
  out.push(
    metricTable(result, [
      "f1_single_span",
      "iou_single_span",
      "iou_native",
      "strict_f1_single_span",
      "hit1_single_span",
      "hit3_single_span",
      "hit5_single_span",
      "start_error_single_span",
      "end_error_single_span",
      "macro_f1_at_half",
    ]),
  );
  out.push("");
}

export function finalComparison(result: ComparisonResult, context: DocumentContext): string {
  const p = result.protocol;
  const seeds = seedsOf(result);
  const out: string[] = [];
  out.push(`# Final comparison: ${result.objectives.map((o) => o.label).join(" vs ")}`);
  out.push("");
  out.push(
    `spanlab ${result.spanlab_version} · created ${result.created} · ${p.epochs} epochs · ${plural(seeds, "paired seed")} (${p.seeds.join(", ")}) · ${usedSplit(result)} split`,
  );
  out.push("");
  out.push(`Every figure below is read from \`${context.layout.comparison}\` and the runs' \`metrics.jsonl\`. Intervals: ${intervalWording(result)}.`);
  out.push("");
  out.push("## 1. Summary");
  out.push("");
  out.push(`**${result.recommendation.headline}**`);
  out.push("");
  if (result.statements.caution) {
    out.push(`> ⚠️ ${say(result, result.statements.caution)}`);
    out.push("");
  }
  out.push(headlineTable(result));
  out.push("");
  lossSections(result, context, out);
  sigmaSection(result, context, out);
  probabilitySections(result, context, out);

  out.push("## 8. Pointer and classification heads");
  out.push("");
  out.push(metricTable(result, ["pointer_center_mae", "pointer_length_mae", "classification_accuracy"]));
  out.push("");
  out.push(...classHeadMarkdown(result));
  if (result.spanPosterior) {
    out.push(...spanPosteriorMarkdown(result.spanPosterior, result.objectives));
    for (const key of ["spanCalibration", "spanPosteriorHeatmap"] as const) {
      const image = plotImage(context, key);
      if (image) out.push(image, "");
    }
  }

  out.push("## 9. Decision matrix");
  out.push("");
  out.push(primaryStatement(result));
  out.push("");
  out.push(
    `Every row of \`${context.layout.resultsCsv}\`: the reference's 21 rows first, then every other measured metric. "n/a": descriptive, no winner applies.`,
  );
  out.push("");
  out.push(
    mdTable(
      ["Metric", ...result.objectives.map((o) => capitalised(o.label)), "Winner", "Rule / notes"],
      resultTableRows(result).map((r) => [r.metric, ...r.cells, winnerName(result, r.winner), r.notes]),
    ),
  );
  out.push("");

  const h = result.referenceHeuristic;
  const [first, second] = result.objectives as [ObjectiveDescription, ObjectiveDescription];
  out.push('## 10. The reference\'s "normalised reduction" (flagged heuristic)');
  out.push("");
  out.push(
    `On the seed-mean validation losses: ${first.shortLabel} reduction ${formatValue(100 * h.reductions[first.name]!, "percent")}; ${second.shortLabel} reduction ${formatValue(100 * h.reductions[second.name]!, "percent")}, ` +
      `divided by the ratio of epoch-1 validation losses ${fixed(h.scale, 4)} = ${formatValue(100 * h.normalised, "percent")}` +
      (h.others ?? [])
        .map((other) => {
          const later = result.objectives.find((o) => o.name === other.objective)!;
          return `; ${later.shortLabel} reduction ${formatValue(100 * h.reductions[later.name]!, "percent")} ÷ ${fixed(other.scale, 4)} = ${formatValue(100 * other.normalised, "percent")}`;
        })
        .join("") +
      ".",
  );
  out.push("");
  out.push(`> ⚠️ ${h.note}. A relative reduction is already scale-free; dividing it by a ratio of starting losses has no principled meaning.`);
  out.push("");

  out.push(...sensitivityMarkdown(result, context, "## 11. Does the verdict depend on the settings?"));

  // A tuned comparison's search sits between the sensitivity and the recommendation it feeds.
  const tuning = tuningMarkdown(result, "## 12. Nested selection: the settings each outer fold chose");
  out.push(...tuning);
  const next = tuning.length > 0 ? 13 : 12;
  out.push(`## ${next}. Recommendation`);
  out.push("");
  out.push(`**${result.recommendation.headline}**`);
  out.push("");
  out.push("Rules, applied in order:");
  out.push("");
  for (const [i, rule] of result.recommendation.rules.entries()) out.push(`${i + 1}. ${rule}`);
  out.push("");
  out.push("Evidence:");
  out.push("");
  for (const reason of result.recommendation.reasons) out.push(`- ${reason}`);
  out.push("");
  out.push("What is not established:");
  out.push("");
  for (const line of result.statements.notEstablished) out.push(`- ${say(result, line)}`);
  out.push("");
  const examples = plotImage(context, "examples");
  if (examples) {
    out.push(`## ${next + 1}. Example validation windows`);
    out.push("");
    out.push(examples);
    out.push("");
  }
  return out.join("\n");
}
