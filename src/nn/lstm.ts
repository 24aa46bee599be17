/**
 * One-layer bidirectional LSTM with PyTorch semantics (`nn.LSTM(F, H, batch_first=True, bidirectional=True)`):
 * gate order i, f, g, o; two bias vectors (b_ih, b_hh); zero initial state; the reverse direction runs
 * t = T−1 … 0 with its own `_reverse` weights; output (B, T, 2H) = forward ‖ reverse along the last axis.
 *
 * Per step (one direction):  gates = x_t·W_ihᵀ + b_ih + h_prev·W_hhᵀ + b_hh
 *   i, f, o = σ(gates_i, gates_f, gates_o);  g = tanh(gates_g);  c = f⊙c_prev + i⊙g;  h = o⊙tanh(c)
 *
 * Layout (why the cache looks the way it does). Inside the cache everything is TIME-MAJOR: x is copied to
 * `xSteps` (T, B, F) so that
 *   - the input projection of all bars is ONE (T·B × F)·(F × 4H) product per direction, written straight
 *     into `gates` (T, B, 4H) with both biases folded in;
 *   - each step's gates are one contiguous (B × 4H) block, to which the recurrent product h_prev·W_hhᵀ is
 *     accumulated in place; the fused cell kernel then overwrites them with the activations i, f, g, o,
 *     which is exactly what the backward needs;
 *   - the weight gradients become single big products after the backward recurrence:
 *     dW_hh += dGatesᵀ·H_prev (K = T·B), dW_ih += dGatesᵀ·X, dx = dGates·W_ih.
 * W_ih and W_hh are kept transposed (`weightIhT` (F, 4H), `weightHhT` (H, 4H)), repacked each forward, so
 * both forward products are the SIMD-friendly A·B form.
 *
 * `hidden` and `cell` have T+1 slots of (B, H): slot 0 (forward) / slot T (reverse) is the zero initial
 * state, so h_prev of every step, including the first, is a plain slot — forward step t reads slot t and
 * writes slot t+1; reverse step t reads slot t+1 and writes slot t. Hence, for both directions, the
 * previous-hidden rows of t = 0 … T−1 are contiguous: one matrix for the dW_hh product.
 *
 * Gradient convention (llm.c's): `bilstmBackward` ADDS into dx and every weight/bias gradient; the caller
 * zeroes gradients once per step. `dout` is read only.
 *
 * `bilstmForward`/`bilstmBackward` run the WebAssembly kernels when out, x, dout, dx, all weights,
 * gradients and the cache live in ONE arena (see wasm.ts); otherwise they fall back to the
 * `*Reference` twins, which take the same arguments and also run in float64 (gradient checks).
 */
import { type FloatArray, requireLength } from "./matmul.js";
import { type KernelExports, kernelsFor } from "./wasm.js";
import {
  addBatchMajor,
  cacheViews,
  checkCall,
  checkWeights,
  ownSlot,
  packWeights,
  previousSlot,
  toTimeMajor,
  weightViews,
  zeroSlot,
  type BiLstmCache,
  type BiLstmWeights,
  type LstmDirectionCache,
  type LstmWeights,
} from "./lstm_cache.js";

export { biLstmCacheFloats, createBiLstmCache } from "./lstm_cache.js";
export type { BiLstmCache, BiLstmWeights, LstmDirectionCache, LstmWeights } from "./lstm_cache.js";

/**
 * out (B, T, 2H) = BiLSTM(x (B, T, F)); fills `cache` for {@link bilstmBackward}. Overwrites `out`.
 * B ≤ cache.maxBatch and T ≤ cache.maxSteps; F and H must match the cache.
 */
export function bilstmForward(
  out: Float32Array,
  x: Float32Array,
  b: number,
  t: number,
  f: number,
  h: number,
  weights: BiLstmWeights<Float32Array>,
  cache: BiLstmCache<Float32Array>,
): void {
  checkCall("bilstmForward", cache, b, t, f, h);
  checkWeights("bilstmForward", weights, f, h);
  requireLength(out, b * t * 2 * h, "bilstmForward out");
  requireLength(x, b * t * f, "bilstmForward x");
  const wasm = kernelsFor(out, x, ...weightViews(weights), ...cacheViews(cache));
  if (wasm === undefined) {
    bilstmForwardReference(out, x, b, t, f, h, weights, cache);
    return;
  }
  cache.batch = b;
  cache.steps = t;
  toTimeMajor(cache.xSteps, x, b, t, f);
  directionForwardWasm(wasm, cache.forward, weights.forward, false, out, cache.xSteps, b, t, f, h);
  directionForwardWasm(wasm, cache.reverse, weights.reverse, true, out, cache.xSteps, b, t, f, h);
}

function directionForwardWasm(
  wasm: KernelExports,
  c: LstmDirectionCache<Float32Array>,
  w: LstmWeights<Float32Array>,
  reverse: boolean,
  out: Float32Array,
  xSteps: Float32Array,
  b: number,
  t: number,
  f: number,
  h: number,
): void {
  const g = 4 * h;
  const bh = b * h;
  packWeights(c, w, f, h);
  // All bars' input projections with both biases, one product: gates (T·B × 4H) = X·W_ihᵀ + b_ih + b_hh.
  wasm.gemm(c.gates.byteOffset, xSteps.byteOffset, c.weightIhT.byteOffset, c.biasSum.byteOffset, t * b, g, f, f, 1, g, g, 0);
  const zero = zeroSlot(reverse, t) * bh;
  c.hidden.fill(0, zero, zero + bh);
  c.cell.fill(0, zero, zero + bh);
  const outStride = t * 2 * h;
  for (let s = 0; s < t; s++) {
    const time = reverse ? t - 1 - s : s;
    const gates = c.gates.byteOffset + time * b * g * 4;
    const prev = previousSlot(reverse, time) * bh * 4;
    const own = ownSlot(reverse, time) * bh * 4;
    // h_prev is zero on the first step: skip its product.
    if (s > 0) wasm.gemm(gates, c.hidden.byteOffset + prev, c.weightHhT.byteOffset, 0, b, g, h, h, 1, g, g, 1);
    wasm.lstmCellForward(
      gates,
      c.cell.byteOffset + prev,
      c.cell.byteOffset + own,
      c.tanhCell.byteOffset + time * bh * 4,
      c.hidden.byteOffset + own,
      out.byteOffset + (time * 2 * h + (reverse ? h : 0)) * 4,
      outStride,
      b,
      h,
    );
  }
}

/** TypeScript twin of {@link bilstmForward} (same cache contents); generic so it also runs in float64. */
export function bilstmForwardReference<A extends FloatArray>(
  out: FloatArray,
  x: FloatArray,
  b: number,
  t: number,
  f: number,
  h: number,
  weights: BiLstmWeights<FloatArray>,
  cache: BiLstmCache<A>,
): void {
  checkCall("bilstmForwardReference", cache, b, t, f, h);
  checkWeights("bilstmForwardReference", weights, f, h);
  cache.batch = b;
  cache.steps = t;
  toTimeMajor(cache.xSteps, x, b, t, f);
  directionForwardReference(cache.forward, weights.forward, false, out, cache.xSteps, b, t, f, h);
  directionForwardReference(cache.reverse, weights.reverse, true, out, cache.xSteps, b, t, f, h);
}

function sigmoid(v: number): number {
  return 1 / (1 + Math.exp(-v));
}

function directionForwardReference<A extends FloatArray>(
  c: LstmDirectionCache<A>,
  w: LstmWeights<FloatArray>,
  reverse: boolean,
  out: FloatArray,
  xSteps: FloatArray,
  b: number,
  t: number,
  f: number,
  h: number,
): void {
  const g = 4 * h;
  const bh = b * h;
  packWeights(c, w, f, h);
  const zero = zeroSlot(reverse, t) * bh;
  c.hidden.fill(0, zero, zero + bh);
  c.cell.fill(0, zero, zero + bh);
  for (let s = 0; s < t; s++) {
    const time = reverse ? t - 1 - s : s;
    const prev = previousSlot(reverse, time) * bh;
    const own = ownSlot(reverse, time) * bh;
    for (let n = 0; n < b; n++) {
      const row = (time * b + n) * g;
      const x = (time * b + n) * f;
      const hPrev = prev + n * h;
      for (let r = 0; r < g; r++) {
        let sum = w.biasIh[r]! + w.biasHh[r]!;
        for (let k = 0; k < f; k++) sum += xSteps[x + k]! * w.weightIh[r * f + k]!;
        for (let k = 0; k < h; k++) sum += c.hidden[hPrev + k]! * w.weightHh[r * h + k]!;
        c.gates[row + r] = sum;
      }
      for (let j = 0; j < h; j++) {
        const i = sigmoid(c.gates[row + j]!);
        const fg = sigmoid(c.gates[row + h + j]!);
        const gg = Math.tanh(c.gates[row + 2 * h + j]!);
        const o = sigmoid(c.gates[row + 3 * h + j]!);
        c.gates[row + j] = i;
        c.gates[row + h + j] = fg;
        c.gates[row + 2 * h + j] = gg;
        c.gates[row + 3 * h + j] = o;
        const cell = fg * c.cell[prev + n * h + j]! + i * gg;
        c.cell[own + n * h + j] = cell;
        const tc = Math.tanh(cell);
        c.tanhCell[time * bh + n * h + j] = tc;
        const hidden = o * tc;
        c.hidden[own + n * h + j] = hidden;
        out[(n * t + time) * 2 * h + (reverse ? h : 0) + j] = hidden;
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------------------
// Backward

/**
 * Backpropagation through time for the last {@link bilstmForward} on `cache` (same B and T), accumulating:
 *   dx (B, T, F) += ∂L/∂x (skipped when `dx` is null — the model's input needs no gradient),
 *   grads.{forward,reverse}.{weightIh, weightHh, biasIh, biasHh} += ∂L/∂(the same parameter),
 * given dout = ∂L/∂out (B, T, 2H). `weights` must be those of the forward. The cache stays valid (the
 * backward only writes its scratch), so the backward may be repeated.
 */
export function bilstmBackward(
  dx: Float32Array | null,
  grads: BiLstmWeights<Float32Array>,
  dout: Float32Array,
  b: number,
  t: number,
  f: number,
  h: number,
  weights: BiLstmWeights<Float32Array>,
  cache: BiLstmCache<Float32Array>,
): void {
  checkBackward("bilstmBackward", dx, grads, dout, b, t, f, h, weights, cache);
  const views = [dout, ...weightViews(grads), ...weightViews(weights), ...cacheViews(cache)];
  if (dx !== null) views.push(dx);
  const wasm = kernelsFor(...views);
  if (wasm === undefined) {
    bilstmBackwardReference(dx, grads, dout, b, t, f, h, weights, cache);
    return;
  }
  directionBackwardWasm(wasm, cache, cache.forward, grads.forward, weights.forward, false, dx !== null, dout, b, t, f, h);
  directionBackwardWasm(wasm, cache, cache.reverse, grads.reverse, weights.reverse, true, dx !== null, dout, b, t, f, h);
  if (dx !== null) addBatchMajor(dx, cache.dxSteps, b, t, f);
}

function checkBackward<A extends FloatArray>(
  kind: string,
  dx: FloatArray | null,
  grads: BiLstmWeights<FloatArray>,
  dout: FloatArray,
  b: number,
  t: number,
  f: number,
  h: number,
  weights: BiLstmWeights<FloatArray>,
  cache: BiLstmCache<A>,
): void {
  checkCall(kind, cache, b, t, f, h);
  if (cache.batch !== b || cache.steps !== t) {
    throw new Error(`${kind}: the cache holds a forward of B=${cache.batch}, T=${cache.steps}; called with B=${b}, T=${t}`);
  }
  checkWeights(kind, weights, f, h);
  checkWeights(`${kind} grads`, grads, f, h);
  requireLength(dout, b * t * 2 * h, `${kind} dout`);
  if (dx !== null) requireLength(dx, b * t * f, `${kind} dx`);
}

function directionBackwardWasm(
  wasm: KernelExports,
  cache: BiLstmCache<Float32Array>,
  c: LstmDirectionCache<Float32Array>,
  grad: LstmWeights<Float32Array>,
  w: LstmWeights<Float32Array>,
  reverse: boolean,
  wantDx: boolean,
  dout: Float32Array,
  b: number,
  t: number,
  f: number,
  h: number,
): void {
  const g = 4 * h;
  const bh = b * h;
  c.dCell.fill(0, 0, bh);
  c.dHidden.fill(0, 0, bh);
  const doutStride = t * 2 * h;
  for (let s = t - 1; s >= 0; s--) {
    // Backward visits the steps in the opposite order of the forward.
    const time = reverse ? t - 1 - s : s;
    if (s < t - 1) {
      // Recurrent gradient into this step's h from the step processed just before: dh = dGates_next · W_hh.
      const next = reverse ? time - 1 : time + 1;
      wasm.gemm(c.dHidden.byteOffset, c.dGates.byteOffset + next * b * g * 4, w.weightHh.byteOffset, 0, b, h, g, g, 1, h, h, 0);
    }
    wasm.lstmCellBackward(
      c.dGates.byteOffset + time * b * g * 4,
      c.dHidden.byteOffset,
      c.dCell.byteOffset,
      dout.byteOffset + (time * 2 * h + (reverse ? h : 0)) * 4,
      doutStride,
      c.gates.byteOffset + time * b * g * 4,
      c.cell.byteOffset + previousSlot(reverse, time) * bh * 4,
      c.tanhCell.byteOffset + time * bh * 4,
      b,
      h,
    );
  }
  const rows = t * b;
  // dW_hh += Σ_t dGates_tᵀ·h_prev(t): the h_prev slots of t = 0…T−1 are contiguous (module comment).
  wasm.gemm(grad.weightHh.byteOffset, c.dGates.byteOffset, c.hidden.byteOffset + previousSlot(reverse, 0) * bh * 4, 0, g, h, rows, 1, g, h, h, 1);
  wasm.gemm(grad.weightIh.byteOffset, c.dGates.byteOffset, cache.xSteps.byteOffset, 0, g, f, rows, 1, g, f, f, 1);
  c.dBias.fill(0, 0, g);
  wasm.addColumnSums(c.dBias.byteOffset, c.dGates.byteOffset, rows, g, g);
  for (let r = 0; r < g; r++) {
    grad.biasIh[r]! += c.dBias[r]!;
    grad.biasHh[r]! += c.dBias[r]!;
  }
  // dX (T·B × F) = dGates · W_ih; the reverse direction adds to the forward's.
  if (wantDx) wasm.gemm(cache.dxSteps.byteOffset, c.dGates.byteOffset, w.weightIh.byteOffset, 0, rows, f, g, g, 1, f, f, reverse ? 1 : 0);
}

/** TypeScript twin of {@link bilstmBackward}; generic so it also runs in float64. */
export function bilstmBackwardReference<A extends FloatArray>(
  dx: FloatArray | null,
  grads: BiLstmWeights<FloatArray>,
  dout: FloatArray,
  b: number,
  t: number,
  f: number,
  h: number,
  weights: BiLstmWeights<FloatArray>,
  cache: BiLstmCache<A>,
): void {
  checkBackward("bilstmBackwardReference", dx, grads, dout, b, t, f, h, weights, cache);
  cache.dxSteps.fill(0, 0, t * b * f);
  directionBackwardReference(cache, cache.forward, grads.forward, weights.forward, false, dout, b, t, f, h);
  directionBackwardReference(cache, cache.reverse, grads.reverse, weights.reverse, true, dout, b, t, f, h);
  if (dx !== null) addBatchMajor(dx, cache.dxSteps, b, t, f);
}

function directionBackwardReference<A extends FloatArray>(
  cache: BiLstmCache<A>,
  c: LstmDirectionCache<A>,
  grad: LstmWeights<FloatArray>,
  w: LstmWeights<FloatArray>,
  reverse: boolean,
  dout: FloatArray,
  b: number,
  t: number,
  f: number,
  h: number,
): void {
  const g = 4 * h;
  const bh = b * h;
  c.dCell.fill(0, 0, bh);
  c.dHidden.fill(0, 0, bh);
  for (let s = t - 1; s >= 0; s--) {
    const time = reverse ? t - 1 - s : s;
    const prev = previousSlot(reverse, time) * bh;
    for (let n = 0; n < b; n++) {
      const row = (time * b + n) * g;
      for (let j = 0; j < h; j++) {
        const i = c.gates[row + j]!;
        const fg = c.gates[row + h + j]!;
        const gg = c.gates[row + 2 * h + j]!;
        const o = c.gates[row + 3 * h + j]!;
        const tc = c.tanhCell[time * bh + n * h + j]!;
        const dh = c.dHidden[n * h + j]! + dout[(n * t + time) * 2 * h + (reverse ? h : 0) + j]!;
        const dc = c.dCell[n * h + j]! + dh * o * (1 - tc * tc);
        c.dGates[row + j] = dc * gg * i * (1 - i);
        c.dGates[row + h + j] = dc * c.cell[prev + n * h + j]! * fg * (1 - fg);
        c.dGates[row + 2 * h + j] = dc * i * (1 - gg * gg);
        c.dGates[row + 3 * h + j] = dh * tc * o * (1 - o);
        c.dCell[n * h + j] = dc * fg;
      }
    }
    // Recurrent gradient for the step processed next (h_prev of this one): dh_prev = dGates_t · W_hh.
    for (let n = 0; n < b; n++) {
      const row = (time * b + n) * g;
      for (let k = 0; k < h; k++) {
        let sum = 0;
        for (let r = 0; r < g; r++) sum += c.dGates[row + r]! * w.weightHh[r * h + k]!;
        c.dHidden[n * h + k] = sum;
      }
    }
    // Parameter and input gradients of this step.
    for (let n = 0; n < b; n++) {
      const row = (time * b + n) * g;
      const hPrev = prev + n * h;
      const x = (time * b + n) * f;
      for (let r = 0; r < g; r++) {
        const d = c.dGates[row + r]!;
        grad.biasIh[r]! += d;
        grad.biasHh[r]! += d;
        for (let k = 0; k < h; k++) grad.weightHh[r * h + k]! += d * c.hidden[hPrev + k]!;
        for (let k = 0; k < f; k++) {
          grad.weightIh[r * f + k]! += d * cache.xSteps[x + k]!;
          cache.dxSteps[x + k]! += d * w.weightIh[r * f + k]!;
        }
      }
    }
  }
}
