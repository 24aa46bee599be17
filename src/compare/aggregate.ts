/**
 * From runs to a decision: each run's headline metrics, their across-seed statistics with bootstrap
 * intervals, the paired differences of every pair of objectives (pairwise.ts), winners by stated rules,
 * and the recommendation. A winner is named only when its paired intervals against every other objective
 * exclude zero; otherwise the bundle says "not established".
 * Objectives are named by their span heads ({@link ObjectiveDescription}); nothing here knows one.
 */
import { bootstrapInterval, mean, summarize } from "../eval/statistics.js";
import { lossReduction, normalisedReduction } from "../eval/metrics.js";
import { LOG_SIGMA_INIT } from "../model/parameters.js";
import { TASKS } from "../model/jade_compact.js";
import type { EpochRecord } from "../train/records.js";
import { Rng } from "../util/rng.js";
import { CONVENTIONS } from "./analysis/conventions.js";
import { comparePair, objectivePairs, overallWinner, pairLabel, winnerRuleText } from "./pairwise.js";
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
 * Compares one metric across paired runs: `runs[k]` are the runs of `objectives[k]` for the same seeds, in
 * seed order. Every pair i < j gets its paired difference i − j (`pairs`, src/compare/pairwise.ts); the
 * winner is the objective every pair it is in names.
 */
export function compareMetric(
  metric: MetricDefinition,
  objectives: readonly ObjectiveDescription[],
  runs: readonly (readonly RunResult[])[],
  rng: Rng,
  resamples: number,
): MetricComparison {
  // A side exists when any of its runs defines the metric (runs of one objective share their decoders).
  // Every side is drawn before any pair, so two objectives consume the generator as they always did.
  const sides = runs.map((list) =>
    metric.definedFor && !list.some((run) => metric.definedFor!(run))
      ? null
      : sampleStatistics(
          list.map((r) => r.headline[metric.key] ?? NaN),
          rng,
          resamples,
        ),
  );
  const index = new Map(objectives.map((o, i) => [o.name, i]));
  const pairs = objectivePairs(objectives).map(([a, b]) => comparePair(metric, a, b, sides[index.get(a.name)!]!, sides[index.get(b.name)!]!, rng, resamples));
  const { winner, rule } = overallWinner(
    metric,
    objectives,
    sides.map((side) => side !== null),
    pairs,
  );
  return {
    key: metric.key,
    label: metric.label,
    shortLabel: metric.shortLabel ?? metric.label,
    unit: metric.unit,
    kind: valueKindOfUnit(metric.unit),
    higherIsBetter: metric.higherIsBetter,
    byObjective: Object.fromEntries(objectives.map((o, i) => [o.name, sides[i]!])),
    ruleBaseline: null,
    role: metric.key === PRIMARY_METRIC ? ("primary" as const) : ("secondary" as const),
    ...(metric.note ? { note: metric.note } : {}),
    difference: pairs[0]!.difference,
    pairs,
    winner,
    rule,
  };
}

const fmt = (v: number) => (Number.isFinite(v) ? v.toFixed(3) : "n/a");

/** The decision, by the rules it states, from the compared metrics. */
/** The one pre-declared metric whose paired winner decides (docs/spec.md §9); every other metric is secondary. */
export const PRIMARY_METRIC = "f1_native";

export function recommend(
  metrics: readonly MetricComparison[],
  seeds: number,
  objectives: readonly ObjectiveDescription[],
  /** What the paired units are: seeds, or a tuned comparison's outer folds. */
  unit: "seeds" | "outer folds" = "seeds",
): ComparisonResult["recommendation"] {
  const byKey = new Map(metrics.map((m) => [m.key, m]));
  const primary = byKey.get(PRIMARY_METRIC)!;
  const secondary = byKey.get("iou_single_span")!;
  const named = (name: string) => objectives.find((o) => o.name === name)!;
  const ownDecoders = objectives
    .map((o) => `${o.shortLabel}: ${o.nativeDecoderRule}${o.nativeDecoder === o.thresholdDecoder.key ? " chosen on training windows" : ""}`)
    .join("; ");
  const rules = [
    `Primary: span F1 of each objective's own decoder (${ownDecoders}), pooled over validation bars, paired across ${unit}.`,
    winnerRuleText(objectives, unit),
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
    `${m.label}: ${objectives.map((o) => side(m, o)).join(", ")}` +
    m.pairs
      .filter((p) => p.difference)
      .map((p) => `; ${pairLabel(named(p.first), named(p.second))} ${withInterval(p.difference!.mean, p.difference!.low, p.difference!.high)}`)
      .join("");
  const reasons = [describe(primary), describe(secondary)];
  for (const key of ["separation", "strict_f1_single_span", "ece"]) {
    const m = byKey.get(key);
    if (m && m.winner !== "n/a") reasons.push(`${describe(m)} → ${m.winner}`);
  }
  const winner = objectives.find((o) => o.name === primary.winner);
  if (winner) {
    return {
      decision: winner.name,
      headline:
        objectives.length === 2
          ? `Ship the ${winner.label}: it wins on span F1 across ${seeds} paired ${unit} (interval excludes 0).`
          : `Ship the ${winner.label}: it wins on span F1 against every other objective across ${seeds} paired ${unit} (every paired interval excludes 0).`,
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
          : objectives.length === 2
            ? `No established difference in span F1 (the primary metric) across ${seeds} paired ${unit}; the data do not favour either objective.`
            : `No objective wins span F1 (the primary metric) against every other across ${seeds} paired ${unit}: ${pairOutcomes(primary, objectives)}.`,
    reasons,
    rules,
  };
}

/** Which pairs of a metric are established and which are not, in words ("established: soft ahead of CRF; not established: …"). */
export function pairOutcomes(metric: MetricComparison, objectives: readonly ObjectiveDescription[]): string {
  const named = (name: string) => objectives.find((o) => o.name === name)!;
  const established = metric.pairs.filter((p) => p.winner === p.first || p.winner === p.second);
  const open = metric.pairs.filter((p) => !established.includes(p));
  const ahead = (p: MetricComparison["pairs"][number]) => {
    const loser = p.winner === p.first ? p.second : p.first;
    return `the ${named(p.winner).label} ahead of the ${named(loser).label}`;
  };
  return [
    established.length > 0 ? `established: ${established.map(ahead).join(", ")}` : "no pair is established",
    ...(open.length > 0 && established.length > 0
      ? [`not established: ${open.map((p) => `the ${named(p.first).label} vs the ${named(p.second).label}`).join(", ")}`]
      : []),
  ].join("; ");
}

/** The runs of one objective in seed order. */
export function runsBySeed(runs: readonly RunResult[], objective: Objective, seeds: readonly number[]): RunResult[] {
  return seeds.map((seed) => {
    const run = runs.find((r) => r.objective === objective && r.seed === seed);
    if (!run) throw new Error(`no ${objective} run for seed ${seed}`);
    return run;
  });
}

/** Aggregates runs (every objective, the same seeds) into the compared metrics. */
export function compareRuns(
  runs: readonly RunResult[],
  seeds: readonly number[],
  objectives: readonly ObjectiveDescription[],
  definitions: readonly MetricDefinition[],
  options: { resamples: number; seed: number },
): MetricComparison[] {
  const rng = new Rng(options.seed);
  const paired = objectives.map((o) => runsBySeed(runs, o.name, seeds));
  return definitions.map((metric) => compareMetric(metric, objectives, paired, rng, options.resamples));
}

/**
 * The reference's "normalised reduction" on the seed-mean validation losses, computed as it was: the
 * second objective's reduction divided by its epoch-1 loss ratio to the first's (the reference's soft vs
 * CRF); every later objective is normalised against the first the same way (`others`).
 */
export function referenceHeuristic(runs: readonly RunResult[], objectives: readonly ObjectiveDescription[]): ComparisonResult["referenceHeuristic"] {
  const seedMean = (objective: ObjectiveDescription, pick: (r: RunResult) => number) => mean(runs.filter((r) => r.objective === objective.name).map(pick));
  const [first, ...rest] = objectives as [ObjectiveDescription, ...ObjectiveDescription[]];
  const results = rest.map((later) =>
    normalisedReduction(
      seedMean(first, (r) => r.training.firstValidationLoss),
      seedMean(first, (r) => r.training.finalValidationLoss),
      seedMean(later, (r) => r.training.firstValidationLoss),
      seedMean(later, (r) => r.training.finalValidationLoss),
    ),
  );
  const second = results[0]!;
  return {
    reductions: Object.fromEntries([[first.name, second.soft], ...rest.map((later, k) => [later.name, results[k]!.crfRaw])]),
    scale: second.scale,
    normalised: second.crf,
    ...(rest.length > 1
      ? { others: rest.slice(1).map((later, k) => ({ objective: later.name, scale: results[k + 1]!.scale, normalised: results[k + 1]!.crf })) }
      : {}),
    note: "the reference divided the CRF's loss reduction by the ratio of epoch-1 validation losses; this is a heuristic about loss scales, reported for comparison with the reference, never used to decide",
  };
}
