/**
 * The causal zigzag of docs/spec.md §2: an ATR-scaled swing detector that walks a window's bars once, left to
 * right, and records for every bar the swing state *as known when that bar closed*. The relativity
 * features read their swing distances, swing ages and leg direction from this trace, so nothing here
 * may look ahead.
 *
 * Behaviour follows the reference implementation (HeinekenBottle/moola, src/moola/features/zigzag.py,
 * `CausalZigZag`) where docs/spec.md §2 is terse; the points where that mattered are noted beside the code.
 */

import type { Bar } from "../data/window.js";

/** Parameters of the causal zigzag. */
export interface ZigzagOptions {
  /** Number of most recent true ranges averaged into the ATR (fewer while the window warms up). */
  atrPeriod: number;
  /** Primary rule: a leg reverses once price closes this many ATRs back from its extreme. */
  k: number;
  /** Hybrid rule: the candidate extreme must be at most this many bars old. */
  hybridLookback: number;
  /** Hybrid rule: the retrace from the candidate extreme must reach this many ATRs. */
  hybridMinRetraceAtr: number;
}

/** docs/spec.md §2 settings: ATR period 10, k 1.2, hybrid lookback 5, hybrid minimum retrace 0.5·ATR. */
export const DEFAULT_ZIGZAG_OPTIONS: Readonly<ZigzagOptions> = Object.freeze({
  atrPeriod: 10,
  k: 1.2,
  hybridLookback: 5,
  hybridMinRetraceAtr: 0.5,
});

/** Direction of the leg being tracked: up (looking for a swing high), down, or not started yet. */
export type LegDirection = 1 | -1 | 0;
export const LEG_UP = 1;
export const LEG_DOWN = -1;
export const LEG_UNSET = 0;

/** Which rule confirmed a swing at a bar. */
export type ConfirmRule = 0 | 1 | 2;
export const CONFIRM_NONE = 0;
export const CONFIRM_PRIMARY = 1;
export const CONFIRM_HYBRID = 2;

/**
 * Per-bar zigzag state, each array indexed by bar and holding the value after that bar was processed.
 * "No swing yet" is NaN for prices and −1 for indices.
 */
export interface ZigzagTrace {
  /** Number of bars traced. */
  length: number;
  /** Mean of the last ≤ atrPeriod true ranges, this bar's included; 0 at bar 0 (no true range yet). */
  atr: Float64Array;
  /** Leg direction after this bar: +1 up, −1 down, 0 before the first leg starts. */
  legDirection: Int8Array;
  /** Price of the most recent confirmed swing high, NaN before the first. */
  swingHighPrice: Float64Array;
  /** Bar index of the most recent confirmed swing high, −1 before the first. */
  swingHighIndex: Int32Array;
  /** Price of the most recent confirmed swing low, NaN before the first. */
  swingLowPrice: Float64Array;
  /** Bar index of the most recent confirmed swing low, −1 before the first. */
  swingLowIndex: Int32Array;
  /** +1 when this bar confirmed a swing high, −1 a swing low, 0 neither. */
  confirmed: Int8Array;
  /** The rule that confirmed the swing at this bar (CONFIRM_PRIMARY or CONFIRM_HYBRID), else CONFIRM_NONE. */
  confirmRule: Uint8Array;
}

/**
 * Sum of `values[start, start + count)` in exactly the order NumPy's float64 `add.reduce` uses
 * (pairwise, with eight interleaved accumulators for blocks of 8–128).
 *
 * The reference takes its ATR with `np.mean`, and the swing rules compare against k·ATR with `>=`:
 * a one-ulp difference in the ATR can move a confirmation by a bar, so the summation order is matched
 * rather than left to a plain left-to-right loop.
 */
export function pairwiseSum(values: ArrayLike<number>, start = 0, count = values.length - start): number {
  if (count < 8) {
    let sum = 0;
    for (let i = 0; i < count; i++) sum += values[start + i]!;
    return sum;
  }
  if (count <= 128) {
    const r = new Array<number>(8);
    for (let j = 0; j < 8; j++) r[j] = values[start + j]!;
    const blocked = count - (count % 8);
    let i = 8;
    for (; i < blocked; i += 8) {
      for (let j = 0; j < 8; j++) r[j]! += values[start + i + j]!;
    }
    let sum = r[0]! + r[1]! + (r[2]! + r[3]!) + (r[4]! + r[5]! + (r[6]! + r[7]!));
    for (; i < count; i++) sum += values[start + i]!;
    return sum;
  }
  let half = Math.floor(count / 2);
  half -= half % 8;
  return pairwiseSum(values, start, half) + pairwiseSum(values, start + half, count - half);
}

function resolveOptions(options: Partial<ZigzagOptions>): ZigzagOptions {
  const resolved = { ...DEFAULT_ZIGZAG_OPTIONS, ...options };
  const { atrPeriod, k, hybridLookback, hybridMinRetraceAtr } = resolved;
  if (!Number.isInteger(atrPeriod) || atrPeriod < 1) {
    throw new RangeError(`zigzag atrPeriod must be a positive integer, got ${atrPeriod}`);
  }
  if (!Number.isFinite(k) || k < 0) throw new RangeError(`zigzag k must be finite and ≥ 0, got ${k}`);
  if (!Number.isInteger(hybridLookback) || hybridLookback < 0) {
    throw new RangeError(`zigzag hybridLookback must be an integer ≥ 0, got ${hybridLookback}`);
  }
  if (!Number.isFinite(hybridMinRetraceAtr) || hybridMinRetraceAtr < 0) {
    throw new RangeError(`zigzag hybridMinRetraceAtr must be finite and ≥ 0, got ${hybridMinRetraceAtr}`);
  }
  return resolved;
}

/**
 * Run the causal zigzag of docs/spec.md §2 over `bars` (state restarts at bar 0).
 *
 * Bar 0 only provides the previous close. From bar 1 on, the true range enters the ATR; the first bar
 * with ATR > 0 starts an up leg at its close and does nothing else. Every later bar first extends the
 * leg's extreme and the candidate extreme, then tries the primary rule (close k·ATR back from the
 * extreme), then the hybrid rule (a retrace of hybridMinRetraceAtr·ATR from a candidate at most
 * hybridLookback bars old). A confirmation records the leg's extreme as the swing and starts the
 * opposite leg at this bar's low (after a swing high) or high (after a swing low).
 *
 * @param bars OHLC bars, oldest first. Prices are used as given (no validation of H ≥ L).
 * @param options Overrides of {@link DEFAULT_ZIGZAG_OPTIONS}.
 * @returns The per-bar state; see {@link ZigzagTrace}.
 */
export function causalZigzag(bars: readonly Bar[], options: Partial<ZigzagOptions> = {}): ZigzagTrace {
  const { atrPeriod, k, hybridLookback, hybridMinRetraceAtr } = resolveOptions(options);
  const n = bars.length;
  const trace: ZigzagTrace = {
    length: n,
    atr: new Float64Array(n),
    legDirection: new Int8Array(n),
    swingHighPrice: new Float64Array(n).fill(NaN),
    swingHighIndex: new Int32Array(n).fill(-1),
    swingLowPrice: new Float64Array(n).fill(NaN),
    swingLowIndex: new Int32Array(n).fill(-1),
    confirmed: new Int8Array(n),
    confirmRule: new Uint8Array(n),
  };

  // Chronological, so the NumPy-order sum sees the same sequence the reference's list holds.
  const trueRanges: number[] = [];
  let prevClose = NaN;
  let leg: LegDirection = LEG_UNSET;
  let extreme = NaN;
  let extremeIndex = -1;
  // The candidate only differs from the extreme on the first leg: the extreme starts at a close, the
  // candidate at the first high seen after the leg starts. After a confirmation both restart at the
  // same price (the reference re-seeds the candidate there rather than clearing it).
  let candidate = NaN;
  let candidateIndex = -1;
  let highPrice = NaN;
  let highIndex = -1;
  let lowPrice = NaN;
  let lowIndex = -1;

  for (let i = 0; i < n; i++) {
    const bar = bars[i]!;
    const high = bar[1];
    const low = bar[2];
    const close = bar[3];

    if (i > 0) {
      const trueRange = Math.max(high - low, Math.abs(high - prevClose), Math.abs(low - prevClose));
      trueRanges.push(trueRange);
      if (trueRanges.length > atrPeriod) trueRanges.shift();
    }
    prevClose = close;
    const atr = trueRanges.length === 0 ? 0 : pairwiseSum(trueRanges) / trueRanges.length;
    trace.atr[i] = atr;

    if (i > 0) {
      if (leg === LEG_UNSET) {
        // The first leg's direction is arbitrary (up); it corrects itself at the first confirmation.
        if (atr > 0) {
          leg = LEG_UP;
          extreme = close;
          extremeIndex = i;
        }
      } else {
        if (leg === LEG_UP) {
          if (high > extreme) {
            extreme = high;
            extremeIndex = i;
          }
          if (candidateIndex < 0 || high > candidate) {
            candidate = high;
            candidateIndex = i;
          }
        } else {
          if (low < extreme) {
            extreme = low;
            extremeIndex = i;
          }
          if (candidateIndex < 0 || low < candidate) {
            candidate = low;
            candidateIndex = i;
          }
        }

        let rule: ConfirmRule = CONFIRM_NONE;
        // docs/spec.md §2 states the ATR ≠ 0 guard only for the hybrid rule; the reference also applies it to
        // the primary rule (`_check_primary_confirmation` returns False when atr == 0). We keep the
        // guard: without it a run of ≥ atrPeriod identical flat bars (ATR exactly 0) would confirm a
        // swing on every bar, since extreme − close ≥ 0 always holds on an up leg.
        if (atr !== 0) {
          const reversal = leg === LEG_UP ? extreme - close : close - extreme;
          if (reversal >= k * atr) {
            rule = CONFIRM_PRIMARY;
          } else if (candidateIndex >= 0 && i - candidateIndex <= hybridLookback) {
            const retrace = leg === LEG_UP ? candidate - low : high - candidate;
            if (retrace >= hybridMinRetraceAtr * atr) rule = CONFIRM_HYBRID;
          }
        }

        if (rule !== CONFIRM_NONE) {
          trace.confirmRule[i] = rule;
          if (leg === LEG_UP) {
            highPrice = extreme;
            highIndex = extremeIndex;
            trace.confirmed[i] = 1;
            leg = LEG_DOWN;
            extreme = low;
          } else {
            lowPrice = extreme;
            lowIndex = extremeIndex;
            trace.confirmed[i] = -1;
            leg = LEG_UP;
            extreme = high;
          }
          extremeIndex = i;
          candidate = extreme;
          candidateIndex = i;
        }
      }
    }

    trace.legDirection[i] = leg;
    trace.swingHighPrice[i] = highPrice;
    trace.swingHighIndex[i] = highIndex;
    trace.swingLowPrice[i] = lowPrice;
    trace.swingLowIndex[i] = lowIndex;
  }
  return trace;
}
