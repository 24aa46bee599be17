/**
 * Boundary intervals of hindsight detections: which windows contain a detection, which of them supports
 * it (highest IoU of its MBR span with the detection; ties to the nearest centre, then the earlier
 * window — IoUs compared as exact fractions), how its local intervals map to global bars and timestamps,
 * why a detection has none, and that the pass over a seeded model equals each window's span posterior
 * computed alone, whatever the batch size.
 */
import { describe, expect, it } from "vitest";
import { inferWindows } from "../model/inference.js";
import { boundaryIntervalsFrom, containingWindows, detectionBoundaryIntervals, supportingWindow, type WindowBoundaries } from "./boundary_intervals.js";
import { usesPositionFeature } from "./inference_defaults.js";
import { noBoundaryIntervals } from "./merge.js";
import { scanBars } from "./scan.js";
import { scanPlan } from "./scan_plan.js";
import { randomWalkBars, seededModel } from "./seeded.js";
import { WindowFeatureFiller } from "./window_features.js";

/** A window at `windowStart` whose MBR span is the global bars [start, end]; intervals are placeholders. */
const window = (windowStart: number, start: number, end: number): WindowBoundaries => ({
  windowStart,
  mbr: { start: start - windowStart, end: end - windowStart },
  startInterval: { lo: 0, hi: 0 },
  endInterval: { lo: 0, hi: 0 },
});

describe("the windows containing a detection", () => {
  const starts = [0, 35, 70, 105, 140, 195];
  it("are those with start in [end − 104, start]", () => {
    expect(containingWindows(starts, 40, 100, 105)).toEqual({ first: 0, last: 2 });
    expect(containingWindows(starts, 36, 120, 105)).toEqual({ first: 1, last: 2 });
    expect(containingWindows(starts, 0, 104, 105)).toEqual({ first: 0, last: 1 });
    expect(containingWindows(starts, 195, 299, 105)).toEqual({ first: 5, last: 6 });
  });

  it("are none when the detection does not fit between two window starts, or is longer than a window", () => {
    // [30, 110]: a container would start in [6, 30]; there is none.
    expect(containingWindows(starts, 30, 110, 105)).toEqual({ first: 1, last: 1 });
    expect(containingWindows(starts, 10, 200, 105)).toEqual({ first: 3, last: 3 });
  });
});

describe("the supporting window", () => {
  it("is the one whose MBR span has the highest IoU with the detection", () => {
    // Detection [50, 60]: IoU 11/13 (window 0), 1 (window 35), 0 (window 40).
    expect(supportingWindow(50, 60, [window(0, 49, 61), window(35, 50, 60), window(40, 80, 90)], 105)).toBe(1);
    expect(supportingWindow(50, 60, [window(0, 80, 90), window(35, 50, 59)], 105)).toBe(1);
  });

  it("on an IoU tie is the window whose centre is nearest the detection's, even a later one", () => {
    // Detection [80, 90], centre 85: window 0's centre 52, window 35's 87.
    expect(supportingWindow(80, 90, [window(0, 80, 90), window(35, 80, 90)], 105)).toBe(1);
    // Detection [50, 60], centre 55: window 0 (centre 52) beats window 35 (centre 87).
    expect(supportingWindow(50, 60, [window(0, 50, 60), window(35, 50, 60)], 105)).toBe(0);
  });

  it("compares IoUs as fractions: 2/4 and 4/8 tie", () => {
    // Detection [40, 43]: [40, 41] gives 2/4, [38, 45] gives 4/8; the centres decide (window 0: 52, window 10: 62; detection 41.5).
    expect(supportingWindow(40, 43, [window(0, 38, 45), window(10, 40, 41)], 105)).toBe(0);
    expect(supportingWindow(40, 43, [window(0, 40, 41), window(10, 38, 45)], 105)).toBe(0);
    // A larger IoU still wins over a nearer centre: 3/4 at window 10.
    expect(supportingWindow(40, 43, [window(0, 40, 41), window(10, 40, 42)], 105)).toBe(1);
  });

  it("on a tie of IoU and distance is the earlier window; none without candidates", () => {
    // Detection [50, 60] (a + b = 110): windows 0 and 6 are both 6 half-bars from it (2s + 104 = 104, 116).
    expect(supportingWindow(50, 60, [window(0, 50, 60), window(6, 50, 60)], 105)).toBe(0);
    expect(supportingWindow(50, 60, [], 105)).toBe(-1);
  });
});

describe("intervals on the bars", () => {
  const timestamps = Float64Array.from({ length: 300 }, (_, i) => Date.UTC(2024, 0, 2, 9) + i * 60_000);
  const supporting: WindowBoundaries = { windowStart: 70, mbr: { start: 10, end: 30 }, startInterval: { lo: 8, hi: 12 }, endInterval: { lo: 29, hi: 33 } };

  it("are the window's local intervals + its first bar, with those bars' timestamps", () => {
    expect(boundaryIntervalsFrom(80, 99, supporting, timestamps)).toEqual({
      start_interval_index: [78, 82],
      end_interval_index: [99, 103],
      start_interval_time: ["2024-01-02T10:18:00.000Z", "2024-01-02T10:22:00.000Z"],
      end_interval_time: ["2024-01-02T10:39:00.000Z", "2024-01-02T10:43:00.000Z"],
      interval_window_start: 70,
      // MBR [80, 100] against [80, 99]: 20/21.
      interval_mbr_iou: Math.round((20 / 21) * 1e6) / 1e6,
      interval_unavailable: null,
    });
  });

  it("have no times when the series has no timestamps; absent ones say why", () => {
    const fields = boundaryIntervalsFrom(80, 99, supporting, null);
    expect([fields.start_interval_index, fields.start_interval_time, fields.end_interval_time]).toEqual([[78, 82], null, null]);
    expect(noBoundaryIntervals("live")).toEqual({
      start_interval_index: null,
      end_interval_index: null,
      start_interval_time: null,
      end_interval_time: null,
      interval_window_start: null,
      interval_mbr_iou: null,
      interval_unavailable: "live",
    });
  });
});

describe("the interval pass", () => {
  const bars = randomWalkBars(700, 41);
  const prices = { open: bars.open, high: bars.high, low: bars.low, close: bars.close, offset: 0 };

  it("reads each detection's supporting window's own span posterior, whatever the batch size, and says why when it has none", () => {
    for (const loss of ["soft", "crf"] as const) {
      const model = seededModel(loss);
      const { starts } = scanPlan(700, 35, 105);
      const runs: [number, number][] = [
        [40, 60],
        [100, 104],
        [30, 110],
        [200, 330],
        [640, 699],
      ];
      const pass = detectionBoundaryIntervals(model, prices, starts, runs, bars.timestamps, 32);
      expect(pass.intervals.map((d) => d.interval_unavailable)).toEqual([null, null, "no_window_contains", "longer_than_window", null]);
      // Windows containing a run: 0 and 35 for [40, 60]; 0, 35, 70 for [100, 104]; 595 for [640, 699] (the one aligned to the end).
      expect(pass.windows).toBe(4);
      expect(detectionBoundaryIntervals(model, prices, starts, runs, bars.timestamps, 3)).toEqual(pass);

      const filler = new WindowFeatureFiller(prices, 105, model.dims.features, 1, usesPositionFeature(model));
      const alone = (start: number): WindowBoundaries => {
        filler.fill(0, start);
        const summary = inferWindows(model, filler.batch(1), 1, { spanPosterior: true }).spanPosteriors[0]!;
        return { windowStart: start, mbr: summary.mbr, startInterval: summary.startInterval, endInterval: summary.endInterval };
      };
      runs.forEach(([a, b], k) => {
        const fields = pass.intervals[k]!;
        if (fields.interval_unavailable !== null) return;
        const candidates = starts.filter((s) => s <= a && s + 104 >= b).map(alone);
        const chosen = candidates[supportingWindow(a, b, candidates, 105)]!;
        expect(fields).toEqual(boundaryIntervalsFrom(a, b, chosen, bars.timestamps));
        const [lo, hi] = fields.start_interval_index!;
        expect(lo).toBeLessThanOrEqual(hi);
        expect(lo).toBeGreaterThanOrEqual(fields.interval_window_start!);
        expect(fields.end_interval_index![1]).toBeLessThanOrEqual(fields.interval_window_start! + 104);
      });
    }
  });

  it("gives every hindsight detection of a scan its fields; none in a run without detections", () => {
    const model = seededModel("soft");
    const scan = scanBars(model, bars, { threshold: 0.5 });
    expect(scan.detections.length).toBeGreaterThan(3);
    for (const d of scan.detections) {
      expect(d.interval_unavailable === null).toBe(d.start_interval_index !== null);
      if (d.interval_unavailable === null) expect(d.start_interval_time![0]).toBe(new Date(bars.timestamps[d.start_interval_index![0]]!).toISOString());
    }
    expect(scan.intervals.windows).toBeGreaterThan(0);
    expect(detectionBoundaryIntervals(model, prices, scanPlan(700, 35, 105).starts, [], null, 32)).toEqual({ intervals: [], windows: 0 });
  });
});
