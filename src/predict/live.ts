/**
 * The live (causal) scan (docs/spec.md §11): what the model says at bar t from bars up to t only.
 *
 * The live probability of bar t is the head's p at the LAST position of the window that ends at bar t
 * (bars t − 104 … t; features from those bars alone, as every window's are). Nothing after bar t is
 * read, so p_live(t) is the same whether or not the bars file goes on after t. The first 104 bars of each
 * segment have no full window ending at them and so no live probability (NaN; empty in files). For the
 * CRF, p at the last position is the forward-filter marginal p(tag = 1 | bars ≤ t), exactly causal.
 *
 * A live system emits a detection when p_live crosses the threshold θ (the threshold decoder's, whatever
 * decoder the hindsight scan uses: a live system has no whole path to decode) and closes it when p_live
 * falls back to ≤ θ: detections are runs of p_live > θ (src/predict/merge.ts), at least `minRunLength`
 * bars, and each is known at `known_at_index` = its first bar + minRunLength − 1 — the bar whose close
 * makes the run long enough. Its class is that of the window ending at that bar. Its end is known one
 * bar after `end_index` (when p falls back), or not yet when it is still open at the last bar.
 */
import { inferBatch } from "../model/inference.js";
import type { JadeCompact } from "../model/jade_compact.js";
import { detectionNotes, detectionsFromScores, labelProbabilities, type Detection } from "./merge.js";
import { usesPositionFeature } from "./inference_defaults.js";
import { resolveScanOptions, type ScanOptions } from "./scan.js";
import { scanPlan, type ScanPlan } from "./scan_plan.js";
import { barTimestamps, checkScanBars, WindowFeatureFiller, type PriceColumns, type ScanBars } from "./window_features.js";

export type LiveOptions = Omit<ScanOptions, "stride" | "decoder">;

export interface LiveResult {
  detections: Detection[];
  loss: string;
  /** θ applied to p_live. */
  threshold: number;
  minRunLength: number;
  batchSize: number;
  bars: number;
  /** Windows run: one per bar that has a live probability. */
  windows: number;
  /** Bars with a live probability. */
  barsWithProbability: number;
  /** p_live per bar (NaN for the first 104 bars of each segment). */
  probabilities: Float64Array;
  /** (p(consolidation), p(retracement)) of the window ending at each bar (NaN where none). */
  classes: Float64Array;
  notes: string[];
  workers: number;
  seconds: number;
  windowsPerSecond: number;
}

/** The live plan: one window ending at every bar that has 104 bars before it in its segment. */
export function livePlan(barCount: number, windowLength: number, breaks: readonly number[]): ScanPlan {
  return scanPlan(barCount, 1, windowLength, breaks);
}

/** One chunk's live probabilities: for windows starts[first … last), p at the last bar and the classes. */
export interface LiveChunkResult {
  firstWindow: number;
  probabilities: Float64Array;
  classes: Float64Array;
}

/** Runs windows `starts[first … last)` and keeps each one's last-bar probability and class probabilities. */
export function liveChunk(
  model: JadeCompact,
  prices: PriceColumns,
  starts: ArrayLike<number>,
  first: number,
  last: number,
  batchSize: number,
  onBatch?: (windows: number) => void,
): LiveChunkResult {
  const length = model.bars;
  const filler = new WindowFeatureFiller(prices, length, model.dims.features, batchSize, usesPositionFeature(model));
  const count = last - first;
  const probabilities = new Float64Array(count);
  const classes = new Float64Array(2 * count);
  for (let done = 0; done < count; done += batchSize) {
    const batch = Math.min(batchSize, count - done);
    for (let b = 0; b < batch; b++) filler.fill(b, starts[first + done + b]!);
    const inference = inferBatch(model, filler.batch(batch), batch, { readings: false, paths: false, singleSpans: false });
    for (let b = 0; b < batch; b++) {
      probabilities[done + b] = inference.probabilities[b * length + length - 1]!;
      const [pc, pr] = labelProbabilities(inference.classLogits, b * model.dims.classes);
      classes[2 * (done + b)] = pc;
      classes[2 * (done + b) + 1] = pr;
    }
    onBatch?.(batch);
  }
  return { firstWindow: first, probabilities, classes };
}

/** Live setup: options (θ, min run, batch) and the plan. */
export interface LiveSetup {
  threshold: number;
  minRunLength: number;
  batchSize: number;
  plan: ScanPlan;
  barCount: number;
}

export function prepareLive(model: JadeCompact, bars: ScanBars, options: LiveOptions): LiveSetup {
  const resolved = resolveScanOptions(model, { ...options, decoder: "threshold", stride: 1 });
  const barCount = checkScanBars(bars);
  const breaks = (bars.gaps ?? []).map((gap) => gap.index);
  return {
    threshold: resolved.threshold,
    minRunLength: resolved.minRunLength,
    batchSize: resolved.batchSize,
    plan: livePlan(barCount, model.bars, breaks),
    barCount,
  };
}

/** Puts the chunks' per-window values on the bars the windows end at, then emits the detections. */
export function finishLive(
  model: JadeCompact,
  bars: ScanBars,
  setup: LiveSetup,
  chunks: readonly LiveChunkResult[],
  started: number,
  workers: number,
): LiveResult {
  const { plan, barCount } = setup;
  const length = model.bars;
  const probabilities = new Float64Array(barCount).fill(Number.NaN);
  const classes = new Float64Array(2 * barCount).fill(Number.NaN);
  for (const chunk of chunks) {
    for (let k = 0; k < chunk.probabilities.length; k++) {
      const bar = plan.starts[chunk.firstWindow + k]! + length - 1;
      probabilities[bar] = chunk.probabilities[k]!;
      classes[2 * bar] = chunk.classes[2 * k]!;
      classes[2 * bar + 1] = chunk.classes[2 * k + 1]!;
    }
  }
  const detections = detectionsFromScores(probabilities, {
    mode: "live",
    decoder: "threshold",
    scoreName: "p_live",
    threshold: setup.threshold,
    minRunLength: setup.minRunLength,
    segmentStarts: new Set(plan.segmentList.slice(1).map((segment) => segment.start)),
    timestamps: barTimestamps(bars),
    classes: (_a, _b, knownAt) => [classes[2 * knownAt]!, classes[2 * knownAt + 1]!],
    windowsCovering: (a, b) => b - a + 1,
    knownAt: (t) => t,
  });
  const seconds = (performance.now() - started) / 1000;
  return {
    detections,
    loss: model.loss,
    threshold: setup.threshold,
    minRunLength: setup.minRunLength,
    batchSize: setup.batchSize,
    bars: barCount,
    windows: plan.starts.length,
    barsWithProbability: plan.starts.length,
    probabilities,
    classes,
    notes: detectionNotes(detections, barCount, "live threshold", {}),
    workers,
    seconds,
    windowsPerSecond: plan.starts.length / Math.max(seconds, 1e-9),
  };
}

/** The live scan on the calling thread (src/predict/scan_parallel.ts runs it on worker threads). */
export function scanLive(model: JadeCompact, bars: ScanBars, options: LiveOptions = {}): LiveResult {
  const started = performance.now();
  const setup = prepareLive(model, bars, options);
  let done = 0;
  const chunk = liveChunk(
    model,
    { open: bars.open, high: bars.high, low: bars.low, close: bars.close, offset: 0 },
    setup.plan.starts,
    0,
    setup.plan.starts.length,
    setup.batchSize,
    (windows) => {
      done += windows;
      options.onProgress?.(done, setup.plan.starts.length);
    },
  );
  return finishLive(model, bars, setup, [chunk], started, 1);
}
