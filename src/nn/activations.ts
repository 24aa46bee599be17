/**
 * Elementwise activations with their backward passes: ReLU (projection layer) and the logistic sigmoid
 * (pointer head, per-bar span probability). Plain TypeScript: they touch a few thousand floats per step,
 * so a wasm call would buy nothing.
 *
 * Gradient convention (llm.c's): backward ADDS into dx. Both backward passes read the forward's OUTPUT,
 * not its input, so the forward may run in place (`out === x`).
 */
import type { FloatArray } from "./matmul.js";

/** out[i] = max(0, x[i]) for i < n. */
export function reluForward(out: FloatArray, x: FloatArray, n: number): void {
  for (let i = 0; i < n; i++) {
    const v = x[i]!;
    out[i] = Math.max(v, 0);
  }
}

/** dx[i] += dout[i] where the forward passed its input (out[i] > 0 ⇔ x[i] > 0); the kink at 0 gets 0. */
export function reluBackward(dx: FloatArray, dout: FloatArray, out: FloatArray, n: number): void {
  for (let i = 0; i < n; i++) if (out[i]! > 0) dx[i]! += dout[i]!;
}

/** out[i] = 1 / (1 + e^{−x[i]}), evaluated on the side where the exponential cannot overflow. */
export function sigmoidForward(out: FloatArray, x: FloatArray, n: number): void {
  for (let i = 0; i < n; i++) {
    const v = x[i]!;
    if (v >= 0) {
      out[i] = 1 / (1 + Math.exp(-v));
    } else {
      const e = Math.exp(v);
      out[i] = e / (1 + e);
    }
  }
}

/** dx[i] += dout[i] · σ(x)(1 − σ(x)), from the forward's output σ(x). */
export function sigmoidBackward(dx: FloatArray, dout: FloatArray, out: FloatArray, n: number): void {
  for (let i = 0; i < n; i++) {
    const s = out[i]!;
    dx[i]! += dout[i]! * s * (1 - s);
  }
}
