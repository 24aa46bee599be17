/**
 * From runs to a decision: each run's headline metrics, their across-seed statistics with bootstrap
 * intervals, the paired soft − CRF differences, winners by stated rules, and the recommendation. A winner
 * is named only when the paired interval excludes zero; otherwise the bundle says "not established".
 */
import { bootstrapInterval, pairedDifference, summarize } from "../eval/statistics.js";
import { lossReduction, normalisedReduction } from "../eval/metrics.js";
import { LOG_SIGMA_INIT } from "../model/parameters.js";
import { TASKS } from "../model/jade_compact.js";
import type { EpochRecord } from "../train/records.js";
import { Rng } from "../util/rng.js";
import type { RunEvaluation } from "./evaluate.js";
import type { ComparisonResult, MetricComparison, Objective, ObjectiveStatistics, RunResult, StepBudget } from "./types.js";

/**
 * Fewest paired seeds that may name a winner. With n pairs, a percentile-bootstrap interval of the mean
 * difference excludes 0 whenever all n differences share a sign, which happens by chance (no real
 * difference) with probability 2/2ⁿ: 50% for 2 seeds, 12.5% for 4, 6.25% for 5.
 */
export const MIN_PAIRED_SEEDS_FOR_WINNER = 5;

/** A headline metric: how to read it off a run, and which direction is better. */
export interface MetricDefinition {
  key: string;
  label: string;
  unit: string;
  higherIsBetter: boolean | null;
  /** Only defined for one objective (e.g. the CRF's extra decoders). */
  only?: Objective;
  note?: string;
  value(run: Pick<RunResult, "objective" | "records" | "evaluation" | "training">): number;
}

function decoder(evaluation: RunEvaluation, key: string) {
  const found = evaluation.decoders.find((d) => d.decoder === key);
  if (!found) throw new Error(`no ${key} decoder in this evaluation`);
  return found;
}

/** Each objective's own decoder: threshold decoding for the soft head, Viterbi for the CRF. */
function nativeDecoder(run: Pick<RunResult, "objective" | "evaluation">) {
  return decoder(run.evaluation, run.objective === "crf" ? "viterbi" : "threshold");
}

/** Threshold decoding of per-bar p: sigmoid (soft) or posterior marginals (CRF). */
function thresholdDecoder(run: Pick<RunResult, "objective" | "evaluation">) {
  return decoder(run.evaluation, run.objective === "crf" ? "marginal_threshold" : "threshold");
}

const last = (records: EpochRecord[]) => records[records.length - 1]!;
const LOSS_SCALE_NOTE =
  "not comparable across objectives: the CRF's span loss is an NLL summed over 105 bars, the soft span loss a per-bar mean";

/** The headline metrics, in display order. */
export const METRICS: MetricDefinition[] = [
  { key: "f1_native", label: "Span F1, each objective's own decoder (soft: p > threshold; CRF: Viterbi)", unit: "F1 (0–1)", higherIsBetter: true, value: (r) => nativeDecoder(r).pooled.f1 },
  { key: "precision_native", label: "Span precision, own decoder", unit: "0–1", higherIsBetter: true, value: (r) => nativeDecoder(r).pooled.precision },
  { key: "recall_native", label: "Span recall, own decoder", unit: "0–1", higherIsBetter: true, value: (r) => nativeDecoder(r).pooled.recall },
  { key: "f1_threshold", label: "Span F1, threshold on per-bar p (CRF: posterior marginals)", unit: "F1 (0–1)", higherIsBetter: true, value: (r) => thresholdDecoder(r).pooled.f1 },
  { key: "threshold", label: "Threshold chosen on training windows", unit: "p", higherIsBetter: null, value: (r) => r.evaluation.thresholds[0]!.threshold },
  { key: "f1_emission_softmax", label: "Span F1, threshold on emission softmax (the reference's CRF probability)", unit: "F1 (0–1)", higherIsBetter: true, only: "crf", value: (r) => decoder(r.evaluation, "emission_softmax_threshold").pooled.f1 },
  { key: "f1_single_span", label: "Span F1, single-span decoder", unit: "F1 (0–1)", higherIsBetter: true, value: (r) => decoder(r.evaluation, "single_span").pooled.f1 },
  { key: "iou_single_span", label: "Mean IoU, single-span decoder", unit: "IoU (0–1)", higherIsBetter: true, value: (r) => decoder(r.evaluation, "single_span").spanLevel.meanIoU },
  { key: "strict_f1_single_span", label: "Strict span F1 (IoU ≥ 0.5), single-span decoder", unit: "F1 (0–1)", higherIsBetter: true, value: (r) => decoder(r.evaluation, "single_span").spanLevel.f1 },
  ...[1, 3, 5].map((k) => ({
    key: `hit${k}_single_span`,
    label: `hit@${k} (both boundaries within ${k} bars), single-span decoder`,
    unit: "rate (0–1)",
    higherIsBetter: true,
    value: (r: Pick<RunResult, "evaluation">) => decoder(r.evaluation, "single_span").spanLevel.hitAt.find((h) => h.k === k)!.rate,
  })),
  { key: "start_error_single_span", label: "Start error, single-span decoder", unit: "bars", higherIsBetter: false, value: (r) => decoder(r.evaluation, "single_span").spanLevel.meanStartError },
  { key: "end_error_single_span", label: "End error, single-span decoder", unit: "bars", higherIsBetter: false, value: (r) => decoder(r.evaluation, "single_span").spanLevel.meanEndError },
  { key: "iou_native", label: "Mean IoU, longest run of the own decoder", unit: "IoU (0–1)", higherIsBetter: true, value: (r) => nativeDecoder(r).spanLevel.meanIoU },
  { key: "macro_f1_at_half", label: "Per-window (macro) span F1 at p > 0.5, as the reference logs it", unit: "F1 (0–1)", higherIsBetter: true, value: (r) => r.evaluation.macroAtHalf.f1 },
  { key: "in_span_mean", label: "Mean p over in-span bars", unit: "p", higherIsBetter: null, value: (r) => r.evaluation.separation.inSpan.mean },
  { key: "out_of_span_mean", label: "Mean p over out-of-span bars", unit: "p", higherIsBetter: null, value: (r) => r.evaluation.separation.outOfSpan.mean },
  { key: "separation", label: "Probability separation (in-span − out-of-span mean p)", unit: "p", higherIsBetter: true, value: (r) => r.evaluation.separation.separation },
  { key: "ece", label: "Expected calibration error (10 equal-width bins)", unit: "0–1", higherIsBetter: false, value: (r) => r.evaluation.calibration.expectedCalibrationError },
  { key: "brier", label: "Brier score of per-bar p", unit: "0–1", higherIsBetter: false, value: (r) => r.evaluation.calibration.brierScore },
  { key: "pointer_center_mae", label: "Pointer center MAE", unit: "bars", higherIsBetter: false, value: (r) => r.evaluation.pointers.centerMae },
  { key: "pointer_length_mae", label: "Pointer length MAE", unit: "bars", higherIsBetter: false, value: (r) => r.evaluation.pointers.lengthMae },
  { key: "classification_accuracy", label: "Classification accuracy (consolidation vs retracement)", unit: "0–1", higherIsBetter: true, value: (r) => r.evaluation.classificationAccuracy },
  { key: "classification_majority_baseline", label: "Classification accuracy of always predicting the training majority class", unit: "0–1", higherIsBetter: null, value: (r) => r.evaluation.baselines.majorityClassAccuracy },
  { key: "val_loss_first", label: "Validation loss, epoch 1 (unweighted sum)", unit: "loss", higherIsBetter: null, note: LOSS_SCALE_NOTE, value: (r) => r.training.firstValidationLoss },
  { key: "val_loss_final", label: "Validation loss, final epoch (unweighted sum)", unit: "loss", higherIsBetter: null, note: LOSS_SCALE_NOTE, value: (r) => r.training.finalValidationLoss },
  { key: "val_loss_best", label: "Validation loss, best epoch", unit: "loss", higherIsBetter: null, note: LOSS_SCALE_NOTE, value: (r) => r.training.bestValidationLoss },
  { key: "loss_reduction", label: "Validation loss reduction, epoch 1 → final", unit: "%", higherIsBetter: null, note: "the reference decided on this; it measures the loss scale as much as learning", value: (r) => 100 * r.training.lossReduction },
  { key: "best_epoch", label: "Best epoch (lowest validation loss)", unit: "epoch", higherIsBetter: null, value: (r) => r.training.bestEpoch },
  ...TASKS.map((task) => ({
    key: `sigma_${task}`,
    label: `σ ${task} (final)`,
    unit: "σ",
    higherIsBetter: null,
    value: (r: Pick<RunResult, "records">) => last(r.records).sigma[task],
  })),
  ...TASKS.map((task) => ({
    key: `weight_${task}`,
    label: `Task weight ${task} (final, 1/σ² share)`,
    unit: "%",
    higherIsBetter: null,
    value: (r: Pick<RunResult, "records">) => 100 * last(r.records).task_weights[task],
  })),
  { key: "train_seconds", label: "Training wall time", unit: "s", higherIsBetter: null, value: (r) => r.training.wallSeconds },
];

/** Epoch after which validation loss never returned to its best while the training loss kept falling. */
export function overfittingOnset(records: readonly EpochRecord[]): number | null {
  let best = 0;
  for (let i = 1; i < records.length; i++) if (records[i]!.validation.unweighted < records[best]!.validation.unweighted) best = i;
  const final = records[records.length - 1]!;
  const atBest = records[best]!;
  // A rise of under 2% over the best is noise at these data sizes, not overfitting.
  if (best === records.length - 1 || final.validation.unweighted <= atBest.validation.unweighted * 1.02) return null;
  return final.train.weighted < atBest.train.weighted ? atBest.epoch + 1 : null;
}

/**
 * How far each log σ moved against AdamW's step budget (≈ lr per step), and whether it was still moving
 * at the end: a σ still moving at ≥ a quarter of the maximum speed over the last 5 epochs is limited by the
 * budget, not converged.
 */
export function stepBudget(records: readonly EpochRecord[], learningRate: number): StepBudget {
  const final = records[records.length - 1]!;
  const steps = final.steps;
  const bound = steps * learningRate;
  const lookback = records[Math.max(0, records.length - 6)]!;
  const recentSteps = final.steps - lookback.steps;
  const initial: Record<string, number> = {
    pointer: LOG_SIGMA_INIT.log_sigma_ptr,
    type: LOG_SIGMA_INIT.log_sigma_type,
    span: LOG_SIGMA_INIT.log_sigma_span,
    countdown: LOG_SIGMA_INIT.log_sigma_countdown,
  };
  const tasks = Object.fromEntries(
    TASKS.map((task) => {
      const start = initial[task]!;
      const end = final.log_sigma[task];
      const moved = Math.abs(end - start);
      const recentSpeed = recentSteps > 0 ? Math.abs(end - lookback.log_sigma[task]) / recentSteps : 0;
      return [task, { initial: start, final: end, moved, share: bound > 0 ? moved / bound : 0, limited: recentSpeed >= 0.25 * learningRate }];
    }),
  ) as StepBudget["tasks"];
  return { steps, learningRate, bound, tasks };
}

/** Training facts of a run from its records. */
export function trainingSummary(records: readonly EpochRecord[], learningRate: number): RunResult["training"] {
  const first = records[0]!;
  const final = records[records.length - 1]!;
  return {
    firstValidationLoss: first.validation.unweighted,
    finalValidationLoss: final.validation.unweighted,
    bestValidationLoss: final.best_validation_loss,
    bestEpoch: final.best_epoch,
    lossReduction: lossReduction(first.validation.unweighted, final.validation.unweighted),
    overfittingOnset: overfittingOnset(records),
    stepBudget: stepBudget(records, learningRate),
    wallSeconds: records.reduce((sum, r) => sum + r.wall_seconds, 0),
  };
}

/** A run's headline values by metric key (metrics that do not apply to its objective are left out). */
export function headlineValues(run: Pick<RunResult, "objective" | "records" | "evaluation" | "training">): Record<string, number> {
  const values: Record<string, number> = {};
  for (const metric of METRICS) if (!metric.only || metric.only === run.objective) values[metric.key] = metric.value(run);
  return values;
}

/** Mean, sample std and bootstrap interval of per-seed values (NaNs ignored). */
export function sampleStatistics(values: number[], rng: Rng, resamples: number): ObjectiveStatistics {
  const finite = values.filter(Number.isFinite);
  if (finite.length === 0) return { values, mean: NaN, std: NaN, low: NaN, high: NaN };
  const summary = summarize(finite);
  const interval = finite.length > 1 ? bootstrapInterval(finite, rng, { resamples }) : { low: summary.mean, high: summary.mean };
  return { values, mean: summary.mean, std: summary.std, low: interval.low, high: interval.high };
}

/** Compares one metric across paired runs (runs of both objectives for the same seeds, in seed order). */
export function compareMetric(metric: MetricDefinition, soft: RunResult[], crf: RunResult[], rng: Rng, resamples: number): MetricComparison {
  const side = (runs: RunResult[], objective: Objective) =>
    metric.only && metric.only !== objective ? null : sampleStatistics(runs.map((r) => r.headline[metric.key] ?? NaN), rng, resamples);
  const softStats = side(soft, "soft");
  const crfStats = side(crf, "crf");
  const base = { key: metric.key, label: metric.label, unit: metric.unit, higherIsBetter: metric.higherIsBetter, soft: softStats, crf: crfStats, ...(metric.note ? { note: metric.note } : {}) };
  if (!softStats || !crfStats) {
    return { ...base, difference: null, winner: "n/a", rule: `defined for the ${metric.only === "crf" ? "CRF" : "soft head"} only` };
  }
  const pairs = softStats.values.map((v, i) => [v, crfStats.values[i]!] as const).filter(([a, b]) => Number.isFinite(a) && Number.isFinite(b));
  let difference: MetricComparison["difference"] = null;
  if (pairs.length > 1) {
    const d = pairedDifference(pairs.map((p) => p[0]), pairs.map((p) => p[1]), rng, { resamples });
    difference = { mean: d.mean, low: d.low, high: d.high, established: d.established };
  } else if (pairs.length === 1) {
    const only = pairs[0]![0] - pairs[0]![1];
    difference = { mean: only, low: only, high: only, established: false };
  }
  if (metric.higherIsBetter === null) {
    return { ...base, difference, winner: "n/a", rule: metric.note ? "descriptive; " + metric.note : "descriptive: no better direction" };
  }
  if (!difference || pairs.length < MIN_PAIRED_SEEDS_FOR_WINNER) {
    const why =
      pairs.length < 2
        ? "one paired run per objective cannot establish a difference"
        : `${pairs.length} paired seeds are too few: the interval excludes 0 by chance with probability ${(100 * 2 ** (1 - pairs.length)).toFixed(1)}% whenever all differences share a sign`;
    return { ...base, difference, winner: "not established", rule: `${why} (run --seeds ${MIN_PAIRED_SEEDS_FOR_WINNER} or more)` };
  }
  if (!difference.established) {
    return { ...base, difference, winner: "not established", rule: `the 95% interval of soft − CRF [${difference.low.toFixed(4)}, ${difference.high.toFixed(4)}] contains 0` };
  }
  const softBetter = metric.higherIsBetter ? difference.mean > 0 : difference.mean < 0;
  return {
    ...base,
    difference,
    winner: softBetter ? "soft" : "crf",
    rule: `the 95% interval of soft − CRF [${difference.low.toFixed(4)}, ${difference.high.toFixed(4)}] excludes 0; ${metric.higherIsBetter ? "higher" : "lower"} is better`,
  };
}

const fmt = (v: number) => (Number.isFinite(v) ? v.toFixed(3) : "n/a");

/** The decision, by the rules it states, from the compared metrics. */
export function recommend(metrics: readonly MetricComparison[], seeds: number): ComparisonResult["recommendation"] {
  const byKey = new Map(metrics.map((m) => [m.key, m]));
  const primary = byKey.get("f1_native")!;
  const secondary = byKey.get("iou_single_span")!;
  const rules = [
    "Primary: span F1 of each objective's own decoder (soft: p > threshold chosen on training windows; CRF: Viterbi), pooled over validation bars, paired across seeds.",
    `A winner is named only when the 95% bootstrap interval of the paired difference soft − CRF excludes 0, over at least ${MIN_PAIRED_SEEDS_FOR_WINNER} paired seeds (with fewer, the interval excludes 0 by chance too often).`,
    "If the primary difference is not established, the single-span decoder's mean IoU decides under the same rule.",
    "If neither is established, no objective is recommended on the evidence; loss values and loss reductions never decide (their scales differ).",
  ];
  // One seed has no interval: print the plain value rather than a degenerate [x, x].
  const withInterval = (mean: number, low: number, high: number) => (seeds > 1 ? `${fmt(mean)} [${fmt(low)}, ${fmt(high)}]` : fmt(mean));
  const describe = (m: MetricComparison) =>
    `${m.label}: soft ${withInterval(m.soft!.mean, m.soft!.low, m.soft!.high)}, CRF ${withInterval(m.crf!.mean, m.crf!.low, m.crf!.high)}` +
    (m.difference ? `; soft − CRF ${withInterval(m.difference.mean, m.difference.low, m.difference.high)}` : "");
  const reasons = [describe(primary), describe(secondary)];
  for (const key of ["separation", "strict_f1_single_span", "ece"]) {
    const m = byKey.get(key);
    if (m && m.winner !== "n/a") reasons.push(`${describe(m)} → ${m.winner}`);
  }
  for (const m of [primary, secondary]) {
    if (m.winner === "soft" || m.winner === "crf") {
      return {
        decision: m.winner,
        headline: `Ship the ${m.winner === "soft" ? "soft span loss" : "CRF"}: it wins on ${m.key === "f1_native" ? "span F1" : "span IoU"} across ${seeds} paired seeds (interval excludes 0).`,
        reasons,
        rules,
      };
    }
  }
  return {
    decision: "undecided",
    headline:
      seeds < 2
        ? `No recommendation: a single run per objective cannot establish a difference; rerun with --seeds ${MIN_PAIRED_SEEDS_FOR_WINNER} or more.`
        : seeds < MIN_PAIRED_SEEDS_FOR_WINNER
          ? `No recommendation: ${seeds} paired seeds are too few to establish a difference; rerun with --seeds ${MIN_PAIRED_SEEDS_FOR_WINNER} or more.`
          : `No established difference in span F1 or span IoU across ${seeds} paired seeds; the data do not favour either objective.`,
    reasons,
    rules,
  };
}

/** Aggregates runs (both objectives, the same seeds) into the compared metrics. */
export function compareRuns(runs: readonly RunResult[], seeds: readonly number[], options: { resamples: number; seed: number }): MetricComparison[] {
  const rng = new Rng(options.seed);
  const bySeed = (objective: Objective) =>
    seeds.map((seed) => {
      const run = runs.find((r) => r.objective === objective && r.seed === seed);
      if (!run) throw new Error(`no ${objective} run for seed ${seed}`);
      return run;
    });
  const soft = bySeed("soft");
  const crf = bySeed("crf");
  return METRICS.map((metric) => compareMetric(metric, soft, crf, rng, options.resamples));
}

/** The reference's "normalised reduction" on the seed-mean validation losses, computed as it was. */
export function referenceHeuristic(runs: readonly RunResult[]): ComparisonResult["referenceHeuristic"] {
  const mean = (objective: Objective, pick: (r: RunResult) => number) => {
    const values = runs.filter((r) => r.objective === objective).map(pick);
    return values.reduce((a, b) => a + b, 0) / values.length;
  };
  const result = normalisedReduction(
    mean("soft", (r) => r.training.firstValidationLoss),
    mean("soft", (r) => r.training.finalValidationLoss),
    mean("crf", (r) => r.training.firstValidationLoss),
    mean("crf", (r) => r.training.finalValidationLoss),
  );
  return {
    softReduction: result.soft,
    crfReduction: result.crfRaw,
    scale: result.scale,
    crfNormalised: result.crf,
    note: "the reference divided the CRF's loss reduction by the ratio of epoch-1 validation losses; this is a heuristic about loss scales, reported for comparison with the reference, never used to decide",
  };
}
