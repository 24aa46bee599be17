/**
 * The models against what needs no model: the trivial baselines (all-positive, prior rate), production
 * readiness by a stated rule, and the transparent rule detector beside every metric it has a counterpart
 * of.
 */
import { extent, mean } from "../../eval/statistics.js";
import type {
  ComparisonResult,
  MetricComparison,
  ObjectiveDescription,
  ObjectiveStatistics,
  Phrase,
  Readiness,
  ReadinessState,
  RunResult,
  SeedSpread,
  Winner,
} from "../types.js";
import { CONVENTIONS } from "./conventions.js";
import { phrase, statistics, value } from "./phrase.js";

/** The rule-baseline statistic that stands beside each model metric (same validation windows per seed). */
export const RULE_BASELINE_KEYS: Record<string, keyof ComparisonResult["ruleBaseline"]["metrics"]> = {
  f1_native: "f1",
  precision_native: "precision",
  recall_native: "recall",
  iou_native: "iou",
  strict_f1_native: "strictF1",
  hit3_native: "hit3",
};

/** The compared metrics with the rule detector's statistics beside those it has a counterpart of. */
export function withRuleBaseline(metrics: readonly MetricComparison[], ruleBaseline: ComparisonResult["ruleBaseline"]): MetricComparison[] {
  return metrics.map((metric) => {
    const field = RULE_BASELINE_KEYS[metric.key];
    return { ...metric, ruleBaseline: field ? ruleBaseline.metrics[field] : null };
  });
}

/** Per-seed values with their mean and range over the finite ones. */
export function seedSpread(values: readonly number[]): SeedSpread {
  const finite = values.filter(Number.isFinite);
  return { values: [...values], mean: mean(finite), ...extent(finite), count: finite.length };
}

/** "rule baseline 0.123 [0.100, 0.150]" for a metric with a rule-detector counterpart, or null. */
export function ruleBaselineText(metric: MetricComparison): Phrase | null {
  return metric.ruleBaseline ? phrase("rule baseline ", statistics(metric.ruleBaseline, metric.kind)) : null;
}

export const READINESS_RULE =
  "ready = the lower end of the 95% interval of the native-decoder F1 exceeds the best trivial baseline F1 " +
  "(all-positive or prior-rate, highest over seeds); not ready = its upper end (the value, with one seed) does not; " +
  `otherwise not established. Fewer than ${CONVENTIONS.minimumPairedSeeds} seeds never establish readiness`;

const isValue = (v: number | null | undefined): v is number => typeof v === "number" && Number.isFinite(v);

/** Production readiness of one objective by {@link READINESS_RULE}. */
export function readiness(f1Native: MetricComparison, objective: ObjectiveDescription, runs: readonly RunResult[], seeds: number): Readiness {
  const f1 = f1Native.byObjective[objective.name] ?? null;
  const baseline = Math.max(...runs.map((r) => r.evaluation.baselines.allPositive.f1), ...runs.map((r) => r.evaluation.baselines.priorRate.f1));
  let state: ReadinessState = "not established";
  if (f1 && isValue(f1.high) && f1.high <= baseline) state = "not ready";
  else if (f1 && seeds >= CONVENTIONS.minimumPairedSeeds && isValue(f1.low) && f1.low > baseline) state = "ready";
  const rule = ruleBaselineText(f1Native);
  const text = phrase(`${state}: F1 `, statistics(f1, "score"), " vs best trivial baseline ", value(baseline, "score"), rule ? phrase(" (", rule, ")") : []);
  return { state, f1, baseline, text };
}

/**
 * The objective that is ready while every other is not ready; "n/a" when all share a verdict; else not
 * established (with two objectives: ready against not ready names the ready one).
 */
export function readinessWinner(objectives: readonly ObjectiveDescription[], states: readonly ReadinessState[]): Winner {
  const ready = objectives.filter((_, i) => states[i] === "ready");
  if (ready.length === 1 && states.every((state) => state === "ready" || state === "not ready")) return ready[0]!.name;
  return states.every((state) => state === states[0]) && states[0] !== "not established" ? "n/a" : "not established";
}

/**
 * The native F1 of an objective against the rule detector's: "below" when the model's interval lies
 * wholly under the rule's (with one seed: its value is lower), "above" when wholly over it (several seeds
 * only), "overlapping" otherwise; null without a rule baseline.
 */
export function versusRuleBaseline(f1Native: MetricComparison, model: ObjectiveStatistics | null, seeds: number): "below" | "above" | "overlapping" | null {
  const rule = f1Native.ruleBaseline;
  if (!rule || !model || !isValue(model.mean) || !isValue(rule.mean)) return null;
  if (seeds <= 1) return model.mean < rule.mean ? "below" : "overlapping";
  if (model.high < rule.low) return "below";
  if (model.low > rule.high) return "above";
  return "overlapping";
}

/** The trivial baselines' and the rule detector's F1 over some runs, as the threshold plots draw them. */
export function baselineLines(runs: readonly RunResult[], ruleBaseline: ComparisonResult["ruleBaseline"]): { label: string; f1: number }[] {
  const seedsShown = new Set(runs.map((r) => r.seed));
  const rule = ruleBaseline.perSeed.filter((r) => seedsShown.has(r.seed)).map((r) => r.f1);
  return [
    { label: "all-positive", f1: mean(runs.map((r) => r.evaluation.baselines.allPositive.f1)) },
    { label: "prior rate", f1: mean(runs.map((r) => r.evaluation.baselines.priorRate.f1)) },
    ...(rule.length > 0 ? [{ label: "rule baseline", f1: mean(rule) }] : []),
  ];
}
