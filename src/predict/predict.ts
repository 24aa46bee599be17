/**
 * Inference: what a trained JadeCompact says about each window — per-bar span probabilities, the paths
 * and the single span the decoders return, class probabilities and pointers — in a plain JSON-ready
 * record per window, for `spanlab predict` and for anyone reading a model's output bar by bar.
 *
 * Features are computed from each window's own bars exactly as in training (docs/spec.md §2), with the position
 * feature iff the model takes 13 features. Windows go through the model in batches, in order, with
 * dropout off, so the output is deterministic and independent of the batch size.
 */
import { windowSpans, type Label, type Window } from "../data/window.js";
import { loadWindows } from "../data/load.js";
import { spanIoU, STRICT_IOU } from "../eval/metrics.js";
import { BASE_FEATURE_COUNT, computeWindowFeatures } from "../features/index.js";
import { loadCheckpoint } from "../model/checkpoint.js";
import { inferWindows, windowRow } from "../model/inference.js";
import type { JadeCompact } from "../model/jade_compact.js";
import { runsFromMask, type DecodedSpan, type Run } from "../model/span_decoding.js";
import type { SpanHead } from "../model/span_head.js";
import { DEFAULT_CREDIBLE_LEVEL, DEFAULT_TOP_SPANS, type SpanPosteriorSummary } from "../model/span_posterior_summary.js";
import { DEFAULT_PREDICT_BATCH, DEFAULT_THRESHOLD, usesPositionFeature } from "./inference_defaults.js";
import { applySpanCalibration, type SpanCalibration } from "./calibration.js";
import { comparisonCalibration } from "./threshold_source.js";

/** Names of the three class logits, in order (the reference's third class is never a label). */
export const CLASS_NAMES = ["consolidation", "retracement", "unused"] as const;

export { DEFAULT_PREDICT_BATCH, DEFAULT_THRESHOLD, usesPositionFeature } from "./inference_defaults.js";

export interface PredictOptions {
  /** Windows per forward pass; at most the model's maxBatch (default min(32, maxBatch)). */
  batchSize?: number;
  /** A bar is on the threshold path when its probability is > threshold (default 0.5); in [0, 1]. */
  threshold?: number;
  /** Spans listed in each window's `span_posterior.top` (default 5); a positive integer. */
  topK?: number;
  /**
   * The checkpoint's calibration (its compare run's, fitted on that run's training windows; docs/spec.md
   * §12): adds `probabilities_calibrated` and `span_posterior_calibrated` to every window.
   */
  calibration?: SpanCalibration | null;
}

/** What the head's exact span posterior says about one window (docs/spec.md §12), at temperature 1. */
export interface SpanPosteriorPrediction {
  /** The most probable spans, most probable first (ties: earlier start, then earlier end). */
  top: { start: number; end: number; probability: number }[];
  /** Equal-tailed 90% credible interval of the start bar, [lo, hi] inclusive. */
  start_interval: [lo: number, hi: number];
  /** Equal-tailed 90% credible interval of the end bar, [lo, hi] inclusive. */
  end_interval: [lo: number, hi: number];
  /** The span maximising the expected IoU with the true span; exact (every span is a candidate). */
  mbr: { start: number; end: number; expected_iou: number; exact: true };
  /** P(IoU(mbr, true span) ≥ 0.5) under the posterior. */
  p_iou_at_least_half: number;
}

/** The model's view of one window. Arrays are per bar (105); probabilities are float32 values. */
export interface WindowPrediction {
  window_id: string;
  /** The window's true label. */
  label: Label;
  /** The annotated (primary) expansion span, inclusive. */
  true_span: { start: number; end: number };
  /** Every annotated span in the window, the primary among them, when the window file lists them (`spans`). */
  true_spans?: { start: number; end: number }[];
  /** Each bar's ISO-8601 UTC time, when the window file has them. */
  timestamps?: string[];
  /** p(bar in span): soft head sigmoid(logit); CRF head posterior marginal (forward–backward). */
  probabilities: number[];
  /** CRF only: softmax of the two emissions at each bar, tag 1 — the reference's measure (ignores transitions). */
  emission_softmax?: number[];
  /** 1 where probabilities > threshold, else 0. */
  threshold_path: number[];
  /** The runs of the threshold path, inclusive [start, end] pairs (possibly none, possibly several). */
  threshold_runs: Run[];
  /** CRF only: the Viterbi (best-scoring) tag path, 0/1 per bar. */
  viterbi_path?: number[];
  /** The single-span decoder's span: soft, the max-sum log-odds run; CRF, the best path with exactly one run. */
  span: DecodedSpan;
  /** IoU of `span` with the true span. */
  span_iou: number;
  /** The head's exact posterior over single spans, summarised (docs/spec.md §12). */
  span_posterior: SpanPosteriorPrediction;
  /** With a calibration: per-bar p through its isotonic map (fitted on the compare run's training windows). */
  probabilities_calibrated?: number[];
  /**
   * With a calibration: the posterior at the fitted temperature, and P(IoU ≥ ½) of its MBR span through the
   * span-level isotonic map.
   */
  span_posterior_calibrated?: SpanPosteriorPrediction & { temperature: number };
  /** softmax of the class logits, by class name. */
  class_probabilities: Record<(typeof CLASS_NAMES)[number], number>;
  /** The class with the highest probability. */
  predicted_class: (typeof CLASS_NAMES)[number];
  /** The pointer head's (center, length), in window fractions (× 105 = bars). */
  pointers: { center: number; length: number };
  /**
   * The pointers in bars: center·105 and length·105 (not rounded), and the span they imply,
   * [round(center − length/2), round(center + length/2)] clipped to the window.
   */
  pointer_bars: { center: number; length: number; start: number; end: number };
}

/** Dataset-level numbers of a prediction run. */
export interface PredictionSummary {
  windows: number;
  /** Mean probability over all in-span bars (of any annotated span) of all windows (pooled). NaN with no windows. */
  mean_in_span_probability: number;
  /** Mean probability over all out-of-span bars (pooled). NaN when there are none. */
  mean_out_of_span_probability: number;
  /** Windows whose decoded single span has IoU ≥ 0.5 with the true span. */
  span_hits: number;
  /** span_hits / windows (NaN with no windows). */
  span_hit_rate: number;
  /** Mean IoU of the decoded spans (NaN with no windows). */
  mean_span_iou: number;
}

/** What each field of a prediction means, written into the output file so it explains itself. */
export function decodingDescription(
  head: SpanHead,
  threshold: number,
  batchSize: number,
  features: number,
  topK: number = DEFAULT_TOP_SPANS,
): Record<string, string | number> {
  const readings = Object.fromEntries(head.probabilityReadings.map((reading) => [reading.key, reading.valueDescription]));
  const paths = Object.fromEntries(head.pathDecoders.map((decoder) => [`${decoder.key}_path`, decoder.pathDescription]));
  return {
    threshold,
    batch_size: batchSize,
    features:
      features === BASE_FEATURE_COUNT + 1
        ? "relativity features of docs/spec.md §2 from the window's own bars, plus the position t/104 (13 per bar)"
        : "relativity features of docs/spec.md §2 from the window's own bars (12 per bar)",
    probabilities: head.probabilityDescription,
    ...readings,
    threshold_path: `1 where probabilities > ${threshold}, else 0; threshold_runs are its runs [start, end]`,
    ...paths,
    span: `single-span decoder: ${head.singleSpanScoreDescription}`,
    span_iou: "intersection over union of span with the true span (inclusive bars)",
    top_k: topK,
    span_posterior:
      `the head's own scores (temperature 1) conditioned on exactly one span, exactly over all T(T+1)/2 spans (docs/spec.md §12): ` +
      `top = the ${topK} most probable spans [start, end] with their probabilities (ties: earlier start, then earlier end); ` +
      `start_interval, end_interval = equal-tailed ${DEFAULT_CREDIBLE_LEVEL * 100}% credible intervals [lo, hi] of the start and end bars ` +
      `(at most ${Number((((1 - DEFAULT_CREDIBLE_LEVEL) / 2) * 100).toFixed(6))}% of the mass on each side, so at least ${DEFAULT_CREDIBLE_LEVEL * 100}% inside); ` +
      "mbr = the span maximising the expected IoU with the true span (every span a candidate: exact); " +
      "p_iou_at_least_half = the posterior probability that the true span has IoU ≥ 0.5 with mbr",
    true_spans: "every annotated span in the window (when the window file lists them); the summary's in-span bars are theirs",
    timestamps: "each bar's time, ISO-8601 UTC (when the window file has them)",
    class_probabilities: `softmax of the class logits (${CLASS_NAMES.join(", ")}); predicted_class is the largest`,
    pointers: "pointer head (center, length) as fractions of the window, after sigmoid",
    pointer_bars: "center·105 and length·105 in bars, and the span they imply: round(center ∓ length/2), clipped",
  };
}

function softmax(logits: Float32Array, offset: number, count: number): number[] {
  let max = -Infinity;
  for (let j = 0; j < count; j++) max = Math.max(max, logits[offset + j]!);
  const exps = Array.from({ length: count }, (_, j) => Math.exp(logits[offset + j]! - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / sum);
}

function spanPosteriorPrediction(summary: SpanPosteriorSummary): SpanPosteriorPrediction {
  const { mbr } = summary;
  return {
    top: summary.top.map(({ start, end, probability }) => ({ start, end, probability })),
    start_interval: [summary.startInterval.lo, summary.startInterval.hi],
    end_interval: [summary.endInterval.lo, summary.endInterval.hi],
    mbr: { start: mbr.start, end: mbr.end, expected_iou: mbr.expectedIoU, exact: mbr.exact },
    p_iou_at_least_half: summary.probabilityIoUAtLeastHalf,
  };
}

function className(index: number): (typeof CLASS_NAMES)[number] {
  const name = CLASS_NAMES[index];
  if (name === undefined) throw new Error(`the model has more than ${CLASS_NAMES.length} classes`);
  return name;
}

/**
 * Runs `model` (dropout off) over `windows` and returns one {@link WindowPrediction} per window, in order.
 * Deterministic: the same model and windows give the same numbers, whatever the batch size.
 */
export function predictWindows(model: JadeCompact, windows: readonly Window[], options: PredictOptions = {}): WindowPrediction[] {
  const threshold = options.threshold ?? DEFAULT_THRESHOLD;
  if (!(threshold >= 0 && threshold <= 1)) throw new Error(`threshold must be a number in [0, 1], got ${threshold}`);
  const batchSize = options.batchSize ?? Math.min(DEFAULT_PREDICT_BATCH, model.maxBatch);
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > model.maxBatch) {
    throw new Error(`batchSize must be an integer in [1, ${model.maxBatch}] (the model's maxBatch), got ${batchSize}`);
  }
  if (model.dims.classes !== CLASS_NAMES.length) {
    throw new Error(`the model has ${model.dims.classes} class logits; predictions name ${CLASS_NAMES.length} (${CLASS_NAMES.join(", ")})`);
  }
  if (windows.length === 0) return [];
  const { tensor, shape } = computeWindowFeatures([...windows], { position: usesPositionFeature(model) });
  const [, bars] = shape;
  if (bars !== model.bars) throw new Error(`the windows have ${bars} bars but the model was built for ${model.bars}`);

  const topK = options.topK ?? DEFAULT_TOP_SPANS;
  if (!Number.isInteger(topK) || topK < 1) throw new Error(`topK must be a positive integer, got ${topK}`);
  const calibration = options.calibration ?? null;
  const inference = inferWindows(model, tensor, windows.length, {
    batchSize,
    spanPosterior: { topK, level: DEFAULT_CREDIBLE_LEVEL },
    spanScores: calibration !== null,
  });
  const calibrated =
    calibration === null
      ? null
      : applySpanCalibration(calibration, model.head, model.headContext(windows.length), inference, undefined, { topK, level: DEFAULT_CREDIBLE_LEVEL });
  const readingKeys = Object.keys(inference.readings);
  const pathKeys = Object.keys(inference.paths);
  const predictions: WindowPrediction[] = [];
  for (let w = 0; w < windows.length; w++) {
    const window = windows[w]!;
    const p = Array.from(windowRow(inference.probabilities, w, bars));
    const thresholdPath = p.map((value) => (value > threshold ? 1 : 0));
    const classProbabilities = softmax(inference.classLogits, w * model.dims.classes, model.dims.classes);
    const best = classProbabilities.indexOf(Math.max(...classProbabilities));
    const center = inference.pointers[2 * w]!;
    const length = inference.pointers[2 * w + 1]!;
    // Pointers are fractions of the window (docs/spec.md §4 divides by 105 = bars).
    const centerBars = center * bars;
    const lengthBars = length * bars;
    const impliedStart = Math.min(bars - 1, Math.max(0, Math.round(centerBars - lengthBars / 2)));
    const impliedEnd = Math.min(bars - 1, Math.max(impliedStart, Math.round(centerBars + lengthBars / 2)));
    const truth = { start: window.expansion_start, end: window.expansion_end };
    const span = inference.singleSpans[w]!;
    predictions.push({
      window_id: window.window_id,
      label: window.label,
      true_span: truth,
      ...(window.spans !== undefined ? { true_spans: windowSpans(window) } : {}),
      ...(window.timestamps !== undefined ? { timestamps: [...window.timestamps] } : {}),
      probabilities: p,
      ...Object.fromEntries(readingKeys.map((key) => [key, Array.from(windowRow(inference.readings[key]!, w, bars))])),
      threshold_path: thresholdPath,
      threshold_runs: runsFromMask(thresholdPath),
      ...Object.fromEntries(pathKeys.map((key) => [`${key}_path`, Array.from(windowRow(inference.paths[key]!, w, bars))])),
      span: { start: span.start, end: span.end, score: span.score },
      span_iou: spanIoU(span, truth),
      span_posterior: spanPosteriorPrediction(inference.spanPosteriors[w]!),
      ...(calibrated === null
        ? {}
        : {
            probabilities_calibrated: Array.from(calibrated.barProbabilities.subarray(w * bars, (w + 1) * bars)),
            span_posterior_calibrated: {
              ...spanPosteriorPrediction(calibrated.windows[w]!.summary),
              p_iou_at_least_half: calibrated.windows[w]!.spanConfidence,
              temperature: calibration!.temperature.temperature,
            },
          }),
      class_probabilities: Object.fromEntries(CLASS_NAMES.map((name, j) => [name, classProbabilities[j]!])) as WindowPrediction["class_probabilities"],
      predicted_class: className(best),
      pointers: { center, length },
      pointer_bars: { center: centerBars, length: lengthBars, start: impliedStart, end: impliedEnd },
    });
  }
  return predictions;
}

/** Pooled in-span / out-of-span mean probabilities and how many decoded spans hit the truth (IoU ≥ 0.5). */
export function summarizePredictions(predictions: readonly WindowPrediction[]): PredictionSummary {
  let inSum = 0;
  let inCount = 0;
  let outSum = 0;
  let outCount = 0;
  let hits = 0;
  let iouSum = 0;
  for (const prediction of predictions) {
    // Per-bar means count every annotated bar as in span (docs/spec.md §6).
    const spans = prediction.true_spans ?? [prediction.true_span];
    prediction.probabilities.forEach((p, t) => {
      if (spans.some((span) => t >= span.start && t <= span.end)) {
        inSum += p;
        inCount++;
      } else {
        outSum += p;
        outCount++;
      }
    });
    if (prediction.span_iou >= STRICT_IOU) hits++;
    iouSum += prediction.span_iou;
  }
  const n = predictions.length;
  return {
    windows: n,
    mean_in_span_probability: inCount > 0 ? inSum / inCount : Number.NaN,
    mean_out_of_span_probability: outCount > 0 ? outSum / outCount : Number.NaN,
    span_hits: hits,
    span_hit_rate: n > 0 ? hits / n : Number.NaN,
    mean_span_iou: n > 0 ? iouSum / n : Number.NaN,
  };
}

/** The file `spanlab predict` writes. */
export interface PredictionReport {
  /** The checkpoint path as given. */
  checkpoint: string;
  loss_type: string;
  /** The window file path. */
  data: string;
  /** What each per-window field means, with the threshold and batch size used. */
  decoding: Record<string, string | number>;
  /** Where the calibrated fields' calibration came from (or why there is none), and its temperature. */
  calibration: { source: string; temperature: number | null; fields: string };
  summary: PredictionSummary;
  windows: WindowPrediction[];
}

export interface PredictFileOptions extends PredictOptions {
  checkpoint: string;
  /** Window file (.parquet or .jsonl). */
  data: string;
  /** Drop invalid windows (into a rejects file) instead of refusing the data file. */
  skipInvalid?: boolean;
}

/** Loads a checkpoint and a window file and predicts every window: the whole of `spanlab predict` but the writing. */
export async function predictFile(options: PredictFileOptions): Promise<PredictionReport> {
  const batchSize = options.batchSize ?? DEFAULT_PREDICT_BATCH;
  const threshold = options.threshold ?? DEFAULT_THRESHOLD;
  const topK = options.topK ?? DEFAULT_TOP_SPANS;
  const { model } = loadCheckpoint(options.checkpoint, { maxBatch: batchSize });
  const windows = await loadWindows(options.data, { skipInvalid: options.skipInvalid ?? false });
  const calibration = comparisonCalibration(options.checkpoint, model.loss);
  const predictions = predictWindows(model, windows, { batchSize, threshold, topK, calibration: calibration.calibration });
  return {
    checkpoint: options.checkpoint,
    loss_type: model.loss,
    data: options.data,
    decoding: decodingDescription(model.head, threshold, batchSize, model.dims.features, topK),
    calibration: {
      source: calibration.source,
      temperature: calibration.calibration?.temperature.temperature ?? null,
      fields:
        calibration.calibration === null
          ? "none: the checkpoint's compare run has no calibration, so no calibrated fields are written"
          : "probabilities_calibrated: per-bar p through an isotonic map; span_posterior_calibrated: the span posterior at the fitted temperature, its p_iou_at_least_half through a span-level isotonic map (docs/spec.md §12)",
    },
    summary: summarizePredictions(predictions),
    windows: predictions,
  };
}
