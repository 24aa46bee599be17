/**
 * The SIMD matrix kernels against their TypeScript twins (run in float64 as ground truth), on shapes that
 * hit every edge path of the register-blocked tiles (rows and columns not multiples of 4 or 8, K not a
 * multiple of 4, degenerate 1×1), and the gradient identities the backward passes rely on, checked by
 * central differences in float64.
 */
import { describe, expect, it } from "vitest";
import { expectGradient, weightedSum } from "../../test/helpers/gradients.js";
import { Rng } from "../util/rng.js";
import { matmul, matmulReference, matmulTransA, matmulTransAReference, matmulTransB, matmulTransBReference } from "./matmul.js";
import { Arena, inKernelMemory, kernelsFor } from "./wasm.js";

type Form = "NN" | "NT" | "TN";
const kernel = { NN: matmul, NT: matmulTransB, TN: matmulTransA };
const reference = { NN: matmulReference, NT: matmulTransBReference, TN: matmulTransAReference };

function random(rng: Rng, n: number): Float64Array {
  return Float64Array.from({ length: n }, () => rng.uniform(-1, 1));
}

// Model shapes (input projection, recurrent step, heads, backward) and odd sizes for every tile edge.
const SHAPES: [number, number, number][] = [
  [1, 1, 1],
  [1, 5, 3],
  [3, 1, 7],
  [4, 4, 4],
  [4, 8, 8],
  [5, 9, 13],
  [7, 3, 17],
  [9, 17, 5],
  [13, 2, 1],
  [2, 31, 2],
  [8, 16, 33],
  [37, 12, 384],
  [32, 96, 384],
  [32, 384, 96],
  [6, 192, 3],
  [67, 192, 1],
  [384, 67, 12],
  [12, 5, 0],
  [0, 3, 4],
  [3, 0, 5],
];

describe("matmul kernels", () => {
  const arena = new Arena(1 << 20);

  for (const form of ["NN", "NT", "TN"] as const satisfies readonly Form[]) {
    it(`${form}: wasm equals the float64 reference within float32 rounding, overwrite and accumulate`, () => {
      const rng = new Rng(11);
      for (const [m, k, n] of SHAPES) {
        for (const accumulate of [false, true]) {
          const mark = arena.mark();
          const a64 = random(rng, m * k);
          const b64 = random(rng, k * n);
          const c64 = random(rng, m * n);
          const a = arena.alloc(m * k);
          const b = arena.alloc(k * n);
          const c = arena.alloc(m * n);
          a.set(a64);
          b.set(b64);
          c.set(c64);
          // Round the float64 operands to float32 so only the kernel's arithmetic differs.
          const expected = Float64Array.from(c);
          reference[form](expected, Float64Array.from(a), Float64Array.from(b), m, k, n, accumulate);
          // |a|·|b| bounds the rounding error of a K-term float32 sum: |err| ≤ K·u·(|a||b|) (+ the |c| term).
          const bound = new Float64Array(m * n);
          reference[form](bound, Float64Array.from(a, Math.abs), Float64Array.from(b, Math.abs), m, k, n, false);
          kernel[form](c, a, b, m, k, n, accumulate);
          const u = 2 ** -24;
          for (let i = 0; i < m * n; i++) {
            const tolerance = (k + 2) * u * (bound[i]! + Math.abs(accumulate ? c64[i]! : 0)) + 1e-7;
            if (!(Math.abs(c[i]! - expected[i]!) <= tolerance)) {
              throw new Error(`${form} ${m}×${k}×${n} acc=${accumulate} [${i}]: ${c[i]} vs ${expected[i]} (tol ${tolerance})`);
            }
          }
          arena.reset(mark);
        }
      }
    });
  }

  it("really runs wasm for arena views and falls back to the reference for plain arrays", () => {
    const a = arena.alloc(6);
    const b = arena.alloc(6);
    const c = arena.alloc(4);
    expect(inKernelMemory(a)).toBe(true);
    expect(kernelsFor(a, b, c)).toBeDefined();
    expect(kernelsFor(a, new Float32Array(6), c)).toBeUndefined();
    a.set([1, 2, 3, 4, 5, 6]);
    b.set([1, 0, 0, 1, 1, 1]);
    matmul(c, a, b, 2, 3, 2);
    expect(Array.from(c)).toEqual([4, 5, 10, 11]);
    const plain = new Float32Array(4);
    matmul(plain, Float32Array.from(a), Float32Array.from(b), 2, 3, 2);
    expect(Array.from(plain)).toEqual([4, 5, 10, 11]);
  });

  it("rejects views too short for the shape instead of writing past them", () => {
    const a = arena.alloc(6);
    const b = arena.alloc(6);
    const c = arena.alloc(3);
    expect(() => matmul(c, a, b, 2, 3, 2)).toThrow(/out: needs 4/);
  });
});

describe("matmul gradients (L = Σ W ⊙ (A·B))", () => {
  it("dA = W·Bᵀ and dB = Aᵀ·W, by the kernels, match central differences", () => {
    const rng = new Rng(5);
    const arena = new Arena(1 << 16);
    for (const [m, k, n] of [
      [3, 5, 7],
      [6, 9, 4],
      [1, 4, 10],
    ] as const) {
      const a = random(rng, m * k);
      const b = random(rng, k * n);
      const w = random(rng, m * n);
      const y = new Float64Array(m * n);
      const loss = () => {
        matmulReference(y, a, b, m, k, n);
        return weightedSum(y, w);
      };
      // Analytic gradients with the float32 wasm kernels (the forms the backward passes use).
      const view = (src: Float64Array) => {
        const v = arena.alloc(src.length);
        v.set(src);
        return v;
      };
      const mark = arena.mark();
      const da = arena.alloc(m * k);
      const db = arena.alloc(k * n);
      matmulTransB(da, view(w), view(b), m, n, k); // (m×n)·(k×n)ᵀ
      matmulTransA(db, view(a), view(w), k, m, n); // (m×k)ᵀ·(m×n)
      // float64 differences: truncation O(eps²) ≈ 1e-12, so any error is the float32 kernels' (~1e-6).
      expectGradient(a, da, loss, { digits: 5, h: 1e-5, what: "dA" });
      expectGradient(b, db, loss, { digits: 5, h: 1e-5, what: "dB" });
      arena.reset(mark);
    }
  });
});
