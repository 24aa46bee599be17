/**
 * The rule detector: its tuning by suffix-summed histograms picks what a brute-force grid search picks;
 * its detections are the combined vote of each window's rule path above ½; given thresholds are used as
 * they are; and random detections keep the model's count and lengths, apart, deterministic by seed.
 */
import { describe, expect, it } from "vitest";
import { EXPANSION_PROXY_GRID, RANGE_Z_GRID } from "../eval/rule_baseline.js";
import { Rng } from "../util/rng.js";
import { randomDetections } from "./random_detector.js";
import { ruleDetector, tuneRuleWeighted } from "./rule_detector.js";
import { randomWalkBars } from "./seeded.js";

describe("tuneRuleWeighted", () => {
  it("finds the first grid point of highest weighted F1, as a brute-force search does", () => {
    const rng = new Rng(4);
    const n = 900;
    const rangeZ = Float32Array.from({ length: n }, () => rng.uniform(0, 3));
    const proxy = Float32Array.from({ length: n }, () => rng.uniform(-2, 2));
    const inSpan = Uint8Array.from({ length: n }, (_, k) => (rangeZ[k]! > 1.3 && rng.next() < 0.8 ? 1 : rng.next() < 0.05 ? 1 : 0));
    const weight = (k: number) => 0.1 + (k % 7) / 7;
    const tuned = tuneRuleWeighted(
      rangeZ,
      proxy,
      weight,
      (k) => inSpan[k] === 1,
      Array.from({ length: n }, (_, k) => k),
    );
    let best = { a: 0, b: 0, f1: -1 };
    for (const a of RANGE_Z_GRID) {
      for (const b of EXPANSION_PROXY_GRID) {
        let tp = 0;
        let fp = 0;
        let fn = 0;
        for (let k = 0; k < n; k++) {
          const predicted = rangeZ[k]! > a && Math.abs(proxy[k]!) > b;
          if (predicted && inSpan[k]) tp += weight(k);
          else if (predicted) fp += weight(k);
          else if (inSpan[k]) fn += weight(k);
        }
        const f1 = (2 * tp) / (2 * tp + fp + fn);
        if (f1 > best.f1 + 1e-12) best = { a, b, f1 };
      }
    }
    expect(tuned.rule).toEqual({ rangeZThreshold: best.a, expansionProxyThreshold: best.b });
    expect(tuned.f1).toBeCloseTo(best.f1, 10);
    expect(tuned.bars).toBe(n);
  });
});

describe("ruleDetector", () => {
  const bars = randomWalkBars(2000, 41);
  const events = [
    { start: 100, end: 106 },
    { start: 700, end: 703 },
    { start: 1500, end: 1510 },
  ];

  it("scans windows like the model, tunes on the first half, and says how", () => {
    const result = ruleDetector(bars, events);
    expect(result.source).toMatch(/^tuned on the annotations of the first half of the bars \(bars 0–999; weighted pooled F1 \d\.\d{3}\)$/);
    expect(result.tuningF1).not.toBeNull();
    for (const d of result.detections) expect(d.end).toBeGreaterThanOrEqual(d.start);
    const given = ruleDetector(bars, events, { rule: { rangeZThreshold: 3, expansionProxyThreshold: 2 } });
    expect(given).toMatchObject({ source: "given (--rule-thresholds)", tuningF1: null, detections: [] });
    const everything = ruleDetector(bars, events, { rule: { rangeZThreshold: -1, expansionProxyThreshold: -1 } });
    expect(everything.detections).toEqual([{ start: 0, end: 1999 }]);
    expect(ruleDetector(bars, [{ start: 1500, end: 1510 }]).source).toMatch(/^not tunable: the first half of the bars \(bars 0–999\) holds no annotated bar/);
  });
});

describe("randomDetections", () => {
  it("places the given lengths apart inside the bars, deterministically per seed", () => {
    const lengths = [3, 1, 7, 7, 2, 10];
    for (const seed of [1, 2, 3]) {
      const placed = randomDetections(lengths, 60, new Rng(seed));
      expect(placed.map((d) => d.end - d.start + 1).sort((a, b) => a - b)).toEqual([...lengths].sort((a, b) => a - b));
      for (let k = 1; k < placed.length; k++) expect(placed[k]!.start).toBeGreaterThan(placed[k - 1]!.end + 1);
      expect(placed[0]!.start).toBeGreaterThanOrEqual(0);
      expect(placed.at(-1)!.end).toBeLessThan(60);
      expect(randomDetections(lengths, 60, new Rng(seed))).toEqual(placed);
    }
    expect(randomDetections([], 10, new Rng(1))).toEqual([]);
    expect(() => randomDetections([6, 6], 12, new Rng(1))).toThrow("2 detections of 12 bars in all do not fit apart in 12 bars");
  });
});
