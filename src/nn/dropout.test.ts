/**
 * Inverted dropout: the mask's keep rate and scale, determinism from the Rng, identity at evaluation, and
 * the backward against float64 central differences with the mask held fixed.
 */
import { describe, expect, it } from "vitest";
import { expectGradient, weightedSum } from "../../test/helpers/gradients.js";
import { Rng } from "../util/rng.js";
import { drawDropoutMask, dropoutBackward, dropoutBackwardReference, dropoutForward, dropoutForwardReference } from "./dropout.js";
import { Arena } from "./wasm.js";

describe("dropout", () => {
  it("keeps ≈(1−p) of the entries, scaled by 1/(1−p), so the mean is preserved", () => {
    for (const p of [0.3, 0.6]) {
      const n = 200_000;
      const mask = new Float32Array(n);
      drawDropoutMask(mask, n, p, new Rng(7));
      const kept = mask.filter((m) => m !== 0);
      expect(new Set(kept).size).toBe(1);
      expect(kept[0]).toBeCloseTo(1 / (1 - p), 6);
      // Binomial standard deviation of the keep rate: sqrt(p(1−p)/n) ≈ 1.1e-3; allow 5σ.
      expect(Math.abs(kept.length / n - (1 - p))).toBeLessThan(5.5e-3);
      const mean = mask.reduce((s, m) => s + m, 0) / n;
      expect(Math.abs(mean - 1)).toBeLessThan(0.02);
    }
  });

  it("draws the same mask from the same Rng state and a different one from another (odd n included)", () => {
    const a = new Float32Array(101);
    const b = new Float32Array(101);
    const c = new Float32Array(101);
    drawDropoutMask(a, 101, 0.5, new Rng(3));
    drawDropoutMask(b, 101, 0.5, new Rng(3));
    drawDropoutMask(c, 101, 0.5, new Rng(4));
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(a)).not.toEqual(Array.from(c));
  });

  it("is the identity at evaluation (null mask) and with p = 0", () => {
    const x = Float32Array.from([1, -2, 3]);
    const out = new Float32Array(3);
    dropoutForward(out, x, null, 3);
    expect(Array.from(out)).toEqual([1, -2, 3]);
    const mask = new Float32Array(3);
    drawDropoutMask(mask, 3, 0, new Rng(1));
    dropoutForward(out, x, mask, 3);
    expect(Array.from(out)).toEqual([1, -2, 3]);
    expect(() => drawDropoutMask(mask, 3, 1, new Rng(1))).toThrow(/\[0, 1\)/);
  });

  it("backward multiplies by the same mask, accumulating (central differences with the mask fixed)", () => {
    const rng = new Rng(9);
    const n = 30;
    const mask = new Float64Array(n);
    drawDropoutMask(mask, n, 0.4, rng);
    const x = Float64Array.from({ length: n }, () => rng.uniform(-1, 1));
    const w = Float64Array.from({ length: n }, () => rng.uniform(-1, 1));
    const y = new Float64Array(n);
    const loss = () => {
      dropoutForward(y, x, mask, n);
      return weightedSum(y, w);
    };
    const prior = Float64Array.from({ length: n }, () => rng.uniform(-1, 1));
    const dx = Float64Array.from(prior);
    dropoutBackward(dx, w, mask, n);
    expectGradient(
      x,
      Float64Array.from(dx, (g, i) => g - prior[i]!),
      loss,
      { digits: 8, h: 1e-6, what: "dx" },
    );
  });

  it("wasm forward and backward equal the reference on arena views (odd length, null mask too)", () => {
    const rng = new Rng(12);
    const n = 1001;
    const arena = new Arena(5 * n + 64);
    const x = arena.alloc(n);
    const dout = arena.alloc(n);
    for (let i = 0; i < n; i++) {
      x[i] = rng.uniform(-1, 1);
      dout[i] = rng.uniform(-1, 1);
    }
    const mask = arena.alloc(n);
    drawDropoutMask(mask, n, 0.3, rng);
    const out = arena.alloc(n);
    const dx = arena.alloc(n);
    for (const m of [mask, null]) {
      dropoutForward(out, x, m, n);
      const expected = new Float32Array(n);
      dropoutForwardReference(expected, x, m, n);
      expect(Array.from(out)).toEqual(Array.from(expected));
      const before = Float32Array.from(dx);
      dropoutBackward(dx, dout, m, n);
      dropoutBackwardReference(before, dout, m, n);
      expect(Array.from(dx)).toEqual(Array.from(before));
    }
  });

  it("draws the identical mask in wasm (arena view) and in TypeScript (plain array), every tail length", () => {
    // 200 003 entries: the draw equals the threshold (the keep/drop boundary) ~3 times per mask, so an
    // off-by-one comparison in either implementation shows.
    const arena = new Arena(500_000);
    for (const n of [1, 5, 8, 9, 15, 16, 17, 1003, 200_003]) {
      for (const p of [0.3, 0.6]) {
        const view = arena.alloc(n);
        const plain = new Float32Array(n);
        const rngA = new Rng(n);
        const rngB = new Rng(n);
        drawDropoutMask(view, n, p, rngA);
        drawDropoutMask(plain, n, p, rngB);
        expect(Array.from(view)).toEqual(Array.from(plain));
        // Both advanced the Rng alike.
        expect(rngA.state()).toEqual(rngB.state());
      }
    }
    // The wasm kernel must not write past n.
    const guard = arena.alloc(16);
    guard.fill(-1);
    drawDropoutMask(guard, 9, 0.5, new Rng(1));
    expect(Array.from(guard.subarray(9))).toEqual([-1, -1, -1, -1, -1, -1, -1]);
  });
});
