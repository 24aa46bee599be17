/**
 * Public surface of the feature layer (docs/spec.md §2): the causal zigzag and the relativity features built
 * on it.
 */

export {
  causalZigzag,
  pairwiseSum,
  DEFAULT_ZIGZAG_OPTIONS,
  LEG_UP,
  LEG_DOWN,
  LEG_UNSET,
  CONFIRM_NONE,
  CONFIRM_PRIMARY,
  CONFIRM_HYBRID,
  type ZigzagOptions,
  type ZigzagTrace,
  type LegDirection,
  type ConfirmRule,
} from "./zigzag.js";

export {
  computeRelativityFeatures,
  computeWindowFeatures,
  featureCount,
  FEATURE_NAMES,
  FEATURE_RANGES,
  BASE_FEATURE_COUNT,
  OHLC_EPS,
  RANGE_EMA_PERIOD,
  ATR_FLOOR,
  BARS_SINCE_SCALE,
  type FeatureOptions,
} from "./relativity.js";
