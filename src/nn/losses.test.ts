/**
 * Each loss of docs/spec.md §4 on tiny inputs whose value is worked out by hand in the comments, and each
 * backward against central finite differences in float64.
 */

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { expectGradient } from "../../test/helpers/gradients.js";
import { Rng } from "../util/rng.js";
import {
  COUNTDOWN_CLIP,
  SPAN_PROB_MAX,
  SPAN_PROB_MIN,
  crossEntropy,
  huberLoss,
  kendallTaskWeights,
  kendallWeightedLoss,
  sigmoid,
  softSpanBce,
  softSpanBceWithLogits,
  spanTargets,
  spanTargetsBatch,
} from "./losses.js";

function randomArray(rng: Rng, n: number, low: number, high: number): Float64Array {
  return Float64Array.from({ length: n }, () => rng.uniform(low, high));
}

describe("crossEntropy", () => {
  it("matches hand-computed values and gradient", () => {
    // Row 0: logits (0, 0, 0), target 0 → ln 3 = 1.0986123.
    // Row 1: logits (1, 2, 3), target 2 → logsumexp = 3 + ln(1 + e⁻¹ + e⁻²) = 3.4076059; loss 0.4076059.
    // Batch mean: (1.0986123 + 0.4076059)/2 = 0.7531091.
    const logits = new Float64Array([0, 0, 0, 1, 2, 3]);
    const grad = new Float64Array(6);
    expect(crossEntropy(logits, new Int32Array([0, 2]), 2, 3, grad)).toBeCloseTo(0.7531091, 6);
    // Gradient = (softmax − one-hot)/B. Row 0: (1/3 − 1, 1/3, 1/3)/2. Row 1: softmax (1,2,3) =
    // (0.0900306, 0.2447285, 0.6652410) → (0.0900306, 0.2447285, −0.3347590)/2.
    const expected = [-1 / 3, 1 / 6, 1 / 6, 0.0450153, 0.1223642, -0.1673795];
    expected.forEach((g, i) => {
      expect(grad[i]).toBeCloseTo(g, 6);
    });
  });

  it("does not overflow on huge logits", () => {
    // Logits (1000, 0, −1000), target 1 → loss = 1000 − 0 = 1000 (softmax puts all mass on class 0).
    expect(crossEntropy(new Float64Array([1000, 0, -1000]), [1], 1, 3)).toBeCloseTo(1000, 9);
  });

  it("has the finite-difference gradient", () => {
    const rng = new Rng(1);
    const batch = 5;
    const logits = randomArray(rng, batch * 3, -3, 3);
    const targets = new Uint8Array([0, 1, 2, 1, 0]);
    const grad = new Float64Array(logits.length);
    crossEntropy(logits, targets, batch, 3, grad);
    expectGradient(logits, grad, () => crossEntropy(logits, targets, batch, 3), { digits: 7, h: 1e-6 });
  });

  it("rejects targets outside the classes and mismatched shapes", () => {
    expect(() => crossEntropy(new Float64Array(6), [0, 3], 2, 3)).toThrow(/target 3/);
    expect(() => crossEntropy(new Float64Array(5), [0, 1], 2, 3)).toThrow(/logits length/);
  });
});

describe("huberLoss", () => {
  it("matches hand-computed values with δ = 1 (countdown) and δ = 0.08 (pointers)", () => {
    // δ = 1, d = (0.5, 3): 0.5·0.25 = 0.125 (quadratic); 1·(3 − 0.5) = 2.5 (linear). Mean 1.3125.
    // Gradient: d/n = 0.25 and δ·sign(d)/n = 0.5.
    const grad = new Float64Array(2);
    expect(huberLoss(new Float64Array([0.5, 3]), [0, 0], 1.0, grad)).toBeCloseTo(1.3125, 12);
    expect(Array.from(grad)).toEqual([0.25, 0.5]);
    // δ = 0.08, pointers (0.5, 0.1) vs targets (0.45, 0.3): d = 0.05 → 0.5·0.0025 = 0.00125;
    // d = −0.2 → 0.08·(0.2 − 0.04) = 0.0128. Mean 0.007025. Gradient (0.05/2, −0.08/2) = (0.025, −0.04).
    // Between δ and 2δ the linear branch already applies: δ = 1, d = 1.5 → 1·(1.5 − 0.5) = 1.0 (not ½·2.25).
    const g1 = new Float64Array(1);
    expect(huberLoss(new Float64Array([1.5]), [0], 1.0, g1)).toBeCloseTo(1.0, 12);
    expect(g1[0]).toBe(1);
    const g2 = new Float64Array(2);
    expect(huberLoss(new Float64Array([0.5, 0.1]), [0.45, 0.3], 0.08, g2)).toBeCloseTo(0.007025, 12);
    expect(g2[0]).toBeCloseTo(0.025, 12);
    expect(g2[1]).toBeCloseTo(-0.04, 12);
  });

  it("is continuous with a continuous gradient at |d| = δ", () => {
    const delta = 0.08;
    const at = (d: number): [number, number] => {
      const g = new Float64Array(1);
      return [huberLoss(new Float64Array([d]), [0], delta, g), g[0]!];
    };
    const [below, gBelow] = at(delta - 1e-12);
    const [above, gAbove] = at(delta + 1e-12);
    expect(above - below).toBeLessThan(1e-10);
    expect(Math.abs(gAbove - gBelow)).toBeLessThan(1e-10);
    expect(at(delta)[0]).toBeCloseTo(0.5 * delta * delta, 12); // both branches give ½δ² there
  });

  it("has the finite-difference gradient in both zones", () => {
    const rng = new Rng(2);
    for (const delta of [0.08, 1.0]) {
      const pred = randomArray(rng, 24, -2, 2);
      const target = randomArray(rng, 24, -2, 2);
      const grad = new Float64Array(pred.length);
      huberLoss(pred, target, delta, grad);
      expectGradient(pred, grad, () => huberLoss(pred, target, delta), { digits: 7, h: 1e-6 });
    }
  });

  it("is symmetric in the sign of d and grows linearly far out (property)", () => {
    fc.assert(
      fc.property(fc.double({ min: -50, max: 50, noNaN: true }), fc.double({ min: 0.01, max: 5, noNaN: true }), (d, delta) => {
        const plus = huberLoss(new Float64Array([d]), [0], delta);
        const minus = huberLoss(new Float64Array([-d]), [0], delta);
        expect(plus).toBeCloseTo(minus, 12);
        expect(plus).toBeLessThanOrEqual(0.5 * d * d + 1e-12); // Huber never exceeds the squared loss
        expect(plus).toBeGreaterThanOrEqual(0);
      }),
      { seed: 3, numRuns: 200 },
    );
  });
});

describe("softSpanBce", () => {
  it("matches hand-computed values, with and without a positive weight", () => {
    // p = (0.9, 0.2), m = (1, 0): −(ln 0.9 + ln 0.8)/2 = (0.1053605 + 0.2231436)/2 = 0.1642520.
    const p = new Float64Array([0.9, 0.2]);
    const grad = new Float64Array(2);
    expect(softSpanBce(p, [1, 0], grad)).toBeCloseTo(0.164252, 6);
    // Gradient: m = 1 → −1/(0.9·2) = −0.5555556; m = 0 → 1/((1 − 0.2)·2) = 0.625.
    expect(grad[0]).toBeCloseTo(-0.5555556, 6);
    expect(grad[1]).toBeCloseTo(0.625, 10);
    // posWeight 13.1 scales only the in-span term: (13.1·0.1053605 + 0.2231436)/2 = 0.8016832.
    const gw = new Float64Array(2);
    expect(softSpanBce(p, [1, 0], gw, 13.1)).toBeCloseTo(0.8016832, 6);
    expect(gw[0]).toBeCloseTo(-13.1 / 1.8, 6);
    expect(gw[1]).toBeCloseTo(0.625, 10);
  });

  it("clamps p to [1e-7, 1 − 1e-7] in float32 as PyTorch does, and blocks the gradient only outside", () => {
    expect(SPAN_PROB_MIN).toBe(Math.fround(1e-7));
    expect(SPAN_PROB_MAX).toBe(1 - 2 ** -23);
    // p = 0 with m = 1 and p = 1 with m = 0 both cost −ln(1e-7) ≈ 16.118 (finite), gradient 0.
    const grad = new Float64Array(2);
    const loss = softSpanBce(new Float64Array([0, 1]), [1, 0], grad);
    expect(loss).toBeCloseTo((-Math.log(SPAN_PROB_MIN) - Math.log(1 - SPAN_PROB_MAX)) / 2, 10);
    expect(loss).toBeCloseTo(16.0, 0);
    expect(Array.from(grad)).toEqual([0, 0]);
    // At the bound itself torch.clamp still passes the gradient (min ≤ p ≤ max is inclusive).
    const atBound = new Float64Array(1);
    softSpanBce(new Float64Array([SPAN_PROB_MIN]), [1], atBound);
    expect(atBound[0]).toBeCloseTo(-1 / SPAN_PROB_MIN, 0);
    const below = new Float64Array(1);
    softSpanBce(new Float64Array([SPAN_PROB_MIN / 2]), [1], below);
    expect(below[0]).toBe(0);
  });

  it("has the finite-difference gradient w.r.t. p", () => {
    const rng = new Rng(4);
    const p = randomArray(rng, 30, 0.05, 0.95);
    const mask = Float64Array.from({ length: 30 }, () => (rng.bernoulli(0.3) ? 1 : 0));
    for (const w of [1, 13.1]) {
      const grad = new Float64Array(p.length);
      softSpanBce(p, mask, grad, w);
      expectGradient(p, grad, () => softSpanBce(p, mask, undefined, w), { digits: 6, h: 1e-6 });
    }
  });
});

describe("softSpanBceWithLogits", () => {
  it("gives exactly the probability form's loss, and its gradient chained through the sigmoid", () => {
    const rng = new Rng(5);
    const z = randomArray(rng, 40, -25, 25); // covers both clamped tails (|z| > 16.1)
    const mask = Float64Array.from({ length: 40 }, () => (rng.bernoulli(0.5) ? 1 : 0));
    const p = Float64Array.from(z, sigmoid);
    for (const w of [1, 13.1]) {
      const gradZ = new Float64Array(z.length);
      const gradP = new Float64Array(z.length);
      const fused = softSpanBceWithLogits(z, mask, gradZ, w);
      expect(fused).toBeCloseTo(softSpanBce(p, mask, gradP, w), 12);
      let clamped = 0;
      for (let i = 0; i < z.length; i++) {
        expect(gradZ[i]).toBeCloseTo(gradP[i]! * p[i]! * (1 - p[i]!), 10);
        if (gradZ[i] === 0) clamped++;
      }
      expect(clamped).toBeGreaterThan(0); // the clamp was exercised
    }
  });

  it("is (p − m)/n for w = 1 where unclamped: hand values", () => {
    // z = 0 → p = 0.5; z = ln 3 → p = 0.75. m = (1, 0), n = 2.
    // Loss = −(ln 0.5 + ln 0.25)/2 = (0.6931472 + 1.3862944)/2 = 1.0397208.
    // Gradient = (0.5 − 1, 0.75 − 0)/2 = (−0.25, 0.375).
    const grad = new Float64Array(2);
    expect(softSpanBceWithLogits(new Float64Array([0, Math.log(3)]), [1, 0], grad)).toBeCloseTo(1.0397208, 6);
    expect(grad[0]).toBeCloseTo(-0.25, 12);
    expect(grad[1]).toBeCloseTo(0.375, 12);
  });

  it("has the finite-difference gradient w.r.t. the logits", () => {
    const rng = new Rng(6);
    const z = randomArray(rng, 30, -6, 6);
    const mask = Float64Array.from({ length: 30 }, () => (rng.bernoulli(0.3) ? 1 : 0));
    for (const w of [1, 13.1]) {
      const grad = new Float64Array(z.length);
      softSpanBceWithLogits(z, mask, grad, w);
      expectGradient(z, grad, () => softSpanBceWithLogits(z, mask, undefined, w), { digits: 7, h: 1e-6 });
    }
  });

  it("stays finite for extreme logits (property)", () => {
    fc.assert(
      fc.property(fc.double({ min: -1e6, max: 1e6, noNaN: true }), fc.constantFrom(0, 1), (z, m) => {
        const grad = new Float64Array(1);
        const loss = softSpanBceWithLogits(new Float64Array([z]), [m], grad, 13.1);
        expect(Number.isFinite(loss) && loss >= 0).toBe(true);
        expect(Number.isFinite(grad[0]!)).toBe(true);
      }),
      { seed: 7, numRuns: 200 },
    );
  });
});

describe("Kendall uncertainty weighting", () => {
  it("matches hand-computed total and gradients", () => {
    // L = (2, 1), log σ = (0, ln 2) → σ² = (1, 4).
    // total = 2/(2·1) + 0 + 1/(2·4) + ln 2 = 1 + 0.125 + 0.6931472 = 1.8181472.
    // d/dL = 1/(2σ²) = (0.5, 0.125); d/d log σ = 1 − L/σ² = (1 − 2, 1 − 0.25) = (−1, 0.75).
    const grads = { losses: new Float64Array(2), logSigmas: new Float64Array(2) };
    expect(kendallWeightedLoss([2, 1], [0, Math.LN2], grads)).toBeCloseTo(1.8181472, 6);
    expect(grads.losses[0]).toBeCloseTo(0.5, 12);
    expect(grads.losses[1]).toBeCloseTo(0.125, 12);
    expect(grads.logSigmas[0]).toBeCloseTo(-1, 12);
    expect(grads.logSigmas[1]).toBeCloseTo(0.75, 12);
    // Task weights: 1/σ² = (1, 0.25) → (0.8, 0.2).
    const w = kendallTaskWeights([0, Math.LN2]);
    expect(w[0]).toBeCloseTo(0.8, 12);
    expect(w[1]).toBeCloseTo(0.2, 12);
  });

  it("has the finite-difference gradient w.r.t. losses and log σ, added into plain arrays too", () => {
    const rng = new Rng(8);
    const losses = randomArray(rng, 4, 0.1, 20);
    const logSigmas = randomArray(rng, 4, -1, 1);
    const gradLosses = [1, 1, 1, 1];
    const gradLogSigmas = new Float64Array(4);
    kendallWeightedLoss(losses, logSigmas, { losses: gradLosses, logSigmas: gradLogSigmas });
    expectGradient(
      losses,
      gradLosses.map((g) => g - 1),
      () => kendallWeightedLoss(losses, logSigmas),
      { digits: 7, h: 1e-6 },
    );
    expectGradient(logSigmas, gradLogSigmas, () => kendallWeightedLoss(losses, logSigmas), { digits: 6, h: 1e-6 });
  });

  it("reproduces the reference's span weights from its learned σ's (docs/spec.md §8: 24.8% soft vs 10.8% CRF)", () => {
    const soft = kendallTaskWeights([0.5492, 0.8474, 0.7536, 1.2642].map(Math.log));
    const crf = kendallTaskWeights([0.5491, 0.8377, 1.2437, 1.2996].map(Math.log));
    expect(soft[2]! * 100).toBeCloseTo(24.8, 1);
    expect(crf[2]! * 100).toBeCloseTo(10.8, 1);
    expect(soft.reduce((a, x) => a + x, 0)).toBeCloseTo(1, 12);
  });

  it("keeps task weights finite for extreme log σ", () => {
    const w = kendallTaskWeights([-400, 0, 400]);
    expect(w.every(Number.isFinite)).toBe(true);
    expect(w[0]).toBeCloseTo(1, 12);
  });
});

describe("gradient buffers", () => {
  it("are added into (+=), never overwritten, by every loss", () => {
    const rng = new Rng(9);
    const x = randomArray(rng, 6, -2, 2);
    const probs = randomArray(rng, 6, 0.1, 0.9);
    const target = [0, 1, 1, 0, 1, 0];
    const cases: Array<[string, Float64Array, (g: Float64Array) => number]> = [
      ["crossEntropy", x, (g) => crossEntropy(x, [2, 0], 2, 3, g)],
      ["huberLoss", x, (g) => huberLoss(x, target, 0.5, g)],
      ["softSpanBce", probs, (g) => softSpanBce(probs, target, g, 13.1)],
      ["softSpanBceWithLogits", x, (g) => softSpanBceWithLogits(x, target, g, 13.1)],
      [
        "kendallWeightedLoss",
        x,
        (g) => kendallWeightedLoss(x.subarray(0, 3).map(Math.abs), x.subarray(3), { losses: g.subarray(0, 3), logSigmas: g.subarray(3) }),
      ],
    ];
    for (const [name, input, run] of cases) {
      const fresh = new Float64Array(input.length);
      run(fresh);
      expect(
        fresh.some((g) => g !== 0),
        name,
      ).toBe(true);
      const prefilled = new Float64Array(input.length).fill(0.5);
      run(prefilled);
      fresh.forEach((g, i) => {
        expect(prefilled[i], name).toBeCloseTo(0.5 + g, 14);
      });
    }
  });

  it("must match the input's length", () => {
    expect(() => huberLoss(new Float64Array(3), [0, 0, 0], 1, new Float64Array(2))).toThrow(/gradient buffer/);
    expect(() => softSpanBce(new Float64Array(3).fill(0.5), [0, 0, 0], new Float64Array(4))).toThrow(/gradient buffer/);
  });
});

describe("spanTargets", () => {
  it("builds mask, tags, clipped countdown and pointers for a span", () => {
    // Span [3, 5] in a 10-bar window: countdown s − t = 3, 2, 1, 0, −1, …, −6.
    // Pointers: center (3 + 5)/2/10 = 0.4, length (5 − 3)/10 = 0.2.
    const t = spanTargets(3, 5, 10);
    expect(Array.from(t.mask)).toEqual([0, 0, 0, 1, 1, 1, 0, 0, 0, 0]);
    expect(Array.from(t.tags)).toEqual([0, 0, 0, 1, 1, 1, 0, 0, 0, 0]);
    expect(Array.from(t.countdown)).toEqual([3, 2, 1, 0, -1, -2, -3, -4, -5, -6]);
    expect(t.pointers[0]).toBeCloseTo(0.4, 7);
    expect(t.pointers[1]).toBeCloseTo(0.2, 7);
  });

  it("defaults to 105-bar windows and clips the countdown at ±20", () => {
    // Span [50, 60]: c₀ = 50 → 20, c₁₀₄ = −54 → −20, c₄₀ = 10. Center 55/105, length 10/105.
    const t = spanTargets(50, 60);
    expect(t.mask.length).toBe(105);
    expect(t.countdown[0]).toBe(COUNTDOWN_CLIP);
    expect(t.countdown[104]).toBe(-COUNTDOWN_CLIP);
    expect(t.countdown[40]).toBe(10);
    expect(t.mask.reduce((a, x) => a + x, 0)).toBe(11);
    expect(t.pointers[0]).toBeCloseTo(55 / 105, 7);
    expect(t.pointers[1]).toBeCloseTo(10 / 105, 7);
  });

  it("lays a batch out as (B, T) and (B, 2)", () => {
    const batch = spanTargetsBatch([0, 2], [1, 3], 4);
    expect(Array.from(batch.mask)).toEqual([1, 1, 0, 0, 0, 0, 1, 1]);
    expect(Array.from(batch.countdown)).toEqual([0, -1, -2, -3, 2, 1, 0, -1]);
    expect(Array.from(batch.pointers)).toEqual([0.125, 0.25, 0.625, 0.25]);
  });

  it("rejects spans outside the window or reversed", () => {
    expect(() => spanTargets(5, 3, 10)).toThrow(/start ≤ end/);
    expect(() => spanTargets(0, 105)).toThrow(/< 105/);
    expect(() => spanTargets(-1, 2, 10)).toThrow();
  });

  it("marks every annotated bar in span when the window lists other spans; countdown and pointers keep the primary", () => {
    // Primary [3, 4], another annotated span [7, 8] in a 10-bar window (docs/spec.md §4).
    const marks = Uint8Array.from([0, 0, 0, 1, 1, 0, 0, 1, 1, 0]);
    const t = spanTargets(3, 4, 10, marks);
    expect(Array.from(t.mask)).toEqual([0, 0, 0, 1, 1, 0, 0, 1, 1, 0]);
    expect(Array.from(t.tags)).toEqual([0, 0, 0, 1, 1, 0, 0, 1, 1, 0]);
    expect(Array.from(t.countdown)).toEqual(Array.from(spanTargets(3, 4, 10).countdown));
    expect(Array.from(t.pointers)).toEqual(Array.from(spanTargets(3, 4, 10).pointers));
    const batch = spanTargetsBatch([3, 0], [4, 0], 10, Uint8Array.from([...marks, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1]));
    expect(Array.from(batch.tags.subarray(10))).toEqual([1, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
    expect(() => spanTargets(3, 4, 10, Uint8Array.from([0, 0, 0, 1, 0, 0, 0, 0, 0, 0]))).toThrow(/bar 4 of the primary span \[3, 4\] is not marked/);
    expect(() => spanTargets(3, 4, 10, new Uint8Array(9))).toThrow(/length 9, expected 10/);
  });
});
