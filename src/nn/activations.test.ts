/**
 * ReLU and sigmoid: values (including the overflow-safe side of the sigmoid) and backward passes against
 * float64 central differences of L = Σ w ⊙ y.
 */
import { describe, expect, it } from "vitest";
import { expectGradient, weightedSum } from "../../test/helpers/gradients.js";
import { Rng } from "../util/rng.js";
import { reluBackward, reluForward, sigmoidBackward, sigmoidForward } from "./activations.js";

function gradientCheck(
  forward: (out: Float64Array, x: Float64Array, n: number) => void,
  backward: (dx: Float64Array, dout: Float64Array, out: Float64Array, n: number) => void,
  x: Float64Array,
  rng: Rng,
): void {
  const n = x.length;
  const w = Float64Array.from({ length: n }, () => rng.uniform(-1, 1));
  const y = new Float64Array(n);
  const loss = () => {
    forward(y, x, n);
    return weightedSum(y, w);
  };
  loss();
  const prior = Float64Array.from({ length: n }, () => rng.uniform(-1, 1));
  const dx = Float64Array.from(prior);
  backward(dx, w, y, n);
  // Backward accumulates onto the prior gradient.
  expectGradient(
    x,
    Float64Array.from(dx, (g, i) => g - prior[i]!),
    loss,
    { digits: 7, h: 1e-6, what: "dx" },
  );
}

describe("ReLU", () => {
  it("clamps negatives to zero and may run in place", () => {
    const x = Float32Array.from([-2, -0.5, 0, 0.5, 3]);
    reluForward(x, x, 5);
    expect(Array.from(x)).toEqual([0, 0, 0, 0.5, 3]);
  });

  it("backward passes the gradient where the input was positive (central differences away from the kink)", () => {
    const rng = new Rng(1);
    // Keep |x| ≥ 0.01 so no difference straddles the kink at 0.
    const x = Float64Array.from({ length: 40 }, () => (rng.bernoulli(0.5) ? 1 : -1) * rng.uniform(0.01, 2));
    gradientCheck(reluForward, reluBackward, x, rng);
  });
});

describe("sigmoid", () => {
  it("matches 1/(1+e^−x), stays finite and exact at the extremes", () => {
    const x = Float64Array.from([-1000, -30, -1, 0, 1, 30, 1000]);
    const y = new Float64Array(7);
    sigmoidForward(y, x, 7);
    for (let i = 1; i < 6; i++) expect(y[i]).toBeCloseTo(1 / (1 + Math.exp(-x[i]!)), 15);
    expect(y[0]).toBe(0);
    expect(y[6]).toBe(1);
    expect(y[3]).toBe(0.5);
  });

  it("backward is σ(1 − σ) times the upstream gradient (central differences)", () => {
    const rng = new Rng(2);
    const x = Float64Array.from({ length: 40 }, () => rng.uniform(-6, 6));
    gradientCheck(sigmoidForward, sigmoidBackward, x, rng);
  });
});
