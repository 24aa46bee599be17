/**
 * The 12 "relativity" features of docs/spec.md §2 (plus the optional position feature): per-bar candle shape,
 * range relative to its EMA, distance and age of the last causal swings, and two proxies built from
 * them. Every feature is price-relative and clipped to a declared range, computed from one window's
 * own bars (EMA, ATR and zigzag restart at bar 0), in float64, stored as float32.
 *
 * Matches the reference builder (HeinekenBottle/moola, src/moola/features/relativity.py
 * `build_features`, and `swing_relative` in src/moola/features/zigzag.py) operation for operation, so
 * float32 outputs agree with it bar for bar.
 */

import { WINDOW_BARS, type Bar, type Window } from "../data/window.js";
import { causalZigzag } from "./zigzag.js";

/** Feature names in column order; the 13th, "position", is present only when asked for. */
export const FEATURE_NAMES: readonly string[] = Object.freeze([
  "open_norm",
  "close_norm",
  "body_pct",
  "upper_wick",
  "lower_wick",
  "range_z",
  "dist_to_swing_high",
  "dist_to_swing_low",
  "bars_since_swing_high",
  "bars_since_swing_low",
  "expansion_proxy",
  "consol_proxy",
  "position",
]);

/** Declared [min, max] of each feature in {@link FEATURE_NAMES} order: the bounds of its clip. */
export const FEATURE_RANGES: readonly [number, number][] = Object.freeze(
  (
    [
      [0, 1],
      [0, 1],
      [-1, 1],
      [0, 1],
      [0, 1],
      [0, 3],
      [-3, 3],
      [-3, 3],
      [0, 3],
      [0, 3],
      [-2, 2],
      [0, 3],
      [0, 1],
    ] as [number, number][]
  ).map((range) => Object.freeze(range) as [number, number]),
);

/** Features without the optional position column. */
export const BASE_FEATURE_COUNT = 12;

/** Floor for a bar's range and for the range EMA, so flat bars divide safely. */
export const OHLC_EPS = 1e-6;
/** The range EMA's period; α = 2/(period + 1) = 2/21. */
export const RANGE_EMA_PERIOD = 20;
/** Stand-in for an ATR of exactly 0 when dividing swing distances. */
export const ATR_FLOOR = 1e-8;
/**
 * Divisor of the swing ages. The reference divides by its window length (105) whatever the input's
 * length, so this stays 105 for shorter or longer bar sequences too.
 */
export const BARS_SINCE_SCALE = WINDOW_BARS;

/** Options of the feature builders. */
export interface FeatureOptions {
  /** Append the 13th feature, position t/(T−1). Default false. */
  position?: boolean;
}

/** Number of features per bar for the given options: 12, or 13 with position. */
export function featureCount(options: FeatureOptions = {}): number {
  return options.position ? BASE_FEATURE_COUNT + 1 : BASE_FEATURE_COUNT;
}

function clip(value: number, lo: number, hi: number): number {
  return Math.min(Math.max(value, lo), hi);
}

function assertFiniteBars(bars: readonly Bar[], where: string): void {
  for (let i = 0; i < bars.length; i++) {
    const bar = bars[i];
    if (!Array.isArray(bar) || bar.length < 4) {
      throw new TypeError(`${where}bar ${i} is not an [open, high, low, close] array`);
    }
    for (let j = 0; j < 4; j++) {
      if (typeof bar[j] !== "number" || !Number.isFinite(bar[j])) {
        throw new RangeError(`${where}bar ${i} has a non-finite price ${String(bar[j])} at position ${j}`);
      }
    }
  }
}

/** Writes one bar sequence's features into `out` from `offset`, row-major (bar × feature). */
function writeFeatures(bars: readonly Bar[], withPosition: boolean, out: Float32Array, offset: number): void {
  const n = bars.length;
  const width = withPosition ? BASE_FEATURE_COUNT + 1 : BASE_FEATURE_COUNT;
  const zz = causalZigzag(bars);
  const alpha = 2 / (RANGE_EMA_PERIOD + 1);
  let ema = 0;

  for (let i = 0; i < n; i++) {
    const [open, high, low, close] = bars[i]!;
    const barRange = high - low;
    // The EMA runs on the raw range H − L (not the eps-floored rng) and is seeded with bar 0's range.
    ema = i === 0 ? barRange : alpha * barRange + (1 - alpha) * ema;

    const rng = Math.max(barRange, OHLC_EPS);
    const openNorm = clip((open - low) / rng, 0, 1);
    const closeNorm = clip((close - low) / rng, 0, 1);
    const bodyPct = clip((close - open) / rng, -1, 1);
    const upperWick = clip((high - Math.max(open, close)) / rng, 0, 1);
    const lowerWick = clip((Math.min(open, close) - low) / rng, 0, 1);
    const rangeZ = clip(barRange / Math.max(ema, OHLC_EPS), 0, 3);

    const atr = zz.atr[i] === 0 ? ATR_FLOOR : zz.atr[i]!;
    const highIndex = zz.swingHighIndex[i]!;
    const lowIndex = zz.swingLowIndex[i]!;
    // Before the first swing of a side, its distance and age are 0 (not "far away").
    const distHigh = highIndex < 0 ? 0 : clip((zz.swingHighPrice[i]! - close) / atr, -3, 3);
    const distLow = lowIndex < 0 ? 0 : clip((close - zz.swingLowPrice[i]!) / atr, -3, 3);
    const sinceHigh = highIndex < 0 ? 0 : clip((i - highIndex) / BARS_SINCE_SCALE, 0, 3);
    const sinceLow = lowIndex < 0 ? 0 : clip((i - lowIndex) / BARS_SINCE_SCALE, 0, 3);

    // The leg direction is the one in force after this bar: on a confirming bar that is already the
    // new, opposite leg.
    const expansion = clip(rangeZ * zz.legDirection[i]! * bodyPct, -2, 2);
    const consol = clip((1 - rangeZ / 3) * (1 - Math.abs(bodyPct)) * ((sinceHigh + sinceLow) / 2), 0, 3);

    const row = offset + i * width;
    // `+ 0` folds −0 (e.g. a zero body on a down leg) into +0 so equal rows compare equal.
    out[row] = openNorm + 0;
    out[row + 1] = closeNorm + 0;
    out[row + 2] = bodyPct + 0;
    out[row + 3] = upperWick + 0;
    out[row + 4] = lowerWick + 0;
    out[row + 5] = rangeZ + 0;
    out[row + 6] = distHigh + 0;
    out[row + 7] = distLow + 0;
    out[row + 8] = sinceHigh + 0;
    out[row + 9] = sinceLow + 0;
    out[row + 10] = expansion + 0;
    out[row + 11] = consol + 0;
    if (withPosition) out[row + 12] = n > 1 ? i / (n - 1) : 0;
  }
}

/**
 * The relativity features of docs/spec.md §2 for one bar sequence.
 *
 * @param bars OHLC bars, oldest first (a window has 105; any length ≥ 0 is accepted). Prices must be
 *   finite; consistency (H ≥ max(O, C) etc.) is not enforced — the clips bound malformed bars.
 * @param options `position: true` appends position t/(T−1) (t/104 for a window; 0 for a single bar).
 * @returns Row-major (T × F) float32 values, F = 12 or 13, columns in {@link FEATURE_NAMES} order.
 */
export function computeRelativityFeatures(bars: readonly Bar[], options: FeatureOptions = {}): Float32Array {
  assertFiniteBars(bars, "");
  const withPosition = options.position === true;
  const out = new Float32Array(bars.length * featureCount(options));
  writeFeatures(bars, withPosition, out, 0);
  return out;
}

/**
 * The feature tensor of a list of windows, each computed from its own 105 bars.
 *
 * @param windows Windows of exactly {@link WINDOW_BARS} bars each.
 * @param options `position: true` adds the 13th feature.
 * @returns `windowIds` in input order, and `tensor` of `shape` [windows, 105, F], row-major.
 * @throws RangeError when a window does not have 105 bars or holds a non-finite price.
 */
export function computeWindowFeatures(
  windows: readonly Window[],
  options: FeatureOptions = {},
): { windowIds: string[]; tensor: Float32Array; shape: [number, number, number] } {
  const width = featureCount(options);
  const withPosition = options.position === true;
  const stride = WINDOW_BARS * width;
  const tensor = new Float32Array(windows.length * stride);
  const windowIds: string[] = [];
  windows.forEach((win, w) => {
    const bars = win.features;
    if (bars.length !== WINDOW_BARS) {
      throw new RangeError(`window ${win.window_id} has ${bars.length} bars, expected ${WINDOW_BARS}`);
    }
    assertFiniteBars(bars, `window ${win.window_id}: `);
    writeFeatures(bars, withPosition, tensor, w * stride);
    windowIds.push(win.window_id);
  });
  return { windowIds, tensor, shape: [windows.length, WINDOW_BARS, width] };
}
