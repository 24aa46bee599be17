/**
 * Public surface of the evaluation layer (docs/spec.md §6): bar-level, span-level, pointer and class metrics,
 * threshold optimisation and its baselines, calibration, statistics across runs, and the transparent
 * rule baseline. Other modules import from here rather than from the files behind it.
 *
 * Zero-division conventions: precision / recall / F1 follow scikit-learn's `zero_division=0`; every
 * other mean or rate over an empty set is NaN (see metrics.ts).
 */

export {
  prfFromCounts,
  f1Score,
  checkSpans,
  macroSpanScores,
  macroSpanScoresFromMask,
  pooledSpanScores,
  pooledFromCounts,
  populationSummary,
  sortedMedian,
  probabilitySeparation,
  spanIoU,
  STRICT_IOU,
  spanLevelScores,
  predictedSpanFromMask,
  predictedSpansFromMask,
  pointerErrors,
  classificationAccuracy,
  lossReduction,
  normalisedReduction,
  type Span,
  type PrfScores,
  type PooledScores,
  type Summary,
  type ProbabilitySeparation,
  type SpanLevelScores,
  type PointerErrors,
  type NormalisedReduction,
} from "./metrics.js";

export { truthSpans, truthMask, checkTruth, type WindowTruth } from "./truth.js";

export {
  thresholdGrid,
  thresholdSweep,
  bestThreshold,
  inSpanRate,
  allPositiveScores,
  priorRateScores,
  type ThresholdRow,
  type ThresholdSweepOptions,
  type PriorRateScores,
} from "./threshold.js";

export {
  spanTargetsMask,
  binIndex,
  reliabilityDiagram,
  expectedCalibrationError,
  brierScore,
  type ReliabilityBin,
} from "./calibration.js";

export {
  summarize,
  quantileSorted,
  bootstrapInterval,
  pairedDifference,
  type SampleSummary,
  type BootstrapOptions,
  type BootstrapInterval,
  type PairedDifference,
} from "./statistics.js";

// The rule baseline's own grid helper (low, high, step) is exported under another name: `thresholdGrid`
// here is the drift-free probability grid of threshold.ts.
export {
  ruleBars,
  scoreRule,
  thresholdGrid as ruleThresholdGrid,
  RANGE_Z_GRID,
  EXPANSION_PROXY_GRID,
  predictSingle,
  predictTwo,
  tuneSingleFeatureRule,
  tuneTwoFeatureRule,
  ruleBaseline,
  formatRuleBaseline,
  type RuleBar,
  type RuleScore,
  type SingleFeatureRule,
  type TwoFeatureRule,
  type RuleBaselineOptions,
  type RuleBaselineReport,
} from "./rule_baseline.js";
