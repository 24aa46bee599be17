import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { binIndex, brierScore, expectedCalibrationError, reliabilityDiagram, spanTargetsMask } from "./calibration.js";

/** The largest double below a positive x. */
function previousDouble(x: number): number {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  view.setBigUint64(0, view.getBigUint64(0) - 1n);
  return view.getFloat64(0);
}

describe("spanTargetsMask", () => {
  it("sets 1 on start…end of each window (inclusive)", () => {
    expect(
      Array.from(
        spanTargetsMask(
          [
            { start: 1, end: 2 },
            { start: 0, end: 0 },
          ],
          4,
        ),
      ),
    ).toEqual([0, 1, 1, 0, 1, 0, 0, 0]);
    expect(Array.from(spanTargetsMask([{ start: 0, end: 2 }], 3))).toEqual([1, 1, 1]);
    expect(() => spanTargetsMask([{ start: 0, end: 3 }], 3)).toThrow(/span/);
  });
});

/**
 * 7 bars, 10 bins:
 *   p = .05 .15 .12 .95 1.0 .3  0      y = 0 1 0 1 1 0 0
 *   bin 0 [0,.1):   .05, 0   → n 2, mean .025, freq 0   → |gap| .025
 *   bin 1 [.1,.2):  .15, .12 → n 2, mean .135, freq .5  → |gap| .365
 *   bin 3 [.3,.4):  .3 (an edge opens its bin) → n 1, mean .3, freq 0 → |gap| .3
 *   bin 9 [.9,1]:   .95, 1.0 (1.0 in the last bin) → n 2, mean .975, freq 1 → |gap| .025
 *   ECE = (2·.025 + 2·.365 + 1·.3 + 2·.025)/7 = 1.13/7 = .161428…
 *   Brier = (.05² + .85² + .12² + .05² + 0² + .3² + 0²)/7 = (.0025 + .7225 + .0144 + .0025 + .09)/7 = .8319/7 = .118843…
 */
const P = new Float64Array([0.05, 0.15, 0.12, 0.95, 1.0, 0.3, 0]);
const Y = new Uint8Array([0, 1, 0, 1, 1, 0, 0]);

describe("reliabilityDiagram", () => {
  it("bins, counts, means and frequencies (hand-computed)", () => {
    const d = reliabilityDiagram(P, Y);
    expect(d).toHaveLength(10);
    expect(d.map((b) => b.count)).toEqual([2, 2, 0, 1, 0, 0, 0, 0, 0, 2]);
    expect(d[0]!.meanPredicted).toBeCloseTo(0.025, 15);
    expect(d[0]!.observedFrequency).toBe(0);
    expect(d[1]!.meanPredicted).toBeCloseTo(0.135, 15);
    expect(d[1]!.observedFrequency).toBe(0.5);
    expect(d[3]!.meanPredicted).toBe(0.3);
    expect(d[3]!.observedFrequency).toBe(0);
    expect(d[9]!.meanPredicted).toBeCloseTo(0.975, 15);
    expect(d[9]!.observedFrequency).toBe(1);
    expect(d[2]!.meanPredicted).toBeNaN(); // empty bins
    expect(d[2]!.observedFrequency).toBeNaN();
    expect(d.map((b) => b.lower)).toEqual([0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]);
    expect(d[9]!.upper).toBe(1);
  });

  it("takes the number of bins", () => {
    // 2 bins: [0,.5) ← .05 .15 .12 .3 0 (y 0 1 0 0 0); [.5,1] ← .95 1.0 (y 1 1)
    const d = reliabilityDiagram(P, Y, 2);
    expect(d.map((b) => b.count)).toEqual([5, 2]);
    expect(d[0]!.meanPredicted).toBeCloseTo(0.62 / 5, 15);
    expect(d[0]!.observedFrequency).toBe(0.2);
  });

  it("edges: k/bins opens bin k, 1.0 is in the last bin, the double below an edge stays below", () => {
    // p·bins can round down below an edge: (15/22)·22 is 14.999999999999998 in floating point
    expect((15 / 22) * 22).toBeLessThan(15);
    expect(binIndex(15 / 22, 22)).toBe(15);
    for (let bins = 1; bins <= 50; bins++) {
      for (let k = 0; k < bins; k++) expect(binIndex(k / bins, bins)).toBe(k);
      expect(binIndex(1, bins)).toBe(bins - 1);
    }
    // …and up onto one: the double just below .9 times 10 is exactly 9 in floating point,
    // yet the value lies in [.8, .9)
    expect(0.8999999999999999 * 10).toBe(9);
    expect(binIndex(0.8999999999999999, 10)).toBe(8);
    for (let bins = 1; bins <= 50; bins++) {
      for (let k = 1; k < bins; k++) expect(binIndex(previousDouble(k / bins), bins)).toBe(k - 1);
    }
    // float32 values are binned by their exact double value: Float32(0.7) = 0.69999998…
    expect(binIndex(new Float32Array([0.7])[0]!, 10)).toBe(6);
    expect(binIndex(new Float32Array([0.3])[0]!, 10)).toBe(3); // Float32(0.3) = 0.30000001…
  });

  it("property: every probability lands in the bin whose bounds contain it", () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1, noNaN: true }), fc.integer({ min: 1, max: 50 }), (p, bins) => {
        const b = binIndex(p, bins);
        expect(b >= 0 && b < bins).toBe(true);
        expect(p >= b / bins).toBe(true);
        expect(p < (b + 1) / bins || (b === bins - 1 && p <= 1)).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });

  it("rejects probabilities outside [0, 1], non-binary targets, length mismatch, bad bins", () => {
    expect(() => reliabilityDiagram([1.2], [1])).toThrow(/\[0, 1\]/);
    expect(() => reliabilityDiagram([NaN], [1])).toThrow(/\[0, 1\]/);
    expect(() => reliabilityDiagram([0.2], [2])).toThrow(/0 or 1/);
    expect(() => reliabilityDiagram([0.2, 0.3], [1])).toThrow(/targets/);
    expect(() => reliabilityDiagram([0.2], [1], 0)).toThrow(/bins/);
  });
});

describe("expectedCalibrationError", () => {
  it("Σ (n_b/N)|mean − freq| (hand-computed)", () => {
    expect(expectedCalibrationError(P, Y)).toBeCloseTo(1.13 / 7, 14);
  });

  it("is 0 for a calibrated bin and 1 for a confidently wrong one", () => {
    // four bars at .25 with one positive: mean .25 = freq .25
    expect(expectedCalibrationError([0.25, 0.25, 0.25, 0.25], [1, 0, 0, 0])).toBeCloseTo(0, 15);
    expect(expectedCalibrationError([1, 0], [0, 1])).toBe(1);
  });

  it("is NaN with no bars", () => {
    expect(expectedCalibrationError([], [])).toBeNaN();
  });
});

describe("brierScore", () => {
  it("mean (p − y)² (hand-computed)", () => {
    expect(brierScore(P, Y)).toBeCloseTo(0.8319 / 7, 14);
    // four bars at .25, one positive: (3·.0625 + .5625)/4 = .1875
    expect(brierScore([0.25, 0.25, 0.25, 0.25], [1, 0, 0, 0])).toBe(0.1875);
    expect(brierScore([1, 0], [1, 0])).toBe(0);
  });

  it("is NaN with no bars and validates inputs", () => {
    expect(brierScore([], [])).toBeNaN();
    expect(() => brierScore([-0.1], [0])).toThrow(/\[0, 1\]/);
  });
});
