/**
 * `spanlab predict`, two inputs:
 *
 *  - `--data F` (windows; the bundled dataset by default) `--out F.json`: per window, the per-bar span
 *    probabilities, the decoded paths and span, class probabilities and pointers (src/predict/predict.ts),
 *    with a one-line summary on stdout.
 *  - `--bars F` (raw bars, CSV or Parquet) `--out F.csv|F.json`: slide 105-bar windows over the bars,
 *    decode each, merge the runs into detections (src/predict/scan.ts, src/predict/merge.ts) and write
 *    one detection per row (CSV) or a JSON report; prints the column mapping, windows scanned,
 *    detections found and windows per second.
 */
import type { Command } from "commander";
import { extname } from "node:path";
import cliProgress from "cli-progress";
import { describeBars, readBars, type BarSeries } from "../data/bars.js";
import { breaksJson, type BreaksJson } from "../data/breaks.js";
import { BAR_READING_HELP, barReadingOptions } from "../data/read_options.js";
import { formatInterval } from "../data/timestamps.js";
import { loadCheckpoint } from "../model/checkpoint.js";
import { SPAN_HEADS } from "../model/heads/registry.js";
import type { SpanHead } from "../model/span_head.js";
import { isoTime, type Detection } from "../predict/merge.js";
import { DEFAULT_PREDICT_BATCH, DEFAULT_THRESHOLD, predictFile, type PredictionReport } from "../predict/predict.js";
import {
  comparisonThreshold,
  DEFAULT_STRIDE,
  defaultDecoder,
  resolveScanOptions,
  scanBars,
  SCAN_DECODERS,
  type ScanDecoder,
  type ScanResult,
} from "../predict/scan.js";
import { toCsv } from "../report/csv.js";
import { assertWritable, writeFileAtomic } from "../util/files.js";
import { defaultDataPath } from "../util/package.js";

interface PredictFlags {
  checkpoint: string;
  data?: string;
  bars?: string;
  out: string;
  threshold?: string;
  batchSize: string;
  skipInvalid: boolean;
  stride?: string;
  decoder?: string;
  minRunLength?: string;
  /** No effect (breaks are accepted); kept so old scripts still run. */
  allowGaps: boolean;
  timezone?: string;
  columns?: string;
  decimal?: string;
  maxGap?: string;
  force: boolean;
}

/** The columns of the detections CSV, one detection per row. */
export const DETECTION_CSV_HEADER = [
  "start_index",
  "end_index",
  "start_time",
  "end_time",
  "length",
  "confidence",
  "peak_probability",
  "predicted_class",
  "p_consolidation",
  "p_retracement",
  "windows",
  "windows_covering",
  "decoder",
] as const;

/** The detections as CSV (RFC 4180, header first; empty times when the bars have none). */
export function detectionsCsv(detections: readonly Detection[]): string {
  return toCsv(
    DETECTION_CSV_HEADER,
    detections.map((d) => [
      d.start_index,
      d.end_index,
      d.start_time ?? "",
      d.end_time ?? "",
      d.length,
      d.confidence,
      d.peak_probability,
      d.predicted_class,
      d.class_probabilities.consolidation,
      d.class_probabilities.retracement,
      d.windows,
      d.windows_covering,
      d.decoder,
    ]),
  );
}

/** The JSON file `spanlab predict --bars` writes. */
export interface DetectionReport {
  checkpoint: string;
  loss_type: string;
  bars: {
    source: string;
    mapping: BarSeries["mapping"];
    count: number;
    /** First and last bar times, ISO-8601 UTC. */
    from: string;
    to: string;
    interval: string;
    /** The zone naive timestamps were read in. */
    timezone: string;
    /** Breaks between bars by length class (bars are a sequence: scans cross them unless --max-gap). */
    breaks: BreaksJson;
    /** Breaks longer than --max-gap (0 without it): windows never cross these. */
    gaps: number;
    /** Gap-free stretches shorter than a window: not scanned (inclusive bar ranges). */
    skipped_segments: ScanResult["skippedSegments"];
  };
  decoding: {
    decoder: ScanDecoder;
    /** The threshold applied (threshold decoder), else null. */
    threshold: number | null;
    /** Where the threshold came from: --threshold, the checkpoint's compare run, or the 0.5 default (and why). */
    threshold_source: string;
    min_run_length: number;
    min_run_length_source: string;
    stride: number;
    window_bars: number;
    windows: number;
    segments: number;
    batch_size: number;
    /** What each decoder, probability and merge field means. */
    description: Record<string, string>;
  };
  detections: Detection[];
}

/** Field descriptions written into the JSON report so it explains itself. */
function scanDescription(head: SpanHead, decoder: ScanDecoder): Record<string, string> {
  const path = head.pathDecoders.find((candidate) => candidate.key === decoder);
  const described =
    decoder === "threshold"
      ? `per window, runs of bars with p > threshold (p: ${head.probabilityDescription}), minus runs shorter than min_run_length`
      : path
        ? `per window, the runs of the ${path.description}, minus runs shorter than min_run_length`
        : `per window, the one best span (${head.singleSpanDescription}) — every window yields one`;
  return {
    windows:
      "105-bar windows every `stride` bars, plus one aligned to the end of each segment; features from each window's own bars (docs/spec.md §2); bars are a sequence: segments end only at breaks longer than --max-gap (none without it), which no window crosses",
    decoder: described,
    merge:
      "window-local runs mapped to bar indices; runs that overlap or touch (no bar between them) merge, transitively; never across a break longer than --max-gap",
    probability: `${head.probabilityDescription}, averaged over every window covering the bar`,
    confidence: "mean over the detection's bars of that averaged probability; peak_probability: its max",
    class:
      "two-way softmax of the label logits (consolidation, retracement) per window, averaged over the windows contributing a run; predicted_class is the larger",
    windows_field: "windows: windows that contributed a run to the detection; windows_covering: windows containing any of its bars",
    indices: "start_index, end_index: 0-based rows of the bars file (in time order), inclusive; times are those bars' timestamps, ISO-8601 UTC",
  };
}

function positiveInteger(flag: string, text: string, max = Number.MAX_SAFE_INTEGER): number {
  const value = Number(text);
  if (!/^\s*\d+\s*$/.test(text) || !Number.isSafeInteger(value) || value < 1 || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? "a positive integer" : `an integer in [1, ${max}]`;
    throw new Error(`${flag} must be ${range}, got ${JSON.stringify(text)}`);
  }
  return value;
}

function parseThreshold(text: string): number {
  const threshold = Number(text);
  if (text.trim() === "" || !(threshold >= 0 && threshold <= 1)) {
    throw new Error(`--threshold must be a number in [0, 1], got ${JSON.stringify(text)}`);
  }
  return threshold;
}

/** A progress bar on a terminal for long scans; nothing otherwise (pipes and logs get the summary line). */
function scanProgress(): { onProgress?: (done: number, total: number) => void; stop(): void } {
  if (!process.stderr.isTTY) return { stop() {} };
  const bar = new cliProgress.SingleBar(
    { stream: process.stderr, format: "scan |{bar}| {value}/{total} windows  ETA {eta_formatted}", hideCursor: true },
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

/** `spanlab predict --bars`: everything after the flags were read. */
async function predictOnBars(flags: PredictFlags & { bars: string }): Promise<void> {
  if (flags.skipInvalid) throw new Error("--skip-invalid applies to --data (windows); bars files are refused with every problem listed");
  const format = extname(flags.out).toLowerCase();
  if (format !== ".csv" && format !== ".json") {
    throw new Error(`--out must end in .csv (one detection per row) or .json (detections with the bars and decoding used), got ${JSON.stringify(flags.out)}`);
  }
  const batchSize = positiveInteger("--batch-size", flags.batchSize);
  const stride = flags.stride === undefined ? DEFAULT_STRIDE : positiveInteger("--stride", flags.stride, 105);
  if (flags.decoder !== undefined && !(SCAN_DECODERS as readonly string[]).includes(flags.decoder)) {
    throw new Error(`--decoder must be one of ${SCAN_DECODERS.join(", ")}, got ${JSON.stringify(flags.decoder)}`);
  }
  const explicitThreshold = flags.threshold === undefined ? undefined : parseThreshold(flags.threshold);
  const explicitMinRun = flags.minRunLength === undefined ? undefined : positiveInteger("--min-run-length", flags.minRunLength, 105);
  const reading = barReadingOptions(flags);
  // Refuse before the work, so a long scan never ends in a refusal.
  assertWritable(flags.out, flags.force);

  const { model } = loadCheckpoint(flags.checkpoint, { maxBatch: batchSize });
  const decoder = flags.decoder ?? defaultDecoder(model.head);
  let threshold = DEFAULT_THRESHOLD;
  let thresholdSource: string;
  let minRunLength = explicitMinRun ?? 1;
  let minRunSource = explicitMinRun !== undefined ? "--min-run-length" : "default 1 (keep every run)";
  if (decoder !== "threshold") {
    if (explicitThreshold !== undefined) throw new Error(`--threshold applies to the threshold decoder; the ${decoder} decoder does not threshold`);
    thresholdSource = `not used by the ${decoder} decoder`;
  } else if (explicitThreshold !== undefined) {
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
  resolveScanOptions(model, { stride, decoder, threshold, minRunLength, batchSize });

  const bars = await readBars(flags.bars, reading);
  process.stdout.write(`${describeBars(bars)}\n`);
  if (bars.timestamps.length < model.bars) {
    throw new Error(`${bars.source}: ${bars.timestamps.length} bars; a scan needs at least ${model.bars} (one window)`);
  }
  const progress = scanProgress();
  let result: ScanResult;
  try {
    result = scanBars(model, bars, {
      stride,
      decoder,
      threshold,
      minRunLength,
      batchSize,
      ...(progress.onProgress ? { onProgress: progress.onProgress } : {}),
    });
  } finally {
    progress.stop();
  }

  const n = bars.timestamps.length;
  if (format === ".csv") {
    writeFileAtomic(flags.out, detectionsCsv(result.detections));
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
        threshold_source: thresholdSource,
        min_run_length: result.minRunLength,
        min_run_length_source: minRunSource,
        stride: result.stride,
        window_bars: model.bars,
        windows: result.windows,
        segments: result.segments,
        batch_size: result.batchSize,
        description: scanDescription(model.head, result.decoder),
      },
      detections: result.detections,
    };
    writeFileAtomic(flags.out, `${JSON.stringify(report, null, 1)}\n`);
  }
  process.stdout.write(`${formatScanSummary(flags.out, result, thresholdSource)}\n`);
}

/** The lines printed after a scan: decoding used, windows, detections, throughput. */
export function formatScanSummary(out: string, result: ScanResult, thresholdSource: string): string {
  const decoding =
    result.decoder === "threshold" ? `threshold decoder, p > ${result.threshold} — threshold from: ${thresholdSource}` : `${result.decoder} decoder`;
  const skipped =
    result.skippedSegments.length > 0
      ? `; ${result.skippedSegments.length} stretch(es) between breaks longer than --max-gap shorter than a window, not scanned (${result.skippedSegments.reduce((s, g) => s + g.bars, 0)} bars)`
      : "";
  return [
    `decoding: ${result.loss} head, stride ${result.stride}, min run length ${result.minRunLength}, ${decoding}`,
    `scanned ${result.windows} windows over ${result.bars} bars (${result.segments} segment(s))${skipped} in ${result.seconds.toFixed(2)} s: ${result.windowsPerSecond.toFixed(0)} windows/s`,
    `${out}: ${result.detections.length} detection(s)`,
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

export function registerPredictCommand(program: Command): void {
  program
    .command("predict")
    .description(
      "predict with a checkpoint: on windows (--data; per-bar probabilities and decoded spans as JSON), " +
        "or on raw bars (--bars; slide windows, decode, merge into detections; CSV or JSON)",
    )
    .requiredOption("--checkpoint <file>", "model checkpoint (.safetensors: spanlab's, or a PyTorch state dict)")
    .option("--data <file>", "window file (.parquet or .jsonl); default when --bars is not given: the bundled dataset")
    .option("--bars <file>", "raw bars (.csv or .parquet: timestamp, open, high, low, close[, volume]) to scan for expansions")
    .requiredOption("--out <file>", "output file: JSON for --data; .csv or .json for --bars")
    .option(
      "--threshold <p>",
      `threshold decoding: bars with probability > p (default: --data ${DEFAULT_THRESHOLD}; --bars the checkpoint's compare-run threshold, else ${DEFAULT_THRESHOLD})`,
    )
    .option("--batch-size <n>", "windows per forward pass", String(DEFAULT_PREDICT_BATCH))
    .option("--skip-invalid", "--data: drop invalid windows (written to a rejects file) instead of refusing the file", false)
    .option("--stride <n>", `--bars: bars between window starts, 1–105 (default ${DEFAULT_STRIDE}: each bar seen by ~4 windows)`)
    .option(
      "--decoder <name>",
      `--bars: ${SCAN_DECODERS.join(" | ")} (default: ${SPAN_HEADS.map((head) => `${head.shortLabel} ${head.nativeDecoder}`).join(", ")})`,
    )
    .option("--min-run-length <n>", "--bars: drop per-window runs shorter than n bars (default: the compare run's, else 1)")
    .option("--timezone <zone>", `--bars: ${BAR_READING_HELP.timezone}`)
    .option("--columns <mapping>", `--bars: ${BAR_READING_HELP.columns}`)
    .option("--decimal <mark>", `--bars: ${BAR_READING_HELP.decimal}`)
    .option("--max-gap <duration>", `--bars: ${BAR_READING_HELP.maxGap}`)
    .option("--allow-gaps", `--bars: ${BAR_READING_HELP.allowGaps}`, false)
    .option("--force", "replace --out if it exists", false)
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
        ["--allow-gaps", flags.allowGaps],
        ["--timezone", flags.timezone !== undefined],
        ["--columns", flags.columns !== undefined],
        ["--decimal", flags.decimal !== undefined],
        ["--max-gap", flags.maxGap !== undefined],
      ] as const;
      for (const [flag, given] of barsOnly) if (given) throw new Error(`${flag} applies to --bars (scanning raw bars), not to windows`);
      const threshold = parseThreshold(flags.threshold ?? String(DEFAULT_THRESHOLD));
      const batchSize = Number(flags.batchSize);
      if (!Number.isInteger(batchSize) || batchSize < 1) {
        throw new Error(`--batch-size must be a positive integer, got ${JSON.stringify(flags.batchSize)}`);
      }
      // Refuse before the work, so a long run never ends in a refusal.
      assertWritable(flags.out, flags.force);
      const report = await predictFile({
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
