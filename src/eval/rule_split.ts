/**
 * The rule baseline scored like the models: the two-feature rule (range_z > a && |expansion_proxy| > b,
 * which contains the single-feature rule as b = 0) tuned on a run's training windows and scored on its
 * validation windows with the same pooled and span-level metrics, so every comparison shows whether the
 * network beats a transparent rule.
 */
import type { Window } from "../data/window.js";
import { WINDOW_BARS, windowSpans } from "../data/window.js";
import { pooledSpanScores, predictedSpansFromMask, spanLevelScores, type PooledScores, type SpanLevelScores } from "./metrics.js";
import { predictTwo, ruleBars, tuneTwoFeatureRule, type TwoFeatureRule } from "./rule_baseline.js";

export interface RuleEvaluation {
  rule: TwoFeatureRule;
  /** Pooled F1 of the tuned rule on the training windows it was tuned on. */
  trainingF1: number;
  /** Pooled (micro) bar-level scores on the validation windows. */
  pooled: PooledScores;
  /** Span-level scores of the longest predicted run per validation window. */
  spanLevel: SpanLevelScores;
}

/** Tunes the rule on `trainIndices` of `windows` and scores it on `validationIndices`. */
export function evaluateRuleOnSplit(windows: readonly Window[], trainIndices: readonly number[], validationIndices: readonly number[]): RuleEvaluation {
  const pick = (indices: readonly number[]) => indices.map((i) => windows[i]!);
  const tuned = tuneTwoFeatureRule(ruleBars(pick(trainIndices)));
  const validation = pick(validationIndices);
  const bars = ruleBars(validation);
  const predict = predictTwo(tuned.rule);
  const mask = Uint8Array.from(bars, (bar) => (predict(bar) ? 1 : 0));
  // Per-bar scores against every annotated span; span-level scores against the primary span.
  const primary = validation.map((w) => ({ start: w.expansion_start, end: w.expansion_end }));
  return {
    rule: tuned.rule,
    trainingF1: tuned.score.f1,
    pooled: pooledSpanScores(mask, validation.map(windowSpans), WINDOW_BARS),
    spanLevel: spanLevelScores(predictedSpansFromMask(mask, validation.length, WINDOW_BARS), primary),
  };
}
