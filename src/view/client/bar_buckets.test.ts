import { describe, expect, it } from "vitest";
import { aggregate, aggregateMax, bucketOf, bucketSize, bucketSpan, MAX_CANDLES } from "./bar_buckets.js";

function bars(n: number, seed = 7) {
  // Deterministic prices (an LCG) that are exact in float32: multiples of 1/8 below 2^20.
  let s = seed;
  const next = () => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return s / 2 ** 31;
  };
  const times = new Float64Array(n);
  const open = new Float32Array(n);
  const high = new Float32Array(n);
  const low = new Float32Array(n);
  const close = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    times[i] = 1_700_000_000 + 60 * i;
    open[i] = Math.round(next() * 8000) / 8;
    close[i] = Math.round(next() * 8000) / 8;
    high[i] = Math.max(open[i]!, close[i]!) + Math.round(next() * 80) / 8;
    low[i] = Math.min(open[i]!, close[i]!) - Math.round(next() * 80) / 8;
  }
  return { times, open, high, low, close };
}

describe("bucketSize", () => {
  it("is the fewest bars per bucket that fit the history in MAX_CANDLES", () => {
    expect(bucketSize(0)).toBe(1);
    expect(bucketSize(MAX_CANDLES)).toBe(1);
    expect(bucketSize(MAX_CANDLES + 1)).toBe(2);
    expect(bucketSize(525_600)).toBe(27);
    for (const total of [1, 19_999, 20_001, 40_000, 40_001, 525_600, 1 << 20]) {
      const k = bucketSize(total);
      expect(Math.ceil(total / k)).toBeLessThanOrEqual(MAX_CANDLES);
      if (k > 1) expect(Math.ceil(total / (k - 1))).toBeGreaterThan(MAX_CANDLES);
    }
  });
  it("refuses a maximum that is not a whole number ≥ 1", () => {
    expect(() => bucketSize(10, 0)).toThrow(/max = 0/);
  });
});

describe("aggregate", () => {
  it("is exact: open first, high max, low min, close last, time of the first bar", () => {
    const b = bars(1003);
    for (const k of [1, 2, 7, 27, 1003, 2000]) {
      const out = aggregate(b, k);
      expect(out.open.length).toBe(Math.ceil(1003 / k));
      for (let j = 0; j < out.open.length; j++) {
        const a = j * k;
        const e = Math.min(1003, a + k);
        expect(out.times[j]).toBe(b.times[a]);
        expect(out.open[j]).toBe(b.open[a]);
        expect(out.close[j]).toBe(b.close[e - 1]);
        expect(out.high[j]).toBe(Math.max(...b.high.subarray(a, e)));
        expect(out.low[j]).toBe(Math.min(...b.low.subarray(a, e)));
      }
    }
  });
  it("k = 1 gives the bars themselves", () => {
    const b = bars(50);
    const out = aggregate(b, 1);
    expect([...out.open]).toEqual([...b.open]);
    expect([...out.high]).toEqual([...b.high]);
    expect([...out.times]).toEqual([...b.times]);
  });
  it("starts buckets at `from` and stops at `to`, the last bucket shorter", () => {
    const b = bars(100);
    const out = aggregate(b, 10, 5, 38);
    expect(out.from).toBe(5);
    expect(out.open.length).toBe(4); // 5–14, 15–24, 25–34, 35–37
    expect(out.times[3]).toBe(b.times[35]);
    expect(out.close[3]).toBe(b.close[37]);
    expect(out.high[3]).toBe(Math.max(b.high[35]!, b.high[36]!, b.high[37]!));
    expect(aggregate(b, 3, 40, 40).open.length).toBe(0);
  });
  it("refuses a range outside the bars and a bad k", () => {
    const b = bars(10);
    expect(() => aggregate(b, 2, 0, 11)).toThrow(/not a range/);
    expect(() => aggregate(b, 0)).toThrow(/k = 0/);
  });
});

describe("bucketOf and bucketSpan", () => {
  it("maps a bar to the bucket holding it, at bucket boundaries too", () => {
    expect(bucketOf(0, 27)).toBe(0);
    expect(bucketOf(26, 27)).toBe(0);
    expect(bucketOf(27, 27)).toBe(1);
    expect(bucketOf(53, 27)).toBe(1);
    expect(bucketOf(54, 27)).toBe(2);
    expect(bucketOf(100, 1, 40)).toBe(60);
    expect(bucketOf(39, 1, 40)).toBe(-1);
  });
  it("maps a span to the buckets of its first and last bar", () => {
    expect(bucketSpan({ start: 26, end: 27 }, 27)).toEqual({ start: 0, end: 1 });
    expect(bucketSpan({ start: 30, end: 30 }, 27)).toEqual({ start: 1, end: 1 });
  });
});

describe("aggregateMax", () => {
  it("takes each bucket's greatest finite value, NaN for a bucket with none", () => {
    const v = new Float32Array([0.1, Number.NaN, 0.9, Number.NaN, Number.NaN, Number.NaN, 0.2]);
    const out = aggregateMax(v, 3);
    expect(out[0]).toBeCloseTo(0.9, 6);
    expect(Number.isNaN(out[1]!)).toBe(true);
    expect(out[2]).toBeCloseTo(0.2, 6);
  });
});
