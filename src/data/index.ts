/**
 * The data layer's public surface: the window record, its schema and validation, Parquet/JSONL files,
 * validated loading and splits. Other modules import from here rather than from the files behind it.
 */
export { WINDOW_BARS, LABELS, labelId } from "./window.js";
export type { Window, Bar, Label } from "./window.js";
export { windowSchema, barSchema, WINDOW_COLUMNS, REQUIRED_COLUMNS, LAST_BAR } from "./schema.js";
export type { ParsedWindow } from "./schema.js";
export { validateWindows, formatProblem, formatValue, formatFieldPath, summarizeProblems } from "./validate.js";
export type { Problem, ValidationOptions, ValidationResult } from "./validate.js";
export { encodeParquet, decodeParquet, windowParquetSchema } from "./parquet.js";
export { formatJsonl, parseJsonl } from "./jsonl.js";
export type { JsonlRows } from "./jsonl.js";
export {
  readWindows,
  writeWindows,
  loadWindows,
  loadWindowsReport,
  windowFormatOf,
  WindowValidationError,
} from "./load.js";
export type { RawRows, WindowFormat, WriteOptions, LoadOptions, LoadReport } from "./load.js";
export { groupSplit, referenceSplit, groupKFold, groupIndices } from "./splits.js";
export type { Split, SplitOptions } from "./splits.js";
