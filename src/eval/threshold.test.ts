import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { allPositiveScores, bestThreshold, inSpanRate, priorRateScores, thresholdGrid, thresholdSweep, type ThresholdRow } from "./threshold.js";
import type { Span } from "./metrics.js";
import { Rng } from "../util/rng.js";

describe("thresholdGrid", () => {
  it("default grid is 0.01 … 0.99 with every value the exact decimal (no drift)", () => {
    const grid = thresholdGrid();
    expect(grid).toHaveLength(99);
    grid.forEach((t, i) => {
      const k = i + 1;
      expect(t).toBe(Number((k / 100).toFixed(2)));
    });
    expect(grid[0]).toBe(0.01);
    expect(grid[28]).toBe(0.29);
    expect(grid[56]).toBe(0.57);
    expect(grid[98]).toBe(0.99);
  });

  it("would fail for a grid built by repeated addition (the test can tell)", () => {
    // 0.01 added up drifts: the naive 29th value is 0.29000000000000004 (or similar), not 0.29.
    const naive: number[] = [];
    for (let t = 0.01, i = 0; i < 99; i++, t += 0.01) naive.push(t);
    const drifted = naive.filter((t, i) => t !== Number(((i + 1) / 100).toFixed(2)));
    expect(drifted.length).toBeGreaterThan(0);
  });

  it("custom grids include `to` when on the grid and stop below it otherwise", () => {
    const g = thresholdGrid(0.05, 0, 1);
    expect(g).toHaveLength(21);
    expect(g[3]).toBe(0.15);
    expect(g[7]).toBe(0.35);
    expect(g[20]).toBe(1);
    expect(thresholdGrid(0.1, 0.1, 0.95)).toEqual([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]);
    expect(thresholdGrid(0.25, 0.5, 0.5)).toEqual([0.5]);
    expect(thresholdGrid(0.001, 0.3, 0.303)).toEqual([0.3, 0.301, 0.302, 0.303]);
  });

  it("property: every point of a k/1000 grid is the exact decimal", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 50 }), fc.integer({ min: 0, max: 500 }), fc.integer({ min: 0, max: 500 }), (s, a, b) => {
        const [from, to] = [Math.min(a, b), Math.max(a, b)];
        const grid = thresholdGrid(s / 1000, from / 1000, to / 1000);
        grid.forEach((t, i) => {
          expect(t).toBe(Number(((from + i * s) / 1000).toFixed(3)));
        });
        expect(grid.length).toBe(Math.floor((to - from) / s) + 1);
      }),
      { numRuns: 200 },
    );
  });

  it("rejects bad parameters", () => {
    expect(() => thresholdGrid(0)).toThrow(/step/);
    expect(() => thresholdGrid(0.1, 0.9, 0.1)).toThrow(/from ≤ to/);
    expect(() => thresholdGrid(1 / 3)).toThrow(/decimal/);
    // a drifted decimal is read as the decimal it stands for
    expect(thresholdGrid(0.1 + 0.2, 0.1 + 0.2, 0.6)).toEqual([0.3, 0.6]);
  });
});

/**
 * Tiny sweep, 2 windows × 4 bars, nTrue = 3.
 *   w0 span [1,2], p = .1 .6 .3 .8
 *   w1 span [0,0], p = .7 .2 .6 .1
 * θ .25: w0 pred {1,2,3} TP 2 FP 1; w1 pred {0,2} TP 1 FP 1 → TP 3 FP 2 FN 0 → P 3/5, R 1, F1 1.2/1.6 = 3/4, nPred 5
 * θ .5 : w0 pred {1,3} TP 1 FP 1 FN 1; w1 pred {0,2} TP 1 FP 1 → TP 2 FP 2 FN 1 → P 1/2, R 2/3, F1 (2/3)/(7/6) = 4/7, nPred 4
 * θ .65: w0 pred {3} FP 1 FN 2; w1 pred {0} TP 1 → TP 1 FP 1 FN 2 → P 1/2, R 1/3, F1 (1/3)/(5/6) = 2/5, nPred 2
 * θ .75: w0 pred {3} FP 1 FN 2; w1 none FN 1 → TP 0 → P 0, R 0, F1 0, nPred 1
 */
const SPANS: Span[] = [
  { start: 1, end: 2 },
  { start: 0, end: 0 },
];
const P = new Float64Array([0.1, 0.6, 0.3, 0.8, 0.7, 0.2, 0.6, 0.1]);
const GRID = [0.25, 0.5, 0.65, 0.75];

describe("thresholdSweep", () => {
  it("pooled P/R/F1 per threshold (hand-computed)", () => {
    const rows = thresholdSweep(P, SPANS, 4, { grid: GRID });
    const expected = [
      { threshold: 0.25, precision: 3 / 5, recall: 1, f1: 3 / 4, nTrue: 3, nPredicted: 5 },
      { threshold: 0.5, precision: 1 / 2, recall: 2 / 3, f1: 4 / 7, nTrue: 3, nPredicted: 4 },
      { threshold: 0.65, precision: 1 / 2, recall: 1 / 3, f1: 2 / 5, nTrue: 3, nPredicted: 2 },
      { threshold: 0.75, precision: 0, recall: 0, f1: 0, nTrue: 3, nPredicted: 1 },
    ];
    expect(rows).toHaveLength(4);
    rows.forEach((row, i) => {
      const e = expected[i]!;
      expect(row.threshold).toBe(e.threshold);
      expect(row.nTrue).toBe(e.nTrue);
      expect(row.nPredicted).toBe(e.nPredicted);
      expect(row.precision).toBeCloseTo(e.precision, 14);
      expect(row.recall).toBeCloseTo(e.recall, 14);
      expect(row.f1).toBeCloseTo(e.f1, 14);
    });
    expect(bestThreshold(rows).threshold).toBe(0.25);
  });

  it("uses the default 99-point grid", () => {
    const rows = thresholdSweep(P, SPANS, 4);
    expect(rows.map((r) => r.threshold)).toEqual(thresholdGrid());
    // θ = .6: strict, so the two bars at exactly .6 are NOT predicted → pred {3 (.8), 4 (.7)}: TP 1, FP 1
    const at60 = rows.find((r) => r.threshold === 0.6)!;
    expect(at60.nPredicted).toBe(2);
  });

  it("minimum run length removes short runs per window, never joining runs across windows", () => {
    // minRunLength 2:
    // θ .25: w0 mask 0111 keeps run [1,3]; w1 mask 1010 loses both singletons → TP 2 FP 1 FN 1 → P 2/3, R 2/3, F1 2/3, nPred 3
    // θ .5 : w0 0101, w1 1010 → all singletons removed → nPred 0, P = R = F1 = 0
    // θ .65: w0 0001, w1 1000 — flattened these touch (bar 3 of w0, bar 0 of w1) but are separate runs
    //        of length 1 → removed → nPred 0 (a cross-window join would keep 2 bars)
    const rows = thresholdSweep(P, SPANS, 4, { grid: GRID, minRunLength: 2 });
    expect(rows[0]!.nPredicted).toBe(3);
    expect(rows[0]!.precision).toBeCloseTo(2 / 3, 14);
    expect(rows[0]!.recall).toBeCloseTo(2 / 3, 14);
    expect(rows[0]!.f1).toBeCloseTo(2 / 3, 14);
    expect(rows[1]).toEqual({ threshold: 0.5, f1: 0, precision: 0, recall: 0, nTrue: 3, nPredicted: 0 });
    expect(rows[2]!.nPredicted).toBe(0);
    // minRunLength 1 is the unfiltered sweep
    expect(thresholdSweep(P, SPANS, 4, { grid: GRID, minRunLength: 1 })).toEqual(thresholdSweep(P, SPANS, 4, { grid: GRID }));
  });

  it("rejects bad inputs", () => {
    expect(() => thresholdSweep(P, SPANS, 4, { minRunLength: 0 })).toThrow(/minRunLength/);
    expect(() => thresholdSweep(P, SPANS, 4, { minRunLength: 1.5 })).toThrow(/minRunLength/);
    expect(() => thresholdSweep(P.subarray(1), SPANS, 4)).toThrow(/length/);
  });
});

describe("bestThreshold", () => {
  const row = (threshold: number, f1: number): ThresholdRow => ({ threshold, f1, precision: 0, recall: 0, nTrue: 0, nPredicted: 0 });
  it("highest F1, ties to the lower threshold whatever the order", () => {
    expect(bestThreshold([row(0.3, 0.5), row(0.2, 0.5), row(0.4, 0.4)]).threshold).toBe(0.2);
    expect(bestThreshold([row(0.2, 0.5), row(0.3, 0.5)]).threshold).toBe(0.2);
    expect(bestThreshold([row(0.2, 0.5), row(0.3, 0.6)]).threshold).toBe(0.3);
    expect(() => bestThreshold([])).toThrow(/no rows/);
  });
});

describe("baselines", () => {
  it("all-positive: P = prevalence, R = 1 (hand-computed)", () => {
    // nTrue 3 of 8 bars → P 3/8, R 1, F1 2·(3/8)/(11/8) = 6/11
    const s = allPositiveScores(SPANS, 4, 2);
    expect(s).toMatchObject({ truePositives: 3, falsePositives: 5, falseNegatives: 0, nTrue: 3, nPredicted: 8, recall: 1 });
    expect(s.precision).toBe(3 / 8);
    expect(s.f1).toBeCloseTo(6 / 11, 15);
    expect(allPositiveScores(SPANS, 4)).toEqual(s); // windows defaults to spans.length
    expect(() => allPositiveScores(SPANS, 4, 3)).toThrow(/windows/);
    expect(allPositiveScores([], 4, 0)).toMatchObject({ precision: 0, recall: 0, f1: 0 }); // zero_division
  });

  it("matches the sweep at a threshold below every probability", () => {
    const [row] = thresholdSweep(P, SPANS, 4, { grid: [0] });
    expect(row!.f1).toBe(allPositiveScores(SPANS, 4).f1);
  });

  it("prior rate: P = prevalence, R = rate, F1 = 2PR/(P+R) (hand-computed)", () => {
    // prevalence 3/8, rate 1/4 → F1 2·(3/32)/(5/8) = 3/10
    const s = priorRateScores(SPANS, 4, 2, 0.25);
    expect(s.precision).toBe(3 / 8);
    expect(s.prevalence).toBe(3 / 8);
    expect(s.recall).toBe(0.25);
    expect(s.f1).toBeCloseTo(0.3, 15);
    expect(s.expectedPredicted).toBe(2);
    // rate 1 is the all-positive baseline; rate 0 predicts nothing → zeros
    expect(priorRateScores(SPANS, 4, 2, 1).f1).toBeCloseTo(6 / 11, 15);
    expect(priorRateScores(SPANS, 4, 2, 0)).toMatchObject({ precision: 0, recall: 0, f1: 0 });
    expect(() => priorRateScores(SPANS, 4, 2, 1.5)).toThrow(/rate/);
    // no windows: no positives → recall 0 (zero_division), prevalence 0 → precision 0
    expect(priorRateScores([], 4, 0, 0.3)).toMatchObject({ precision: 0, recall: 0, f1: 0, nTrue: 0, expectedPredicted: 0 });
  });

  it("prior rate agrees with a large simulation of the random predictor", () => {
    // 400 windows of 50 bars, span [10,19] each (prevalence .2), rate .3: simulated pooled P ≈ .2, R ≈ .3
    const spans = Array.from({ length: 400 }, () => ({ start: 10, end: 19 }));
    const rng = new Rng(7);
    let tp = 0;
    let predicted = 0;
    for (const span of spans) {
      for (let t = 0; t < 50; t++) {
        if (rng.bernoulli(0.3)) {
          predicted++;
          if (t >= span.start && t <= span.end) tp++;
        }
      }
    }
    const s = priorRateScores(spans, 50, 400, 0.3);
    expect(Math.abs(tp / predicted - s.precision)).toBeLessThan(0.02);
    expect(Math.abs(tp / 4000 - s.recall)).toBeLessThan(0.02);
  });

  it("inSpanRate is Σ span lengths / (W·T)", () => {
    expect(inSpanRate(SPANS, 4)).toBe(3 / 8);
    expect(inSpanRate([], 4)).toBeNaN();
  });
});
