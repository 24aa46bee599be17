/**
 * The hindsight scan: the window plan covers every bar; each bar's combined p is the Hann-weighted mean
 * of the windows covering it (checked by brute force against predictWindows); decoding runs once on the
 * combined series; the scan is deterministic and independent of the batch size; it is position-invariant
 * (detection starts modulo the stride are uniform on long bars with spans at random times, where
 * per-window decoding clusters, and shifting the series shifts the detections); and a chunked scan equals
 * the single-thread one bit for bit.
 */
import { describe, expect, it } from "vitest";
import { WINDOW_BARS, type Window } from "../data/window.js";
import { computeRelativityFeatures } from "../features/index.js";
import { inferBatch } from "../model/inference.js";
import { runsFromMask } from "../model/span_decoding.js";
import { Rng } from "../util/rng.js";
import { windowWeight } from "./combine.js";
import { offsetHistogram } from "./offsets.js";
import { predictWindows } from "./predict.js";
import { assembleChunks, finishScan, prepareScan, scanBars, scanHindsightChunk, type ScanBars } from "./scan.js";
import { chunkPlan, DEFAULT_STRIDE, scanPlan, segmentsOf, windowStarts } from "./scan_plan.js";
import { barsAt, randomWalkBars, seededModel as seeded } from "./seeded.js";
import { syntheticSeries } from "./synthetic_bars.js";

const series = (n: number, seed = 3) => randomWalkBars(n, seed);
const seededModel = (loss: string, maxBatch = 32, reference?: ScanBars) => seeded(loss, { maxBatch, ...(reference ? { reference } : {}) });

/** The window of bars [start, start + 105) as a Window record (span and label are placeholders). */
function windowAt(bars: ScanBars, start: number): Window {
  return { window_id: `at${start}`, base_window_id: `at${start}`, label: "consolidation", expansion_start: 0, expansion_end: 0, features: barsAt(bars, start) };
}

const spans = (found: { start_index: number; end_index: number }[]) => found.map((d) => [d.start_index, d.end_index]);

describe("window plan", () => {
  it("starts every stride bars and aligns one last window to the end, so every bar is covered", () => {
    expect(DEFAULT_STRIDE).toBe(35);
    expect(windowStarts(105, 35)).toEqual([0]);
    expect(windowStarts(140, 35)).toEqual([0, 35]);
    expect(windowStarts(150, 35)).toEqual([0, 35, 45]);
    for (const n of [105, 106, 139, 140, 141, 400, 1000]) {
      for (const stride of [1, 7, 26, 35, 105]) {
        const starts = windowStarts(n, stride);
        const covered = new Uint8Array(n);
        for (const s of starts) covered.fill(1, s, s + WINDOW_BARS);
        expect(covered.every((c) => c === 1)).toBe(true);
        expect(starts.at(-1)).toBe(n - WINDOW_BARS);
        for (let k = 1; k < starts.length; k++) expect(starts[k]! - starts[k - 1]!).toBeGreaterThan(0);
        for (let k = 1; k < starts.length; k++) expect(starts[k]! - starts[k - 1]!).toBeLessThanOrEqual(stride);
      }
    }
  });

  it("at the default stride every bar from bar 35 on sits in the middle third of some window", () => {
    const starts = windowStarts(1000, DEFAULT_STRIDE);
    for (let i = 35; i < 1000 - 35; i++) expect(starts.some((s) => i - s >= 35 && i - s <= 69)).toBe(true);
  });

  it("refuses a stride that would skip bars and a series shorter than a window", () => {
    expect(() => windowStarts(500, 106)).toThrow("stride must be an integer in [1, 105] (a larger stride would skip bars), got 106");
    expect(() => windowStarts(500, 0)).toThrow("stride must be an integer in [1, 105]");
    expect(() => windowStarts(104, 26)).toThrow("a scan needs at least 105 bars (one window), got 104");
  });

  it("cuts the series at gaps into segments scanned separately, reporting segments too short for a window", () => {
    expect(segmentsOf(300, [200, 120])).toEqual([
      { start: 0, end: 120 },
      { start: 120, end: 200 },
      { start: 200, end: 300 },
    ]);
    const plan = scanPlan(300, 26, 105, [120, 180]);
    expect(plan.starts).toEqual([0, 15, 180, 195]);
    expect(plan.skipped).toEqual([{ start: 120, end: 180 }]);
    expect(plan.segments).toBe(3);
    expect(() => scanPlan(300, 26, 105, [100, 200])).toThrow("no gap-free stretch of the 300 bars is that long");
    expect(() => segmentsOf(300, [0])).toThrow("gap index 0 is not a bar index in [1, 299]");
  });

  it("splits the windows into chunks whose owned bars tile the series and whose windows touch them all", () => {
    const starts = windowStarts(2000, 35);
    for (const count of [1, 2, 3, 7]) {
      const chunks = chunkPlan(2000, starts, 105, count);
      expect(chunks[0]!.from).toBe(0);
      expect(chunks.at(-1)!.to).toBe(2000);
      for (let k = 1; k < chunks.length; k++) expect(chunks[k]!.from).toBe(chunks[k - 1]!.to);
      for (const chunk of chunks) {
        const touching = starts.map((s, w) => [s, w] as const).filter(([s]) => s + 105 > chunk.from && s < chunk.to);
        expect([chunk.firstWindow, chunk.lastWindow]).toEqual([touching[0]![1], touching.at(-1)![1] + 1]);
      }
    }
  });
});

describe("scanBars: the combined series", () => {
  it("combines every covering window's p with Hann weights, exactly as a brute-force sum over predictWindows", () => {
    const bars = series(300);
    const model = seededModel("soft");
    const result = scanBars(model, bars, { threshold: 0.5 });
    const starts = windowStarts(300, DEFAULT_STRIDE);
    const predictions = predictWindows(
      model,
      starts.map((s) => windowAt(bars, s)),
    );
    for (const i of [0, 1, 34, 35, 52, 104, 105, 150, 199, 250, 299]) {
      let sum = 0;
      let weights = 0;
      starts.forEach((s, k) => {
        if (i < s || i >= s + 105) return;
        const w = windowWeight(i - s, 105);
        sum += w * predictions[k]!.probabilities[i - s]!;
        weights += w;
      });
      expect(result.probabilities[i]).toBeCloseTo(sum / weights, 12);
    }
    // Decoding runs once on the combined series: detections are its runs above the threshold.
    const mask = Uint8Array.from(result.probabilities, (p) => (p > 0.5 ? 1 : 0));
    expect(spans(result.detections)).toEqual(runsFromMask(mask));
    expect(result.detections.length).toBeGreaterThan(1);
    for (const d of result.detections) {
      const p = Array.from(result.probabilities.subarray(d.start_index, d.end_index + 1));
      expect(d.confidence).toBeCloseTo(p.reduce((a, b) => a + b, 0) / p.length, 6);
      expect(d.peak).toBeCloseTo(Math.max(...p), 6);
      expect(d.confidence).toBeGreaterThanOrEqual(d.threshold);
      expect(d).toMatchObject({ mode: "hindsight", decoder: "threshold", score: "p", threshold: 0.5 });
      expect(d.start_time).toBe(new Date(bars.timestamps[d.start_index]!).toISOString());
      // Known once the last window covering the first bar has been read.
      const last = Math.max(...starts.filter((s) => s <= d.start_index));
      expect(d.known_at_index).toBe(last + 104);
    }
  });

  it("a path decoder votes: the CRF's Viterbi paths of every window, combined with the same weights, above ½", () => {
    const bars = series(300, 5);
    const model = seededModel("crf");
    const result = scanBars(model, bars);
    expect(result.decoder).toBe("viterbi");
    expect(result.threshold).toBe(0.5);
    const starts = windowStarts(300, DEFAULT_STRIDE);
    const paths = predictWindows(
      model,
      starts.map((s) => windowAt(bars, s)),
    ).map((p) => p.viterbi_path!);
    for (const i of [3, 60, 140, 222, 298]) {
      let sum = 0;
      let weights = 0;
      starts.forEach((s, k) => {
        if (i < s || i >= s + 105) return;
        sum += windowWeight(i - s, 105) * paths[k]![i - s]!;
        weights += windowWeight(i - s, 105);
      });
      expect(result.votes.viterbi![i]).toBeCloseTo(sum / weights, 12);
    }
    expect(spans(result.detections)).toEqual(runsFromMask(Uint8Array.from(result.votes.viterbi!, (v) => (v > 0.5 ? 1 : 0))));
    expect(Object.keys(result.decoderCounts)).toEqual(["threshold", "viterbi", "single-span"]);
    expect(result.decoderCounts.viterbi).toBe(result.detections.length);
    expect(result.detections.every((d) => d.score === "vote" && d.confidence > 0.5)).toBe(true);
  });

  it("covers every bar: with threshold 0 the detections are exactly the scanned segments", () => {
    const bars = series(400);
    const model = seededModel("soft");
    const all = scanBars(model, bars, { threshold: 0 });
    expect(all.windows).toBe(windowStarts(400, 35).length);
    expect(all.detections.map((d) => [d.start_index, d.end_index, d.windows_covering])).toEqual([[0, 399, all.windows]]);
    const gapped = scanBars(model, { ...bars, gaps: [{ index: 150 }, { index: 200 }] }, { threshold: 0 });
    expect(spans(gapped.detections)).toEqual([
      [0, 149],
      [200, 399],
    ]);
    expect(gapped.skippedSegments).toEqual([{ start: 150, end: 199, bars: 50 }]);
    expect(Number.isNaN(gapped.probabilities[170]!)).toBe(true);
  });

  it("is deterministic and independent of the batch size, bit for bit", () => {
    const bars = series(700, 9);
    for (const loss of ["soft", "crf"] as const) {
      const model = seededModel(loss);
      const first = scanBars(model, bars, { threshold: 0.5 });
      const small = scanBars(model, bars, { threshold: 0.5, batchSize: 3 });
      expect(small.detections).toEqual(first.detections);
      expect(small.probabilities).toEqual(first.probabilities);
      expect(small.votes).toEqual(first.votes);
      expect(first.detections.length).toBeGreaterThan(0);
      let previousEnd = -2;
      for (const d of first.detections) {
        expect(d.start_index).toBeGreaterThan(previousEnd + 1);
        previousEnd = d.end_index;
        expect(d.confidence).toBeLessThanOrEqual(d.peak);
        expect(d.class_probabilities.consolidation + d.class_probabilities.retracement).toBeCloseTo(1, 5);
        expect(d.windows_covering).toBeGreaterThanOrEqual(1);
      }
    }
  });

  it("drops combined runs shorter than minRunLength, and a detection is known once it is that long", () => {
    const bars = series(400, 4);
    const model = seededModel("soft");
    const all = scanBars(model, bars, { threshold: 0.5 });
    const long = scanBars(model, bars, { threshold: 0.5, minRunLength: 4 });
    expect(all.detections.some((d) => d.length < 4)).toBe(true);
    expect(spans(long.detections)).toEqual(spans(all.detections.filter((d) => d.length >= 4)));
    const starts = windowStarts(400, 35);
    for (const d of long.detections) expect(d.known_at_index).toBe(Math.min(399, Math.max(...starts.filter((s) => s <= d.start_index + 3)) + 104));
  });

  it("refuses the viterbi decoder for the soft head, and bad options, naming them", () => {
    const bars = series(200);
    const soft = seededModel("soft", 4);
    expect(() => scanBars(soft, bars, { decoder: "viterbi" })).toThrow(
      "the viterbi decoder needs a CRF checkpoint; this checkpoint has the soft span loss head (use --decoder threshold or single-span)",
    );
    expect(() => scanBars(soft, bars, { threshold: 1.2 })).toThrow("threshold must be a number in [0, 1], got 1.2");
    expect(() => scanBars(soft, bars, { batchSize: 5 })).toThrow("batchSize must be an integer in [1, 4] (the model's maxBatch), got 5");
    expect(() => scanBars(soft, bars, { stride: 200 })).toThrow("stride must be an integer in [1, 105]");
    expect(() => scanBars(soft, bars, { minRunLength: 0 })).toThrow("minRunLength must be an integer in [1, 105], got 0");
    const broken = series(200);
    broken.close[150] = Number.NaN;
    expect(() => scanBars(soft, broken)).toThrow("bars: bar 150 has a non-finite close (NaN)");
  });
});

describe("position invariance (docs/spec.md §11)", () => {
  // ~15,800 bars of synthetic event paths laid end to end: expansions at uniformly random times.
  const long = syntheticSeries(100, new Rng(5));
  const soft = seededModel("soft", 32, long);
  const scan = scanBars(soft, long, { threshold: 0.5 });

  it("detection starts modulo the stride are uniform (χ² p > 0.001, no offset above 3/stride), where per-window decoding clusters", () => {
    expect(scan.detections.length).toBeGreaterThan(1000);
    expect(scan.offsets.pValue).toBeGreaterThan(0.001);
    expect(scan.offsets.topShare).toBeLessThan(3 / DEFAULT_STRIDE);
    expect(scan.offsets.clustered).toBe(false);
    // The former scan: runs of p > 0.5 decoded in each window (stride 26) and united.
    const starts = windowStarts(long.close.length, 26);
    const mask = new Uint8Array(long.close.length);
    for (let first = 0; first < starts.length; first += 32) {
      const batch = Math.min(32, starts.length - first);
      const input = new Float32Array(batch * 105 * 12);
      for (let b = 0; b < batch; b++) input.set(computeRelativityFeatures(windowAt(long, starts[first + b]!).features), b * 105 * 12);
      const p = inferBatch(soft, input, batch, { readings: false, paths: false, singleSpans: false }).probabilities;
      for (let b = 0; b < batch; b++) for (let t = 0; t < 105; t++) if (p[b * 105 + t]! > 0.5) mask[starts[first + b]! + t] = 1;
    }
    const perWindow = runsFromMask(mask).map(([s]) => s);
    const before = offsetHistogram(perWindow, 26, []);
    expect(before.pValue).toBeLessThan(1e-6);
    expect(before.clustered).toBe(true);
  });

  it("shifting the series by k bars shifts the detections by k: exactly for k a multiple of the stride, within ±1 bar for ≥ 75% otherwise", () => {
    const n = long.close.length;
    const shifted = (k: number) => {
      const view = (a: Float64Array) => a.subarray(k);
      return scanBars(
        soft,
        { timestamps: view(long.timestamps), open: view(long.open), high: view(long.high), low: view(long.low), close: view(long.close) },
        { threshold: 0.5 },
      );
    };
    // Bars from k + 70 on are covered by the same windows, at the same positions, in both scans.
    const comparable = (k: number) => scan.detections.filter((d) => d.start_index >= k + 71);
    for (const k of [35, 70]) {
      const shift = (interval: [number, number] | null) => (interval === null ? null : interval.map((i) => i + k));
      const other = shifted(k).detections.map((d) => ({
        ...d,
        start_index: d.start_index + k,
        end_index: d.end_index + k,
        known_at_index: d.known_at_index + k,
        // Their supporting windows are the same windows too, so their intervals shift with them.
        start_interval_index: shift(d.start_interval_index),
        end_interval_index: shift(d.end_interval_index),
        interval_window_start: d.interval_window_start === null ? null : d.interval_window_start + k,
      }));
      expect(other.filter((d) => d.start_index >= k + 71)).toEqual(comparable(k));
      expect(comparable(k).length).toBeGreaterThan(1000);
    }
    for (const k of [1, 17]) {
      const other = shifted(k).detections.map((d) => [d.start_index + k, d.end_index + k] as const);
      const near = comparable(k).filter((d) => other.some(([s, e]) => Math.abs(s - d.start_index) <= 1 && Math.abs(e - d.end_index) <= 1));
      expect(near.length / comparable(k).length).toBeGreaterThan(0.75);
    }
    expect(n).toBeGreaterThan(15_000);
  });
});

describe("chunked scanning", () => {
  it("combines overlapping chunks into exactly the single-thread result", () => {
    const bars = series(3000, 12);
    for (const loss of ["soft", "crf"] as const) {
      const model = seededModel(loss);
      const whole = scanBars(model, bars, { threshold: 0.5 });
      const setup = prepareScan(model, bars, { threshold: 0.5 });
      for (const count of [2, 3, 5]) {
        const chunks = chunkPlan(3000, setup.plan.starts, 105, count).map((chunk) =>
          scanHindsightChunk(model, { ...bars, offset: 0 }, setup.plan.starts, chunk, setup.options.batchSize),
        );
        const combined = assembleChunks(model.head, 3000, setup.plan.starts.length, chunks);
        expect(combined.probabilities).toEqual(whole.probabilities);
        expect(combined.votes).toEqual(whole.votes);
        const again = finishScan(model, bars, setup, combined, performance.now(), count);
        expect(again.detections).toEqual(whole.detections);
      }
    }
  });
});
