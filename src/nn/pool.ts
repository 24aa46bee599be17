/**
 * Mean over time: (B, T, C) → (B, C), the pooled branch of JadeCompact (class and pointer heads read the
 * whole window's summary).
 *
 * Runs the wasm kernel when all arrays are views in one arena (the 3360×192 LSTM output streams at SIMD
 * width: ~0.1 ms instead of ~1 ms in JS); otherwise the TypeScript `*Reference` twin.
 *
 * Gradient convention (llm.c's): backward ADDS into dx — the LSTM output also receives gradients from the
 * per-bar heads.
 */
import { type FloatArray, requireLength } from "./matmul.js";
import { kernelsFor } from "./wasm.js";

/** out[b, c] = (1/T) Σ_t x[b, t, c]. Overwrites out. */
export function meanPoolForward(out: FloatArray, x: FloatArray, b: number, t: number, c: number): void {
  requireLength(out, b * c, "meanPoolForward out");
  requireLength(x, b * t * c, "meanPoolForward x");
  const wasm = kernelsFor(out, x);
  if (wasm === undefined) {
    meanPoolForwardReference(out, x, b, t, c);
    return;
  }
  wasm.meanPoolForward(out.byteOffset, x.byteOffset, b, t, c);
}

/** TypeScript twin of {@link meanPoolForward}. */
export function meanPoolForwardReference(out: FloatArray, x: FloatArray, b: number, t: number, c: number): void {
  const scale = 1 / t;
  for (let n = 0; n < b; n++) {
    const row = n * c;
    out.fill(0, row, row + c);
    for (let s = 0; s < t; s++) {
      const from = (n * t + s) * c;
      for (let k = 0; k < c; k++) out[row + k]! += x[from + k]!;
    }
    for (let k = 0; k < c; k++) out[row + k]! *= scale;
  }
}

/** dx[b, t, c] += dout[b, c] / T for every t. */
export function meanPoolBackward(dx: FloatArray, dout: FloatArray, b: number, t: number, c: number): void {
  requireLength(dx, b * t * c, "meanPoolBackward dx");
  requireLength(dout, b * c, "meanPoolBackward dout");
  const wasm = kernelsFor(dx, dout);
  if (wasm === undefined) {
    meanPoolBackwardReference(dx, dout, b, t, c);
    return;
  }
  wasm.meanPoolBackward(dx.byteOffset, dout.byteOffset, b, t, c);
}

/** TypeScript twin of {@link meanPoolBackward}. */
export function meanPoolBackwardReference(dx: FloatArray, dout: FloatArray, b: number, t: number, c: number): void {
  const scale = 1 / t;
  for (let n = 0; n < b; n++) {
    const row = n * c;
    for (let s = 0; s < t; s++) {
      const to = (n * t + s) * c;
      for (let k = 0; k < c; k++) dx[to + k]! += dout[row + k]! * scale;
    }
  }
}
