import { describe, expect, it } from "vitest";
import type { RunResult } from "../compare/types.js";
import { convergence, pooledReliability } from "./analysis.js";

describe("derived rules", () => {
  it("classifies a validation curve by the stated convergence rule", () => {
    expect(convergence([10, 9, 8]).pattern).toBe("monotone");
    // +1.1% at epoch 3: below the 2% noise bound.
    const smooth = convergence([10, 9, 9.1, 8]);
    expect(smooth.pattern).toBe("smooth");
    expect(smooth.largestRiseEpoch).toBe(3);
    expect(smooth.fallingShare).toBeCloseTo(2 / 3, 12);
    expect(convergence([10, 9, 9.5, 8]).pattern).toBe("noisy");
    expect(convergence([10, 9.95]).pattern).toBe("flat");
    expect(convergence([10, 11]).pattern).toBe("rising");
    expect(convergence([10]).pattern).toBe("single epoch");
  });

  it("pools reliability bins over runs weighting each bin by its count", () => {
    const run = (bins: { count: number; meanPredicted: number; observedFrequency: number }[]) =>
      ({ evaluation: { calibration: { bins: bins.map((b, i) => ({ lower: i / 2, upper: (i + 1) / 2, ...b })) } } }) as unknown as RunResult;
    const pooled = pooledReliability([
      run([{ count: 1, meanPredicted: 0.2, observedFrequency: 0 }, { count: 0, meanPredicted: NaN, observedFrequency: NaN }]),
      run([{ count: 3, meanPredicted: 0.4, observedFrequency: 1 }, { count: 0, meanPredicted: NaN, observedFrequency: NaN }]),
    ]);
    expect(pooled[0]!.count).toBe(4);
    expect(pooled[0]!.meanPredicted).toBeCloseTo((0.2 + 3 * 0.4) / 4, 12);
    expect(pooled[0]!.observedFrequency).toBeCloseTo(0.75, 12);
    expect(pooled[1]!.count).toBe(0);
    expect(Number.isNaN(pooled[1]!.meanPredicted)).toBe(true);
  });
});
