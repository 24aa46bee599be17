import { describe, expect, it } from "vitest";
import { adamWStep, clipGradientNorm, createAdamWState } from "./adamw.js";

describe("AdamW", () => {
  it("matches a hand-computed first and second step", () => {
    const values = new Float32Array([1.0, -2.0]);
    const gradients = new Float32Array([0.5, -0.1]);
    const state = createAdamWState(2);
    const options = { learningRate: 0.1, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0.01 };
    adamWStep(values, gradients, state, options);
    // Step 1: m̂ = g, v̂ = g², so the Adam update is lr·sign(g) (up to ε); decay multiplies by 1 − 0.1·0.01.
    // p0: 1.0·0.999 − 0.1 = 0.899;  p1: −2.0·0.999 + 0.1 = −1.898
    expect(values[0]).toBeCloseTo(0.899, 6);
    expect(values[1]).toBeCloseTo(-1.898, 6);
    // Step 2 with g = 0.5 again for p0: m = 0.9·0.05 + 0.1·0.5 = 0.095, v = 0.999·0.00025 + 0.001·0.25 = 0.00049975
    // m̂ = 0.095/0.19 = 0.5, v̂ = 0.00049975/0.001999 = 0.25, update = 0.1·0.5/0.5 = 0.1
    // p0 = 0.899·0.999 − 0.1 = 0.798101
    adamWStep(values, gradients, state, options);
    expect(values[0]).toBeCloseTo(0.798101, 6);
    expect(state.step).toBe(2);
  });

  it("refuses buffers of different lengths", () => {
    expect(() => adamWStep(new Float32Array(3), new Float32Array(2), createAdamWState(3))).toThrow(/differ in length/);
  });

  it("clips the global gradient norm like torch.nn.utils.clip_grad_norm_", () => {
    const gradients = new Float32Array([3, 4]);
    expect(clipGradientNorm(gradients, 1)).toBeCloseTo(5, 6);
    expect(Math.hypot(gradients[0]!, gradients[1]!)).toBeCloseTo(1, 5);
    const small = new Float32Array([0.3, 0.4]);
    clipGradientNorm(small, 1);
    expect(Array.from(small)).toEqual([Math.fround(0.3), Math.fround(0.4)]);
  });
});
