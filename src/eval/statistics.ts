/**
 * Statistics across repeated runs (seeds, folds): descriptive summaries, percentile-bootstrap
 * confidence intervals of a mean, and paired differences between two methods.
 *
 * A single run per objective cannot support a winner (docs/spec.md §9); a paired difference whose bootstrap
 * interval excludes 0 can. All resampling draws from an explicitly passed {@link Rng}, so results are
 * reproducible for a given seed.
 */

import { sortedMedian } from "./metrics.js";
import type { Rng } from "../util/rng.js";

/** Descriptive statistics with the SAMPLE standard deviation. */
export interface SampleSummary {
  n: number;
  mean: number;
  /** Sample standard deviation √(Σ(x − mean)²/(n − 1)); 0 when n = 1. */
  std: number;
  min: number;
  max: number;
  /** Middle value; mean of the two middle values for even n. */
  median: number;
}

function checkFinite(name: string, values: ArrayLike<number>): void {
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i]!)) throw new Error(`${name}: value at index ${i} is not finite (${values[i]})`);
  }
}

/**
 * The one rule for values that may be missing, shared by {@link mean}, {@link std}, {@link quantile} and
 * {@link extent}: non-finite values (NaN, ±∞, and the `null` that JSON writes for NaN) are left out, and
 * with nothing left the result is NaN. A seed whose run has no value for a metric therefore neither
 * poisons the average nor counts as zero.
 */
function finiteValues(values: ArrayLike<number | null | undefined>): number[] {
  const finite: number[] = [];
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (typeof value === "number" && Number.isFinite(value)) finite.push(value);
  }
  return finite;
}

/** Arithmetic mean of the finite values, summed in the order given; NaN when there are none. */
export function mean(values: ArrayLike<number | null | undefined>): number {
  const finite = finiteValues(values);
  if (finite.length === 0) return NaN;
  let sum = 0;
  for (const value of finite) sum += value;
  return sum / finite.length;
}

/** Sample standard deviation (n − 1 denominator) of the finite values: 0 for one value, NaN for none. */
export function std(values: ArrayLike<number | null | undefined>): number {
  const finite = finiteValues(values);
  if (finite.length === 0) return NaN;
  if (finite.length === 1) return 0;
  const m = mean(finite);
  let squares = 0;
  for (const value of finite) squares += (value - m) ** 2;
  return Math.sqrt(squares / (finite.length - 1));
}

/** Type-7 quantile ({@link quantileSorted}) of the finite values, in any order; NaN when there are none. */
export function quantile(values: ArrayLike<number | null | undefined>, q: number): number {
  const finite = finiteValues(values);
  if (finite.length === 0) return NaN;
  return quantileSorted(Float64Array.from(finite).sort(), q);
}

/** Lowest and highest finite value; NaN for both when there are none. */
export function extent(values: ArrayLike<number | null | undefined>): { min: number; max: number } {
  const finite = finiteValues(values);
  if (finite.length === 0) return { min: NaN, max: NaN };
  let min = Infinity;
  let max = -Infinity;
  for (const value of finite) {
    if (value < min) min = value;
    if (value > max) max = value;
  }
  return { min, max };
}

/**
 * n, mean, sample std (n − 1 denominator; 0 for n = 1), min, max and median of `values` (finite).
 * Empty input: n = 0 and NaN for everything else.
 */
export function summarize(values: ArrayLike<number>): SampleSummary {
  checkFinite("summarize", values);
  const n = values.length;
  if (n === 0) return { n: 0, mean: NaN, std: NaN, min: NaN, max: NaN, median: NaN };
  // Sorted first: the mean and std are summed in ascending order, as they always have been here.
  const sorted = Float64Array.from(values).sort();
  return { n, mean: mean(sorted), std: std(sorted), min: sorted[0]!, max: sorted[n - 1]!, median: sortedMedian(sorted) };
}

/**
 * Quantile q ∈ [0, 1] of SORTED values by linear interpolation between order statistics — Hyndman & Fan
 * type 7, numpy's default (`np.quantile(x, q)`): h = (n − 1)·q, result x[⌊h⌋] + (h − ⌊h⌋)(x[⌊h⌋+1] − x[⌊h⌋]).
 */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) throw new Error("quantileSorted: no values");
  if (!(q >= 0 && q <= 1)) throw new Error(`quantileSorted: q must be in [0, 1], got ${q}`);
  const h = (n - 1) * q;
  const lo = Math.floor(h);
  if (lo >= n - 1) return sorted[n - 1]!;
  return sorted[lo]! + (h - lo) * (sorted[lo + 1]! - sorted[lo]!);
}

export interface BootstrapOptions {
  /** Number of bootstrap resamples; default 2000. */
  resamples?: number;
  /** Two-sided confidence level in (0, 1); default 0.95. */
  confidence?: number;
}

export interface BootstrapInterval {
  /** The sample mean of the values (not the mean of the bootstrap means). */
  mean: number;
  /** Lower percentile bound. */
  low: number;
  /** Upper percentile bound. */
  high: number;
}

/**
 * Percentile bootstrap interval of the mean: `resamples` times, draw n values with replacement
 * (indices `rng.int(n)`, in order), take their mean; the interval is the (1 − c)/2 and (1 + c)/2 type-7
 * quantiles ({@link quantileSorted}, numpy's default) of those means, c = `confidence`.
 * Deterministic for a given rng state; consumes n·resamples draws. Needs at least one finite value.
 */
export function bootstrapInterval(values: ArrayLike<number>, rng: Rng, options: BootstrapOptions = {}): BootstrapInterval {
  const resamples = options.resamples ?? 2000;
  const confidence = options.confidence ?? 0.95;
  if (!Number.isInteger(resamples) || resamples < 1) throw new Error(`bootstrapInterval: resamples must be a positive integer, got ${resamples}`);
  if (!(confidence > 0 && confidence < 1)) throw new Error(`bootstrapInterval: confidence must be in (0, 1), got ${confidence}`);
  checkFinite("bootstrapInterval", values);
  const n = values.length;
  if (n === 0) throw new Error("bootstrapInterval: needs at least one value");
  const means = new Float64Array(resamples);
  for (let r = 0; r < resamples; r++) {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += values[rng.int(n)]!;
    means[r] = sum / n;
  }
  means.sort();
  const alpha = 1 - confidence;
  return { mean: mean(values), low: quantileSorted(means, alpha / 2), high: quantileSorted(means, 1 - alpha / 2) };
}

export interface PairedDifference extends BootstrapInterval {
  /** a_i − b_i per pair. */
  differences: number[];
  /** True when the interval excludes 0 (low > 0 or high < 0): the sign of the difference is established. */
  established: boolean;
}

/**
 * Paired comparison of two methods measured on the same pairs (same seeds / folds): the differences
 * a_i − b_i, their mean and the percentile bootstrap interval of that mean ({@link bootstrapInterval}),
 * and whether the interval excludes 0. An interval touching 0 (low = 0 or high = 0) is NOT established.
 */
export function pairedDifference(a: ArrayLike<number>, b: ArrayLike<number>, rng: Rng, options: BootstrapOptions = {}): PairedDifference {
  if (a.length !== b.length) throw new Error(`pairedDifference: ${a.length} values of a but ${b.length} of b`);
  checkFinite("pairedDifference", a);
  checkFinite("pairedDifference", b);
  const differences = Array.from({ length: a.length }, (_, i) => a[i]! - b[i]!);
  const interval = bootstrapInterval(differences, rng, options);
  return { ...interval, differences, established: interval.low > 0 || interval.high < 0 };
}
