/**
 * Scanning a bar series: slide 105-bar windows over raw bars, run the model on each window, decode
 * each window's span runs and merge them into detections over the whole series (src/predict/merge.ts).
 *
 * Windows start every `stride` bars from bar 0; when the last one does not end on the series' last bar,
 * one more window is aligned to the end, so every bar is covered. Bars are a sequence: weekends, holidays
 * and session breaks are crossed, as training windows cross them (src/data/breaks.ts). Only the series'
 * `gaps` — breaks longer than `--max-gap`, none unless it is given — cut it into segments, scanned
 * separately: no window crosses one, and a segment shorter than a window cannot be scanned — it is
 * reported in `skippedSegments`, never silently dropped. Features are computed PER WINDOW from
 * its own 105 bars exactly as in training (docs/spec.md §2: range EMA, ATR and zigzag restart at the window's
 * first bar) — never from a running series-wide state, which the model has never seen.
 *
 * Decoders, per window (the span head says which it has, src/model/span_head.ts):
 *  - `threshold`: bars with p > threshold, then runs (minus runs shorter than minRunLength). p is the
 *    head's per-bar probability (sigmoid of the soft head, the CRF's posterior marginals).
 *  - a head's path decoders (the CRF's `viterbi`): the runs of its tag path.
 *  - `single-span`: the one best span of the window (soft: max summed log-odds; CRF: best path with
 *    exactly one run) — by construction every window yields one, so this decoder always finds something.
 * Default: the head's native decoder (soft → threshold, CRF → viterbi).
 *
 * The hot loop allocates no per-window buffers of its own: the window's bars, the (B, 105, F) feature
 * batch and the model's activations are allocated once and reused; the feature builder and the decoders
 * allocate only their small per-window results.
 */
import { existsSync, readFileSync, realpathSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { WINDOW_BARS, type Bar } from "../data/window.js";
import { computeRelativityFeatures } from "../features/index.js";
import { SPAN_HEADS } from "../model/heads/registry.js";
import { inferBatch } from "../model/inference.js";
import type { JadeCompact } from "../model/jade_compact.js";
import { filterRunsByLength, runsFromMask, type Run } from "../model/span_decoding.js";
import type { SpanHead } from "../model/span_head.js";
import { DetectionMerger, labelProbabilities, type Detection } from "./merge.js";
import { DEFAULT_PREDICT_BATCH, DEFAULT_THRESHOLD, usesPositionFeature } from "./predict.js";

/**
 * Default stride: 26 ≈ 105/4, so every bar is seen by about four windows, at four different positions.
 * That matters because a window's first bars are its warm-up (EMA, ATR and zigzag restart at bar 0) and
 * its edges have one-sided BiLSTM context: with stride 26, every bar from bar 26 of the series on is
 * seen at least once at a position in [26, 51], well inside a window, and the merge averages four
 * views of each bar. It costs 1/26 of the windows of stride 1 (≈ 15,400 windows for a year of 1-minute
 * bars). It is also half the reference's ±52-bar overlap shift (docs/spec.md §1).
 */
export const DEFAULT_STRIDE = 26;

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

/**
 * The bars a scan reads: a structural subset of `BarSeries` (src/data/bars.ts), so a series read from a
 * file and one built in memory both fit. Arrays are per bar, oldest first, all the same length.
 */
export interface ScanBars {
  /** Bar open times, milliseconds since the epoch (UTC); empty or null for none. */
  timestamps: ArrayLike<number> | null;
  open: ArrayLike<number>;
  high: ArrayLike<number>;
  low: ArrayLike<number>;
  close: ArrayLike<number>;
  /** Breaks no window may cross (BarSeries.gaps: longer than --max-gap): `index` is the first bar after each. Absent: none. */
  gaps?: readonly { index: number }[];
}

export interface ScanOptions {
  /** Bars between window starts, integer in [1, 105] (default {@link DEFAULT_STRIDE}). */
  stride?: number;
  /** Default: the head's native decoder (soft → threshold, CRF → viterbi). */
  decoder?: ScanDecoder;
  /** Threshold decoder: a bar is in a run when p > threshold (default 0.5), in [0, 1]. */
  threshold?: number;
  /** Runs shorter than this many bars are dropped per window before merging (default 1: keep all). */
  minRunLength?: number;
  /** Windows per forward pass, at most the model's maxBatch (default min(32, maxBatch)). */
  batchSize?: number;
  /** Called after every batch with the windows done so far and the total. */
  onProgress?: (done: number, total: number) => void;
}

/** What a scan found and what it did. */
export interface ScanResult {
  detections: Detection[];
  loss: string;
  decoder: ScanDecoder;
  /** The threshold applied (threshold decoder), else null. */
  threshold: number | null;
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
  /** Wall time of the scan (features, model, decoding, merge). */
  seconds: number;
  windowsPerSecond: number;
}

/** The default decoder of a span head: its native one (threshold for soft, Viterbi for CRF). */
export function defaultDecoder(head: SpanHead): ScanDecoder {
  return head.nativeDecoder;
}

/**
 * Window start indices over `barCount` bars: 0, stride, 2·stride, … while the window fits, then one
 * window aligned to the end (start barCount − windowLength) if the last did not already end there.
 */
export function windowStarts(barCount: number, stride: number, windowLength: number = WINDOW_BARS): number[] {
  if (!Number.isInteger(windowLength) || windowLength < 1) throw new Error(`window length must be a positive integer, got ${windowLength}`);
  if (!Number.isInteger(stride) || stride < 1 || stride > windowLength) {
    throw new Error(`stride must be an integer in [1, ${windowLength}] (a larger stride would skip bars), got ${stride}`);
  }
  if (!Number.isInteger(barCount) || barCount < windowLength) {
    throw new Error(`a scan needs at least ${windowLength} bars (one window), got ${barCount}`);
  }
  const starts: number[] = [];
  const last = barCount - windowLength;
  for (let s = 0; s <= last; s += stride) starts.push(s);
  if (starts[starts.length - 1] !== last) starts.push(last);
  return starts;
}

/** A gap-free stretch of bars [start, end), scanned on its own. */
export interface Segment {
  start: number;
  end: number;
}

/** The gap-free segments of `barCount` bars cut at `breaks` (indices of the first bar after each gap). */
export function segmentsOf(barCount: number, breaks: readonly number[] = []): Segment[] {
  const cuts = [...new Set(breaks)].sort((a, b) => a - b);
  for (const cut of cuts) {
    if (!Number.isInteger(cut) || cut < 1 || cut >= barCount) throw new Error(`gap index ${cut} is not a bar index in [1, ${barCount - 1}]`);
  }
  const bounds = [0, ...cuts, barCount];
  return bounds.slice(1).map((end, k) => ({ start: bounds[k]!, end }));
}

/**
 * Window starts over every segment long enough for a window ({@link windowStarts} within each, shifted
 * to global indices), and the segments too short to scan.
 */
export function scanPlan(
  barCount: number,
  stride: number,
  windowLength: number,
  breaks: readonly number[] = [],
): { starts: number[]; skipped: Segment[]; segments: number } {
  const starts: number[] = [];
  const skipped: Segment[] = [];
  const segments = segmentsOf(barCount, breaks);
  for (const segment of segments) {
    const bars = segment.end - segment.start;
    if (bars < windowLength) {
      skipped.push(segment);
      continue;
    }
    for (const s of windowStarts(bars, stride, windowLength)) starts.push(segment.start + s);
  }
  if (starts.length === 0) {
    throw new Error(
      `a scan needs at least ${windowLength} consecutive bars (one window); ` +
        (breaks.length > 0 ? `no gap-free stretch of the ${barCount} bars is that long` : `got ${barCount}`),
    );
  }
  return { starts, skipped, segments: segments.length };
}

/** Runs of p > threshold in p[offset, offset + length), window-local. */
function thresholdRuns(p: Float32Array, offset: number, length: number, threshold: number): Run[] {
  const runs: Run[] = [];
  let runStart = -1;
  for (let t = 0; t < length; t++) {
    const on = p[offset + t]! > threshold;
    if (on && runStart < 0) runStart = t;
    else if (!on && runStart >= 0) {
      runs.push([runStart, t - 1]);
      runStart = -1;
    }
  }
  if (runStart >= 0) runs.push([runStart, length - 1]);
  return runs;
}

/** Checks the series' arrays: equal lengths, finite prices (named by bar index). */
function checkBars(bars: ScanBars): number {
  const n = bars.close.length;
  for (const [name, values] of [
    ["open", bars.open],
    ["high", bars.high],
    ["low", bars.low],
  ] as const) {
    if (values.length !== n) throw new Error(`bars: ${name} has ${values.length} values but close has ${n}`);
  }
  if (bars.timestamps !== null && bars.timestamps.length !== 0 && bars.timestamps.length !== n) {
    throw new Error(`bars: ${bars.timestamps.length} timestamps for ${n} bars`);
  }
  for (const [name, values] of [
    ["open", bars.open],
    ["high", bars.high],
    ["low", bars.low],
    ["close", bars.close],
  ] as const) {
    for (let i = 0; i < n; i++) {
      if (!Number.isFinite(values[i]!)) throw new Error(`bars: bar ${i} has a non-finite ${name} (${values[i]})`);
    }
  }
  return n;
}

/** Resolves and checks the options against the model (throws on a bad value, naming it). */
export function resolveScanOptions(model: JadeCompact, options: ScanOptions): Required<Omit<ScanOptions, "onProgress">> {
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
  return { stride, decoder, threshold, minRunLength, batchSize };
}

/**
 * Scans `bars` with `model` (dropout off): slides windows, decodes each, merges the runs into
 * detections. Deterministic, and independent of the batch size.
 */
export function scanBars(model: JadeCompact, bars: ScanBars, options: ScanOptions = {}): ScanResult {
  const started = performance.now();
  const { stride, decoder, threshold, minRunLength, batchSize } = resolveScanOptions(model, options);
  const barCount = checkBars(bars);
  const length = model.bars;
  const breaks = (bars.gaps ?? []).map((gap) => gap.index);
  const { starts, skipped, segments } = scanPlan(barCount, stride, length, breaks);
  const position = usesPositionFeature(model);
  const width = model.dims.features;
  if (model.dims.classes < 2) throw new Error(`the model has ${model.dims.classes} class logits; detections need 2 (consolidation, retracement)`);

  const merger = new DetectionMerger(barCount, length, breaks);
  // Reused across windows: the window's bars (mutable tuples) and the batch's feature tensor.
  const windowBars: Bar[] = Array.from({ length }, () => [0, 0, 0, 0] as Bar);
  const input = new Float32Array(batchSize * length * width);
  const { open, high, low, close } = bars;

  for (let first = 0; first < starts.length; first += batchSize) {
    const batch = Math.min(batchSize, starts.length - first);
    for (let b = 0; b < batch; b++) {
      const start = starts[first + b]!;
      for (let t = 0; t < length; t++) {
        const bar = windowBars[t]!;
        const i = start + t;
        bar[0] = open[i]!;
        bar[1] = high[i]!;
        bar[2] = low[i]!;
        bar[3] = close[i]!;
      }
      input.set(computeRelativityFeatures(windowBars, { position }), b * length * width);
    }
    // Only what the decoder reads is computed: a scan runs over hundreds of thousands of windows.
    const inference = inferBatch(model, input.subarray(0, batch * length * width), batch, {
      readings: false,
      paths: decoder !== "threshold" && decoder !== "single-span",
      singleSpans: decoder === "single-span",
    });
    const p = inference.probabilities;
    let perWindow: (b: number) => Run[];
    if (decoder === "threshold") {
      perWindow = (b) => thresholdRuns(p, b * length, length, threshold);
    } else if (decoder === "single-span") {
      perWindow = (b) => [[inference.singleSpans[b]!.start, inference.singleSpans[b]!.end]];
    } else {
      const tags = inference.paths[decoder]!;
      perWindow = (b) => runsFromMask(tags.subarray(b * length, (b + 1) * length));
    }
    for (let b = 0; b < batch; b++) {
      let runs = perWindow(b);
      if (minRunLength > 1) runs = filterRunsByLength(runs, minRunLength);
      merger.addWindow(starts[first + b]!, p.subarray(b * length, (b + 1) * length), runs, labelProbabilities(inference.classLogits, b * model.dims.classes));
    }
    options.onProgress?.(first + batch, starts.length);
  }

  const timestamps = bars.timestamps !== null && bars.timestamps.length === barCount ? bars.timestamps : null;
  const detections = merger.finish(timestamps, decoder);
  const seconds = (performance.now() - started) / 1000;
  return {
    detections,
    loss: model.loss,
    decoder,
    threshold: decoder === "threshold" ? threshold : null,
    minRunLength,
    stride,
    batchSize,
    bars: barCount,
    windows: starts.length,
    segments,
    skippedSegments: skipped.map(({ start, end }) => ({ start, end: end - 1, bars: end - start })),
    seconds,
    windowsPerSecond: starts.length / Math.max(seconds, 1e-9),
  };
}

/** Where a scan's threshold came from. */
export interface ThresholdSource {
  threshold: number;
  /** The compare run's minimum run length (the threshold was chosen with it), or null when not from a run. */
  minRunLength: number | null;
  /** In words, for the output file and the console. */
  source: string;
  /** True when the threshold was read from a comparison.json. */
  fromComparison: boolean;
}

interface ComparisonRunEntry {
  objective?: unknown;
  seed?: unknown;
  runDirectory?: unknown;
  evaluation?: { minRunLength?: unknown; thresholds?: { threshold?: unknown; source?: unknown }[] };
}

function samePath(a: string, b: string): boolean {
  const real = (p: string) => (existsSync(p) ? realpathSync(p) : resolve(p));
  return real(a) === real(b);
}

/**
 * The threshold of the checkpoint's compare run, when the checkpoint lives in a compare bundle
 * (`<bundle>/runs/<objective>-seed<k>/{last,best}.safetensors`, with `<bundle>/comparison.json` listing
 * the run under `runs[].runDirectory`): that run's `evaluation.thresholds[0].threshold` — chosen by the
 * best pooled F1 on its TRAINING windows, on the same probabilities a scan thresholds (sigmoid / CRF
 * posterior marginals) — and the minimum run length it was chosen with. Otherwise 0.5, with the reason.
 */
export function comparisonThreshold(checkpoint: string, loss?: string): ThresholdSource {
  const fallback = (reason: string): ThresholdSource => ({
    threshold: DEFAULT_THRESHOLD,
    minRunLength: null,
    source: `default ${DEFAULT_THRESHOLD} (${reason})`,
    fromComparison: false,
  });
  const runDirectory = dirname(resolve(checkpoint));
  const bundle = resolve(runDirectory, "..", "..");
  const file = join(bundle, "comparison.json");
  if (!existsSync(file)) return fallback(`no comparison.json two folders above the checkpoint, so it is not in a compare bundle`);
  let parsed: { runs?: unknown };
  try {
    parsed = JSON.parse(readFileSync(file, "utf8")) as { runs?: unknown };
  } catch (error) {
    return fallback(`${file} could not be read: ${(error as Error).message}`);
  }
  if (!Array.isArray(parsed.runs)) return fallback(`${file} has no runs list`);
  const entry = (parsed.runs as ComparisonRunEntry[]).find(
    (run) => typeof run?.runDirectory === "string" && samePath(resolve(bundle, run.runDirectory), runDirectory),
  );
  const where = relative(bundle, runDirectory) || ".";
  if (!entry) return fallback(`${file} lists no run in ${where}`);
  if (loss !== undefined && typeof entry.objective === "string" && entry.objective !== loss) {
    return fallback(`${file} says run ${where} is ${entry.objective}, but the checkpoint has the ${loss} head`);
  }
  const choice = entry.evaluation?.thresholds?.[0];
  const threshold = choice?.threshold;
  if (typeof threshold !== "number" || !(threshold >= 0 && threshold <= 1)) {
    return fallback(`${file}: run ${where} has no evaluation.thresholds[0].threshold in [0, 1]`);
  }
  const minRun = entry.evaluation?.minRunLength;
  return {
    threshold,
    minRunLength: typeof minRun === "number" && Number.isInteger(minRun) && minRun >= 1 ? minRun : null,
    source: `compare run ${where} in ${file} (chosen by best pooled F1 on that run's training windows)`,
    fromComparison: true,
  };
}
