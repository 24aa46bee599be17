import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Bar } from "../data/window.js";
import { CONFIRM_HYBRID, CONFIRM_NONE, CONFIRM_PRIMARY, DEFAULT_ZIGZAG_OPTIONS, causalZigzag, pairwiseSum, type ZigzagTrace } from "./zigzag.js";

const flat = (price: number): Bar => [price, price, price, price];

/**
 * Up leg of three gap-up bars (every true range exactly 1), a quiet stretch one tick under the high
 * that retraces too little for the hybrid rule, then — six bars after the high, past the hybrid
 * lookback — a drop that only the primary rule can confirm; then a small bullish bar and a rally that
 * confirms the swing low by the primary rule too.
 */
const SEQ_PRIMARY_HIGH: Bar[] = [
  flat(100), //                       0  close stored only
  [100.8, 101, 100.8, 101], //        1  TR max(0.2, |101−100|, |100.8−100|) = 1; ATR 1 > 0 → up leg, extreme = close 101
  [101.8, 102, 101.8, 102], //        2  TR 1; extreme 102@2; candidate 102@2; retrace 102−101.8 = 0.2 < 0.5
  [102.8, 103, 102.8, 103], //        3  TR 1; extreme 103@3; candidate 103@3; retrace 0.2 < 0.5
  flat(102.9), //                     4  TR 0.1
  flat(102.9), //                     5  TR 0
  flat(102.9), //                     6
  flat(102.9), //                     7
  flat(102.9), //                     8  candidate 5 bars old, retrace 0.1
  [102.9, 102.9, 101.4, 101.5], //    9  TR 1.5; primary: 103 − 101.5 = 1.5 ≥ 1.2·ATR
  [101.5, 101.6, 101.45, 101.55], // 10  TR max(0.15, 0.1, 0.05) = 0.15
  [101.55, 110, 101.55, 110], //     11  TR 8.45; primary: 110 − 101.4 = 8.6 ≥ 1.2·ATR
];

/**
 * The first bar after the leg starts confirms a swing high by the hybrid rule alone; five quiet bars
 * later a rally confirms the swing low by the primary rule alone.
 */
const SEQ_HYBRID_HIGH: Bar[] = [
  flat(100), //                    0
  [100, 101, 100, 101], //         1  TR 1, ATR 1 → up leg, extreme = close 101@1 (no confirmation on the start bar)
  [101, 101, 99.5, 99.6], //       2  TR 1.5, ATR 1.25; 101 is not > 101 so extreme stays 101@1; candidate 101@2
  flat(99.6), //                   3  TR 0
  flat(99.6), //                   4
  flat(99.6), //                   5
  flat(99.6), //                   6
  flat(99.6), //                   7  candidate 99.5@2 is 5 bars old
  [99.6, 101, 99.6, 100.9], //     8  TR 1.4
];

function events(trace: ZigzagTrace): { bar: number; side: number; rule: number }[] {
  const out: { bar: number; side: number; rule: number }[] = [];
  for (let i = 0; i < trace.length; i++) {
    if (trace.confirmed[i] !== 0) out.push({ bar: i, side: trace.confirmed[i]!, rule: trace.confirmRule[i]! });
  }
  return out;
}

describe("pairwiseSum", () => {
  it("adds in NumPy's order: eight interleaved accumulators from 8 values on", () => {
    const big = 2 ** 53;
    // Left to right, every +1 is lost to rounding at 2^53 (ties to even): the sum stays 2^53.
    // NumPy: ((big+1) + (1+1)) + ((1+1) + (1+1)) = (2^53 + 2) + 4 = 2^53 + 6, all exact.
    expect(pairwiseSum([big, 1, 1, 1, 1, 1, 1, 1])).toBe(big + 6);
    // Values 9 and 10 are added one by one after the tree (spacing is 2 above 2^53, ties to an even
    // significand): (2^53 + 6) + 1 = 2^53 + 7 → 2^53 + 8, then + 1 = 2^53 + 9 → 2^53 + 8.
    // (NumPy 2.4: np.sum of these ten values − 2^53 = 8.0, and 6.0 for the first eight.)
    expect(pairwiseSum([big, 1, 1, 1, 1, 1, 1, 1, 1, 1])).toBe(big + 8);
    // Below 8 values NumPy sums left to right: 2^53 + 1 + 1 → 2^53 at each step.
    expect(pairwiseSum([big, 1, 1])).toBe(big);
  });

  it("sums a sub-range and splits long inputs", () => {
    expect(pairwiseSum([5, 1, 2, 3, 9], 1, 3)).toBe(6);
    const ones = new Array<number>(1000).fill(1);
    expect(pairwiseSum(ones)).toBe(1000);
    expect(pairwiseSum([])).toBe(0);
  });
});

describe("causalZigzag: swing confirmation", () => {
  it("confirms a swing high by the primary rule once the hybrid lookback has passed", () => {
    const zz = causalZigzag(SEQ_PRIMARY_HIGH);
    // ATR = mean of the true ranges so far (bar 0 has none):
    // bars 1–3: 1; bar 4: (1+1+1+0.1)/4 = 0.775; bar 5: 3.1/5 = 0.62; bar 6: 3.1/6; bar 7: 3.1/7;
    // bar 8: 3.1/8 = 0.3875; bar 9: (3.1 + 1.5)/9 = 0.51111; bar 10: (4.6 + 0.15)/10 = 0.475;
    // bar 11: the window keeps 10 values, bar 1's TR drops: (4.75 − 1 + 8.45)/10 = 1.22.
    const expectedAtr = [0, 1, 1, 1, 0.775, 0.62, 3.1 / 6, 3.1 / 7, 0.3875, 4.6 / 9, 0.475, 1.22];
    expectedAtr.forEach((atr, i) => {
      expect(zz.atr[i]).toBeCloseTo(atr, 12);
    });

    // Bars 4–8: primary needs 103 − 102.9 = 0.1 ≥ 1.2·ATR (≥ 0.465): no. Hybrid needs 0.1 ≥ 0.5·ATR
    // (≥ 0.19375 at bar 8): no. Bar 9 is 6 bars after the candidate (103@3), so the hybrid rule is out;
    // primary: 103 − 101.5 = 1.5 ≥ 1.2·0.51111 = 0.6133 → swing high (3, 103) confirmed at bar 9.
    // Down leg starts at bar 9's low, 101.4. Bar 10: 101.55 − 101.4 = 0.15 < 1.2·0.475 and
    // 101.6 − 101.4 = 0.2 < 0.5·0.475 = 0.2375: nothing. Bar 11: 110 − 101.4 = 8.6 ≥ 1.2·1.22 →
    // swing low (9, 101.4), primary.
    expect(events(zz)).toEqual([
      { bar: 9, side: 1, rule: CONFIRM_PRIMARY },
      { bar: 11, side: -1, rule: CONFIRM_PRIMARY },
    ]);
    expect(Array.from(zz.swingHighIndex)).toEqual([-1, -1, -1, -1, -1, -1, -1, -1, -1, 3, 3, 3]);
    expect(zz.swingHighPrice[8]).toBeNaN();
    expect(zz.swingHighPrice[9]).toBe(103);
    expect(Array.from(zz.swingLowIndex)).toEqual([-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 9]);
    expect(zz.swingLowPrice[10]).toBeNaN();
    expect(zz.swingLowPrice[11]).toBe(101.4);
    expect(Array.from(zz.legDirection)).toEqual([0, 1, 1, 1, 1, 1, 1, 1, 1, -1, -1, 1]);
  });

  it("confirms by the hybrid rule alone, then a swing low by the primary rule alone", () => {
    const zz = causalZigzag(SEQ_HYBRID_HIGH);
    // Bar 2, ATR (1 + 1.5)/2 = 1.25: primary needs 101 − 99.6 = 1.4 ≥ 1.5 — fails. Hybrid: candidate
    // 101@2 is 0 bars old and 101 − 99.5 = 1.5 ≥ 0.625 → swing high confirmed. The swing is the leg's
    // extreme, the start close 101@1, not the candidate's bar.
    // Down leg from 99.5@2. Bars 3–7 (TR 0; ATR 2.5/3 … 2.5/7 = 0.357): C − 99.5 = 0.1 < 1.2·ATR and
    // retrace 99.6 − 99.5 = 0.1 < 0.5·ATR (0.1786 at bar 7). Bar 8: ATR (2.5 + 1.4)/8 = 0.4875,
    // 100.9 − 99.5 = 1.4 ≥ 0.585 → primary; the candidate 99.5@2 is 6 bars old so hybrid could not.
    expect(events(zz)).toEqual([
      { bar: 2, side: 1, rule: CONFIRM_HYBRID },
      { bar: 8, side: -1, rule: CONFIRM_PRIMARY },
    ]);
    expect(zz.swingHighIndex[2]).toBe(1);
    expect(zz.swingHighPrice[2]).toBe(101);
    expect(zz.swingLowIndex[8]).toBe(2);
    expect(zz.swingLowPrice[8]).toBe(99.5);
    expect(zz.atr[2]).toBe(1.25);
    expect(zz.atr[8]).toBeCloseTo(0.4875, 12);
    expect(Array.from(zz.legDirection)).toEqual([0, 1, -1, -1, -1, -1, -1, -1, 1]);
  });

  // The primary-high sequence up to bar 3, then quiet bars and one dip of 0.5 below the candidate 103@3.
  const dipAt = (lag: number): Bar[] => {
    const bars = SEQ_PRIMARY_HIGH.slice(0, 4);
    bars.push(flat(102.9)); // bar 4, TR 0.1
    while (bars.length < 3 + lag) bars.push(flat(102.9));
    bars.push([102.9, 102.9, 102.5, 102.8]); // TR max(0.4, 0, 0.4) = 0.4
    return bars;
  };

  it("confirms a hybrid swing from a candidate a few bars old", () => {
    // Dip at bar 5 (lag 2): TRs 1,1,1,0.1,0.4 → ATR 3.5/5 = 0.7. Primary: 103 − 102.8 = 0.2 < 0.84.
    // Hybrid: 103 − 102.5 = 0.5 ≥ 0.35, candidate 2 bars old → swing high (3, 103) at bar 5.
    const zz = causalZigzag(dipAt(2));
    expect(events(zz)).toEqual([{ bar: 5, side: 1, rule: CONFIRM_HYBRID }]);
    expect(zz.swingHighIndex[5]).toBe(3);
    expect(zz.swingHighPrice[5]).toBe(103);
    // With a lookback of 1 the same dip is too late.
    expect(events(causalZigzag(dipAt(2), { hybridLookback: 1 }))).toEqual([]);
  });

  it("counts the hybrid lookback inclusively: 5 bars confirms, 6 does not", () => {
    // Lag 5 (bar 8): ATR (3.1 + 0.4)/8 = 0.4375; 0.5 ≥ 0.21875 → confirmed. Primary: 0.2 < 0.525.
    expect(events(causalZigzag(dipAt(5)))).toEqual([{ bar: 8, side: 1, rule: CONFIRM_HYBRID }]);
    // Lag 6 (bar 9): ATR 3.5/9 = 0.389; primary 0.2 < 0.467; hybrid out of lookback → nothing.
    expect(events(causalZigzag(dipAt(6)))).toEqual([]);
  });

  it("measures the hybrid retrace from the candidate, which on the first leg starts at the next high", () => {
    const bars: Bar[] = [
      flat(100), //                 0
      [100, 101, 100, 101], //      1  ATR 1 → up leg, extreme = close 101@1
      [100.8, 100.8, 100.5, 100.6], // 2  gap down: TR max(0.3, 0.2, 0.5) = 0.5, ATR 0.75
      [100.6, 100.7, 100.2, 100.3], // 3  TR max(0.5, 0.1, 0.4) = 0.5, ATR 2/3
    ];
    // Bar 2: 100.8 < 101, so the extreme stays 101@1 while the candidate (unset so far) becomes 100.8@2.
    // Primary: 101 − 100.6 = 0.4 < 0.9. Hybrid from the candidate: 100.8 − 100.5 = 0.3 < 0.375 → no
    // swing (measured from the extreme it would have been 0.5 ≥ 0.375).
    // Bar 3: primary 101 − 100.3 = 0.7 < 0.8; hybrid 100.8 − 100.2 = 0.6 ≥ 1/3 → swing high, and the
    // swing recorded is the leg's extreme (1, 101), not the candidate.
    const zz = causalZigzag(bars);
    expect(events(zz)).toEqual([{ bar: 3, side: 1, rule: CONFIRM_HYBRID }]);
    expect(zz.swingHighIndex[3]).toBe(1);
    expect(zz.swingHighPrice[3]).toBe(101);
  });

  it("starts the first leg at the first bar with ATR > 0 and does nothing else on that bar", () => {
    // Three identical flat bars: TR 0, ATR 0 → no leg. Bar 3 moves: ATR 2/3 > 0 → up leg at close 102.
    // Had bar 3 also run the hybrid rule, its own range (2 ≥ 0.5·ATR) would have confirmed a swing.
    const bars: Bar[] = [flat(100), flat(100), flat(100), [100, 102, 100, 102], [102, 102.1, 101.9, 102]];
    const zz = causalZigzag(bars);
    expect(Array.from(zz.atr.slice(0, 4))).toEqual([0, 0, 0, 2 / 3]);
    expect(Array.from(zz.legDirection)).toEqual([0, 0, 0, 1, 1]);
    expect(events(zz)).toEqual([]);
  });

  it("takes no swing decisions while ATR is exactly 0", () => {
    // Hybrid swing high at bar 2 as above (swing 101@1), then flat bars at 101. Bar 3: TR |101 − 99.6|
    // = 1.4, ATR (1 + 1.5 + 1.4)/3 = 1.3; primary 101 − 99.5 = 1.5 < 1.56; hybrid 101 − 99.5 = 1.5 ≥ 0.65
    // → swing low (2, 99.5); up leg from 101@3. From bar 13 all ten true ranges are 0: ATR 0, and the
    // primary test 101 − 101 = 0 ≥ 1.2·0 would pass if it were applied — the reference guards it.
    const bars: Bar[] = [flat(100), [100, 101, 100, 101], [101, 101, 99.5, 99.6]];
    for (let i = 3; i < 16; i++) bars.push(flat(101));
    const zz = causalZigzag(bars);
    expect(events(zz)).toEqual([
      { bar: 2, side: 1, rule: CONFIRM_HYBRID },
      { bar: 3, side: -1, rule: CONFIRM_HYBRID },
    ]);
    expect(zz.atr[12]).toBeCloseTo(0.14, 12);
    expect(Array.from(zz.atr.slice(13))).toEqual([0, 0, 0]);
    expect(zz.legDirection[15]).toBe(1);
  });
});

describe("causalZigzag: options and shape", () => {
  it("uses the docs/spec.md §2 defaults", () => {
    expect(DEFAULT_ZIGZAG_OPTIONS).toEqual({ atrPeriod: 10, k: 1.2, hybridLookback: 5, hybridMinRetraceAtr: 0.5 });
  });

  it("honours a custom ATR period and k", () => {
    // atrPeriod 2 at bar 9 of the primary sequence: (0 + 1.5)/2 = 0.75.
    const zz = causalZigzag(SEQ_PRIMARY_HIGH, { atrPeriod: 2 });
    expect(zz.atr[9]).toBe(0.75);
    // k = 3: bar 9 needs 1.5 ≥ 3·0.5111 = 1.533 — fails; hybrid is out of lookback, so no swing high.
    expect(events(causalZigzag(SEQ_PRIMARY_HIGH, { k: 3 })).filter((e) => e.bar === 9)).toEqual([]);
  });

  it("rejects invalid options", () => {
    expect(() => causalZigzag([], { atrPeriod: 0 })).toThrow(RangeError);
    expect(() => causalZigzag([], { atrPeriod: 2.5 })).toThrow(RangeError);
    expect(() => causalZigzag([], { k: Number.NaN })).toThrow(RangeError);
    expect(() => causalZigzag([], { hybridLookback: -1 })).toThrow(RangeError);
    expect(() => causalZigzag([], { hybridMinRetraceAtr: -0.5 })).toThrow(RangeError);
  });

  it("returns empty typed arrays for no bars and 'none' markers before any swing", () => {
    expect(causalZigzag([]).length).toBe(0);
    const zz = causalZigzag([flat(5), [5, 6, 4, 5]]);
    expect(zz.swingHighIndex).toBeInstanceOf(Int32Array);
    expect(zz.swingHighPrice).toBeInstanceOf(Float64Array);
    expect(Array.from(zz.swingHighIndex)).toEqual([-1, -1]);
    expect(Array.from(zz.swingLowPrice).every(Number.isNaN)).toBe(true);
    expect(zz.confirmRule[1]).toBe(CONFIRM_NONE);
  });
});

describe("causalZigzag: causality", () => {
  const barArb = fc
    .tuple(fc.integer({ min: -40, max: 40 }), fc.integer({ min: -40, max: 40 }), fc.integer({ min: 0, max: 20 }), fc.integer({ min: 0, max: 20 }))
    .map(([gap, body, up, down]) => ({ gap, body, up, down }));

  // Bars as a quarter-point random walk (with gaps and flat bars), always valid OHLC.
  const toBars = (steps: { gap: number; body: number; up: number; down: number }[]): Bar[] => {
    let price = 5000;
    return steps.map(({ gap, body, up, down }) => {
      const open = price + gap * 0.25;
      const close = open + body * 0.25;
      price = close;
      return [open, Math.max(open, close) + up * 0.25, Math.min(open, close) - down * 0.25, close];
    });
  };

  it("state at bar t does not depend on bars after t", () => {
    fc.assert(
      fc.property(fc.array(barArb, { minLength: 2, maxLength: 40 }), fc.array(barArb, { minLength: 1, maxLength: 40 }), fc.nat(), (steps, replacement, cut) => {
        const t = cut % (steps.length - 1);
        const original = toBars(steps);
        const altered = original.slice(0, t + 1).concat(toBars(replacement).map((b) => b.map((p) => p * 1.5) as Bar));
        const a = causalZigzag(original);
        const b = causalZigzag(altered);
        for (const key of ["atr", "legDirection", "swingHighPrice", "swingHighIndex", "swingLowPrice", "swingLowIndex", "confirmed", "confirmRule"] as const) {
          expect(Array.from(b[key].slice(0, t + 1))).toEqual(Array.from(a[key].slice(0, t + 1)));
        }
      }),
      { numRuns: 300 },
    );
  });
});
