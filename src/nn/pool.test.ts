/** Mean over time: value on a hand-checked case and backward against float64 central differences. */
import { describe, expect, it } from "vitest";
import { expectGradient, weightedSum } from "../../test/helpers/gradients.js";
import { Rng } from "../util/rng.js";
import { meanPoolBackward, meanPoolBackwardReference, meanPoolForward, meanPoolForwardReference } from "./pool.js";
import { Arena } from "./wasm.js";

function maxDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  return worst;
}

describe("mean pool over time", () => {
  it("averages each channel over the T steps of each batch row", () => {
    // B = 2, T = 2, C = 2
    const x = Float32Array.from([1, 10, 3, 20, -1, 0, 1, 4]);
    const out = new Float32Array(4);
    meanPoolForward(out, x, 2, 2, 2);
    expect(Array.from(out)).toEqual([2, 15, 0, 2]);
  });

  it("backward spreads dout/T to every step, accumulating (central differences)", () => {
    const rng = new Rng(4);
    const [b, t, c] = [3, 5, 4];
    const x = Float64Array.from({ length: b * t * c }, () => rng.uniform(-1, 1));
    const w = Float64Array.from({ length: b * c }, () => rng.uniform(-1, 1));
    const y = new Float64Array(b * c);
    const loss = () => {
      meanPoolForward(y, x, b, t, c);
      return weightedSum(y, w);
    };
    const prior = Float64Array.from({ length: b * t * c }, () => rng.uniform(-1, 1));
    const dx = Float64Array.from(prior);
    meanPoolBackward(dx, w, b, t, c);
    expectGradient(
      x,
      Float64Array.from(dx, (g, i) => g - prior[i]!),
      loss,
      { digits: 8, h: 1e-6, what: "dx" },
    );
  });

  it("wasm kernels equal the reference (odd channel counts, the model's 105×192)", () => {
    const rng = new Rng(6);
    for (const [b, t, c] of [
      [2, 3, 5],
      [3, 105, 192],
      [1, 1, 1],
      [4, 7, 9],
    ] as const) {
      const arena = new Arena(4 * b * t * c + 4 * b * c + 64);
      const x = arena.alloc(b * t * c);
      for (let i = 0; i < x.length; i++) x[i] = rng.uniform(-1, 1);
      const out = arena.alloc(b * c);
      meanPoolForward(out, x, b, t, c);
      const expected = new Float64Array(b * c);
      meanPoolForwardReference(expected, Float64Array.from(x), b, t, c);
      expect(maxDifference(out, expected)).toBeLessThan(1e-6);
      const dx = arena.alloc(b * t * c);
      for (let i = 0; i < dx.length; i++) dx[i] = rng.uniform(-1, 1);
      const dx64 = Float64Array.from(dx);
      meanPoolBackward(dx, out, b, t, c);
      meanPoolBackwardReference(dx64, Float64Array.from(out), b, t, c);
      expect(maxDifference(dx, dx64)).toBeLessThan(1e-6);
    }
  });
});
