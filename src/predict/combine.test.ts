/**
 * The per-bar combination: Hann weights are tiny at a window's edges and 1 at its centre, sum to L/(2H)
 * at every bar for a stride H dividing L (a partition of unity up to the constant), and the combiner
 * gives the weighted mean of the covering windows over the owned bars only.
 */
import { describe, expect, it } from "vitest";
import { BarCombiner, weightPrefix, windowWeight, windowWeightOver, windowWeights } from "./combine.js";

describe("window weights", () => {
  it("rise from ≈ 0 at both edges to 1 at the centre, symmetric", () => {
    const w = windowWeights(105);
    expect(w[0]).toBeLessThan(3e-4);
    expect(w[104]).toBeCloseTo(w[0]!, 15);
    expect(w[52]).toBe(1);
    for (let t = 0; t < 52; t++) expect(w[t + 1]).toBeGreaterThan(w[t]!);
    expect(windowWeight(17, 105)).toBe(w[17]);
  });

  it("sum to L/(2H) at every bar for the strides that divide 105", () => {
    for (const stride of [35, 21, 15, 7]) {
      for (let phase = 0; phase < stride; phase++) {
        let sum = 0;
        for (let t = phase; t < 105; t += stride) sum += windowWeight(t, 105);
        expect(sum).toBeCloseTo(105 / (2 * stride), 12);
      }
    }
  });

  it("sums over a bar range by prefix sums, clipped to the window", () => {
    const prefix = weightPrefix(105);
    const w = windowWeights(105);
    const direct = (s: number, a: number, b: number) => {
      let sum = 0;
      for (let i = Math.max(a, s); i <= Math.min(b, s + 104); i++) sum += w[i - s]!;
      return sum;
    };
    for (const [s, a, b] of [
      [0, 0, 104],
      [10, 0, 20],
      [10, 100, 200],
      [10, 115, 300],
      [10, 0, 5],
    ] as const) {
      expect(windowWeightOver(prefix, 105, s, a, b)).toBeCloseTo(direct(s, a, b), 12);
    }
  });
});

describe("BarCombiner", () => {
  it("gives the weighted mean of the windows covering each owned bar, NaN where none", () => {
    const combiner = new BarCombiner(2, 9, 4, 2);
    const w = windowWeights(4);
    combiner.add(
      0,
      [
        [1, 1, 1, 1],
        [0, 0, 1, 1],
      ],
      0,
    );
    combiner.add(
      3,
      [
        [0, 0, 0, 0, 9, 9],
        [1, 1, 1, 1],
      ],
      0,
    );
    const [x, y] = combiner.finish();
    expect(x!.length).toBe(7);
    // Bar 2: window 0 only (position 2). Bar 3: window 0 at 3 and window 3 at 0.
    expect(x![0]).toBe(1);
    expect(x![1]).toBeCloseTo(w[3]! / (w[3]! + w[0]!), 15);
    expect(y![1]).toBeCloseTo((w[3]! + w[0]!) / (w[3]! + w[0]!), 15);
    expect(x![4]).toBe(0);
    expect(Number.isNaN(x![5]!)).toBe(true);
    expect(() => new BarCombiner(3, 3, 4, 1)).toThrow("bad bar range [3, 3)");
  });
});
