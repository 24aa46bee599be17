/**
 * Segment-level (semi-Markov) CRF over the bars of a window (docs/spec.md §13).
 *
 * A window of T bars is cut into segments: out-of-span bars (one bar each) and in-span segments of 1…L
 * bars, two in-span segments never adjacent (a span is a maximal run), so segmentations and 0/1 tag paths
 * are one to one. Each bar carries four scores (channels, {@link SEGMENT_CHANNELS}): an out emission, an in
 * emission, a start-boundary score and an end-boundary score. With `length[k − 1]` the score of an in-span
 * segment of k bars,
 *   out-of-span bar t:         out_t
 *   in-span segment [s, e]:    Σ_{t=s..e} in_t + start_s + end_e + length[e − s]
 * and a path's score is the sum of its segments' scores, p(path) = exp(score − log Z).
 *
 * Unlike the linear-chain CRF, a span's score sees both of its ends at once (the boundary scores) and its
 * length (the length scores): the "boundary attention" of the reference's roadmap, made exact.
 *
 * Forward recursion (per window, float64, max-shifted log-sum-exp; O(T·L)), with P[s] the log-weight of
 * the prefixes of bars 0…s−1 after which a segment may start (the last bar out of span, or s = 0) and Q[e]
 * that of the prefixes ending with an in-span segment that ends at e:
 *   P[0] = 0,  P[t + 1] = out_t + lse(P[t], Q[t − 1])                      (Q[−1] = −∞)
 *   Q[e] = lse_{s = max(0, e−L+1)..e} (P[s] + Σ_{t=s..e} in_t + start_s + end_e + length[e − s])
 *   log Z = lse(P[T], Q[T − 1]).
 * Backward pass: the posterior over segmentations, read from the last bar back, is a Markov chain whose
 * steps are the forward's own normalised terms — the last bar is out with probability e^(P[T] − log Z);
 * a segment ending at e starts at s with probability e^(P[s] + segment [s, e] − Q[e]); the bar before a
 * free position t + 1 follows a segment with probability e^(Q[t − 1] − (P[t + 1] − out_t)). Pushing the
 * probability mass back through these steps gives every segment's marginal p([s, e]) = e^(P[s] + segment
 * [s, e] + β − log Z) — the textbook β recursion's result — with multiplications only: the forward's
 * exponentials are kept, so the whole NLL and its gradient cost T·L/2 exponentials per window, not T·L.
 * The gradient of log Z is the vector of these expectations (docs/spec.md §13).
 *
 * Layouts (row-major, flat): scores (B, T, 4), tags (B, T) with 1 = in span, length scores (L).
 * Gradients are ADDED (`+=`) into caller-provided buffers of the same layouts.
 */

import type { FloatArray, IdArray } from "../nn/losses.js";

/** The four scores of a bar, in the order the span projection emits them. */
export const SEGMENT_CHANNELS = { out: 0, in: 1, start: 2, end: 3 } as const;

/** Scores per bar (`expansion_span_emission.1` outputs of the segment CRF head). */
export const SEGMENT_WIDTH = 4;

/** Optional gradient buffers of {@link segmentCrfNegativeLogLikelihood}; each is added into. */
export interface SegmentCrfGradients {
  /** (B, T, 4) */
  scores?: FloatArray;
  /** (L) */
  lengthScores?: FloatArray;
}

/** Longest in-span segment L of a length-score vector, after checking it. */
export function segmentMaxLength(lengthScores: FloatArray): number {
  const maxLength = lengthScores.length;
  if (maxLength < 1) throw new Error("segment CRF: need at least one length score (L ≥ 1)");
  return maxLength;
}

/** Checks the sizes of a call; returns L. */
export function checkSegmentShapes(name: string, scores: FloatArray, batch: number, bars: number, lengthScores: FloatArray): number {
  if (!Number.isInteger(batch) || batch < 1) throw new Error(`${name}: batch must be a positive integer, got ${batch}`);
  if (!Number.isInteger(bars) || bars < 1) throw new Error(`${name}: bars must be a positive integer, got ${bars}`);
  if (scores.length !== batch * bars * SEGMENT_WIDTH) {
    throw new Error(`${name}: scores length ${scores.length} ≠ B ${batch} × T ${bars} × ${SEGMENT_WIDTH}`);
  }
  return segmentMaxLength(lengthScores);
}

/** Checks that tags are 0/1 and every in-span run fits in L bars (a longer run has probability 0). */
function checkTags(name: string, tags: IdArray, batch: number, bars: number, maxLength: number): void {
  if (tags.length !== batch * bars) throw new Error(`${name}: tags length ${tags.length} ≠ B ${batch} × T ${bars}`);
  for (let b = 0; b < batch; b++) {
    let run = 0;
    for (let t = 0; t < bars; t++) {
      const y = tags[b * bars + t]!;
      if (y !== 0 && y !== 1) throw new Error(`${name}: tag ${y} at window ${b}, bar ${t} is not 0 (out) or 1 (in)`);
      run = y === 1 ? run + 1 : 0;
      if (run > maxLength) {
        throw new Error(
          `${name}: window ${b} has an in-span run of more than L = ${maxLength} bars (ending after bar ${t}); the segment CRF gives it probability 0`,
        );
      }
    }
  }
}

function checkGradient(name: string, what: string, gradient: FloatArray | undefined, expected: number): void {
  if (gradient !== undefined && gradient.length !== expected) {
    throw new Error(`${name}: gradient buffer ${what} has length ${gradient.length}, expected ${expected}`);
  }
}

/** Score of one window's tag path; `base` is the window's offset into scores, `row` into tags. */
function windowPathScore(scores: FloatArray, tags: IdArray, base: number, row: number, bars: number, lengthScores: FloatArray): number {
  let total = 0;
  let runStart = -1;
  for (let t = 0; t < bars; t++) {
    const at = base + t * SEGMENT_WIDTH;
    if (tags[row + t] === 1) {
      if (runStart < 0) {
        runStart = t;
        total += scores[at + SEGMENT_CHANNELS.start]!;
      }
      total += scores[at + SEGMENT_CHANNELS.in]!;
      if (t === bars - 1 || tags[row + t + 1] !== 1) {
        total += scores[at + SEGMENT_CHANNELS.end]! + lengthScores[t - runStart]!;
        runStart = -1;
      }
    } else {
      total += scores[at + SEGMENT_CHANNELS.out]!;
    }
  }
  return total;
}

/**
 * Unnormalised score of given tag paths: the sum of their segments' scores (module comment).
 *
 * @param scores (B, T, 4)
 * @param tags   (B, T) 0/1, every in-span run at most L bars long
 * @returns (B) one score per window.
 */
export function segmentCrfPathScore(scores: FloatArray, tags: IdArray, batch: number, bars: number, lengthScores: FloatArray): Float64Array {
  const maxLength = checkSegmentShapes("segmentCrfPathScore", scores, batch, bars, lengthScores);
  checkTags("segmentCrfPathScore", tags, batch, bars, maxLength);
  const out = new Float64Array(batch);
  for (let b = 0; b < batch; b++) out[b] = windowPathScore(scores, tags, b * bars * SEGMENT_WIDTH, b * bars, bars, lengthScores);
  return out;
}

/** Buffers of one call, sized once for its windows and reused window after window. */
interface Workspace {
  /** (T + 1) P of the module comment. */
  open: Float64Array;
  /** (T) Q of the module comment. */
  closed: Float64Array;
  /** (T + 1) at t + 1: the share of P[t + 1]'s weight whose bar t − 1 is out (P[t]) rather than a segment's end (Q[t − 1]). */
  openFromOpen: Float64Array;
  /** (T + 1) the complementary share, computed on its own so that neither loses precision near 0. */
  openFromClosed: Float64Array;
  /** Shares of log Z: the last bar out of span, or ending a segment. */
  ending: { open: number; closed: number };
  /** The forward's exponentials e^(term − max) of every segment, those ending at e from `segmentOffset[e]`, by length. */
  segmentWeights: Float64Array;
  /** (T) where the segments ending at e start in `segmentWeights`. */
  segmentOffset: Int32Array;
  /** (T) 1 / Σ of the weights of the segments ending at e: their conditional probabilities are weight · this. */
  inverseWeightSum: Float64Array;
  /** (T + 1) posterior mass of the free positions P[t] that arrives down the chain of out bars (the rest is `startMass`). */
  openMass: Float64Array;
  /** (T) posterior mass of "a segment ends at e". */
  closedMass: Float64Array;
  /** (T) posterior mass of "a segment starts at s". */
  startMass: Float64Array;
  /** (T) the window's in emissions, contiguous for the inner loop. */
  inside: Float64Array;
  /** (T) P[s] + start_s: everything a segment starting at s adds before its bars and length. */
  opening: Float64Array;
  /** (L) the length scores in float64. */
  lengths: Float64Array;
}

function workspace(bars: number, lengthScores: FloatArray): Workspace {
  const maxLength = lengthScores.length;
  const segmentOffset = new Int32Array(bars);
  let segments = 0;
  for (let e = 0; e < bars; e++) {
    segmentOffset[e] = segments;
    segments += Math.min(e + 1, maxLength);
  }
  return {
    open: new Float64Array(bars + 1),
    closed: new Float64Array(bars),
    openFromOpen: new Float64Array(bars + 1),
    openFromClosed: new Float64Array(bars + 1),
    ending: { open: 1, closed: 0 },
    segmentWeights: new Float64Array(segments),
    segmentOffset,
    inverseWeightSum: new Float64Array(bars),
    openMass: new Float64Array(bars + 1),
    closedMass: new Float64Array(bars),
    startMass: new Float64Array(bars),
    inside: new Float64Array(bars),
    opening: new Float64Array(bars),
    lengths: Float64Array.from(lengthScores),
  };
}

/**
 * Forward recursion of one window into the workspace (P, Q, the shares and the segments' exponentials);
 * returns log Z.
 */
function forward(scores: FloatArray, base: number, bars: number, maxLength: number, work: Workspace): number {
  const { open, closed, openFromOpen, openFromClosed, segmentWeights, segmentOffset, inverseWeightSum, inside, opening, lengths } = work;
  for (let t = 0; t < bars; t++) inside[t] = scores[base + t * SEGMENT_WIDTH + SEGMENT_CHANNELS.in]!;
  open[0] = 0;
  for (let e = 0; e < bars; e++) {
    const at = base + e * SEGMENT_WIDTH;
    opening[e] = open[e]! + scores[at + SEGMENT_CHANNELS.start]!;
    // The segment may start at any s ≥ e − L + 1 once P[s] is known (s ≤ e); the in-emissions are summed
    // from the end backwards, so no prefix sums are subtracted (no cancellation at large magnitudes).
    const first = Math.max(e - maxLength + 1, 0);
    const offset = segmentOffset[e]!;
    let inSum = 0;
    let max = -Infinity;
    for (let s = e, k = 0; s >= first; s--, k++) {
      inSum += inside[s]!;
      const term = opening[s]! + inSum + lengths[k]!;
      segmentWeights[offset + k] = term;
      if (term > max) max = term;
    }
    let sum = 0;
    for (let k = offset, last = offset + e - first; k <= last; k++) {
      const weight = Math.exp(segmentWeights[k]! - max);
      segmentWeights[k] = weight;
      sum += weight;
    }
    inverseWeightSum[e] = 1 / sum;
    closed[e] = max + Math.log(sum) + scores[at + SEGMENT_CHANNELS.end]!;
    const outScore = scores[at + SEGMENT_CHANNELS.out]!;
    if (e === 0) {
      open[1] = outScore;
      openFromOpen[1] = 1;
      openFromClosed[1] = 0;
    } else {
      const viaOpen = open[e]!;
      const viaClosed = closed[e - 1]!;
      const top = Math.max(viaOpen, viaClosed);
      const weightOpen = Math.exp(viaOpen - top);
      const weightClosed = Math.exp(viaClosed - top);
      const total = weightOpen + weightClosed;
      openFromOpen[e + 1] = weightOpen / total;
      openFromClosed[e + 1] = weightClosed / total;
      open[e + 1] = outScore + top + Math.log(total);
    }
  }
  const viaOpen = open[bars]!;
  const viaClosed = closed[bars - 1]!;
  const top = Math.max(viaOpen, viaClosed);
  const weightOpen = Math.exp(viaOpen - top);
  const weightClosed = Math.exp(viaClosed - top);
  const total = weightOpen + weightClosed;
  work.ending.open = weightOpen / total;
  work.ending.closed = weightClosed / total;
  return top + Math.log(total);
}

/**
 * Backward pass of one window (after {@link forward}): pushes the posterior mass back from the last bar
 * (module comment). Writes the window's expected indicator counts into `expected` (T, 4) — p(bar out),
 * p(bar in), p(a segment starts here), p(a segment ends here) — and ADDS the expected number of segments
 * of each length into `expectedLengths` (L), all in float64, with no exponential.
 */
function backward(bars: number, work: Workspace, expected: Float64Array, expectedLengths: Float64Array | undefined): void {
  const { openFromOpen, openFromClosed, segmentWeights, segmentOffset, inverseWeightSum, openMass, closedMass, startMass } = work;
  const { out: OUT, in: IN, start: START, end: END } = SEGMENT_CHANNELS;
  openMass.fill(0);
  closedMass.fill(0);
  startMass.fill(0);
  openMass[bars] = work.ending.open;
  closedMass[bars - 1] = work.ending.closed;
  for (let t = bars - 1; t >= 0; t--) {
    // Free position t + 1 (bar t out): final now. Its mass comes down the chain of out bars (openMass) and
    // from the segments starting at t + 1 (startMass), which all end at e ≥ t + 1 and were pushed back.
    const free = openMass[t + 1]! + (t + 1 < bars ? startMass[t + 1]! : 0);
    expected[t * SEGMENT_WIDTH + OUT] = free;
    openMass[t]! += free * openFromOpen[t + 1]!;
    if (t >= 1) closedMass[t - 1]! += free * openFromClosed[t + 1]!;
    // A segment ending at t: final now — its only source, the free position t + 2, was pushed back above.
    const ending = closedMass[t]!;
    expected[t * SEGMENT_WIDTH + END] = ending;
    if (ending === 0) continue;
    const scale = ending * inverseWeightSum[t]!;
    const offset = segmentOffset[t]!;
    const count = (t + 1 < bars ? segmentOffset[t + 1]! : segmentWeights.length) - offset;
    // The segment of length k + 1 ending at t starts at t − k.
    if (expectedLengths) {
      for (let k = 0; k < count; k++) {
        const marginal = segmentWeights[offset + k]! * scale;
        startMass[t - k]! += marginal;
        expectedLengths[k]! += marginal;
      }
    } else {
      for (let k = 0; k < count; k++) startMass[t - k]! += segmentWeights[offset + k]! * scale;
    }
  }
  // p(bar t in span) = Σ_{s ≤ t} p(a segment starts at s) − Σ_{e < t} p(a segment ends at e).
  let coverage = 0;
  for (let t = 0; t < bars; t++) {
    const started = startMass[t]!;
    expected[t * SEGMENT_WIDTH + START] = started;
    coverage += started - (t > 0 ? expected[(t - 1) * SEGMENT_WIDTH + END]! : 0);
    expected[t * SEGMENT_WIDTH + IN] = coverage < 0 ? 0 : Math.min(coverage, 1);
  }
}

/**
 * log Z per window by the forward recursion: log Σ over every segmentation (every 0/1 tag path whose
 * in-span runs are at most L bars) of exp(score).
 *
 * @param scores (B, T, 4)
 * @returns (B)
 */
export function segmentCrfLogPartition(scores: FloatArray, batch: number, bars: number, lengthScores: FloatArray): Float64Array {
  const maxLength = checkSegmentShapes("segmentCrfLogPartition", scores, batch, bars, lengthScores);
  const work = workspace(bars, lengthScores);
  const out = new Float64Array(batch);
  for (let b = 0; b < batch; b++) out[b] = forward(scores, b * bars * SEGMENT_WIDTH, bars, maxLength, work);
  return out;
}

/**
 * Segment CRF span loss (docs/spec.md §13): mean over the batch of log Z − score(gold path) = −log p(gold)
 * ≥ 0, the gold path being the window's 0/1 in-span mask (every annotated span, docs/spec.md §4).
 *
 * Backward (exact, by the backward recursion), each added into `gradients` when given, all / B:
 *  - scores[b, t, out]: p(bar t out) − [gold out];  scores[b, t, in]: p(bar t in) − [gold in];
 *  - scores[b, t, start]: p(a segment starts at t) − [a gold run starts at t]; end likewise;
 *  - lengthScores[k − 1]: expected − gold number of in-span segments of k bars.
 *
 * @param scores (B, T, 4)
 * @param tags   (B, T) gold 0/1 tags
 * @returns the batch-mean negative log-likelihood.
 */
export function segmentCrfNegativeLogLikelihood(
  scores: FloatArray,
  tags: IdArray,
  batch: number,
  bars: number,
  lengthScores: FloatArray,
  gradients: SegmentCrfGradients = {},
): number {
  const name = "segmentCrfNegativeLogLikelihood";
  const maxLength = checkSegmentShapes(name, scores, batch, bars, lengthScores);
  checkTags(name, tags, batch, bars, maxLength);
  checkGradient(name, "scores", gradients.scores, scores.length);
  checkGradient(name, "lengthScores", gradients.lengthScores, maxLength);
  const gradScores = gradients.scores;
  const gradLength = gradients.lengthScores;
  const wantGradients = gradScores !== undefined || gradLength !== undefined;
  const work = workspace(bars, lengthScores);
  // Float64 accumulation: a window's expected counts, and the batch's expected-minus-gold length counts.
  const expected = new Float64Array(bars * SEGMENT_WIDTH);
  const lengthCounts = new Float64Array(maxLength);
  const scale = 1 / batch;
  let total = 0;
  for (let b = 0; b < batch; b++) {
    const base = b * bars * SEGMENT_WIDTH;
    const row = b * bars;
    const logZ = forward(scores, base, bars, maxLength, work);
    total += logZ - windowPathScore(scores, tags, base, row, bars, lengthScores);
    if (!wantGradients) continue;
    backward(bars, work, expected, lengthCounts);
    subtractGoldCounts(tags, row, bars, expected, lengthCounts);
    if (gradScores) for (let i = 0; i < expected.length; i++) gradScores[base + i]! += expected[i]! * scale;
  }
  if (gradLength) for (let k = 0; k < maxLength; k++) gradLength[k]! += lengthCounts[k]! * scale;
  return total * scale;
}

/** Subtracts one gold path's indicator counts (what {@link windowPathScore} summed) from the expected counts. */
function subtractGoldCounts(tags: IdArray, row: number, bars: number, expected: Float64Array, lengthCounts: Float64Array): void {
  const { out: OUT, in: IN, start: START, end: END } = SEGMENT_CHANNELS;
  let runStart = -1;
  for (let t = 0; t < bars; t++) {
    const at = t * SEGMENT_WIDTH;
    if (tags[row + t] === 1) {
      if (runStart < 0) {
        runStart = t;
        expected[at + START]! -= 1;
      }
      expected[at + IN]! -= 1;
      if (t === bars - 1 || tags[row + t + 1] !== 1) {
        expected[at + END]! -= 1;
        lengthCounts[t - runStart]! -= 1;
        runStart = -1;
      }
    } else {
      expected[at + OUT]! -= 1;
    }
  }
}

/**
 * Posterior marginal p(bar t in span | scores) per bar: the sum of the marginals of the in-span segments
 * that cover it (the segment CRF's per-bar probability, docs/spec.md §13).
 *
 * @param scores (B, T, 4)
 * @returns (B, T) probabilities in [0, 1].
 */
export function segmentCrfPosteriorMarginals(scores: FloatArray, batch: number, bars: number, lengthScores: FloatArray): Float32Array {
  const maxLength = checkSegmentShapes("segmentCrfPosteriorMarginals", scores, batch, bars, lengthScores);
  const work = workspace(bars, lengthScores);
  const expected = new Float64Array(bars * SEGMENT_WIDTH);
  const out = new Float32Array(batch * bars);
  for (let b = 0; b < batch; b++) {
    const base = b * bars * SEGMENT_WIDTH;
    forward(scores, base, bars, maxLength, work);
    backward(bars, work, expected, undefined);
    for (let t = 0; t < bars; t++) out[b * bars + t] = expected[t * SEGMENT_WIDTH + SEGMENT_CHANNELS.in]!;
  }
  return out;
}
