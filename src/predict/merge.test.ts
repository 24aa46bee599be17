/**
 * Detections from one per-bar score series: runs strictly above the threshold, cut at segment breaks,
 * short runs dropped; confidence and peak are the mean and max of the thresholded score; classes, windows
 * and known_at come from the context; the notes say when a decoder finds (almost) nothing and when every
 * detection has one class.
 */
import { describe, expect, it } from "vitest";
import { countDetections, detectionNotes, detectionsFromScores, labelProbabilities, noBoundaryIntervals, runsAbove, type DetectionContext } from "./merge.js";

const context = (overrides: Partial<DetectionContext> = {}): DetectionContext => ({
  mode: "hindsight",
  decoder: "threshold",
  scoreName: "p",
  threshold: 0.5,
  minRunLength: 1,
  segmentStarts: new Set(),
  timestamps: null,
  classes: () => [0.25, 0.75],
  windowsCovering: (a, b) => b - a + 1,
  knownAt: (t) => t + 10,
  ...overrides,
});

describe("runsAbove", () => {
  it("finds maximal runs of score > threshold (not ≥; NaN is not above), cut at segment starts", () => {
    const score = [0.1, 0.6, 0.7, 0.5, 0.9, Number.NaN, 0.8, 0.8, 0.8];
    expect(runsAbove(score, 0.5)).toEqual([
      [1, 2],
      [4, 4],
      [6, 8],
    ]);
    expect(runsAbove(score, 0.5, new Set([7]))).toEqual([
      [1, 2],
      [4, 4],
      [6, 6],
      [7, 8],
    ]);
    expect(runsAbove([0.6, 0.6], 0.5, new Set([1]))).toEqual([
      [0, 0],
      [1, 1],
    ]);
    expect(runsAbove([], 0.5)).toEqual([]);
  });
});

describe("detectionsFromScores", () => {
  it("writes the run, the mean and max of the score, the classes, windows and the bar it was known at", () => {
    const timestamps = Float64Array.from({ length: 8 }, (_, i) => Date.UTC(2024, 0, 1) + i * 60_000);
    const found = detectionsFromScores([0.2, 0.6, 0.9, 0.3, 0.55, 0.7, 0.2, 0.2], context({ timestamps, minRunLength: 2, knownAt: (t) => t + 1 }));
    expect(found).toEqual([
      {
        start_index: 1,
        end_index: 2,
        start_time: "2024-01-01T00:01:00.000Z",
        end_time: "2024-01-01T00:02:00.000Z",
        length: 2,
        mode: "hindsight",
        decoder: "threshold",
        score: "p",
        threshold: 0.5,
        confidence: 0.75,
        peak: 0.9,
        predicted_class: "retracement",
        class_probabilities: { consolidation: 0.25, retracement: 0.75 },
        windows_covering: 2,
        // minRunLength 2: the run is long enough at bar 2; this context knows it one bar later.
        known_at_index: 3,
        known_at_time: "2024-01-01T00:03:00.000Z",
        // No boundary intervals without the scan's pass (src/predict/boundary_intervals.ts).
        ...noBoundaryIntervals("not_computed"),
      },
      expect.objectContaining({ start_index: 4, end_index: 5, confidence: 0.625, peak: 0.7, known_at_index: 6 }),
    ]);
    // The pass's fields, by the detection's position; a live detection has none.
    const intervals = { ...noBoundaryIntervals("live"), start_interval_index: [0, 2] as [number, number], interval_unavailable: null };
    const given = detectionsFromScores(
      [0.2, 0.6, 0.9, 0.3, 0.55, 0.7, 0.2, 0.2],
      context({ boundaryIntervals: (k, a, b) => (k === 1 && a === 4 && b === 5 ? intervals : noBoundaryIntervals("no_window_contains")) }),
    );
    expect(given.map((d) => [d.start_interval_index, d.interval_unavailable])).toEqual([
      [null, "no_window_contains"],
      [[0, 2], null],
    ]);
    expect(detectionsFromScores([0.9, 0.1], context({ mode: "live" }))[0]).toMatchObject(noBoundaryIntervals("live"));
    // Short runs are dropped; a tie of the classes goes to consolidation.
    const tie = detectionsFromScores([0.9, 0.1, 0.9, 0.9], context({ minRunLength: 2, classes: () => [0.5, 0.5] }));
    expect(tie.map((d) => [d.start_index, d.predicted_class])).toEqual([[2, "consolidation"]]);
  });
});

describe("countDetections", () => {
  it("counts what detectionsFromScores returns, for every minimum run length and with segment breaks", () => {
    const score = [0.9, 0.9, 0.1, 0.8, 0.2, 0.7, 0.7, 0.7, 0.6, 0.1, 0.95];
    const segmentStarts = new Set([7]);
    const counts = [1, 2, 3, 4].map((minRunLength) => countDetections(score, 0.5, minRunLength, segmentStarts));
    const built = [1, 2, 3, 4].map((minRunLength) => detectionsFromScores(score, context({ minRunLength, segmentStarts })).length);
    expect(counts).toEqual(built);
    expect(counts).toEqual([5, 3, 0, 0]);
  });
});

describe("labelProbabilities", () => {
  it("is the two-way softmax of the first two logits at the offset, stable for huge logits", () => {
    const [c, r] = labelProbabilities(new Float32Array([9, 0, 1, 2, 50]), 2);
    expect(r).toBeCloseTo(1 / (1 + Math.exp(-1)), 12);
    expect(c + r).toBe(1);
    const [big, small] = labelProbabilities([1000, -1000], 0);
    expect([big, small]).toEqual([1, 0]);
    expect(labelProbabilities([-800, 800], 0)).toEqual([0, 1]);
  });
});

describe("detectionNotes", () => {
  const one = detectionsFromScores([0.9, 0.1], context());
  it("says when a decoder finds nothing or fewer than 1 per 10,000 bars, with what the others find", () => {
    expect(detectionNotes([], 5000, "viterbi", { threshold: 12, viterbi: 0, "single-span": 40 })).toEqual([
      "the viterbi decoder found no detection in 5000 bars; the other decoders on the same combined series find: threshold 12, single-span 40 (--decoder NAME to use one)",
    ]);
    expect(detectionNotes(one, 20_000, "threshold", { threshold: 1, viterbi: 3 })[0]).toBe(
      "the threshold decoder found only 1 detection(s) (0.50 per 10,000 bars) in 20000 bars; the other decoders on the same combined series find: viterbi 3 (--decoder NAME to use one)",
    );
    expect(detectionNotes(one, 5000, "threshold", {})).toEqual([]);
  });

  it("says when every detection carries the same predicted class", () => {
    const same = detectionsFromScores([0.9, 0.1, 0.8, 0.1, 0.7], context({ classes: (a) => [0.4 - a / 100, 0.6 + a / 100] }));
    expect(detectionNotes(same, 10, "threshold", {})).toEqual([
      "every one of the 3 detections is predicted retracement (p_retracement 0.600–0.640): the class head does not separate them",
    ]);
    const mixed = detectionsFromScores([0.9, 0.1, 0.8], context({ classes: (a) => (a === 0 ? [0.9, 0.1] : [0.1, 0.9]) }));
    expect(detectionNotes(mixed, 10, "threshold", {})).toEqual([]);
  });
});
