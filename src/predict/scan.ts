/**
 * The hindsight scan of a bar series (docs/spec.md §11): slide 105-bar windows over the bars (src/predict/
 * scan_plan.ts), run the model on each (the one inference path), combine every window's per-bar outputs
 * into one series per bar with weights that trust a window's centre more than its edges (src/predict/
 * combine.ts), and decode that combined series once (src/predict/merge.ts) — so detections do not depend
 * on where windows happen to start.
 *
 * Combined series, one value per bar:
 *  - p̄: the head's per-bar probability (sigmoid of the soft head, the CRF's posterior marginals);
 *  - v̄ per path decoder (the CRF's `viterbi`) and for `single-span`: the weighted share of the covering
 *    windows whose decoded path puts the bar in a span. Path decoders read a window's whole score
 *    sequence, so they run per window; their paths are then combined like probabilities.
 * Decoders on the combined series: `threshold` — p̄ > θ; a path decoder or `single-span` — v̄ > ½ (a
 * weighted majority of the windows). Every decoder is computed in every scan, so the report can say what
 * the others find when the chosen one finds (almost) nothing. The chosen decoder's detections then get
 * their boundary intervals from the span posteriors of the windows containing them
 * (src/predict/boundary_intervals.ts), a second pass over those windows only.
 *
 * Bars are a sequence: weekends, holidays and session breaks are crossed, as training windows cross them
 * (src/data/breaks.ts). Only the series' `gaps` — breaks longer than `--max-gap` — cut it into segments,
 * scanned separately; a segment shorter than a window cannot be scanned and is reported.
 *
 * A scan can be split into chunks of bars with overlapping windows (src/predict/scan_plan.ts chunkPlan)
 * that worker threads scan apart (src/predict/scan_parallel.ts); each bar's combination then sees the
 * same windows in the same order as in one chunk, so the result is bit-for-bit the single-thread one.
 */
import { SPAN_HEADS } from "../model/heads/registry.js";
import { inferBatch } from "../model/inference.js";
import type { JadeCompact } from "../model/jade_compact.js";
import type { SpanHead } from "../model/span_head.js";
import { assignBoundaryIntervals, neededWindows, windowBoundaries } from "./boundary_intervals.js";
import { BarCombiner, weightPrefix, windowWeightOver } from "./combine.js";
import { countDetections, detectionNotes, detectionsFromScores, labelProbabilities, runsAbove, type Detection } from "./merge.js";
import { offsetHistogram, type OffsetHistogram } from "./offsets.js";
import { DEFAULT_PREDICT_BATCH, DEFAULT_THRESHOLD, usesPositionFeature } from "./inference_defaults.js";
import { DEFAULT_STRIDE, lowerBound, scanPlan, type ScanPlan } from "./scan_plan.js";
import { barTimestamps, checkScanBars, WindowFeatureFiller, type PriceColumns, type ScanBars } from "./window_features.js";

export { DEFAULT_STRIDE, scanPlan, segmentsOf, windowStarts } from "./scan_plan.js";
export { comparisonThreshold, type ThresholdSource } from "./threshold_source.js";
export type { ScanBars } from "./window_features.js";

/** A path decoder's combined vote is a detection bar when a weighted majority of windows says so. */
export const VOTE_THRESHOLD = 0.5;

/** The decoders a scan can use with `head`: thresholding, the head's path decoders, the single span. */
export function scanDecoders(head: SpanHead): string[] {
  return ["threshold", ...head.pathDecoders.map((decoder) => decoder.key), "single-span"];
}

/** Every decoder some registered head offers, for help texts and flag checks. */
export const SCAN_DECODERS: readonly string[] = [
  "threshold",
  ...new Set(SPAN_HEADS.flatMap((head) => head.pathDecoders.map((decoder) => decoder.key))),
  "single-span",
];
export type ScanDecoder = string;

export interface ScanOptions {
  /** Bars between window starts, integer in [1, 105] (default {@link DEFAULT_STRIDE}). */
  stride?: number;
  /** Default: the head's native decoder (soft → threshold, CRF → viterbi). */
  decoder?: ScanDecoder;
  /** Threshold decoder: a bar is in a detection when p̄ > threshold (default 0.5), in [0, 1]. */
  threshold?: number;
  /** Detections shorter than this many bars are dropped (default 1: keep all). */
  minRunLength?: number;
  /** Windows per forward pass, at most the model's maxBatch (default min(32, maxBatch)). */
  batchSize?: number;
  /** Called after every batch with the windows done so far and the total. */
  onProgress?: (done: number, total: number) => void;
}

/** What a scan found and what it did. */
export interface ScanResult {
  /** The chosen decoder's detections. */
  detections: Detection[];
  loss: string;
  decoder: ScanDecoder;
  /** The threshold applied to the chosen decoder's score (θ for `threshold`, ½ for votes). */
  threshold: number;
  /** θ, the threshold of the threshold decoder (also used for its count when another decoder is chosen). */
  probabilityThreshold: number;
  minRunLength: number;
  stride: number;
  batchSize: number;
  /** Bars in the series. */
  bars: number;
  /** Windows scanned. */
  windows: number;
  /** Segments of the series between gaps (1 without --max-gap). */
  segments: number;
  /** Segments shorter than a window, not scanned: inclusive bar ranges. */
  skippedSegments: { start: number; end: number; bars: number }[];
  /** Combined per-bar head probability p̄ (NaN on bars no window covers). */
  probabilities: Float64Array;
  /** Combined per-bar vote v̄ of each path decoder and `single-span`. */
  votes: Record<string, Float64Array>;
  /** Detections each decoder finds on the combined series (same θ and min run length). */
  decoderCounts: Record<string, number>;
  /** Detection starts modulo the stride. */
  offsets: OffsetHistogram;
  /** The boundary-interval pass (src/predict/boundary_intervals.ts): windows whose span posterior it computed, its threads and wall time. */
  intervals: { windows: number; workers: number; seconds: number };
  /** Too few detections, or all of one class (printed by the CLI). */
  notes: string[];
  /** Worker threads used (1: the calling thread). */
  workers: number;
  /** Wall time of the scan (features, model, combination, decoding). */
  seconds: number;
  windowsPerSecond: number;
}

/** The default decoder of a span head: its native one (threshold for soft, Viterbi for CRF). */
export function defaultDecoder(head: SpanHead): ScanDecoder {
  return head.nativeDecoder;
}

/** The decoders whose combined series is a vote, in series order (after p̄). */
export function voteDecoders(head: SpanHead): string[] {
  return [...head.pathDecoders.map((decoder) => decoder.key), "single-span"];
}

export type ResolvedScanOptions = Required<Omit<ScanOptions, "onProgress">>;

/** Resolves and checks the options against the model (throws on a bad value, naming it). */
export function resolveScanOptions(model: JadeCompact, options: ScanOptions): ResolvedScanOptions {
  const stride = options.stride ?? DEFAULT_STRIDE;
  const decoder = options.decoder ?? defaultDecoder(model.head);
  if (!SCAN_DECODERS.includes(decoder)) throw new Error(`decoder must be one of ${SCAN_DECODERS.join(", ")}, got ${JSON.stringify(decoder)}`);
  const available = scanDecoders(model.head);
  if (!available.includes(decoder)) {
    const owners = SPAN_HEADS.filter((head) => scanDecoders(head).includes(decoder)).map((head) => head.label);
    throw new Error(
      `the ${decoder} decoder needs a ${owners.join(" or ")} checkpoint; this checkpoint has the ${model.head.label} head (use --decoder ${available.join(" or ")})`,
    );
  }
  const threshold = options.threshold ?? DEFAULT_THRESHOLD;
  if (!(threshold >= 0 && threshold <= 1)) throw new Error(`threshold must be a number in [0, 1], got ${threshold}`);
  const minRunLength = options.minRunLength ?? 1;
  if (!Number.isInteger(minRunLength) || minRunLength < 1 || minRunLength > model.bars) {
    throw new Error(`minRunLength must be an integer in [1, ${model.bars}], got ${minRunLength}`);
  }
  const batchSize = options.batchSize ?? Math.min(DEFAULT_PREDICT_BATCH, model.maxBatch);
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > model.maxBatch) {
    throw new Error(`batchSize must be an integer in [1, ${model.maxBatch}] (the model's maxBatch), got ${batchSize}`);
  }
  if (!Number.isInteger(stride) || stride < 1 || stride > model.bars) {
    throw new Error(`stride must be an integer in [1, ${model.bars}] (a larger stride would skip bars), got ${stride}`);
  }
  if (model.dims.classes < 2) throw new Error(`the model has ${model.dims.classes} class logits; detections need 2 (consolidation, retracement)`);
  return { stride, decoder, threshold, minRunLength, batchSize };
}

/** One chunk's part of a hindsight scan. */
export interface HindsightChunkResult {
  from: number;
  to: number;
  /** Combined series over [from, to): p̄, then one vote per {@link voteDecoders} entry. */
  series: Float64Array[];
  /** Index into the plan's starts of the chunk's first window. */
  firstWindow: number;
  /** (p(consolidation), p(retracement)) of each of the chunk's windows. */
  classes: Float64Array;
}

/**
 * Scans windows `starts[firstWindow … lastWindow)` (global starts, ascending) over `prices` and combines
 * them over the owned bars [from, to). Runs on the calling thread or a worker (the same code either way).
 */
export function scanHindsightChunk(
  model: JadeCompact,
  prices: PriceColumns,
  starts: ArrayLike<number>,
  chunk: { from: number; to: number; firstWindow: number; lastWindow: number },
  batchSize: number,
  onBatch?: (windows: number) => void,
): HindsightChunkResult {
  const length = model.bars;
  const decoders = voteDecoders(model.head);
  const combiner = new BarCombiner(chunk.from, chunk.to, length, 1 + decoders.length);
  const filler = new WindowFeatureFiller(prices, length, model.dims.features, batchSize, usesPositionFeature(model));
  const count = chunk.lastWindow - chunk.firstWindow;
  const classes = new Float64Array(2 * count);
  const single = new Uint8Array(batchSize * length);
  for (let first = 0; first < count; first += batchSize) {
    const batch = Math.min(batchSize, count - first);
    for (let b = 0; b < batch; b++) filler.fill(b, starts[chunk.firstWindow + first + b]!);
    const inference = inferBatch(model, filler.batch(batch), batch, { readings: false, paths: true, singleSpans: true });
    single.fill(0);
    for (let b = 0; b < batch; b++) {
      const span = inference.singleSpans[b]!;
      single.fill(1, b * length + span.start, b * length + span.end + 1);
    }
    const values = [inference.probabilities, ...decoders.map((key) => (key === "single-span" ? single : inference.paths[key]!))];
    for (let b = 0; b < batch; b++) {
      combiner.add(starts[chunk.firstWindow + first + b]!, values, b * length);
      const [pc, pr] = labelProbabilities(inference.classLogits, b * model.dims.classes);
      classes[2 * (first + b)] = pc;
      classes[2 * (first + b) + 1] = pr;
    }
    onBatch?.(batch);
  }
  return { from: chunk.from, to: chunk.to, series: combiner.finish(), firstWindow: chunk.firstWindow, classes };
}

/** The combined series and per-window classes of a whole scan, assembled from its chunks. */
export interface CombinedScan {
  probabilities: Float64Array;
  votes: Record<string, Float64Array>;
  /** (p(consolidation), p(retracement)) per window of the plan. */
  classes: Float64Array;
}

/** Puts chunk results (any order) into whole-series arrays. */
export function assembleChunks(head: SpanHead, barCount: number, windows: number, chunks: readonly HindsightChunkResult[]): CombinedScan {
  const decoders = voteDecoders(head);
  const series = Array.from({ length: 1 + decoders.length }, () => new Float64Array(barCount).fill(Number.NaN));
  const classes = new Float64Array(2 * windows);
  for (const chunk of chunks) {
    chunk.series.forEach((values, k) => {
      series[k]!.set(values, chunk.from);
    });
    classes.set(chunk.classes, 2 * chunk.firstWindow);
  }
  return { probabilities: series[0]!, votes: Object.fromEntries(decoders.map((key, k) => [key, series[k + 1]!])), classes };
}

/** Everything of a scan but the model's work: plan, options, bars. */
export interface ScanSetup {
  options: ResolvedScanOptions;
  plan: ScanPlan;
  barCount: number;
  breaks: number[];
}

/** Checks the options and bars and plans the windows. */
export function prepareScan(model: JadeCompact, bars: ScanBars, options: ScanOptions): ScanSetup {
  const resolved = resolveScanOptions(model, options);
  const barCount = checkScanBars(bars);
  const breaks = (bars.gaps ?? []).map((gap) => gap.index);
  return { options: resolved, plan: scanPlan(barCount, resolved.stride, model.bars, breaks), barCount, breaks };
}

/** The per-bar score and threshold of `decoder`: p̄ and θ for `threshold`, a vote and ½ for the others. */
function decoderScore(setup: ScanSetup, combined: CombinedScan, decoder: string): { score: Float64Array; threshold: number } {
  return decoder === "threshold"
    ? { score: combined.probabilities, threshold: setup.options.threshold }
    : { score: combined.votes[decoder]!, threshold: VOTE_THRESHOLD };
}

/** First bars of the segments after the first: a run never crosses one. */
function segmentStartsOf(setup: ScanSetup): Set<number> {
  return new Set(setup.plan.segmentList.slice(1).map((segment) => segment.start));
}

/** The chosen decoder's runs [a, b] on the combined series, in start order: the bars of its detections. */
export function detectionRuns(setup: ScanSetup, combined: CombinedScan): [number, number][] {
  const { score, threshold } = decoderScore(setup, combined, setup.options.decoder);
  return runsAbove(score, threshold, segmentStartsOf(setup)).filter(([a, b]) => b - a + 1 >= setup.options.minRunLength);
}

/** A boundary table (src/predict/boundary_intervals.ts windowBoundaries) computed elsewhere, e.g. on worker threads. */
export interface PrecomputedBoundaries {
  /** Over the windows neededWindows(plan.starts, detectionRuns(…)) lists, in that order. */
  table: Int32Array;
  workers: number;
  seconds: number;
}

/**
 * Decodes the combined series with every decoder and builds the result; the chosen decoder's detections
 * get their boundary intervals from the span posteriors of the windows containing them — computed here on
 * the calling thread unless `boundaries` brings them (the same numbers either way).
 */
export function finishScan(
  model: JadeCompact,
  bars: ScanBars,
  setup: ScanSetup,
  combined: CombinedScan,
  started: number,
  workers: number,
  boundaries?: PrecomputedBoundaries,
): ScanResult {
  const { options, plan, barCount } = setup;
  const length = model.bars;
  const starts = plan.starts;
  const prefix = weightPrefix(length);
  const segmentStarts = segmentStartsOf(setup);
  const timestamps = barTimestamps(bars);
  const scoreOf = (decoder: string) => decoderScore(setup, combined, decoder).score;
  const thresholdOf = (decoder: string) => decoderScore(setup, combined, decoder).threshold;
  // The chosen decoder's runs first, so that only the windows containing one get a span posterior.
  const intervalsStarted = performance.now();
  const runs = detectionRuns(setup, combined);
  const needed = neededWindows(starts, runs, length);
  const prices = { open: bars.open, high: bars.high, low: bars.low, close: bars.close, offset: 0 };
  const table =
    boundaries?.table ??
    windowBoundaries(
      model,
      prices,
      needed.map((k) => starts[k]!),
      options.batchSize,
    );
  const intervals = assignBoundaryIntervals(starts, runs, needed, table, timestamps, length);
  const intervalSeconds = (boundaries?.seconds ?? 0) + (performance.now() - intervalsStarted) / 1000;
  const decoder = options.decoder;
  const detections: Detection[] = detectionsFromScores(scoreOf(decoder), {
    mode: "hindsight",
    decoder,
    scoreName: decoder === "threshold" ? "p" : "vote",
    threshold: thresholdOf(decoder),
    minRunLength: options.minRunLength,
    segmentStarts,
    timestamps,
    classes(a, b) {
      let weight = 0;
      let consolidation = 0;
      let retracement = 0;
      for (let k = lowerBound(starts, a - length + 1); k < starts.length && starts[k]! <= b; k++) {
        const w = windowWeightOver(prefix, length, starts[k]!, a, b);
        weight += w;
        consolidation += w * combined.classes[2 * k]!;
        retracement += w * combined.classes[2 * k + 1]!;
      }
      return [consolidation / weight, retracement / weight];
    },
    windowsCovering: (a, b) => lowerBound(starts, b + 1) - lowerBound(starts, a - length + 1),
    // The combined score of bar t is final once the last window covering t (the latest start ≤ t) is read.
    knownAt: (t) => Math.min(barCount - 1, starts[lowerBound(starts, t + 1) - 1]! + length - 1),
    // The same runs, in the same order, as the pass above was given.
    boundaryIntervals: (k) => intervals[k]!,
  });
  // The other decoders are only counted (the report names them when the chosen one finds little).
  const decoderCounts = Object.fromEntries(
    scanDecoders(model.head).map((decoder) => [
      decoder,
      decoder === options.decoder ? detections.length : countDetections(scoreOf(decoder), thresholdOf(decoder), options.minRunLength, segmentStarts),
    ]),
  );
  const seconds = (performance.now() - started) / 1000;
  return {
    detections,
    loss: model.loss,
    decoder: options.decoder,
    threshold: options.decoder === "threshold" ? options.threshold : VOTE_THRESHOLD,
    probabilityThreshold: options.threshold,
    minRunLength: options.minRunLength,
    stride: options.stride,
    batchSize: options.batchSize,
    bars: barCount,
    windows: starts.length,
    segments: plan.segments,
    skippedSegments: plan.skipped.map(({ start, end }) => ({ start, end: end - 1, bars: end - start })),
    probabilities: combined.probabilities,
    votes: combined.votes,
    decoderCounts,
    offsets: offsetHistogram(
      detections.map((d) => d.start_index),
      options.stride,
      plan.segmentList,
    ),
    intervals: { windows: needed.length, workers: boundaries?.workers ?? 1, seconds: intervalSeconds },
    notes: detectionNotes(detections, barCount, options.decoder, decoderCounts),
    workers,
    seconds,
    windowsPerSecond: starts.length / Math.max(seconds, 1e-9),
  };
}

/**
 * Scans `bars` with `model` (dropout off) on the calling thread: windows, combination, decoding.
 * Deterministic, independent of the batch size, and equal to the chunked scan on worker threads
 * (src/predict/scan_parallel.ts).
 */
export function scanBars(model: JadeCompact, bars: ScanBars, options: ScanOptions = {}): ScanResult {
  const started = performance.now();
  const setup = prepareScan(model, bars, options);
  const { plan, barCount } = setup;
  let done = 0;
  const chunk = scanHindsightChunk(
    model,
    { open: bars.open, high: bars.high, low: bars.low, close: bars.close, offset: 0 },
    plan.starts,
    { from: 0, to: barCount, firstWindow: 0, lastWindow: plan.starts.length },
    setup.options.batchSize,
    (windows) => {
      done += windows;
      options.onProgress?.(done, plan.starts.length);
    },
  );
  return finishScan(model, bars, setup, assembleChunks(model.head, barCount, plan.starts.length, [chunk]), started, 1);
}
