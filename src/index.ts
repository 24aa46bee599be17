/**
 * spanlab as a library: the typed public entry point (`import { train, compare, predict, readWindows } from
 * "spanlab"`). Everything the CLI does is one call here; the CLI only parses arguments and prints.
 * docs/architecture.md says which layer each name comes from.
 */

// Windows and bars in.
export { loadWindows as readWindows, writeWindows, WindowValidationError } from "./data/load.js";
export type { LoadOptions, LoadReport, WriteOptions } from "./data/load.js";
export type { Bar, Label, Window } from "./data/window.js";
export { WINDOW_BARS } from "./data/window.js";
export { readBars, describeBars } from "./data/bars.js";
export type { BarSeries, ReadBarsOptions } from "./data/bars.js";

// Span objectives and models.
export { SPAN_HEADS, SPAN_OBJECTIVES, spanHead } from "./model/heads/registry.js";
export type { SpanHead } from "./model/span_head.js";
export { JadeCompact } from "./model/jade_compact.js";
export { loadCheckpoint, saveCheckpoint, CheckpointError } from "./model/checkpoint.js";
export { inferWindows } from "./model/inference.js";
export type { Inference } from "./model/inference.js";

// The exact span posterior of a window (docs/spec.md §12): its layout, summaries and calibration.
export { spanAt, spanCount, spanIndex } from "./model/span_index.js";
export {
  equalTailedInterval,
  minimumRiskSpan,
  probabilityIoUAtLeast,
  spanBoundaryMarginals,
  summariseSpanPosterior,
  topSpans,
} from "./model/span_posterior_summary.js";
export type { CredibleInterval, MinimumRiskSpan, SpanPosteriorSummary, SpanProbability } from "./model/span_posterior_summary.js";
export { applySpanCalibration, fitSpanCalibration, inferenceLogPosterior } from "./predict/calibration.js";
export type { CalibratedWindow, SpanCalibration } from "./predict/calibration.js";

// Training.
export { train, resume } from "./train/train.js";
export type { TrainEvent, TrainOptions, TrainResult } from "./train/train.js";
export { TRAIN_DEFAULTS, trainConfigSchema } from "./train/config.js";
export type { TrainConfig, TrainConfigInput } from "./train/config.js";

// Prediction on windows and scanning bars.
export { predictFile as predict, predictWindows } from "./predict/predict.js";
export type { PredictFileOptions, PredictionReport, WindowPrediction } from "./predict/predict.js";
export { scanBars } from "./predict/scan.js";
export type { ScanOptions, ScanResult } from "./predict/scan.js";
export { scanBarsParallel, scanLiveParallel } from "./predict/scan_parallel.js";
export { scanLive } from "./predict/live.js";
export type { LiveOptions, LiveResult } from "./predict/live.js";
export { evaluateDetections, formatEvaluation } from "./predict/evaluate.js";
export type { EvaluationReport } from "./predict/evaluate.js";
export type { Detection } from "./predict/merge.js";

// The comparison of span objectives and its analysis bundle.
export { compareAndWriteBundle as compare, resumeAndWriteBundle as resumeCompare } from "./app/compare.js";
export type { BundleOutcome } from "./app/compare.js";
export type { CompareOptions } from "./compare/compare.js";
export type { ComparisonResult } from "./compare/types.js";
