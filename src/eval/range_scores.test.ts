/**
 * Range-based precision and recall (Tatbul et al. 2018, flat bias, γ = 1) on a case worked out by hand,
 * the union helpers, and the degenerate cases.
 */
import { describe, expect, it } from "vitest";
import { coveredBars, rangeScores, unionOf } from "./range_scores.js";

// Events R1 = [10, 19] (10 bars), R2 = [40, 43] (4 bars); detections P1 = [15, 24], P2 = [30, 31], P3 = [42, 42].
const events = [
  { start: 10, end: 19 },
  { start: 40, end: 43 },
];
const detections = [
  { start: 15, end: 24 },
  { start: 30, end: 31 },
  { start: 42, end: 42 },
];

describe("range-based precision and recall", () => {
  it("matches the hand computation", () => {
    // Recall, α = 0: R1 has 5 of 10 bars covered (P1), R2 1 of 4 (P3): (0.5 + 0.25) / 2 = 0.375.
    // Precision: P1 5/10, P2 0/2, P3 1/1: (0.5 + 0 + 1) / 3 = 0.5.  F1 = 2·0.5·0.375 / 0.875 = 3/7.
    const scores = rangeScores(events, detections);
    expect(scores.recall).toBeCloseTo(0.375, 15);
    expect(scores.precision).toBeCloseTo(0.5, 15);
    expect(scores.f1).toBeCloseTo(3 / 7, 15);
    // α = 0.5 adds half an existence reward: R1 0.5 + 0.25, R2 0.5 + 0.125 → (0.75 + 0.625) / 2.
    expect(rangeScores(events, detections, 0.5).recall).toBeCloseTo(0.6875, 15);
  });

  it("counts a bar once where detections overlap one another, and handles empty sides", () => {
    expect(
      rangeScores(
        [{ start: 0, end: 9 }],
        [
          { start: 0, end: 4 },
          { start: 2, end: 6 },
        ],
      ).recall,
    ).toBeCloseTo(0.7, 15);
    expect(rangeScores([], detections).recall).toBeNaN();
    expect(rangeScores(events, []).precision).toBeNaN();
    expect(rangeScores(events, [{ start: 50, end: 60 }])).toMatchObject({ precision: 0, recall: 0, f1: 0 });
    expect(() => rangeScores(events, detections, 2)).toThrow("alpha must be in [0, 1], got 2");
  });

  it("unites touching intervals and counts covered bars per interval", () => {
    expect(
      unionOf([
        { start: 5, end: 7 },
        { start: 0, end: 2 },
        { start: 3, end: 3 },
        { start: 6, end: 9 },
      ]),
    ).toEqual([
      { start: 0, end: 3 },
      { start: 5, end: 9 },
    ]);
    const union = unionOf(detections);
    expect(
      Array.from(
        coveredBars(
          [
            { start: 0, end: 100 },
            { start: 20, end: 30 },
            { start: 25, end: 29 },
          ],
          union,
        ),
      ),
    ).toEqual([13, 6, 0]);
  });
});
