/**
 * Raw bars in: a CSV or Parquet file of `timestamp, open, high, low, close[, volume]` rows becomes a
 * `BarSeries` — columns as typed arrays in time order, the column mapping that was chosen, the bar
 * interval, the breaks between bars (summarised by length class, src/data/breaks.ts) and the gaps (breaks
 * longer than `--max-gap`, which windows and scans never cross). Every problem in the file is listed (never
 * only the first), each with file, row, field, value and what was expected, and the file is refused when
 * there is any. Breaks are not problems: consecutive rows are consecutive bars.
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
 * This module drives the reading; the pieces it uses live beside it: lines, fields and header names in
 * csv.ts, the column mapping in columns.ts, timestamps in timestamps.ts (zones in timezone.ts), numbers in
 * numbers.ts, the value and order checks (with `BarsError`) in bar_validation.ts, breaks in breaks.ts.
 */
import { existsSync, statSync } from "node:fs";
import { assertRegularFile } from "../util/files.js";
import { extname } from "node:path";
import { asyncBufferFromFile, parquetMetadataAsync, parquetRead, parquetSchema } from "hyparquet";
import type { SchemaElement } from "hyparquet";
import { BarsError, SeriesBuilder } from "./bar_validation.js";
import { describeBreaks } from "./breaks.js";
import type { BarBreak, BreakSummary } from "./breaks.js";
import { planColumns } from "./columns.js";
import type { ColumnOverrides, ColumnPlan } from "./columns.js";
import { forEachLine, sniffDelimiter, splitCsvLine } from "./csv.js";
import { NumberReader } from "./numbers.js";
import type { DecimalMode } from "./numbers.js";
import { TimestampReader, formatInterval, formatTimestamp, looksLikeDate } from "./timestamps.js";
import type { TimestampConvention } from "./timestamps.js";
import { UTC_ZONE, timeZone } from "./timezone.js";
import type { TimeZone } from "./timezone.js";
import type { Problem } from "./validate.js";

export { BAR_COLUMN_SPELLINGS } from "./columns.js";
export type { ColumnPlan } from "./columns.js";

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
  /** Bar interval (the lower median timestamp step), ms. */
  intervalMs: number;
  /** Breaks longer than `--max-gap` (none without it): windows and scans never cross these. */
  gaps: BarGap[];
  /** Every break (step > 1.5 × interval) summarised by length class. */
  breaks: BreakSummary;
  /** The zone naive timestamps were read in ("UTC" by default). */
  timezone: string;
  /** Whether the file's times were naive (local wall times) or absolute (offset, Z, epoch). */
  timestampConvention: TimestampConvention;
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
  /** Present when numbers were read with a decimal comma. */
  decimal?: ",";
}

/** A break longer than `--max-gap` (src/data/breaks.ts): `index` is the first bar after it. */
export type BarGap = BarBreak;

export interface ReadBarsOptions {
  /** No effect: breaks are always accepted (kept so `--allow-gaps` and old callers still work). */
  allowGaps?: boolean;
  /** IANA zone of naive timestamps (default UTC); times with an offset or Z are honoured as they are. */
  timezone?: string;
  /** Breaks longer than this (ms) become `gaps`; null or absent: none (windows and scans cross every break). */
  maxGapMs?: number | null;
  /** `--columns`: canonical → header name, overriding the spellings. */
  columns?: ColumnOverrides;
  /** `--decimal`: the decimal mark of CSV numbers (default auto: "." in comma-separated files, else detected). */
  decimal?: DecimalMode;
}

/** The options each reader needs, resolved once. */
interface ReadContext {
  zone: TimeZone;
  zoneExplicit: boolean;
  maxGapMs: number | null;
  columns: ColumnOverrides;
  decimal: DecimalMode;
}

function context(options: ReadBarsOptions): ReadContext {
  return {
    zone: options.timezone === undefined ? UTC_ZONE : timeZone(options.timezone),
    zoneExplicit: options.timezone !== undefined,
    maxGapMs: options.maxGapMs ?? null,
    columns: options.columns ?? {},
    decimal: options.decimal ?? "auto",
  };
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

function timestampReader(plan: ColumnPlan, ctx: ReadContext, native: { label: string; naive: boolean } | undefined): TimestampReader {
  const prefix = (plan.timestampNote ?? "") + (plan.time >= 0 ? "date + time columns, " : "");
  return new TimestampReader({
    ...(native !== undefined ? { nativeLabel: native.label, nativeNaive: native.naive } : {}),
    prefix,
    zone: ctx.zone,
    zoneExplicit: ctx.zoneExplicit,
    ordered: true,
  });
}

async function readCsvBars(path: string, ctx: ReadContext): Promise<BarSeries> {
  let fileBytes = 0;
  try {
    fileBytes = statSync(path).size;
  } catch {
    // forEachLine reports the missing file.
  }
  let header: string[] | undefined;
  let headerLine = 1;
  let delimiter = ",";
  let builder: SeriesBuilder | undefined;
  let headerProblems: Problem[] = [];
  let width = 0;
  let need = 0;
  let plan: ColumnPlan | undefined;

  // Planned at the first data row, whose first cell may show that an unnamed first column holds dates.
  const startBuilder = (sample: readonly string[] | undefined): void => {
    const planned = planColumns(path, header!, headerLine, {
      overrides: ctx.columns,
      holdsDates: (index) => sample !== undefined && looksLikeDate(sample[index] ?? ""),
    });
    headerProblems = planned.problems;
    if (ctx.decimal === "," && delimiter === ",") {
      headerProblems.push({
        file: path,
        row: -1,
        line: headerLine,
        field: "(delimiter)",
        value: JSON.stringify(delimiter),
        expected: "a semicolon- or tab-separated file with --decimal , (a comma cannot separate both fields and decimals)",
      });
    }
    if (planned.plan === undefined || headerProblems.some((p) => p.field === "(delimiter)")) return;
    plan = planned.plan;
    width = header!.length;
    need = Math.max(plan.timestamp, plan.time, plan.open, plan.high, plan.low, plan.close, plan.volume) + 1;
    builder = new SeriesBuilder(path, plan, timestampReader(plan, ctx, undefined), true, new NumberReader(ctx.decimal, delimiter));
  };

  await forEachLine(
    path,
    (text, line) => {
      if (header === undefined) {
        if (text.trim() === "") return;
        delimiter = sniffDelimiter(text) ?? ",";
        const split = splitCsvLine(text.replace(/^\uFEFF/, ""), delimiter);
        header = split.fields.map((h) => h.trim());
        headerLine = line;
        return;
      }
      if (text.length === 0 || text.trim() === "") return;
      if (builder === undefined) {
        if (plan !== undefined || headerProblems.length > 0) return; // the header was refused: nothing to read
        startBuilder(splitCsvLine(text, delimiter).fields.map((cell) => cell.trim()));
        if (builder === undefined) return;
      }
      const b = builder as SeriesBuilder;
      if (b.rows === 0) b.reserve(Math.ceil((1.1 * fileBytes) / (text.length + 1)) + 16);
      if (b.addPlainLine(text, delimiter, width, line)) return;
      const split = splitCsvLine(text, delimiter);
      const cells = split.fields;
      if (split.error !== undefined || cells.length !== width) {
        const what = split.error ?? `${cells.length} field(s)`;
        const expected =
          split.error !== undefined ? `a CSV row with balanced quotes` : `${width} fields like the header (delimiter ${JSON.stringify(delimiter)})`;
        if (split.error !== undefined || cells.length < need) {
          b.addBroken(line, "(row)", what, expected);
          return;
        }
        // Enough cells to read the row: report the width, still check the values.
        b.problems.push({ file: path, row: b.rows, line, field: "(row)", value: what, expected });
      }
      const p = plan!;
      const timestamp = p.time >= 0 ? `${(cells[p.timestamp] ?? "").trim()} ${(cells[p.time] ?? "").trim()}` : cells[p.timestamp];
      b.add(timestamp, cells[p.open], cells[p.high], cells[p.low], cells[p.close], p.volume >= 0 ? cells[p.volume] : undefined, line);
    },
    "bars file",
  );

  if (header === undefined) {
    throw new BarsError(path, [
      {
        file: path,
        row: -1,
        field: "(header)",
        value: "(empty file)",
        expected: "a header line naming the columns timestamp, open, high, low, close[, volume]",
      },
    ]);
  }
  // A header without data rows: plan it by names alone (reports missing columns, else "0 rows").
  if (builder === undefined && plan === undefined && headerProblems.length === 0) startBuilder(undefined);
  if (builder === undefined) throw new BarsError(path, headerProblems);
  const done = builder as SeriesBuilder;
  done.problems.unshift(...headerProblems);
  return done.finish(ctx.maxGapMs, ctx.zone, "csv", delimiter);
}

/** Describe a Parquet column's timestamp logical type, or undefined when it holds plain values. */
function parquetTimestamp(element: SchemaElement, zone: TimeZone): { label: string; naive: boolean } | undefined {
  const logical = element.logical_type;
  const naiveZone = zone.isUtc ? "read as UTC" : `read as ${zone.name} local time`;
  if (logical?.type === "TIMESTAMP") {
    if (logical.isAdjustedToUTC) return { label: `Parquet TIMESTAMP(${logical.unit}, UTC)`, naive: false };
    return { label: `Parquet TIMESTAMP(${logical.unit}, no zone, ${naiveZone})`, naive: true };
  }
  if (element.converted_type === "TIMESTAMP_MILLIS") return { label: "Parquet TIMESTAMP(MILLIS, UTC)", naive: false };
  if (element.converted_type === "TIMESTAMP_MICROS") return { label: "Parquet TIMESTAMP(MICROS, UTC)", naive: false };
  if (element.type === "INT96") return { label: "Parquet INT96 timestamp (read as UTC)", naive: false };
  if (element.converted_type === "DATE" || logical?.type === "DATE") {
    return { label: zone.isUtc ? "Parquet DATE (midnight UTC)" : `Parquet DATE (midnight ${zone.name})`, naive: true };
  }
  return undefined;
}

const MS_PARSERS = {
  timestampFromMilliseconds: (v: bigint) => Number(v),
  timestampFromMicroseconds: (v: bigint) => Number(v) / 1000,
  timestampFromNanoseconds: (v: bigint) => Number(v / 1000n) / 1000,
  dateFromDays: (days: number) => days * 86_400_000,
};

async function readParquetBars(path: string, ctx: ReadContext): Promise<BarSeries> {
  let file: Awaited<ReturnType<typeof asyncBufferFromFile>>;
  if (existsSync(path)) assertRegularFile(path, "bars file");
  try {
    file = await asyncBufferFromFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new Error(code === "ENOENT" ? `${path}: no such file` : `${path}: cannot read (${(error as Error).message})`);
  }
  let metadata: Awaited<ReturnType<typeof parquetMetadataAsync>>;
  try {
    metadata = await parquetMetadataAsync(file);
  } catch (error) {
    throw new Error(`${path}: not a readable Parquet file (${(error as Error).message})`);
  }
  const children = parquetSchema(metadata).children;
  const header = children.map((child) => child.element.name);
  const planned = planColumns(path, header, undefined, {
    overrides: ctx.columns,
    // A first column typed as a timestamp or date holds dates.
    holdsDates: (index) => children[index] !== undefined && parquetTimestamp(children[index].element, ctx.zone) !== undefined,
  });
  if (planned.plan === undefined || planned.problems.length > 0) throw new BarsError(path, planned.problems);
  const plan = planned.plan;

  const timestampElement = children[plan.timestamp]!.element;
  const native = plan.time >= 0 ? undefined : parquetTimestamp(timestampElement, ctx.zone);
  const builder = new SeriesBuilder(path, plan, timestampReader(plan, ctx, native), false, new NumberReader(ctx.decimal === "auto" ? "." : ctx.decimal));
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
  return builder.finish(ctx.maxGapMs, ctx.zone, "parquet");
}

/**
 * Read bars from CSV (.csv/.txt/.tsv; comma, semicolon or tab, sniffed) or Parquet (.parquet/.pq).
 * Throws `BarsError` listing every problem: missing columns, unparseable timestamps (nonexistent local
 * times and zoned/naive mixes included), non-decimal, non-finite or non-positive prices, high/low
 * inconsistent with open/close, unsorted or duplicate timestamps. Throws `TimeZoneError` for an unknown
 * `timezone`. Breaks are summarised, not refused.
 */
export async function readBars(path: string, options: ReadBarsOptions = {}): Promise<BarSeries> {
  const format = barsFormatOf(path);
  const ctx = context(options);
  return format === "csv" ? readCsvBars(path, ctx) : readParquetBars(path, ctx);
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
 * fetch bars from elsewhere. Timestamps are UTC instants; `timezone` only sets the calendar of the breaks.
 */
export function barSeriesFromColumns(columns: BarColumns, options: ReadBarsOptions & { source?: string } = {}): BarSeries {
  const source = options.source ?? "(in memory)";
  const ctx = context(options);
  const withVolume = columns.volume !== undefined && columns.volume !== null;
  const names = ["timestamp", "open", "high", "low", "close", ...(withVolume ? ["volume"] : [])];
  const { plan, problems } = planColumns(source, names, undefined);
  if (plan === undefined) throw new BarsError(source, problems);
  const reader = new TimestampReader({ nativeLabel: "milliseconds since the epoch, UTC (in memory)" });
  const builder = new SeriesBuilder(source, plan, reader, false, new NumberReader("."));
  const n = columns.timestamps.length;
  for (const [name, column] of Object.entries(columns)) {
    if (column !== undefined && column !== null && column.length !== n) {
      throw new Error(`${source}: column ${name} has ${column.length} values, timestamps has ${n}`);
    }
  }
  builder.reserve(n);
  for (let i = 0; i < n; i++) {
    builder.add(
      columns.timestamps[i],
      columns.open[i],
      columns.high[i],
      columns.low[i],
      columns.close[i],
      withVolume ? columns.volume![i] : undefined,
      undefined,
    );
  }
  return builder.finish(ctx.maxGapMs, ctx.zone, "memory");
}

/** Multi-line description of a series' mapping, interval, breaks and gaps, as the CLI prints it. */
export function describeBars(series: BarSeries): string {
  const columns = Object.entries(series.mapping.columns)
    .map(([canonical, found]) => `${canonical} ← ${JSON.stringify(found)}`)
    .join(", ");
  const n = series.timestamps.length;
  const range = n > 0 ? `${formatTimestamp(series.timestamps[0]!)} … ${formatTimestamp(series.timestamps[n - 1]!)}` : "empty";
  const { delimiter, decimal } = series.mapping;
  const lines = [
    `${series.source}: ${n} bars (${range}), interval ${formatInterval(series.intervalMs)}`,
    `  format: ${series.mapping.format ?? "?"}${delimiter !== undefined ? `, delimiter ${JSON.stringify(delimiter)}` : ""}${decimal === "," ? ", decimal comma" : ""}`,
    `  columns: ${columns}${series.volume === null ? " (no volume)" : ""}`,
    `  timestamps: ${series.mapping.timestampFormat}`,
    ...describeBreaks(series.breaks),
  ];
  return lines.join("\n");
}
