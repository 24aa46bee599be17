/**
 * BiLSTM: the reference against a textbook transcription of PyTorch's equations (semantics: gate order,
 * two biases, reverse direction, fwd‖bwd concatenation); the reference backward against central
 * differences in float64 (every weight, bias and input element of both directions); the wasm kernels
 * against the reference (forward, cache, backward, odd sizes, a batch smaller than the cache); and the
 * wasm backward directly against float32 central differences.
 */
import { describe, expect, it } from "vitest";
import { expectGradientWithin, weightedSum } from "../../test/helpers/gradients.js";
import { expectClose } from "../../test/helpers/tensors.js";
import { Rng } from "../util/rng.js";
import {
  type BiLstmWeights,
  type LstmWeights,
  bilstmBackward,
  bilstmBackwardReference,
  bilstmForward,
  bilstmForwardReference,
  biLstmCacheFloats,
  createBiLstmCache,
} from "./lstm.js";
import { Arena } from "./wasm.js";

type Dir = "forward" | "reverse";
const DIRECTIONS: Dir[] = ["forward", "reverse"];
const TENSORS = ["weightIh", "weightHh", "biasIh", "biasHh"] as const;

function randomWeights(rng: Rng, f: number, h: number, bound: number): BiLstmWeights<Float64Array> {
  const direction = (): LstmWeights<Float64Array> => ({
    weightIh: Float64Array.from({ length: 4 * h * f }, () => rng.uniform(-bound, bound)),
    weightHh: Float64Array.from({ length: 4 * h * h }, () => rng.uniform(-bound, bound)),
    biasIh: Float64Array.from({ length: 4 * h }, () => rng.uniform(-bound, bound)),
    biasHh: Float64Array.from({ length: 4 * h }, () => rng.uniform(-bound, bound)),
  });
  return { forward: direction(), reverse: direction() };
}

function zeroWeights(f: number, h: number): BiLstmWeights<Float64Array> {
  const direction = (): LstmWeights<Float64Array> => ({
    weightIh: new Float64Array(4 * h * f),
    weightHh: new Float64Array(4 * h * h),
    biasIh: new Float64Array(4 * h),
    biasHh: new Float64Array(4 * h),
  });
  return { forward: direction(), reverse: direction() };
}

function randomArray(rng: Rng, n: number, bound = 1): Float64Array {
  return Float64Array.from({ length: n }, () => rng.uniform(-bound, bound));
}

/** Copies of float64 weights into arena views (float32). */
function toArena(arena: Arena, w: BiLstmWeights<Float64Array>): BiLstmWeights<Float32Array> {
  const copy = (src: Float64Array) => {
    const view = arena.alloc(src.length);
    view.set(src);
    return view;
  };
  const direction = (d: LstmWeights<Float64Array>): LstmWeights<Float32Array> => ({
    weightIh: copy(d.weightIh),
    weightHh: copy(d.weightHh),
    biasIh: copy(d.biasIh),
    biasHh: copy(d.biasHh),
  });
  return { forward: direction(w.forward), reverse: direction(w.reverse) };
}

function arenaCopy(arena: Arena, src: Float64Array): Float32Array {
  const view = arena.alloc(src.length);
  view.set(src);
  return view;
}

/** Float64 copy of a (float32) array, to feed the reference exactly what the kernel saw. */
function widen(w: BiLstmWeights<Float32Array>): BiLstmWeights<Float64Array> {
  const direction = (d: LstmWeights<Float32Array>): LstmWeights<Float64Array> => ({
    weightIh: Float64Array.from(d.weightIh),
    weightHh: Float64Array.from(d.weightHh),
    biasIh: Float64Array.from(d.biasIh),
    biasHh: Float64Array.from(d.biasHh),
  });
  return { forward: direction(w.forward), reverse: direction(w.reverse) };
}

const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));

/** PyTorch's nn.LSTM documentation, transcribed with no shared code: returns out (B, T, 2H). */
function textbookBiLstm(x: Float64Array, b: number, t: number, f: number, h: number, w: BiLstmWeights<Float64Array>): Float64Array {
  const out = new Float64Array(b * t * 2 * h);
  for (const [d, direction] of DIRECTIONS.entries()) {
    const p = w[direction];
    for (let n = 0; n < b; n++) {
      let hPrev = new Float64Array(h);
      let cPrev = new Float64Array(h);
      const times = Array.from({ length: t }, (_, s) => (direction === "forward" ? s : t - 1 - s));
      for (const time of times) {
        const pre = (gate: number, j: number) => {
          const r = gate * h + j;
          let v = p.biasIh[r]! + p.biasHh[r]!;
          for (let k = 0; k < f; k++) v += p.weightIh[r * f + k]! * x[(n * t + time) * f + k]!;
          for (let k = 0; k < h; k++) v += p.weightHh[r * h + k]! * hPrev[k]!;
          return v;
        };
        const hNext = new Float64Array(h);
        const cNext = new Float64Array(h);
        for (let j = 0; j < h; j++) {
          const i = sigmoid(pre(0, j));
          const fg = sigmoid(pre(1, j));
          const g = Math.tanh(pre(2, j));
          const o = sigmoid(pre(3, j));
          cNext[j] = fg * cPrev[j]! + i * g;
          hNext[j] = o * Math.tanh(cNext[j]!);
          out[(n * t + time) * 2 * h + d * h + j] = hNext[j]!;
        }
        hPrev = hNext;
        cPrev = cNext;
      }
    }
  }
  return out;
}

describe("BiLSTM semantics", () => {
  it("the reference equals PyTorch's equations (gate order i,f,g,o; reverse runs T−1…0; out = fwd‖bwd)", () => {
    const rng = new Rng(3);
    const [b, t, f, h] = [2, 5, 3, 4];
    const w = randomWeights(rng, f, h, 0.7);
    const x = randomArray(rng, b * t * f);
    const out = new Float64Array(b * t * 2 * h);
    bilstmForwardReference(
      out,
      x,
      b,
      t,
      f,
      h,
      w,
      createBiLstmCache((n) => new Float64Array(n), b, t, f, h),
    );
    expectClose(out, textbookBiLstm(x, b, t, f, h, w), { rel: 1e-14, abs: 1e-15, what: "out" });
  });
});

describe("BiLSTM reference gradients (float64 central differences)", () => {
  it("dx and every weight and bias of both directions", () => {
    const rng = new Rng(17);
    const [b, t, f, h] = [2, 4, 3, 3];
    const w = randomWeights(rng, f, h, 0.8);
    const x = randomArray(rng, b * t * f);
    const wOut = randomArray(rng, b * t * 2 * h);
    const cache = createBiLstmCache((n) => new Float64Array(n), b, t, f, h);
    const out = new Float64Array(b * t * 2 * h);
    const loss = () => {
      bilstmForwardReference(out, x, b, t, f, h, w, cache);
      return weightedSum(out, wOut);
    };
    loss();
    const grads = zeroWeights(f, h);
    const dx = new Float64Array(b * t * f);
    bilstmBackwardReference(dx, grads, wOut, b, t, f, h, w, cache);
    // Truncation error ~ eps²·L''' ≈ 1e-12 and rounding ~ 1e-16/eps = 1e-10: 1e-7 leaves a wide margin
    // while any wrong term of the backward is off by O(0.01–1).
    const check = (param: Float64Array, analytic: Float64Array, what: string) =>
      expectGradientWithin(param, analytic, loss, { tolerance: 1e-7, h: 1e-6, what });
    check(x, dx, "dx");
    for (const d of DIRECTIONS) for (const name of TENSORS) check(w[d][name], grads[d][name], `${d}.${name}`);
  });
});

describe("BiLSTM wasm kernels", () => {
  // Odd sizes hit every tail: B not a multiple of 4 (gemm row tail), H not a multiple of 4 (scalar lanes of
  // the cell kernels), F not a multiple of 4 or 8; the last case is the model's width.
  const CASES: [number, number, number, number][] = [
    [3, 5, 7, 5],
    [5, 4, 12, 8],
    [1, 3, 2, 1],
    [2, 1, 3, 4],
    [4, 7, 12, 96],
  ];

  for (const [b, t, f, h] of CASES) {
    it(`equal the float64 reference: out, cache, dx and accumulated grads (B=${b} T=${t} F=${f} H=${h})`, () => {
      const rng = new Rng(b * 1000 + h);
      const arena = new Arena(biLstmCacheFloats(b, t, f, h) + 20 * (b * t * (f + 2 * h) + 16 * h * (f + h + 2)));
      const w = toArena(arena, randomWeights(rng, f, h, 1 / Math.sqrt(h)));
      const x = arenaCopy(arena, randomArray(rng, b * t * f));
      const dout = arenaCopy(arena, randomArray(rng, b * t * 2 * h));
      const out = arena.alloc(b * t * 2 * h);
      const cache = createBiLstmCache(arena, b, t, f, h);
      bilstmForward(out, x, b, t, f, h, w, cache);

      const w64 = widen(w);
      const cache64 = createBiLstmCache((n) => new Float64Array(n), b, t, f, h);
      const out64 = new Float64Array(b * t * 2 * h);
      bilstmForwardReference(out64, Float64Array.from(x), b, t, f, h, w64, cache64);
      expectClose(out, out64, { rel: 2e-6, abs: 1e-7, what: "out" });
      for (const d of DIRECTIONS) {
        expectClose(cache[d].gates.subarray(0, t * b * 4 * h), cache64[d].gates.subarray(0, t * b * 4 * h), { rel: 2e-6, abs: 1e-7, what: `${d} gates` });
        expectClose(cache[d].cell.subarray(0, (t + 1) * b * h), cache64[d].cell.subarray(0, (t + 1) * b * h), { rel: 2e-6, abs: 1e-7, what: `${d} cell` });
      }

      // Gradients accumulate onto what is already there.
      const prior = randomWeights(rng, f, h, 1);
      const grads = toArena(arena, prior);
      const grads64 = widen(grads);
      const dxPrior = randomArray(rng, b * t * f);
      const dx = arenaCopy(arena, dxPrior);
      const dx64 = Float64Array.from(dx);
      bilstmBackward(dx, grads, dout, b, t, f, h, w, cache);
      bilstmBackwardReference(dx64, grads64, Float64Array.from(dout), b, t, f, h, w64, cache64);
      // Gradients are sums over B·T steps of float32 products: relative 1e-5 of the tensor's scale.
      expectClose(dx, dx64, { rel: 1e-5, abs: 1e-6, what: "dx" });
      for (const d of DIRECTIONS) for (const name of TENSORS) expectClose(grads[d][name], grads64[d][name], { rel: 1e-5, abs: 1e-6, what: `${d}.${name}` });
    });
  }

  it("serve a smaller batch and shorter sequence than the cache holds, after a full-size call", () => {
    const rng = new Rng(99);
    const [maxB, maxT, f, h] = [6, 9, 5, 6];
    const arena = new Arena(biLstmCacheFloats(maxB, maxT, f, h) + 10_000);
    const w = toArena(arena, randomWeights(rng, f, h, 0.5));
    const cache = createBiLstmCache(arena, maxB, maxT, f, h);
    const big = arenaCopy(arena, randomArray(rng, maxB * maxT * f));
    const bigOut = arena.alloc(maxB * maxT * 2 * h);
    bilstmForward(bigOut, big, maxB, maxT, f, h, w, cache);
    const [b, t] = [3, 5];
    const x = arenaCopy(arena, randomArray(rng, b * t * f));
    const out = arena.alloc(b * t * 2 * h);
    bilstmForward(out, x, b, t, f, h, w, cache);
    const out64 = new Float64Array(b * t * 2 * h);
    bilstmForwardReference(
      out64,
      Float64Array.from(x),
      b,
      t,
      f,
      h,
      widen(w),
      createBiLstmCache((n) => new Float64Array(n), b, t, f, h),
    );
    expectClose(out, out64, { rel: 2e-6, abs: 1e-7, what: "out" });
    const grads = toArena(arena, zeroWeights(f, h));
    expect(() => bilstmBackward(null, grads, arena.alloc(maxB * maxT * 2 * h), maxB, maxT, f, h, w, cache)).toThrow(/forward of B=3, T=5/);
  });

  it("saturate without NaN when the gates are driven far beyond ±88", () => {
    const rng = new Rng(5);
    const [b, t, f, h] = [2, 3, 4, 6];
    const arena = new Arena(biLstmCacheFloats(b, t, f, h) + 10_000);
    const w64 = randomWeights(rng, f, h, 60);
    const w = toArena(arena, w64);
    const x = arenaCopy(arena, randomArray(rng, b * t * f, 3));
    const out = arena.alloc(b * t * 2 * h);
    bilstmForward(out, x, b, t, f, h, w, createBiLstmCache(arena, b, t, f, h));
    const out64 = new Float64Array(b * t * 2 * h);
    bilstmForwardReference(
      out64,
      Float64Array.from(x),
      b,
      t,
      f,
      h,
      widen(w),
      createBiLstmCache((n) => new Float64Array(n), b, t, f, h),
    );
    expect(out.every(Number.isFinite)).toBe(true);
    expectClose(out, out64, { rel: 1e-6, abs: 1e-6, what: "out" });
  });

  it("backward matches float32 central differences of the wasm forward itself", () => {
    const rng = new Rng(23);
    const [b, t, f, h] = [3, 4, 5, 5];
    const arena = new Arena(biLstmCacheFloats(b, t, f, h) + 50_000);
    const w = toArena(arena, randomWeights(rng, f, h, 0.6));
    const x = arenaCopy(arena, randomArray(rng, b * t * f));
    const wOut = arenaCopy(arena, randomArray(rng, b * t * 2 * h));
    const out = arena.alloc(b * t * 2 * h);
    const cache = createBiLstmCache(arena, b, t, f, h);
    const loss = () => {
      bilstmForward(out, x, b, t, f, h, w, cache);
      return weightedSum(out, wOut);
    };
    loss();
    const grads = toArena(arena, zeroWeights(f, h));
    const dx = arena.alloc(b * t * f);
    bilstmBackward(dx, grads, wOut, b, t, f, h, w, cache);
    // eps = 1e-2 in float32: each out element carries ~1e-7 rounding, so L (120 terms) ~4e-6, /2eps → 2e-4;
    // truncation eps²·L'''/6 ≈ 2e-5. Tolerance 1e-3 is 5× that, and a wrong gradient term is O(0.1).
    const check = (param: Float32Array, analytic: Float32Array, indices: number[], what: string) =>
      expectGradientWithin(param, analytic, loss, { tolerance: 1e-3, h: 1e-2, indices, what });
    const sample = (n: number) => Array.from({ length: Math.min(n, 12) }, () => rng.int(n));
    check(x, dx, sample(x.length), "dx");
    for (const d of DIRECTIONS) for (const name of TENSORS) check(w[d][name], grads[d][name], sample(w[d][name].length), `${d}.${name}`);
  });

  it("reject shapes the cache or the weights cannot serve", () => {
    const arena = new Arena(biLstmCacheFloats(2, 3, 4, 4) + 10_000);
    const rng = new Rng(1);
    const w = toArena(arena, randomWeights(rng, 4, 4, 0.1));
    const cache = createBiLstmCache(arena, 2, 3, 4, 4);
    const x = arena.alloc(4 * 3 * 4);
    const out = arena.alloc(4 * 3 * 8);
    expect(() => bilstmForward(out, x, 4, 3, 4, 4, w, cache)).toThrow(/B≤2/);
    expect(() => bilstmForward(out, x, 2, 3, 5, 4, w, cache)).toThrow(/F=4/);
    const fresh = createBiLstmCache(arena, 2, 3, 4, 4);
    expect(() => bilstmBackward(null, w, out, 2, 3, 4, 4, w, fresh)).toThrow(/forward of B=0/);
  });
});

describe("kernel exp", () => {
  it("is within 2 ulp of Math.exp over the whole unsaturated range and saturates finitely beyond it", () => {
    const arena = new Arena(1 << 16);
    const n = 20_001;
    const x = arena.alloc(n);
    const y = arena.alloc(n);
    for (let i = 0; i < n; i++) x[i] = -87 + (175 * i) / (n - 1);
    arena.kernels.expArray(y.byteOffset, x.byteOffset, n);
    let worst = 0;
    for (let i = 0; i < n; i++) worst = Math.max(worst, Math.abs(y[i]! - Math.exp(x[i]!)) / Math.exp(x[i]!));
    expect(worst).toBeLessThan(2.4e-7);
    x.set([-1000, -90, 90, 1000, 0, -0]);
    arena.kernels.expArray(y.byteOffset, x.byteOffset, 6);
    expect(Array.from(y.subarray(0, 6)).every((v) => Number.isFinite(v) && v >= 0)).toBe(true);
    expect(y[0]).toBeLessThan(1e-37);
    expect(y[3]).toBeGreaterThan(1e38);
    expect(y[4]).toBe(1);
  });

  it("gives bit-identical results in its scalar tail and its SIMD body (so H % 4 lanes agree)", () => {
    const arena = new Arena(1 << 15);
    const n = 4000;
    const x = arena.alloc(n);
    const body = arena.alloc(n);
    const tail = arena.alloc(1);
    for (let i = 0; i < n; i++) x[i] = -90 + (180 * i) / n + 1e-3 * Math.sin(i);
    arena.kernels.expArray(body.byteOffset, x.byteOffset, n); // n % 4 = 0: all SIMD
    let mismatches = 0;
    for (let i = 0; i < n; i++) {
      arena.kernels.expArray(tail.byteOffset, x.byteOffset + 4 * i, 1); // one element: the scalar tail
      if (tail[0] !== body[i]) mismatches++;
    }
    expect(mismatches).toBe(0);
  });
});
