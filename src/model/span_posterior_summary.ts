/**
 * What one window's span posterior says (docs/spec.md §12), from its log-posterior over the T(T + 1)/2
 * spans in spanIndex order (`SpanHead.spanLogPosterior`): the marginals of the start and end bars, their
 * equal-tailed credible intervals, the most probable spans, the minimum-Bayes-risk span under IoU (found
 * exactly by src/model/span_minimum_risk.ts) and the probability that a span's IoU with the true span is
 * at least ½.
 *
 * IoU is the project's (src/eval/metrics.ts `spanIoU`): |∩| / |∪| in bars with inclusive ends. This layer
 * may not import eval, so {@link barsIoU} restates it; span_posterior_summary.test.ts checks the two agree.
 *
 * Sums are float64, in a fixed order: the result depends only on the input.
 */
import { type MinimumRiskSpan, MinimumRiskWorkspace, minimumRiskSpanOfProbabilities } from "./span_minimum_risk.js";
import { spanAt, spanCount } from "./span_index.js";

export { type MinimumRiskSpan, MinimumRiskWorkspace } from "./span_minimum_risk.js";

/** One span with its posterior probability. */
export interface SpanProbability {
  start: number;
  end: number;
  probability: number;
}

/** An interval of bars [lo, hi] (inclusive) and the posterior mass it holds. */
export interface CredibleInterval {
  lo: number;
  hi: number;
  /** Mass of bars lo…hi under the (normalised) marginal; ≥ the level asked for. */
  mass: number;
}

export interface SpanPosteriorSummary {
  /** (T) P(start = s). */
  startMarginal: Float64Array;
  /** (T) P(end = e). */
  endMarginal: Float64Array;
  /** Equal-tailed credible interval of the start bar at `level`. */
  startInterval: CredibleInterval;
  /** Equal-tailed credible interval of the end bar at `level`. */
  endInterval: CredibleInterval;
  /** The `topK` most probable spans, most probable first (ties: the earlier start, then the earlier end). */
  top: SpanProbability[];
  /** The minimum-Bayes-risk span under IoU. */
  mbr: MinimumRiskSpan;
  /** P(IoU(mbr, Y) ≥ ½) under the posterior. */
  probabilityIoUAtLeastHalf: number;
}

export interface SpanPosteriorSummaryOptions {
  /** Spans listed in `top` (default {@link DEFAULT_TOP_SPANS}). */
  topK?: number;
  /** Mass of the credible intervals, in (0, 1] (default {@link DEFAULT_CREDIBLE_LEVEL}). */
  level?: number;
}

export const DEFAULT_TOP_SPANS = 5;
export const DEFAULT_CREDIBLE_LEVEL = 0.9;

/** IoU of bars [aStart, aEnd] and [bStart, bEnd], inclusive: |∩| / |∪| (src/eval/metrics.ts spanIoU reads it). */
export function barsIoU(aStart: number, aEnd: number, bStart: number, bEnd: number): number {
  const intersection = Math.max(0, Math.min(aEnd, bEnd) - Math.max(aStart, bStart) + 1);
  return intersection / (aEnd - aStart + 1 + (bEnd - bStart + 1) - intersection);
}

function checkPosterior(logPosterior: ArrayLike<number>, bars: number): void {
  const count = spanCount(bars);
  if (logPosterior.length !== count) {
    throw new Error(`span posterior: expected spanCount(${bars}) = ${count} values, got ${logPosterior.length}`);
  }
}

/** exp of a log-posterior, checked: every value finite or −∞ (a span of probability 0). */
function spanProbabilities(logPosterior: ArrayLike<number>, bars: number): Float64Array {
  checkPosterior(logPosterior, bars);
  const out = new Float64Array(logPosterior.length);
  for (let i = 0; i < out.length; i++) {
    const value = logPosterior[i]!;
    if (Number.isNaN(value) || value === Infinity) throw new Error(`span posterior: log-probability ${value} at span index ${i}`);
    out[i] = Math.exp(value);
  }
  return out;
}

/** The marginals of the start bar and of the end bar, each (T), from a window's span log-posterior. */
export function spanBoundaryMarginals(logPosterior: ArrayLike<number>, bars: number): { start: Float64Array; end: Float64Array } {
  return boundaryMarginals(spanProbabilities(logPosterior, bars), bars);
}

function boundaryMarginals(probabilities: Float64Array, bars: number): { start: Float64Array; end: Float64Array } {
  const start = new Float64Array(bars);
  const end = new Float64Array(bars);
  let index = 0;
  for (let s = 0; s < bars; s++) {
    let row = 0;
    for (let e = s; e < bars; e++) {
      const p = probabilities[index++]!;
      row += p;
      end[e] = end[e]! + p;
    }
    start[s] = row;
  }
  return { start, end };
}

/**
 * Equal-tailed credible interval of a distribution over bars (a start or end marginal; normalised here by
 * its sum M): with tail budget τ = (1 − level)·M/2,
 *   lo = the first bar whose cumulative mass from the left exceeds τ,
 *   hi = the last bar whose cumulative mass from the right exceeds τ,
 * so at most τ lies on each side and the interval holds at least level·M. Rounding could in principle
 * leave the reported mass — the direct sum over lo…hi, divided by M — a hair under level, so the interval
 * is then widened a bar at a time (towards the heavier neighbour, the left one on a tie) until it is not:
 * mass ≥ level holds for the number reported, in float64, not only in exact arithmetic. Equal-tailed rather than highest-density
 * because a discrete HDI need not be one interval and the equal-tailed one always contains the median.
 */
export function equalTailedInterval(distribution: ArrayLike<number>, level = DEFAULT_CREDIBLE_LEVEL): CredibleInterval {
  const n = distribution.length;
  if (n === 0) throw new Error("equalTailedInterval: no bars");
  if (!(level > 0 && level <= 1)) throw new Error(`equalTailedInterval: level must be in (0, 1], got ${level}`);
  let total = 0;
  for (let t = 0; t < n; t++) {
    const p = distribution[t]!;
    if (!(p >= 0 && p < Infinity)) throw new Error(`equalTailedInterval: mass ${p} at bar ${t}`);
    total += p;
  }
  if (!(total > 0)) throw new Error("equalTailedInterval: the distribution has no mass");
  const tail = ((1 - level) * total) / 2;
  let lo = 0;
  for (let cumulative = distribution[0]!; cumulative <= tail && lo < n - 1; ) cumulative += distribution[++lo]!;
  let hi = n - 1;
  for (let cumulative = distribution[n - 1]!; cumulative <= tail && hi > 0; ) cumulative += distribution[--hi]!;
  if (lo > hi) [lo, hi] = [hi, lo];
  const massOf = (from: number, to: number): number => {
    let sum = 0;
    for (let t = from; t <= to; t++) sum += distribution[t]!;
    return sum;
  };
  // Summed in the same order as `total`, lo = 0, hi = n − 1 gives exactly total / total = 1: the loop ends.
  let mass = massOf(lo, hi);
  while (mass / total < level) {
    const left = lo > 0 ? distribution[lo - 1]! : -1;
    const right = hi < n - 1 ? distribution[hi + 1]! : -1;
    if (left >= right) lo--;
    else hi++;
    mass = massOf(lo, hi);
  }
  return { lo, hi, mass: mass / total };
}

/**
 * The k most probable spans, most probable first, ordered by log-posterior (so spans whose probability
 * underflows to 0 are still ranked); ties (equal log-posterior) go to the lower span index — the earlier
 * start, then the earlier end. All spans when k exceeds their number.
 */
export function topSpans(logPosterior: ArrayLike<number>, bars: number, k = DEFAULT_TOP_SPANS): SpanProbability[] {
  checkPosterior(logPosterior, bars);
  if (!Number.isInteger(k) || k < 1) throw new Error(`topSpans: k must be a positive integer, got ${k}`);
  const kept = Math.min(k, logPosterior.length);
  // Insertion into a sorted list of `kept` indices: O(N·k) for the small k asked for, no full sort.
  const best: number[] = [];
  for (let i = 0; i < logPosterior.length; i++) {
    const value = logPosterior[i]!;
    if (Number.isNaN(value)) throw new Error(`topSpans: log-probability NaN at span index ${i}`);
    if (best.length === kept && !(value > logPosterior[best[kept - 1]!]!)) continue;
    let at = best.length;
    // Strictly greater moves ahead: an equal value stays behind the earlier index.
    while (at > 0 && value > logPosterior[best[at - 1]!]!) at--;
    best.splice(at, 0, i);
    if (best.length > kept) best.pop();
  }
  return best.map((index) => ({ ...spanAt(index, bars), probability: Math.exp(logPosterior[index]!) }));
}

/**
 * P(IoU([start, end], Y) ≥ threshold) for Y drawn from the span posterior. The float comparison is exact
 * for ½ (the project's STRICT_IOU): ½ is representable and an IoU of integers ≤ 2T below ½ is at least
 * 1/(4T) below it, far more than one rounding.
 */
export function probabilityIoUAtLeast(logPosterior: ArrayLike<number>, bars: number, span: { start: number; end: number }, threshold = 0.5): number {
  return iouAtLeast(spanProbabilities(logPosterior, bars), bars, span, threshold);
}

function iouAtLeast(probabilities: Float64Array, bars: number, span: { start: number; end: number }, threshold: number): number {
  const { start: a, end: b } = span;
  if (!Number.isInteger(a) || !Number.isInteger(b) || a < 0 || b < a || b >= bars) {
    throw new Error(`probabilityIoUAtLeast: need a span 0 ≤ start ≤ end < ${bars}, got [${a}, ${b}]`);
  }
  if (!(threshold >= 0 && threshold <= 1)) throw new Error(`probabilityIoUAtLeast: threshold must be in [0, 1], got ${threshold}`);
  let sum = 0;
  let index = 0;
  for (let s = 0; s < bars; s++) {
    for (let e = s; e < bars; e++) {
      const p = probabilities[index++]!;
      if (p === 0) continue;
      if (barsIoU(a, b, s, e) >= threshold) sum += p;
    }
  }
  // A sum of probabilities that add to 1 can round past it by a few ulps: a probability stays in [0, 1].
  return Math.min(1, sum);
}

/** The minimum-Bayes-risk span under IoU, exactly (src/model/span_minimum_risk.ts has the method). */
export function minimumRiskSpan(logPosterior: ArrayLike<number>, bars: number): MinimumRiskSpan {
  return minimumRiskSpanOfProbabilities(spanProbabilities(logPosterior, bars), bars);
}

/**
 * Every summary of one window's span log-posterior (docs/spec.md §12), exponentiating it once. Pass the
 * same `workspace` for window after window of one size to reuse the search's buffers.
 */
export function summariseSpanPosterior(
  logPosterior: ArrayLike<number>,
  bars: number,
  options: SpanPosteriorSummaryOptions = {},
  workspace: MinimumRiskWorkspace = new MinimumRiskWorkspace(bars),
): SpanPosteriorSummary {
  const level = options.level ?? DEFAULT_CREDIBLE_LEVEL;
  const probabilities = spanProbabilities(logPosterior, bars);
  const marginals = boundaryMarginals(probabilities, bars);
  const mbr = minimumRiskSpanOfProbabilities(probabilities, bars, workspace);
  return {
    startMarginal: marginals.start,
    endMarginal: marginals.end,
    startInterval: equalTailedInterval(marginals.start, level),
    endInterval: equalTailedInterval(marginals.end, level),
    top: topSpans(logPosterior, bars, options.topK ?? DEFAULT_TOP_SPANS),
    mbr,
    probabilityIoUAtLeastHalf: iouAtLeast(probabilities, bars, mbr, 0.5),
  };
}
