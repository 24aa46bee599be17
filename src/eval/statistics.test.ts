import { describe, expect, it } from "vitest";
import { bootstrapInterval, pairedDifference, quantileSorted, summarize } from "./statistics.js";
import { Rng } from "../util/rng.js";

describe("summarize", () => {
  it("n, mean, sample std, min, max, median (hand-computed)", () => {
    // 2 4 4 4 5 5 7 9: mean 40/8 = 5; Σ(x − 5)² = 9+1+1+1+0+0+4+16 = 32 → sample std √(32/7); median (4 + 5)/2
    const s = summarize([9, 2, 4, 5, 4, 7, 4, 5]);
    expect(s.n).toBe(8);
    expect(s.mean).toBe(5);
    expect(s.std).toBeCloseTo(Math.sqrt(32 / 7), 15);
    expect(s.min).toBe(2);
    expect(s.max).toBe(9);
    expect(s.median).toBe(4.5);
    expect(summarize([1, 3, 2]).median).toBe(2); // odd n
  });

  it("n = 1 has std 0; empty is NaN; non-finite throws", () => {
    expect(summarize([3])).toEqual({ n: 1, mean: 3, std: 0, min: 3, max: 3, median: 3 });
    const empty = summarize([]);
    expect(empty.n).toBe(0);
    expect(empty.mean).toBeNaN();
    expect(empty.std).toBeNaN();
    expect(() => summarize([1, NaN])).toThrow(/finite/);
  });
});

describe("quantileSorted (type 7, numpy's default)", () => {
  it("interpolates linearly between order statistics", () => {
    // [1,2,3,4]: q .25 → h = 3·.25 = .75 → 1 + .75·(2 − 1) = 1.75 (np.quantile gives 1.75)
    expect(quantileSorted([1, 2, 3, 4], 0.25)).toBe(1.75);
    expect(quantileSorted([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(quantileSorted([1, 2, 3, 4], 0)).toBe(1);
    expect(quantileSorted([1, 2, 3, 4], 1)).toBe(4);
    expect(quantileSorted([7], 0.3)).toBe(7);
    expect(() => quantileSorted([], 0.5)).toThrow();
  });
});

describe("bootstrapInterval", () => {
  it("resamples indices rng.int(n) in order and takes type-7 percentiles of the means (replayed by hand)", () => {
    const values = [0, 1, 3];
    const result = bootstrapInterval(values, new Rng(11), { resamples: 5, confidence: 0.5 });
    const replay = new Rng(11);
    const means = Array.from({ length: 5 }, () => (values[replay.int(3)]! + values[replay.int(3)]! + values[replay.int(3)]!) / 3).sort((a, b) => a - b);
    // confidence .5 → quantiles .25 and .75 of 5 means: h = 1 and h = 3 → the 2nd and 4th smallest
    expect(result.low).toBeCloseTo(means[1]!, 15);
    expect(result.high).toBeCloseTo(means[3]!, 15);
    expect(result.mean).toBeCloseTo(4 / 3, 15);
  });

  it("is deterministic for a seed; different seeds differ", () => {
    const values = Array.from({ length: 30 }, (_, i) => Math.sin(i) * 3 + i / 10);
    const a = bootstrapInterval(values, new Rng(1), { resamples: 500 });
    const b = bootstrapInterval(values, new Rng(1), { resamples: 500 });
    const c = bootstrapInterval(values, new Rng(2), { resamples: 500 });
    expect(a).toEqual(b);
    expect(c.mean).toBe(a.mean);
    expect(c.low !== a.low || c.high !== a.high).toBe(true);
  });

  it("contains the mean and shrinks with more data", () => {
    const rng = new Rng(3);
    const small = Array.from({ length: 20 }, () => rng.normal(1, 1));
    const large = Array.from({ length: 2000 }, () => rng.normal(1, 1));
    const s = bootstrapInterval(small, new Rng(4), { resamples: 500 });
    const l = bootstrapInterval(large, new Rng(4), { resamples: 500 });
    for (const r of [s, l]) {
      expect(r.low).toBeLessThan(r.mean);
      expect(r.high).toBeGreaterThan(r.mean);
    }
    // width ≈ 2·1.96·σ/√n: ≈ .88 for n = 20, ≈ .088 for n = 2000
    expect(l.high - l.low).toBeLessThan((s.high - s.low) / 4);
    expect(l.high - l.low).toBeGreaterThan(0.06);
    expect(l.high - l.low).toBeLessThan(0.12);
  });

  it("a wider confidence gives a wider interval", () => {
    const values = Array.from({ length: 40 }, (_, i) => (i * 7) % 11);
    const narrow = bootstrapInterval(values, new Rng(5), { resamples: 800, confidence: 0.5 });
    const wide = bootstrapInterval(values, new Rng(5), { resamples: 800, confidence: 0.99 });
    expect(wide.low).toBeLessThan(narrow.low);
    expect(wide.high).toBeGreaterThan(narrow.high);
  });

  it("one value gives a zero-width interval; no values and bad options throw", () => {
    expect(bootstrapInterval([2.5], new Rng(0), { resamples: 10 })).toEqual({ mean: 2.5, low: 2.5, high: 2.5 });
    expect(() => bootstrapInterval([], new Rng(0))).toThrow(/at least one/);
    expect(() => bootstrapInterval([1], new Rng(0), { confidence: 1 })).toThrow(/confidence/);
    expect(() => bootstrapInterval([1], new Rng(0), { resamples: 0 })).toThrow(/resamples/);
  });
});

describe("pairedDifference", () => {
  it("a constant positive difference is established", () => {
    // differences 1, 1, 1 → every resample mean is 1 → [1, 1]
    const r = pairedDifference([2, 3, 4], [1, 2, 3], new Rng(0), { resamples: 100 });
    expect(r.differences).toEqual([1, 1, 1]);
    expect(r).toMatchObject({ mean: 1, low: 1, high: 1, established: true });
  });

  it("an interval that contains or touches 0 is not established", () => {
    const mixed = pairedDifference([1, 0, 1, 0, 1, 0], [0, 1, 0, 1, 0, 1], new Rng(0), { resamples: 500 });
    expect(mixed.mean).toBe(0);
    expect(mixed.low).toBeLessThan(0);
    expect(mixed.high).toBeGreaterThan(0);
    expect(mixed.established).toBe(false);
    const equal = pairedDifference([1, 2], [1, 2], new Rng(0), { resamples: 50 });
    expect(equal).toMatchObject({ low: 0, high: 0, established: false });
  });

  it("a clearly negative difference is established; deterministic for a seed", () => {
    const rng = new Rng(9);
    const b = Array.from({ length: 30 }, () => rng.normal(0.5, 0.05));
    const a = b.map((x, i) => x - 0.1 + (i % 3) * 0.01);
    const r1 = pairedDifference(a, b, new Rng(10), { resamples: 500 });
    const r2 = pairedDifference(a, b, new Rng(10), { resamples: 500 });
    expect(r1).toEqual(r2);
    expect(r1.high).toBeLessThan(0);
    expect(r1.established).toBe(true);
    expect(r1.mean).toBeCloseTo(-0.09, 12); // mean of −.1 + {0, .01, .02}
  });

  it("rejects unequal lengths", () => {
    expect(() => pairedDifference([1], [1, 2], new Rng(0))).toThrow(/1 values of a but 2/);
  });
});
