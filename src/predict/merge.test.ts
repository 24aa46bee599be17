/**
 * The merge rule on cases small enough to work out by hand: windows of 5 bars over a few bars, with
 * the expected detections, confidences and class averages computed in the comments.
 */
import { describe, expect, it } from "vitest";
import { DetectionMerger, labelProbabilities, mergeWindowRuns, type WindowRuns } from "./merge.js";

const T0 = Date.UTC(2024, 0, 2, 9, 30);
const minutes = (n: number) => Array.from({ length: n }, (_, i) => T0 + i * 60_000);

describe("mergeWindowRuns", () => {
  it("merges the same expansion seen by two overlapping windows, averaging p per bar across the windows", () => {
    // 8 bars, windows of 5 at 0 (bars 0–4) and 3 (bars 3–7).
    const windows: WindowRuns[] = [
      { start: 0, probabilities: [0.1, 0.2, 0.9, 0.8, 0.7], runs: [[2, 4]], classProbabilities: [0.7, 0.3] },
      { start: 3, probabilities: [0.6, 0.9, 0.3, 0.2, 0.1], runs: [[0, 1]], classProbabilities: [0.2, 0.8] },
    ];
    const detections = mergeWindowRuns(windows, { barCount: 8, windowLength: 5, timestamps: minutes(8), decoder: "threshold" });
    // Global runs [2, 4] and [3, 4] overlap → [2, 4]. p̄: bar 2 = 0.9 (window 0 only), bar 3 = (0.8 + 0.6)/2
    // = 0.7, bar 4 = (0.7 + 0.9)/2 = 0.8 → confidence (0.9 + 0.7 + 0.8)/3 = 0.8, peak 0.9. Classes:
    // ((0.7 + 0.2)/2, (0.3 + 0.8)/2) = (0.45, 0.55) → retracement.
    expect(detections).toEqual([
      {
        start_index: 2,
        end_index: 4,
        start_time: "2024-01-02T09:32:00.000Z",
        end_time: "2024-01-02T09:34:00.000Z",
        length: 3,
        confidence: 0.8,
        peak_probability: 0.9,
        predicted_class: "retracement",
        class_probabilities: { consolidation: 0.45, retracement: 0.55 },
        windows: 2,
        windows_covering: 2,
        decoder: "threshold",
      },
    ]);
  });

  it("joins a run cut by one window's edge to its continuation in the next window", () => {
    // Window 0 (bars 0–4) sees [3, 4], cut at its last bar; window 3 (bars 3–7) sees local [1, 3] = [4, 6].
    const p = [0.5, 0.5, 0.5, 0.5, 0.5];
    const detections = mergeWindowRuns(
      [
        { start: 0, probabilities: p, runs: [[3, 4]], classProbabilities: [0.9, 0.1] },
        { start: 3, probabilities: p, runs: [[1, 3]], classProbabilities: [0.9, 0.1] },
      ],
      { barCount: 8, windowLength: 5, decoder: "viterbi" },
    );
    expect(detections.map((d) => [d.start_index, d.end_index, d.length, d.windows, d.predicted_class])).toEqual([[3, 6, 4, 2, "consolidation"]]);
    // Without timestamps, times are null.
    expect(detections[0]!.start_time).toBeNull();
    expect(detections[0]!.decoder).toBe("viterbi");
  });

  it("merges runs that touch (no bar between them) and keeps runs with a bar between them apart", () => {
    const p = [0, 0, 0, 0, 0];
    const touching = mergeWindowRuns(
      [
        { start: 0, probabilities: p, runs: [[0, 1]], classProbabilities: [0.5, 0.5] }, // bars 0–1
        { start: 2, probabilities: p, runs: [[0, 1]], classProbabilities: [0.5, 0.5] }, // bars 2–3
      ],
      { barCount: 7, windowLength: 5, decoder: "threshold" },
    );
    expect(touching.map((d) => [d.start_index, d.end_index])).toEqual([[0, 3]]);
    // An exact class tie goes to consolidation.
    expect(touching[0]!.predicted_class).toBe("consolidation");

    const apart = mergeWindowRuns(
      [
        { start: 0, probabilities: p, runs: [[0, 1]], classProbabilities: [0.5, 0.5] }, // bars 0–1
        { start: 2, probabilities: p, runs: [[1, 2]], classProbabilities: [0.5, 0.5] }, // bars 3–4
      ],
      { barCount: 7, windowLength: 5, decoder: "threshold" },
    );
    expect(apart.map((d) => [d.start_index, d.end_index, d.windows])).toEqual([
      [0, 1, 1],
      [3, 4, 1],
    ]);
    // Two runs of one window joined through another window's run count that window once.
    const bridged = mergeWindowRuns(
      [
        {
          start: 0,
          probabilities: p,
          runs: [
            [0, 1],
            [3, 4],
          ],
          classProbabilities: [1, 0],
        },
        { start: 1, probabilities: p, runs: [[1, 2]], classProbabilities: [0, 1] }, // bars 2–3
      ],
      { barCount: 6, windowLength: 5, decoder: "threshold" },
    );
    expect(bridged.map((d) => [d.start_index, d.end_index, d.windows, d.class_probabilities.consolidation])).toEqual([[0, 4, 2, 0.5]]);
  });

  it("never merges runs touching across a segment break (a gap in the bars)", () => {
    const p = [0.5, 0.5, 0.5];
    const windows: WindowRuns[] = [
      { start: 0, probabilities: p, runs: [[1, 2]], classProbabilities: [0.5, 0.5] }, // bars 1–2
      { start: 3, probabilities: p, runs: [[0, 1]], classProbabilities: [0.5, 0.5] }, // bars 3–4
    ];
    const withBreak = mergeWindowRuns(windows, { barCount: 6, windowLength: 3, decoder: "threshold", breaks: [3] });
    expect(withBreak.map((d) => [d.start_index, d.end_index])).toEqual([
      [1, 2],
      [3, 4],
    ]);
    const withoutBreak = mergeWindowRuns(windows, { barCount: 6, windowLength: 3, decoder: "threshold" });
    expect(withoutBreak.map((d) => [d.start_index, d.end_index])).toEqual([[1, 4]]);
    // A window may not cross a break.
    expect(() => new DetectionMerger(6, 3, [3]).addWindow(2, p, [], [0.5, 0.5])).toThrow("window at 2 crosses the segment break at bar 3");
  });

  it("with stride 1, counts every window that flagged the bar and every window that covered it", () => {
    // 7 bars, windows of 5 at 0, 1, 2: all three cover bar 3 and flag it (local 3, 2, 1).
    const windows: WindowRuns[] = [
      { start: 0, probabilities: [0, 0, 0, 0.9, 0], runs: [[3, 3]], classProbabilities: [0.8, 0.2] },
      { start: 1, probabilities: [0, 0, 0.6, 0, 0], runs: [[2, 2]], classProbabilities: [0.6, 0.4] },
      { start: 2, probabilities: [0.2, 0.3, 0, 0, 0], runs: [[1, 1]], classProbabilities: [0.1, 0.9] },
    ];
    const detections = mergeWindowRuns(windows, { barCount: 7, windowLength: 5, decoder: "single-span" });
    // p̄(3) = (0.9 + 0.6 + 0.3)/3 = 0.6; classes ((0.8 + 0.6 + 0.1)/3, (0.2 + 0.4 + 0.9)/3) = (0.5, 0.5).
    expect(detections).toHaveLength(1);
    expect(detections[0]).toMatchObject({ start_index: 3, end_index: 3, length: 1, confidence: 0.6, peak_probability: 0.6, windows: 3, windows_covering: 3 });
    expect(detections[0]!.class_probabilities).toEqual({ consolidation: 0.5, retracement: 0.5 });

    // A detection at bar 0 is covered by window 0 only; one at bars 5–6 by windows 1 and 2 (bar 5) and 2 (bar 6).
    const edges = mergeWindowRuns(
      [
        { start: 0, probabilities: [1, 0, 0, 0, 0], runs: [[0, 0]], classProbabilities: [1, 0] },
        { start: 1, probabilities: [0, 0, 0, 0, 1], runs: [], classProbabilities: [1, 0] },
        { start: 2, probabilities: [0, 0, 0, 1, 1], runs: [[3, 4]], classProbabilities: [1, 0] },
      ],
      { barCount: 7, windowLength: 5, decoder: "threshold" },
    );
    expect(edges.map((d) => [d.start_index, d.end_index, d.windows, d.windows_covering, d.confidence])).toEqual([
      [0, 0, 1, 1, 1],
      // p̄(5) = (1 + 1)/2 = 1 (windows 1, 2), p̄(6) = 1 (window 2).
      [5, 6, 1, 2, 1],
    ]);
  });

  it("does not depend on the order windows are added in", () => {
    const windows: WindowRuns[] = [0, 2, 4, 6, 8].map((start, k) => ({
      start,
      probabilities: [0.1 * k, 0.5, 0.9, 0.3, 0.2 + 0.1 * k],
      runs:
        k % 2 === 0
          ? [[1, 2]]
          : [
              [0, 0],
              [2, 4],
            ],
      classProbabilities: [0.1 * k, 1 - 0.1 * k],
    }));
    const options = { barCount: 13, windowLength: 5, decoder: "threshold" };
    const forward = mergeWindowRuns(windows, options);
    expect(mergeWindowRuns([...windows].reverse(), options)).toEqual(forward);
    expect(forward.length).toBeGreaterThan(0);
  });

  it("returns no detections when no window has a run, and refuses runs or windows out of bounds", () => {
    const merger = new DetectionMerger(6, 5);
    merger.addWindow(0, [0, 0, 0, 0, 0], [], [0.5, 0.5]);
    expect(merger.uncoveredBars()).toBe(1);
    merger.addWindow(1, [0, 0, 0, 0, 0], [], [0.5, 0.5]);
    expect(merger.uncoveredBars()).toBe(0);
    expect(merger.finish(null, "threshold")).toEqual([]);
    expect(() => merger.addWindow(2, [0, 0, 0, 0, 0], [], [0.5, 0.5])).toThrow("window start 2 puts the window outside bars [0, 5]");
    expect(() => merger.addWindow(0, [0, 0, 0, 0, 0], [[3, 5]], [0.5, 0.5])).toThrow("run [3, 5] is not inside [0, 4]");
    expect(() => merger.finish([1, 2], "threshold")).toThrow("2 timestamps for 6 bars");
  });
});

describe("labelProbabilities", () => {
  it("is the two-way softmax of the label logits, ignoring the unused third", () => {
    const [c, r] = labelProbabilities(new Float32Array([9, 0, 1, 2, 50]), 2);
    expect(c).toBeCloseTo(1 / (1 + Math.E), 12);
    expect(r).toBeCloseTo(Math.E / (1 + Math.E), 12);
    // Large logits neither overflow nor lose the sum.
    const [big, small] = labelProbabilities([1000, -1000], 0);
    expect(big).toBe(1);
    expect(small).toBe(0);
    expect(labelProbabilities([-800, 800], 0)).toEqual([0, 1]);
  });
});
