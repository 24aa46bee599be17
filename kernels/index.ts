// spanlab WebAssembly kernels (AssemblyScript → wasm with SIMD; built by kernels/build.mjs).
//
// Pure functions over f32 buffers in the imported memory: every pointer is a BYTE offset, every size and
// stride a count of floats; no mutable global state (one read-only constant table in static data, below
// __heap_base, which the JS arena never hands out), no allocation. The TypeScript wrappers in src/nn/ check
// shapes against view lengths before calling, so nothing here checks bounds.
//
// The matrix kernels are register-blocked: a micro-tile of C lives in v128 registers while the k loop
// streams A and B through it, so each loaded float feeds several multiply-adds. Baseline wasm SIMD has no
// fused multiply-add (relaxed SIMD is behind a flag in Node 20), hence f32x4.mul + f32x4.add. V8 on x64
// gives wasm 15 usable xmm registers; a 4×8 tile (8 accumulators, 2 B vectors, a splat, a product
// temporary) fits without spills.

export function heapBase(): usize {
  return __heap_base;
}

// ---------------------------------------------------------------------------------------------------------
// GEMM, A·B form with strided A:  C(i,j) (+)= Σ_k A(i,k)·B(k,j) [+ bias(j)]
//   A(i,k) = a[i·aRow + k·aCol],  B(k,j) = b[k·ldb + j],  C(i,j) = c[i·ldc + j]
// aRow = lda, aCol = 1 is A·B; aRow = 1, aCol = lda is Aᵀ·B. B and C rows are contiguous, so the tile
// vectorises along j and splats one A element per row.

// @ts-ignore: decorator
@inline
function tile4x8(c: usize, a: usize, b: usize, bias: usize, k: i32, aRowB: usize, aColB: usize, ldbB: usize, ldcB: usize, accumulate: i32): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  if (accumulate) {
    c00 = v128.load(c); c01 = v128.load(c, 16);
    c10 = v128.load(c + ldcB); c11 = v128.load(c + ldcB, 16);
    c20 = v128.load(c + 2 * ldcB); c21 = v128.load(c + 2 * ldcB, 16);
    c30 = v128.load(c + 3 * ldcB); c31 = v128.load(c + 3 * ldcB, 16);
  }
  if (bias) {
    const q0 = v128.load(bias), q1 = v128.load(bias, 16);
    c00 = f32x4.add(c00, q0); c01 = f32x4.add(c01, q1);
    c10 = f32x4.add(c10, q0); c11 = f32x4.add(c11, q1);
    c20 = f32x4.add(c20, q0); c21 = f32x4.add(c21, q1);
    c30 = f32x4.add(c30, q0); c31 = f32x4.add(c31, q1);
  }
  const r2 = 2 * aRowB, r3 = 3 * aRowB;
  let pa = a, pb = b;
  for (let p = 0; p < k; p++) {
    const b0 = v128.load(pb), b1 = v128.load(pb, 16);
    let s = v128.load32_splat(pa);
    c00 = f32x4.add(c00, f32x4.mul(s, b0)); c01 = f32x4.add(c01, f32x4.mul(s, b1));
    s = v128.load32_splat(pa + aRowB);
    c10 = f32x4.add(c10, f32x4.mul(s, b0)); c11 = f32x4.add(c11, f32x4.mul(s, b1));
    s = v128.load32_splat(pa + r2);
    c20 = f32x4.add(c20, f32x4.mul(s, b0)); c21 = f32x4.add(c21, f32x4.mul(s, b1));
    s = v128.load32_splat(pa + r3);
    c30 = f32x4.add(c30, f32x4.mul(s, b0)); c31 = f32x4.add(c31, f32x4.mul(s, b1));
    pa += aColB;
    pb += ldbB;
  }
  v128.store(c, c00); v128.store(c, c01, 16);
  v128.store(c + ldcB, c10); v128.store(c + ldcB, c11, 16);
  v128.store(c + 2 * ldcB, c20); v128.store(c + 2 * ldcB, c21, 16);
  v128.store(c + 3 * ldcB, c30); v128.store(c + 3 * ldcB, c31, 16);
}

// @ts-ignore: decorator
@inline
function tile4x4(c: usize, a: usize, b: usize, bias: usize, k: i32, aRowB: usize, aColB: usize, ldbB: usize, ldcB: usize, accumulate: i32): void {
  let c0 = f32x4.splat(0), c1 = f32x4.splat(0), c2 = f32x4.splat(0), c3 = f32x4.splat(0);
  if (accumulate) {
    c0 = v128.load(c); c1 = v128.load(c + ldcB); c2 = v128.load(c + 2 * ldcB); c3 = v128.load(c + 3 * ldcB);
  }
  if (bias) {
    const q = v128.load(bias);
    c0 = f32x4.add(c0, q); c1 = f32x4.add(c1, q); c2 = f32x4.add(c2, q); c3 = f32x4.add(c3, q);
  }
  const r2 = 2 * aRowB, r3 = 3 * aRowB;
  let pa = a, pb = b;
  for (let p = 0; p < k; p++) {
    const b0 = v128.load(pb);
    c0 = f32x4.add(c0, f32x4.mul(v128.load32_splat(pa), b0));
    c1 = f32x4.add(c1, f32x4.mul(v128.load32_splat(pa + aRowB), b0));
    c2 = f32x4.add(c2, f32x4.mul(v128.load32_splat(pa + r2), b0));
    c3 = f32x4.add(c3, f32x4.mul(v128.load32_splat(pa + r3), b0));
    pa += aColB;
    pb += ldbB;
  }
  v128.store(c, c0); v128.store(c + ldcB, c1); v128.store(c + 2 * ldcB, c2); v128.store(c + 3 * ldcB, c3);
}

// @ts-ignore: decorator
@inline
function tile1x8(c: usize, a: usize, b: usize, bias: usize, k: i32, aColB: usize, ldbB: usize, accumulate: i32): void {
  let c0 = f32x4.splat(0), c1 = f32x4.splat(0);
  if (accumulate) { c0 = v128.load(c); c1 = v128.load(c, 16); }
  if (bias) { c0 = f32x4.add(c0, v128.load(bias)); c1 = f32x4.add(c1, v128.load(bias, 16)); }
  let pa = a, pb = b;
  for (let p = 0; p < k; p++) {
    const s = v128.load32_splat(pa);
    c0 = f32x4.add(c0, f32x4.mul(s, v128.load(pb)));
    c1 = f32x4.add(c1, f32x4.mul(s, v128.load(pb, 16)));
    pa += aColB;
    pb += ldbB;
  }
  v128.store(c, c0); v128.store(c, c1, 16);
}

// @ts-ignore: decorator
@inline
function tile1x4(c: usize, a: usize, b: usize, bias: usize, k: i32, aColB: usize, ldbB: usize, accumulate: i32): void {
  let c0 = f32x4.splat(0);
  if (accumulate) c0 = v128.load(c);
  if (bias) c0 = f32x4.add(c0, v128.load(bias));
  let pa = a, pb = b;
  for (let p = 0; p < k; p++) {
    c0 = f32x4.add(c0, f32x4.mul(v128.load32_splat(pa), v128.load(pb)));
    pa += aColB;
    pb += ldbB;
  }
  v128.store(c, c0);
}

// @ts-ignore: decorator
@inline
function tile1x1(c: usize, a: usize, b: usize, bias: usize, k: i32, aColB: usize, ldbB: usize, accumulate: i32): void {
  let sum: f32 = accumulate ? load<f32>(c) : 0;
  if (bias) sum += load<f32>(bias);
  let pa = a, pb = b;
  for (let p = 0; p < k; p++) {
    sum += load<f32>(pa) * load<f32>(pb);
    pa += aColB;
    pb += ldbB;
  }
  store<f32>(c, sum);
}

// K is processed in chunks of KC so that the rows of A and B one chunk touches stay in L1/L2 while every
// tile of C passes over them: without it, Aᵀ·B with K = T·B = 3360 (dW_hh) walks a 5 MB column strip of A
// per tile and runs at a third of the speed. 128 was the best of 32…3360 at the dW_hh shape.
const KC = 128;

export function gemm(
  c: usize, a: usize, b: usize, bias: usize,
  m: i32, n: i32, k: i32,
  aRow: i32, aCol: i32, ldb: i32, ldc: i32, accumulate: i32,
): void {
  const aRowB = <usize>aRow << 2, aColB = <usize>aCol << 2, ldbB = <usize>ldb << 2, ldcB = <usize>ldc << 2;
  // When A has few rows (the recurrent steps: 32×96, 32×384) a K-chunk of it stays in L1, so walk B once,
  // column panel by panel; otherwise (tall A: the input projection, head gradients) keep a 4-row strip of A
  // and walk B per strip, so C is written row by row rather than in strided column panels.
  const columnsOuter = m <= 64 && m * min(k, KC) <= 8192;
  let k0 = 0;
  do {
    const kk = min(KC, k - k0);
    const first = k0 == 0;
    const aChunk = a + <usize>k0 * aColB, bChunk = b + <usize>k0 * ldbB;
    if (columnsOuter) {
      gemmColumnsOuter(c, aChunk, bChunk, first ? bias : 0, m, n, kk, aRowB, aColB, ldbB, ldcB, first ? accumulate : 1);
    } else {
      gemmRowsOuter(c, aChunk, bChunk, first ? bias : 0, m, n, kk, aRowB, aColB, ldbB, ldcB, first ? accumulate : 1);
    }
    k0 += kk;
  } while (k0 < k);
}

function gemmRowsOuter(
  c: usize, a: usize, b: usize, bias: usize, m: i32, n: i32, k: i32,
  aRowB: usize, aColB: usize, ldbB: usize, ldcB: usize, accumulate: i32,
): void {
  let i = 0;
  for (; i + 4 <= m; i += 4) {
    const ci = c + <usize>i * ldcB, ai = a + <usize>i * aRowB;
    let j = 0;
    for (; j + 8 <= n; j += 8) {
      const jb = <usize>j << 2;
      tile4x8(ci + jb, ai, b + jb, bias ? bias + jb : 0, k, aRowB, aColB, ldbB, ldcB, accumulate);
    }
    for (; j + 4 <= n; j += 4) {
      const jb = <usize>j << 2;
      tile4x4(ci + jb, ai, b + jb, bias ? bias + jb : 0, k, aRowB, aColB, ldbB, ldcB, accumulate);
    }
    for (; j < n; j++) {
      const jb = <usize>j << 2;
      for (let r = 0; r < 4; r++) {
        tile1x1(ci + <usize>r * ldcB + jb, ai + <usize>r * aRowB, b + jb, bias ? bias + jb : 0, k, aColB, ldbB, accumulate);
      }
    }
  }
  for (; i < m; i++) gemmRow(c + <usize>i * ldcB, a + <usize>i * aRowB, b, bias, n, k, aColB, ldbB, accumulate);
}

/** One row of C (the rows left over below a multiple of 4). */
function gemmRow(ci: usize, ai: usize, b: usize, bias: usize, n: i32, k: i32, aColB: usize, ldbB: usize, accumulate: i32): void {
  let j = 0;
  for (; j + 8 <= n; j += 8) {
    const jb = <usize>j << 2;
    tile1x8(ci + jb, ai, b + jb, bias ? bias + jb : 0, k, aColB, ldbB, accumulate);
  }
  for (; j + 4 <= n; j += 4) {
    const jb = <usize>j << 2;
    tile1x4(ci + jb, ai, b + jb, bias ? bias + jb : 0, k, aColB, ldbB, accumulate);
  }
  for (; j < n; j++) {
    const jb = <usize>j << 2;
    tile1x1(ci + jb, ai, b + jb, bias ? bias + jb : 0, k, aColB, ldbB, accumulate);
  }
}

function gemmColumnsOuter(
  c: usize, a: usize, b: usize, bias: usize, m: i32, n: i32, k: i32,
  aRowB: usize, aColB: usize, ldbB: usize, ldcB: usize, accumulate: i32,
): void {
  const m4 = m & ~3;
  let j = 0;
  for (; j + 8 <= n; j += 8) {
    const jb = <usize>j << 2, bj = b + jb, qj = bias ? bias + jb : 0;
    for (let i = 0; i < m4; i += 4) tile4x8(c + <usize>i * ldcB + jb, a + <usize>i * aRowB, bj, qj, k, aRowB, aColB, ldbB, ldcB, accumulate);
    for (let i = m4; i < m; i++) tile1x8(c + <usize>i * ldcB + jb, a + <usize>i * aRowB, bj, qj, k, aColB, ldbB, accumulate);
  }
  for (; j + 4 <= n; j += 4) {
    const jb = <usize>j << 2, bj = b + jb, qj = bias ? bias + jb : 0;
    for (let i = 0; i < m4; i += 4) tile4x4(c + <usize>i * ldcB + jb, a + <usize>i * aRowB, bj, qj, k, aRowB, aColB, ldbB, ldcB, accumulate);
    for (let i = m4; i < m; i++) tile1x4(c + <usize>i * ldcB + jb, a + <usize>i * aRowB, bj, qj, k, aColB, ldbB, accumulate);
  }
  for (; j < n; j++) {
    const jb = <usize>j << 2, bj = b + jb, qj = bias ? bias + jb : 0;
    for (let i = 0; i < m; i++) tile1x1(c + <usize>i * ldcB + jb, a + <usize>i * aRowB, bj, qj, k, aColB, ldbB, accumulate);
  }
}

// ---------------------------------------------------------------------------------------------------------
// GEMM, A·Bᵀ form:  C(i,j) (+)= Σ_k a[i·lda + k]·b[j·ldb + k] [+ bias(j)]
// Both operands are contiguous along k, so this one vectorises along k: a 4×2 tile keeps 8 vector partial
// sums (4 lanes of k each), reduced horizontally once at the end. Used by Linear forward (x·Wᵀ), whose K
// is the wide input and N often tiny (1–3 outputs), where vectorising along N would waste lanes.

// @ts-ignore: decorator
@inline
function hsum(v: v128): f32 {
  const pairs = f32x4.add(v, v128.shuffle<f32>(v, v, 2, 3, 0, 1));
  return f32x4.extract_lane(pairs, 0) + f32x4.extract_lane(pairs, 1);
}

// @ts-ignore: decorator
@inline
function finishDot(c: usize, sum: f32, bias: usize, accumulate: i32): void {
  let value = sum;
  if (bias) value += load<f32>(bias);
  if (accumulate) value += load<f32>(c);
  store<f32>(c, value);
}

export function gemmNT(
  c: usize, a: usize, b: usize, bias: usize,
  m: i32, n: i32, k: i32,
  lda: i32, ldb: i32, ldc: i32, accumulate: i32,
): void {
  const ldaB = <usize>lda << 2, ldbB = <usize>ldb << 2, ldcB = <usize>ldc << 2;
  const k4 = k & ~3;
  let i = 0;
  for (; i + 4 <= m; i += 4) {
    const a0 = a + <usize>i * ldaB, a1 = a0 + ldaB, a2 = a1 + ldaB, a3 = a2 + ldaB;
    const ci = c + <usize>i * ldcB;
    let j = 0;
    for (; j + 2 <= n; j += 2) {
      const b0 = b + <usize>j * ldbB, b1 = b0 + ldbB;
      let s00 = f32x4.splat(0), s01 = f32x4.splat(0), s10 = f32x4.splat(0), s11 = f32x4.splat(0);
      let s20 = f32x4.splat(0), s21 = f32x4.splat(0), s30 = f32x4.splat(0), s31 = f32x4.splat(0);
      for (let p = 0; p < k4; p += 4) {
        const o = <usize>p << 2;
        const v0 = v128.load(b0 + o), v1 = v128.load(b1 + o);
        let u = v128.load(a0 + o);
        s00 = f32x4.add(s00, f32x4.mul(u, v0)); s01 = f32x4.add(s01, f32x4.mul(u, v1));
        u = v128.load(a1 + o);
        s10 = f32x4.add(s10, f32x4.mul(u, v0)); s11 = f32x4.add(s11, f32x4.mul(u, v1));
        u = v128.load(a2 + o);
        s20 = f32x4.add(s20, f32x4.mul(u, v0)); s21 = f32x4.add(s21, f32x4.mul(u, v1));
        u = v128.load(a3 + o);
        s30 = f32x4.add(s30, f32x4.mul(u, v0)); s31 = f32x4.add(s31, f32x4.mul(u, v1));
      }
      let t00 = hsum(s00), t01 = hsum(s01), t10 = hsum(s10), t11 = hsum(s11);
      let t20 = hsum(s20), t21 = hsum(s21), t30 = hsum(s30), t31 = hsum(s31);
      for (let p = k4; p < k; p++) {
        const o = <usize>p << 2;
        const v0 = load<f32>(b0 + o), v1 = load<f32>(b1 + o);
        let u = load<f32>(a0 + o); t00 += u * v0; t01 += u * v1;
        u = load<f32>(a1 + o); t10 += u * v0; t11 += u * v1;
        u = load<f32>(a2 + o); t20 += u * v0; t21 += u * v1;
        u = load<f32>(a3 + o); t30 += u * v0; t31 += u * v1;
      }
      const cj = ci + (<usize>j << 2), bj = bias ? bias + (<usize>j << 2) : 0, bj1 = bias ? bj + 4 : 0;
      finishDot(cj, t00, bj, accumulate); finishDot(cj + 4, t01, bj1, accumulate);
      finishDot(cj + ldcB, t10, bj, accumulate); finishDot(cj + ldcB + 4, t11, bj1, accumulate);
      finishDot(cj + 2 * ldcB, t20, bj, accumulate); finishDot(cj + 2 * ldcB + 4, t21, bj1, accumulate);
      finishDot(cj + 3 * ldcB, t30, bj, accumulate); finishDot(cj + 3 * ldcB + 4, t31, bj1, accumulate);
    }
    if (j < n) {
      const b0 = b + <usize>j * ldbB;
      let s0 = f32x4.splat(0), s1 = f32x4.splat(0), s2 = f32x4.splat(0), s3 = f32x4.splat(0);
      for (let p = 0; p < k4; p += 4) {
        const o = <usize>p << 2;
        const v0 = v128.load(b0 + o);
        s0 = f32x4.add(s0, f32x4.mul(v128.load(a0 + o), v0));
        s1 = f32x4.add(s1, f32x4.mul(v128.load(a1 + o), v0));
        s2 = f32x4.add(s2, f32x4.mul(v128.load(a2 + o), v0));
        s3 = f32x4.add(s3, f32x4.mul(v128.load(a3 + o), v0));
      }
      let t0 = hsum(s0), t1 = hsum(s1), t2 = hsum(s2), t3 = hsum(s3);
      for (let p = k4; p < k; p++) {
        const o = <usize>p << 2;
        const v0 = load<f32>(b0 + o);
        t0 += load<f32>(a0 + o) * v0; t1 += load<f32>(a1 + o) * v0;
        t2 += load<f32>(a2 + o) * v0; t3 += load<f32>(a3 + o) * v0;
      }
      const cj = ci + (<usize>j << 2), bj = bias ? bias + (<usize>j << 2) : 0;
      finishDot(cj, t0, bj, accumulate); finishDot(cj + ldcB, t1, bj, accumulate);
      finishDot(cj + 2 * ldcB, t2, bj, accumulate); finishDot(cj + 3 * ldcB, t3, bj, accumulate);
    }
  }
  for (; i < m; i++) {
    const a0 = a + <usize>i * ldaB, ci = c + <usize>i * ldcB;
    for (let j = 0; j < n; j++) {
      const b0 = b + <usize>j * ldbB;
      let s = f32x4.splat(0);
      for (let p = 0; p < k4; p += 4) {
        const o = <usize>p << 2;
        s = f32x4.add(s, f32x4.mul(v128.load(a0 + o), v128.load(b0 + o)));
      }
      let t = hsum(s);
      for (let p = k4; p < k; p++) {
        const o = <usize>p << 2;
        t += load<f32>(a0 + o) * load<f32>(b0 + o);
      }
      finishDot(ci + (<usize>j << 2), t, bias ? bias + (<usize>j << 2) : 0, accumulate);
    }
  }
}

/** dst[j] += Σ_i src[i·ld + j]: row-outer so src streams once and dst stays in L1. */
export function addColumnSums(dst: usize, src: usize, rows: i32, cols: i32, ld: i32): void {
  const ldB = <usize>ld << 2;
  const cols4 = cols & ~3;
  let row = src;
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols4; j += 4) {
      const o = <usize>j << 2;
      v128.store(dst + o, f32x4.add(v128.load(dst + o), v128.load(row + o)));
    }
    for (let j = cols4; j < cols; j++) {
      const o = <usize>j << 2;
      store<f32>(dst + o, load<f32>(dst + o) + load<f32>(row + o));
    }
    row += ldB;
  }
}

// ---------------------------------------------------------------------------------------------------------
// exp, sigmoid, tanh in f32.
// exp: Cephes expf — x = n·ln2 + r with |r| ≤ ln2/2 (ln2 split in two so n·ln2 is exact), e^r by a degree-6
// polynomial, 2^n built in the exponent bits. ~1 ulp on the clamped range [-87.3, 88.3], where 2^n stays a
// normal float; beyond it the result saturates (e^-87.3 ≈ 1e-38, e^88.3 ≈ 2e38), which only moves σ and tanh
// by less than a float's resolution. n = round(x·log2e) comes from adding 1.5·2²³ ("magic"): the sum's low
// mantissa bits are n in two's complement, so (bits + 127) << 23 is 2^n without a float→int conversion.
//
// The constants live in a static table and are loaded into locals once per kernel call: V8 materialises a
// v128.const afresh at every use inside a loop (no hoisting), which made exp twice as slow.

const EXP_CONSTANTS = memory.data<f32>([
  88.3, -87.3, 1.44269504088896341, 12582912.0, 0.693359375, -2.12194440e-4,
  1.9875691500e-4, 1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2, 1.6666665459e-1, 5.0000001201e-1,
]);

// @ts-ignore: decorator
@inline
function constant(index: usize): v128 {
  return v128.load32_splat(EXP_CONSTANTS + (index << 2));
}

// @ts-ignore: decorator
@inline
function exp4(
  x: v128, hi: v128, lo: v128, log2e: v128, magic: v128, ln2hi: v128, ln2lo: v128,
  p0: v128, p1: v128, p2: v128, p3: v128, p4: v128, p5: v128, one: v128,
): v128 {
  const xc = f32x4.pmax(f32x4.pmin(x, hi), lo);
  const fx = f32x4.add(f32x4.mul(xc, log2e), magic);
  const n = f32x4.sub(fx, magic);
  const r = f32x4.sub(f32x4.sub(xc, f32x4.mul(n, ln2hi)), f32x4.mul(n, ln2lo));
  let p = f32x4.add(f32x4.mul(p0, r), p1);
  p = f32x4.add(f32x4.mul(p, r), p2);
  p = f32x4.add(f32x4.mul(p, r), p3);
  p = f32x4.add(f32x4.mul(p, r), p4);
  p = f32x4.add(f32x4.mul(p, r), p5);
  p = f32x4.add(f32x4.add(f32x4.mul(f32x4.mul(p, r), r), r), one);
  return f32x4.mul(p, i32x4.shl(i32x4.add(fx, i32x4.splat(127)), 23));
}

// Scalar twin for the tails (H not a multiple of 4), same formula so every lane agrees with the vector body.
// @ts-ignore: decorator
@inline
function exp1(x: f32): f32 {
  const xc = max(min(x, <f32>88.3), <f32>-87.3);
  const fx = xc * <f32>1.44269504088896341 + <f32>12582912.0;
  const n = fx - <f32>12582912.0;
  const r = xc - n * <f32>0.693359375 - n * <f32>-2.12194440e-4;
  let p: f32 = <f32>1.9875691500e-4 * r + <f32>1.3981999507e-3;
  p = p * r + <f32>8.3334519073e-3;
  p = p * r + <f32>4.1665795894e-2;
  p = p * r + <f32>1.6666665459e-1;
  p = p * r + <f32>5.0000001201e-1;
  p = p * r * r + r + <f32>1;
  return p * reinterpret<f32>((reinterpret<i32>(fx) + 127) << 23);
}

// σ(x) = 1/(1 + e^{−x}); saturates to exactly 0 or 1 well before the clamp matters.
// @ts-ignore: decorator
@inline
function sigmoid1(x: f32): f32 {
  return <f32>1 / (<f32>1 + exp1(-x));
}

// tanh(x) = 1 − 2/(1 + e^{2x}): one exp and one division, saturating cleanly at ±1. Near 0 it is accurate
// in absolute terms (~1e-7), which is the scale every consumer (gates, cell output) works at.
// @ts-ignore: decorator
@inline
function tanh1(x: f32): f32 {
  return <f32>1 - <f32>2 / (<f32>1 + exp1(x + x));
}

/** y[i] = exp(x[i]) with the kernels' exp (vector body, scalar tail), for accuracy tests. */
export function expArray(y: usize, x: usize, n: i32): void {
  const hi = constant(0), lo = constant(1), log2e = constant(2), magic = constant(3), ln2hi = constant(4), ln2lo = constant(5);
  const p0 = constant(6), p1 = constant(7), p2 = constant(8), p3 = constant(9), p4 = constant(10), p5 = constant(11);
  const one = f32x4.splat(1);
  const n4 = n & ~3;
  for (let i = 0; i < n4; i += 4) {
    const o = <usize>i << 2;
    v128.store(y + o, exp4(v128.load(x + o), hi, lo, log2e, magic, ln2hi, ln2lo, p0, p1, p2, p3, p4, p5, one));
  }
  for (let i = n4; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(y + o, exp1(load<f32>(x + o)));
  }
}

// ---------------------------------------------------------------------------------------------------------
// LSTM cell, one step for a batch, fused: the gates (pre-activations, rows of 4H in order i, f, g, o) are
// replaced by their activations, which the backward reuses; c = f⊙c_prev + i⊙g; tanh(c) cached;
// h = o⊙tanh(c) written both to the contiguous state (next step's matmul operand) and, with a row stride,
// into the (B, T, 2H) sequence output.

export function lstmCellForward(
  gates: usize, cPrev: usize, c: usize, tanhC: usize, h: usize,
  out: usize, outStride: i32, batch: i32, hidden: i32,
): void {
  const hB = <usize>hidden << 2;
  const h4 = hidden & ~3;
  const hi = constant(0), lo = constant(1), log2e = constant(2), magic = constant(3), ln2hi = constant(4), ln2lo = constant(5);
  const p0 = constant(6), p1 = constant(7), p2 = constant(8), p3 = constant(9), p4 = constant(10), p5 = constant(11);
  const one = f32x4.splat(1), two = f32x4.splat(2);
  for (let b = 0; b < batch; b++) {
    const row = gates + <usize>b * 4 * hB;
    const state = <usize>b * hB;
    const outRow = out + ((<usize>b * <usize>outStride) << 2);
    for (let j = 0; j < h4; j += 4) {
      const o = <usize>j << 2;
      // σ(x) = 1/(1 + e^{−x}); tanh(x) = 1 − 2/(1 + e^{2x}) — one exp and one division each, saturating
      // cleanly at the ends; near 0 tanh is accurate in absolute terms (~1e-7), the scale the cell works at.
      const gi = f32x4.div(one, f32x4.add(one, exp4(f32x4.neg(v128.load(row + o)), hi, lo, log2e, magic, ln2hi, ln2lo, p0, p1, p2, p3, p4, p5, one)));
      const gf = f32x4.div(one, f32x4.add(one, exp4(f32x4.neg(v128.load(row + hB + o)), hi, lo, log2e, magic, ln2hi, ln2lo, p0, p1, p2, p3, p4, p5, one)));
      const pg = v128.load(row + 2 * hB + o);
      const gg = f32x4.sub(one, f32x4.div(two, f32x4.add(one, exp4(f32x4.add(pg, pg), hi, lo, log2e, magic, ln2hi, ln2lo, p0, p1, p2, p3, p4, p5, one))));
      const go = f32x4.div(one, f32x4.add(one, exp4(f32x4.neg(v128.load(row + 3 * hB + o)), hi, lo, log2e, magic, ln2hi, ln2lo, p0, p1, p2, p3, p4, p5, one)));
      v128.store(row + o, gi);
      v128.store(row + hB + o, gf);
      v128.store(row + 2 * hB + o, gg);
      v128.store(row + 3 * hB + o, go);
      const cell = f32x4.add(f32x4.mul(gf, v128.load(cPrev + state + o)), f32x4.mul(gi, gg));
      v128.store(c + state + o, cell);
      const tc = f32x4.sub(one, f32x4.div(two, f32x4.add(one, exp4(f32x4.add(cell, cell), hi, lo, log2e, magic, ln2hi, ln2lo, p0, p1, p2, p3, p4, p5, one))));
      v128.store(tanhC + state + o, tc);
      const hv = f32x4.mul(go, tc);
      v128.store(h + state + o, hv);
      v128.store(outRow + o, hv);
    }
    for (let j = h4; j < hidden; j++) {
      const o = <usize>j << 2;
      const gi = sigmoid1(load<f32>(row + o));
      const gf = sigmoid1(load<f32>(row + hB + o));
      const gg = tanh1(load<f32>(row + 2 * hB + o));
      const go = sigmoid1(load<f32>(row + 3 * hB + o));
      store<f32>(row + o, gi);
      store<f32>(row + hB + o, gf);
      store<f32>(row + 2 * hB + o, gg);
      store<f32>(row + 3 * hB + o, go);
      const cell = gf * load<f32>(cPrev + state + o) + gi * gg;
      store<f32>(c + state + o, cell);
      const tc = tanh1(cell);
      store<f32>(tanhC + state + o, tc);
      const hv = go * tc;
      store<f32>(h + state + o, hv);
      store<f32>(outRow + o, hv);
    }
  }
}

// Backward of one step. dh = dH (recurrent, from the later step) + dOut (this step's output gradient,
// rows strided in the (B, T, 2H) gradient); dc = dC (carried) + dh⊙o⊙(1 − tanh²c). Writes the gradients of
// the gate pre-activations and replaces dC by dc⊙f, the cell gradient carried to the previous step.
export function lstmCellBackward(
  dGates: usize, dH: usize, dC: usize, dOut: usize, dOutStride: i32,
  gates: usize, cPrev: usize, tanhC: usize, batch: i32, hidden: i32,
): void {
  const hB = <usize>hidden << 2;
  const h4 = hidden & ~3;
  const one = f32x4.splat(1);
  for (let b = 0; b < batch; b++) {
    const row = gates + <usize>b * 4 * hB;
    const dRow = dGates + <usize>b * 4 * hB;
    const state = <usize>b * hB;
    const dOutRow = dOut + ((<usize>b * <usize>dOutStride) << 2);
    for (let j = 0; j < h4; j += 4) {
      const o = <usize>j << 2;
      const gi = v128.load(row + o);
      const gf = v128.load(row + hB + o);
      const gg = v128.load(row + 2 * hB + o);
      const go = v128.load(row + 3 * hB + o);
      const tc = v128.load(tanhC + state + o);
      const dh = f32x4.add(v128.load(dH + state + o), v128.load(dOutRow + o));
      const dc = f32x4.add(v128.load(dC + state + o), f32x4.mul(f32x4.mul(dh, go), f32x4.sub(one, f32x4.mul(tc, tc))));
      v128.store(dRow + o, f32x4.mul(f32x4.mul(dc, gg), f32x4.mul(gi, f32x4.sub(one, gi))));
      v128.store(dRow + hB + o, f32x4.mul(f32x4.mul(dc, v128.load(cPrev + state + o)), f32x4.mul(gf, f32x4.sub(one, gf))));
      v128.store(dRow + 2 * hB + o, f32x4.mul(f32x4.mul(dc, gi), f32x4.sub(one, f32x4.mul(gg, gg))));
      v128.store(dRow + 3 * hB + o, f32x4.mul(f32x4.mul(dh, tc), f32x4.mul(go, f32x4.sub(one, go))));
      v128.store(dC + state + o, f32x4.mul(dc, gf));
    }
    for (let j = h4; j < hidden; j++) {
      const o = <usize>j << 2;
      const gi = load<f32>(row + o);
      const gf = load<f32>(row + hB + o);
      const gg = load<f32>(row + 2 * hB + o);
      const go = load<f32>(row + 3 * hB + o);
      const tc = load<f32>(tanhC + state + o);
      const dh = load<f32>(dH + state + o) + load<f32>(dOutRow + o);
      const dc = load<f32>(dC + state + o) + dh * go * (<f32>1 - tc * tc);
      store<f32>(dRow + o, dc * gg * (gi * (<f32>1 - gi)));
      store<f32>(dRow + hB + o, dc * load<f32>(cPrev + state + o) * (gf * (<f32>1 - gf)));
      store<f32>(dRow + 2 * hB + o, dc * gi * (<f32>1 - gg * gg));
      store<f32>(dRow + 3 * hB + o, dh * tc * (go * (<f32>1 - go)));
      store<f32>(dC + state + o, dc * gf);
    }
  }
}

// ---------------------------------------------------------------------------------------------------------
// Elementwise and pooling passes over whole activations (dropout on the 3360×192 LSTM output, mean over
// time). Memory bound; in wasm they stream at SIMD width instead of JS's per-element float conversions.

/** out[i] = x[i]·y[i] (dropout forward: y is the scaled mask). */
export function multiply(out: usize, x: usize, y: usize, n: i32): void {
  const n4 = n & ~3;
  for (let i = 0; i < n4; i += 4) {
    const o = <usize>i << 2;
    v128.store(out + o, f32x4.mul(v128.load(x + o), v128.load(y + o)));
  }
  for (let i = n4; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(out + o, load<f32>(x + o) * load<f32>(y + o));
  }
}

/** acc[i] += x[i]·y[i] (dropout backward). */
export function multiplyAdd(acc: usize, x: usize, y: usize, n: i32): void {
  const n4 = n & ~3;
  for (let i = 0; i < n4; i += 4) {
    const o = <usize>i << 2;
    v128.store(acc + o, f32x4.add(v128.load(acc + o), f32x4.mul(v128.load(x + o), v128.load(y + o))));
  }
  for (let i = n4; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(acc + o, load<f32>(acc + o) + load<f32>(x + o) * load<f32>(y + o));
  }
}

/** acc[i] += x[i]. */
export function add(acc: usize, x: usize, n: i32): void {
  const n4 = n & ~3;
  for (let i = 0; i < n4; i += 4) {
    const o = <usize>i << 2;
    v128.store(acc + o, f32x4.add(v128.load(acc + o), v128.load(x + o)));
  }
  for (let i = n4; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(acc + o, load<f32>(acc + o) + load<f32>(x + o));
  }
}

/** out[b, c] = (1/T)·Σ_t x[b, t, c] for x (B, T, C): rows of C summed with a strided addColumnSums. */
export function meanPoolForward(out: usize, x: usize, batch: i32, steps: i32, channels: i32): void {
  const rowB = <usize>channels << 2;
  const scale = <f32>1 / <f32>steps;
  const c4 = channels & ~3;
  for (let b = 0; b < batch; b++) {
    const o = out + <usize>b * rowB;
    memory.fill(o, 0, rowB);
    addColumnSums(o, x + <usize>b * <usize>steps * rowB, steps, channels, channels);
    const s = f32x4.splat(scale);
    for (let j = 0; j < c4; j += 4) v128.store(o + (<usize>j << 2), f32x4.mul(v128.load(o + (<usize>j << 2)), s));
    for (let j = c4; j < channels; j++) store<f32>(o + (<usize>j << 2), load<f32>(o + (<usize>j << 2)) * scale);
  }
}

/** dx[b, t, c] += dout[b, c]/T for every t. */
export function meanPoolBackward(dx: usize, dout: usize, batch: i32, steps: i32, channels: i32): void {
  const rowB = <usize>channels << 2;
  const scale = <f32>1 / <f32>steps;
  const c4 = channels & ~3;
  const s = f32x4.splat(scale);
  for (let b = 0; b < batch; b++) {
    const g = dout + <usize>b * rowB;
    let row = dx + <usize>b * <usize>steps * rowB;
    for (let t = 0; t < steps; t++) {
      for (let j = 0; j < c4; j += 4) {
        const o = <usize>j << 2;
        v128.store(row + o, f32x4.add(v128.load(row + o), f32x4.mul(v128.load(g + o), s)));
      }
      for (let j = c4; j < channels; j++) {
        const o = <usize>j << 2;
        store<f32>(row + o, load<f32>(row + o) + load<f32>(g + o) * scale);
      }
      row += rowB;
    }
  }
}

// ---------------------------------------------------------------------------------------------------------
// Dropout mask: four interleaved xoshiro128** streams (Blackman & Vigna, as src/util/rng.ts), one per i32x4
// lane, seeded with 16 words the caller draws from its Rng. Each step yields 4 × 32 random bits = 8 draws of
// 16 bits: lane l's low half decides element 8k + l, its high half element 8k + 4 + l. Kept elements get
// `scale` (= 1/(1 − p)), dropped ones 0; a draw is kept when it is ≥ `threshold` (= round(p·2¹⁶)).
// The multiplications by 5 and 9 are shift-and-adds, so the loop needs no vector constants.

// @ts-ignore: decorator
@inline
function rotl4(x: v128, k: i32): v128 {
  return v128.or(i32x4.shl(x, k), i32x4.shr_u(x, 32 - k));
}

export function dropoutMask(
  mask: usize, n: i32, threshold: i32, scale: f32,
  a0: i32, a1: i32, a2: i32, a3: i32, b0: i32, b1: i32, b2: i32, b3: i32,
  c0: i32, c1: i32, c2: i32, c3: i32, d0: i32, d1: i32, d2: i32, d3: i32,
): void {
  // Lane l of s0…s3 is stream l's state word 0…3.
  let s0 = i32x4(a0, b0, c0, d0);
  let s1 = i32x4(a1, b1, c1, d1);
  let s2 = i32x4(a2, b2, c2, d2);
  let s3 = i32x4(a3, b3, c3, d3);
  const limit = i32x4.splat(threshold);
  const keep = f32x4.splat(scale);
  for (let i = 0; i < n; i += 8) {
    const m = i32x4.add(i32x4.shl(s1, 2), s1); // s1·5
    const r = rotl4(m, 7);
    const bits = i32x4.add(i32x4.shl(r, 3), r); // ·9
    const t = i32x4.shl(s1, 9);
    s2 = v128.xor(s2, s0);
    s3 = v128.xor(s3, s1);
    s1 = v128.xor(s1, s2);
    s0 = v128.xor(s0, s3);
    s2 = v128.xor(s2, t);
    s3 = rotl4(s3, 11);
    const low = v128.and(i32x4.ge_s(i32x4.shr_u(i32x4.shl(bits, 16), 16), limit), keep);
    const high = v128.and(i32x4.ge_s(i32x4.shr_u(bits, 16), limit), keep);
    const o = mask + (<usize>i << 2);
    if (i + 8 <= n) {
      v128.store(o, low);
      v128.store(o, high, 16);
    } else {
      // Tail: store lane by lane, as many as remain.
      const left = n - i;
      for (let l = 0; l < left; l++) {
        const v = l < 4 ? extractLane(low, l) : extractLane(high, l - 4);
        store<f32>(o + (<usize>l << 2), v);
      }
    }
  }
}

// @ts-ignore: decorator
@inline
function extractLane(v: v128, lane: i32): f32 {
  if (lane == 0) return f32x4.extract_lane(v, 0);
  if (lane == 1) return f32x4.extract_lane(v, 1);
  if (lane == 2) return f32x4.extract_lane(v, 2);
  return f32x4.extract_lane(v, 3);
}
