/**
 * The weighted per-bar combination of overlapping windows (docs/spec.md §11).
 *
 * A bar is seen by every window covering it, each at a different position. A window's edge bars are the
 * least trustworthy: the BiLSTM sees nothing beyond bar 104 (and nothing before bar 0), and bar 0 is also
 * where the features' range EMA, ATR and zigzag restart, so a window's first bars are its warm-up. Each
 * window's value at position t therefore gets the Hann weight
 *
 *     w(t) = sin²(π (t + ½) / L),   t = 0 … L − 1, L = 105,
 *
 * which is ≈ 0.0002 at both edges, 1 at the centre, positive everywhere and smooth (no position is
 * suddenly trusted more than its neighbour). For a stride H dividing L, the shifted weights sum to the
 * constant L / (2H) at every bar (3/2 at the default stride 35), so no bar's phase among the windows is
 * favoured by the weighting. The combined value of bar i is
 *
 *     x̄(i) = Σ_k w(i − s_k) · x_k(i − s_k) / Σ_k w(i − s_k)
 *
 * over the windows k (starting at s_k) that cover bar i, summed in float64 in ascending window order, so a
 * chunked scan over overlapping chunks gives bit-for-bit the single-thread result.
 */

const cache = new Map<number, Float64Array>();

/** Hann weight sin²(π (t + ½) / L) of position t in a window of `length` bars. */
export function windowWeight(t: number, length: number): number {
  const s = Math.sin((Math.PI * (t + 0.5)) / length);
  return s * s;
}

/** The weights of every position of a window of `length` bars (cached, shared: do not modify). */
export function windowWeights(length: number): Float64Array {
  let weights = cache.get(length);
  if (!weights) {
    weights = Float64Array.from({ length }, (_, t) => windowWeight(t, length));
    cache.set(length, weights);
  }
  return weights;
}

/**
 * Prefix sums of the weights: prefix[j] = Σ_{t < j} w(t), so the weight a window starting at s gives
 * bars [a, b] is prefix[b − s + 1] − prefix[a − s] (after clipping [a, b] to the window).
 */
export function weightPrefix(length: number): Float64Array {
  const weights = windowWeights(length);
  const prefix = new Float64Array(length + 1);
  for (let t = 0; t < length; t++) prefix[t + 1] = prefix[t]! + weights[t]!;
  return prefix;
}

/** Total weight a window starting at `start` gives bars [a, b] (inclusive). */
export function windowWeightOver(prefix: Float64Array, length: number, start: number, a: number, b: number): number {
  const from = Math.max(a, start) - start;
  const to = Math.min(b, start + length - 1) - start;
  return to < from ? 0 : prefix[to + 1]! - prefix[from]!;
}

/**
 * Accumulates windows into combined per-bar series over the owned bars [from, to). Each window brings
 * one value per bar for each of `series` series (e.g. the head's p, a decoder's 0/1 path); bars outside
 * [from, to) are ignored, so a chunk can be given windows that stick out of it.
 */
export class BarCombiner {
  private readonly weightSum: Float64Array;
  private readonly sums: Float64Array[];
  private readonly weights: Float64Array;

  constructor(
    readonly from: number,
    readonly to: number,
    readonly windowLength: number,
    readonly series: number,
  ) {
    if (!(Number.isInteger(from) && Number.isInteger(to) && from >= 0 && to > from)) throw new Error(`bad bar range [${from}, ${to})`);
    this.weightSum = new Float64Array(to - from);
    this.sums = Array.from({ length: series }, () => new Float64Array(to - from));
    this.weights = windowWeights(windowLength);
  }

  /**
   * Adds the window starting at global bar `start`; `values[k]` holds series k's values, the window's
   * bar t at `values[k][offset + t]`. Windows must be added in ascending start order (that order fixes
   * the float sums).
   */
  add(start: number, values: readonly ArrayLike<number>[], offset: number): void {
    const length = this.windowLength;
    const first = Math.max(start, this.from);
    const last = Math.min(start + length, this.to);
    const weights = this.weights;
    const weightSum = this.weightSum;
    for (let i = first; i < last; i++) weightSum[i - this.from]! += weights[i - start]!;
    for (let k = 0; k < this.series; k++) {
      const sum = this.sums[k]!;
      const x = values[k]!;
      for (let i = first; i < last; i++) sum[i - this.from]! += weights[i - start]! * x[offset + i - start]!;
    }
  }

  /** The combined series over [from, to): NaN where no window covered the bar (a skipped segment). */
  finish(): Float64Array[] {
    const n = this.to - this.from;
    return this.sums.map((sum) => {
      const out = new Float64Array(n);
      for (let i = 0; i < n; i++) out[i] = this.weightSum[i]! > 0 ? sum[i]! / this.weightSum[i]! : Number.NaN;
      return out;
    });
  }
}
