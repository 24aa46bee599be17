/**
 * Linear-chain CRF over per-bar tags (docs/spec.md §3–4), with pytorch-crf semantics (batch_first, no mask):
 * a tag path y₀…y_{T−1} scores
 *   start[y₀] + Σₜ emit[t, yₜ] + Σ_{t≥1} trans[y_{t−1}, yₜ] + end[y_{T−1}],
 * with `transitions` row = previous tag, column = next tag, and p(y) = exp(score(y) − log Z).
 * spanlab uses K = 2 tags (0 = out of span, 1 = in span), but nothing here depends on K = 2.
 *
 * Everything is computed per sequence in float64 in log space (log-sum-exp), so long windows of large
 * emissions neither overflow nor underflow. The negative log-likelihood's backward is exact, by
 * forward–backward: the gradient of log Z is the vector of posterior (pairwise) marginals.
 *
 * Layouts (row-major, flat): emissions (B, T, K), tags (B, T), start (K), end (K), transitions (K, K).
 * Gradients are ADDED (`+=`) into caller-provided buffers of the same layouts.
 */

import type { FloatArray, IdArray } from "../nn/losses.js";

/** The CRF's parameters, as `crf.start_transitions`, `crf.end_transitions`, `crf.transitions` in PyTorch. */
export interface CrfParams {
  /** (K) score of the first bar's tag. */
  start: FloatArray;
  /** (K) score of the last bar's tag. */
  end: FloatArray;
  /** (K, K) score of tag i at bar t−1 followed by tag j at bar t, at [i·K + j]. */
  transitions: FloatArray;
}

/** Optional gradient buffers of {@link crfNegativeLogLikelihood}; each is added into. */
export interface CrfGrads {
  /** (B, T, K) */
  emissions?: FloatArray;
  /** (K) */
  start?: FloatArray;
  /** (K) */
  end?: FloatArray;
  /** (K, K) */
  transitions?: FloatArray;
}

/** Result of {@link crfViterbi}. */
export interface CrfViterbiResult {
  /** (B, T) best tag path per sequence. */
  tags: Uint8Array;
  /** (B) score of that path (unnormalised: start + emissions + transitions + end). */
  scores: Float64Array;
}

/** Number of tags K of a parameter set, after checking the three shapes agree. */
export function crfNumTags(params: CrfParams): number {
  const k = params.start.length;
  if (k < 1 || k > 256) throw new Error(`CRF: need 1 ≤ K ≤ 256 tags, got ${k}`);
  if (params.end.length !== k) throw new Error(`CRF: end has ${params.end.length} entries, start has ${k}`);
  if (params.transitions.length !== k * k) {
    throw new Error(`CRF: transitions has ${params.transitions.length} entries, expected K×K = ${k * k}`);
  }
  return k;
}

function checkShapes(emissions: FloatArray, batch: number, bars: number, params: CrfParams): number {
  const k = crfNumTags(params);
  if (!Number.isInteger(batch) || batch < 1) throw new Error(`CRF: batch must be a positive integer, got ${batch}`);
  if (!Number.isInteger(bars) || bars < 1) throw new Error(`CRF: bars must be a positive integer, got ${bars}`);
  if (emissions.length !== batch * bars * k) {
    throw new Error(`CRF: emissions length ${emissions.length} ≠ B ${batch} × T ${bars} × K ${k}`);
  }
  return k;
}

function checkTags(tags: IdArray, batch: number, bars: number, k: number): void {
  if (tags.length !== batch * bars) throw new Error(`CRF: tags length ${tags.length} ≠ B ${batch} × T ${bars}`);
  for (let i = 0; i < tags.length; i++) {
    const y = tags[i]!;
    if (y < 0 || y >= k) throw new Error(`CRF: tag ${y} at flat index ${i} is outside [0, ${k})`);
  }
}

function checkGrad(name: string, grad: FloatArray | undefined, expected: number): void {
  if (grad !== undefined && grad.length !== expected) {
    throw new Error(`CRF: gradient buffer ${name} has length ${grad.length}, expected ${expected}`);
  }
}

/**
 * Forward recursion of one sequence into `alpha` (T, K): alpha[t, j] = log Σ over paths ending in tag j
 * at bar t of exp(partial score). Returns log Z. `base` is the sequence's offset into emissions.
 */
function forwardLog(emissions: FloatArray, base: number, bars: number, k: number, params: CrfParams, alpha: Float64Array): number {
  const { start, end, transitions } = params;
  for (let j = 0; j < k; j++) alpha[j] = start[j]! + emissions[base + j]!;
  for (let t = 1; t < bars; t++) {
    const prev = (t - 1) * k;
    const cur = t * k;
    for (let j = 0; j < k; j++) {
      // log-sum-exp over the previous tag i, max-shifted.
      let max = -Infinity;
      for (let i = 0; i < k; i++) max = Math.max(max, alpha[prev + i]! + transitions[i * k + j]!);
      let value = -Infinity;
      if (max !== -Infinity) {
        let sum = 0;
        for (let i = 0; i < k; i++) sum += Math.exp(alpha[prev + i]! + transitions[i * k + j]! - max);
        value = max + Math.log(sum);
      }
      alpha[cur + j] = value + emissions[base + cur + j]!;
    }
  }
  const last = (bars - 1) * k;
  let max = -Infinity;
  for (let j = 0; j < k; j++) max = Math.max(max, alpha[last + j]! + end[j]!);
  if (max === -Infinity) return -Infinity;
  let sum = 0;
  for (let j = 0; j < k; j++) sum += Math.exp(alpha[last + j]! + end[j]! - max);
  return max + Math.log(sum);
}

/**
 * Backward recursion of one sequence into `beta` (T, K): beta[t, i] = log Σ over path suffixes from tag i
 * at bar t of exp(score of the suffix after bar t, including the end score).
 */
function backwardLog(emissions: FloatArray, base: number, bars: number, k: number, params: CrfParams, beta: Float64Array): void {
  const { end, transitions } = params;
  const last = (bars - 1) * k;
  for (let i = 0; i < k; i++) beta[last + i] = end[i]!;
  for (let t = bars - 2; t >= 0; t--) {
    const cur = t * k;
    const next = (t + 1) * k;
    for (let i = 0; i < k; i++) {
      let max = -Infinity;
      for (let j = 0; j < k; j++) {
        max = Math.max(max, transitions[i * k + j]! + emissions[base + next + j]! + beta[next + j]!);
      }
      let value = -Infinity;
      if (max !== -Infinity) {
        let sum = 0;
        for (let j = 0; j < k; j++) {
          sum += Math.exp(transitions[i * k + j]! + emissions[base + next + j]! + beta[next + j]! - max);
        }
        value = max + Math.log(sum);
      }
      beta[cur + i] = value;
    }
  }
}

/**
 * Unnormalised score of given tag paths: start[y₀] + Σₜ emit[t, yₜ] + Σ_{t≥1} trans[y_{t−1}, yₜ] + end[y_{T−1}].
 *
 * @param emissions (B, T, K)
 * @param tags      (B, T) tag ids in [0, K)
 * @returns (B) one score per sequence.
 */
export function crfPathScore(emissions: FloatArray, tags: IdArray, batch: number, bars: number, params: CrfParams): Float64Array {
  const k = checkShapes(emissions, batch, bars, params);
  checkTags(tags, batch, bars, k);
  const scores = new Float64Array(batch);
  for (let b = 0; b < batch; b++) scores[b] = pathScore(emissions, tags, b, bars, k, params);
  return scores;
}

function pathScore(emissions: FloatArray, tags: IdArray, b: number, bars: number, k: number, params: CrfParams): number {
  const base = b * bars * k;
  const row = b * bars;
  let prev = tags[row]!;
  let score = params.start[prev]! + emissions[base + prev]!;
  for (let t = 1; t < bars; t++) {
    const y = tags[row + t]!;
    score += params.transitions[prev * k + y]! + emissions[base + t * k + y]!;
    prev = y;
  }
  return score + params.end[prev]!;
}

/**
 * log Z per sequence by the forward algorithm in log space: log Σ over all Kᵀ tag paths of exp(score).
 *
 * @param emissions (B, T, K)
 * @returns (B) log-partition of each sequence.
 */
export function crfLogPartition(emissions: FloatArray, batch: number, bars: number, params: CrfParams): Float64Array {
  const k = checkShapes(emissions, batch, bars, params);
  const alpha = new Float64Array(bars * k);
  const logZ = new Float64Array(batch);
  for (let b = 0; b < batch; b++) logZ[b] = forwardLog(emissions, b * bars * k, bars, k, params, alpha);
  return logZ;
}

/**
 * CRF span loss (docs/spec.md §4): mean over the batch of log Z − score(gold path) = −log p(gold), ≥ 0.
 * This is pytorch-crf's `-crf(emissions, tags, reduction="mean")`.
 *
 * Backward (exact, forward–backward), each added into `grads` when given:
 *  - emissions[b, t, j]: (p(yₜ = j | x) − [goldₜ = j]) / B;
 *  - start[j]: (p(y₀ = j) − [gold₀ = j]) / B;  end[j]: (p(y_{T−1} = j) − [gold_{T−1} = j]) / B;
 *  - transitions[i, j]: (Σ_{t≥1} p(y_{t−1} = i, yₜ = j) − #gold i→j transitions) / B.
 *
 * @param emissions (B, T, K)
 * @param tags      (B, T) gold tags (1 = in span for spanlab).
 * @returns the batch-mean negative log-likelihood.
 */
export function crfNegativeLogLikelihood(emissions: FloatArray, tags: IdArray, batch: number, bars: number, params: CrfParams, grads: CrfGrads = {}): number {
  const k = checkShapes(emissions, batch, bars, params);
  checkTags(tags, batch, bars, k);
  checkGrad("emissions", grads.emissions, emissions.length);
  checkGrad("start", grads.start, k);
  checkGrad("end", grads.end, k);
  checkGrad("transitions", grads.transitions, k * k);
  const wantGrads = grads.emissions !== undefined || grads.start !== undefined || grads.end !== undefined || grads.transitions !== undefined;

  const alpha = new Float64Array(bars * k);
  const beta = new Float64Array(bars * k);
  const scale = 1 / batch;
  let total = 0;
  for (let b = 0; b < batch; b++) {
    const base = b * bars * k;
    const row = b * bars;
    const logZ = forwardLog(emissions, base, bars, k, params, alpha);
    total += logZ - pathScore(emissions, tags, b, bars, k, params);
    if (!wantGrads) continue;

    backwardLog(emissions, base, bars, k, params, beta);
    // Expected counts minus gold counts, per parameter.
    for (let t = 0; t < bars; t++) {
      const gold = tags[row + t]!;
      for (let j = 0; j < k; j++) {
        const marginal = Math.exp(alpha[t * k + j]! + beta[t * k + j]! - logZ);
        const g = (marginal - (j === gold ? 1 : 0)) * scale;
        if (grads.emissions) grads.emissions[base + t * k + j]! += g;
        if (t === 0 && grads.start) grads.start[j]! += g;
        if (t === bars - 1 && grads.end) grads.end[j]! += g;
      }
    }
    const gradTrans = grads.transitions;
    if (gradTrans) {
      const { transitions } = params;
      for (let t = 1; t < bars; t++) {
        for (let i = 0; i < k; i++) {
          const a = alpha[(t - 1) * k + i]!;
          for (let j = 0; j < k; j++) {
            const pair = Math.exp(a + transitions[i * k + j]! + emissions[base + t * k + j]! + beta[t * k + j]! - logZ);
            gradTrans[i * k + j]! += pair * scale;
          }
        }
        gradTrans[tags[row + t - 1]! * k + tags[row + t]!]! -= scale;
      }
    }
  }
  return total * scale;
}

/**
 * Best tag path per sequence (Viterbi, max-sum) and its score.
 *
 * Ties are broken towards the lower tag id at every decision, as torch.max does on CPU in pytorch-crf's
 * decoder: the last tag is the lowest-id maximiser of δ_{T−1} + end, and each backpointer is the lowest-id
 * previous tag attaining the max. Among equally scored best paths this returns the one that is smallest
 * when compared from the LAST bar backwards (lowest last tag, then lowest second-to-last, …).
 *
 * @param emissions (B, T, K)
 */
export function crfViterbi(emissions: FloatArray, batch: number, bars: number, params: CrfParams): CrfViterbiResult {
  const k = checkShapes(emissions, batch, bars, params);
  const { start, end, transitions } = params;
  const delta = new Float64Array(bars * k);
  const backpointer = new Int32Array(bars * k);
  const tags = new Uint8Array(batch * bars);
  const scores = new Float64Array(batch);
  for (let b = 0; b < batch; b++) {
    const base = b * bars * k;
    for (let j = 0; j < k; j++) delta[j] = start[j]! + emissions[base + j]!;
    for (let t = 1; t < bars; t++) {
      for (let j = 0; j < k; j++) {
        let best = -Infinity;
        let arg = 0;
        for (let i = 0; i < k; i++) {
          const s = delta[(t - 1) * k + i]! + transitions[i * k + j]!;
          if (s > best) {
            // strict: the first (lowest) i keeps a tie
            best = s;
            arg = i;
          }
        }
        delta[t * k + j] = best + emissions[base + t * k + j]!;
        backpointer[t * k + j] = arg;
      }
    }
    let best = -Infinity;
    let last = 0;
    for (let j = 0; j < k; j++) {
      const s = delta[(bars - 1) * k + j]! + end[j]!;
      if (s > best) {
        best = s;
        last = j;
      }
    }
    scores[b] = best;
    let y = last;
    for (let t = bars - 1; t >= 0; t--) {
      tags[b * bars + t] = y;
      if (t > 0) y = backpointer[t * k + y]!;
    }
  }
  return { tags, scores };
}

/**
 * Posterior marginal p(yₜ = tag | emissions) per bar, by forward–backward: the correct per-bar
 * probability of the CRF (it accounts for transitions, start and end). For spanlab, tag 1 = in span.
 *
 * @param emissions (B, T, K)
 * @param tag       which tag's marginal to return (default 1, "in span").
 * @returns (B, T) probabilities.
 */
export function crfPosteriorMarginals(emissions: FloatArray, batch: number, bars: number, params: CrfParams, tag = 1): Float32Array {
  const k = checkShapes(emissions, batch, bars, params);
  if (!Number.isInteger(tag) || tag < 0 || tag >= k) throw new Error(`crfPosteriorMarginals: tag ${tag} outside [0, ${k})`);
  const alpha = new Float64Array(bars * k);
  const beta = new Float64Array(bars * k);
  const out = new Float32Array(batch * bars);
  for (let b = 0; b < batch; b++) {
    const base = b * bars * k;
    const logZ = forwardLog(emissions, base, bars, k, params, alpha);
    backwardLog(emissions, base, bars, k, params, beta);
    for (let t = 0; t < bars; t++) out[b * bars + t] = Math.exp(alpha[t * k + tag]! + beta[t * k + tag]! - logZ);
  }
  return out;
}

/**
 * Softmax of the emissions at each bar, taken at `tag`: **what the reference reported as the CRF's
 * per-bar probability**. It ignores the transition, start and end scores, so it is NOT the CRF's
 * probability of the tag — use {@link crfPosteriorMarginals} for that. Kept to reproduce the
 * reference's probability-separation numbers (docs/spec.md §6).
 *
 * @param emissions (B, T, K)
 * @returns (B, T) softmax(emissions[b, t, :])[tag].
 */
export function emissionSoftmax(emissions: FloatArray, batch: number, bars: number, numTags = 2, tag = 1): Float32Array {
  if (!Number.isInteger(numTags) || numTags < 1) throw new Error(`emissionSoftmax: numTags must be a positive integer, got ${numTags}`);
  if (!Number.isInteger(tag) || tag < 0 || tag >= numTags) throw new Error(`emissionSoftmax: tag ${tag} outside [0, ${numTags})`);
  if (emissions.length !== batch * bars * numTags) {
    throw new Error(`emissionSoftmax: emissions length ${emissions.length} ≠ B ${batch} × T ${bars} × K ${numTags}`);
  }
  const out = new Float32Array(batch * bars);
  for (let r = 0; r < batch * bars; r++) {
    const base = r * numTags;
    let max = -Infinity;
    for (let j = 0; j < numTags; j++) max = Math.max(max, emissions[base + j]!);
    let sum = 0;
    for (let j = 0; j < numTags; j++) sum += Math.exp(emissions[base + j]! - max);
    out[r] = Math.exp(emissions[base + tag]! - max) / sum;
  }
  return out;
}
