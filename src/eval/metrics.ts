/**
 * Evaluation metrics of docs/spec.md §6 for the span heads, the pointer head and the class head.
 *
 * Inputs are flat arrays with their shapes passed as arguments: per-bar probabilities are (W, T)
 * row-major (W windows of T = `bars` bars), a 0/1 prediction mask likewise. The per-bar scores take each
 * window's truth as one inclusive `{ start, end }` or the list of every annotated span it holds
 * (`WindowTruth`, src/eval/truth.ts); span-level scores take one true span per window. Every function is pure and accumulates
 * in float64, whatever the input array type.
 *
 * Conventions used throughout (and tested):
 *  - Precision, recall and F1 follow scikit-learn's `zero_division=0`: precision with no predicted
 *    positives is 0, recall with no actual positives is 0, and F1 is 0 when P + R = 0.
 *  - Every other mean or rate over an EMPTY set (an empty Summary, mean IoU of zero windows, start/end
 *    error when no window has a prediction, accuracy of zero samples, MAE of zero pointers) is NaN —
 *    "undefined", never a 0 that would read as a perfect or a useless score.
 *  - Bar indices are integers; a span [s, e] covers e − s + 1 bars.
 */

import { runsFromMask } from "../model/span_decoding.js";
import { barsIoU } from "../model/span_posterior_summary.js";
import { checkTruth, truthMask, type WindowTruth } from "./truth.js";

/** An inclusive span of bars: `start`…`end`, 0 ≤ start ≤ end < bars. */
export interface Span {
  start: number;
  end: number;
}

/** Precision, recall and F1 (each in [0, 1], zero-division conventions as in the module doc). */
export interface PrfScores {
  precision: number;
  recall: number;
  f1: number;
}

/** Pooled (micro) bar-level scores with the confusion counts they come from. */
export interface PooledScores extends PrfScores {
  truePositives: number;
  falsePositives: number;
  falseNegatives: number;
  /** Bars that are in-span in truth: TP + FN. */
  nTrue: number;
  /** Bars predicted in-span: TP + FP. */
  nPredicted: number;
}

/**
 * Precision, recall and F1 from confusion counts with scikit-learn's `zero_division=0`:
 * P = TP/(TP+FP) or 0 when TP+FP = 0; R = TP/(TP+FN) or 0 when TP+FN = 0; F1 = 2PR/(P+R) or 0 when P+R = 0.
 */
export function prfFromCounts(truePositives: number, falsePositives: number, falseNegatives: number): PrfScores {
  const precision = truePositives + falsePositives > 0 ? truePositives / (truePositives + falsePositives) : 0;
  const recall = truePositives + falseNegatives > 0 ? truePositives / (truePositives + falseNegatives) : 0;
  return { precision, recall, f1: f1Score(precision, recall) };
}

/** Harmonic mean 2PR/(P+R), 0 when P + R = 0. */
export function f1Score(precision: number, recall: number): number {
  return precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
}

// ---------------------------------------------------------------------------------------------------
// Input checks

function checkBars(name: string, bars: number): void {
  if (!Number.isInteger(bars) || bars < 1) throw new Error(`${name}: bars must be a positive integer, got ${bars}`);
}

/** Throws unless every span is an integer range inside [0, bars − 1] with start ≤ end. */
export function checkSpans(name: string, spans: readonly Span[], bars: number): void {
  checkBars(name, bars);
  spans.forEach((span, w) => {
    const { start, end } = span;
    if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end < start || end >= bars) {
      throw new Error(`${name}: span of window ${w} must satisfy 0 ≤ start ≤ end < ${bars} (integers), got [${start}, ${end}]`);
    }
  });
}

function checkShape(name: string, what: string, length: number, windows: number, bars: number): void {
  if (length !== windows * bars) {
    throw new Error(`${name}: ${what} length ${length} ≠ W ${windows} × T ${bars}`);
  }
}

function checkProbability(name: string, p: number, index: number): void {
  if (!(p >= 0 && p <= 1)) throw new Error(`${name}: probability at index ${index} must be in [0, 1], got ${p}`);
}

// ---------------------------------------------------------------------------------------------------
// Bar-level span scores

/**
 * Per-window (macro) span precision / recall / F1, as the reference logs them every epoch (docs/spec.md §6):
 * for each window, bar t is predicted in-span iff p > `threshold` (strictly); TP/FP/FN are counted over
 * that window's bars; P, R and F1 are computed per window (zero_division=0) and then averaged over the
 * windows with equal weight. Note the mean F1 is the mean of per-window F1s, not 2·P̄·R̄/(P̄+R̄).
 * Zero windows give all zeros.
 *
 * @param probabilities (W, T) per-bar p(in span), row-major; W = spans.length
 * @param spans the truth of each window: its span, or all its annotated spans
 * @param bars T
 * @param threshold decision threshold; default 0.5
 */
export function macroSpanScores(probabilities: ArrayLike<number>, spans: readonly WindowTruth[], bars: number, threshold = 0.5): PrfScores {
  checkTruth("macroSpanScores", spans, bars);
  checkShape("macroSpanScores", "probabilities", probabilities.length, spans.length, bars);
  const mask = new Uint8Array(probabilities.length);
  for (let i = 0; i < probabilities.length; i++) {
    const p = probabilities[i]!;
    if (Number.isNaN(p)) throw new Error(`macroSpanScores: probability at index ${i} is NaN`);
    mask[i] = p > threshold ? 1 : 0;
  }
  return macroSpanScoresFromMask(mask, spans, bars);
}

/**
 * {@link macroSpanScores} for a ready 0/1 prediction mask (W, T): any non-zero entry is a predicted
 * in-span bar.
 */
export function macroSpanScoresFromMask(mask: ArrayLike<number>, spans: readonly WindowTruth[], bars: number): PrfScores {
  checkTruth("macroSpanScoresFromMask", spans, bars);
  checkShape("macroSpanScoresFromMask", "mask", mask.length, spans.length, bars);
  const truth = truthMask(spans, bars);
  const windows = spans.length;
  if (windows === 0) return { precision: 0, recall: 0, f1: 0 };
  let sumP = 0;
  let sumR = 0;
  let sumF = 0;
  for (let w = 0; w < windows; w++) {
    let tp = 0;
    let fp = 0;
    let fn = 0;
    const base = w * bars;
    for (let t = 0; t < bars; t++) {
      const predicted = mask[base + t] !== 0;
      const actual = truth[base + t] !== 0;
      if (predicted && actual) tp++;
      else if (predicted) fp++;
      else if (actual) fn++;
    }
    const s = prfFromCounts(tp, fp, fn);
    sumP += s.precision;
    sumR += s.recall;
    sumF += s.f1;
  }
  return { precision: sumP / windows, recall: sumR / windows, f1: sumF / windows };
}

/**
 * Pooled (micro) bar-level precision / recall / F1: TP, FP and FN are summed over all W·T bars and
 * the scores computed once from the totals (zero_division=0). This is the threshold-analysis score of
 * docs/spec.md §6 (and what `scoreRule` in rule_baseline.ts computes).
 *
 * @param mask (W, T) 0/1 prediction mask (non-zero = predicted in-span)
 */
export function pooledSpanScores(mask: ArrayLike<number>, spans: readonly WindowTruth[], bars: number): PooledScores {
  checkTruth("pooledSpanScores", spans, bars);
  checkShape("pooledSpanScores", "mask", mask.length, spans.length, bars);
  const truth = truthMask(spans, bars);
  let tp = 0;
  let fp = 0;
  let fn = 0;
  for (let i = 0; i < truth.length; i++) {
    const predicted = mask[i] !== 0;
    const actual = truth[i] !== 0;
    if (predicted && actual) tp++;
    else if (predicted) fp++;
    else if (actual) fn++;
  }
  return pooledFromCounts(tp, fp, fn);
}

/** {@link PooledScores} from confusion counts. */
export function pooledFromCounts(truePositives: number, falsePositives: number, falseNegatives: number): PooledScores {
  return {
    ...prfFromCounts(truePositives, falsePositives, falseNegatives),
    truePositives,
    falsePositives,
    falseNegatives,
    nTrue: truePositives + falseNegatives,
    nPredicted: truePositives + falsePositives,
  };
}

// ---------------------------------------------------------------------------------------------------
// Probability separation

/** Descriptive statistics of a set of numbers with the POPULATION standard deviation (divide by n). */
export interface Summary {
  count: number;
  mean: number;
  /** Population standard deviation √(Σ(x − mean)²/n); 0 for one value. */
  std: number;
  min: number;
  max: number;
  /** Middle value; for an even count the mean of the two middle values (numpy's median). */
  median: number;
}

/** Median of a SORTED array (mean of the two middle values for an even length); NaN when empty. */
export function sortedMedian(sorted: ArrayLike<number>): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const mid = n >> 1;
  return n % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** {@link Summary} of `values` (population std). Empty input: count 0 and NaN for everything else. */
export function populationSummary(values: ArrayLike<number>): Summary {
  const n = values.length;
  if (n === 0) return { count: 0, mean: NaN, std: NaN, min: NaN, max: NaN, median: NaN };
  const sorted = Float64Array.from(values).sort();
  let sum = 0;
  for (let i = 0; i < n; i++) sum += sorted[i]!;
  const mean = sum / n;
  let squares = 0;
  for (let i = 0; i < n; i++) squares += (sorted[i]! - mean) ** 2;
  return { count: n, mean, std: Math.sqrt(squares / n), min: sorted[0]!, max: sorted[n - 1]!, median: sortedMedian(sorted) };
}

/** Per-bar probabilities split by the truth: in-span bars vs out-of-span bars. */
export interface ProbabilitySeparation {
  inSpan: Summary;
  outOfSpan: Summary;
  /** inSpan.mean − outOfSpan.mean (NaN when either group is empty). */
  separation: number;
}

/**
 * Probability separation (docs/spec.md §6): summaries of p over the in-span bars and over the out-of-span bars
 * of all windows, and the difference of their means. A span head that has learned nothing scores ≈ 0.
 *
 * @param probabilities (W, T) per-bar p(in span)
 */
export function probabilitySeparation(probabilities: ArrayLike<number>, spans: readonly WindowTruth[], bars: number): ProbabilitySeparation {
  checkTruth("probabilitySeparation", spans, bars);
  checkShape("probabilitySeparation", "probabilities", probabilities.length, spans.length, bars);
  const truth = truthMask(spans, bars);
  const inside: number[] = [];
  const outside: number[] = [];
  for (let i = 0; i < truth.length; i++) {
    const p = probabilities[i]!;
    if (Number.isNaN(p)) throw new Error(`probabilitySeparation: probability at index ${i} is NaN`);
    (truth[i] !== 0 ? inside : outside).push(p);
  }
  const inSummary = populationSummary(inside);
  const outSummary = populationSummary(outside);
  return { inSpan: inSummary, outOfSpan: outSummary, separation: inSummary.mean - outSummary.mean };
}

// ---------------------------------------------------------------------------------------------------
// Span-level scores

/**
 * Intersection over union of two inclusive integer bar ranges: |∩| / |∪| with |[s, e]| = e − s + 1,
 * so [3, 5] vs [5, 8] share 1 bar of 6 → 1/6. A missing prediction (`null`) scores 0. Symmetric, in [0, 1],
 * 1 exactly when the ranges are equal.
 */
export function spanIoU(pred: Span | null, truth: Span): number {
  return pred === null ? 0 : barsIoU(pred.start, pred.end, truth.start, truth.end);
}

/** IoU at or above which a predicted span counts as correct in the strict span scores. */
export const STRICT_IOU = 0.5;

/**
 * Span-level scores of one predicted span (or none) per window against the true spans. The inherited
 * precision = correct / predictedWindows, recall = correct / windows, F1 of the two (zero_division=0).
 */
export interface SpanLevelScores extends PrfScores {
  /** Windows scored (W). */
  windows: number;
  /** Windows with a predicted span (non-null). */
  predictedWindows: number;
  /** Mean IoU over ALL windows; a window without a prediction counts as IoU 0. NaN when W = 0. */
  meanIoU: number;
  /**
   * hit@k for each requested k: the share of ALL windows whose predicted start AND end are both within
   * k bars of the truth (|Δstart| ≤ k and |Δend| ≤ k); no prediction is a miss. NaN when W = 0.
   */
  hitAt: { k: number; rate: number }[];
  /** Mean |predicted start − true start| in bars over the windows WITH a prediction (NaN if none). */
  meanStartError: number;
  /** Mean |predicted end − true end| in bars over the windows WITH a prediction (NaN if none). */
  meanEndError: number;
  /** Windows whose prediction has IoU ≥ {@link STRICT_IOU}. */
  correct: number;
}

/**
 * Span-level scores (docs/spec.md §6): mean IoU, hit@k, mean boundary errors, and strict span precision /
 * recall / F1 where a predicted span is correct when its IoU with the true span is ≥ 0.5. Strict
 * precision is over the windows with a prediction, recall over all windows (zero_division=0).
 *
 * @param predicted one predicted span per window, or null where the decoder predicted nothing
 * @param truth the true span per window (same length)
 * @param ks the tolerances k (bars, non-negative integers) of hit@k; default [1, 3, 5]
 */
export function spanLevelScores(predicted: readonly (Span | null)[], truth: readonly Span[], ks: readonly number[] = [1, 3, 5]): SpanLevelScores {
  if (predicted.length !== truth.length) {
    throw new Error(`spanLevelScores: ${predicted.length} predictions for ${truth.length} true spans`);
  }
  for (const k of ks) if (!(k >= 0) || !Number.isFinite(k)) throw new Error(`spanLevelScores: k must be a finite number ≥ 0, got ${k}`);
  for (const [w, span] of truth.entries()) checkSpanShape("spanLevelScores", "true span", span, w);
  for (const [w, span] of predicted.entries()) if (span !== null) checkSpanShape("spanLevelScores", "predicted span", span, w);
  const windows = truth.length;
  let sumIoU = 0;
  let predictedWindows = 0;
  let correct = 0;
  let sumStart = 0;
  let sumEnd = 0;
  const hits = ks.map(() => 0);
  for (let w = 0; w < windows; w++) {
    const pred = predicted[w]!;
    const gold = truth[w]!;
    const iou = spanIoU(pred, gold);
    sumIoU += iou;
    if (pred === null) continue;
    predictedWindows++;
    if (iou >= STRICT_IOU) correct++;
    const startError = Math.abs(pred.start - gold.start);
    const endError = Math.abs(pred.end - gold.end);
    sumStart += startError;
    sumEnd += endError;
    ks.forEach((k, i) => {
      if (startError <= k && endError <= k) hits[i]!++;
    });
  }
  const precision = predictedWindows > 0 ? correct / predictedWindows : 0;
  const recall = windows > 0 ? correct / windows : 0;
  return {
    windows,
    predictedWindows,
    meanIoU: windows > 0 ? sumIoU / windows : NaN,
    hitAt: ks.map((k, i) => ({ k, rate: windows > 0 ? hits[i]! / windows : NaN })),
    meanStartError: predictedWindows > 0 ? sumStart / predictedWindows : NaN,
    meanEndError: predictedWindows > 0 ? sumEnd / predictedWindows : NaN,
    correct,
    precision,
    recall,
    f1: f1Score(precision, recall),
  };
}

function checkSpanShape(name: string, what: string, span: Span, w: number): void {
  if (!Number.isInteger(span.start) || !Number.isInteger(span.end) || span.start < 0 || span.end < span.start) {
    throw new Error(`${name}: ${what} of window ${w} must be integers with 0 ≤ start ≤ end, got [${span.start}, ${span.end}]`);
  }
}

/**
 * The predicted span of one window under threshold decoding: the LONGEST run of non-zero entries of its
 * mask row (ties: the earliest run), or null when the row has no positive bar.
 */
export function predictedSpanFromMask(maskRow: ArrayLike<number | boolean>): Span | null {
  let best: Span | null = null;
  for (const [start, end] of runsFromMask(maskRow)) {
    // Strictly longer only: the earliest run wins ties.
    if (best === null || end - start > best.end - best.start) best = { start, end };
  }
  return best;
}

/** {@link predictedSpanFromMask} for every row of a (W, T) mask. */
export function predictedSpansFromMask(mask: ArrayLike<number | boolean>, windows: number, bars: number): (Span | null)[] {
  checkBars("predictedSpansFromMask", bars);
  checkShape("predictedSpansFromMask", "mask", mask.length, windows, bars);
  const out: (Span | null)[] = [];
  for (let w = 0; w < windows; w++) {
    const row = Array.from({ length: bars }, (_, t) => mask[w * bars + t]!);
    out.push(predictedSpanFromMask(row));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Pointer and class heads

/** Mean absolute pointer errors, in BARS. */
export interface PointerErrors {
  /** Mean |center·bars − (s + e)/2| over windows, in bars. */
  centerMae: number;
  /** Mean |length·bars − (e − s)| over windows, in bars (the pointer length is e − s, not e − s + 1). */
  lengthMae: number;
}

/**
 * Pointer head errors (docs/spec.md §6) in bars. The head predicts (center, length) normalised by the window
 * length: the targets are center = (s + e)/2/bars and length = (e − s)/bars (docs/spec.md §4), so both are
 * multiplied back by `bars` and compared with (s + e)/2 and e − s. NaN for zero windows.
 *
 * @param pointers (W, 2) row-major [center, length] per window, normalised by `bars`
 * @param bars the normaliser (window length); default 105
 */
export function pointerErrors(pointers: ArrayLike<number>, spans: readonly Span[], bars = 105): PointerErrors {
  checkSpans("pointerErrors", spans, bars);
  checkShape("pointerErrors", "pointers", pointers.length, spans.length, 2);
  const windows = spans.length;
  if (windows === 0) return { centerMae: NaN, lengthMae: NaN };
  let sumCenter = 0;
  let sumLength = 0;
  for (let w = 0; w < windows; w++) {
    const { start, end } = spans[w]!;
    const center = pointers[2 * w]!;
    const length = pointers[2 * w + 1]!;
    if (!Number.isFinite(center) || !Number.isFinite(length)) throw new Error(`pointerErrors: pointer of window ${w} is not finite`);
    sumCenter += Math.abs(center * bars - (start + end) / 2);
    sumLength += Math.abs(length * bars - (end - start));
  }
  return { centerMae: sumCenter / windows, lengthMae: sumLength / windows };
}

/**
 * Classification accuracy: the share of rows whose argmax over the C scores equals the label. Works on
 * logits or probabilities alike (argmax is the same). Ties go to the LOWEST class index. NaN for zero rows.
 *
 * @param scores (N, C) row-major logits or probabilities
 * @param labels N integer labels in [0, C)
 * @param classes C
 */
export function classificationAccuracy(scores: ArrayLike<number>, labels: ArrayLike<number>, classes: number): number {
  if (!Number.isInteger(classes) || classes < 1) throw new Error(`classificationAccuracy: classes must be a positive integer, got ${classes}`);
  const n = labels.length;
  checkShape("classificationAccuracy", "scores", scores.length, n, classes);
  if (n === 0) return NaN;
  let correct = 0;
  for (let i = 0; i < n; i++) {
    const label = labels[i]!;
    if (!Number.isInteger(label) || label < 0 || label >= classes) {
      throw new Error(`classificationAccuracy: label ${i} must be an integer in [0, ${classes}), got ${label}`);
    }
    let best = 0;
    for (let c = 0; c < classes; c++) {
      const x = scores[i * classes + c]!;
      if (Number.isNaN(x)) throw new Error(`classificationAccuracy: score (${i}, ${c}) is NaN`);
      if (x > scores[i * classes + best]!) best = c; // strict: the lowest index among ties
    }
    if (best === label) correct++;
  }
  return correct / n;
}

// ---------------------------------------------------------------------------------------------------
// Loss reduction

/**
 * Relative loss reduction (first − last)/first as a FRACTION (×100 for the reference's %). Positive when
 * the loss fell. Needs a finite first loss > 0 (a reduction relative to 0 or a negative loss is undefined).
 */
export function lossReduction(first: number, last: number): number {
  if (!(first > 0) || !Number.isFinite(first)) throw new Error(`lossReduction: first loss must be finite and > 0, got ${first}`);
  if (!Number.isFinite(last)) throw new Error(`lossReduction: last loss must be finite, got ${last}`);
  return (first - last) / first;
}

/** The reference's "normalised" loss reductions of the two heads (fractions). */
export interface NormalisedReduction {
  /** The soft head's plain reduction, left as is. */
  soft: number;
  /** The CRF head's plain reduction divided by {@link NormalisedReduction.scale}. */
  crf: number;
  /** crfFirst / softFirst: the ratio of epoch-1 validation losses (≈ 3.8 in the reference). */
  scale: number;
  /** The CRF's plain, unnormalised reduction. */
  crfRaw: number;
}

/**
 * The reference's "normalised reduction" (docs/spec.md §6), exactly as it computed it: the soft head's loss
 * reduction is left as is; the CRF head's is divided by the ratio of the epoch-1 validation losses,
 * crfFirst / softFirst.
 *
 * HEURISTIC — report it and flag it, do not decide on it: the two validation losses have different
 * CRF-vs-BCE span terms and scales, and dividing a relative reduction (already scale-free) by a ratio of
 * starting losses has no principled meaning. Reference: soft 17.6855 → 13.5232 (23.5%), CRF
 * 66.9362 → 38.7753 (42.1% raw; /3.785 → 11.1%).
 */
export function normalisedReduction(softFirst: number, softLast: number, crfFirst: number, crfLast: number): NormalisedReduction {
  const soft = lossReduction(softFirst, softLast);
  const crfRaw = lossReduction(crfFirst, crfLast);
  const scale = crfFirst / softFirst;
  return { soft, crf: crfRaw / scale, scale, crfRaw };
}

/** Internal: throws unless every entry is a probability in [0, 1]. Exported for the calibration module. */
export function checkProbabilities(name: string, probabilities: ArrayLike<number>): void {
  for (let i = 0; i < probabilities.length; i++) checkProbability(name, probabilities[i]!, i);
}
