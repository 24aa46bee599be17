/**
 * Evaluation of one trained run on its validation windows (docs/spec.md §6), as `spanlab compare` reports it:
 * every decoder of the objective, thresholds chosen on the run's TRAINING windows (never on the windows
 * they are scored on), span-level scores, probability separation, calibration, pointers and classes,
 * beside the trivial baselines. Per-bar scores count every annotated span of a window as in span; span-level
 * scores (IoU, hit@k, the single-span decoder) keep the primary span.
 */
import type { JadeCompact } from "../model/jade_compact.js";
import { inferWindows } from "../model/inference.js";
import type { SpanHead, SpanHeadContext } from "../model/span_head.js";
import { mean } from "../eval/statistics.js";
import { evaluateSpanCalibration, fitSpanCalibration, type CalibrationEvaluation, type SpanCalibration } from "../predict/calibration.js";
import { brierScore, expectedCalibrationError, reliabilityDiagram, spanTargetsMask, type ReliabilityBin } from "../eval/calibration.js";
import {
  classificationAccuracy,
  macroSpanScores,
  pointerErrors,
  pooledSpanScores,
  predictedSpansFromMask,
  probabilitySeparation,
  spanIoU,
  spanLevelScores,
  type PointerErrors,
  type PooledScores,
  type PrfScores,
  type ProbabilitySeparation,
  type Span,
  type SpanLevelScores,
} from "../eval/metrics.js";
import { allPositiveScores, bestThreshold, inSpanRate, priorRateScores, thresholdSweep, type PriorRateScores, type ThresholdRow } from "../eval/threshold.js";
import { removeShortRuns } from "../model/span_decoding.js";
import type { WindowTensors } from "../train/dataset.js";

/** Everything the model says about a set of windows, beside their truth. */
export interface Predictions {
  /** The span head that produced them: it says which decoders and readings exist. */
  head: SpanHead;
  windowIds: string[];
  /** The primary span of each window: the truth of the span-level scores. */
  spans: Span[];
  /** Every annotated span of each window: the truth of the per-bar scores (docs/spec.md §6). */
  barTruth: Span[][];
  labels: Int32Array;
  bars: number;
  /** (W, T) p(in span), as the head defines it (soft: sigmoid; CRF: posterior marginals). */
  probabilities: Float32Array;
  /** (W, T) the head's other probability readings, by key (CRF: `emission_softmax`, the reference's "probability"). */
  readings: Record<string, Float32Array>;
  /** (W, T) the head's path decoders' tags, by key (CRF: `viterbi`). */
  paths: Record<string, Uint8Array>;
  /** The single-span decoder's span per window. */
  singleSpans: Span[];
  /** (W, 3) class logits. */
  classLogits: Float32Array;
  /** (W, 2) sigmoid pointers (center, length) / bars. */
  pointers: Float32Array;
  /** (W, T, width) the span head's raw scores and the head's context: its exact span posterior (docs/spec.md §12). */
  spanScores: Float32Array;
  spanContext: SpanHeadContext;
}

/** Runs the model (evaluation mode) over `indices` of `data`, through the one inference path. */
export function predict(model: JadeCompact, data: WindowTensors, indices: readonly number[]): Predictions {
  const bars = data.bars;
  const stride = bars * data.featureCount;
  const features = new Float32Array(indices.length * stride);
  indices.forEach((window, i) => {
    features.set(data.features.subarray(window * stride, (window + 1) * stride), i * stride);
  });
  const inference = inferWindows(model, features, indices.length, { spanScores: true });
  return {
    head: model.head,
    windowIds: indices.map((i) => data.windowIds[i]!),
    spans: indices.map((i) => ({ start: data.spanStart[i]!, end: data.spanEnd[i]! })),
    barTruth: indices.map((i) => data.spans[i]!),
    labels: Int32Array.from(indices, (i) => data.label[i]!),
    bars,
    probabilities: inference.probabilities,
    readings: inference.readings,
    paths: inference.paths,
    singleSpans: inference.singleSpans.map((span) => ({ start: span.start, end: span.end })),
    classLogits: inference.classLogits,
    pointers: inference.pointers,
    spanScores: inference.spanScores,
    spanContext: model.headContext(indices.length),
  };
}

/** Scores of one way of turning the model's output into spans. */
export interface DecoderScores {
  /** Stable key: the head's threshold decoder (threshold, marginal_threshold), its path decoders (viterbi), its readings' decoders (emission_softmax_threshold), single_span. */
  decoder: string;
  description: string;
  /** Threshold applied, when the decoder thresholds probabilities (chosen on training windows). */
  threshold?: number;
  /** Pooled (micro) bar-level precision/recall/F1 over all validation bars. */
  pooled: PooledScores;
  /** Span-level scores of the longest predicted run per window (or the decoded span). */
  spanLevel: SpanLevelScores;
}

export interface ThresholdChoice {
  /** Which probabilities were thresholded: the head's own, or one of its readings by key. */
  source: string;
  /** Chosen by the best pooled F1 on the run's training windows. */
  threshold: number;
  trainingF1: number;
  /** The whole validation sweep (for the threshold–F1 curve; not used to choose). */
  validationSweep: ThresholdRow[];
  /** The best threshold on validation itself: an optimistic bound, reported for contrast only. */
  validationOracle: ThresholdRow;
}

export interface RunEvaluation {
  windows: number;
  minRunLength: number;
  /** Per-window (macro) P/R/F1 at p > 0.5, as the per-epoch log reports it. */
  macroAtHalf: PrfScores;
  thresholds: ThresholdChoice[];
  decoders: DecoderScores[];
  separation: ProbabilitySeparation;
  calibration: { expectedCalibrationError: number; brierScore: number; bins: ReliabilityBin[] };
  pointers: PointerErrors;
  classificationAccuracy: number;
  baselines: {
    allPositive: PooledScores;
    priorRate: PriorRateScores;
    /** Accuracy of always predicting the training windows' most common class. */
    majorityClassAccuracy: number;
    majorityClass: number;
    /**
     * Cross-entropy on the validation labels of always predicting the training windows' class
     * frequencies: what a class head that learned only the prior scores as L_type (compare L_type).
     */
    priorCrossEntropy: number;
  };
  /** Share of validation windows whose predicted class (argmax of the 3 logits) is the training majority class. */
  predictedMajorityShare: number;
  /** 50-bin histograms of p over [0, 1] for in-span and out-of-span validation bars. */
  histogram: { bins: number; inSpan: number[]; outOfSpan: number[] };
  /**
   * The head's exact single-span posterior on the validation windows (docs/spec.md §12), with its
   * calibration fitted on the training windows: top-k scores, and calibration before and after.
   */
  spanPosterior?: SpanPosteriorEvaluation;
}

/** The span posterior's scores on the validation windows; the MBR span is scored among `decoders` (`minimum_risk`). */
export interface SpanPosteriorEvaluation {
  topK: number;
  /** Mean over windows of the best IoU with the true span among the top-k spans. */
  topBestIoU: number;
  /** Share of windows whose true span is one of the top-k spans exactly. */
  topHit: number;
  /** Mean of the MBR span's expected IoU under the posterior (what the head claims), and its real mean IoU. */
  claimedExpectedIoU: number;
  /** The calibration (fitted on the training windows) and how it scores here. */
  fitted: SpanCalibration;
  calibration: Omit<CalibrationEvaluation, "raw">;
}

/** Scores of the posterior's top spans and MBR span, and its calibration, on `validation`. */
function spanPosteriorEvaluation(training: Predictions, validation: Predictions): { evaluation: SpanPosteriorEvaluation; mbr: DecoderScores } {
  const head = validation.head;
  const scored = (p: Predictions) => ({ windows: p.spans.length, bars: p.bars, spanScores: p.spanScores, probabilities: p.probabilities });
  const fitted = fitSpanCalibration(head, training.spanContext, scored(training), training.barTruth);
  const { raw, ...calibration } = evaluateSpanCalibration(fitted, head, validation.spanContext, scored(validation), validation.barTruth);
  const mbrSpans = raw.map((summary) => ({ start: summary.mbr.start, end: summary.mbr.end }));
  const bestIoU = raw.map((summary, w) => Math.max(...summary.top.map((span) => spanIoU(span, validation.spans[w]!))));
  const hits = raw.map((summary, w) =>
    summary.top.some((span) => span.start === validation.spans[w]!.start && span.end === validation.spans[w]!.end) ? 1 : 0,
  );
  return {
    evaluation: {
      topK: raw[0]?.top.length ?? 0,
      topBestIoU: mean(bestIoU),
      topHit: mean(hits),
      claimedExpectedIoU: mean(raw.map((summary) => summary.mbr.expectedIoU)),
      fitted,
      calibration,
    },
    mbr: {
      decoder: "minimum_risk",
      description: "the minimum-Bayes-risk span: the one maximising the expected IoU under the head's exact single-span posterior (docs/spec.md §12)",
      pooled: pooledSpanScores(maskOfSpans(mbrSpans, validation.bars), validation.barTruth, validation.bars),
      spanLevel: spanLevelScores(mbrSpans, validation.spans),
    },
  };
}

/** −mean log p(y) on `labels` under the class frequencies of `prior` (add-one smoothed, so no class has p = 0). */
function priorCrossEntropy(prior: Int32Array, labels: Int32Array): number {
  const classes = Math.max(...prior, ...labels) + 1;
  const counts = new Array<number>(classes).fill(1);
  for (const label of prior) counts[label]!++;
  const total = prior.length + classes;
  let sum = 0;
  for (const label of labels) sum -= Math.log(counts[label]! / total);
  return sum / labels.length;
}

/** Share of rows of (W, classes) logits whose argmax (first on ties) is `target`. */
function predictedShare(logits: Float32Array, classes: number, target: number): number {
  const windows = logits.length / classes;
  let hits = 0;
  for (let w = 0; w < windows; w++) {
    let best = 0;
    for (let c = 1; c < classes; c++) if (logits[w * classes + c]! > logits[w * classes + best]!) best = c;
    if (best === target) hits++;
  }
  return windows === 0 ? 0 : hits / windows;
}

/** The most frequent label (ties: the lowest class id). */
function mostCommon(labels: Int32Array): number {
  const counts = new Map<number, number>();
  for (const label of labels) counts.set(label, (counts.get(label) ?? 0) + 1);
  let best = 0;
  let bestCount = -1;
  for (const [label, count] of [...counts].sort((a, b) => a[0] - b[0])) {
    if (count > bestCount) {
      best = label;
      bestCount = count;
    }
  }
  return best;
}

function maskOfSpans(spans: readonly (Span | readonly Span[])[], bars: number): Uint8Array {
  return spanTargetsMask(spans, bars);
}

function thresholdMask(probabilities: ArrayLike<number>, threshold: number, bars: number, minRunLength: number): Uint8Array {
  const mask = new Uint8Array(probabilities.length);
  for (let i = 0; i < mask.length; i++) mask[i] = probabilities[i]! > threshold ? 1 : 0;
  return minRunLength > 1 ? removeShortRuns(mask, minRunLength, bars) : mask;
}

function scoreMask(decoder: string, description: string, mask: Uint8Array, truth: Predictions, threshold?: number): DecoderScores {
  return {
    decoder,
    description,
    ...(threshold !== undefined ? { threshold } : {}),
    pooled: pooledSpanScores(mask, truth.barTruth, truth.bars),
    spanLevel: spanLevelScores(predictedSpansFromMask(mask, truth.spans.length, truth.bars), truth.spans),
  };
}

function histogram(probabilities: Float32Array, targets: Uint8Array, bins: number): { inSpan: number[]; outOfSpan: number[] } {
  const inSpan = new Array<number>(bins).fill(0);
  const outOfSpan = new Array<number>(bins).fill(0);
  for (let i = 0; i < probabilities.length; i++) {
    const bin = Math.min(bins - 1, Math.floor(probabilities[i]! * bins));
    (targets[i] ? inSpan : outOfSpan)[bin]!++;
  }
  return { inSpan, outOfSpan };
}

/**
 * Evaluates a run: `training` predictions choose thresholds, `validation` predictions are scored.
 * `minRunLength` > 1 removes shorter predicted runs before scoring (and when choosing thresholds).
 */
export function evaluateRun(training: Predictions, validation: Predictions, options: { minRunLength?: number; spanPosterior?: boolean } = {}): RunEvaluation {
  const minRunLength = options.minRunLength ?? 1;
  const bars = validation.bars;
  const sweep = (p: Predictions, source: Float32Array) => thresholdSweep(source, p.barTruth, bars, { minRunLength });
  const choose = (kind: ThresholdChoice["source"], train: Float32Array, valid: Float32Array): ThresholdChoice => {
    const best = bestThreshold(sweep(training, train));
    const validationSweep = sweep(validation, valid);
    return { source: kind, threshold: best.threshold, trainingF1: best.f1, validationSweep, validationOracle: bestThreshold(validationSweep) };
  };
  const head = validation.head;
  const main = choose("probabilities", training.probabilities, validation.probabilities);
  const thresholds = [main];
  const decoders: DecoderScores[] = [];
  // The head's own decoders first (the CRF's Viterbi), then its thresholded probabilities, then its readings.
  for (const path of head.pathDecoders) decoders.push(scoreMask(path.key, path.description, validation.paths[path.key]!, validation));
  decoders.push(
    scoreMask(
      head.thresholdDecoder.key,
      head.thresholdDecoder.description,
      thresholdMask(validation.probabilities, main.threshold, bars, minRunLength),
      validation,
      main.threshold,
    ),
  );
  for (const reading of head.probabilityReadings) {
    const choice = choose(reading.key, training.readings[reading.key]!, validation.readings[reading.key]!);
    thresholds.push(choice);
    decoders.push(
      scoreMask(
        reading.decoder,
        reading.description,
        thresholdMask(validation.readings[reading.key]!, choice.threshold, bars, minRunLength),
        validation,
        choice.threshold,
      ),
    );
  }
  decoders.push({
    decoder: "single_span",
    description: head.singleSpanDescription,
    pooled: pooledSpanScores(maskOfSpans(validation.singleSpans, bars), validation.barTruth, bars),
    spanLevel: spanLevelScores(validation.singleSpans, validation.spans),
  });

  // Sensitivity points only compare the primary metric: they skip the posterior's calibration (~0.5 s a run).
  const posterior = options.spanPosterior === false ? null : spanPosteriorEvaluation(training, validation);
  if (posterior) decoders.push(posterior.mbr);

  const targets = maskOfSpans(validation.barTruth, bars);
  const trainingRate = inSpanRate(training.barTruth, bars);
  const majorityClass = mostCommon(training.labels);
  const majorityHits = validation.labels.reduce((hits, label) => hits + (label === majorityClass ? 1 : 0), 0);
  return {
    windows: validation.spans.length,
    minRunLength,
    macroAtHalf: macroSpanScores(validation.probabilities, validation.barTruth, bars, 0.5),
    thresholds,
    decoders,
    separation: probabilitySeparation(validation.probabilities, validation.barTruth, bars),
    calibration: {
      expectedCalibrationError: expectedCalibrationError(validation.probabilities, targets),
      brierScore: brierScore(validation.probabilities, targets),
      bins: reliabilityDiagram(validation.probabilities, targets),
    },
    pointers: pointerErrors(validation.pointers, validation.spans, bars),
    classificationAccuracy: classificationAccuracy(validation.classLogits, validation.labels, 3),
    predictedMajorityShare: predictedShare(validation.classLogits, 3, majorityClass),
    baselines: {
      allPositive: allPositiveScores(validation.barTruth, bars),
      priorRate: priorRateScores(validation.barTruth, bars, validation.spans.length, trainingRate),
      majorityClassAccuracy: majorityHits / validation.labels.length,
      majorityClass,
      priorCrossEntropy: priorCrossEntropy(training.labels, validation.labels),
    },
    histogram: { bins: 50, ...histogram(validation.probabilities, targets, 50) },
    ...(posterior ? { spanPosterior: posterior.evaluation } : {}),
  };
}

/** Per-window true-positive, false-positive and false-negative bar counts of one decoder's mask. */
export interface WindowCounts {
  truePositives: Float64Array;
  falsePositives: Float64Array;
  falseNegatives: Float64Array;
}

/**
 * The per-window bar counts behind the pooled F1 of the head's native decoder (its path decoder, or its
 * thresholded probabilities at the threshold the run chose on its training windows): what a window
 * bootstrap of that F1 resamples (src/compare/analysis/sensitivity.ts).
 */
export function nativeWindowCounts(validation: Predictions, evaluation: RunEvaluation): WindowCounts {
  const head = validation.head;
  const bars = validation.bars;
  const native = head.pathDecoders.find((path) => path.key === head.nativeDecoder);
  const mask = native
    ? validation.paths[native.key]!
    : thresholdMask(validation.probabilities, evaluation.thresholds[0]!.threshold, bars, evaluation.minRunLength);
  const truth = maskOfSpans(validation.barTruth, bars);
  const windows = validation.spans.length;
  const counts: WindowCounts = {
    truePositives: new Float64Array(windows),
    falsePositives: new Float64Array(windows),
    falseNegatives: new Float64Array(windows),
  };
  for (let w = 0; w < windows; w++) {
    for (let t = w * bars; t < (w + 1) * bars; t++) {
      if (mask[t] && truth[t]) counts.truePositives[w]!++;
      else if (mask[t]) counts.falsePositives[w]!++;
      else if (truth[t]) counts.falseNegatives[w]!++;
    }
  }
  return counts;
}
