import { describe, expect, it } from "vitest";
import type { ComparisonResult, RunResult } from "../compare/types.js";
import { convergence, decisionCaution, pooledReliability, readiness, versusRuleBaseline } from "./analysis.js";

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

describe("rules against the baselines", () => {
  /** A comparison with only what readiness and the rule-baseline verdict read. */
  function comparison(seeds: number[], soft: [number, number, number], crf: [number, number, number], rule: [number, number, number], trivial: number): ComparisonResult {
    const stats = ([mean, low, high]: [number, number, number]) => ({ values: [mean], mean, std: 0, low, high });
    const run = (objective: "soft" | "crf", seed: number) => ({
      objective,
      seed,
      evaluation: { baselines: { allPositive: { f1: trivial }, priorRate: { f1: trivial / 2 } } },
    });
    return {
      protocol: { seeds },
      runs: seeds.flatMap((seed) => [run("soft", seed), run("crf", seed)]),
      metrics: [{ key: "f1_native", soft: stats(soft), crf: stats(crf) }],
      ruleBaseline: { metrics: { f1: stats(rule) } },
      recommendation: { decision: "soft" },
    } as unknown as ComparisonResult;
  }

  it("calls an objective ready only when its whole interval clears the best trivial baseline", () => {
    const result = comparison([1, 2, 3, 4, 5], [0.3, 0.25, 0.35], [0.12, 0.05, 0.2], [0.5, 0.45, 0.55], 0.1);
    expect(readiness(result, "soft").state).toBe("ready");
    expect(readiness(result, "crf").state).toBe("not established");
    expect(readiness(comparison([1, 2, 3, 4, 5], [0.3, 0.25, 0.35], [0.08, 0.05, 0.09], [0.5, 0.4, 0.6], 0.1), "crf").state).toBe("not ready");
    // Three seeds are too few to establish readiness (the same minimum as for naming a winner).
    expect(readiness(comparison([1, 2, 3], [0.3, 0.25, 0.35], [0.12, 0.05, 0.2], [0.5, 0.45, 0.55], 0.1), "soft").state).toBe("not established");
    // One seed never establishes readiness.
    expect(readiness(comparison([1], [0.3, 0.3, 0.3], [0, 0, 0], [0.5, 0.5, 0.5], 0.1), "soft").state).toBe("not established");
  });

  it("cautions when the recommended objective is below the rule detector", () => {
    const below = comparison([1, 2, 3, 4, 5], [0.3, 0.25, 0.35], [0.1, 0.05, 0.2], [0.5, 0.45, 0.55], 0.1);
    expect(versusRuleBaseline(below, "soft")).toBe("below");
    expect(decisionCaution(below)).toMatch(/below the transparent rule detector's \(rule baseline 0\.500 \[0\.450, 0\.550\]\)/);
    const overlapping = comparison([1, 2, 3, 4, 5], [0.3, 0.25, 0.35], [0.1, 0.05, 0.2], [0.32, 0.3, 0.4], 0.1);
    expect(versusRuleBaseline(overlapping, "soft")).toBe("overlapping");
    expect(decisionCaution(overlapping)).toBeNull();
    expect(versusRuleBaseline(comparison([1, 2, 3, 4, 5], [0.6, 0.55, 0.65], [0, 0, 0], [0.32, 0.3, 0.4], 0.1), "soft")).toBe("above");
  });
});
