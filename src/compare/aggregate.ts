/**
 * From runs to a decision: each run's headline metrics, their across-seed statistics with bootstrap
 * intervals, the paired first − second differences, winners by stated rules, and the recommendation. A
 * winner is named only when the paired interval excludes zero; otherwise the bundle says "not established".
 * Objectives are named by their span heads ({@link ObjectiveDescription}); nothing here knows one.
 */
import { bootstrapInterval, mean, pairedDifference, summarize } from "../eval/statistics.js";
import { lossReduction, normalisedReduction } from "../eval/metrics.js";
import { LOG_SIGMA_INIT } from "../model/parameters.js";
import { TASKS } from "../model/jade_compact.js";
import type { EpochRecord } from "../train/records.js";
import { Rng } from "../util/rng.js";
import { CONVENTIONS } from "./analysis/conventions.js";
import { differenceLabel } from "./analysis/objectives.js";
import { type MetricDefinition, type RunFacts, valueKindOfUnit } from "./metrics.js";
import type { ComparisonResult, MetricComparison, Objective, ObjectiveDescription, ObjectiveStatistics, RunResult, StepBudget } from "./types.js";

export { metricDefinitions, type MetricDefinition, valueKindOfUnit } from "./metrics.js";

/** Fewest paired seeds that may name a winner (see {@link CONVENTIONS}). */
export const MIN_PAIRED_SEEDS_FOR_WINNER = CONVENTIONS.minimumPairedSeeds;

/** Epoch after which validation loss never returned to its best while the training loss kept falling. */
export function overfittingOnset(records: readonly EpochRecord[]): number | null {
  let best = 0;
  for (let i = 1; i < records.length; i++) if (records[i]!.validation.unweighted < records[best]!.validation.unweighted) best = i;
  const final = records[records.length - 1]!;
  const atBest = records[best]!;
  if (best === records.length - 1 || final.validation.unweighted <= atBest.validation.unweighted * (1 + CONVENTIONS.overfittingTolerance)) return null;
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
  const lookback = records[Math.max(0, records.length - 1 - CONVENTIONS.budgetLookbackEpochs)]!;
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
      return [
        task,
        { initial: start, final: end, moved, share: bound > 0 ? moved / bound : 0, limited: recentSpeed >= CONVENTIONS.budgetSpeedShare * learningRate },
      ];
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

/** A run's headline values by metric key (metrics its evaluation does not define are left out). */
export function headlineValues(run: RunFacts, definitions: readonly MetricDefinition[]): Record<string, number> {
  const values: Record<string, number> = {};
  for (const metric of definitions) if (!metric.definedFor || metric.definedFor(run)) values[metric.key] = metric.value(run);
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

/**
 * Compares one metric across paired runs: `runs[0]` and `runs[1]` are the runs of `objectives[0]` and
 * `objectives[1]` for the same seeds, in seed order. The difference is first − second.
 */
export function compareMetric(
  metric: MetricDefinition,
  objectives: readonly [ObjectiveDescription, ObjectiveDescription],
  runs: readonly [readonly RunResult[], readonly RunResult[]],
  rng: Rng,
  resamples: number,
): MetricComparison {
  const pair = differenceLabel(objectives);
  // A side exists when any of its runs defines the metric (runs of one objective share their decoders).
  const side = (list: readonly RunResult[]) =>
    metric.definedFor && !list.some((run) => metric.definedFor!(run))
      ? null
      : sampleStatistics(
          list.map((r) => r.headline[metric.key] ?? NaN),
          rng,
          resamples,
        );
  const first = side(runs[0]);
  const second = side(runs[1]);
  const base = {
    key: metric.key,
    label: metric.label,
    shortLabel: metric.shortLabel ?? metric.label,
    unit: metric.unit,
    kind: valueKindOfUnit(metric.unit),
    higherIsBetter: metric.higherIsBetter,
    byObjective: { [objectives[0].name]: first, [objectives[1].name]: second },
    ruleBaseline: null,
    role: metric.key === PRIMARY_METRIC ? ("primary" as const) : ("secondary" as const),
    ...(metric.note ? { note: metric.note } : {}),
  };
  if (!first || !second) {
    const defined = first ? objectives[0] : objectives[1];
    return { ...base, difference: null, winner: "n/a", rule: `defined for the ${defined.label} only` };
  }
  const pairs = first.values.map((v, i) => [v, second.values[i]!] as const).filter(([a, b]) => Number.isFinite(a) && Number.isFinite(b));
  let difference: MetricComparison["difference"] = null;
  if (pairs.length > 1) {
    const d = pairedDifference(
      pairs.map((p) => p[0]),
      pairs.map((p) => p[1]),
      rng,
      { resamples, confidence: CONVENTIONS.confidence },
    );
    difference = { mean: d.mean, low: d.low, high: d.high, established: d.established };
  } else if (pairs.length === 1) {
    const only = pairs[0]![0] - pairs[0]![1];
    difference = { mean: only, low: only, high: only, established: false };
  }
  if (metric.higherIsBetter === null) {
    return { ...base, difference, winner: "n/a", rule: metric.note ? `descriptive; ${metric.note}` : "descriptive: no better direction" };
  }
  if (!difference || pairs.length < MIN_PAIRED_SEEDS_FOR_WINNER) {
    const why =
      pairs.length < 2
        ? "one paired run per objective cannot establish a difference"
        : `${pairs.length} paired seeds are too few: the interval excludes 0 by chance with probability ${(100 * 2 ** (1 - pairs.length)).toFixed(1)}% whenever all differences share a sign`;
    return { ...base, difference, winner: "not established", rule: `${why} (run --seeds ${MIN_PAIRED_SEEDS_FOR_WINNER} or more)` };
  }
  const interval = `[${difference.low.toFixed(4)}, ${difference.high.toFixed(4)}]`;
  if (!difference.established) {
    return { ...base, difference, winner: "not established", rule: `the 95% interval of ${pair} ${interval} contains 0` };
  }
  const firstBetter = metric.higherIsBetter ? difference.mean > 0 : difference.mean < 0;
  return {
    ...base,
    difference,
    winner: firstBetter ? objectives[0].name : objectives[1].name,
    rule: `the 95% interval of ${pair} ${interval} excludes 0; ${metric.higherIsBetter ? "higher" : "lower"} is better`,
  };
}

const fmt = (v: number) => (Number.isFinite(v) ? v.toFixed(3) : "n/a");

/** The decision, by the rules it states, from the compared metrics. */
/** The one pre-declared metric whose paired winner decides (docs/spec.md §9); every other metric is secondary. */
export const PRIMARY_METRIC = "f1_native";

export function recommend(
  metrics: readonly MetricComparison[],
  seeds: number,
  objectives: readonly [ObjectiveDescription, ObjectiveDescription],
  /** What the paired units are: seeds, or a tuned comparison's outer folds. */
  unit: "seeds" | "outer folds" = "seeds",
): ComparisonResult["recommendation"] {
  const byKey = new Map(metrics.map((m) => [m.key, m]));
  const primary = byKey.get(PRIMARY_METRIC)!;
  const secondary = byKey.get("iou_single_span")!;
  const pair = differenceLabel(objectives);
  const ownDecoders = objectives
    .map((o) => `${o.shortLabel}: ${o.nativeDecoderRule}${o.nativeDecoder === o.thresholdDecoder.key ? " chosen on training windows" : ""}`)
    .join("; ");
  const rules = [
    `Primary: span F1 of each objective's own decoder (${ownDecoders}), pooled over validation bars, paired across ${unit}.`,
    `A winner is named only when the 95% bootstrap interval of the paired difference ${pair} excludes 0, over at least ${MIN_PAIRED_SEEDS_FOR_WINNER} paired ${unit} (with fewer, the interval excludes 0 by chance too often).`,
    "If it is not established, no objective is recommended on the evidence.",
    "Every other metric is secondary: shown with its own winner for description, never deciding, and not adjusted for the many metrics and settings reported (a second metric tried after the first failed would raise the chance of a false verdict); loss values and loss reductions never decide (their scales differ).",
  ];
  // One seed has no interval: print the plain value rather than a degenerate [x, x].
  const withInterval = (mean: number, low: number, high: number) => (seeds > 1 ? `${fmt(mean)} [${fmt(low)}, ${fmt(high)}]` : fmt(mean));
  const side = (m: MetricComparison, objective: ObjectiveDescription) => {
    const stats = m.byObjective[objective.name]!;
    return `${objective.shortLabel} ${withInterval(stats.mean, stats.low, stats.high)}`;
  };
  const describe = (m: MetricComparison) =>
    `${m.label}: ${side(m, objectives[0])}, ${side(m, objectives[1])}` +
    (m.difference ? `; ${pair} ${withInterval(m.difference.mean, m.difference.low, m.difference.high)}` : "");
  const reasons = [describe(primary), describe(secondary)];
  for (const key of ["separation", "strict_f1_single_span", "ece"]) {
    const m = byKey.get(key);
    if (m && m.winner !== "n/a") reasons.push(`${describe(m)} → ${m.winner}`);
  }
  const winner = objectives.find((o) => o.name === primary.winner);
  if (winner) {
    return {
      decision: winner.name,
      headline: `Ship the ${winner.label}: it wins on span F1 across ${seeds} paired ${unit} (interval excludes 0).`,
      reasons,
      rules,
    };
  }
  return {
    decision: "undecided",
    headline:
      seeds < 2
        ? `No recommendation: a single run per objective cannot establish a difference; rerun with --seeds ${MIN_PAIRED_SEEDS_FOR_WINNER} or more.`
        : seeds < MIN_PAIRED_SEEDS_FOR_WINNER
          ? `No recommendation: ${seeds} paired ${unit} are too few to establish a difference; rerun with ${unit === "seeds" ? "--seeds" : "--outer-folds"} ${MIN_PAIRED_SEEDS_FOR_WINNER} or more.`
          : `No established difference in span F1 (the primary metric) across ${seeds} paired ${unit}; the data do not favour either objective.`,
    reasons,
    rules,
  };
}

/** The runs of one objective in seed order. */
export function runsBySeed(runs: readonly RunResult[], objective: Objective, seeds: readonly number[]): RunResult[] {
  return seeds.map((seed) => {
    const run = runs.find((r) => r.objective === objective && r.seed === seed);
    if (!run) throw new Error(`no ${objective} run for seed ${seed}`);
    return run;
  });
}

/** Aggregates runs (both objectives, the same seeds) into the compared metrics. */
export function compareRuns(
  runs: readonly RunResult[],
  seeds: readonly number[],
  objectives: readonly [ObjectiveDescription, ObjectiveDescription],
  definitions: readonly MetricDefinition[],
  options: { resamples: number; seed: number },
): MetricComparison[] {
  const rng = new Rng(options.seed);
  const paired = [runsBySeed(runs, objectives[0].name, seeds), runsBySeed(runs, objectives[1].name, seeds)] as const;
  return definitions.map((metric) => compareMetric(metric, objectives, paired, rng, options.resamples));
}

/** The reference's "normalised reduction" on the seed-mean validation losses, computed as it was. */
export function referenceHeuristic(
  runs: readonly RunResult[],
  objectives: readonly [ObjectiveDescription, ObjectiveDescription],
): ComparisonResult["referenceHeuristic"] {
  const seedMean = (objective: ObjectiveDescription, pick: (r: RunResult) => number) => mean(runs.filter((r) => r.objective === objective.name).map(pick));
  const [first, second] = objectives;
  const result = normalisedReduction(
    seedMean(first, (r) => r.training.firstValidationLoss),
    seedMean(first, (r) => r.training.finalValidationLoss),
    seedMean(second, (r) => r.training.firstValidationLoss),
    seedMean(second, (r) => r.training.finalValidationLoss),
  );
  return {
    reductions: { [first.name]: result.soft, [second.name]: result.crfRaw },
    scale: result.scale,
    normalised: result.crf,
    note: "the reference divided the CRF's loss reduction by the ratio of epoch-1 validation losses; this is a heuristic about loss scales, reported for comparison with the reference, never used to decide",
  };
}
