/**
 * Decoding the segment CRF (docs/spec.md §13; scores, channels and layouts as in segment_crf.ts):
 *
 *  - semi-Markov Viterbi: the best segmentation (MAP 0/1 tag path), the forward recursion with max in
 *    place of log-sum-exp, O(T·L);
 *  - the best path with exactly one in-span segment, by scoring every segment [s, e] with prefix and
 *    suffix sums of the out emissions, O(T·L);
 *  - the exactly-one-span log posterior: log p([s, e] | exactly one span) for every span, in spanIndex
 *    order (docs/spec.md §12), O(T²).
 */

import type { FloatArray } from "../nn/losses.js";
import { SEGMENT_CHANNELS, SEGMENT_WIDTH, checkSegmentShapes } from "./segment_crf.js";
import type { DecodedSpan } from "./span_decoding.js";
import { spanCount } from "./span_index.js";
import { normaliseSpanLogScores } from "./span_posterior.js";

/** Result of {@link segmentCrfViterbi}. */
export interface SegmentViterbiResult {
  /** (B, T) best tag path per window, 1 = in span. */
  tags: Uint8Array;
  /** (B) its unnormalised score (the sum of its segments' scores). */
  scores: Float64Array;
}

/**
 * Best segmentation per window (semi-Markov Viterbi) and its score.
 *
 * Ties, as the linear-chain CRF's Viterbi (docs/spec.md §6): the lower tag at every decision taken from the
 * last bar backwards — the last bar out before in, a bar after a free position out before ending a
 * segment, and among segments ending at e the latest start (the shortest). Among equally scored best paths
 * this returns the smallest when compared from the last bar backwards.
 *
 * @param scores (B, T, 4)
 */
export function segmentCrfViterbi(scores: FloatArray, batch: number, bars: number, lengthScores: FloatArray): SegmentViterbiResult {
  const maxLength = checkSegmentShapes("segmentCrfViterbi", scores, batch, bars, lengthScores);
  // open[s]: best prefix 0…s−1 after which a segment may start; closed[e]: best prefix ending with a
  // segment that ends at e, which starts at segmentStart[e]; openAfterSegment[t + 1]: whether open[t + 1]
  // (bar t out) follows a segment ending at t − 1 rather than another free position.
  const open = new Float64Array(bars + 1);
  const closed = new Float64Array(bars);
  const segmentStart = new Int32Array(bars);
  const openAfterSegment = new Uint8Array(bars + 1);
  const tags = new Uint8Array(batch * bars);
  const best = new Float64Array(batch);
  for (let b = 0; b < batch; b++) {
    const base = b * bars * SEGMENT_WIDTH;
    open[0] = 0;
    for (let e = 0; e < bars; e++) {
      const at = base + e * SEGMENT_WIDTH;
      const first = Math.max(e - maxLength + 1, 0);
      let inSum = 0;
      let top = -Infinity;
      let topStart = e;
      for (let s = e, k = 0; s >= first; s--, k++) {
        const from = base + s * SEGMENT_WIDTH;
        inSum += scores[from + SEGMENT_CHANNELS.in]!;
        const term = open[s]! + inSum + scores[from + SEGMENT_CHANNELS.start]! + lengthScores[k]!;
        // Strict: from the latest start down, the first (latest) start keeps a tie.
        if (term > top) {
          top = term;
          topStart = s;
        }
      }
      closed[e] = top + scores[at + SEGMENT_CHANNELS.end]!;
      segmentStart[e] = topStart;
      const afterSegment = e > 0 && closed[e - 1]! > open[e]!;
      openAfterSegment[e + 1] = afterSegment ? 1 : 0;
      open[e + 1] = scores[at + SEGMENT_CHANNELS.out]! + (afterSegment ? closed[e - 1]! : open[e]!);
    }
    const row = b * bars;
    // At equality the last bar is out (the lower tag).
    let inSegment = closed[bars - 1]! > open[bars]!;
    best[b] = inSegment ? closed[bars - 1]! : open[bars]!;
    let t = bars - 1;
    while (t >= 0) {
      if (inSegment) {
        const s = segmentStart[t]!;
        tags.fill(1, row + s, row + t + 1);
        // The bar before a segment (if any) is out of span: the state open[s].
        t = s - 1;
        inSegment = false;
      } else {
        tags[row + t] = 0;
        inSegment = openAfterSegment[t + 1] === 1;
        t--;
      }
    }
  }
  return { tags, scores: best };
}

/** out[t] prefix (bars 0…t−1) and suffix (bars t…T−1) sums of one window's out emissions, (T + 1) each. */
function outSums(scores: FloatArray, base: number, bars: number, prefix: Float64Array, suffix: Float64Array): void {
  prefix[0] = 0;
  for (let t = 0; t < bars; t++) prefix[t + 1] = prefix[t]! + scores[base + t * SEGMENT_WIDTH + SEGMENT_CHANNELS.out]!;
  suffix[bars] = 0;
  for (let t = bars - 1; t >= 0; t--) suffix[t] = suffix[t + 1]! + scores[base + t * SEGMENT_WIDTH + SEGMENT_CHANNELS.out]!;
}

/**
 * For each window, the best tag path with exactly one in-span segment [s, e] (e − s + 1 ≤ L), and its
 * unnormalised score Σ_{t<s} out_t + segment [s, e] + Σ_{t>e} out_t (subtract log Z from
 * segmentCrfLogPartition for the log-probability). The out bars' sums come from a prefix and a suffix sum
 * (both added, never subtracted) and the in-emissions from a running sum, so large scores lose nothing to
 * cancellation. Ties as on DecodedSpan: the earliest end, then the latest start.
 *
 * @param scores (B, T, 4)
 */
export function segmentCrfSingleSpans(scores: FloatArray, batch: number, bars: number, lengthScores: FloatArray): DecodedSpan[] {
  const maxLength = checkSegmentShapes("segmentCrfSingleSpans", scores, batch, bars, lengthScores);
  const prefix = new Float64Array(bars + 1);
  const suffix = new Float64Array(bars + 1);
  const out: DecodedSpan[] = [];
  for (let b = 0; b < batch; b++) {
    const base = b * bars * SEGMENT_WIDTH;
    outSums(scores, base, bars, prefix, suffix);
    let best = -Infinity;
    let bestStart = 0;
    let bestEnd = 0;
    for (let s = 0; s < bars; s++) {
      const head = prefix[s]! + scores[base + s * SEGMENT_WIDTH + SEGMENT_CHANNELS.start]!;
      const last = Math.min(s + maxLength - 1, bars - 1);
      let inSum = 0;
      for (let e = s, k = 0; e <= last; e++, k++) {
        const at = base + e * SEGMENT_WIDTH;
        inSum += scores[at + SEGMENT_CHANNELS.in]!;
        const score = head + inSum + scores[at + SEGMENT_CHANNELS.end]! + lengthScores[k]! + suffix[e + 1]!;
        if (score > best || (score === best && (e < bestEnd || (e === bestEnd && s > bestStart)))) {
          best = score;
          bestStart = s;
          bestEnd = e;
        }
      }
    }
    out.push({ start: bestStart, end: bestEnd, score: best });
  }
  return out;
}

/**
 * log p(span = [s, e] | exactly one span) for every span of every window: the single-segment path's score
 * (as in {@link segmentCrfSingleSpans}) minus the log-sum-exp of all of them. (B, spanCount(T)) in
 * spanIndex order (start-major, docs/spec.md §12); a span longer than L bars, which the segment CRF
 * cannot produce, gets −∞.
 *
 * @param scores (B, T, 4)
 */
export function segmentCrfSpanLogPosterior(scores: FloatArray, batch: number, bars: number, lengthScores: FloatArray): Float64Array {
  const maxLength = checkSegmentShapes("segmentCrfSpanLogPosterior", scores, batch, bars, lengthScores);
  const count = spanCount(bars);
  const prefix = new Float64Array(bars + 1);
  const suffix = new Float64Array(bars + 1);
  const out = new Float64Array(batch * count);
  for (let b = 0; b < batch; b++) {
    const base = b * bars * SEGMENT_WIDTH;
    const row = b * count;
    outSums(scores, base, bars, prefix, suffix);
    let index = row;
    // Start-major, each start's spans by increasing end: exactly the spanIndex order.
    for (let s = 0; s < bars; s++) {
      const head = prefix[s]! + scores[base + s * SEGMENT_WIDTH + SEGMENT_CHANNELS.start]!;
      let inSum = 0;
      for (let e = s, k = 0; e < bars; e++, k++) {
        const at = base + e * SEGMENT_WIDTH;
        inSum += scores[at + SEGMENT_CHANNELS.in]!;
        out[index++] = k < maxLength ? head + inSum + scores[at + SEGMENT_CHANNELS.end]! + lengthScores[k]! + suffix[e + 1]! : -Infinity;
      }
    }
    normaliseSpanLogScores(out, row, count, b);
  }
  return out;
}
