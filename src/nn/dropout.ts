/**
 * Inverted dropout: at training time each element is kept with probability 1 − p and scaled by 1/(1 − p),
 * so activations keep their expectation and evaluation is the identity (no rescaling at eval).
 *
 * The mask is a float array of scale factors (0 or 1/(1 − p)) drawn once per step from the `Rng` passed in
 * (the only randomness source), then used by both forward and backward, so they agree by construction.
 *
 * Speed matters here: the per-bar dropouts need ~650k draws per step each, and calling `Rng.nextUint32` per
 * draw cost ~40 ns (its state words are unsigned, so V8 keeps them as boxed doubles): 13 ms per mask. So a
 * mask takes 16 words from the Rng to seed four interleaved xoshiro128** streams (the Rng's own generator),
 * run as the four i32x4 lanes of a wasm kernel — or, for arrays outside an arena, by the TypeScript twin
 * that produces the identical mask. Each 32-bit output gives two 16-bit draws, so the keep probability is
 * round((1−p)·2¹⁶)/2¹⁶, within 8e-6 of 1 − p. Deterministic given the Rng's state; 0.1 ms per 650k mask.
 *
 * Forward and backward run wasm kernels when all arrays are views in one arena (~0.15 ms instead of ~1.2 ms
 * in JS for a 3360×192 activation), otherwise their TypeScript `*Reference` twins.
 *
 * Gradient convention (llm.c's): backward ADDS into dx.
 */
import type { Rng } from "../util/rng.js";
import { type FloatArray, requireLength } from "./matmul.js";
import { kernelsFor } from "./wasm.js";

/** Fills mask[0..n) with 0 (dropped, probability p) or 1/(1 − p) (kept). p = 0 keeps everything. */
export function drawDropoutMask(mask: FloatArray, n: number, p: number, rng: Rng): void {
  if (!(p >= 0 && p < 1)) throw new Error(`dropout probability must be in [0, 1), got ${p}`);
  requireLength(mask, n, "drawDropoutMask mask");
  if (p === 0) {
    mask.fill(1, 0, n);
    return;
  }
  const scale = 1 / (1 - p);
  // Keep when a uniform 16-bit draw is ≥ the drop threshold.
  const threshold = Math.round(p * 65536);
  // Stream l's state words are seeds[4l … 4l+3]; `| 1` keeps every stream's state nonzero.
  const seeds = Array.from({ length: 16 }, (_, i) => (i % 4 === 3 ? rng.nextUint32() | 1 : rng.nextUint32() | 0));
  const wasm = kernelsFor(mask);
  if (wasm === undefined) {
    fillDropoutMaskReference(mask, n, threshold, scale, seeds);
    return;
  }
  const [a0, a1, a2, a3, b0, b1, b2, b3, c0, c1, c2, c3, d0, d1, d2, d3] = seeds as SeedWords;
  wasm.dropoutMask(mask.byteOffset, n, threshold, scale, a0, a1, a2, a3, b0, b1, b2, b3, c0, c1, c2, c3, d0, d1, d2, d3);
}

/** The 16 seed words, as `drawDropoutMask` makes them (`Array.from` of length 16). */
type SeedWords = [number, number, number, number, number, number, number, number, number, number, number, number, number, number, number, number];

/**
 * TypeScript twin of the wasm mask kernel: four xoshiro128** streams, step k of stream l deciding elements
 * 8k + l (low 16 bits) and 8k + 4 + l (high 16 bits). Arithmetic on int32 (`| 0`, Math.imul) as in the lanes.
 */
export function fillDropoutMaskReference(mask: FloatArray, n: number, threshold: number, scale: number, seeds: readonly number[]): void {
  const state = Int32Array.from(seeds);
  for (let i = 0; i < n; i += 8) {
    for (let l = 0; l < 4; l++) {
      let s0 = state[4 * l]!;
      let s1 = state[4 * l + 1]!;
      let s2 = state[4 * l + 2]!;
      let s3 = state[4 * l + 3]!;
      const m = Math.imul(s1, 5);
      const bits = Math.imul((m << 7) | (m >>> 25), 9);
      const t = s1 << 9;
      s2 ^= s0;
      s3 ^= s1;
      s1 ^= s2;
      s0 ^= s3;
      s2 ^= t;
      s3 = (s3 << 11) | (s3 >>> 21);
      state[4 * l] = s0;
      state[4 * l + 1] = s1;
      state[4 * l + 2] = s2;
      state[4 * l + 3] = s3;
      // Branch-free keep test: (draw − threshold) is negative exactly when dropped, so its sign bit is the
      // drop flag (a `? :` here mispredicts half the time).
      if (i + l < n) mask[i + l] = scale * (1 - (((bits & 0xffff) - threshold) >>> 31));
      if (i + 4 + l < n) mask[i + 4 + l] = scale * (1 - (((bits >>> 16) - threshold) >>> 31));
    }
  }
}

/** out = x ⊙ mask; a null mask (evaluation) makes it the identity. `out` may be `x`. */
export function dropoutForward(out: FloatArray, x: FloatArray, mask: FloatArray | null, n: number): void {
  requireLength(out, n, "dropoutForward out");
  requireLength(x, n, "dropoutForward x");
  if (mask === null) {
    if (out !== x) out.set(x.subarray(0, n));
    return;
  }
  requireLength(mask, n, "dropoutForward mask");
  const wasm = kernelsFor(out, x, mask);
  if (wasm === undefined) {
    dropoutForwardReference(out, x, mask, n);
    return;
  }
  wasm.multiply(out.byteOffset, x.byteOffset, mask.byteOffset, n);
}

/** TypeScript twin of {@link dropoutForward}. */
export function dropoutForwardReference(out: FloatArray, x: FloatArray, mask: FloatArray | null, n: number): void {
  for (let i = 0; i < n; i++) out[i] = mask === null ? x[i]! : x[i]! * mask[i]!;
}

/** dx += dout ⊙ mask (null mask: dx += dout). */
export function dropoutBackward(dx: FloatArray, dout: FloatArray, mask: FloatArray | null, n: number): void {
  requireLength(dx, n, "dropoutBackward dx");
  requireLength(dout, n, "dropoutBackward dout");
  if (mask !== null) requireLength(mask, n, "dropoutBackward mask");
  const wasm = mask === null ? kernelsFor(dx, dout) : kernelsFor(dx, dout, mask);
  if (wasm === undefined) {
    dropoutBackwardReference(dx, dout, mask, n);
    return;
  }
  if (mask === null) wasm.add(dx.byteOffset, dout.byteOffset, n);
  else wasm.multiplyAdd(dx.byteOffset, dout.byteOffset, mask.byteOffset, n);
}

/** TypeScript twin of {@link dropoutBackward}. */
export function dropoutBackwardReference(dx: FloatArray, dout: FloatArray, mask: FloatArray | null, n: number): void {
  for (let i = 0; i < n; i++) dx[i]! += mask === null ? dout[i]! : dout[i]! * mask[i]!;
}
