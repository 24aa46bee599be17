/**
 * `spanlab predict`, two inputs:
 *
 *  - `--data F` (windows; the bundled dataset by default) `--out F.json`: per window, the per-bar span
 *    probabilities, the decoded paths and span, the span posterior's summary (`--top-k` spans listed),
 *    class probabilities and pointers (src/predict/predict.ts), with a one-line summary on stdout.
 *  - `--bars F` (raw bars, CSV or Parquet) `--out F.csv|F.json`: the hindsight scan (src/predict/scan.ts:
 *    windows combined per bar, decoded once), with `--live` the live scan too (src/predict/live.ts), one
 *    detection per row (CSV + a `.md` sidecar defining the columns) or a JSON report, each hindsight
 *    detection with 90% intervals of its start and end (src/predict/boundary_intervals.ts); `--probabilities`
 *    writes the per-bar series, `--annotations` scores the detections beside the rule and random
 *    detectors (src/predict/evaluate.ts), `--html` draws them (src/report/detection_chart.ts).
 */
import type { Command } from "commander";
import { positiveIntegerFlag, probabilityFlag } from "./flags.js";
import { extname } from "node:path";
import cliProgress from "cli-progress";
import { readAnnotations, type AnnotationSet } from "../data/annotations.js";
import { describeBars, readBars, type BarSeries } from "../data/bars.js";
import { breaksJson, type BreaksJson } from "../data/breaks.js";
import { BAR_READING_HELP, barReadingOptions } from "../data/read_options.js";
import { formatInterval } from "../data/timestamps.js";
import { eventsOnBars } from "../eval/event_bars.js";
import type { TwoFeatureRule } from "../eval/rule_baseline.js";
import { loadCheckpoint } from "../model/checkpoint.js";
import { SPAN_HEADS } from "../model/heads/registry.js";
import { columnsSidecar, DETECTION_COLUMNS, detectionsCsv, PROBABILITY_COLUMNS, probabilitiesCsv, sidecarPath } from "../predict/detections_io.js";
import { assertEventsOnBars, evaluateDetections, formatEvaluation, type EvaluationReport } from "../predict/evaluate.js";
import type { LiveResult } from "../predict/live.js";
import { isoTime, type Detection } from "../predict/merge.js";
import { describeOffsets, offsetWarning } from "../predict/offsets.js";
import { DEFAULT_PREDICT_BATCH, DEFAULT_THRESHOLD, predictFile, type PredictionReport } from "../predict/predict.js";
import { comparisonThreshold, DEFAULT_STRIDE, defaultDecoder, resolveScanOptions, SCAN_DECODERS, type ScanDecoder, type ScanResult } from "../predict/scan.js";
import { scanBarsParallel, scanLiveParallel } from "../predict/scan_parallel.js";
import { detectionChartHtml } from "../report/detection_chart.js";
import { assertWritable, writeFileAtomic } from "../util/files.js";
import { defaultDataPath } from "../util/package.js";

export { DETECTION_CSV_HEADER } from "../predict/detections_io.js";

interface PredictFlags {
  checkpoint: string;
  data?: string;
  bars?: string;
  out: string;
  threshold?: string;
  batchSize: string;
  topK?: string;
  skipInvalid: boolean;
  stride?: string;
  decoder?: string;
  minRunLength?: string;
  live: boolean;
  annotations?: string;
  probabilities?: string;
  html?: string;
  workers?: string;
  iou?: string;
  tolerance?: string;
  seed?: string;
  ruleThresholds?: string;
  /** No effect (breaks are accepted); kept so old scripts still run. */
  allowGaps: boolean;
  timezone?: string;
  columns?: string;
  decimal?: string;
  maxGap?: string;
  force: boolean;
}

/** The JSON file `spanlab predict --bars --out F.json` writes. */
export interface DetectionReport {
  checkpoint: string;
  loss_type: string;
  bars: {
    source: string;
    mapping: BarSeries["mapping"];
    count: number;
    from: string;
    to: string;
    interval: string;
    timezone: string;
    breaks: BreaksJson;
    gaps: number;
    skipped_segments: ScanResult["skippedSegments"];
  };
  decoding: {
    decoder: ScanDecoder;
    /** The threshold applied to the decoder's score (θ for threshold, ½ for a vote). */
    threshold: number;
    /** θ of the threshold decoder (and of --live), and where it came from. */
    probability_threshold: number;
    threshold_source: string;
    min_run_length: number;
    min_run_length_source: string;
    stride: number;
    window_bars: number;
    windows: number;
    segments: number;
    batch_size: number;
    decoder_counts: Record<string, number>;
    offsets: ScanResult["offsets"];
    notes: string[];
  };
  /** Every column of a detection, defined. */
  columns: Record<string, string>;
  detections: Detection[];
  live_detections: Detection[] | null;
  evaluation: EvaluationReport | null;
}

/** `--iou`, `--tolerance`, `--seed`, `--rule-thresholds`, shared with `spanlab evaluate`. */
export function scoringFlags(flags: { iou?: string; tolerance?: string; seed?: string; ruleThresholds?: string }): {
  iou: number;
  tolerance: number;
  seed: number;
  rule?: TwoFeatureRule;
} {
  const iou = flags.iou === undefined ? 0.5 : Number(flags.iou);
  if (!(iou > 0 && iou <= 1)) throw new Error(`--iou must be a number in (0, 1], got ${JSON.stringify(flags.iou)}`);
  const tolerance = flags.tolerance === undefined ? 3 : Number(flags.tolerance);
  if (!Number.isInteger(tolerance) || tolerance < 0) throw new Error(`--tolerance must be an integer ≥ 0 (bars), got ${JSON.stringify(flags.tolerance)}`);
  const seed = flags.seed === undefined ? 42 : Number(flags.seed);
  if (!Number.isSafeInteger(seed)) throw new Error(`--seed must be an integer, got ${JSON.stringify(flags.seed)}`);
  if (flags.ruleThresholds === undefined) return { iou, tolerance, seed };
  const parts = flags.ruleThresholds.split(",").map(Number);
  if (parts.length !== 2 || !parts.every((x) => Number.isFinite(x) && x >= 0)) {
    throw new Error(`--rule-thresholds must be a,b (range_z > a, |expansion_proxy| > b; e.g. 1.2,0.3), got ${JSON.stringify(flags.ruleThresholds)}`);
  }
  return { iou, tolerance, seed, rule: { rangeZThreshold: parts[0]!, expansionProxyThreshold: parts[1]! } };
}

/** A progress bar on a terminal for long scans; nothing otherwise (pipes and logs get the summary line). */
function scanProgress(label: string): { onProgress?: (done: number, total: number) => void; stop(): void } {
  if (!process.stderr.isTTY) return { stop() {} };
  const bar = new cliProgress.SingleBar(
    { stream: process.stderr, format: `${label} |{bar}| {value}/{total} windows  ETA {eta_formatted}`, hideCursor: true },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    onProgress(done, total) {
      if (!started) {
        bar.start(total, 0);
        started = true;
      }
      bar.update(done);
    },
    stop() {
      if (started) bar.stop();
    },
  };
}

/** The lines printed after a hindsight scan: decoding, windows, detections per decoder, offsets, notes. */
export function formatScanSummary(out: string, result: ScanResult, thresholdSource: string): string {
  const decoding =
    result.decoder === "threshold"
      ? `threshold decoder: combined p > ${result.threshold} (threshold from: ${thresholdSource})`
      : `${result.decoder} decoder: combined vote of the windows' ${result.decoder} paths > ${result.threshold}`;
  const skipped =
    result.skippedSegments.length > 0
      ? `; ${result.skippedSegments.length} stretch(es) between breaks longer than --max-gap shorter than a window, not scanned (${result.skippedSegments.reduce((s, g) => s + g.bars, 0)} bars)`
      : "";
  const counts = Object.entries(result.decoderCounts)
    .map(([decoder, n]) => `${decoder} ${n}${decoder === "threshold" ? ` (p > ${result.probabilityThreshold})` : ""}`)
    .join(", ");
  const warning = offsetWarning(result.offsets);
  return [
    `decoding: ${result.loss} head, stride ${result.stride}, min run length ${result.minRunLength}, ${decoding}`,
    `scanned ${result.windows} windows over ${result.bars} bars (${result.segments} segment(s))${skipped} on ${result.workers} thread(s) in ${result.seconds.toFixed(2)} s: ${result.windowsPerSecond.toFixed(0)} windows/s`,
    `detections by decoder on the combined series: ${counts}`,
    `boundary intervals (90%, each detection's supporting window): span posteriors of ${result.intervals.windows} window(s) containing a detection on ${result.intervals.workers} thread(s) in ${result.intervals.seconds.toFixed(2)} s`,
    warning ?? describeOffsets(result.offsets),
    ...result.notes.map((note) => `note: ${note}`),
    `${out}: ${result.detections.length} hindsight detection(s); confidence = mean of the ${result.decoder === "threshold" ? "combined p" : "combined vote"} over a detection's bars`,
  ].join("\n");
}

function formatLiveSummary(live: LiveResult): string {
  return [
    `live: one window ending at each of ${live.windows} bars (${live.bars - live.windows} bars have fewer than 104 bars before them in their segment: no live p) on ${live.workers} thread(s) in ${live.seconds.toFixed(2)} s: ${live.windowsPerSecond.toFixed(0)} windows/s`,
    `live: ${live.detections.length} detection(s), p_live > ${live.threshold}, min run length ${live.minRunLength}; each known at known_at_index`,
    ...live.notes.map((note) => `note: live: ${note}`),
  ].join("\n");
}

/** The summary line: windows, head, mean in-span probability and decoded spans hitting the truth. */
export function formatPredictionSummary(out: string, report: PredictionReport): string {
  const s = report.summary;
  const mean = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : "n/a");
  return (
    `${out}: ${s.windows} windows, ${report.loss_type} head, mean p in span ${mean(s.mean_in_span_probability)} ` +
    `(out of span ${mean(s.mean_out_of_span_probability)}), decoded span IoU ≥ 0.5 in ${s.span_hits}/${s.windows} windows`
  );
}

/** `spanlab predict --bars`: everything after the flags were read. */
async function predictOnBars(flags: PredictFlags & { bars: string }): Promise<void> {
  if (flags.skipInvalid) throw new Error("--skip-invalid applies to --data (windows); bars files are refused with every problem listed");
  if (flags.topK !== undefined)
    throw new Error("--top-k applies to --data (each window's span posterior); a scan of bars writes only each detection's boundary intervals");
  const format = extname(flags.out).toLowerCase();
  if (format !== ".csv" && format !== ".json") {
    throw new Error(`--out must end in .csv (one detection per row) or .json (detections with the bars and decoding used), got ${JSON.stringify(flags.out)}`);
  }
  if (flags.probabilities !== undefined && extname(flags.probabilities).toLowerCase() !== ".csv") {
    throw new Error(`--probabilities must end in .csv, got ${JSON.stringify(flags.probabilities)}`);
  }
  if (flags.html !== undefined && !/\.html?$/i.test(flags.html)) throw new Error(`--html must end in .html, got ${JSON.stringify(flags.html)}`);
  const batchSize = positiveIntegerFlag("batch-size", flags.batchSize);
  const stride = flags.stride === undefined ? DEFAULT_STRIDE : positiveIntegerFlag("stride", flags.stride, 105);
  const workers = flags.workers === undefined ? undefined : positiveIntegerFlag("workers", flags.workers, 256);
  if (flags.decoder !== undefined && !(SCAN_DECODERS as readonly string[]).includes(flags.decoder)) {
    throw new Error(`--decoder must be one of ${SCAN_DECODERS.join(", ")}, got ${JSON.stringify(flags.decoder)}`);
  }
  const explicitThreshold = flags.threshold === undefined ? undefined : probabilityFlag("threshold", flags.threshold);
  const explicitMinRun = flags.minRunLength === undefined ? undefined : positiveIntegerFlag("min-run-length", flags.minRunLength, 105);
  const scoring = scoringFlags(flags);
  const reading = barReadingOptions(flags);
  // Refuse before the work, so a long scan never ends in a refusal.
  const outputs = [flags.out, ...(format === ".csv" ? [sidecarPath(flags.out)] : [])];
  if (flags.probabilities !== undefined) outputs.push(flags.probabilities, sidecarPath(flags.probabilities));
  if (flags.html !== undefined) outputs.push(flags.html);
  for (const path of outputs) assertWritable(path, flags.force);

  const { model } = loadCheckpoint(flags.checkpoint, { maxBatch: batchSize });
  const decoder = flags.decoder ?? defaultDecoder(model.head);
  let threshold = DEFAULT_THRESHOLD;
  let thresholdSource: string;
  let minRunLength = explicitMinRun ?? 1;
  let minRunSource = explicitMinRun !== undefined ? "--min-run-length" : "default 1 (keep every run)";
  if (decoder !== "threshold" && explicitThreshold !== undefined && !flags.live) {
    throw new Error(`--threshold applies to the threshold decoder and to --live; the ${decoder} decoder does not threshold p`);
  }
  if (explicitThreshold !== undefined) {
    threshold = explicitThreshold;
    thresholdSource = "--threshold";
  } else {
    const choice = comparisonThreshold(flags.checkpoint, model.loss);
    threshold = choice.threshold;
    thresholdSource = choice.source;
    if (explicitMinRun === undefined && choice.minRunLength !== null) {
      minRunLength = choice.minRunLength;
      minRunSource = "the compare run (the threshold was chosen with it)";
    }
  }
  // Check the options against the model (e.g. viterbi on a soft head) before reading a large file.
  const scanOptions = { stride, decoder, threshold, minRunLength, batchSize, ...(workers !== undefined ? { workers } : {}) };
  resolveScanOptions(model, scanOptions);

  const bars = await readBars(flags.bars, reading);
  process.stdout.write(`${describeBars(bars)}\n`);
  const n = bars.timestamps.length;
  if (n < model.bars) throw new Error(`${bars.source}: ${n} bars; a scan needs at least ${model.bars} (one window)`);
  let annotations: AnnotationSet | null = null;
  if (flags.annotations !== undefined) {
    annotations = await readAnnotations(flags.annotations, reading.timezone !== undefined ? { timezone: reading.timezone } : {});
    assertEventsOnBars(flags.annotations, bars, bars.intervalMs, annotations.events);
  }

  const progress = scanProgress("scan");
  let result: ScanResult;
  try {
    result = await scanBarsParallel(model, bars, { ...scanOptions, ...(progress.onProgress ? { onProgress: progress.onProgress } : {}) });
  } finally {
    progress.stop();
  }
  process.stdout.write(`${formatScanSummary(flags.out, result, thresholdSource)}\n`);
  let live: LiveResult | null = null;
  if (flags.live) {
    const liveProgress = scanProgress("live");
    try {
      live = await scanLiveParallel(model, bars, {
        threshold,
        minRunLength,
        batchSize,
        ...(workers !== undefined ? { workers } : {}),
        ...(liveProgress.onProgress ? { onProgress: liveProgress.onProgress } : {}),
      });
    } finally {
      liveProgress.stop();
    }
    process.stdout.write(`${formatLiveSummary(live)}\n`);
  }

  let evaluation: EvaluationReport | null = null;
  if (annotations !== null) {
    const scored = (found: readonly Detection[]) => found.map((d) => ({ start: d.start_index, end: d.end_index, knownAt: d.known_at_index }));
    evaluation = evaluateDetections(
      bars,
      bars.intervalMs,
      annotations.events,
      { hindsight: scored(result.detections), live: live === null ? null : scored(live.detections) },
      { ...scoring, stride },
    );
    process.stdout.write(`${formatEvaluation(evaluation)}\n`);
  }

  const context = [
    `checkpoint: ${flags.checkpoint} (${model.loss} head)`,
    `bars: ${bars.source}, ${n} bars, ${isoTime(bars.timestamps[0]!)} … ${isoTime(bars.timestamps[n - 1]!)}, timezone of naive times ${bars.timezone}`,
    `hindsight: ${result.decoder} decoder, threshold ${result.threshold} on ${result.decoder === "threshold" ? "the combined p" : "the combined vote"}; θ ${threshold} from ${thresholdSource}; stride ${stride}, ${result.windows} windows, min run length ${minRunLength} (${minRunSource})`,
    ...(live === null ? [] : [`live: p_live > ${live.threshold}, min run length ${live.minRunLength}, ${live.windows} windows (one ending at each bar)`]),
  ];
  const all = [...result.detections, ...(live?.detections ?? [])];
  if (format === ".csv") {
    writeFileAtomic(flags.out, detectionsCsv(all));
    writeFileAtomic(sidecarPath(flags.out), columnsSidecar(`Columns of ${flags.out}`, DETECTION_COLUMNS, context));
  } else {
    const report: DetectionReport = {
      checkpoint: flags.checkpoint,
      loss_type: model.loss,
      bars: {
        source: bars.source,
        mapping: bars.mapping,
        count: n,
        from: isoTime(bars.timestamps[0]!),
        to: isoTime(bars.timestamps[n - 1]!),
        interval: formatInterval(bars.intervalMs),
        timezone: bars.timezone,
        breaks: breaksJson(bars.breaks),
        gaps: bars.gaps.length,
        skipped_segments: result.skippedSegments,
      },
      decoding: {
        decoder: result.decoder,
        threshold: result.threshold,
        probability_threshold: threshold,
        threshold_source: thresholdSource,
        min_run_length: result.minRunLength,
        min_run_length_source: minRunSource,
        stride: result.stride,
        window_bars: model.bars,
        windows: result.windows,
        segments: result.segments,
        batch_size: result.batchSize,
        decoder_counts: result.decoderCounts,
        offsets: result.offsets,
        notes: result.notes,
      },
      columns: Object.fromEntries(DETECTION_COLUMNS),
      detections: result.detections,
      live_detections: live?.detections ?? null,
      evaluation,
    };
    writeFileAtomic(flags.out, `${JSON.stringify(report, null, 1)}\n`);
  }
  if (flags.probabilities !== undefined) {
    writeFileAtomic(flags.probabilities, probabilitiesCsv(bars.timestamps, result.probabilities, live?.probabilities ?? null));
    writeFileAtomic(sidecarPath(flags.probabilities), columnsSidecar(`Columns of ${flags.probabilities}`, PROBABILITY_COLUMNS, context));
    process.stdout.write(`${flags.probabilities}: ${n} bars' probabilities\n`);
  }
  if (flags.html !== undefined) {
    const span = (d: Detection) => ({ start: d.start_index, end: d.end_index, knownAt: d.known_at_index, label: d.predicted_class });
    const placed = annotations === null ? [] : annotationSpans(bars, annotations);
    writeFileAtomic(
      flags.html,
      detectionChartHtml({
        title: `spanlab detections: ${bars.source}`,
        subtitle: context,
        timestamps: bars.timestamps,
        open: bars.open,
        high: bars.high,
        low: bars.low,
        close: bars.close,
        events: placed,
        hindsight: result.detections.map(span),
        live: (live?.detections ?? []).map(span),
        probability: result.probabilities,
        liveProbability: live?.probabilities ?? null,
        threshold: result.decoder === "threshold" ? threshold : null,
        liveThreshold: live === null ? null : live.threshold,
        evaluation: evaluation === null ? null : formatEvaluation(evaluation),
        notes: [...(offsetWarning(result.offsets) ? [offsetWarning(result.offsets)!] : []), ...result.notes, ...(live?.notes ?? [])],
      }),
    );
    process.stdout.write(`${flags.html}: chart of ${all.length} detection(s) over ${n} bars\n`);
  }
  process.stdout.write(`${flags.out}: ${all.length} detection(s) written (${result.detections.length} hindsight, ${live?.detections.length ?? 0} live)\n`);
}

/** The annotated events placed on the bars, for the chart. */
export function annotationSpans(bars: BarSeries, annotations: AnnotationSet): { start: number; end: number; label: string }[] {
  return eventsOnBars(bars.timestamps, bars.intervalMs, annotations.events).placed.map(({ start, end, label }) => ({ start, end, label }));
}

export function registerPredictCommand(program: Command): void {
  program
    .command("predict")
    .description(
      "predict with a checkpoint: on windows (--data; per-bar probabilities and decoded spans as JSON), " +
        "or on raw bars (--bars; windows combined per bar and decoded once into detections; --live: causal detections; CSV or JSON)",
    )
    .requiredOption("--checkpoint <file>", "model checkpoint (.safetensors: spanlab's, or a PyTorch state dict)")
    .option("--data <file>", "window file (.parquet or .jsonl); default when --bars is not given: the bundled dataset")
    .option("--bars <file>", "raw bars (.csv or .parquet: timestamp, open, high, low, close[, volume]) to scan for expansions")
    .requiredOption("--out <file>", "output file: JSON for --data; .csv (+ .csv.md defining the columns) or .json for --bars")
    .option(
      "--threshold <p>",
      `threshold decoding and --live: bars with probability > p (default: --data ${DEFAULT_THRESHOLD}; --bars the checkpoint's compare-run threshold, else ${DEFAULT_THRESHOLD})`,
    )
    .option("--batch-size <n>", "windows per forward pass", String(DEFAULT_PREDICT_BATCH))
    .option("--top-k <n>", "--data: the n most probable spans listed in each window's span_posterior (default 5)")
    .option("--skip-invalid", "--data: drop invalid windows (written to a rejects file) instead of refusing the file", false)
    .option(
      "--stride <n>",
      `--bars: bars between window starts, 1–105 (default ${DEFAULT_STRIDE}: each bar seen by 3 windows, one with it in its middle third)`,
    )
    .option(
      "--decoder <name>",
      `--bars: ${SCAN_DECODERS.join(" | ")} on the combined series (default: ${SPAN_HEADS.map((head) => `${head.shortLabel} ${head.nativeDecoder}`).join(", ")})`,
    )
    .option("--min-run-length <n>", "--bars: drop detections shorter than n bars (default: the compare run's, else 1)")
    .option("--live", "--bars: also the live (causal) detections: p of bar t from the window ending at t; rows with mode=live", false)
    .option("--annotations <file>", "--bars: score the detections against these events (CSV, JSON or JSONL), beside the rule and random detectors")
    .option("--probabilities <file.csv>", "--bars: write the per-bar probabilities (bar_index, timestamp, p[, p_live])")
    .option("--html <file.html>", "--bars: write a self-contained chart of the candles, annotations, detections and probabilities")
    .option("--workers <n>", "--bars: worker threads for long scans (default: one per core)")
    .option("--iou <x>", "--annotations: a detection matches an event at IoU ≥ x (default 0.5)")
    .option("--tolerance <k>", "--annotations: boundary hit when both ends are within ±k bars (default 3)")
    .option("--seed <n>", "--annotations: seed of the random detector (default 42)")
    .option("--rule-thresholds <a,b>", "--annotations: rule detector range_z > a && |expansion_proxy| > b (default: tuned on the first half's annotations)")
    .option("--timezone <zone>", `--bars: ${BAR_READING_HELP.timezone}`)
    .option("--columns <mapping>", `--bars: ${BAR_READING_HELP.columns}`)
    .option("--decimal <mark>", `--bars: ${BAR_READING_HELP.decimal}`)
    .option("--max-gap <duration>", `--bars: ${BAR_READING_HELP.maxGap}`)
    .option("--allow-gaps", `--bars: ${BAR_READING_HELP.allowGaps}`, false)
    .option("--force", "replace --out (and the other output files) if they exist", false)
    .action(async (flags: PredictFlags) => {
      if (flags.data !== undefined && flags.bars !== undefined) {
        throw new Error("--data and --bars are different inputs (a window file vs raw bars to scan); give one of them");
      }
      if (flags.bars !== undefined) {
        await predictOnBars({ ...flags, bars: flags.bars });
        return;
      }
      const barsOnly = [
        ["--stride", flags.stride !== undefined],
        ["--decoder", flags.decoder !== undefined],
        ["--min-run-length", flags.minRunLength !== undefined],
        ["--live", flags.live],
        ["--annotations", flags.annotations !== undefined],
        ["--probabilities", flags.probabilities !== undefined],
        ["--html", flags.html !== undefined],
        ["--allow-gaps", flags.allowGaps],
        ["--timezone", flags.timezone !== undefined],
        ["--columns", flags.columns !== undefined],
        ["--decimal", flags.decimal !== undefined],
        ["--max-gap", flags.maxGap !== undefined],
      ] as const;
      for (const [flag, given] of barsOnly) if (given) throw new Error(`${flag} applies to --bars (scanning raw bars), not to windows`);
      const threshold = probabilityFlag("threshold", flags.threshold ?? String(DEFAULT_THRESHOLD));
      const batchSize = Number(flags.batchSize);
      if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`--batch-size must be a positive integer, got ${JSON.stringify(flags.batchSize)}`);
      const topK = flags.topK === undefined ? undefined : positiveIntegerFlag("top-k", flags.topK);
      // Refuse before the work, so a long run never ends in a refusal.
      assertWritable(flags.out, flags.force);
      const report = await predictFile({
        ...(topK !== undefined ? { topK } : {}),
        checkpoint: flags.checkpoint,
        data: flags.data ?? defaultDataPath(),
        threshold,
        batchSize,
        skipInvalid: flags.skipInvalid,
      });
      writeFileAtomic(flags.out, `${JSON.stringify(report)}\n`);
      process.stdout.write(`${formatPredictionSummary(flags.out, report)}\n`);
    });
}
