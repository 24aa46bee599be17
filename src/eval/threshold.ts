/**
 * Threshold optimisation of the soft span head (docs/spec.md §6): sweep a grid of thresholds θ, decode each bar
 * as in-span iff p > θ (optionally dropping runs shorter than a minimum length), score with POOLED
 * (micro) bar-level precision / recall / F1 over all windows, pick the best, and set it beside the
 * trivial baselines (every bar in-span; every bar in-span at random with the training prior rate).
 *
 * The per-epoch span F1 is macro (metrics.ts `macroSpanScores`); the threshold F1 here is micro — the
 * reference mixes the two (docs/spec.md §9), so the two numbers are not comparable.
 */

import { removeShortRuns } from "../model/span_decoding.js";
import { f1Score, pooledFromCounts, pooledSpanScores, type PooledScores } from "./metrics.js";
import { checkTruth, truthMask, type WindowTruth } from "./truth.js";

/** The largest number of decimals a grid parameter may have. */
const MAX_DECIMALS = 12;

/**
 * The fewest decimal places d (0…12) with which x is written, i.e. x equals its d-decimal rounding to
 * within a few ulps (so 0.1 + 0.2 counts as 0.3); throws if there is none (1/3).
 */
function decimalsOf(name: string, x: number): number {
  for (let d = 0; d <= MAX_DECIMALS; d++) {
    if (Math.abs(Number(x.toFixed(d)) - x) <= 4 * Number.EPSILON * Math.max(1, Math.abs(x))) return d;
  }
  throw new Error(`thresholdGrid: ${name} ${x} is not a decimal with at most ${MAX_DECIMALS} places`);
}

/**
 * The thresholds from, from + step, … up to and including `to` (or the last grid point below it),
 * WITHOUT floating-point drift: every value is computed as an integer divided by a power of ten
 * (k / 100 for the default grid), never by repeated addition, so each equals the double nearest to its
 * decimal — the 29th default threshold is exactly the literal 0.29, not 0.29000000000000004.
 * Parameters must be decimals with at most 12 places.
 *
 * @param step grid spacing, > 0; default 0.01
 * @param from first threshold; default 0.01
 * @param to last threshold (inclusive); default 0.99 — the default grid has 99 points
 */
export function thresholdGrid(step = 0.01, from = 0.01, to = 0.99): number[] {
  if (![step, from, to].every(Number.isFinite) || !(step > 0) || !(to >= from)) {
    throw new Error(`thresholdGrid: needs finite step > 0 and from ≤ to, got step ${step}, from ${from}, to ${to}`);
  }
  const denominator = 10 ** Math.max(decimalsOf("step", step), decimalsOf("from", from), decimalsOf("to", to));
  const first = Math.round(from * denominator);
  const last = Math.round(to * denominator);
  const stride = Math.round(step * denominator);
  const values: number[] = [];
  for (let k = first; k <= last; k += stride) values.push(k / denominator);
  return values;
}

/** One row of a threshold sweep (the columns of threshold_optimization_results.csv, docs/spec.md §7). */
export interface ThresholdRow {
  threshold: number;
  f1: number;
  precision: number;
  recall: number;
  /** Bars in-span in truth. */
  nTrue: number;
  /** Bars predicted in-span at this threshold (after the run-length filter). */
  nPredicted: number;
}

export interface ThresholdSweepOptions {
  /** Thresholds to try; default {@link thresholdGrid}() = 0.01, 0.02, …, 0.99. */
  grid?: readonly number[];
  /**
   * Minimum run length in bars (integer ≥ 1; default 1 = no filter). With a value > 1, runs of
   * predicted bars shorter than it are switched off within each window before scoring.
   */
  minRunLength?: number;
}

/**
 * The pooled (micro) bar-level threshold sweep: for each θ, bar t of window w is predicted in-span iff
 * p[w, t] > θ (strictly), short runs are removed when `minRunLength` > 1, and P / R / F1 are computed from
 * TP / FP / FN summed over all W·T bars (zero_division=0). A Float32Array is compared by the exact
 * double value of each float32: Float32(0.3) = 0.30000001… IS above the threshold 0.3.
 *
 * @param probabilities (W, T) per-bar p(in span), row-major; W = spans.length
 */
export function thresholdSweep(
  probabilities: ArrayLike<number>,
  spans: readonly WindowTruth[],
  bars: number,
  options: ThresholdSweepOptions = {},
): ThresholdRow[] {
  checkTruth("thresholdSweep", spans, bars);
  if (probabilities.length !== spans.length * bars) {
    throw new Error(`thresholdSweep: probabilities length ${probabilities.length} ≠ W ${spans.length} × T ${bars}`);
  }
  for (let i = 0; i < probabilities.length; i++) {
    if (Number.isNaN(probabilities[i]!)) throw new Error(`thresholdSweep: probability at index ${i} is NaN`);
  }
  const minRunLength = options.minRunLength ?? 1;
  if (!Number.isInteger(minRunLength) || minRunLength < 1) {
    throw new Error(`thresholdSweep: minRunLength must be an integer ≥ 1, got ${minRunLength}`);
  }
  const grid = options.grid ?? thresholdGrid();
  const mask = new Uint8Array(probabilities.length);
  return grid.map((threshold) => {
    if (Number.isNaN(threshold)) throw new Error("thresholdSweep: a threshold is NaN");
    for (let i = 0; i < probabilities.length; i++) mask[i] = probabilities[i]! > threshold ? 1 : 0;
    const decoded = minRunLength > 1 ? removeShortRuns(mask, minRunLength, bars) : mask;
    const s = pooledSpanScores(decoded, spans, bars);
    return { threshold, f1: s.f1, precision: s.precision, recall: s.recall, nTrue: s.nTrue, nPredicted: s.nPredicted };
  });
}

/** The row with the highest F1; ties go to the LOWER threshold (whatever the row order). Throws on no rows. */
export function bestThreshold<R extends ThresholdRow>(rows: readonly R[]): R {
  let best: R | undefined;
  for (const row of rows) {
    if (best === undefined || row.f1 > best.f1 || (row.f1 === best.f1 && row.threshold < best.threshold)) best = row;
  }
  if (best === undefined) throw new Error("bestThreshold: no rows");
  return best;
}

/** In-span bars of all windows: every bar any of a window's spans covers, counted once. */
function countInSpan(name: string, spans: readonly WindowTruth[], bars: number, windows: number): number {
  if (windows !== spans.length) throw new Error(`${name}: windows ${windows} ≠ ${spans.length} spans`);
  checkTruth(name, spans, bars);
  let n = 0;
  for (const marked of truthMask(spans, bars)) n += marked;
  return n;
}

/**
 * The share of bars that are in-span: Σ (e − s + 1) / (W·T) — the prior rate to pass to
 * {@link priorRateScores} (computed on the TRAINING windows). NaN for zero windows.
 */
export function inSpanRate(spans: readonly WindowTruth[], bars: number): number {
  const n = countInSpan("inSpanRate", spans, bars, spans.length);
  return spans.length > 0 ? n / (spans.length * bars) : NaN;
}

/**
 * The all-positive baseline: every bar of every window predicted in-span, pooled. Precision is the
 * prevalence, recall is 1 (0 if there are no windows, by zero_division=0).
 *
 * @param windows W; must equal spans.length (kept for call-site clarity; defaults to it)
 */
export function allPositiveScores(spans: readonly WindowTruth[], bars: number, windows: number = spans.length): PooledScores {
  const nTrue = countInSpan("allPositiveScores", spans, bars, windows);
  return pooledFromCounts(nTrue, windows * bars - nTrue, 0);
}

/** Analytic scores of the random prior-rate baseline. */
export interface PriorRateScores {
  /** Expected precision: the prevalence nTrue/(W·T) (0 when rate = 0: nothing predicted). */
  precision: number;
  /** Expected recall: the rate (0 when there are no in-span bars). */
  recall: number;
  /** 2PR/(P + R) of the expected P and R (0 when P + R = 0). */
  f1: number;
  /** The rate each bar is predicted in-span with. */
  rate: number;
  /** nTrue / (W·T). */
  prevalence: number;
  nTrue: number;
  /** Expected number of predicted bars: rate·W·T. */
  expectedPredicted: number;
}

/**
 * The random prior-rate baseline, analytically: each bar predicted in-span independently with
 * probability `rate` (the training prior, see {@link inSpanRate}). Then E[TP] = rate·nTrue and
 * E[#pred] = rate·N, so the expected precision is the prevalence nTrue/N and the expected recall is
 * `rate`; F1 is reported as 2PR/(P + R) of those — the large-N value, not E[F1] of a finite draw
 * (F1 is non-linear), which is the number the comparison needs and needs no random generator.
 *
 * @param windows W; must equal spans.length
 * @param rate in [0, 1]
 */
export function priorRateScores(spans: readonly WindowTruth[], bars: number, windows: number, rate: number): PriorRateScores {
  if (!(rate >= 0 && rate <= 1)) throw new Error(`priorRateScores: rate must be in [0, 1], got ${rate}`);
  const nTrue = countInSpan("priorRateScores", spans, bars, windows);
  const total = windows * bars;
  const prevalence = total > 0 ? nTrue / total : 0;
  const precision = rate > 0 ? prevalence : 0;
  const recall = nTrue > 0 ? rate : 0;
  return { precision, recall, f1: f1Score(precision, recall), rate, prevalence, nTrue, expectedPredicted: rate * total };
}
