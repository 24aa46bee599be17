import { describe, expect, it } from "vitest";
import {
  predictSingle,
  predictTwo,
  ruleBars,
  ruleBaseline,
  scoreRule,
  EXPANSION_PROXY_GRID,
  RANGE_Z_GRID,
  thresholdGrid,
  tuneSingleFeatureRule,
  tuneTwoFeatureRule,
  type RuleBar,
} from "./rule_baseline.js";
import { resolveSynthParams, synthesizeWindows } from "../data/synth.js";
import { WINDOW_BARS, type Bar, type Window } from "../data/window.js";
import { Rng } from "../util/rng.js";

// Ten hand-made bars: in-span bars 1, 4, 6, 8; bar 2 is a wide bar without a body (a news spike).
const rangeZ = [0.5, 2.5, 2.0, 1.0, 2.8, 0.2, 1.9, 0.4, 2.2, 0.1];
const proxy = [0, 1.5, 0.1, 0, 1.8, 0, 1.2, 0, -0.9, 0];
const bars: RuleBar[] = rangeZ.map((z, t) => ({ rangeZ: z, expansionProxy: proxy[t]!, inSpan: [1, 4, 6, 8].includes(t) }));

describe("scoreRule", () => {
  it("pools bar-level counts into precision, recall and F1", () => {
    // range_z > 1.5 predicts bars 1, 2, 4, 6, 8: TP 4, FP 1, FN 0 → P 0.8, R 1, F1 8/9.
    const score = scoreRule(bars, predictSingle({ rangeZThreshold: 1.5 }));
    expect(score).toMatchObject({ truePositives: 4, falsePositives: 1, falseNegatives: 0, precision: 0.8, recall: 1 });
    expect(score.f1).toBeCloseTo(8 / 9, 12);
    // range_z > 2.1 predicts bars 1, 4, 8: TP 3, FP 0, FN 1 → F1 6/7.
    expect(scoreRule(bars, predictSingle({ rangeZThreshold: 2.1 })).f1).toBeCloseTo(6 / 7, 12);
  });

  it("scores all-positive as P = in-span share, R = 1, and predicting nothing as 0", () => {
    const all = scoreRule(bars, () => true);
    expect(all.precision).toBeCloseTo(0.4, 12);
    expect(all.recall).toBe(1);
    expect(all.f1).toBeCloseTo(0.8 / 1.4, 12);
    expect(scoreRule(bars, () => false)).toMatchObject({ precision: 0, recall: 0, f1: 0 });
  });
});

describe("threshold tuning", () => {
  it("builds inclusive grids without float drift", () => {
    expect(thresholdGrid(0, 0.3, 0.1)).toEqual([0, 0.1, 0.2, 0.3]);
    expect(thresholdGrid(0, 3, 0.05)).toHaveLength(61);
  });

  it("finds the best single threshold, strict > (a = 1.0 leaves out the bar at exactly 1.0)", () => {
    const best = tuneSingleFeatureRule(bars);
    expect(best.rule.rangeZThreshold).toBe(1);
    expect(best.score.f1).toBeCloseTo(8 / 9, 12);
  });

  it("uses |expansion_proxy| in the two-feature rule, so a down-move counts and the bodiless spike does not", () => {
    const best = tuneTwoFeatureRule(bars);
    expect(best.rule).toEqual({ rangeZThreshold: 0, expansionProxyThreshold: 0.1 });
    expect(best.score.f1).toBe(1);
    expect(scoreRule(bars, predictTwo({ rangeZThreshold: 2.1, expansionProxyThreshold: 1.0 })).truePositives).toBe(2);
  });
});

describe("ruleBars", () => {
  it("reads range_z and expansion_proxy from the relativity features and tags in-span bars", () => {
    // Range 1 for 50 bars, then a bar of range 3: ema = 1 + 2·(2/21), range_z = 3 / ema.
    const features: Bar[] = Array.from({ length: WINDOW_BARS }, (_, t) => (t === 50 ? [100, 102, 99, 101.5] : [100, 100.5, 99.5, 100]) as Bar);
    const window: Window = {
      window_id: "w",
      base_window_id: "w",
      label: "consolidation",
      expansion_start: 50,
      expansion_end: 52,
      features,
    };
    const rows = ruleBars([window]);
    expect(rows).toHaveLength(WINDOW_BARS);
    expect(rows[50]!.rangeZ).toBeCloseTo(3 / (1 + 4 / 21), 5);
    expect(rows[49]!.rangeZ).toBeCloseTo(1, 5);
    expect(rows.map((r, t) => (r.inSpan ? t : -1)).filter((t) => t >= 0)).toEqual([50, 51, 52]);
  });
});

describe("ruleBaseline on the synthetic default dataset", () => {
  it("scores the single-feature rule well above all-positive yet far from perfect", () => {
    const windows = synthesizeWindows(resolveSynthParams(), new Rng(42));
    const report = ruleBaseline(windows, { seed: 0 });
    expect(report.trainWindows + report.heldOutWindows).toBe(windows.length);
    expect(report.allPositive.recall).toBe(1);
    expect(report.allPositive.f1).toBeLessThan(0.16);
    expect(report.single.heldOut.f1).toBeGreaterThan(2 * report.allPositive.f1);
    expect(report.single.heldOut.f1).toBeLessThan(0.6);
    expect(report.two.heldOut.f1).toBeLessThan(0.6);
  });
});

describe("tuneTwoFeatureRule counts every grid cell as scoring it would", () => {
  /** The direct definition: score every (a, b) on the grids, keep the first best. */
  function byScan(bars: readonly RuleBar[], rangeZGrid: readonly number[], proxyGrid: readonly number[]) {
    let best: { rule: { rangeZThreshold: number; expansionProxyThreshold: number }; score: ReturnType<typeof scoreRule> } | undefined;
    for (const a of rangeZGrid) {
      for (const b of proxyGrid) {
        const rule = { rangeZThreshold: a, expansionProxyThreshold: b };
        const score = scoreRule(bars, predictTwo(rule));
        if (!best || score.f1 > best.score.f1) best = { rule, score };
      }
    }
    return best!;
  }

  it("finds the same rule and scores on random bars, values on grid points, NaN and negative proxies included", () => {
    const rng = new Rng(3);
    for (let trial = 0; trial < 30; trial++) {
      const bars: RuleBar[] = Array.from({ length: 200 + rng.int(300) }, () => {
        const onGrid = rng.next() < 0.3;
        const rangeZ = rng.next() < 0.02 ? Number.NaN : onGrid ? rng.int(61) * 0.05 : rng.uniform(-0.5, 3.5);
        const expansionProxy = onGrid ? rng.int(41) * 0.05 * (rng.next() < 0.5 ? -1 : 1) : rng.uniform(-2.5, 2.5);
        return {
          rangeZ: Number(rangeZ.toFixed(10)),
          expansionProxy: Number(expansionProxy.toFixed(10)),
          inSpan: rng.next() < 0.1 + 0.2 * Math.min(1, Math.max(0, rangeZ / 3)),
        };
      });
      const fast = tuneTwoFeatureRule(bars);
      expect(fast).toEqual(byScan(bars, RANGE_Z_GRID, EXPANSION_PROXY_GRID));
    }
    expect(() => tuneTwoFeatureRule([], [0.5, 0.1], [0])).toThrow(/ascending/);
  });
});
