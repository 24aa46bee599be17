/**
 * The detection-offset histogram: counts starts modulo the stride from each segment's first bar, its χ²
 * p-value matches known quantiles, and the warning fires by the stated rule (n ≥ 2·stride and p < 0.001,
 * or n ≥ 10 with half the starts at one offset) — and not on uniform starts.
 */
import { describe, expect, it } from "vitest";
import { Rng } from "../util/rng.js";
import { chiSquareUpperTail, describeOffsets, offsetHistogram, offsetWarning } from "./offsets.js";

describe("offset histogram", () => {
  it("counts starts modulo the stride relative to their segment", () => {
    const h = offsetHistogram([0, 5, 10, 12, 103], 5, [
      { start: 0, end: 100 },
      { start: 100, end: 200 },
    ]);
    expect(h.counts).toEqual([3, 0, 1, 1, 0]);
    expect(h.topOffset).toBe(0);
    expect(h.topShare).toBeCloseTo(0.6, 12);
  });

  it("has χ² upper tails close to the tables (Wilson–Hilferty)", () => {
    // χ²(34) 0.999 quantile 65.25, 0.5 quantile 33.34; χ²(25) 0.99 quantile 44.31.
    expect(chiSquareUpperTail(65.25, 34)).toBeCloseTo(0.001, 3);
    expect(chiSquareUpperTail(33.34, 34)).toBeCloseTo(0.5, 2);
    expect(chiSquareUpperTail(44.31, 25)).toBeCloseTo(0.01, 3);
    expect(chiSquareUpperTail(0, 10)).toBe(1);
  });

  it("warns on starts piled on window offsets, not on uniform ones", () => {
    const rng = new Rng(8);
    const uniform = Array.from({ length: 700 }, () => rng.int(100_000));
    const spread = offsetHistogram(uniform, 35, []);
    expect(spread.clustered).toBe(false);
    expect(offsetWarning(spread)).toBeNull();
    const piled = offsetHistogram([...uniform.slice(0, 300), ...Array.from({ length: 100 }, (_, k) => 35 * k)], 35, []);
    expect(piled.pValue).toBeLessThan(0.001);
    expect(piled.clustered).toBe(true);
    expect(offsetWarning(piled)).toMatch(/^WARNING: detections cluster at window offsets — detection starts modulo the stride 35/);
    // Few detections: only the one-offset rule can fire.
    expect(offsetHistogram([0, 35, 70, 105, 140, 175, 3, 9, 11, 13], 35, []).clustered).toBe(true);
    expect(offsetHistogram([0, 35, 70, 1, 2, 3, 4, 5, 6], 35, []).clustered).toBe(false);
    expect(describeOffsets(offsetHistogram([], 35, []))).toContain("p n/a");
  });
});
