/**
 * Raw bars in: a CSV or Parquet file of `timestamp, open, high, low, close[, volume]` rows becomes a
 * `BarSeries` — columns as typed arrays in time order, the column mapping that was chosen, the bar
 * interval and the gaps. Every problem in the file is listed (never only the first), each with file, row,
 * field, value and what was expected, and the file is refused when there is any.
 *
 * Rows are numbered from 0 like window rows (`Problem.row`): row r is the r-th data row, which is also the
 * bar's index in the series. CSV problems carry the 1-based physical `line` as well. Problems about the
 * file as a whole (a missing column, no data rows) have `row: -1`; `formatBarsProblem` prints them as
 * "header".
 *
 * Large files stream: CSV is split into lines over a `fs.createReadStream` by a hand-rolled splitter
 * (faster than csv-parse here, see bench/bars.ts) and Parquet is read one row group at a time; values go
 * straight into growable Float64Arrays, so no array of row objects is ever built.
 *
 * This module maps the columns and drives the reading; the pieces it uses live beside it: lines, fields
 * and header names in csv.ts, timestamp parsing in timestamps.ts, and the value, order and gap checks
 * (with `BarsError`) in bar_validation.ts.
 */
import { statSync } from "node:fs";
import { extname } from "node:path";
import { asyncBufferFromFile, parquetMetadataAsync, parquetRead, parquetSchema } from "hyparquet";
import type { SchemaElement } from "hyparquet";
import { BarsError, SeriesBuilder } from "./bar_validation.js";
import { findColumn, forEachLine, normalizeHeader, sniffDelimiter, splitCsvLine } from "./csv.js";
import { TimestampReader, formatInterval, formatTimestamp } from "./timestamps.js";
import type { Problem } from "./validate.js";

/** Bars in time order, columns as typed arrays (fast, bounded memory). */
export interface BarSeries {
  source: string;
  /** Milliseconds since the Unix epoch, UTC. */
  timestamps: Float64Array;
  open: Float64Array;
  high: Float64Array;
  low: Float64Array;
  close: Float64Array;
  volume: Float64Array | null;
  /** How each canonical column was found, e.g. { timestamp: "Date", open: "Open", ... } and the timestamp format detected. */
  mapping: BarMapping;
  /** Bar interval (the median timestamp step), ms. */
  intervalMs: number;
  /** Gaps: positions i where timestamps[i] − timestamps[i−1] > 1.5 × interval (reported; refused unless allowGaps). */
  gaps: BarGap[];
}

export interface BarMapping {
  /** Canonical name (timestamp, open, high, low, close, volume) → the file's column (or "Date + Time"). */
  columns: Record<string, string>;
  /** e.g. "ISO-8601 without zone (read as UTC)", "epoch milliseconds (detected from magnitude)". */
  timestampFormat: string;
  /** Where the bars came from. */
  format?: "csv" | "parquet" | "memory";
  /** CSV delimiter sniffed from the header line. */
  delimiter?: string;
}

export interface BarGap {
  /** First bar after the gap. */
  index: number;
  /** Timestamp of bar index − 1, ms. */
  from: number;
  /** Timestamp of bar index, ms. */
  to: number;
  /** round(step / interval) − 1. */
  missingBars: number;
}

export interface ReadBarsOptions {
  /** Accept gaps (they are still listed in `gaps`); default false: gaps are problems. */
  allowGaps?: boolean;
}

// ───────────────────────────── column names ─────────────────────────────

/** Accepted spellings (compared after `normalizeHeader`), highest priority first. */
export const BAR_COLUMN_SPELLINGS = {
  timestamp: ["timestamp", "datetime", "date_time", "date/time", "ts", "time", "date"],
  open: ["open", "o"],
  high: ["high", "h"],
  low: ["low", "l"],
  close: ["close", "c", "last", "price_close"],
  volume: ["volume", "vol", "v"],
} as const;

/** Where each canonical bar column is, or the problems that prevent reading. */
export interface ColumnPlan {
  timestamp: number;
  /** Separate time column combined with `timestamp` (a date column), or −1. */
  time: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  mapping: Record<string, string>;
}

function planColumns(file: string, header: readonly string[], line: number | undefined): { plan?: ColumnPlan; problems: Problem[] } {
  const normalized = header.map(normalizeHeader);
  const problems: Problem[] = [];
  const found = header.map((h) => JSON.stringify(h)).join(", ");
  const base = { file, row: -1, ...(line !== undefined ? { line } : {}) };

  const seen = new Map<string, number>();
  normalized.forEach((name, index) => {
    const first = seen.get(name);
    if (first !== undefined && Object.values(BAR_COLUMN_SPELLINGS).some((s) => (s as readonly string[]).includes(name))) {
      problems.push({ ...base, field: header[index]!, value: JSON.stringify(header[index]), expected: `one column of that name (column ${first + 1} has the same name)` });
    }
    if (first === undefined) seen.set(name, index);
  });

  let timestamp = -1;
  let time = -1;
  const date = normalized.indexOf("date");
  const timeOnly = normalized.indexOf("time");
  const single = findColumn(normalized, ["timestamp", "datetime", "date_time", "date/time", "ts"]);
  if (single >= 0) timestamp = single;
  else if (date >= 0 && timeOnly >= 0) {
    timestamp = date;
    time = timeOnly;
  } else timestamp = timeOnly >= 0 ? timeOnly : date;

  const columns = {
    timestamp,
    open: findColumn(normalized, BAR_COLUMN_SPELLINGS.open),
    high: findColumn(normalized, BAR_COLUMN_SPELLINGS.high),
    low: findColumn(normalized, BAR_COLUMN_SPELLINGS.low),
    close: findColumn(normalized, BAR_COLUMN_SPELLINGS.close),
  };
  for (const [name, index] of Object.entries(columns)) {
    if (index >= 0) continue;
    const spellings = name === "timestamp"
      ? [...BAR_COLUMN_SPELLINGS.timestamp, "date + time"]
      : BAR_COLUMN_SPELLINGS[name as keyof typeof BAR_COLUMN_SPELLINGS];
    problems.push({
      ...base,
      field: name,
      value: "(missing)",
      expected: `a column named ${spellings.join("|")} (any case); columns found: ${found || "(none)"}`,
    });
  }
  if (problems.length > 0) return { problems };
  const volume = findColumn(normalized, BAR_COLUMN_SPELLINGS.volume);
  const mapping: Record<string, string> = {
    timestamp: time >= 0 ? `${header[timestamp]} + ${header[time]}` : header[timestamp]!,
    open: header[columns.open]!,
    high: header[columns.high]!,
    low: header[columns.low]!,
    close: header[columns.close]!,
  };
  if (volume >= 0) mapping.volume = header[volume]!;
  return { plan: { ...columns, time, volume, mapping }, problems };
}

// ───────────────────────────── readers ─────────────────────────────

export type TableFormat = "csv" | "parquet";

/** csv for .csv/.txt/.tsv, parquet for .parquet/.pq; anything else is an error. */
export function barsFormatOf(path: string): TableFormat {
  const extension = extname(path).toLowerCase();
  if ([".csv", ".txt", ".tsv"].includes(extension)) return "csv";
  if ([".parquet", ".pq"].includes(extension)) return "parquet";
  throw new Error(`${path}: unknown bars file extension "${extension}"; use .csv, .txt, .tsv, .parquet or .pq`);
}

async function readCsvBars(path: string, allowGaps: boolean): Promise<BarSeries> {
  let fileBytes = 0;
  try {
    fileBytes = statSync(path).size;
  } catch {
    // forEachLine reports the missing file.
  }
  let header: string[] | undefined;
  let delimiter = ",";
  let builder: SeriesBuilder | undefined;
  let headerProblems: Problem[] = [];
  let width = 0;
  let need = 0;
  let plan: ColumnPlan | undefined;

  await forEachLine(path, (text, line) => {
    if (builder === undefined) {
      if (headerProblems.length > 0) return;
      if (text.trim() === "") return;
      delimiter = sniffDelimiter(text) ?? ",";
      const split = splitCsvLine(text.replace(/^\uFEFF/, ""), delimiter);
      header = split.fields.map((h) => h.trim());
      const planned = planColumns(path, header, line);
      if (planned.plan === undefined) {
        headerProblems = planned.problems;
        return;
      }
      if (planned.problems.length > 0) headerProblems = planned.problems;
      plan = planned.plan;
      width = header.length;
      need = Math.max(plan.timestamp, plan.time, plan.open, plan.high, plan.low, plan.close, plan.volume) + 1;
      const reader = new TimestampReader(undefined, plan.time >= 0 ? "date + time columns, " : "");
      builder = new SeriesBuilder(path, plan, reader, true, delimiter !== ",");
      return;
    }
    if (text.length === 0 || text.trim() === "") return;
    if (builder.rows === 0) builder.reserve(Math.ceil((1.1 * fileBytes) / (text.length + 1)) + 16);
    const split = splitCsvLine(text, delimiter);
    const cells = split.fields;
    if (split.error !== undefined || cells.length !== width) {
      const what = split.error ?? `${cells.length} field(s)`;
      const expected = split.error !== undefined
        ? `a CSV row with balanced quotes`
        : `${width} fields like the header (delimiter ${JSON.stringify(delimiter)})`;
      if (split.error !== undefined || cells.length < need) {
        builder.addBroken(line, "(row)", what, expected);
        return;
      }
      // Enough cells to read the row: report the width, still check the values.
      builder.problems.push({ file: path, row: builder.rows, line, field: "(row)", value: what, expected });
    }
    const p = plan!;
    const timestamp = p.time >= 0 ? `${cells[p.timestamp]!.trim()} ${cells[p.time]!.trim()}` : cells[p.timestamp];
    builder.add(timestamp, cells[p.open], cells[p.high], cells[p.low], cells[p.close], p.volume >= 0 ? cells[p.volume] : undefined, line);
  });

  if (header === undefined) {
    throw new BarsError(path, [{ file: path, row: -1, field: "(header)", value: "(empty file)", expected: "a header line naming the columns timestamp, open, high, low, close[, volume]" }]);
  }
  if (builder === undefined) throw new BarsError(path, headerProblems);
  builder.problems.unshift(...headerProblems);
  return builder.finish(allowGaps, "csv", delimiter);
}

/** Describe a Parquet column's timestamp logical type, or undefined when it holds plain values. */
function parquetTimestampLabel(element: SchemaElement): string | undefined {
  const logical = element.logical_type;
  if (logical?.type === "TIMESTAMP") {
    const zone = logical.isAdjustedToUTC ? "UTC" : "no zone, read as UTC";
    return `Parquet TIMESTAMP(${logical.unit}, ${zone})`;
  }
  if (element.converted_type === "TIMESTAMP_MILLIS") return "Parquet TIMESTAMP(MILLIS, UTC)";
  if (element.converted_type === "TIMESTAMP_MICROS") return "Parquet TIMESTAMP(MICROS, UTC)";
  if (element.type === "INT96") return "Parquet INT96 timestamp (read as UTC)";
  if (element.converted_type === "DATE" || logical?.type === "DATE") return "Parquet DATE (midnight UTC)";
  return undefined;
}

const MS_PARSERS = {
  timestampFromMilliseconds: (v: bigint) => Number(v),
  timestampFromMicroseconds: (v: bigint) => Number(v) / 1000,
  timestampFromNanoseconds: (v: bigint) => Number(v / 1000n) / 1000,
  dateFromDays: (days: number) => days * 86_400_000,
};

async function readParquetBars(path: string, allowGaps: boolean): Promise<BarSeries> {
  let file;
  try {
    file = await asyncBufferFromFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new Error(code === "ENOENT" ? `${path}: no such file` : `${path}: cannot read (${(error as Error).message})`);
  }
  let metadata;
  try {
    metadata = await parquetMetadataAsync(file);
  } catch (error) {
    throw new Error(`${path}: not a readable Parquet file (${(error as Error).message})`);
  }
  const children = parquetSchema(metadata).children;
  const header = children.map((child) => child.element.name);
  const planned = planColumns(path, header, undefined);
  if (planned.plan === undefined || planned.problems.length > 0) throw new BarsError(path, planned.problems);
  const plan = planned.plan;

  const timestampElement = children[plan.timestamp]!.element;
  const nativeLabel = plan.time >= 0 ? undefined : parquetTimestampLabel(timestampElement);
  const reader = new TimestampReader(nativeLabel, plan.time >= 0 ? "date + time columns, " : "");
  const builder = new SeriesBuilder(path, plan, reader, false, false);
  builder.reserve(Number(metadata.num_rows));
  const indices = [plan.timestamp, plan.time, plan.open, plan.high, plan.low, plan.close, plan.volume];
  const names = indices.map((i) => (i >= 0 ? header[i]! : undefined));
  const columns = [...new Set(names.filter((n): n is string => n !== undefined))];

  let groupStart = 0;
  for (const group of metadata.row_groups) {
    const groupRows = Number(group.num_rows);
    const rowEnd = groupStart + groupRows;
    const data = new Map<string, { start: number; values: ArrayLike<unknown> }[]>();
    await parquetRead({
      file,
      metadata,
      columns,
      rowStart: groupStart,
      rowEnd,
      parsers: MS_PARSERS,
      onChunk(chunk) {
        const list = data.get(chunk.columnName) ?? [];
        list.push({ start: chunk.rowStart, values: chunk.columnData as ArrayLike<unknown> });
        data.set(chunk.columnName, list);
      },
    });
    // Each column as one row-indexed accessor for this group.
    const column = (name: string | undefined): ((row: number) => unknown) => {
      if (name === undefined) return () => undefined;
      const parts = (data.get(name) ?? []).sort((a, b) => a.start - b.start);
      return (row: number) => {
        for (const part of parts) {
          const offset = row - part.start;
          if (offset >= 0 && offset < part.values.length) return part.values[offset];
        }
        return undefined;
      };
    };
    const [ts, time, o, h, l, c, v] = names.map(column) as ((row: number) => unknown)[];
    for (let row = groupStart; row < rowEnd; row++) {
      const stamp = plan.time >= 0 ? `${String(ts!(row)).trim()} ${String(time!(row)).trim()}` : ts!(row);
      builder.add(stamp, o!(row), h!(row), l!(row), c!(row), v!(row), undefined);
    }
    groupStart = rowEnd;
  }
  return builder.finish(allowGaps, "parquet");
}

/**
 * Read bars from CSV (.csv/.txt/.tsv; comma, semicolon or tab, sniffed) or Parquet (.parquet/.pq).
 * Throws `BarsError` listing every problem: missing columns, unparseable timestamps, non-finite or
 * non-positive prices, high/low inconsistent with open/close, unsorted or duplicate timestamps, and gaps
 * (unless `allowGaps`).
 */
export async function readBars(path: string, options: ReadBarsOptions = {}): Promise<BarSeries> {
  const format = barsFormatOf(path);
  return format === "csv" ? readCsvBars(path, options.allowGaps ?? false) : readParquetBars(path, options.allowGaps ?? false);
}

/** Columns of bars already in memory (timestamps in ms since the epoch, UTC). */
export interface BarColumns {
  timestamps: ArrayLike<number>;
  open: ArrayLike<number>;
  high: ArrayLike<number>;
  low: ArrayLike<number>;
  close: ArrayLike<number>;
  volume?: ArrayLike<number> | null;
}

/**
 * A `BarSeries` from columns in memory, checked exactly as `readBars` checks a file (problems name
 * `source` and 0-based rows; the fields are the canonical column names). For tests and for callers that
 * fetch bars from elsewhere.
 */
export function barSeriesFromColumns(columns: BarColumns, options: ReadBarsOptions & { source?: string } = {}): BarSeries {
  const source = options.source ?? "(in memory)";
  const withVolume = columns.volume !== undefined && columns.volume !== null;
  const names = ["timestamp", "open", "high", "low", "close", ...(withVolume ? ["volume"] : [])];
  const { plan, problems } = planColumns(source, names, undefined);
  if (plan === undefined) throw new BarsError(source, problems);
  const builder = new SeriesBuilder(source, plan, new TimestampReader("milliseconds since the epoch, UTC (in memory)"), false, false);
  const n = columns.timestamps.length;
  for (const [name, column] of Object.entries(columns)) {
    if (column !== undefined && column !== null && column.length !== n) {
      throw new Error(`${source}: column ${name} has ${column.length} values, timestamps has ${n}`);
    }
  }
  builder.reserve(n);
  for (let i = 0; i < n; i++) {
    builder.add(columns.timestamps[i], columns.open[i], columns.high[i], columns.low[i], columns.close[i], withVolume ? columns.volume![i] : undefined, undefined);
  }
  return builder.finish(options.allowGaps ?? false, "memory");
}

/** Multi-line description of a series' mapping, interval and gaps, as the CLI prints it. */
export function describeBars(series: BarSeries): string {
  const columns = Object.entries(series.mapping.columns)
    .map(([canonical, found]) => `${canonical} ← ${JSON.stringify(found)}`)
    .join(", ");
  const n = series.timestamps.length;
  const range = n > 0 ? `${formatTimestamp(series.timestamps[0]!)} … ${formatTimestamp(series.timestamps[n - 1]!)}` : "empty";
  const lines = [
    `${series.source}: ${n} bars (${range}), interval ${formatInterval(series.intervalMs)}`,
    `  format: ${series.mapping.format ?? "?"}${series.mapping.delimiter !== undefined ? `, delimiter ${JSON.stringify(series.mapping.delimiter)}` : ""}`,
    `  columns: ${columns}${series.volume === null ? " (no volume)" : ""}`,
    `  timestamps: ${series.mapping.timestampFormat}`,
  ];
  if (series.gaps.length > 0) {
    const missing = series.gaps.reduce((sum, g) => sum + g.missingBars, 0);
    lines.push(`  gaps: ${series.gaps.length} (${missing} missing bars), accepted with --allow-gaps`);
  }
  return lines.join("\n");
}
