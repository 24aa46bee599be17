/**
 * Fully connected layer with PyTorch's weight layout: y = x·Wᵀ + b, W of shape (out, in).
 *
 * Gradient convention (llm.c's): every backward ADDS into all its gradient outputs — dx, dWeight and
 * dBias — so gradients flowing into one tensor from several consumers (the LSTM output feeds the pool and
 * two per-bar heads) just accumulate. The caller zeroes gradient buffers once per step.
 *
 * Both functions run the WebAssembly kernels when every array is a view in one arena's memory and fall
 * back to the `*Reference` twins otherwise (see matmul.ts).
 */
import { type FloatArray, requireLength } from "./matmul.js";
import { kernelsFor } from "./wasm.js";

function checkLinear(kind: string, rows: number, inFeatures: number, outFeatures: number, tensors: [FloatArray | null, number, string][]): void {
  for (const [name, value] of [
    ["rows", rows],
    ["inFeatures", inFeatures],
    ["outFeatures", outFeatures],
  ] as const) {
    if (!Number.isInteger(value) || value < 0) throw new Error(`${kind}: ${name} must be a non-negative integer, got ${value}`);
  }
  for (const [array, needed, what] of tensors) if (array !== null) requireLength(array, needed, `${kind} ${what}`);
}

/**
 * out[rows×outF] = x[rows×inF] · weight[outF×inF]ᵀ + bias[outF] (overwrites `out`; `bias` may be null).
 */
export function linearForward(
  out: FloatArray,
  x: FloatArray,
  weight: FloatArray,
  bias: FloatArray | null,
  rows: number,
  inFeatures: number,
  outFeatures: number,
): void {
  checkLinear("linearForward", rows, inFeatures, outFeatures, [
    [out, rows * outFeatures, "out"],
    [x, rows * inFeatures, "x"],
    [weight, outFeatures * inFeatures, "weight"],
    [bias, outFeatures, "bias"],
  ]);
  const wasm = bias === null ? kernelsFor(out, x, weight) : kernelsFor(out, x, weight, bias);
  if (wasm === undefined) {
    linearForwardReference(out, x, weight, bias, rows, inFeatures, outFeatures);
    return;
  }
  wasm.gemmNT(
    out.byteOffset,
    x.byteOffset,
    weight.byteOffset,
    bias === null ? 0 : bias.byteOffset,
    rows,
    outFeatures,
    inFeatures,
    inFeatures,
    inFeatures,
    outFeatures,
    0,
  );
}

/** TypeScript twin of {@link linearForward}. */
export function linearForwardReference(
  out: FloatArray,
  x: FloatArray,
  weight: FloatArray,
  bias: FloatArray | null,
  rows: number,
  inFeatures: number,
  outFeatures: number,
): void {
  for (let r = 0; r < rows; r++) {
    for (let o = 0; o < outFeatures; o++) {
      let sum = bias === null ? 0 : bias[o]!;
      for (let i = 0; i < inFeatures; i++) sum += x[r * inFeatures + i]! * weight[o * inFeatures + i]!;
      out[r * outFeatures + o] = sum;
    }
  }
}

/**
 * Backward of {@link linearForward}, accumulating:
 *   dx[rows×inF] += dout·weight,  dWeight[outF×inF] += doutᵀ·x,  dBias[outF] += Σ_rows dout.
 * `dx` may be null when the input needs no gradient; `dBias` may be null for a bias-free layer.
 */
export function linearBackward(
  dx: FloatArray | null,
  dWeight: FloatArray,
  dBias: FloatArray | null,
  dout: FloatArray,
  x: FloatArray,
  weight: FloatArray,
  rows: number,
  inFeatures: number,
  outFeatures: number,
): void {
  checkLinear("linearBackward", rows, inFeatures, outFeatures, [
    [dx, rows * inFeatures, "dx"],
    [dWeight, outFeatures * inFeatures, "dWeight"],
    [dBias, outFeatures, "dBias"],
    [dout, rows * outFeatures, "dout"],
    [x, rows * inFeatures, "x"],
    [weight, outFeatures * inFeatures, "weight"],
  ]);
  const views: FloatArray[] = [dWeight, dout, x, weight];
  if (dx !== null) views.push(dx);
  if (dBias !== null) views.push(dBias);
  const wasm = kernelsFor(...views);
  if (wasm === undefined) {
    linearBackwardReference(dx, dWeight, dBias, dout, x, weight, rows, inFeatures, outFeatures);
    return;
  }
  if (dx !== null) {
    // dx (rows×in) += dout (rows×out) · W (out×in): NN form.
    wasm.gemm(dx.byteOffset, dout.byteOffset, weight.byteOffset, 0, rows, inFeatures, outFeatures, outFeatures, 1, inFeatures, inFeatures, 1);
  }
  // dW (out×in) += doutᵀ (out×rows) · x (rows×in): TN form, a reads down dout's columns.
  wasm.gemm(dWeight.byteOffset, dout.byteOffset, x.byteOffset, 0, outFeatures, inFeatures, rows, 1, outFeatures, inFeatures, inFeatures, 1);
  if (dBias !== null) wasm.addColumnSums(dBias.byteOffset, dout.byteOffset, rows, outFeatures, outFeatures);
}

/** TypeScript twin of {@link linearBackward}. */
export function linearBackwardReference(
  dx: FloatArray | null,
  dWeight: FloatArray,
  dBias: FloatArray | null,
  dout: FloatArray,
  x: FloatArray,
  weight: FloatArray,
  rows: number,
  inFeatures: number,
  outFeatures: number,
): void {
  for (let r = 0; r < rows; r++) {
    for (let o = 0; o < outFeatures; o++) {
      const g = dout[r * outFeatures + o]!;
      if (dBias !== null) dBias[o]! += g;
      for (let i = 0; i < inFeatures; i++) {
        if (dx !== null) dx[r * inFeatures + i]! += g * weight[o * inFeatures + i]!;
        dWeight[o * inFeatures + i]! += g * x[r * inFeatures + i]!;
      }
    }
  }
}
