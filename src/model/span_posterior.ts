/**
 * Exact span posteriors of the soft and CRF heads (docs/spec.md §12): for every span [s, e] of a window,
 * log P(span = [s, e] | x) under the head's own scores conditioned on "exactly one run of in-span bars",
 * laid out (B, spanCount(T)) in spanIndex order (src/model/span_index.ts).
 *
 * Each span's unnormalised log score is built in O(1) from per-window running sums, so a window costs
 * O(T²) — one pass per start bar, extending the end — followed by a log-sum-exp over the T(T + 1)/2
 * spans. Everything is float64 and max-shifted, so scores of any finite size (±1e4 logits, 0) give finite
 * log-probabilities whose exponentials sum to 1 within rounding.
 */
import type { FloatArray } from "../nn/losses.js";
import { crfNumTags, type CrfParams } from "./crf.js";
import { spanCount } from "./span_index.js";

function checkSizes(name: string, scores: FloatArray, batch: number, bars: number, width: number): void {
  if (!Number.isInteger(batch) || batch < 1 || !Number.isInteger(bars) || bars < 1) {
    throw new Error(`${name}: batch and bars must be positive integers, got ${batch}, ${bars}`);
  }
  if (scores.length !== batch * bars * width) {
    throw new Error(`${name}: scores length ${scores.length} ≠ B ${batch} × T ${bars} × ${width}`);
  }
}

/**
 * Turns `count` unnormalised log scores at `offset` into log-probabilities in place: subtract their
 * log-sum-exp. The max is subtracted FIRST and the logarithm of the (≥ 1) shifted sum second, so a large
 * common offset (scores near 1e6) never rounds into the result: exp of the outputs sums to 1 within
 * count·ε, not within |max|·ε.
 */
export function normaliseSpanLogScores(values: Float64Array, offset: number, count: number, window = 0): void {
  let max = -Infinity;
  for (let i = offset; i < offset + count; i++) {
    const value = values[i]!;
    if (Number.isNaN(value) || value === Infinity) throw new Error(`span posterior: window ${window} has a span score of ${value}`);
    if (value > max) max = value;
  }
  if (max === -Infinity) throw new Error(`span posterior: window ${window} gives every span a score of −∞`);
  let sum = 0;
  for (let i = offset; i < offset + count; i++) {
    const shifted = values[i]! - max;
    values[i] = shifted;
    sum += Math.exp(shifted);
  }
  const logSum = Math.log(sum);
  for (let i = offset; i < offset + count; i++) values[i] = values[i]! - logSum;
}

/**
 * Span log-posterior of the soft head from its logits z (B, T) (docs/spec.md §12):
 *   P([s, e]) ∝ Π_{t∈[s,e]} p_t · Π_{t∉[s,e]} (1 − p_t),  p_t = sigmoid(z_t).
 * In log space, log p_t = −softplus(−z_t) and log(1 − p_t) = −softplus(z_t), whose difference is exactly
 * z_t; so the log score is Σ_t log(1 − p_t) + Σ_{t∈[s,e]} z_t, and the first sum, shared by every span,
 * cancels in the normalisation. Summing the logits themselves is therefore the exact formula with
 * nothing to overflow (no sigmoid is ever rounded to 0 or 1).
 */
export function softSpanLogPosterior(logits: FloatArray, batch: number, bars: number): Float64Array {
  checkSizes("softSpanLogPosterior", logits, batch, bars, 1);
  const count = spanCount(bars);
  const out = new Float64Array(batch * count);
  for (let b = 0; b < batch; b++) {
    const base = b * bars;
    let index = b * count;
    for (let start = 0; start < bars; start++) {
      // A running sum from the start bar keeps each span's rounding to its own bars (no prefix difference).
      let inside = 0;
      for (let end = start; end < bars; end++) {
        inside += logits[base + end]!;
        out[index++] = inside;
      }
    }
    normaliseSpanLogScores(out, b * count, count, b);
  }
  return out;
}

/**
 * Span log-posterior of the CRF head from its emissions (B, T, 2) (docs/spec.md §12): the CRF path score
 * (start + emissions + transitions + end, as `crfPathScore`) of y = 0…0 1…1 0…0 with ones exactly on
 * [s, e], normalised over those T(T + 1)/2 paths only — the CRF conditioned on "exactly one span".
 *
 * The score splits into three parts, each O(1) per span:
 *   before(s): tags 0 on bars 0…s−1 and the entry into the run — start[1] when s = 0, else
 *              start[0] + Σ_{t<s} emit[t,0] + (s−1)·trans[0→0] + trans[0→1];
 *   run(s, e): Σ_{t=s..e} emit[t,1] + (e−s)·trans[1→1], a running sum over e;
 *   after(e):  the exit and tags 0 on bars e+1…T−1 — end[1] when e = T−1, else
 *              trans[1→0] + Σ_{t>e} emit[t,0] + (T−2−e)·trans[0→0] + end[0].
 */
export function crfSpanLogPosterior(emissions: FloatArray, batch: number, bars: number, params: CrfParams): Float64Array {
  if (crfNumTags(params) !== 2) throw new Error(`crfSpanLogPosterior: needs K = 2 tags, got ${params.start.length}`);
  checkSizes("crfSpanLogPosterior", emissions, batch, bars, 2);
  const [stay0, enter, exit, stay1] = [params.transitions[0]!, params.transitions[1]!, params.transitions[2]!, params.transitions[3]!];
  const count = spanCount(bars);
  const out = new Float64Array(batch * count);
  const before = new Float64Array(bars);
  const after = new Float64Array(bars);
  for (let b = 0; b < batch; b++) {
    const base = b * bars * 2;
    // before[s]: built forwards; zeros holds the score of tags 0 on bars 0…s−1.
    let zeros = 0;
    for (let s = 0; s < bars; s++) {
      before[s] = s === 0 ? params.start[1]! : zeros + enter;
      zeros = s === 0 ? params.start[0]! + emissions[base]! : zeros + stay0 + emissions[base + 2 * s]!;
    }
    // after[e]: built backwards; zeros holds the score of tags 0 on bars e+1…T−1 with end[0].
    zeros = 0;
    for (let e = bars - 1; e >= 0; e--) {
      after[e] = e === bars - 1 ? params.end[1]! : exit + zeros;
      zeros = e === bars - 1 ? emissions[base + 2 * e]! + params.end[0]! : emissions[base + 2 * e]! + stay0 + zeros;
    }
    let index = b * count;
    for (let start = 0; start < bars; start++) {
      let run = before[start]!;
      for (let end = start; end < bars; end++) {
        run += emissions[base + 2 * end + 1]! + (end > start ? stay1 : 0);
        out[index++] = run + after[end]!;
      }
    }
    normaliseSpanLogScores(out, b * count, count, b);
  }
  return out;
}
