/**
 * The headline metrics of a comparison: for each, its key, label, unit, better direction and how to read
 * it off a run. Labels that name decoders or probabilities are built from the compared objectives' heads,
 * so a new span head brings its own wording; a metric only some heads have (a probability reading) is
 * defined for the runs whose evaluation has its decoder.
 */
import { TASKS } from "../model/jade_compact.js";
import { spanHead } from "../model/heads/registry.js";
import type { EpochRecord } from "../train/records.js";
import { words } from "./analysis/objectives.js";
import type { RunEvaluation } from "./evaluate.js";
import type { ObjectiveDescription, RunResult, ValueKind } from "./types.js";

export type RunFacts = Pick<RunResult, "objective" | "records" | "evaluation" | "training">;

/** A headline metric: how to read it off a run, and which direction is better. */
export interface MetricDefinition {
  key: string;
  label: string;
  /** Name in narrow tables and lists; the label when absent. */
  shortLabel?: string;
  unit: string;
  higherIsBetter: boolean | null;
  /** Whether a run has the metric at all (e.g. only runs whose evaluation has a given decoder); default: every run. */
  definedFor?: (run: Pick<RunResult, "evaluation">) => boolean;
  note?: string;
  value(run: RunFacts): number;
}

function decoder(evaluation: RunEvaluation, key: string) {
  const found = evaluation.decoders.find((d) => d.decoder === key);
  if (!found) throw new Error(`no ${key} decoder in this evaluation`);
  return found;
}

const hasDecoder = (key: string) => (run: Pick<RunResult, "evaluation">) => run.evaluation.decoders.some((d) => d.decoder === key);

/** Each objective's own decoder (the soft head thresholds p, the CRF runs Viterbi): its head says which. */
function nativeDecoder(run: Pick<RunResult, "objective" | "evaluation">) {
  return decoder(run.evaluation, spanHead(run.objective).nativeDecoder);
}

/** The primary metric (`f1_native`): span F1 of the objective's own decoder, pooled over the scored windows. */
export function primaryMetricValue(run: Pick<RunResult, "objective" | "evaluation">): number {
  return nativeDecoder(run).pooled.f1;
}

/** Threshold decoding of the head's per-bar p (sigmoid, posterior marginals). */
function thresholdDecoder(run: Pick<RunResult, "objective" | "evaluation">) {
  return decoder(run.evaluation, spanHead(run.objective).thresholdDecoder.key);
}

/** The value kind of a unit: how the bundle prints a metric measured in it. */
export function valueKindOfUnit(unit: string): ValueKind {
  switch (unit) {
    case "loss":
      return "loss";
    case "σ":
      return "sigma";
    case "%":
      return "percent";
    case "bars":
      return "bars";
    case "epoch":
      return "epoch";
    case "s":
      return "seconds";
    default:
      // F1 (0–1), 0–1, IoU (0–1), rate (0–1), p: all scores on [0, 1].
      return "score";
  }
}

const last = (records: EpochRecord[]) => records[records.length - 1]!;
const LOSS_SCALE_NOTE = "not comparable across objectives: the CRF's span loss is an NLL summed over 105 bars, the soft span loss a per-bar mean";

/** Short names of metrics for narrow tables and lists (the full label is in the CSV). */
const SHORT_LABEL: Record<string, string> = {
  f1_native: "F1, own decoder",
  precision_native: "precision, own decoder",
  recall_native: "recall, own decoder",
  f1_threshold: "F1, threshold on p",
  threshold: "chosen threshold",
  f1_single_span: "F1, single span",
  iou_single_span: "IoU, single span",
  strict_f1_single_span: "strict span F1",
  hit1_single_span: "hit@1",
  hit3_single_span: "hit@3",
  hit5_single_span: "hit@5",
  start_error_single_span: "start error",
  end_error_single_span: "end error",
  iou_native: "IoU, own decoder",
  macro_f1_at_half: "macro F1 at 0.5",
  in_span_mean: "in-span mean p",
  out_of_span_mean: "out-of-span mean p",
  separation: "Separation",
  ece: "ECE",
  brier: "Brier",
  pointer_center_mae: "pointer center MAE",
  pointer_length_mae: "pointer length MAE",
  classification_accuracy: "classification accuracy",
};

const hasPosterior = (run: Pick<RunResult, "evaluation">) => run.evaluation.spanPosterior !== undefined;
// Read only where `definedFor: hasPosterior` holds.
const posterior = (run: Pick<RunResult, "evaluation">) => run.evaluation.spanPosterior!;

/** The exact span posterior's decoders and calibration (docs/spec.md §12); absent from runs evaluated before it existed. */
function spanPosteriorMetrics(): MetricDefinition[] {
  const coverageNote = "target 0.9: an equal-tailed interval of a discrete marginal holds ≥ 90% of the mass, so a calibrated head covers a little more";
  return [
    {
      key: "f1_minimum_risk",
      label: "Span F1, minimum-Bayes-risk span (max expected IoU under the exact span posterior)",
      shortLabel: "F1, MBR span",
      unit: "F1 (0–1)",
      higherIsBetter: true,
      definedFor: hasDecoder("minimum_risk"),
      value: (r) => decoder(r.evaluation, "minimum_risk").pooled.f1,
    },
    {
      key: "iou_minimum_risk",
      label: "Mean IoU, minimum-Bayes-risk span",
      shortLabel: "IoU, MBR span",
      unit: "IoU (0–1)",
      higherIsBetter: true,
      definedFor: hasDecoder("minimum_risk"),
      value: (r) => decoder(r.evaluation, "minimum_risk").spanLevel.meanIoU,
    },
    {
      key: "top5_best_iou",
      label: "Best IoU among the posterior's top 5 spans",
      shortLabel: "best IoU, top 5",
      unit: "IoU (0–1)",
      higherIsBetter: true,
      definedFor: hasPosterior,
      value: (r) => posterior(r).topBestIoU,
    },
    {
      key: "coverage_start",
      label: "Coverage of the 90% start interval, calibrated (temperature fitted on training windows)",
      shortLabel: "start interval coverage",
      unit: "rate (0–1)",
      higherIsBetter: null,
      note: coverageNote,
      definedFor: hasPosterior,
      value: (r) => posterior(r).calibration.coverage.startAfter.rate,
    },
    {
      key: "coverage_end",
      label: "Coverage of the 90% end interval, calibrated",
      shortLabel: "end interval coverage",
      unit: "rate (0–1)",
      higherIsBetter: null,
      note: coverageNote,
      definedFor: hasPosterior,
      value: (r) => posterior(r).calibration.coverage.endAfter.rate,
    },
    {
      key: "temperature",
      label: "Fitted temperature of the span posterior (T > 1: the head was overconfident)",
      shortLabel: "temperature",
      unit: "T",
      higherIsBetter: null,
      definedFor: hasPosterior,
      value: (r) => posterior(r).fitted.temperature.temperature,
    },
    {
      key: "ece_calibrated",
      label: "Expected calibration error of per-bar p after isotonic calibration (fitted on training windows)",
      shortLabel: "ECE, calibrated",
      unit: "0–1",
      higherIsBetter: false,
      definedFor: hasPosterior,
      value: (r) => posterior(r).calibration.bars.eceAfter,
    },
    {
      key: "ece_span_confidence",
      label: "Expected calibration error of P(IoU ≥ 0.5) of the MBR span, calibrated (before: its raw value)",
      shortLabel: "ECE, span confidence",
      unit: "0–1",
      higherIsBetter: false,
      definedFor: hasPosterior,
      value: (r) => posterior(r).calibration.spans.eceAfter,
    },
  ];
}

/** One metric per probability reading of the compared heads (the CRF's emission softmax): F1 of its thresholded reading. */
function readingMetrics(objectives: readonly ObjectiveDescription[]): MetricDefinition[] {
  const seen = new Set<string>();
  return objectives.flatMap((objective) =>
    objective.probabilityReadings
      .filter((reading) => !seen.has(reading.key) && seen.add(reading.key))
      .map((reading) => ({
        key: `f1_${reading.key}`,
        label: `Span F1, threshold on ${words(reading.key)} (the reference's ${objective.shortLabel} probability)`,
        shortLabel: `F1, ${words(reading.key)}`,
        unit: "F1 (0–1)",
        higherIsBetter: true,
        definedFor: hasDecoder(reading.decoder),
        value: (r: RunFacts) => decoder(r.evaluation, reading.decoder).pooled.f1,
      })),
  );
}

/** The headline metrics of a comparison of `objectives`, in display order. */
export function metricDefinitions(objectives: readonly ObjectiveDescription[]): MetricDefinition[] {
  const native = objectives.map((o) => `${o.shortLabel}: ${o.nativeDecoderRule}`).join("; ");
  const probabilityNotes = objectives.filter((o) => o.probabilityNote !== null).map((o) => `${o.shortLabel}: ${o.probabilityNote}`);
  const definitions: MetricDefinition[] = [
    {
      key: "f1_native",
      label: `Span F1, each objective's own decoder (${native})`,
      unit: "F1 (0–1)",
      higherIsBetter: true,
      value: primaryMetricValue,
    },
    { key: "precision_native", label: "Span precision, own decoder", unit: "0–1", higherIsBetter: true, value: (r) => nativeDecoder(r).pooled.precision },
    { key: "recall_native", label: "Span recall, own decoder", unit: "0–1", higherIsBetter: true, value: (r) => nativeDecoder(r).pooled.recall },
    {
      key: "f1_threshold",
      label: `Span F1, threshold on per-bar p${probabilityNotes.length > 0 ? ` (${probabilityNotes.join("; ")})` : ""}`,
      unit: "F1 (0–1)",
      higherIsBetter: true,
      value: (r) => thresholdDecoder(r).pooled.f1,
    },
    { key: "threshold", label: "Threshold chosen on training windows", unit: "p", higherIsBetter: null, value: (r) => r.evaluation.thresholds[0]!.threshold },
    ...readingMetrics(objectives),
    {
      key: "f1_single_span",
      label: "Span F1, single-span decoder",
      unit: "F1 (0–1)",
      higherIsBetter: true,
      value: (r) => decoder(r.evaluation, "single_span").pooled.f1,
    },
    {
      key: "iou_single_span",
      label: "Mean IoU, single-span decoder",
      unit: "IoU (0–1)",
      higherIsBetter: true,
      value: (r) => decoder(r.evaluation, "single_span").spanLevel.meanIoU,
    },
    {
      key: "strict_f1_single_span",
      label: "Strict span F1 (IoU ≥ 0.5), single-span decoder",
      unit: "F1 (0–1)",
      higherIsBetter: true,
      value: (r) => decoder(r.evaluation, "single_span").spanLevel.f1,
    },
    ...[1, 3, 5].map((k) => ({
      key: `hit${k}_single_span`,
      label: `hit@${k} (both boundaries within ${k} bars), single-span decoder`,
      unit: "rate (0–1)",
      higherIsBetter: true,
      value: (r: RunFacts) => decoder(r.evaluation, "single_span").spanLevel.hitAt.find((h) => h.k === k)!.rate,
    })),
    {
      key: "start_error_single_span",
      label: "Start error, single-span decoder",
      unit: "bars",
      higherIsBetter: false,
      value: (r) => decoder(r.evaluation, "single_span").spanLevel.meanStartError,
    },
    {
      key: "end_error_single_span",
      label: "End error, single-span decoder",
      unit: "bars",
      higherIsBetter: false,
      value: (r) => decoder(r.evaluation, "single_span").spanLevel.meanEndError,
    },
    ...spanPosteriorMetrics(),
    {
      key: "iou_native",
      label: "Mean IoU, longest run of the own decoder",
      unit: "IoU (0–1)",
      higherIsBetter: true,
      value: (r) => nativeDecoder(r).spanLevel.meanIoU,
    },
    {
      key: "macro_f1_at_half",
      label: "Per-window (macro) span F1 at p > 0.5, as the reference logs it",
      unit: "F1 (0–1)",
      higherIsBetter: true,
      value: (r) => r.evaluation.macroAtHalf.f1,
    },
    { key: "in_span_mean", label: "Mean p over in-span bars", unit: "p", higherIsBetter: null, value: (r) => r.evaluation.separation.inSpan.mean },
    { key: "out_of_span_mean", label: "Mean p over out-of-span bars", unit: "p", higherIsBetter: null, value: (r) => r.evaluation.separation.outOfSpan.mean },
    {
      key: "separation",
      label: "Probability separation (in-span − out-of-span mean p)",
      unit: "p",
      higherIsBetter: true,
      value: (r) => r.evaluation.separation.separation,
    },
    {
      key: "ece",
      label: "Expected calibration error (10 equal-width bins)",
      unit: "0–1",
      higherIsBetter: false,
      value: (r) => r.evaluation.calibration.expectedCalibrationError,
    },
    { key: "brier", label: "Brier score of per-bar p", unit: "0–1", higherIsBetter: false, value: (r) => r.evaluation.calibration.brierScore },
    { key: "pointer_center_mae", label: "Pointer center MAE", unit: "bars", higherIsBetter: false, value: (r) => r.evaluation.pointers.centerMae },
    { key: "pointer_length_mae", label: "Pointer length MAE", unit: "bars", higherIsBetter: false, value: (r) => r.evaluation.pointers.lengthMae },
    {
      key: "classification_accuracy",
      label: "Classification accuracy (consolidation vs retracement)",
      unit: "0–1",
      higherIsBetter: true,
      value: (r) => r.evaluation.classificationAccuracy,
    },
    {
      key: "classification_majority_baseline",
      label: "Classification accuracy of always predicting the training majority class",
      unit: "0–1",
      higherIsBetter: null,
      value: (r) => r.evaluation.baselines.majorityClassAccuracy,
    },
    {
      key: "val_loss_first",
      label: "Validation loss, epoch 1 (unweighted sum)",
      unit: "loss",
      higherIsBetter: null,
      note: LOSS_SCALE_NOTE,
      value: (r) => r.training.firstValidationLoss,
    },
    {
      key: "val_loss_final",
      label: "Validation loss, final epoch (unweighted sum)",
      unit: "loss",
      higherIsBetter: null,
      note: LOSS_SCALE_NOTE,
      value: (r) => r.training.finalValidationLoss,
    },
    {
      key: "val_loss_best",
      label: "Validation loss, best epoch",
      unit: "loss",
      higherIsBetter: null,
      note: LOSS_SCALE_NOTE,
      value: (r) => r.training.bestValidationLoss,
    },
    {
      key: "loss_reduction",
      label: "Validation loss reduction, epoch 1 → final",
      unit: "%",
      higherIsBetter: null,
      note: "the reference decided on this; it measures the loss scale as much as learning",
      value: (r) => 100 * r.training.lossReduction,
    },
    { key: "best_epoch", label: "Best epoch (lowest validation loss)", unit: "epoch", higherIsBetter: null, value: (r) => r.training.bestEpoch },
    ...TASKS.map((task) => ({
      key: `sigma_${task}`,
      label: `σ ${task} (final)`,
      unit: "σ",
      higherIsBetter: null,
      value: (r: RunFacts) => last(r.records).sigma[task],
    })),
    ...TASKS.map((task) => ({
      key: `weight_${task}`,
      label: `Task weight ${task} (final, 1/σ² share)`,
      unit: "%",
      higherIsBetter: null,
      value: (r: RunFacts) => 100 * last(r.records).task_weights[task],
    })),
    { key: "train_seconds", label: "Training wall time", unit: "s", higherIsBetter: null, value: (r) => r.training.wallSeconds },
  ];
  return definitions.map((definition) =>
    SHORT_LABEL[definition.key] && !definition.shortLabel ? { ...definition, shortLabel: SHORT_LABEL[definition.key] } : definition,
  );
}
