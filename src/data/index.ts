/**
 * The data layer's public surface: the window record, its schema and validation, Parquet/JSONL files,
 * validated loading and splits. Other modules import from here rather than from the files behind it.
 */
export { WINDOW_BARS, LABELS, labelId, windowSpans } from "./window.js";
export type { Window, Bar, Label, BarRange } from "./window.js";
export { windowSchema, barSchema, WINDOW_COLUMNS, REQUIRED_COLUMNS, OPTIONAL_COLUMNS, LAST_BAR } from "./schema.js";
export { formatBarTime, parseBarTime } from "./window_time.js";
export type { ParsedWindow } from "./schema.js";
export { validateWindows, formatProblem, formatValue, formatFieldPath, summarizeProblems } from "./validate.js";
export type { Problem, ValidationOptions, ValidationResult } from "./validate.js";
export { encodeParquet, decodeParquet, windowParquetSchema, ParquetWindowEncoder, ROW_GROUP_WINDOWS } from "./parquet.js";
export type { OptionalColumns } from "./parquet.js";
export { formatJsonl, encodeJsonl, parseJsonl } from "./jsonl.js";
export type { JsonlRows } from "./jsonl.js";
export {
  readWindows,
  writeWindows,
  loadWindows,
  loadWindowsReport,
  writeWindowChunks,
  windowFormatOf,
  WindowValidationError,
} from "./load.js";
export type { RawRows, WindowFormat, WriteOptions, LoadOptions, LoadReport } from "./load.js";
export { groupSplit, referenceSplit, groupKFold, groupIndices, splitWindows, resolveSplitKind, SPLIT_KINDS } from "./splits.js";
export type { Split, SplitOptions, SplitKind, ResolvedSplitKind, KindedSplit } from "./splits.js";
export { timeSplit, purgedKFold, purge, windowPositions, hasTimestamps, DEFAULT_EMBARGO_FRACTION } from "./time_splits.js";
export type { PurgedSplit, TimeSplitOptions, WindowPositions } from "./time_splits.js";
export { cutWindows, planCut, windowChunks, describeCutReport } from "./cut.js";
export type { CutOptions, CutReport, CutPlan } from "./cut.js";
