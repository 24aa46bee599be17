import { describe, expect, it } from "vitest";
import fc from "fast-check";
import {
  classificationAccuracy,
  lossReduction,
  macroSpanScores,
  macroSpanScoresFromMask,
  normalisedReduction,
  pointerErrors,
  pooledSpanScores,
  predictedSpanFromMask,
  predictedSpansFromMask,
  prfFromCounts,
  probabilitySeparation,
  spanIoU,
  spanLevelScores,
  type Span,
} from "./metrics.js";
import { scoreRule, type RuleBar } from "./rule_baseline.js";

/**
 * Two windows of 6 bars.
 *  w0: span [1,3]; p = .2 .7 .6 .5 .9 .1 → pred (p > .5) = bars 1,2,4 (bar 3 at exactly .5 is NOT predicted)
 *      TP {1,2} = 2, FP {4} = 1, FN {3} = 1 → P 2/3, R 2/3, F1 2/3
 *  w1: span [0,3]; p = .9 .8 .1 .1 .1 .1 → pred = bars 0,1
 *      TP 2, FP 0, FN {2,3} = 2 → P 1, R 1/2, F1 2·(1/2)/(3/2) = 2/3
 *  macro: P (2/3 + 1)/2 = 5/6, R (2/3 + 1/2)/2 = 7/12, F1 (2/3 + 2/3)/2 = 2/3
 *         (the F1 of the means would be 2·(5/6)(7/12)/(5/6 + 7/12) = 35/51 ≠ 2/3)
 *  pooled: TP 4, FP 1, FN 3 → P 4/5, R 4/7, F1 8/12 = 2/3
 */
const BARS6 = 6;
const SPANS2: Span[] = [
  { start: 1, end: 3 },
  { start: 0, end: 3 },
];
const P2 = new Float32Array([0.2, 0.7, 0.6, 0.5, 0.9, 0.1, 0.9, 0.8, 0.1, 0.1, 0.1, 0.1]);
const MASK2 = new Uint8Array([0, 1, 1, 0, 1, 0, 1, 1, 0, 0, 0, 0]);

describe("prfFromCounts (zero_division=0)", () => {
  it("computes P, R, F1 from counts", () => {
    // TP 3, FP 1, FN 2 → P 3/4, R 3/5, F1 2·(9/20)/(27/20) = 2/3
    const s = prfFromCounts(3, 1, 2);
    expect(s.precision).toBeCloseTo(0.75, 15);
    expect(s.recall).toBeCloseTo(0.6, 15);
    expect(s.f1).toBeCloseTo(2 / 3, 15);
  });
  it("precision of no predictions is 0, recall of no positives is 0, F1 is 0 when P + R = 0", () => {
    expect(prfFromCounts(0, 0, 5)).toEqual({ precision: 0, recall: 0, f1: 0 }); // nothing predicted
    expect(prfFromCounts(0, 4, 0)).toEqual({ precision: 0, recall: 0, f1: 0 }); // no positives
    expect(prfFromCounts(0, 0, 0)).toEqual({ precision: 0, recall: 0, f1: 0 }); // nothing at all
  });
});

describe("macroSpanScores", () => {
  it("averages per-window P/R/F1 (hand-computed, strict p > 0.5)", () => {
    const s = macroSpanScores(P2, SPANS2, BARS6);
    expect(s.precision).toBeCloseTo(5 / 6, 12);
    expect(s.recall).toBeCloseTo(7 / 12, 12);
    expect(s.f1).toBeCloseTo(2 / 3, 12);
    expect(s.f1).not.toBeCloseTo(35 / 51, 3); // mean of F1s, not F1 of means
  });

  it("uses the threshold argument", () => {
    // θ = .65: w0 pred {1 (.7), 4 (.9)} → TP 1, FP 1, FN 2 → P 1/2, R 1/3, F1 2·(1/6)/(5/6) = 2/5
    //          w1 pred {0,1} → P 1, R 1/2, F1 2/3
    // macro: P 3/4, R 5/12, F1 (2/5 + 2/3)/2 = 8/15
    const s = macroSpanScores(P2, SPANS2, BARS6, 0.65);
    expect(s.precision).toBeCloseTo(0.75, 12);
    expect(s.recall).toBeCloseTo(5 / 12, 12);
    expect(s.f1).toBeCloseTo(8 / 15, 12);
  });

  it("mask variant gives the same scores as thresholding", () => {
    expect(macroSpanScoresFromMask(MASK2, SPANS2, BARS6)).toEqual(macroSpanScores(P2, SPANS2, BARS6));
  });

  it("zero-division: a window with no predictions scores P = R = F1 = 0; no windows → zeros", () => {
    // w0 nothing predicted: 0/0/0. w1 everything predicted: TP 4, FP 2 → P 2/3, R 1, F1 4/5.
    // macro: P 1/3, R 1/2, F1 2/5
    const mask = new Uint8Array([0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1]);
    const s = macroSpanScoresFromMask(mask, SPANS2, BARS6);
    expect(s.precision).toBeCloseTo(1 / 3, 12);
    expect(s.recall).toBeCloseTo(1 / 2, 12);
    expect(s.f1).toBeCloseTo(2 / 5, 12);
    expect(macroSpanScores(new Float32Array(0), [], BARS6)).toEqual({ precision: 0, recall: 0, f1: 0 });
  });

  it("rejects bad shapes, spans and NaN", () => {
    expect(() => macroSpanScores(new Float32Array(11), SPANS2, BARS6)).toThrow(/length/);
    expect(() => macroSpanScores(new Float32Array(6), [{ start: 2, end: 6 }], BARS6)).toThrow(/span/);
    expect(() => macroSpanScores(new Float32Array(6), [{ start: 3, end: 2 }], BARS6)).toThrow(/span/);
    expect(() => macroSpanScores(new Float32Array([NaN, 0, 0, 0, 0, 0]), [{ start: 0, end: 0 }], BARS6)).toThrow(/NaN/);
  });
});

describe("pooledSpanScores", () => {
  it("pools TP/FP/FN over all bars (hand-computed)", () => {
    const s = pooledSpanScores(MASK2, SPANS2, BARS6);
    expect(s).toMatchObject({ truePositives: 4, falsePositives: 1, falseNegatives: 3, nTrue: 7, nPredicted: 5 });
    expect(s.precision).toBeCloseTo(4 / 5, 15);
    expect(s.recall).toBeCloseTo(4 / 7, 15);
    expect(s.f1).toBeCloseTo(2 / 3, 15);
  });

  it("zero-division: nothing predicted → P = 0; no windows → all 0", () => {
    const none = pooledSpanScores(new Uint8Array(12), SPANS2, BARS6);
    expect(none).toMatchObject({ precision: 0, recall: 0, f1: 0, nPredicted: 0, nTrue: 7, falseNegatives: 7 });
    expect(pooledSpanScores(new Uint8Array(0), [], 4)).toEqual({
      precision: 0,
      recall: 0,
      f1: 0,
      truePositives: 0,
      falsePositives: 0,
      falseNegatives: 0,
      nTrue: 0,
      nPredicted: 0,
    });
  });

  const windowsArb = fc.integer({ min: 1, max: 10 }).chain((bars) =>
    fc.record({
      bars: fc.constant(bars),
      windows: fc.array(
        fc.tuple(fc.integer({ min: 0, max: bars - 1 }), fc.integer({ min: 0, max: bars - 1 }), fc.array(fc.boolean(), { minLength: bars, maxLength: bars })),
        { minLength: 1, maxLength: 5 },
      ),
    }),
  );
  const unpack = ({ bars, windows }: { bars: number; windows: [number, number, boolean[]][] }) => ({
    bars,
    spans: windows.map(([a, b]) => ({ start: Math.min(a, b), end: Math.max(a, b) })),
    mask: Uint8Array.from(windows.flatMap(([, , m]) => m.map(Number))),
  });

  it("property: counts are consistent with the mask and spans; P/R/F1 in [0, 1]", () => {
    fc.assert(
      fc.property(windowsArb, (input) => {
        const { bars, spans, mask } = unpack(input);
        const s = pooledSpanScores(mask, spans, bars);
        const predicted = mask.reduce((a, x) => a + x, 0);
        const inSpan = spans.reduce((a, sp) => a + sp.end - sp.start + 1, 0);
        expect(s.nPredicted).toBe(predicted);
        expect(s.nTrue).toBe(inSpan);
        expect(s.truePositives + s.falsePositives).toBe(s.nPredicted);
        expect(s.truePositives + s.falseNegatives).toBe(s.nTrue);
        expect(s.truePositives + s.falsePositives + s.falseNegatives).toBeLessThanOrEqual(mask.length);
        if (s.nPredicted > 0) expect(s.precision).toBe(s.truePositives / s.nPredicted);
        expect(s.recall).toBe(s.truePositives / s.nTrue);
        for (const x of [s.precision, s.recall, s.f1]) expect(x >= 0 && x <= 1).toBe(true);
        const m = macroSpanScoresFromMask(mask, spans, bars);
        for (const x of [m.precision, m.recall, m.f1]) expect(x >= 0 && x <= 1).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it("property: equals rule_baseline's scoreRule on the same bars", () => {
    fc.assert(
      fc.property(windowsArb, (input) => {
        const { bars, spans, mask } = unpack(input);
        const ruleBars: RuleBar[] = [];
        spans.forEach((sp, w) => {
          for (let t = 0; t < bars; t++) ruleBars.push({ rangeZ: mask[w * bars + t]!, expansionProxy: 0, inSpan: t >= sp.start && t <= sp.end });
        });
        const rule = scoreRule(ruleBars, (bar) => bar.rangeZ > 0);
        expect(pooledSpanScores(mask, spans, bars)).toMatchObject(rule);
      }),
      { numRuns: 200 },
    );
  });
});

describe("probabilitySeparation", () => {
  it("summarises in-span and out-of-span p (hand-computed, population std)", () => {
    // span [1,2]; p = .1 .8 .6 .3 .2
    // in: {.8, .6} → mean .7, std √((.01 + .01)/2) = .1, median (.6 + .8)/2 = .7
    // out: {.1, .3, .2} → mean .2, std √((.01 + .01 + 0)/3) = √(.02/3), median .2
    // separation .7 − .2 = .5
    const s = probabilitySeparation(new Float64Array([0.1, 0.8, 0.6, 0.3, 0.2]), [{ start: 1, end: 2 }], 5);
    expect(s.inSpan.count).toBe(2);
    expect(s.inSpan.mean).toBeCloseTo(0.7, 15);
    expect(s.inSpan.std).toBeCloseTo(0.1, 15);
    expect(s.inSpan.min).toBe(0.6);
    expect(s.inSpan.max).toBe(0.8);
    expect(s.inSpan.median).toBeCloseTo(0.7, 15);
    expect(s.outOfSpan.count).toBe(3);
    expect(s.outOfSpan.mean).toBeCloseTo(0.2, 15);
    expect(s.outOfSpan.std).toBeCloseTo(Math.sqrt(0.02 / 3), 15);
    expect(s.outOfSpan.min).toBe(0.1);
    expect(s.outOfSpan.max).toBe(0.3);
    expect(s.outOfSpan.median).toBe(0.2);
    expect(s.separation).toBeCloseTo(0.5, 15);
  });

  it("pools bars across windows", () => {
    // w0 span [0,0] p = 1, 0 ; w1 span [1,1] p = .5, .5 → in {1, .5} mean .75; out {0, .5} mean .25
    const s = probabilitySeparation(
      new Float64Array([1, 0, 0.5, 0.5]),
      [
        { start: 0, end: 0 },
        { start: 1, end: 1 },
      ],
      2,
    );
    expect(s.inSpan.mean).toBe(0.75);
    expect(s.outOfSpan.mean).toBe(0.25);
    expect(s.separation).toBe(0.5);
  });

  it("an empty group has count 0 and NaN statistics, and the separation is NaN", () => {
    const s = probabilitySeparation(new Float64Array([0.4, 0.6]), [{ start: 0, end: 1 }], 2);
    expect(s.outOfSpan.count).toBe(0);
    expect(s.outOfSpan.mean).toBeNaN();
    expect(s.outOfSpan.median).toBeNaN();
    expect(s.separation).toBeNaN();
    expect(s.inSpan.std).toBeCloseTo(0.1, 15);
  });
});

describe("spanIoU", () => {
  it("hand-computed inclusive ranges", () => {
    expect(spanIoU({ start: 3, end: 5 }, { start: 5, end: 8 })).toBeCloseTo(1 / 6, 15); // ∩ {5} = 1, ∪ 3 + 4 − 1 = 6
    expect(spanIoU({ start: 2, end: 4 }, { start: 2, end: 4 })).toBe(1);
    expect(spanIoU({ start: 0, end: 9 }, { start: 2, end: 3 })).toBe(0.2); // 2 / 10
    expect(spanIoU({ start: 0, end: 1 }, { start: 3, end: 4 })).toBe(0);
    expect(spanIoU({ start: 7, end: 7 }, { start: 7, end: 7 })).toBe(1); // one bar each
    expect(spanIoU(null, { start: 7, end: 7 })).toBe(0);
  });

  it("property: symmetric, in [0, 1], 1 iff equal", () => {
    const span = fc.tuple(fc.integer({ min: 0, max: 30 }), fc.integer({ min: 0, max: 30 })).map(([a, b]) => ({ start: Math.min(a, b), end: Math.max(a, b) }));
    fc.assert(
      fc.property(span, span, (a, b) => {
        const x = spanIoU(a, b);
        expect(x).toBe(spanIoU(b, a));
        expect(x >= 0 && x <= 1).toBe(true);
        expect(x === 1).toBe(a.start === b.start && a.end === b.end);
      }),
      { numRuns: 500 },
    );
  });
});

describe("spanLevelScores", () => {
  it("mean IoU, hit@k, boundary errors and strict P/R/F1 (hand-computed)", () => {
    // w0 pred [10,14] vs [10,14]: IoU 1, |Δs| 0, |Δe| 0
    // w1 pred [8,15]  vs [10,14]: ∩ 5, ∪ 8 → IoU .625 (≥ .5: correct), |Δs| 2, |Δe| 1
    // w2 pred [20,21] vs [22,30]: IoU 0, |Δs| 2, |Δe| 9
    // w3 no prediction vs [5,5]: IoU 0, miss
    // mean IoU (1 + .625)/4 = .40625; hit@1 {w0} 1/4; hit@3 {w0,w1} 2/4; hit@10 {w0,w1,w2} 3/4
    // errors over the 3 predicted: start (0+2+2)/3 = 4/3, end (0+1+9)/3 = 10/3
    // strict: correct 2, P 2/3, R 2/4, F1 2·(1/3)/(7/6) = 4/7
    const s = spanLevelScores(
      [{ start: 10, end: 14 }, { start: 8, end: 15 }, { start: 20, end: 21 }, null],
      [
        { start: 10, end: 14 },
        { start: 10, end: 14 },
        { start: 22, end: 30 },
        { start: 5, end: 5 },
      ],
      [1, 3, 10],
    );
    expect(s.windows).toBe(4);
    expect(s.predictedWindows).toBe(3);
    expect(s.meanIoU).toBe(0.40625);
    expect(s.hitAt).toEqual([
      { k: 1, rate: 0.25 },
      { k: 3, rate: 0.5 },
      { k: 10, rate: 0.75 },
    ]);
    expect(s.meanStartError).toBeCloseTo(4 / 3, 15);
    expect(s.meanEndError).toBeCloseTo(10 / 3, 15);
    expect(s.correct).toBe(2);
    expect(s.precision).toBeCloseTo(2 / 3, 15);
    expect(s.recall).toBe(0.5);
    expect(s.f1).toBeCloseTo(4 / 7, 15);
  });

  it("default ks are 1, 3, 5; IoU exactly 0.5 counts as correct, 1/3 does not", () => {
    // [0,1] vs [0,3]: 2/4 = .5 → correct; |Δe| = 2 → hit@3, hit@5 but not hit@1
    const half = spanLevelScores([{ start: 0, end: 1 }], [{ start: 0, end: 3 }]);
    expect(half.hitAt.map((h) => h.k)).toEqual([1, 3, 5]);
    expect(half.hitAt.map((h) => h.rate)).toEqual([0, 1, 1]);
    expect(half.correct).toBe(1);
    expect(half.f1).toBe(1);
    // boundaries exactly k bars off count as hits: [0,2] vs [1,3] is off by 1 and 1 → hit@1
    expect(spanLevelScores([{ start: 0, end: 2 }], [{ start: 1, end: 3 }]).hitAt[0]).toEqual({ k: 1, rate: 1 });
    // [0,0] vs [0,2]: 1/3 → not correct
    expect(spanLevelScores([{ start: 0, end: 0 }], [{ start: 0, end: 2 }]).correct).toBe(0);
  });

  it("zero-division: no predictions → P = R = F1 = 0, errors NaN; no windows → mean IoU and hit@k NaN", () => {
    const none = spanLevelScores(
      [null, null],
      [
        { start: 0, end: 1 },
        { start: 2, end: 2 },
      ],
    );
    expect(none).toMatchObject({ predictedWindows: 0, meanIoU: 0, precision: 0, recall: 0, f1: 0, correct: 0 });
    expect(none.meanStartError).toBeNaN();
    expect(none.meanEndError).toBeNaN();
    expect(none.hitAt.every((h) => h.rate === 0)).toBe(true);
    const empty = spanLevelScores([], []);
    expect(empty.meanIoU).toBeNaN();
    expect(empty.hitAt[0]!.rate).toBeNaN();
    expect(empty).toMatchObject({ precision: 0, recall: 0, f1: 0 });
  });

  it("rejects mismatched lengths", () => {
    expect(() => spanLevelScores([null], [])).toThrow(/1 predictions for 0/);
  });
});

describe("predictedSpanFromMask", () => {
  it("takes the longest run, the earliest among ties, or null", () => {
    expect(predictedSpanFromMask([0, 1, 1, 0, 1, 1, 0])).toEqual({ start: 1, end: 2 }); // tie 2 vs 2 → earliest
    expect(predictedSpanFromMask([1, 0, 1, 1, 1])).toEqual({ start: 2, end: 4 }); // 3 beats 1
    expect(predictedSpanFromMask(new Uint8Array([1, 1, 1]))).toEqual({ start: 0, end: 2 });
    expect(predictedSpanFromMask([false, true, false])).toEqual({ start: 1, end: 1 });
    expect(predictedSpanFromMask(new Uint8Array(4))).toBeNull();
  });

  it("decodes every row of a (W, T) mask", () => {
    expect(predictedSpansFromMask(MASK2, 2, BARS6)).toEqual([
      { start: 1, end: 2 },
      { start: 0, end: 1 },
    ]);
  });
});

describe("pointerErrors", () => {
  it("MAE in bars of center·bars vs (s+e)/2 and length·bars vs e − s (hand-computed)", () => {
    // bars 105. w0 span [10,20]: center 15, length 10; pointer (16/105, 12/105) → errors 1, 2
    //           w1 span [0,0]:   center 0, length 0;   pointer (0, 0.1)      → errors 0, 10.5
    // center MAE (1 + 0)/2 = .5, length MAE (2 + 10.5)/2 = 6.25
    const e = pointerErrors(new Float64Array([16 / 105, 12 / 105, 0, 0.1]), [
      { start: 10, end: 20 },
      { start: 0, end: 0 },
    ]);
    expect(e.centerMae).toBeCloseTo(0.5, 12);
    expect(e.lengthMae).toBeCloseTo(6.25, 12);
  });

  it("uses the bars argument as the normaliser", () => {
    // bars 10, span [2,4]: center 3, length 2; pointer (.5, .1) → 5 vs 3 = 2, 1 vs 2 = 1
    const e = pointerErrors([0.5, 0.1], [{ start: 2, end: 4 }], 10);
    expect(e.centerMae).toBe(2);
    expect(e.lengthMae).toBe(1);
  });

  it("zero windows → NaN; shape checked", () => {
    expect(pointerErrors([], []).centerMae).toBeNaN();
    expect(() => pointerErrors([0.5], [{ start: 2, end: 4 }])).toThrow(/length/);
  });
});

describe("classificationAccuracy", () => {
  it("argmax with ties to the lowest index (hand-computed)", () => {
    // r0 [2,1,0] → 0 = label 0 ✓; r1 [0,5,5] → tie → 1 = label 1 ✓; r2 [.1,.2,.7] → 2 ≠ 1 ✗; r3 [-1,-3,-2] → 0 ✓
    const scores = new Float32Array([2, 1, 0, 0, 5, 5, 0.1, 0.2, 0.7, -1, -3, -2]);
    expect(classificationAccuracy(scores, [0, 1, 1, 0], 3)).toBe(0.75);
    // the tie row labelled 2 is wrong: 2/4
    expect(classificationAccuracy(scores, [0, 2, 1, 0], 3)).toBe(0.5);
  });

  it("zero rows → NaN; bad labels and shapes throw", () => {
    expect(classificationAccuracy([], [], 3)).toBeNaN();
    expect(() => classificationAccuracy([1, 2, 3], [3], 3)).toThrow(/label/);
    expect(() => classificationAccuracy([1, 2], [0], 3)).toThrow(/length/);
  });
});

describe("loss reduction", () => {
  it("is (first − last)/first as a fraction", () => {
    expect(lossReduction(10, 7.5)).toBe(0.25);
    expect(lossReduction(10, 12)).toBeCloseTo(-0.2, 15); // the loss rose
    // reference soft head: (17.6855 − 13.5232)/17.6855 = 0.235351 (23.5 %)
    expect(lossReduction(17.6855, 13.5232)).toBeCloseTo(0.235351, 6);
    expect(() => lossReduction(0, 1)).toThrow(/> 0/);
  });

  it("normalisedReduction divides only the CRF's reduction by crfFirst/softFirst", () => {
    // soft 10 → 8: .2; CRF 40 → 20: .5 raw; scale 40/10 = 4 → .125
    expect(normalisedReduction(10, 8, 40, 20)).toEqual({ soft: 0.2, crf: 0.125, scale: 4, crfRaw: 0.5 });
    // reference: scale 66.9362/17.6855 = 3.784807, CRF raw .420713, normalised .111158
    const r = normalisedReduction(17.6855, 13.5232, 66.9362, 38.7753);
    expect(r.scale).toBeCloseTo(3.784807, 6);
    expect(r.crfRaw).toBeCloseTo(0.420713, 6);
    expect(r.crf).toBeCloseTo(0.111158, 6);
    expect(r.soft).toBeCloseTo(0.235351, 6);
  });
});

describe("per-bar scores over every annotated span of a window", () => {
  it("count a bar in any listed span as in span, each bar once", () => {
    // One 6-bar window, spans [0, 1] and [1, 3] (overlapping): in-span bars 0..3.
    const truth = [
      [
        { start: 0, end: 1 },
        { start: 1, end: 3 },
      ],
    ];
    const mask = [1, 1, 0, 1, 1, 0];
    expect(pooledSpanScores(mask, truth, 6)).toMatchObject({ truePositives: 3, falsePositives: 1, falseNegatives: 1, nTrue: 4 });
    expect(macroSpanScoresFromMask(mask, truth, 6).f1).toBeCloseTo(0.75, 12);
    const separation = probabilitySeparation([0.9, 0.8, 0.7, 0.6, 0.1, 0.2], truth, 6);
    expect(separation.inSpan.count).toBe(4);
    expect(separation.separation).toBeCloseTo(0.75 - 0.15, 12);
    // A window given as one span scores as before.
    expect(pooledSpanScores(mask, [{ start: 1, end: 3 }], 6)).toEqual(pooledSpanScores(mask, [[{ start: 1, end: 3 }]], 6));
    expect(() => pooledSpanScores(mask, [[]], 6)).toThrow(/window 0 has no span/);
  });
});
