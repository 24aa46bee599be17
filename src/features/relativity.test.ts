import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { WINDOW_BARS, type Bar, type Window } from "../data/window.js";
import { BASE_FEATURE_COUNT, FEATURE_NAMES, FEATURE_RANGES, computeRelativityFeatures, computeWindowFeatures, featureCount } from "./relativity.js";

const flat = (price: number): Bar => [price, price, price, price];
const F = 12;
const col = Object.fromEntries(FEATURE_NAMES.map((name, j) => [name, j])) as Record<string, number>;
/** Feature `name` of bar `t` in a row-major (T × width) array. */
const at = (features: Float32Array, t: number, name: string, width = F): number => {
  const j = col[name];
  if (j === undefined) throw new Error(`no feature named ${name}`);
  return features[t * width + j]!;
};
const f32 = (x: number): number => Math.fround(x);

/** Expect a float32 feature to equal a hand-computed float64 value (to float32 precision). */
function expectFeature(features: Float32Array, t: number, name: string, expected: number, width = F): void {
  const actual = at(features, t, name, width);
  expect(Math.abs(actual - expected), `${name} at bar ${t}: got ${actual}, expected ${expected}`).toBeLessThanOrEqual(
    Math.max(1e-6, Math.abs(expected) * 1e-6),
  );
}

describe("FEATURE_NAMES / FEATURE_RANGES", () => {
  it("lists the docs/spec.md §2 features in order, position last, with their clip ranges", () => {
    expect(FEATURE_NAMES).toEqual([
      "open_norm",
      "close_norm",
      "body_pct",
      "upper_wick",
      "lower_wick",
      "range_z",
      "dist_to_swing_high",
      "dist_to_swing_low",
      "bars_since_swing_high",
      "bars_since_swing_low",
      "expansion_proxy",
      "consol_proxy",
      "position",
    ]);
    expect(FEATURE_RANGES).toEqual([
      [0, 1],
      [0, 1],
      [-1, 1],
      [0, 1],
      [0, 1],
      [0, 3],
      [-3, 3],
      [-3, 3],
      [0, 3],
      [0, 3],
      [-2, 2],
      [0, 3],
      [0, 1],
    ]);
    expect(BASE_FEATURE_COUNT).toBe(12);
    expect(featureCount()).toBe(12);
    expect(featureCount({ position: true })).toBe(13);
  });
});

describe("candle-shape features (1–6)", () => {
  // EMA of H − L with α = 2/21, seeded with bar 0's range.
  const bars: Bar[] = [
    [10, 12, 9, 11], //     rng 3;   ema₀ = 3
    [11, 11.5, 10, 10.5], // rng 1.5; ema₁ = (2/21)·1.5 + (19/21)·3 = 60/21 = 2.857143
    flat(10.5), //           rng = max(0, 1e-6) = 1e-6; ema₂ = (19/21)·60/21 = 2.585034
    [10.5, 20, 10, 19], //   rng 10;  ema₃ = (2/21)·10 + (19/21)·2.585034 = 0.952381 + 2.338840 = 3.291221
  ];
  const features = computeRelativityFeatures(bars);

  it("open_norm = clip((O − L)/rng, 0, 1)", () => {
    expectFeature(features, 0, "open_norm", 1 / 3); // (10 − 9)/3
    expectFeature(features, 1, "open_norm", 2 / 3); // (11 − 10)/1.5
    expectFeature(features, 2, "open_norm", 0); //     0/1e-6
    expectFeature(features, 3, "open_norm", 0.05); //  (10.5 − 10)/10
  });

  it("close_norm = clip((C − L)/rng, 0, 1)", () => {
    expectFeature(features, 0, "close_norm", 2 / 3); // (11 − 9)/3
    expectFeature(features, 1, "close_norm", 1 / 3); // (10.5 − 10)/1.5
    expectFeature(features, 2, "close_norm", 0);
    expectFeature(features, 3, "close_norm", 0.9); //  (19 − 10)/10
  });

  it("body_pct = clip((C − O)/rng, −1, 1)", () => {
    expectFeature(features, 0, "body_pct", 1 / 3); //   (11 − 10)/3
    expectFeature(features, 1, "body_pct", -1 / 3); //  (10.5 − 11)/1.5
    expectFeature(features, 2, "body_pct", 0);
    expectFeature(features, 3, "body_pct", 0.85); //    (19 − 10.5)/10
  });

  it("upper_wick = clip((H − max(O, C))/rng, 0, 1)", () => {
    expectFeature(features, 0, "upper_wick", 1 / 3); // (12 − 11)/3
    expectFeature(features, 1, "upper_wick", 1 / 3); // (11.5 − 11)/1.5
    expectFeature(features, 2, "upper_wick", 0);
    expectFeature(features, 3, "upper_wick", 0.1); //  (20 − 19)/10
  });

  it("lower_wick = clip((min(O, C) − L)/rng, 0, 1)", () => {
    expectFeature(features, 0, "lower_wick", 1 / 3); // (10 − 9)/3
    expectFeature(features, 1, "lower_wick", 1 / 3); // (10.5 − 10)/1.5
    expectFeature(features, 2, "lower_wick", 0);
    expectFeature(features, 3, "lower_wick", 0.05); // (10.5 − 10)/10
  });

  it("range_z = clip((H − L)/max(ema, 1e-6), 0, 3), the EMA including this bar", () => {
    expectFeature(features, 0, "range_z", 1); //     3/3
    expectFeature(features, 1, "range_z", 0.525); // 1.5/(60/21) = 31.5/60
    expectFeature(features, 2, "range_z", 0); //     0/2.585
    expectFeature(features, 3, "range_z", 3); //     10/3.291221 = 3.038 → clipped to 3
  });

  it("clips malformed bars instead of letting them escape their ranges", () => {
    // [O 13 > H 12, L 9, C 8.5 < L]: rng 3. open (13−9)/3 = 1.33 → 1; close (8.5−9)/3 → 0;
    // body (8.5−13)/3 = −1.5 → −1; upper (12−13)/3 → 0; lower (8.5−9)/3 → 0.
    const down = computeRelativityFeatures([[13, 12, 9, 8.5]]);
    expect(Array.from(down.slice(0, 5))).toEqual([1, 0, -1, 0, 0]);
    // [O 8.5, H 12, L 9, C 13]: body (13 − 8.5)/3 = 1.5 → 1; close (13−9)/3 → 1.
    const up = computeRelativityFeatures([[8.5, 12, 9, 13]]);
    expect(at(up, 0, "body_pct")).toBe(1);
    expect(at(up, 0, "close_norm")).toBe(1);
    // H < L: rng = max(−2, 1e-6) = 1e-6; (O − L)/rng = −1e6 → 0; range_z = −2/max(−2, 1e-6) → 0.
    const inverted = computeRelativityFeatures([[10, 9, 11, 10]]);
    expect(at(inverted, 0, "open_norm")).toBe(0);
    expect(at(inverted, 0, "range_z")).toBe(0);
  });

  it("a flat first bar gives range_z 0, not 0/0", () => {
    // ema₀ = 0 → denominator max(0, 1e-6); numerator 0.
    const features0 = computeRelativityFeatures([flat(7), flat(7)]);
    expect(Array.from(features0)).toEqual(new Array(24).fill(0));
  });
});

/**
 * Swing sequence (the zigzag tests derive its trace): hybrid swing high (1, 101) confirmed at bar 2,
 * primary swing low (2, 99.5) confirmed at bar 8. ATR per bar: 0, 1, 1.25, 2.5/3, 2.5/4, 2.5/5, 2.5/6,
 * 2.5/7, 3.9/8 = 0.4875, (3.9 + 0.3)/9 = 0.46667 (bar 9: TR max(0.2, |101.2 − 100.9|, |101 − 100.9|)
 * = 0.3). Leg: 0, +1, then −1 from bar 2, +1 from bar 8. Bar 9 extends the up leg to 101.2 and
 * confirms nothing (101.2 − 101.1 = 0.1 < 0.56; retrace 0.2 < 0.2333).
 * Range EMA: ema₀ 0, ema₁ 2/21 = 0.095238, ema₂ 3/21 + (19/21)·0.095238 = 0.229025, bars 3–7 decay by
 * 19/21 to ema₇ = 0.229025·(19/21)⁵ = 0.138853, ema₈ = (2/21)·1.4 + (19/21)·0.138853 = 0.258962,
 * ema₉ = (2/21)·0.2 + (19/21)·0.258962 = 0.253347.
 */
const SWINGS: Bar[] = [
  flat(100),
  [100, 101, 100, 101],
  [101, 101, 99.5, 99.6],
  flat(99.6),
  flat(99.6),
  flat(99.6),
  flat(99.6),
  flat(99.6),
  [99.6, 101, 99.6, 100.9],
  [101, 101.2, 101, 101.1],
];

/**
 * Swing high (3, 103) confirmed at bar 9 (ATR 4.6/9), a small bullish bar 10 on the down leg
 * (ATR 4.75/10 = 0.475), then a rally at bar 11 confirming swing low (9, 101.4) with ATR 1.22.
 * Range EMA: ranges 0, 0.2, 0.2, 0.2, 0×5, 1.5, 0.15 → ema₉ = 0.171312,
 * ema₁₀ = (2/21)·0.15 + (19/21)·0.171312 = 0.014286 + 0.154996 = 0.169282.
 */
const SWINGS_2: Bar[] = [
  flat(100),
  [100.8, 101, 100.8, 101],
  [101.8, 102, 101.8, 102],
  [102.8, 103, 102.8, 103],
  flat(102.9),
  flat(102.9),
  flat(102.9),
  flat(102.9),
  flat(102.9),
  [102.9, 102.9, 101.4, 101.5],
  [101.5, 101.6, 101.45, 101.55],
  [101.55, 110, 101.55, 110],
];

describe("swing features (7–10)", () => {
  const features = computeRelativityFeatures(SWINGS);
  const features2 = computeRelativityFeatures(SWINGS_2);

  it("dist_to_swing_high = clip((SH − C)/ATR, −3, 3), 0 before the first swing high", () => {
    expectFeature(features, 0, "dist_to_swing_high", 0);
    expectFeature(features, 1, "dist_to_swing_high", 0); // leg started, no swing yet
    expectFeature(features, 2, "dist_to_swing_high", 1.12); // (101 − 99.6)/1.25: known on its confirming bar
    expectFeature(features, 3, "dist_to_swing_high", 1.68); // 1.4/(2.5/3) = 1.4·1.2
    expectFeature(features, 7, "dist_to_swing_high", 3); // 1.4/(2.5/7) = 3.92 → 3
    expectFeature(features, 8, "dist_to_swing_high", 0.1 / 0.4875); // (101 − 100.9)/0.4875 = 0.205128
    expectFeature(features, 9, "dist_to_swing_high", -0.1 / (4.2 / 9)); // (101 − 101.1)/0.46667 = −0.214286
    expectFeature(features2, 9, "dist_to_swing_high", 1.5 / (4.6 / 9)); // (103 − 101.5)/0.51111 = 2.934783
    expectFeature(features2, 11, "dist_to_swing_high", -3); // (103 − 110)/1.22 = −5.74 → −3
  });

  it("dist_to_swing_low = clip((C − SL)/ATR, −3, 3), 0 before the first swing low", () => {
    expectFeature(features, 7, "dist_to_swing_low", 0); // a swing high exists, no swing low yet
    expectFeature(features, 8, "dist_to_swing_low", 1.4 / 0.4875); // (100.9 − 99.5)/0.4875 = 2.871795
    expectFeature(features, 9, "dist_to_swing_low", 3); // (101.1 − 99.5)/0.46667 = 3.43 → 3
    expectFeature(features2, 10, "dist_to_swing_low", 0);
    expectFeature(features2, 11, "dist_to_swing_low", 3); // (110 − 101.4)/1.22 = 7.05 → 3
  });

  it("bars_since_swing_high = clip((t − SH_idx)/105, 0, 3), 0 before the first swing high", () => {
    expectFeature(features, 1, "bars_since_swing_high", 0);
    expectFeature(features, 2, "bars_since_swing_high", 1 / 105); // swing at bar 1, now bar 2
    expectFeature(features, 7, "bars_since_swing_high", 6 / 105);
    expectFeature(features, 9, "bars_since_swing_high", 8 / 105);
    expectFeature(features2, 11, "bars_since_swing_high", 8 / 105); // swing at bar 3
  });

  it("bars_since_swing_low = clip((t − SL_idx)/105, 0, 3), 0 before the first swing low", () => {
    expectFeature(features, 7, "bars_since_swing_low", 0);
    expectFeature(features, 8, "bars_since_swing_low", 6 / 105); // swing at bar 2
    expectFeature(features, 9, "bars_since_swing_low", 7 / 105);
    expectFeature(features2, 11, "bars_since_swing_low", 2 / 105); // swing at bar 9
  });

  it("divides swing ages by 105 even for long inputs and clips them at 3", () => {
    // A swing high confirmed at bar 2 (index 1), then 400 flat bars at 99.6: bar 2 + 400 = 402 is
    // 401 bars after the swing → 401/105 = 3.819 → 3; bar 300: 299/105 = 2.847619.
    const long: Bar[] = SWINGS.slice(0, 3);
    for (let i = 0; i < 400; i++) long.push(flat(99.6));
    const features3 = computeRelativityFeatures(long);
    expectFeature(features3, 300, "bars_since_swing_high", 299 / 105);
    expectFeature(features3, long.length - 1, "bars_since_swing_high", 3);
  });

  it("uses an ATR of 1e-8 when the ATR is exactly 0", () => {
    // Swing high (1, 101) at bar 2, swing low (2, 99.5) at bar 3 (hybrid: 101 − 99.5 ≥ 0.5·1.3), then
    // flat bars at 101: from bar 13 the ten true ranges are all 0. dist_to_swing_high = (101 − 101)/1e-8
    // = 0 (0/0 would be NaN); dist_to_swing_low = (101 − 99.5)/1e-8 → 3.
    const bars: Bar[] = [flat(100), [100, 101, 100, 101], [101, 101, 99.5, 99.6]];
    for (let i = 3; i < 15; i++) bars.push(flat(101));
    const features3 = computeRelativityFeatures(bars);
    expectFeature(features3, 14, "dist_to_swing_high", 0);
    expectFeature(features3, 14, "dist_to_swing_low", 3);
  });
});

describe("proxy features (11–12)", () => {
  const features = computeRelativityFeatures(SWINGS);
  const features2 = computeRelativityFeatures(SWINGS_2);

  it("expansion_proxy = clip(range_z · leg · body_pct, −2, 2) with the leg in force after the bar", () => {
    expectFeature(features, 0, "expansion_proxy", 0); // leg 0
    // Bar 1 starts the up leg: range 1/ema 0.095238 = 10.5 → range_z 3; body 1 → 3·1·1 = 3 → 2.
    expectFeature(features, 1, "expansion_proxy", 2);
    // Bar 2 confirms the swing high, so its leg is already down: range_z 1.5/0.229 → 3,
    // body (99.6 − 101)/1.5 = −0.93333 → 3·(−1)·(−0.93333) = 2.8 → 2. With the old (up) leg it would be −2.
    expectFeature(features, 2, "expansion_proxy", 2);
    // Bar 9: range_z 0.2/0.253347 = 0.789433, body 0.1/0.2 = 0.5, leg +1 → 0.394716.
    expectFeature(features, 9, "expansion_proxy", (0.2 / 0.2533465377) * 0.5);
    // Down-leg bullish bar 10 of the second sequence: range_z 0.15/0.169282 = 0.886096,
    // body (101.55 − 101.5)/0.15 = 1/3 → 0.886096·(−1)·(1/3) = −0.295365.
    expectFeature(features2, 10, "expansion_proxy", -(0.15 / 0.1692819622) / 3);
  });

  it("expansion_proxy clips at −2", () => {
    // Candle sequence: bar 3 [10.5, 20, 10, 19] makes the high 20 and confirms it (hybrid: 20 − 10 = 10
    // ≥ 0.5·ATR, ATR (1.5 + 0 + 10)/3 = 3.8333; primary 20 − 19 = 1 < 4.6) → leg −1.
    // range_z 3 · (−1) · body 0.85 = −2.55 → −2.
    const features3 = computeRelativityFeatures([[10, 12, 9, 11], [11, 11.5, 10, 10.5], flat(10.5), [10.5, 20, 10, 19]]);
    expectFeature(features3, 3, "expansion_proxy", -2);
    // The swing is bar 3 itself: distance (20 − 19)/3.8333 = 0.26087, age 0.
    expectFeature(features3, 3, "dist_to_swing_high", 1 / (11.5 / 3));
    expectFeature(features3, 3, "bars_since_swing_high", 0);
  });

  it("consol_proxy = clip((1 − range_z/3)(1 − |body_pct|)(f9 + f10)/2, 0, 3)", () => {
    expectFeature(features, 2, "consol_proxy", 0); // range_z 3 → first factor 0
    // Flat bar 3: range_z 0, body 0, ages 2/105 and 0 → 1·1·(2/105)/2 = 1/105 = 0.0095238.
    expectFeature(features, 3, "consol_proxy", 1 / 105);
    expectFeature(features, 7, "consol_proxy", 3 / 105); // (6/105)/2
    // Bar 9: (1 − 0.789433/3)·(1 − 0.5)·((8 + 7)/105)/2 = 0.736856·0.5·0.0714286 = 0.026316.
    expectFeature(features, 9, "consol_proxy", (1 - 0.2 / 0.2533465377 / 3) * 0.5 * (15 / 105 / 2));
    // Bar 10 of the second sequence: (1 − 0.886096/3)·(2/3)·((7/105 + 0)/2) = 0.704635·0.666667·0.0333333
    // = 0.015659.
    expectFeature(features2, 10, "consol_proxy", (1 - 0.15 / 0.1692819622 / 3) * (2 / 3) * (7 / 105 / 2));
  });
});

describe("position feature (13)", () => {
  it("is t/(T − 1), appended after the 12 features, which do not change", () => {
    const withPosition = computeRelativityFeatures(SWINGS, { position: true });
    const without = computeRelativityFeatures(SWINGS);
    expect(withPosition.length).toBe(SWINGS.length * 13);
    for (let t = 0; t < SWINGS.length; t++) {
      expect(withPosition[t * 13 + 12]).toBe(f32(t / 9)); // T = 10
      expect(Array.from(withPosition.slice(t * 13, t * 13 + 12))).toEqual(Array.from(without.slice(t * 12, t * 12 + 12)));
    }
    const five = computeRelativityFeatures(SWINGS.slice(0, 5), { position: true });
    expect([0, 1, 2, 3, 4].map((t) => five[t * 13 + 12])).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(computeRelativityFeatures([flat(1)], { position: true })[12]).toBe(0); // T = 1
  });
});

describe("input handling", () => {
  it("rejects non-finite prices", () => {
    expect(() => computeRelativityFeatures([flat(1), [1, Number.NaN, 1, 1]])).toThrow(/bar 1/);
    expect(() => computeRelativityFeatures([[1, Infinity, 1, 1]])).toThrow(RangeError);
  });

  it("returns an empty array for no bars", () => {
    expect(computeRelativityFeatures([]).length).toBe(0);
  });
});

/** A 105-bar window on a quarter-point random walk, deterministic in `seed`. */
function syntheticWindow(id: string, seed: number): Window {
  let state = seed >>> 0;
  const next = (): number => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
  let price = 15000;
  const bars: Bar[] = [];
  for (let i = 0; i < WINDOW_BARS; i++) {
    const open = price;
    const close = open + Math.round((next() - 0.5) * 16) * 0.25;
    const high = Math.max(open, close) + Math.floor(next() * 4) * 0.25;
    const low = Math.min(open, close) - Math.floor(next() * 4) * 0.25;
    bars.push([open, high, low, close]);
    price = close;
  }
  return { window_id: id, base_window_id: id, label: "consolidation", expansion_start: 10, expansion_end: 14, features: bars };
}

describe("computeWindowFeatures", () => {
  const windows = [syntheticWindow("a", 1), syntheticWindow("b", 2), syntheticWindow("c", 3)];

  it("stacks each window's own features into a (W × 105 × F) row-major tensor", () => {
    const { windowIds, tensor, shape } = computeWindowFeatures(windows);
    expect(windowIds).toEqual(["a", "b", "c"]);
    expect(shape).toEqual([3, 105, 12]);
    expect(tensor.length).toBe(3 * 105 * 12);
    windows.forEach((w, i) => {
      const own = computeRelativityFeatures(w.features);
      expect(Array.from(tensor.slice(i * 105 * 12, (i + 1) * 105 * 12))).toEqual(Array.from(own));
    });
    // Each window restarts EMA, ATR and zigzag: running b straight after a would give other values.
    const carried = computeRelativityFeatures([...windows[0]!.features, ...windows[1]!.features]);
    expect(Array.from(carried.slice(105 * 12))).not.toEqual(Array.from(tensor.slice(105 * 12, 2 * 105 * 12)));
  });

  it("adds the position column on request", () => {
    const { tensor, shape } = computeWindowFeatures(windows.slice(0, 1), { position: true });
    expect(shape).toEqual([1, 105, 13]);
    expect(tensor[104 * 13 + 12]).toBe(1);
    expect(tensor[52 * 13 + 12]).toBe(0.5);
  });

  it("rejects windows that are not 105 bars long", () => {
    const short = { ...windows[0]!, window_id: "short", features: windows[0]!.features.slice(0, 104) };
    expect(() => computeWindowFeatures([windows[1]!, short])).toThrow(/short.*104/);
  });

  it("handles an empty list", () => {
    const empty = computeWindowFeatures([]);
    expect(empty.shape).toEqual([0, 105, 12]);
    expect(empty.tensor.length).toBe(0);
  });
});

// ---------------------------------------------------------------------------------------------------
// Properties

/** Valid OHLC built from a relative random walk at scale 10^exponent, with flat bars mixed in. */
const walkArb = fc
  .record({
    exponent: fc.integer({ min: -300, max: 300 }),
    steps: fc.array(
      fc.record({
        flat: fc.boolean(),
        gap: fc.double({ min: -0.02, max: 0.02, noNaN: true }),
        body: fc.double({ min: -0.05, max: 0.05, noNaN: true }),
        up: fc.double({ min: 0, max: 0.05, noNaN: true }),
        down: fc.double({ min: 0, max: 0.05, noNaN: true }),
      }),
      { minLength: 1, maxLength: 60 },
    ),
  })
  .map(({ exponent, steps }) => {
    let price = 10 ** exponent;
    return steps.map(({ flat: isFlat, gap, body, up, down }): Bar => {
      const open = price * (1 + gap);
      if (isFlat) {
        price = open;
        return [open, open, open, open];
      }
      const close = open * (1 + body);
      price = close;
      return [open, Math.max(open, close) * (1 + up), Math.min(open, close) * (1 - down), close];
    });
  })
  .filter((bars) => bars.every((bar) => bar.every((p) => Number.isFinite(p) && p > 0)));

/** Four arbitrary positive finite doubles per bar (any magnitudes, mixed freely), sorted into valid OHLC. */
const wildArb = fc.array(
  fc
    .tuple(
      fc.double({ min: Number.MIN_VALUE, max: Number.MAX_VALUE, noNaN: true }),
      fc.double({ min: Number.MIN_VALUE, max: Number.MAX_VALUE, noNaN: true }),
      fc.double({ min: Number.MIN_VALUE, max: Number.MAX_VALUE, noNaN: true }),
      fc.double({ min: Number.MIN_VALUE, max: Number.MAX_VALUE, noNaN: true }),
      fc.boolean(),
    )
    .map(([a, b, c, d, flatBar]): Bar => {
      if (flatBar) return [a, a, a, a];
      const prices: [number, number, number, number] = [a, b, c, d];
      const [low, x, y, high] = prices.sort((p, q) => p - q);
      return [x, high, low, y];
    }),
  { minLength: 1, maxLength: 40 },
);

function expectInRange(features: Float32Array, width: number): void {
  for (let k = 0; k < features.length; k++) {
    const j = k % width;
    const [lo, hi] = FEATURE_RANGES[j]!;
    const v = features[k]!;
    if (!(Number.isFinite(v) && v >= lo && v <= hi)) {
      throw new Error(`${FEATURE_NAMES[j]} at bar ${Math.floor(k / width)} = ${v}, outside [${lo}, ${hi}]`);
    }
  }
}

describe("properties", () => {
  it("every feature is finite and inside its declared range (random walks, 1e-300 … 1e300)", () => {
    fc.assert(
      fc.property(walkArb, fc.boolean(), (bars, position) => {
        expectInRange(computeRelativityFeatures(bars, { position }), position ? 13 : 12);
      }),
      { numRuns: 400 },
    );
  });

  it("every feature is finite and inside its declared range (arbitrary positive doubles, flat bars)", () => {
    fc.assert(
      fc.property(wildArb, (bars) => {
        expectInRange(computeRelativityFeatures(bars, { position: true }), 13);
      }),
      { numRuns: 400 },
    );
  });

  it("features at bar t do not change when bars after t change", () => {
    fc.assert(
      fc.property(walkArb, walkArb, fc.nat(), (bars, other, cut) => {
        const t = cut % bars.length;
        const altered = bars.slice(0, t + 1).concat(other);
        const a = computeRelativityFeatures(bars, { position: false });
        const b = computeRelativityFeatures(altered, { position: false });
        expect(Array.from(b.slice(0, (t + 1) * F))).toEqual(Array.from(a.slice(0, (t + 1) * F)));
      }),
      { numRuns: 300 },
    );
  });

  it("scaling every price by a power of two leaves every feature bit-identical", () => {
    // Quarter-point prices: every non-zero range is ≥ 0.25, far above the 1e-6 floors, so the only
    // thing a scale could change is an absolute threshold — which the features must not have.
    const tickBars = fc
      .array(fc.tuple(fc.integer({ min: -30, max: 30 }), fc.nat(8), fc.nat(8), fc.integer({ min: -8, max: 8 })), {
        minLength: 1,
        maxLength: 60,
      })
      .map((steps) => {
        let q = 40000;
        return steps.map(([body, up, down, gap]): Bar => {
          const open = q + gap;
          const close = open + body;
          q = close;
          return [open, Math.max(open, close) + up, Math.min(open, close) - down, close].map((x) => x * 0.25) as Bar;
        });
      });
    fc.assert(
      fc.property(tickBars, fc.integer({ min: 1, max: 30 }), (bars, power) => {
        const scale = 2 ** power;
        const scaled = bars.map((bar) => bar.map((p) => p * scale) as Bar);
        expect(Array.from(computeRelativityFeatures(scaled))).toEqual(Array.from(computeRelativityFeatures(bars)));
      }),
      { numRuns: 200 },
    );
  });
});
