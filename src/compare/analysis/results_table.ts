/**
 * Every row of SOFT_SPAN_VS_CRF_RESULTS.csv (also the decision matrix of the markdown and report.html):
 * the reference's 21 rows in its order, then one row per compared metric the reference rows do not
 * already print. Cells and notes are {@link Phrase}s: the values are here, the report only prints them.
 */
import type { MetricComparison, ObjectiveDescription, Phrase, ResultRow, Task } from "../types.js";
import { READINESS_RULE, ruleBaselineText } from "./baselines.js";
import { pairLabel } from "../pairwise.js";
import { count, countList, decimals, difference, joined, phrase, spanOf, statistics, value } from "./phrase.js";
import { CALIBRATION_RULE } from "./probabilities.js";
import type { AnalysedComparison } from "./statements.js";
import { BUDGET_RULE } from "./step_budget.js";
import { CONVERGENCE_RULE, OVERFITTING_RULE } from "./training.js";

/** The reference's 21 rows of SOFT_SPAN_VS_CRF_RESULTS.csv, in its order. */
export const REFERENCE_ROWS = [
  "Epochs",
  "Val Loss (Start)",
  "Val Loss (Final)",
  "Loss Reduction %",
  "Normalized Reduction",
  "Loss Scale Range",
  "Convergence Pattern",
  "Overfitting",
  "Pointer Weight %",
  "Span Weight %",
  "Classification Weight %",
  "Countdown Weight %",
  "Sigma Span",
  "In-Span Mean Prob",
  "Out-of-Span Mean Prob",
  "Probability Separation",
  "Inference Complexity",
  "Calibration",
  "Task Balance",
  "Production Readiness",
  "Recommendation",
] as const;

/** `metrics` keys the reference rows already print; every other metric gets a row of its own. */
export const REFERENCE_ROW_KEYS = new Set([
  "val_loss_first",
  "val_loss_final",
  "loss_reduction",
  "weight_pointer",
  "weight_span",
  "weight_type",
  "weight_countdown",
  "sigma_span",
  "in_span_mean",
  "out_of_span_mean",
  "separation",
  "ece",
  "brier",
]);

const COMPLEXITY_NOTE =
  "facts, not a winner: with K = 2 both decoders are linear in T and differ by a constant factor, negligible next to the " +
  "BiLSTM forward pass both share; the reference decided partly on this";

/** "soft − CRF +0.01 [..], soft − semi-CRF …": every pair's paired difference of a metric, in pair order. */
export function pairDifferences(objectives: readonly ObjectiveDescription[], metric: MetricComparison, separator = "; "): Phrase {
  const named = (name: string) => objectives.find((o) => o.name === name)!;
  return joined(
    metric.pairs.filter((p) => p.difference).map((p) => phrase(`${pairLabel(named(p.first), named(p.second))} `, difference(p.difference, metric.kind))),
    separator,
  );
}

/** Notes of a compared metric: the paired differences, the rule detector, the winner's rule, the metric's caveat. */
export function metricNotes(objectives: readonly ObjectiveDescription[], metric: MetricComparison, prefix = ""): Phrase {
  const parts: Phrase[] = [];
  if (prefix) parts.push([prefix]);
  parts.push([`unit: ${metric.unit}`]);
  if (metric.pairs.some((p) => p.difference)) parts.push(pairDifferences(objectives, metric));
  const rule = ruleBaselineText(metric);
  if (rule) parts.push(phrase(rule, " (range_z / expansion_proxy thresholds tuned on training windows)"));
  parts.push([metric.rule]);
  if (metric.note && !metric.rule.includes(metric.note)) parts.push([metric.note]);
  return joined(parts, "; ");
}

/** One cell per objective. */
function cells(objectives: readonly ObjectiveDescription[], cell: (objective: ObjectiveDescription) => Phrase): Record<string, Phrase> {
  return Object.fromEntries(objectives.map((o) => [o.name, cell(o)]));
}

export function resultRows(result: AnalysedComparison): ResultRow[] {
  const { protocol, objectives } = result;
  const [first, second] = objectives as [ObjectiveDescription, ObjectiveDescription];
  const seeds = protocol.seeds.length;
  // "both" for the reference's pair, "all three" for more: the notes name how many objectives share a protocol.
  const all = objectives.length === 2 ? "both" : `all ${objectives.length}`;
  const runCount = objectives.length * seeds;
  const metric = (key: string) => {
    const found = result.metrics.find((m) => m.key === key);
    if (!found) throw new Error(`comparison result has no metric ${key}`);
    return found;
  };
  const metricRow = (name: string, key: string, prefix = ""): ResultRow => {
    const m = metric(key);
    return {
      metric: name,
      key,
      cells: cells(objectives, (o) => [statistics(m.byObjective[o.name], m.kind)]),
      winner: m.winner,
      notes: metricNotes(objectives, m, prefix),
    };
  };
  const training = (o: ObjectiveDescription) => result.training.byObjective[o.name]!;
  const seedNote: Phrase =
    seeds === 1 ? ["one seed: a single run per objective cannot establish a difference"] : phrase(count(seeds), " paired seeds; mean [95% bootstrap interval]");
  const heuristic = result.referenceHeuristic;
  const range = (r: { min: number; max: number }) => phrase(value(r.min, "loss"), "–", value(r.max, "loss"));
  const limitedRuns = (task: Task) => count(objectives.reduce((sum, o) => sum + training(o).budget.tasks[task].limitedRuns, 0));
  const budgetNote = (task: Task) =>
    phrase(
      "final 1/σ² share of the Kendall weights; descriptive, never decides. log σ moved ",
      joined(
        objectives.map((o) => phrase(decimals(training(o).budget.tasks[task].moved, 4), ` (${o.shortLabel})`)),
        " / ",
      ),
      " of at most steps·lr = ",
      spanOf(training(first).budget.bound, (v) => decimals(v, 4)),
      "; still moving at the end in ",
      limitedRuns(task),
      " of ",
      count(runCount),
      " runs",
    );
  const decision = result.recommendation.decision;
  const ece = metric("ece");
  const brier = metric("brier");

  const runsOf = (o: ObjectiveDescription) => protocol.seeds.map((seed) => result.runs.find((r) => r.objective === o.name && r.seed === seed)!);
  const epochsRow: ResultRow = protocol.tune
    ? {
        metric: "Epochs",
        cells: cells(objectives, (o) => countList(runsOf(o).map((r) => r.records.length))),
        winner: "n/a",
        notes: phrase(
          "chosen per outer fold by the inner search (the tuning section), in fold order; ",
          seedNote.map((part) => (typeof part === "string" ? part.replace("paired seeds", "paired outer folds") : part)),
          "; batch ",
          count(protocol.batchSize),
          `; AdamW lr chosen per fold; evaluated checkpoint: ${protocol.evaluatedCheckpoint}`,
        ),
      }
    : {
        metric: "Epochs",
        cells: cells(objectives, () => [count(protocol.epochs)]),
        winner: "n/a",
        notes: phrase(
          `same protocol for ${all}: `,
          seedNote,
          "; seeds ",
          countList(protocol.seeds),
          "; batch ",
          count(protocol.batchSize),
          "; AdamW lr ",
          count(protocol.learningRate),
          `; evaluated checkpoint: ${protocol.evaluatedCheckpoint}`,
        ),
      };
  const rows: ResultRow[] = [
    epochsRow,
    metricRow("Val Loss (Start)", "val_loss_first", "the log's val_loss at epoch 1: unweighted L_type + L_ptr + L_span + L_cd on validation windows"),
    metricRow(
      "Val Loss (Final)",
      "val_loss_final",
      protocol.tune ? "the log's val_loss at each run's final epoch" : `the log's val_loss at epoch ${protocol.epochs}`,
    ),
    metricRow("Loss Reduction %", "loss_reduction", "(val loss at epoch 1 − final)/epoch 1"),
    {
      metric: "Normalized Reduction",
      cells: {
        [first.name]: [value(100 * heuristic.reductions[first.name]!, "percent")],
        [second.name]: [value(100 * heuristic.normalised, "percent")],
        ...Object.fromEntries((heuristic.others ?? []).map((other) => [other.objective, [value(100 * other.normalised, "percent")]])),
      },
      winner: "n/a",
      notes: phrase(
        `REFERENCE HEURISTIC, flagged: on the seed-mean validation losses, ${second.shortLabel} reduction `,
        value(100 * heuristic.reductions[second.name]!, "percent"),
        " ÷ ",
        decimals(heuristic.scale, 4),
        ` (${second.shortLabel}/${first.shortLabel} epoch-1 loss ratio) = `,
        value(100 * heuristic.normalised, "percent"),
        ...(heuristic.others ?? []).flatMap((other) => {
          const later = objectives.find((o) => o.name === other.objective)!;
          return [
            `; ${later.shortLabel} `,
            value(100 * heuristic.reductions[later.name]!, "percent"),
            " ÷ ",
            decimals(other.scale, 4),
            ` (${later.shortLabel}/${first.shortLabel}) = `,
            value(100 * other.normalised, "percent"),
          ];
        }),
        `; ${first.shortLabel} left as is. ${heuristic.note}`,
      ),
    },
    {
      metric: "Loss Scale Range",
      cells: cells(objectives, (o) => range(training(o).lossScale.total)),
      winner: "n/a",
      notes:
        objectives.length === 2
          ? phrase(
              "min–max of the unweighted validation loss over all epochs and seeds; the span term alone spans ",
              range(training(first).lossScale.span),
              " (soft BCE, a per-bar mean) vs ",
              range(training(second).lossScale.span),
              " (CRF NLL, summed over the bars): the scales are not comparable",
            )
          : phrase(
              "min–max of the unweighted validation loss over all epochs and seeds; the span term alone spans ",
              joined(
                objectives.map((o) => phrase(range(training(o).lossScale.span), ` (${o.shortLabel})`)),
                " vs ",
              ),
              ": each objective's span loss has its own scale (a per-bar mean or an NLL summed over the bars), so the scales are not comparable",
            ),
    },
    {
      metric: "Convergence Pattern",
      cells: cells(objectives, (o) => training(o).convergence.text),
      winner: "n/a",
      notes: [`${CONVERGENCE_RULE}; descriptive: the validation loss is dominated by the countdown term`],
    },
    { metric: "Overfitting", cells: cells(objectives, (o) => training(o).overfitting.text), winner: "n/a", notes: [OVERFITTING_RULE] },
    { ...metricRow("Pointer Weight %", "weight_pointer"), notes: budgetNote("pointer") },
    { ...metricRow("Span Weight %", "weight_span"), notes: budgetNote("span") },
    { ...metricRow("Classification Weight %", "weight_type"), notes: budgetNote("type") },
    { ...metricRow("Countdown Weight %", "weight_countdown"), notes: budgetNote("countdown") },
    {
      ...metricRow("Sigma Span", "sigma_span"),
      notes: phrase(`final σ of the span task; ${BUDGET_RULE}: `, limitedRuns("span"), " of ", count(runCount), " runs still moving"),
    },
    metricRow("In-Span Mean Prob", "in_span_mean", "validation bars; CRF p = posterior marginals (forward–backward), not the reference's emission softmax"),
    metricRow("Out-of-Span Mean Prob", "out_of_span_mean", "validation bars; CRF p = posterior marginals"),
    metricRow("Probability Separation", "separation", "in-span − out-of-span mean p"),
    { metric: "Inference Complexity", cells: cells(objectives, (o) => [o.inferenceComplexity]), winner: "n/a", notes: [COMPLEXITY_NOTE] },
    {
      metric: "Calibration",
      cells: cells(objectives, (o) => phrase("ECE ", statistics(ece.byObjective[o.name], "score"), "; Brier ", statistics(brier.byObjective[o.name], "score"))),
      winner: result.probabilities.calibrationWinner,
      notes: phrase(
        `${CALIBRATION_RULE}; ECE: ${ece.winner}, `,
        pairDifferences(objectives, ece, ", "),
        `; Brier: ${brier.winner}, `,
        pairDifferences(objectives, brier, ", "),
      ),
    },
    {
      metric: "Task Balance",
      cells: cells(objectives, (o) => phrase(value(training(o).pointerPlusSpanWeight, "percent"), " on pointer + span")),
      winner: "n/a",
      notes: [
        "seed mean of the final pointer + span task-weight shares (the reference's 'task balance'); a share is the optimiser's uncertainty estimate, not a quality, so it never decides",
      ],
    },
    {
      metric: "Production Readiness",
      cells: cells(objectives, (o) => result.baselines.readiness[o.name]!.text),
      winner: result.baselines.readinessWinner,
      notes: [`${READINESS_RULE}; the winner is the objective that is ready while ${objectives.length === 2 ? "the other is" : "every other is"} not ready`],
    },
    {
      metric: "Recommendation",
      cells: cells(objectives, (o) => [decision === o.name ? "recommended" : decision === "undecided" ? "undecided" : "not recommended"]),
      winner: decision,
      notes: [`${result.recommendation.headline} Rules: ${result.recommendation.rules.join(" ")}`],
    },
  ];
  // The reference's rows are a contract (readers diff the two CSVs): refuse to drift from it.
  const names = rows.map((r) => r.metric);
  if (names.length !== REFERENCE_ROWS.length || names.some((name, i) => name !== REFERENCE_ROWS[i])) {
    throw new Error(`results table rows ${JSON.stringify(names)} are not the reference's ${JSON.stringify(REFERENCE_ROWS)}`);
  }
  for (const m of result.metrics) if (!REFERENCE_ROW_KEYS.has(m.key)) rows.push(metricRow(m.label, m.key));
  return rows;
}
