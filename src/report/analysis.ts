/**
 * The facts the bundle's documents derive from a `ComparisonResult` beyond what `result.metrics` already
 * holds — seed-mean curves, loss-scale ranges, the convergence pattern, overfitting, task balance,
 * production readiness, pooled calibration bins and histograms — and the metric table
 * (`SOFT_SPAN_VS_CRF_RESULTS.csv`, the decision matrix of the markdown and of report.html) built from
 * them. Every derived verdict comes from a rule stated next to it, so a reader can re-derive it from the
 * runs' metrics.jsonl.
 */
import { MIN_PAIRED_SEEDS_FOR_WINNER } from "../compare/aggregate.js";
import type { ReliabilityBin } from "../eval/calibration.js";
import type { EpochRecord } from "../train/records.js";
import type { ComparisonResult, MetricComparison, Objective, ObjectiveStatistics, RunResult } from "../compare/types.js";
import { OBJECTIVES } from "../compare/types.js";
import { fixed, formatDifference, formatStatistics, formatValue, isValue, kindOf, objectiveName, plural, type ValueKind } from "./format.js";

export const TASK_KEYS = ["pointer", "type", "span", "countdown"] as const;
export type TaskKey = (typeof TASK_KEYS)[number];
/** How the reference names each task (its "classification" is our `type`). */
export const TASK_LABEL: Record<TaskKey, string> = { pointer: "pointer", type: "classification", span: "span", countdown: "countdown" };

/** The runs of one objective in `protocol.seeds` order (the order every per-seed table uses). */
export function runsOf(result: ComparisonResult, objective: Objective): RunResult[] {
  return result.protocol.seeds.map((seed) => {
    const run = result.runs.find((r) => r.objective === objective && r.seed === seed);
    if (!run) throw new Error(`comparison result has no ${objective} run for seed ${seed}`);
    return run;
  });
}

/** The first seed's run of an objective (whose log is copied to the bundle's top level). */
export function firstRun(result: ComparisonResult, objective: Objective): RunResult {
  return runsOf(result, objective)[0]!;
}

export function metricByKey(result: ComparisonResult, key: string): MetricComparison | undefined {
  return result.metrics.find((m) => m.key === key);
}

export function requireMetric(result: ComparisonResult, key: string): MetricComparison {
  const metric = metricByKey(result, key);
  if (!metric) throw new Error(`comparison result has no metric ${key}`);
  return metric;
}

/** Mean across runs of a value per epoch (runs of one compare share the epoch count). */
export function seedMeanCurve(runs: readonly RunResult[], pick: (record: EpochRecord) => number): number[] {
  const epochs = Math.min(...runs.map((r) => r.records.length));
  return Array.from({ length: epochs }, (_, e) => runs.reduce((sum, r) => sum + pick(r.records[e]!), 0) / runs.length);
}

export function mean(values: readonly number[]): number {
  const finite = values.filter(isValue);
  return finite.length === 0 ? NaN : finite.reduce((a, b) => a + b, 0) / finite.length;
}

/** Lowest and highest value of `pick` over every epoch of every run. */
export function range(runs: readonly RunResult[], pick: (record: EpochRecord) => number): { min: number; max: number } {
  const values = runs.flatMap((r) => r.records.map(pick));
  return { min: Math.min(...values), max: Math.max(...values) };
}

// ---------------------------------------------------------------------------------------------------
// Convergence pattern

export type ConvergencePattern = "single epoch" | "flat" | "rising" | "monotone" | "smooth" | "noisy";

export interface Convergence {
  pattern: ConvergencePattern;
  /** (first − final)/first of the curve. */
  reduction: number;
  /** Share of epoch-to-epoch steps where the loss fell. */
  fallingShare: number;
  /** Largest relative epoch-to-epoch rise (rise / previous value); 0 when it never rose. */
  largestRise: number;
  /** The epoch at which that rise happened, null when it never rose. */
  largestRiseEpoch: number | null;
}

/** Relative change below which a whole curve counts as flat, and a single rise as noise. */
export const FLAT_REDUCTION = 0.01;
export const SMOOTH_RISE = 0.02;

export const CONVERGENCE_RULE =
  `from the seed-mean validation loss per epoch: "flat" if |first − final|/first < ${100 * FLAT_REDUCTION}%, ` +
  `"rising" if it ended higher; otherwise "monotone" if every epoch fell, "smooth" if no epoch rose by more than ` +
  `${100 * SMOOTH_RISE}% of the previous value, "noisy" if one did. Relative rises are scale-free, unlike the losses`;

/** The convergence pattern of a loss curve by {@link CONVERGENCE_RULE}. */
export function convergence(curve: readonly number[]): Convergence {
  if (curve.length < 2) return { pattern: "single epoch", reduction: 0, fallingShare: NaN, largestRise: 0, largestRiseEpoch: null };
  const first = curve[0]!;
  const final = curve[curve.length - 1]!;
  const reduction = (first - final) / first;
  let falling = 0;
  let largestRise = 0;
  let largestRiseEpoch: number | null = null;
  for (let i = 1; i < curve.length; i++) {
    if (curve[i]! < curve[i - 1]!) falling++;
    const rise = (curve[i]! - curve[i - 1]!) / curve[i - 1]!;
    if (rise > largestRise) {
      largestRise = rise;
      largestRiseEpoch = i + 1;
    }
  }
  const fallingShare = falling / (curve.length - 1);
  const pattern: ConvergencePattern =
    Math.abs(reduction) < FLAT_REDUCTION ? "flat" : reduction < 0 ? "rising" : fallingShare === 1 ? "monotone" : largestRise <= SMOOTH_RISE ? "smooth" : "noisy";
  return { pattern, reduction, fallingShare, largestRise, largestRiseEpoch };
}

export function convergenceText(c: Convergence): string {
  if (c.pattern === "single epoch") return "single epoch";
  const rise = c.largestRiseEpoch === null ? "never rose" : `largest rise +${fixed(100 * c.largestRise, 1)}% at epoch ${c.largestRiseEpoch}`;
  return `${c.pattern} (${fixed(100 * c.fallingShare, 1)}% of epochs fell; ${rise})`;
}

// ---------------------------------------------------------------------------------------------------
// Overfitting

export const OVERFITTING_RULE =
  "per run (training.overfittingOnset): the first epoch after which the validation loss never returned to its best " +
  "(a final rise of under 2% is noise) while the training loss kept falling";

export function overfittingText(runs: readonly RunResult[]): string {
  const onsets = runs.map((r) => r.training.overfittingOnset);
  const bestEpochs = runs.map((r) => r.training.bestEpoch);
  if (runs.length === 1) {
    return onsets[0] === null ? `none (best epoch ${bestEpochs[0]})` : `from epoch ${onsets[0]} (best epoch ${bestEpochs[0]})`;
  }
  const found = onsets.filter((o): o is number => o !== null);
  if (found.length === 0) return `none in ${plural(runs.length, "seed")} (best epochs ${bestEpochs.join(", ")})`;
  return `${found.length} of ${plural(runs.length, "seed")} (from epochs ${found.join(", ")}; best epochs ${bestEpochs.join(", ")})`;
}

// ---------------------------------------------------------------------------------------------------
// Step budget of the log σ's

export interface BudgetSummary {
  /** AdamW steps (min–max over seeds: the group split can give seeds different training sizes). */
  steps: { min: number; max: number };
  bound: { min: number; max: number };
  tasks: Record<TaskKey, { moved: number; share: number; limitedRuns: number }>;
  runs: number;
  /** Runs × tasks still moving at ≥ a quarter of the maximal speed in the last epochs. */
  limited: number;
}

/** How far each log σ moved against the bound steps·lr, averaged over an objective's runs. */
export function budgetSummary(runs: readonly RunResult[]): BudgetSummary {
  const budgets = runs.map((r) => r.training.stepBudget);
  const tasks = Object.fromEntries(
    TASK_KEYS.map((task) => [
      task,
      {
        moved: mean(budgets.map((b) => b.tasks[task].moved)),
        share: mean(budgets.map((b) => b.tasks[task].share)),
        limitedRuns: budgets.filter((b) => b.tasks[task].limited).length,
      },
    ]),
  ) as BudgetSummary["tasks"];
  return {
    steps: { min: Math.min(...budgets.map((b) => b.steps)), max: Math.max(...budgets.map((b) => b.steps)) },
    bound: { min: Math.min(...budgets.map((b) => b.bound)), max: Math.max(...budgets.map((b) => b.bound)) },
    tasks,
    runs: runs.length,
    limited: TASK_KEYS.reduce((sum, task) => sum + tasks[task].limitedRuns, 0),
  };
}

export const BUDGET_RULE =
  "AdamW moves a parameter by at most ≈ lr per step, so |Δ log σ| ≤ steps·lr; a log σ still moving at ≥ 25% of that " +
  "maximal speed over the last 5 epochs is limited by the step budget, not converged (training.stepBudget)";

function spanOf(r: { min: number; max: number }, format: (v: number) => string): string {
  return r.min === r.max ? format(r.min) : `${format(r.min)}–${format(r.max)}`;
}

/** One sentence on the step budget of an objective's σ's. */
export function budgetText(objective: Objective, summary: BudgetSummary): string {
  const moved = TASK_KEYS.map((t) => `${TASK_LABEL[t]} ${fixed(summary.tasks[t].moved, 4)} (${fixed(100 * summary.tasks[t].share, 1)}%)`).join(", ");
  const verdict =
    summary.limited > 0
      ? `${summary.limited} of ${summary.runs * TASK_KEYS.length} log σ's (runs × tasks) were still moving at the end: these σ's reflect the step budget, not converged task importance`
      : "no log σ was still moving at a quarter of the maximal speed at the end";
  return (
    `${objectiveName(objective)}: ${spanOf(summary.steps, String)} AdamW steps, bound steps·lr = ${spanOf(summary.bound, (v) => fixed(v, 4))}; ` +
    `mean |Δ log σ| (share of the bound): ${moved}; ${verdict}.`
  );
}

// ---------------------------------------------------------------------------------------------------
// Baselines and production readiness

/** Per-run baseline F1s of an objective's validation windows (both objectives of a seed share them). */
export function baselineF1(runs: readonly RunResult[]): { allPositive: number[]; priorRate: number[] } {
  return {
    allPositive: runs.map((r) => r.evaluation.baselines.allPositive.f1),
    priorRate: runs.map((r) => r.evaluation.baselines.priorRate.f1),
  };
}

/** The rule-baseline statistic that stands beside each model metric (same validation windows per seed). */
export const RULE_BASELINE_KEYS: Record<string, keyof ComparisonResult["ruleBaseline"]["metrics"]> = {
  f1_native: "f1",
  precision_native: "precision",
  recall_native: "recall",
  iou_native: "iou",
  strict_f1_native: "strictF1",
  hit3_native: "hit3",
};

/**
 * The rule detector's statistics for a model metric key, or null when it has no counterpart. Optional
 * chaining: a comparison.json written before the rule baseline existed has none.
 */
export function ruleBaselineStats(result: ComparisonResult, key: string): ObjectiveStatistics | null {
  const field = RULE_BASELINE_KEYS[key];
  return field ? (result.ruleBaseline?.metrics[field] ?? null) : null;
}

/** "rule baseline 0.123 [0.100, 0.150]" for a metric, or null. */
export function ruleBaselineText(result: ComparisonResult, key: string, kind: ValueKind = "score"): string | null {
  const stats = ruleBaselineStats(result, key);
  return stats ? `rule baseline ${formatStatistics(stats, kind, result.protocol.seeds.length)}` : null;
}

export type ReadinessState = "ready" | "not ready" | "not established";

export interface Readiness {
  state: ReadinessState;
  f1: ObjectiveStatistics | null;
  /** The highest trivial-baseline F1 over the objective's runs (all-positive or prior-rate). */
  baseline: number;
  text: string;
}

export const READINESS_RULE =
  "ready = the lower end of the 95% interval of the native-decoder F1 exceeds the best trivial baseline F1 " +
  "(all-positive or prior-rate, highest over seeds); not ready = its upper end (the value, with one seed) does not; " +
  `otherwise not established. Fewer than ${MIN_PAIRED_SEEDS_FOR_WINNER} seeds never establish readiness`;

/** Production readiness of one objective by {@link READINESS_RULE}. */
export function readiness(result: ComparisonResult, objective: Objective): Readiness {
  const seeds = result.protocol.seeds.length;
  const f1 = requireMetric(result, "f1_native")[objective];
  const baselines = baselineF1(runsOf(result, objective));
  const baseline = Math.max(...baselines.allPositive, ...baselines.priorRate);
  let state: ReadinessState = "not established";
  if (f1 && isValue(f1.high) && f1.high <= baseline) state = "not ready";
  else if (f1 && seeds >= MIN_PAIRED_SEEDS_FOR_WINNER && isValue(f1.low) && f1.low > baseline) state = "ready";
  const rule = ruleBaselineText(result, "f1_native");
  const text = `${state}: F1 ${formatStatistics(f1, "score", seeds)} vs best trivial baseline ${formatValue(baseline, "score")}${rule ? ` (${rule})` : ""}`;
  return { state, f1, baseline, text };
}

// ---------------------------------------------------------------------------------------------------
// Pooled calibration bins and histograms

/** Reliability bins of an objective pooled over its runs: counts add, means are count-weighted. */
export function pooledReliability(runs: readonly RunResult[]): ReliabilityBin[] {
  const template = runs[0]!.evaluation.calibration.bins;
  return template.map((bin, b) => {
    let count = 0;
    let predicted = 0;
    let observed = 0;
    for (const run of runs) {
      const own = run.evaluation.calibration.bins[b]!;
      if (own.count > 0) {
        count += own.count;
        predicted += own.count * own.meanPredicted;
        observed += own.count * own.observedFrequency;
      }
    }
    return { lower: bin.lower, upper: bin.upper, count, meanPredicted: count > 0 ? predicted / count : NaN, observedFrequency: count > 0 ? observed / count : NaN };
  });
}

/** The 50-bin histograms of an objective summed over its runs. */
export function summedHistogram(runs: readonly RunResult[]): { inSpan: number[]; outOfSpan: number[] } {
  const bins = runs[0]!.evaluation.histogram.bins;
  const inSpan = new Array<number>(bins).fill(0);
  const outOfSpan = new Array<number>(bins).fill(0);
  for (const run of runs) {
    run.evaluation.histogram.inSpan.forEach((c, i) => (inSpan[i]! += c));
    run.evaluation.histogram.outOfSpan.forEach((c, i) => (outOfSpan[i]! += c));
  }
  return { inSpan, outOfSpan };
}

// ---------------------------------------------------------------------------------------------------
// The metric table

export interface ResultRow {
  metric: string;
  soft: string;
  crf: string;
  /** "soft", "crf", "not established", "n/a" — or, for the recommendation row, the decision. */
  winner: string;
  notes: string;
  /** The `result.metrics` key the row prints, when it prints one. */
  key?: string;
}

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

/** `result.metrics` keys the reference rows already print; every other metric gets a row of its own. */
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

/** Notes of a compared metric: the paired difference, the winner's rule, and the metric's caveat. */
export function metricNotes(result: ComparisonResult, metric: MetricComparison, prefix = ""): string {
  const seeds = result.protocol.seeds.length;
  const parts: string[] = [];
  if (prefix) parts.push(prefix);
  parts.push(`unit: ${metric.unit}`);
  if (metric.difference) parts.push(`soft − CRF ${formatDifference(metric.difference, kindOf(metric), seeds)}`);
  const rule = ruleBaselineText(result, metric.key, kindOf(metric));
  if (rule) parts.push(`${rule} (range_z / expansion_proxy thresholds tuned on training windows)`);
  parts.push(metric.rule);
  if (metric.note && !metric.rule.includes(metric.note)) parts.push(metric.note);
  return parts.join("; ");
}

function metricRow(result: ComparisonResult, name: string, key: string, prefix = ""): ResultRow {
  const seeds = result.protocol.seeds.length;
  const metric = requireMetric(result, key);
  const kind = kindOf(metric);
  return {
    metric: name,
    soft: formatStatistics(metric.soft, kind, seeds),
    crf: formatStatistics(metric.crf, kind, seeds),
    winner: metric.winner,
    notes: metricNotes(result, metric, prefix),
    key,
  };
}

/** Calibration verdict: an objective wins only when ECE and Brier both name it. */
export const CALIBRATION_RULE = "winner only when ECE's and Brier's paired intervals both name the same objective (lower is better)";

export function calibrationWinner(result: ComparisonResult): string {
  const ece = requireMetric(result, "ece").winner;
  const brier = requireMetric(result, "brier").winner;
  return ece === brier && (ece === "soft" || ece === "crf") ? ece : "not established";
}

export const COMPLEXITY = {
  soft: "O(T): one comparison per bar (threshold)",
  crf: "O(T·K²), K = 2 tags: Viterbi (4 add-max per bar) + backtrace",
  note:
    "facts, not a winner: with K = 2 both decoders are linear in T and differ by a constant factor, negligible next to the " +
    "BiLSTM forward pass both share; the reference decided partly on this",
};

/** Sum of the final pointer and span task-weight shares of each run. */
function pointerPlusSpan(runs: readonly RunResult[]): number[] {
  return runs.map((r) => {
    const last = r.records[r.records.length - 1]!;
    return 100 * (last.task_weights.pointer + last.task_weights.span);
  });
}

/**
 * Every row of SOFT_SPAN_VS_CRF_RESULTS.csv: the reference's 21 in its order, then one row per
 * `result.metrics` entry the reference rows do not already print, in `result.metrics` order.
 */
export function resultRows(result: ComparisonResult): ResultRow[] {
  const { protocol } = result;
  const seeds = protocol.seeds.length;
  const soft = runsOf(result, "soft");
  const crf = runsOf(result, "crf");
  const perObjective = <T>(f: (runs: RunResult[], objective: Objective) => T): Record<Objective, T> => ({ soft: f(soft, "soft"), crf: f(crf, "crf") });
  const seedNote = seeds === 1 ? "one seed: a single run per objective cannot establish a difference" : `${seeds} paired seeds; mean [95% bootstrap interval]`;

  const scale = perObjective((runs) => ({ total: range(runs, (r) => r.validation.unweighted), span: range(runs, (r) => r.validation.span) }));
  const curves = perObjective((runs) => convergence(seedMeanCurve(runs, (r) => r.validation.unweighted)));
  const budgets = perObjective((runs) => budgetSummary(runs));
  const balance = perObjective((runs) => pointerPlusSpan(runs));
  const ready = perObjective((_, objective) => readiness(result, objective));
  const heuristic = result.referenceHeuristic;
  const rangeText = (r: { min: number; max: number }) => `${formatValue(r.min, "loss")}–${formatValue(r.max, "loss")}`;
  const calibrationText = (objective: Objective) =>
    `ECE ${formatStatistics(requireMetric(result, "ece")[objective], "score", seeds)}; Brier ${formatStatistics(requireMetric(result, "brier")[objective], "score", seeds)}`;
  const budgetNote = (task: TaskKey) =>
    `final 1/σ² share of the Kendall weights; descriptive, never decides. log σ moved ${fixed(budgets.soft.tasks[task].moved, 4)} (soft) / ${fixed(budgets.crf.tasks[task].moved, 4)} (CRF) ` +
    `of at most steps·lr = ${spanOf(budgets.soft.bound, (v) => fixed(v, 4))}; still moving at the end in ${budgets.soft.tasks[task].limitedRuns + budgets.crf.tasks[task].limitedRuns} of ${2 * seeds} runs`;
  const readinessWinner = (): string => {
    const states = OBJECTIVES.map((o) => ready[o].state);
    if (states[0] === "ready" && states[1] === "not ready") return "soft";
    if (states[1] === "ready" && states[0] === "not ready") return "crf";
    return states[0] === states[1] && states[0] !== "not established" ? "n/a" : "not established";
  };
  const decision = result.recommendation.decision;
  const recommendationCell = (objective: Objective) => (decision === objective ? "recommended" : decision === "undecided" ? "undecided" : "not recommended");

  const rows: ResultRow[] = [
    {
      metric: "Epochs",
      soft: String(protocol.epochs),
      crf: String(protocol.epochs),
      winner: "n/a",
      notes: `same protocol for both: ${seedNote}; seeds ${protocol.seeds.join(", ")}; batch ${protocol.batchSize}; AdamW lr ${protocol.learningRate}; evaluated checkpoint: ${protocol.evaluatedCheckpoint}`,
    },
    metricRow(result, "Val Loss (Start)", "val_loss_first", "the log's val_loss at epoch 1: unweighted L_type + L_ptr + L_span + L_cd on validation windows"),
    metricRow(result, "Val Loss (Final)", "val_loss_final", `the log's val_loss at epoch ${protocol.epochs}`),
    metricRow(result, "Loss Reduction %", "loss_reduction", "(val loss at epoch 1 − final)/epoch 1"),
    {
      metric: "Normalized Reduction",
      soft: formatValue(100 * heuristic.softReduction, "percent"),
      crf: formatValue(100 * heuristic.crfNormalised, "percent"),
      winner: "n/a",
      notes:
        `REFERENCE HEURISTIC, flagged: on the seed-mean validation losses, CRF reduction ${formatValue(100 * heuristic.crfReduction, "percent")} ÷ ` +
        `${fixed(heuristic.scale, 4)} (CRF/soft epoch-1 loss ratio) = ${formatValue(100 * heuristic.crfNormalised, "percent")}; soft left as is. ${heuristic.note}`,
    },
    {
      metric: "Loss Scale Range",
      soft: rangeText(scale.soft.total),
      crf: rangeText(scale.crf.total),
      winner: "n/a",
      notes:
        `min–max of the unweighted validation loss over all epochs and seeds; the span term alone spans ${rangeText(scale.soft.span)} (soft BCE, a per-bar mean) ` +
        `vs ${rangeText(scale.crf.span)} (CRF NLL, summed over the bars): the scales are not comparable`,
    },
    {
      metric: "Convergence Pattern",
      soft: convergenceText(curves.soft),
      crf: convergenceText(curves.crf),
      winner: "n/a",
      notes: `${CONVERGENCE_RULE}; descriptive: the validation loss is dominated by the countdown term`,
    },
    {
      metric: "Overfitting",
      soft: overfittingText(soft),
      crf: overfittingText(crf),
      winner: "n/a",
      notes: OVERFITTING_RULE,
    },
    { ...metricRow(result, "Pointer Weight %", "weight_pointer"), notes: budgetNote("pointer") },
    { ...metricRow(result, "Span Weight %", "weight_span"), notes: budgetNote("span") },
    { ...metricRow(result, "Classification Weight %", "weight_type"), notes: budgetNote("type") },
    { ...metricRow(result, "Countdown Weight %", "weight_countdown"), notes: budgetNote("countdown") },
    {
      ...metricRow(result, "Sigma Span", "sigma_span"),
      notes: `final σ of the span task; ${BUDGET_RULE}: ${budgets.soft.tasks.span.limitedRuns + budgets.crf.tasks.span.limitedRuns} of ${2 * seeds} runs still moving`,
    },
    metricRow(result, "In-Span Mean Prob", "in_span_mean", "validation bars; CRF p = posterior marginals (forward–backward), not the reference's emission softmax"),
    metricRow(result, "Out-of-Span Mean Prob", "out_of_span_mean", "validation bars; CRF p = posterior marginals"),
    metricRow(result, "Probability Separation", "separation", "in-span − out-of-span mean p"),
    { metric: "Inference Complexity", soft: COMPLEXITY.soft, crf: COMPLEXITY.crf, winner: "n/a", notes: COMPLEXITY.note },
    {
      metric: "Calibration",
      soft: calibrationText("soft"),
      crf: calibrationText("crf"),
      winner: calibrationWinner(result),
      notes:
        `${CALIBRATION_RULE}; ECE: ${requireMetric(result, "ece").winner}, soft − CRF ${formatDifference(requireMetric(result, "ece").difference, "score", seeds)}; ` +
        `Brier: ${requireMetric(result, "brier").winner}, soft − CRF ${formatDifference(requireMetric(result, "brier").difference, "score", seeds)}`,
    },
    {
      metric: "Task Balance",
      soft: `${formatValue(mean(balance.soft), "percent")} on pointer + span`,
      crf: `${formatValue(mean(balance.crf), "percent")} on pointer + span`,
      winner: "n/a",
      notes: "seed mean of the final pointer + span task-weight shares (the reference's 'task balance'); a share is the optimiser's uncertainty estimate, not a quality, so it never decides",
    },
    {
      metric: "Production Readiness",
      soft: ready.soft.text,
      crf: ready.crf.text,
      winner: readinessWinner(),
      notes: `${READINESS_RULE}; the winner is the objective that is ready while the other is not ready`,
    },
    {
      metric: "Recommendation",
      soft: recommendationCell("soft"),
      crf: recommendationCell("crf"),
      winner: decision,
      notes: `${result.recommendation.headline} Rules: ${result.recommendation.rules.join(" ")}`,
    },
  ];
  // The reference's rows are a contract (readers diff the two CSVs): refuse to drift from it.
  const names = rows.map((r) => r.metric);
  if (names.length !== REFERENCE_ROWS.length || names.some((name, i) => name !== REFERENCE_ROWS[i])) {
    throw new Error(`results table rows ${JSON.stringify(names)} are not the reference's ${JSON.stringify(REFERENCE_ROWS)}`);
  }
  for (const metric of result.metrics) {
    if (!REFERENCE_ROW_KEYS.has(metric.key)) rows.push(metricRow(result, metric.label, metric.key));
  }
  return rows;
}

/** The keys of the summary's headline table, in order (F1 native, F1 single span, IoU, separation, ECE). */
export const HEADLINE_KEYS = ["f1_native", "f1_single_span", "iou_single_span", "separation", "ece"] as const;

/** Short names of metrics for narrow tables and lists (the full label is in the CSV). */
export const SHORT_LABEL: Record<string, string> = {
  f1_native: "F1, own decoder",
  precision_native: "precision, own decoder",
  recall_native: "recall, own decoder",
  f1_threshold: "F1, threshold on p",
  threshold: "chosen threshold",
  f1_emission_softmax: "F1, emission softmax",
  f1_single_span: "F1, single span",
  iou_single_span: "IoU, single span",
  strict_f1_single_span: "strict span F1",
  hit1_single_span: "hit@1",
  hit3_single_span: "hit@3",
  hit5_single_span: "hit@5",
  start_error_single_span: "start error",
  end_error_single_span: "end error",
  iou_native: "IoU, own decoder",
  macro_f1_at_half: "macro F1 at 0.5",
  in_span_mean: "in-span mean p",
  out_of_span_mean: "out-of-span mean p",
  separation: "Separation",
  ece: "ECE",
  brier: "Brier",
  pointer_center_mae: "pointer center MAE",
  pointer_length_mae: "pointer length MAE",
  classification_accuracy: "classification accuracy",
};

/** A metric's short name, or its label when it has none. */
export function shortLabel(metric: Pick<MetricComparison, "key" | "label">): string {
  return SHORT_LABEL[metric.key] ?? metric.label;
}

/**
 * A caution when the recommended objective is not shown to beat the trivial baselines: winning the
 * comparison does not make a model useful, and a decision maker must see both on the same line.
 */
export function decisionCaution(result: ComparisonResult): string | null {
  const decision = result.recommendation.decision;
  if (decision === "undecided") return null;
  const cautions: string[] = [];
  const r = readiness(result, decision);
  if (r.state !== "ready") {
    cautions.push(`is ${r.state === "not ready" ? "NOT above" : "not shown to be above"} the trivial baselines (${r.text})`);
  }
  if (versusRuleBaseline(result, decision) === "below") {
    cautions.push(`its span F1 is below the transparent rule detector's (${ruleBaselineText(result, "f1_native")})`);
  }
  return cautions.length === 0 ? null : `Caution: the ${objectiveName(decision)} wins the comparison but ${cautions.join(", and ")}.`;
}

/**
 * The native F1 of an objective against the rule detector's: "below" when the model's interval lies
 * wholly under the rule's (with one seed: its value is lower), "above" when wholly over it (several seeds
 * only), "overlapping" otherwise; null without a rule baseline.
 */
export function versusRuleBaseline(result: ComparisonResult, objective: Objective): "below" | "above" | "overlapping" | null {
  const rule = ruleBaselineStats(result, "f1_native");
  const model = requireMetric(result, "f1_native")[objective];
  if (!rule || !model || !isValue(model.mean) || !isValue(rule.mean)) return null;
  if (result.protocol.seeds.length <= 1) return model.mean < rule.mean ? "below" : "overlapping";
  if (model.high < rule.low) return "below";
  if (model.low > rule.high) return "above";
  return "overlapping";
}

/** Compared metrics (a better direction exists) whose difference the runs did not establish. */
export function notEstablished(result: ComparisonResult): MetricComparison[] {
  return result.metrics.filter((m) => m.higherIsBetter !== null && m.winner === "not established");
}
