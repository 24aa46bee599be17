/**
 * Calibrated confidence for a trained span head (docs/spec.md §12): fitted on one set of windows (a run's
 * training windows, or an inner fold's) and applied to others, never to the windows it scores.
 *
 * - A temperature T for the head's span posterior, fitted by the negative log-likelihood of each window's
 *   true (primary) span under the exactly-one-span posterior at T (src/model/temperature.ts): it rescales
 *   the boundary intervals, the top spans and P(IoU ≥ ½).
 * - An isotonic map of the per-bar p(in span) (at T = 1, the head's own probabilities) onto the observed
 *   in-span frequency.
 * - An isotonic map of the span-level confidence P(IoU(MBR, Y) ≥ ½), read at the fitted T, onto how often
 *   the MBR span's IoU with the true span really is ≥ ½.
 *
 * Everything here reads the one inference path's output (`inferWindows` with `spanScores: true`).
 */
import { expectedCalibrationError, reliabilityDiagram, type ReliabilityBin } from "../eval/calibration.js";
import {
  coverageWithInterval,
  fitIsotonic,
  fitTemperatureByNewton,
  applyIsotonic,
  type Coverage,
  type FittedTemperature,
  type IsotonicMap,
} from "../eval/recalibration.js";
import { spanIoU } from "../eval/metrics.js";
import { truthMask, truthSpans, type WindowTruth } from "../eval/truth.js";
import type { Inference } from "../model/inference.js";
import type { SpanHead, SpanHeadContext } from "../model/span_head.js";
import { spanCount } from "../model/span_index.js";
import { MinimumRiskWorkspace, summariseSpanPosterior, type SpanPosteriorSummary, type SpanPosteriorSummaryOptions } from "../model/span_posterior_summary.js";
import { temperLogPosterior, trueSpanLikelihoodDerivatives } from "../model/temperature.js";

/** What calibration reads of the one inference path's output (`inferWindows` with `spanScores: true`). */
export type ScoredWindows = Pick<Inference, "windows" | "bars" | "spanScores" | "probabilities">;

/** A head's fitted calibration, as comparison.json stores it per run. */
export interface SpanCalibration {
  /** Windows it was fitted on. */
  windows: number;
  temperature: FittedTemperature;
  /** Per-bar p (T = 1) → calibrated p(in span). */
  barMap: IsotonicMap;
  /** P(IoU(MBR, Y) ≥ ½) at the fitted T → calibrated probability. */
  spanMap: IsotonicMap;
}

/** The primary span of each window (the first listed): what "exactly one span" is scored against. */
function primarySpans(truth: readonly WindowTruth[]): { start: number; end: number }[] {
  return truth.map((one) => truthSpans(one)[0]!);
}

function requireSpanScores(head: SpanHead, inference: ScoredWindows): void {
  if (inference.spanScores.length !== inference.windows * inference.bars * head.width) {
    throw new Error("span calibration needs the inference's span scores (inferWindows with spanScores: true)");
  }
}

/** The head's (W, spanCount(T)) single-span log-posterior at T = 1, from the inference's raw span scores. */
export function inferenceLogPosterior(head: SpanHead, context: SpanHeadContext, inference: ScoredWindows): Float64Array {
  requireSpanScores(head, inference);
  return head.spanLogPosterior(inference.spanScores, inference.probabilities, context);
}

/** Each window's span-posterior summary of a T = 1 log-posterior tempered to `temperature`. */
export function summariesAtTemperature(
  logPosterior: Float64Array,
  bars: number,
  temperature: number,
  options: SpanPosteriorSummaryOptions = {},
): SpanPosteriorSummary[] {
  const tempered = temperLogPosterior(logPosterior, bars, temperature);
  const count = spanCount(bars);
  const workspace = new MinimumRiskWorkspace(bars);
  return Array.from({ length: tempered.length / count }, (_, w) =>
    summariseSpanPosterior(tempered.subarray(w * count, (w + 1) * count), bars, options, workspace),
  );
}

/** Whether each window's MBR span has IoU ≥ ½ with its true span: the outcome the span confidence predicts. */
function mbrHits(summaries: readonly SpanPosteriorSummary[], truth: readonly WindowTruth[]): number[] {
  return summaries.map((summary, w) => (spanIoU({ start: summary.mbr.start, end: summary.mbr.end }, primarySpans([truth[w]!])[0]!) >= 0.5 ? 1 : 0));
}

/** Fits the three maps on windows the caller has chosen (never the ones they will score). */
export function fitSpanCalibration(head: SpanHead, context: SpanHeadContext, inference: ScoredWindows, truth: readonly WindowTruth[]): SpanCalibration {
  if (truth.length !== inference.windows) throw new Error(`span calibration: ${truth.length} truths for ${inference.windows} windows`);
  const logPosterior = inferenceLogPosterior(head, context, inference);
  const spans = primarySpans(truth);
  const temperature = fitTemperatureByNewton((beta) => trueSpanLikelihoodDerivatives(logPosterior, inference.bars, spans, beta));
  const summaries = summariesAtTemperature(logPosterior, inference.bars, temperature.temperature);
  return {
    windows: inference.windows,
    temperature,
    barMap: fitIsotonic(inference.probabilities, truthMask(truth, inference.bars)),
    spanMap: fitIsotonic(
      summaries.map((summary) => summary.probabilityIoUAtLeastHalf),
      mbrHits(summaries, truth),
    ),
  };
}

/** One window's calibrated readings. */
export interface CalibratedWindow {
  summary: SpanPosteriorSummary;
  /** P(IoU(MBR, Y) ≥ ½) after the span map. */
  spanConfidence: number;
}

/** The calibrated span summaries and per-bar probabilities of `inference`'s windows. */
export function applySpanCalibration(
  calibration: SpanCalibration,
  head: SpanHead,
  context: SpanHeadContext,
  inference: ScoredWindows,
  logPosterior: Float64Array = inferenceLogPosterior(head, context, inference),
  options: SpanPosteriorSummaryOptions = {},
): { windows: CalibratedWindow[]; barProbabilities: Float64Array } {
  const summaries = summariesAtTemperature(logPosterior, inference.bars, calibration.temperature.temperature, options);
  return {
    windows: summaries.map((summary) => ({ summary, spanConfidence: applyIsotonic(calibration.spanMap, summary.probabilityIoUAtLeastHalf) })),
    barProbabilities: Float64Array.from(inference.probabilities, (p) => applyIsotonic(calibration.barMap, p)),
  };
}

/** How well calibrated a head is on scored windows, before (T = 1, raw p) and after its calibration. */
export interface CalibrationEvaluation {
  temperature: number;
  /** Each scored window's posterior summary at T = 1 (the head's own): for the MBR and top-k decoders. */
  raw: SpanPosteriorSummary[];
  bars: { eceBefore: number; eceAfter: number; reliabilityBefore: ReliabilityBin[]; reliabilityAfter: ReliabilityBin[] };
  spans: { eceBefore: number; eceAfter: number; reliabilityBefore: ReliabilityBin[]; reliabilityAfter: ReliabilityBin[] };
  /** Coverage of the 90% start and end intervals: at T = 1 and at the fitted T. */
  coverage: { startBefore: Coverage; endBefore: Coverage; startAfter: Coverage; endAfter: Coverage };
}

function covered(summaries: readonly SpanPosteriorSummary[], truth: readonly WindowTruth[], which: "start" | "end"): Coverage {
  const spans = primarySpans(truth);
  let hits = 0;
  summaries.forEach((summary, w) => {
    const interval = which === "start" ? summary.startInterval : summary.endInterval;
    const bar = spans[w]![which];
    if (bar >= interval.lo && bar <= interval.hi) hits++;
  });
  return coverageWithInterval(hits, summaries.length);
}

/** Scores `calibration` on windows it was not fitted on. */
export function evaluateSpanCalibration(
  calibration: SpanCalibration,
  head: SpanHead,
  context: SpanHeadContext,
  inference: ScoredWindows,
  truth: readonly WindowTruth[],
): CalibrationEvaluation {
  if (truth.length !== inference.windows) throw new Error(`span calibration: ${truth.length} truths for ${inference.windows} windows`);
  const mask = truthMask(truth, inference.bars);
  const logPosterior = inferenceLogPosterior(head, context, inference);
  const raw = summariesAtTemperature(logPosterior, inference.bars, 1);
  const calibrated = applySpanCalibration(calibration, head, context, inference, logPosterior);
  const rawConfidence = raw.map((summary) => summary.probabilityIoUAtLeastHalf);
  const calibratedConfidence = calibrated.windows.map((window) => window.spanConfidence);
  const rawHits = mbrHits(raw, truth);
  const calibratedHits = mbrHits(
    calibrated.windows.map((window) => window.summary),
    truth,
  );
  return {
    temperature: calibration.temperature.temperature,
    raw,
    bars: {
      eceBefore: expectedCalibrationError(inference.probabilities, mask),
      eceAfter: expectedCalibrationError(calibrated.barProbabilities, mask),
      reliabilityBefore: reliabilityDiagram(inference.probabilities, mask),
      reliabilityAfter: reliabilityDiagram(calibrated.barProbabilities, mask),
    },
    spans: {
      eceBefore: expectedCalibrationError(rawConfidence, rawHits),
      eceAfter: expectedCalibrationError(calibratedConfidence, calibratedHits),
      reliabilityBefore: reliabilityDiagram(rawConfidence, rawHits),
      reliabilityAfter: reliabilityDiagram(calibratedConfidence, calibratedHits),
    },
    coverage: {
      startBefore: covered(raw, truth, "start"),
      endBefore: covered(raw, truth, "end"),
      startAfter: covered(
        calibrated.windows.map((window) => window.summary),
        truth,
        "start",
      ),
      endAfter: covered(
        calibrated.windows.map((window) => window.summary),
        truth,
        "end",
      ),
    },
  };
}
