/**
 * Span decoders that use what the data guarantees: every window holds exactly ONE expansion span.
 * Threshold decoding (p > θ, then runs) can return zero or several runs; these return the single
 * contiguous run [start, end] that the model scores highest, one per window:
 *
 *  - soft head: the run maximising the summed per-bar log-odds Σ log(pₜ/(1 − pₜ)), i.e. the most likely
 *    single run if bars were independent with those probabilities (Kadane, O(T));
 *  - CRF head: the best tag path restricted to the form 0…0 1…1 0…0 with at least one 1, under the
 *    CRF's own score (start + emissions + transitions + end) — a Viterbi over the three-state automaton
 *    before → inside → after, O(T).
 *
 * Both break ties the same way, documented on {@link DecodedSpan}. Also here: run extraction from a
 * binary mask and the minimum-run-length filter used by threshold decoding (docs/spec.md §6).
 */

import type { FloatArray } from "../nn/losses.js";
import { clampSpanProbability } from "../nn/losses.js";
import { crfNumTags, type CrfParams } from "./crf.js";

/**
 * One decoded span, bars `start`…`end` inclusive, with the decoder's score of it.
 *
 * Ties (equal scores in exact arithmetic): the span with the EARLIEST end wins; among those, the LATEST
 * start (the shortest run). So bars that add exactly zero evidence are left out on both sides.
 */
export interface DecodedSpan {
  start: number;
  end: number;
  /** Soft: summed log-odds over the run. CRF: the unnormalised path score of 0…0 1…1 0…0. */
  score: number;
}

/** An inclusive run of bars [start, end]. */
export type Run = [start: number, end: number];

/**
 * The contiguous run [s, e] maximising Σ_{t=s..e} scores[t] (Kadane). The run is never empty: if every
 * score is negative it is the single best bar. Ties as on {@link DecodedSpan}.
 */
export function maxScoringRun(scores: ArrayLike<number>): DecodedSpan {
  const n = scores.length;
  if (n === 0) throw new Error("maxScoringRun: no bars");
  let best = -Infinity;
  let bestStart = 0;
  let bestEnd = 0;
  let endingHere = -Infinity; // best sum of a run ending at the current bar
  let startHere = 0;
  for (let t = 0; t < n; t++) {
    const x = scores[t]!;
    if (Number.isNaN(x)) throw new Error(`maxScoringRun: score at bar ${t} is NaN`);
    // Extend only when the run so far strictly helps; at exactly 0, restarting keeps the later start.
    if (endingHere > 0) {
      endingHere += x;
    } else {
      endingHere = x;
      startHere = t;
    }
    // Strict improvement keeps the earliest end among ties.
    if (endingHere > best) {
      best = endingHere;
      bestStart = startHere;
      bestEnd = t;
    }
  }
  return { start: bestStart, end: bestEnd, score: best };
}

/**
 * Per-bar log-odds log(p/(1 − p)) with p clamped to the soft loss's [1e-7, 1 − 1e-7], so that a bar at
 * exactly 0 or 1 gives a finite ±16.1 instead of ∓∞ and the decoder sees the odds the loss trained on.
 */
export function spanLogOdds(p: ArrayLike<number>): Float64Array {
  const out = new Float64Array(p.length);
  for (let t = 0; t < p.length; t++) {
    const q = clampSpanProbability(p[t]!);
    out[t] = Math.log(q) - Math.log1p(-q);
  }
  return out;
}

/** Single-span decoding of one window's per-bar probabilities p (length T): the max-log-odds run. */
export function decodeSoftSpan(p: ArrayLike<number>): DecodedSpan {
  return maxScoringRun(spanLogOdds(p));
}

/** {@link decodeSoftSpan} for a batch: p is (B, T) row-major; returns one span per window. */
export function decodeSoftSpans(p: FloatArray, batch: number, bars: number): DecodedSpan[] {
  if (p.length !== batch * bars) throw new Error(`decodeSoftSpans: p length ${p.length} ≠ B ${batch} × T ${bars}`);
  const out: DecodedSpan[] = [];
  for (let b = 0; b < batch; b++) out.push(decodeSoftSpan(p.subarray(b * bars, (b + 1) * bars)));
  return out;
}

/**
 * Best single-run path of one sequence (tags 0…0 1…1 0…0). `base` is its offset into emissions (T, 2).
 *
 * States: before (tag 0, run not started), inside (tag 1), after (tag 0, run over). "before" has one
 * path, so it is a running prefix sum; "inside" is the Viterbi max over entering now vs continuing;
 * "after" has one path to the end, so it is a suffix sum computed backwards. The best end e maximises
 * inside[e] + after(e).
 */
function decodeCrfSequence(emissions: FloatArray, base: number, bars: number, params: CrfParams): DecodedSpan {
  const tr = params.transitions; // [0→0, 0→1, 1→0, 1→1]
  const e0 = (t: number): number => emissions[base + 2 * t]!;
  const e1 = (t: number): number => emissions[base + 2 * t + 1]!;

  // zeroSuffix[t]: tags 0 on bars t…T−1 — their emissions, the 0→0 transitions between them, end[0].
  const zeroSuffix = new Float64Array(bars);
  zeroSuffix[bars - 1] = e0(bars - 1) + params.end[0]!;
  for (let t = bars - 2; t >= 0; t--) zeroSuffix[t] = e0(t) + tr[0]! + zeroSuffix[t + 1]!;

  let before = 0; // score of tags 0 on bars 0…t−1 (start[0] included once t ≥ 1)
  let inside = -Infinity; // best score of a path whose run started somewhere and is still on at bar t
  let insideStart = 0;
  let best = -Infinity;
  let bestStart = 0;
  let bestEnd = 0;
  for (let t = 0; t < bars; t++) {
    const enter = t === 0 ? params.start[1]! + e1(0) : before + tr[1]! + e1(t);
    const extend = inside + tr[3]! + e1(t);
    // At equality entering now wins: the later start (shorter run) among ties.
    if (enter >= extend) {
      inside = enter;
      insideStart = t;
    } else {
      inside = extend;
    }
    const after = t === bars - 1 ? params.end[1]! : tr[2]! + zeroSuffix[t + 1]!;
    const total = inside + after;
    if (total > best) {
      // strict: the earliest end among ties
      best = total;
      bestStart = insideStart;
      bestEnd = t;
    }
    before = t === 0 ? params.start[0]! + e0(0) : before + tr[0]! + e0(t);
  }
  return { start: bestStart, end: bestEnd, score: best };
}

/**
 * Single-span decoding of the CRF head: for each window, the best tag path with exactly one run of
 * 1s, and its score under the CRF (start + emissions + transitions + end, unnormalised — subtract
 * log Z from `crfLogPartition` for the log-probability). Needs K = 2 (tag 1 = in span).
 *
 * @param emissions (B, T, 2)
 */
export function decodeCrfSpans(emissions: FloatArray, batch: number, bars: number, params: CrfParams): DecodedSpan[] {
  if (crfNumTags(params) !== 2) throw new Error(`decodeCrfSpans: needs K = 2 tags, got ${params.start.length}`);
  if (!Number.isInteger(batch) || batch < 1 || !Number.isInteger(bars) || bars < 1) {
    throw new Error(`decodeCrfSpans: batch and bars must be positive integers, got ${batch}, ${bars}`);
  }
  if (emissions.length !== batch * bars * 2) {
    throw new Error(`decodeCrfSpans: emissions length ${emissions.length} ≠ B ${batch} × T ${bars} × 2`);
  }
  const out: DecodedSpan[] = [];
  for (let b = 0; b < batch; b++) out.push(decodeCrfSequence(emissions, b * bars * 2, bars, params));
  return out;
}

/** {@link decodeCrfSpans} for a single window: emissions (T, 2). */
export function decodeCrfSpan(emissions: FloatArray, bars: number, params: CrfParams): DecodedSpan {
  return decodeCrfSpans(emissions, 1, bars, params)[0]!;
}

/**
 * Maximal runs of non-zero (or `true`) entries of a mask, as inclusive [start, end] pairs in order.
 * Treats the mask as one window; for (B, T) masks pass `subarray`s.
 */
export function runsFromMask(mask: ArrayLike<number | boolean>): Run[] {
  const runs: Run[] = [];
  let runStart = -1;
  for (let t = 0; t < mask.length; t++) {
    const on = Boolean(mask[t]);
    if (on && runStart < 0) runStart = t;
    if (!on && runStart >= 0) {
      runs.push([runStart, t - 1]);
      runStart = -1;
    }
  }
  if (runStart >= 0) runs.push([runStart, mask.length - 1]);
  return runs;
}

/** The runs at least `minLength` bars long (a run [s, e] has e − s + 1 bars). */
export function filterRunsByLength(runs: readonly Run[], minLength: number): Run[] {
  return runs.filter(([s, e]) => e - s + 1 >= minLength);
}

/**
 * A copy of a binary mask (0/1 out) with every run shorter than `minLength` bars switched off — the
 * minimum-run-length filter of threshold decoding. The mask may hold several windows of `bars` bars
 * back to back ((B, T) flattened); runs never join across a window boundary.
 */
export function removeShortRuns(mask: ArrayLike<number | boolean>, minLength: number, bars: number = mask.length): Uint8Array {
  if (mask.length === 0) return new Uint8Array(0);
  if (!Number.isInteger(bars) || bars < 1 || mask.length % bars !== 0) {
    throw new Error(`removeShortRuns: mask length ${mask.length} is not a multiple of bars ${bars}`);
  }
  const out = new Uint8Array(mask.length);
  for (let base = 0; base < mask.length; base += bars) {
    const window = Array.from({ length: bars }, (_, t) => mask[base + t]!);
    for (const [s, e] of filterRunsByLength(runsFromMask(window), minLength)) out.fill(1, base + s, base + e + 1);
  }
  return out;
}
