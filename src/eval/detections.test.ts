/**
 * Detections scored against events on a case worked out by hand: one-to-one IoU matching, boundary hits,
 * pooled per-bar counts, delays (from the first overlapping bar and from known_at), false alarms.
 */
import { describe, expect, it } from "vitest";
import { intervalIoU, scoreDetections } from "./detections.js";

const events = [
  { start: 10, end: 19 },
  { start: 40, end: 43 },
];
const detections = [
  { start: 15, end: 24, knownAt: 20 },
  { start: 30, end: 31, knownAt: 30 },
  { start: 42, end: 42, knownAt: 42 },
];

describe("scoreDetections", () => {
  it("matches the hand computation", () => {
    const s = scoreDetections(events, detections, 100);
    // IoU(R1, P1) = 5/15, IoU(R2, P3) = 1/4: nothing matches at 0.5.
    expect(s).toMatchObject({ events: 2, detections: 3, matched: 0, precision: 0, recall: 0, f1: 0 });
    // R2 = [40, 43] vs P3 = [42, 42]: both ends within 3 bars; R1 vs P1 starts 5 bars apart.
    expect(s.boundaryHits).toBe(1);
    expect(s.boundaryHitRate).toBe(0.5);
    // Event bars 14, detection bars 13, shared 5 + 1.
    expect(s.pooled).toMatchObject({ truePositives: 6, falsePositives: 7, falseNegatives: 8 });
    expect(s.pooled.precision).toBeCloseTo(6 / 13, 15);
    expect(s.pooled.recall).toBeCloseTo(6 / 14, 15);
    // Delays 5 (bar 15 − 10) and 2 (42 − 40): median 3.5, type-7 p90 2 + 0.9·3 = 4.7.
    expect(s.delay).toMatchObject({ detected: 2, missed: 0, median: 3.5, mean: 3.5 });
    expect(s.delay.p90).toBeCloseTo(4.7, 12);
    // Known: P1 known at bar 20 → 10 bars after R1 starts; P3 at 42 → 2: median 6, p90 2 + 0.9·8 = 9.2.
    expect(s.knownDelay.median).toBe(6);
    expect(s.knownDelay.p90).toBeCloseTo(9.2, 12);
    // P2 overlaps no event: one false alarm in 100 bars.
    expect(s.falseAlarms).toBe(1);
    expect(s.falseAlarmsPer1000Bars).toBe(10);
    expect(s.range.precision).toBeCloseTo(0.5, 15);

    const loose = scoreDetections(events, detections, 100, { iou: 0.25 });
    expect(loose).toMatchObject({ matched: 2, recall: 1 });
    expect(loose.precision).toBeCloseTo(2 / 3, 15);
    expect(loose.f1).toBeCloseTo(0.8, 15);
  });

  it("matches one to one, greedily by IoU, highest first", () => {
    const e = [
      { start: 0, end: 9 },
      { start: 5, end: 14 },
    ];
    const d = [
      { start: 0, end: 9 },
      { start: 6, end: 14 },
    ];
    expect(intervalIoU(e[1]!, d[1]!)).toBeCloseTo(0.9, 15);
    // Pairs at IoU ≥ 0.25: E1–D1 1, E2–D2 0.9, E2–D1 1/3, E1–D2 4/15: greedy takes the first two.
    expect(scoreDetections(e, d, 20, { iou: 0.25 }).matched).toBe(2);
    // One detection over two events matches one of them only.
    expect(scoreDetections(e, [{ start: 0, end: 14 }], 20, { iou: 0.6 }).matched).toBe(1);
  });

  it("counts missed events, refuses intervals outside the bars and bad options", () => {
    const s = scoreDetections(events, [], 100);
    expect(s.delay).toMatchObject({ detected: 0, missed: 2 });
    expect(s.delay.median).toBeNaN();
    expect(s.falseAlarms).toBe(0);
    expect(() => scoreDetections([{ start: 5, end: 100 }], [], 100)).toThrow("event 0: [5, 100] is not an interval of bars in [0, 99]");
    expect(() => scoreDetections(events, [], 100, { iou: 0 })).toThrow("iou must be a number in (0, 1], got 0");
    expect(() => scoreDetections(events, [], 100, { tolerance: 1.5 })).toThrow("tolerance must be an integer ≥ 0, got 1.5");
  });
});
