/**
 * Dense matrix products, row-major, in the three forms a forward/backward pair needs:
 *
 *   matmul        out[M×N] (+)= a[M×K] · b[K×N]
 *   matmulTransB  out[M×N] (+)= a[M×K] · b[N×K]ᵀ    (x·Wᵀ with a PyTorch (out, in) weight)
 *   matmulTransA  out[M×N] (+)= a[K×M]ᵀ · b[K×N]    (weight gradients: dyᵀ·x)
 *
 * `accumulate` adds into `out` instead of overwriting it. `out` must not overlap `a` or `b`.
 *
 * Each takes any Float32Array/Float64Array. When every argument is a Float32Array view in the memory of
 * one {@link Arena}, the call runs the WebAssembly SIMD kernel (register-blocked f32x4 micro-tiles);
 * otherwise it falls back to the TypeScript `*Reference` twin with the same signature (which also runs in
 * float64, for finite-difference gradient checks). Shapes are checked against the view lengths before
 * any wasm call, because an out-of-range write in wasm would silently corrupt a neighbouring tensor.
 */
import { kernelsFor } from "./wasm.js";

/** The float arrays the kernels accept: float32 for training, float64 for gradient checks. */
export type FloatArray = Float32Array | Float64Array;

/** Throws unless `array` holds at least `needed` elements; `what` names it in the message. */
export function requireLength(array: ArrayLike<number>, needed: number, what: string): void {
  if (array.length < needed) throw new Error(`${what}: needs ${needed} elements, has ${array.length}`);
}

function checkShape(kind: string, out: FloatArray, a: FloatArray, b: FloatArray, m: number, k: number, n: number): void {
  for (const [name, value] of [
    ["M", m],
    ["K", k],
    ["N", n],
  ] as const) {
    if (!Number.isInteger(value) || value < 0) throw new Error(`${kind}: ${name} must be a non-negative integer, got ${value}`);
  }
  requireLength(out, m * n, `${kind} out`);
  requireLength(a, m * k, `${kind} a`);
  requireLength(b, k * n, `${kind} b`);
}

/** out[M×N] (+)= a[M×K] · b[K×N]. */
export function matmul(out: FloatArray, a: FloatArray, b: FloatArray, m: number, k: number, n: number, accumulate = false): void {
  checkShape("matmul", out, a, b, m, k, n);
  const wasm = kernelsFor(out, a, b);
  if (wasm === undefined) {
    matmulReference(out, a, b, m, k, n, accumulate);
    return;
  }
  wasm.gemm(out.byteOffset, a.byteOffset, b.byteOffset, 0, m, n, k, k, 1, n, n, accumulate ? 1 : 0);
}

/** TypeScript twin of {@link matmul}. The i-k-j loop order walks `b` and `out` rows contiguously. */
export function matmulReference(out: FloatArray, a: FloatArray, b: FloatArray, m: number, k: number, n: number, accumulate = false): void {
  for (let i = 0; i < m; i++) {
    const row = i * n;
    if (!accumulate) out.fill(0, row, row + n);
    for (let p = 0; p < k; p++) {
      const aip = a[i * k + p]!;
      const bRow = p * n;
      for (let j = 0; j < n; j++) out[row + j]! += aip * b[bRow + j]!;
    }
  }
}

/** out[M×N] (+)= a[M×K] · b[N×K]ᵀ. */
export function matmulTransB(out: FloatArray, a: FloatArray, b: FloatArray, m: number, k: number, n: number, accumulate = false): void {
  checkShape("matmulTransB", out, a, b, m, k, n);
  const wasm = kernelsFor(out, a, b);
  if (wasm === undefined) {
    matmulTransBReference(out, a, b, m, k, n, accumulate);
    return;
  }
  wasm.gemmNT(out.byteOffset, a.byteOffset, b.byteOffset, 0, m, n, k, k, k, n, accumulate ? 1 : 0);
}

/** TypeScript twin of {@link matmulTransB}: one dot product along k per output. */
export function matmulTransBReference(out: FloatArray, a: FloatArray, b: FloatArray, m: number, k: number, n: number, accumulate = false): void {
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let sum = 0;
      for (let p = 0; p < k; p++) sum += a[i * k + p]! * b[j * k + p]!;
      out[i * n + j] = accumulate ? out[i * n + j]! + sum : sum;
    }
  }
}

/** out[M×N] (+)= a[K×M]ᵀ · b[K×N]. */
export function matmulTransA(out: FloatArray, a: FloatArray, b: FloatArray, m: number, k: number, n: number, accumulate = false): void {
  checkShape("matmulTransA", out, a, b, m, k, n);
  const wasm = kernelsFor(out, a, b);
  if (wasm === undefined) {
    matmulTransAReference(out, a, b, m, k, n, accumulate);
    return;
  }
  wasm.gemm(out.byteOffset, a.byteOffset, b.byteOffset, 0, m, n, k, 1, m, n, n, accumulate ? 1 : 0);
}

/** TypeScript twin of {@link matmulTransA}: a sum of K rank-1 updates, rows of `a` and `b` contiguous. */
export function matmulTransAReference(out: FloatArray, a: FloatArray, b: FloatArray, m: number, k: number, n: number, accumulate = false): void {
  if (!accumulate) out.fill(0, 0, m * n);
  for (let p = 0; p < k; p++) {
    const aRow = p * m;
    const bRow = p * n;
    for (let i = 0; i < m; i++) {
      const api = a[aRow + i]!;
      const row = i * n;
      for (let j = 0; j < n; j++) out[row + j]! += api * b[bRow + j]!;
    }
  }
}
