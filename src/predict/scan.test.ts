/**
 * Scanning bars: the window plan covers every bar (gaps cut it into segments), a scan reproduces the
 * per-window predictions of `predictWindows` on the same 105 bars (features from each window's own
 * bars), is deterministic and independent of the batch size, keeps detections inside the series, and
 * refuses the Viterbi decoder for the soft head; the default threshold comes from a compare bundle.
 */
import { spanHead } from "../model/heads/registry.js";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { WINDOW_BARS, type Bar, type Window } from "../data/window.js";
import { computeRelativityFeatures } from "../features/index.js";
import { saveCheckpoint } from "../model/checkpoint.js";
import { JadeCompact } from "../model/jade_compact.js";
import { runsFromMask, type Run } from "../model/span_decoding.js";
import { Rng } from "../util/rng.js";
import { predictWindows } from "./predict.js";
import { comparisonThreshold, DEFAULT_STRIDE, scanBars, scanPlan, segmentsOf, windowStarts, type ScanBars } from "./scan.js";

const T0 = Date.UTC(2024, 2, 4, 14, 30);

/** A seeded random walk of `n` 1-minute bars with changing volatility. */
interface TestBars extends ScanBars {
  timestamps: Float64Array;
  open: Float64Array;
  high: Float64Array;
  low: Float64Array;
  close: Float64Array;
}

function series(n: number, seed = 3): TestBars {
  const rng = new Rng(seed);
  const open = new Float64Array(n);
  const high = new Float64Array(n);
  const low = new Float64Array(n);
  const close = new Float64Array(n);
  const timestamps = new Float64Array(n);
  let price = 18000;
  for (let i = 0; i < n; i++) {
    const sigma = 1 + 5 * Math.abs(Math.sin(i / 40));
    open[i] = price;
    price += rng.normal(0, sigma);
    close[i] = price;
    high[i] = Math.max(open[i]!, price) + rng.uniform(0, sigma);
    low[i] = Math.min(open[i]!, price) - rng.uniform(0, sigma);
    timestamps[i] = T0 + i * 60_000;
  }
  return { timestamps, open, high, low, close };
}

/**
 * A seeded model whose outputs vary from bar to bar: freshly initialised weights give p ≈ 0.51 on every
 * bar, so the span and class heads are scaled up ×10 and their biases centred on a reference window
 * (p about half above, half below 0.5), which gives runs of many lengths and both classes.
 */
function seededModel(loss: string, maxBatch = 32): JadeCompact {
  const model = new JadeCompact({ head: spanHead(loss), maxBatch });
  model.initialise(new Rng(loss === "soft" ? 11 : 12));
  for (const name of ["expansion_span_emission.1.weight", "classifier.1.weight"]) {
    const w = model.parameters.value(name);
    for (let i = 0; i < w.length; i++) w[i]! *= 10;
  }
  const reference = windowAt(series(105, 99), 0).features;
  const out = model.forward(computeRelativityFeatures(reference), 1, { training: false });
  const spanBias = model.parameters.value("expansion_span_emission.1.bias");
  let mean = 0;
  for (let t = 0; t < 105; t++) mean += (model.head.width === 1 ? out.spanScores[t]! : out.spanScores[2 * t + 1]! - out.spanScores[2 * t]!) / 105;
  if (model.head.width === 1) spanBias[0]! -= mean;
  else {
    spanBias[1]! -= mean / 2;
    spanBias[0]! += mean / 2;
  }
  const classBias = model.parameters.value("classifier.1.bias");
  const d = out.classLogits[1]! - out.classLogits[0]!;
  classBias[1]! -= d / 2;
  classBias[0]! += d / 2;
  return model;
}

/** The window of bars [start, start + 105) as a Window record (span and label are placeholders). */
function windowAt(bars: ScanBars, start: number): Window {
  const features: Bar[] = Array.from({ length: WINDOW_BARS }, (_, t) => [
    bars.open[start + t]!,
    bars.high[start + t]!,
    bars.low[start + t]!,
    bars.close[start + t]!,
  ]);
  return { window_id: `at${start}`, base_window_id: `at${start}`, label: "consolidation", expansion_start: 0, expansion_end: 0, features };
}

/** Union of global runs that overlap or touch, as [start, end] pairs (the merge rule, by brute force). */
function unionOfRuns(runs: Run[], barCount: number): Run[] {
  const mask = new Uint8Array(barCount);
  for (const [s, e] of runs) mask.fill(1, s, e + 1);
  return runsFromMask(mask);
}

describe("window plan", () => {
  it("starts every stride bars and aligns one last window to the end, so every bar is covered", () => {
    expect(windowStarts(105, 26)).toEqual([0]);
    expect(windowStarts(131, 26)).toEqual([0, 26]);
    expect(windowStarts(140, 26)).toEqual([0, 26, 35]);
    expect(windowStarts(110, 1)).toEqual([0, 1, 2, 3, 4, 5]);
    for (const n of [105, 106, 130, 131, 132, 400, 1000]) {
      for (const stride of [1, 7, 26, 52, 105]) {
        const starts = windowStarts(n, stride);
        const covered = new Uint8Array(n);
        for (const s of starts) covered.fill(1, s, s + WINDOW_BARS);
        expect(covered.every((c) => c === 1)).toBe(true);
        expect(starts.at(-1)).toBe(n - WINDOW_BARS);
        // Strictly increasing, no step larger than the stride.
        for (let k = 1; k < starts.length; k++) expect(starts[k]! - starts[k - 1]!).toBeGreaterThan(0);
        for (let k = 1; k < starts.length; k++) expect(starts[k]! - starts[k - 1]!).toBeLessThanOrEqual(stride);
      }
    }
    expect(DEFAULT_STRIDE).toBe(26);
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
    // Segments of 120, 60 and 120 bars: windows at 0 and 15 (end-aligned), none in the middle, 180 and 195.
    const plan = scanPlan(300, 26, 105, [120, 180]);
    expect(plan.starts).toEqual([0, 15, 180, 195]);
    expect(plan.skipped).toEqual([{ start: 120, end: 180 }]);
    expect(plan.segments).toBe(3);
    expect(() => scanPlan(300, 26, 105, [100, 200])).toThrow("no gap-free stretch of the 300 bars is that long");
    expect(() => segmentsOf(300, [0])).toThrow("gap index 0 is not a bar index in [1, 299]");
  });
});

describe("scanBars", () => {
  it("reproduces predictWindows on each window: threshold runs (soft) mapped to bar indices and merged", () => {
    const bars = series(315);
    const model = seededModel("soft");
    // Stride 105: windows at 0, 105, 210 see disjoint bars, so the merge is a plain union.
    const result = scanBars(model, bars, { stride: 105, threshold: 0.5 });
    expect(result.windows).toBe(3);
    expect(result.decoder).toBe("threshold");
    expect(result.threshold).toBe(0.5);
    const predictions = predictWindows(
      model,
      [0, 105, 210].map((s) => windowAt(bars, s)),
      { threshold: 0.5 },
    );
    const runs = predictions.flatMap((p, k) => p.threshold_runs.map(([s, e]): Run => [105 * k + s, 105 * k + e]));
    expect(runs.length).toBeGreaterThan(0);
    expect(result.detections.map((d) => [d.start_index, d.end_index])).toEqual(unionOfRuns(runs, 315));
    // One window covers each bar here, so p̄ is that window's p.
    const everyP = predictions.flatMap((prediction) => prediction.probabilities);
    for (const d of result.detections) {
      const p = everyP.slice(d.start_index, d.end_index + 1);
      expect(d.confidence).toBeCloseTo(p.reduce((a, b) => a + b, 0) / p.length, 6);
      expect(d.peak_probability).toBeCloseTo(Math.max(...p), 6);
      const k = Math.floor(d.start_index / 105);
      if (Math.floor(d.end_index / 105) === k) {
        expect(d.windows).toBe(1);
        const classes = predictions[k]!.class_probabilities;
        // predictWindows' probabilities are a 3-way softmax; the detection's are the 2-way one over the labels.
        expect(d.class_probabilities.retracement).toBeCloseTo(classes.retracement / (classes.retracement + classes.consolidation), 6);
      }
      expect(d.start_time).toBe(new Date(bars.timestamps[d.start_index]!).toISOString());
      expect(d.end_time).toBe(new Date(bars.timestamps[d.end_index]!).toISOString());
    }
  });

  it("CRF: Viterbi by default, posterior marginals for the threshold decoder, one span per window for single-span", () => {
    const bars = series(210, 5);
    const model = seededModel("crf");
    const predictions = predictWindows(model, [windowAt(bars, 0), windowAt(bars, 105)], { threshold: 0.3 });
    const global = (k: number, runs: Run[]) => runs.map(([s, e]): Run => [105 * k + s, 105 * k + e]);

    const viterbi = scanBars(model, bars, { stride: 105 });
    expect(viterbi.decoder).toBe("viterbi");
    expect(viterbi.threshold).toBeNull();
    const viterbiRuns = predictions.flatMap((p, k) => global(k, runsFromMask(p.viterbi_path!)));
    expect(viterbi.detections.map((d) => [d.start_index, d.end_index])).toEqual(unionOfRuns(viterbiRuns, 210));

    const threshold = scanBars(model, bars, { stride: 105, decoder: "threshold", threshold: 0.3 });
    expect(threshold.detections.map((d) => [d.start_index, d.end_index])).toEqual(
      unionOfRuns(
        predictions.flatMap((p, k) => global(k, p.threshold_runs)),
        210,
      ),
    );

    const single = scanBars(model, bars, { stride: 105, decoder: "single-span" });
    const spans = predictions.map((p, k): Run => [105 * k + p.span.start, 105 * k + p.span.end]);
    expect(single.detections.map((d) => [d.start_index, d.end_index])).toEqual(unionOfRuns(spans, 210));
    expect(single.detections.every((d) => d.decoder === "single-span")).toBe(true);
  });

  it("covers every bar: with threshold 0 every bar is flagged, and the detections are exactly the scanned segments", () => {
    const bars = series(400);
    const model = seededModel("soft");
    const all = scanBars(model, bars, { threshold: 0 });
    expect(all.windows).toBe(windowStarts(400, 26).length);
    expect(all.detections.map((d) => [d.start_index, d.end_index, d.windows_covering])).toEqual([[0, 399, all.windows]]);
    // A gap at 150 and one at 200: bars 150–199 are too few for a window, so they are reported, not scanned.
    const gapped = scanBars(model, { ...bars, gaps: [{ index: 150 }, { index: 200 }] }, { threshold: 0 });
    expect(gapped.detections.map((d) => [d.start_index, d.end_index])).toEqual([
      [0, 149],
      [200, 399],
    ]);
    expect(gapped.segments).toBe(3);
    expect(gapped.skippedSegments).toEqual([{ start: 150, end: 199, bars: 50 }]);
    expect(gapped.windows).toBe(windowStarts(150, 26).length + windowStarts(200, 26).length);
  });

  it("is deterministic, independent of the batch size, and keeps detections inside the series, sorted and apart", () => {
    const bars = series(700, 9);
    for (const loss of ["soft", "crf"] as const) {
      const model = seededModel(loss);
      const decoder = loss === "soft" ? "threshold" : "viterbi";
      const first = scanBars(model, bars, { decoder, threshold: 0.5 });
      const again = scanBars(model, bars, { decoder, threshold: 0.5 });
      const small = scanBars(model, bars, { decoder, threshold: 0.5, batchSize: 3 });
      expect(again.detections).toEqual(first.detections);
      expect(small.detections).toEqual(first.detections);
      expect(first.windows).toBe(Math.ceil((700 - 105) / 26) + 1);
      expect(first.detections.length).toBeGreaterThan(0);
      let previousEnd = -2;
      for (const d of first.detections) {
        expect(d.start_index).toBeGreaterThanOrEqual(0);
        expect(d.end_index).toBeLessThan(700);
        expect(d.length).toBe(d.end_index - d.start_index + 1);
        // Sorted, and separated by at least one bar (touching runs merge).
        expect(d.start_index).toBeGreaterThan(previousEnd + 1);
        previousEnd = d.end_index;
        expect(d.confidence).toBeGreaterThanOrEqual(0);
        expect(d.confidence).toBeLessThanOrEqual(d.peak_probability);
        expect(d.peak_probability).toBeLessThanOrEqual(1);
        expect(d.windows).toBeGreaterThanOrEqual(1);
        expect(d.windows).toBeLessThanOrEqual(d.windows_covering);
        expect(d.class_probabilities.consolidation + d.class_probabilities.retracement).toBeCloseTo(1, 5);
        expect(d.decoder).toBe(decoder);
      }
    }
  });

  it("drops per-window runs shorter than minRunLength before merging", () => {
    const bars = series(400, 4);
    const model = seededModel("soft");
    const all = scanBars(model, bars, { threshold: 0.5 });
    const long = scanBars(model, bars, { threshold: 0.5, minRunLength: 4 });
    expect(all.detections.some((d) => d.length < 4)).toBe(true);
    expect(long.detections.length).toBeGreaterThan(0);
    expect(long.detections.length).toBeLessThan(all.detections.length);
    expect(long.detections.every((d) => d.length >= 4)).toBe(true);
    expect(long.minRunLength).toBe(4);
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

describe("comparisonThreshold", () => {
  /** A fake compare bundle: runs/<name>/last.safetensors (a real checkpoint) and comparison.json. */
  function bundle(loss: string, runs: unknown[]): { folder: string; checkpoint: string } {
    const folder = mkdtempSync(join(tmpdir(), "spanlab-scan-bundle-"));
    const runDirectory = join(folder, "runs", `${loss}-seed42`);
    mkdirSync(runDirectory, { recursive: true });
    const checkpoint = join(runDirectory, "last.safetensors");
    saveCheckpoint(checkpoint, seededModel(loss, 1), { epoch: 1 });
    writeFileSync(join(folder, "comparison.json"), JSON.stringify({ runs }));
    return { folder, checkpoint };
  }
  const run = (objective: string, seed: number, threshold: unknown) => ({
    objective,
    seed,
    runDirectory: `runs/${objective}-seed${seed}`,
    evaluation: { minRunLength: 2, thresholds: [{ source: "probabilities", threshold }] },
  });

  it("reads the run's training-chosen threshold and minimum run length from comparison.json beside the checkpoint", () => {
    const { folder, checkpoint } = bundle("soft", [run("crf", 42, 0.61), run("soft", 7, 0.2), run("soft", 42, 0.37)]);
    const choice = comparisonThreshold(checkpoint, "soft");
    expect(choice.threshold).toBe(0.37);
    expect(choice.minRunLength).toBe(2);
    expect(choice.fromComparison).toBe(true);
    expect(choice.source).toBe(`compare run runs/soft-seed42 in ${join(folder, "comparison.json")} (chosen by best pooled F1 on that run's training windows)`);
  });

  it("falls back to 0.5 and says why: not in a bundle, run not listed, objective mismatch, no threshold", () => {
    const lone = mkdtempSync(join(tmpdir(), "spanlab-scan-lone-"));
    const loneCheckpoint = join(lone, "model.safetensors");
    saveCheckpoint(loneCheckpoint, seededModel("soft", 1));
    const outside = comparisonThreshold(loneCheckpoint, "soft");
    expect(outside).toMatchObject({ threshold: 0.5, minRunLength: null, fromComparison: false });
    expect(outside.source).toMatch(/^default 0\.5 \(no comparison\.json two folders above the checkpoint/);

    const missing = bundle("soft", [run("soft", 7, 0.2)]);
    expect(comparisonThreshold(missing.checkpoint, "soft").source).toMatch(/lists no run in runs\/soft-seed42\)$/);
    const mismatch = bundle("soft", [{ ...run("crf", 42, 0.4), runDirectory: "runs/soft-seed42" }]);
    expect(comparisonThreshold(mismatch.checkpoint, "soft").source).toMatch(/says run runs\/soft-seed42 is crf, but the checkpoint has the soft head\)$/);
    const noThreshold = bundle("soft", [run("soft", 42, "high")]);
    expect(comparisonThreshold(noThreshold.checkpoint, "soft")).toMatchObject({ threshold: 0.5, fromComparison: false });
  });
});
