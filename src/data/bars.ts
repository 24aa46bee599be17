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
 */
import { createReadStream, statSync } from "node:fs";
import { extname } from "node:path";
import { asyncBufferFromFile, parquetMetadataAsync, parquetRead, parquetSchema } from "hyparquet";
import type { SchemaElement } from "hyparquet";
import type { Problem } from "./validate.js";
import { formatProblem } from "./validate.js";

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

/** Thrown by `readBars` (and `readAnnotations`) with every problem found. */
export class BarsError extends Error {
  constructor(
    readonly file: string,
    readonly problems: Problem[],
    what = "bars",
  ) {
    super(
      `${file}: ${problems.length} problem(s) in the ${what} (rows numbered from 0):\n` +
        problems.slice(0, 20).map((p) => `  ${formatBarsProblem(p)}`).join("\n") +
        (problems.length > 20 ? `\n  … and ${problems.length - 20} more problem(s)` : "") +
        hint(problems),
    );
    this.name = "BarsError";
  }
}

function hint(problems: readonly Problem[]): string {
  return problems.some((p) => p.expected.includes("--allow-gaps"))
    ? "\nGaps are refused by default: pass --allow-gaps (allowGaps) to accept them; windows never cross a gap."
    : "";
}

/** One line per problem; file-level problems (row −1) print as "header". */
export function formatBarsProblem(problem: Problem): string {
  if (problem.row >= 0) return formatProblem(problem);
  const line = problem.line !== undefined ? ` (line ${problem.line})` : "";
  return `${problem.file}: header${line}: ${problem.field} = ${problem.value}; expected ${problem.expected}`;
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

/** Lower case, trimmed, without a BOM, quotes or MetaTrader-style angle brackets (`<OPEN>`). */
export function normalizeHeader(name: string): string {
  return name
    .replace(/^\uFEFF/, "")
    .trim()
    .replace(/^["']|["']$/g, "")
    .replace(/^<|>$/g, "")
    .trim()
    .toLowerCase();
}

/** Index of the first column whose normalized name is one of `spellings` (in spelling priority), or −1. */
export function findColumn(normalized: readonly string[], spellings: readonly string[]): number {
  for (const spelling of spellings) {
    const index = normalized.indexOf(spelling);
    if (index >= 0) return index;
  }
  return -1;
}

/** Where each canonical bar column is, or the problems that prevent reading. */
interface ColumnPlan {
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

// ───────────────────────────── timestamps ─────────────────────────────

const ISO =
  /^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:(?:T|\s+)(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)?$/i;
const NUMERIC = /^[+-]?\d+(?:\.\d*)?(?:[eE][+-]?\d+)?$/;
const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

export type EpochUnit = "seconds" | "milliseconds" | "microseconds" | "nanoseconds";
const UNIT_MS: Record<EpochUnit, number> = { seconds: 1000, milliseconds: 1, microseconds: 1e-3, nanoseconds: 1e-6 };

/** The epoch unit a number's magnitude suggests (for dates between 1973 and 5138). */
export function epochUnitOf(value: number): EpochUnit {
  const magnitude = Math.abs(value);
  if (magnitude < 1e11) return "seconds";
  if (magnitude < 1e14) return "milliseconds";
  if (magnitude < 1e17) return "microseconds";
  return "nanoseconds";
}

function digits(text: string, at: number, count: number): number {
  let value = 0;
  for (let k = 0; k < count; k++) {
    const d = text.charCodeAt(at + k) - 48;
    if (d < 0 || d > 9) return -1;
    value = value * 10 + d;
  }
  return value;
}

/**
 * The common layouts `YYYY-MM-DD[T ]HH:MM[:SS[.fff]][Z]` by character codes (5× faster than the regex
 * on a year of minute bars); undefined for anything else, which the general parser then handles.
 */
function parseIsoFast(text: string): { ms: number; zoned: boolean } | undefined {
  const n = text.length;
  if (n < 16 || text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45 || text.charCodeAt(13) !== 58) return undefined;
  const sep = text.charCodeAt(10);
  if (sep !== 84 && sep !== 32) return undefined;
  const year = digits(text, 0, 4);
  const month = digits(text, 5, 2);
  const day = digits(text, 8, 2);
  const hour = digits(text, 11, 2);
  const minute = digits(text, 14, 2);
  if (year < 0 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23 || minute < 0 || minute > 59) return undefined;
  let at = 16;
  let second = 0;
  let fraction = 0;
  if (at < n && text.charCodeAt(at) === 58) {
    second = digits(text, at + 1, 2);
    if (second < 0 || second > 59) return undefined;
    at += 3;
    if (at < n && text.charCodeAt(at) === 46) {
      const count = Math.min(n - at - 1, 3);
      if (count !== 3 || (at + 4 < n && text.charCodeAt(at + 4) !== 90)) return undefined;
      fraction = digits(text, at + 1, 3);
      if (fraction < 0) return undefined;
      at += 4;
    }
  }
  let zoned = false;
  if (at < n) {
    if (at === n - 1 && text.charCodeAt(at) === 90) zoned = true;
    else return undefined;
  }
  if (day > 28) {
    const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
    if (day > DAYS_IN_MONTH[month - 1]! || (month === 2 && day === 29 && !leap)) return undefined;
  }
  return { ms: Date.UTC(year, month - 1, day, hour, minute, second, fraction), zoned };
}

/**
 * ISO-8601 text → { ms, zoned }, or undefined. No zone means UTC.
 */
export function parseIsoTimestamp(text: string): { ms: number; zoned: boolean } | undefined {
  const fast = parseIsoFast(text);
  if (fast !== undefined) return fast;
  const m = ISO.exec(text);
  if (m === null) return undefined;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const hour = m[4] === undefined ? 0 : Number(m[4]);
  const minute = m[5] === undefined ? 0 : Number(m[5]);
  const second = m[6] === undefined ? 0 : Number(m[6]);
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return undefined;
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  if (day > DAYS_IN_MONTH[month - 1]! || (month === 2 && day === 29 && !leap)) return undefined;
  let ms = Date.UTC(year, month - 1, day, hour, minute, second);
  if (m[7] !== undefined) ms += Number(`0.${m[7]}`) * 1000;
  const zone = m[8];
  if (zone === undefined) return { ms, zoned: false };
  const z = zone.toUpperCase();
  if (z !== "Z" && z !== "UTC" && z !== "GMT") {
    const sign = z[0] === "-" ? -1 : 1;
    const digits = z.slice(1).replace(":", "");
    const hours = Number(digits.slice(0, 2));
    const minutes = digits.length > 2 ? Number(digits.slice(2)) : 0;
    if (hours > 23 || minutes > 59) return undefined;
    ms -= sign * (hours * 60 + minutes) * 60_000;
  }
  return { ms, zoned: true };
}

/** `2024-01-02T03:04:00Z` (milliseconds only when there are any). */
export function formatTimestamp(ms: number): string {
  if (!Number.isFinite(ms) || Math.abs(ms) > 8.64e15) return String(ms);
  return new Date(ms).toISOString().replace(".000Z", "Z");
}

/** `1m`, `5m`, `1h`, `1d`, `30s`, `250ms`. */
export function formatInterval(ms: number): string {
  if (!Number.isFinite(ms)) return "unknown";
  if (ms % 86_400_000 === 0) return `${ms / 86_400_000}d`;
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}

/**
 * Parses one column of timestamps consistently: the first readable value decides whether the column is
 * ISO-8601 text or epoch numbers (and which epoch unit, from its magnitude); later values in another
 * form are refused rather than guessed. Values already converted to ms (Parquet TIMESTAMP columns) pass
 * through in "native" mode.
 */
export class TimestampReader {
  private kind: "unset" | "iso" | "epoch" | "native" = "unset";
  private unit: EpochUnit = "milliseconds";
  private firstRow = -1;
  private zoned = 0;
  private unzoned = 0;
  /** Why the last `parse` returned NaN. */
  expected = "";

  constructor(
    /** Description for native (already ms) values, e.g. "Parquet TIMESTAMP(MICROS, UTC)"; undefined to sniff. */
    private readonly nativeLabel?: string,
    /** Prefix of the description, e.g. "date + time columns, ". */
    private readonly prefix = "",
  ) {
    if (nativeLabel !== undefined) this.kind = "native";
  }

  /** Milliseconds since the epoch (UTC), or NaN with `expected` set. */
  parse(value: unknown, row: number): number {
    if (this.kind === "native") {
      if (typeof value === "number" && Number.isFinite(value)) return value;
      if (value instanceof Date && Number.isFinite(value.getTime())) return value.getTime();
      this.expected = `a timestamp (${this.nativeLabel})`;
      return Number.NaN;
    }
    let numeric: number | undefined;
    let bigValue: bigint | undefined;
    let text: string | undefined;
    if (typeof value === "number") numeric = value;
    else if (typeof value === "bigint") {
      bigValue = value;
      numeric = Number(value);
    } else if (value instanceof Date) return value.getTime();
    else if (typeof value === "string") {
      text = value.trim();
      if (NUMERIC.test(text)) {
        numeric = Number(text);
        if (/^[+-]?\d+$/.test(text) && text.length > 15) bigValue = BigInt(text);
      }
    } else {
      this.expected = this.describeExpected();
      return Number.NaN;
    }

    if (numeric !== undefined) {
      if (!Number.isFinite(numeric)) {
        this.expected = this.describeExpected();
        return Number.NaN;
      }
      if (this.kind === "unset") {
        this.kind = "epoch";
        this.unit = epochUnitOf(numeric);
        this.firstRow = row;
      }
      if (this.kind !== "epoch") {
        this.expected = this.describeExpected();
        return Number.NaN;
      }
      const unit = epochUnitOf(numeric);
      if (unit !== this.unit) {
        this.expected = `epoch ${this.unit} like row ${this.firstRow} (this value looks like epoch ${unit})`;
        return Number.NaN;
      }
      // Exact integer milliseconds from big integers (float rounding of 1.7e18 ns would leave fractions).
      if (bigValue !== undefined && unit === "nanoseconds") return Number(bigValue / 1000n) / 1000;
      if (bigValue !== undefined && unit === "microseconds") return Number(bigValue) / 1000;
      return numeric * UNIT_MS[unit];
    }

    const iso = text === undefined || text === "" ? undefined : parseIsoTimestamp(text);
    if (iso === undefined || this.kind === "epoch") {
      this.expected = this.describeExpected();
      return Number.NaN;
    }
    if (this.kind === "unset") {
      this.kind = "iso";
      this.firstRow = row;
    }
    if (iso.zoned) this.zoned++;
    else this.unzoned++;
    return iso.ms;
  }

  private describeExpected(): string {
    if (this.kind === "epoch") return `an epoch timestamp in ${this.unit} like row ${this.firstRow}`;
    if (this.kind === "iso") return `an ISO-8601 timestamp like row ${this.firstRow} (e.g. 2024-01-02T09:30:00Z)`;
    return "a timestamp: ISO-8601 (2024-01-02T09:30:00Z, 2024-01-02 09:30:00, with or without zone) or epoch seconds/ms/µs/ns";
  }

  /** Print-worthy description of what was detected. */
  describe(): string {
    let what: string;
    if (this.kind === "native") what = this.nativeLabel!;
    else if (this.kind === "epoch") what = `epoch ${this.unit} (detected from magnitude)`;
    else if (this.kind === "iso") {
      if (this.unzoned === 0) what = "ISO-8601 with zone (converted to UTC)";
      else if (this.zoned === 0) what = "ISO-8601 without zone (read as UTC)";
      else what = `ISO-8601, ${this.zoned} with zone and ${this.unzoned} without (no-zone values read as UTC)`;
    } else what = "none readable";
    return this.prefix + what;
  }
}

// ───────────────────────────── CSV ─────────────────────────────

const DELIMITERS = [",", ";", "\t"] as const;

/** The delimiter (comma, semicolon or tab) occurring most often outside quotes in `line`, or undefined. */
export function sniffDelimiter(line: string): string | undefined {
  let best: string | undefined;
  let bestCount = 0;
  for (const delimiter of DELIMITERS) {
    const count = splitCsvLine(line, delimiter).fields.length - 1;
    if (count > bestCount) {
      best = delimiter;
      bestCount = count;
    }
  }
  return best;
}

/** Split one CSV line; quoted fields (RFC 4180, `""` escapes) are supported within a line. */
export function splitCsvLine(line: string, delimiter: string): { fields: string[]; error?: string } {
  if (!line.includes('"')) return { fields: line.split(delimiter) };
  const fields: string[] = [];
  let i = 0;
  const n = line.length;
  for (;;) {
    if (line[i] === '"') {
      let value = "";
      i++;
      for (;;) {
        const close = line.indexOf('"', i);
        if (close < 0) return { fields, error: "an unterminated quoted field" };
        value += line.slice(i, close);
        if (line[close + 1] === '"') {
          value += '"';
          i = close + 2;
          continue;
        }
        i = close + 1;
        break;
      }
      const next = line.indexOf(delimiter, i);
      value += (next < 0 ? line.slice(i) : line.slice(i, next)).trim() === "" ? "" : (next < 0 ? line.slice(i) : line.slice(i, next));
      fields.push(value);
      if (next < 0) return { fields };
      i = next + delimiter.length;
    } else {
      const next = line.indexOf(delimiter, i);
      if (next < 0) {
        fields.push(line.slice(i));
        return { fields };
      }
      fields.push(line.slice(i, next));
      i = next + delimiter.length;
    }
    if (i > n) return { fields };
  }
}

/**
 * Stream a text file line by line: `onLine(text, lineNumber)` with 1-based line numbers, `\r\n` handled.
 * Lines are handed over synchronously per chunk (no promise per line).
 */
export async function forEachLine(path: string, onLine: (text: string, line: number) => void): Promise<void> {
  const stream = createReadStream(path, { encoding: "utf8", highWaterMark: 1 << 16 });
  let rest = "";
  let line = 0;
  try {
    for await (const chunk of stream as AsyncIterable<string>) {
      const text = rest.length > 0 ? rest + chunk : chunk;
      let start = 0;
      for (;;) {
        const end = text.indexOf("\n", start);
        if (end < 0) break;
        line++;
        onLine(text.charCodeAt(end - 1) === 13 ? text.slice(start, end - 1) : text.slice(start, end), line);
        start = end + 1;
      }
      rest = text.slice(start);
    }
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new Error(code === "ENOENT" ? `${path}: no such file` : `${path}: cannot read (${(error as Error).message})`);
  }
  if (rest.length > 0) onLine(rest.endsWith("\r") ? rest.slice(0, -1) : rest, line + 1);
}

// ───────────────────────────── building the series ─────────────────────────────

class Growable {
  data: Float64Array;
  length = 0;
  constructor(capacity = 1024) {
    this.data = new Float64Array(capacity);
  }
  push(value: number): void {
    if (this.length === this.data.length) {
      const bigger = new Float64Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.length++] = value;
  }
  /** Grow the capacity to `capacity` up front (before the first push), saving the doublings. */
  reserve(capacity: number): void {
    if (this.length === 0 && capacity > this.data.length) this.data = new Float64Array(capacity);
  }
  /** The values: a view when little capacity is spare, else a right-sized copy. */
  finish(): Float64Array {
    if (this.data.length - this.length <= this.data.length / 8) return this.data.subarray(0, this.length);
    return this.data.slice(0, this.length);
  }
}

/** Number from a cell: strings must be non-empty numerals; a decimal comma is accepted when allowed. */
function toNumber(value: unknown, decimalComma: boolean): number {
  if (typeof value === "number") return value;
  if (typeof value === "string") {
    const n = Number(value);
    // Number("") and Number("  ") are 0: an empty cell is missing, not zero.
    if (n === 0 && value.trim() === "") return Number.NaN;
    if (!Number.isNaN(n) || !decimalComma) return n;
    return /^\s*[+-]?\d+,\d+\s*$/.test(value) ? Number(value.replace(",", ".")) : Number.NaN;
  }
  if (typeof value === "bigint") return Number(value);
  return Number.NaN;
}

function showValue(value: unknown): string {
  if (value === undefined) return "(missing)";
  if (value === null) return "null";
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "bigint") return `${value}`;
  return String(value);
}

class SeriesBuilder {
  readonly timestamps = new Growable();
  readonly open = new Growable();
  readonly high = new Growable();
  readonly low = new Growable();
  readonly close = new Growable();
  readonly volume: Growable | null;
  /**
   * 1-based line of each row (CSV), for problems found after reading, stored compactly: an entry
   * wherever a row's line is not the previous row's line + 1 (the first row, rows after blank lines).
   */
  private readonly lineRuns: { row: number; line: number }[] | null;
  private lastLine = -2;
  readonly problems: Problem[] = [];
  rows = 0;

  constructor(
    readonly file: string,
    readonly plan: ColumnPlan,
    readonly timestampReader: TimestampReader,
    withLines: boolean,
    private readonly decimalComma: boolean,
  ) {
    this.volume = plan.volume >= 0 ? new Growable() : null;
    this.lineRuns = withLines ? [] : null;
  }

  private problem(row: number, line: number | undefined, field: string, value: string, expected: string): void {
    this.problems.push({ file: this.file, row, ...(line !== undefined ? { line } : {}), field, value, expected });
  }

  /** Reserve room for about `rows` rows. */
  reserve(rows: number): void {
    for (const column of [this.timestamps, this.open, this.high, this.low, this.close, this.volume]) column?.reserve(rows);
  }

  private noteLine(row: number, line: number | undefined): void {
    if (this.lineRuns === null || line === undefined) return;
    if (line !== this.lastLine + 1) this.lineRuns.push({ row, line });
    this.lastLine = line;
  }

  /** The 1-based line of `row` (CSV), or undefined. */
  lineOf(row: number): number | undefined {
    const runs = this.lineRuns;
    if (runs === null || runs.length === 0) return undefined;
    let lo = 0;
    let hi = runs.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (runs[mid]!.row <= row) lo = mid;
      else hi = mid - 1;
    }
    return runs[lo]!.line + (row - runs[lo]!.row);
  }

  /** Record a non-finite or non-positive price; returns false. */
  private badPrice(row: number, line: number | undefined, name: string, raw: unknown, value: number): false {
    this.problem(row, line, this.plan.mapping[name]!, showValue(raw), Number.isFinite(value) ? "a positive price" : "a finite number (a positive price)");
    return false;
  }

  /** Add one row of raw cells (strings from CSV, typed values from Parquet). */
  add(
    rawTimestamp: unknown,
    rawOpen: unknown,
    rawHigh: unknown,
    rawLow: unknown,
    rawClose: unknown,
    rawVolume: unknown,
    line: number | undefined,
  ): void {
    const row = this.rows++;
    const { mapping } = this.plan;
    const ts = this.timestampReader.parse(rawTimestamp, row);
    if (Number.isNaN(ts)) this.problem(row, line, mapping.timestamp!, showValue(rawTimestamp), this.timestampReader.expected);
    const o = toNumber(rawOpen, this.decimalComma);
    const h = toNumber(rawHigh, this.decimalComma);
    const l = toNumber(rawLow, this.decimalComma);
    const c = toNumber(rawClose, this.decimalComma);
    let ok = true;
    if (!(o > 0 && o < Infinity)) ok = this.badPrice(row, line, "open", rawOpen, o);
    if (!(h > 0 && h < Infinity)) ok = this.badPrice(row, line, "high", rawHigh, h);
    if (!(l > 0 && l < Infinity)) ok = this.badPrice(row, line, "low", rawLow, l);
    if (!(c > 0 && c < Infinity)) ok = this.badPrice(row, line, "close", rawClose, c);
    if (ok) {
      if (h < Math.max(o, c)) this.problem(row, line, mapping.high!, String(h), `high ≥ max(open, close) = ${Math.max(o, c)}`);
      if (l > Math.min(o, c)) this.problem(row, line, mapping.low!, String(l), `low ≤ min(open, close) = ${Math.min(o, c)}`);
      if (h < l) this.problem(row, line, "(row)", `[${o}, ${h}, ${l}, ${c}]`, `high ≥ low (high ${h} < low ${l})`);
    }
    this.timestamps.push(ts);
    this.open.push(o);
    this.high.push(h);
    this.low.push(l);
    this.close.push(c);
    if (this.volume !== null) {
      const v = toNumber(rawVolume, this.decimalComma);
      if (!(Number.isFinite(v) && v >= 0)) {
        this.problem(row, line, mapping.volume!, showValue(rawVolume), "a finite volume ≥ 0");
      }
      this.volume.push(v);
    }
    this.noteLine(row, line);
  }

  /** A row that could not be split into cells: counted (indices stay aligned), filled with NaN. */
  addBroken(line: number | undefined, field: string, value: string, expected: string): void {
    const row = this.rows++;
    this.problem(row, line, field, value, expected);
    for (const column of [this.timestamps, this.open, this.high, this.low, this.close, this.volume]) column?.push(Number.NaN);
    this.noteLine(row, line);
  }

  finish(allowGaps: boolean, format: "csv" | "parquet" | "memory", delimiter?: string): BarSeries {
    const timestamps = this.timestamps.finish();
    const at = (row: number): { line?: number } => {
      const line = this.lineOf(row);
      return line !== undefined ? { line } : {};
    };
    const field = this.plan.mapping.timestamp!;
    const n = timestamps.length;
    if (n === 0) {
      this.problems.push({ file: this.file, row: -1, field: "(rows)", value: "0 rows", expected: "at least one data row after the header" });
    }

    // Order: every step must be positive; name the previous row and timestamp.
    let previous = -1;
    const steps = new Float64Array(Math.max(0, n - 1));
    let stepCount = 0;
    const order: Problem[] = [];
    for (let i = 0; i < n; i++) {
      const t = timestamps[i]!;
      if (Number.isNaN(t)) continue;
      if (previous >= 0) {
        const before = timestamps[previous]!;
        if (t < before) {
          order.push({ file: this.file, row: i, ...at(i), field, value: formatTimestamp(t), expected: `a timestamp after row ${previous}'s ${formatTimestamp(before)} (rows must be in time order; this row is earlier)` });
        } else if (t === before) {
          order.push({ file: this.file, row: i, ...at(i), field, value: formatTimestamp(t), expected: `a timestamp after row ${previous}'s ${formatTimestamp(before)} (duplicate timestamp)` });
        } else if (previous === i - 1) steps[stepCount++] = t - before;
      }
      previous = i;
    }

    const positive = steps.subarray(0, stepCount).sort();
    const intervalMs = stepCount === 0 ? Number.NaN : positive[Math.floor((stepCount - 1) / 2)]!;
    const gaps: BarGap[] = [];
    if (Number.isFinite(intervalMs)) {
      for (let i = 1; i < n; i++) {
        const step = timestamps[i]! - timestamps[i - 1]!;
        if (!(step > 1.5 * intervalMs)) continue;
        const missingBars = Math.round(step / intervalMs) - 1;
        gaps.push({ index: i, from: timestamps[i - 1]!, to: timestamps[i]!, missingBars });
        if (!allowGaps) {
          order.push({
            file: this.file,
            row: i,
            ...at(i),
            field,
            value: formatTimestamp(timestamps[i]!),
            expected: `the next bar after row ${i - 1}'s ${formatTimestamp(timestamps[i - 1]!)} (interval ${formatInterval(intervalMs)}): a gap of ${missingBars} missing bar(s); pass --allow-gaps to accept gaps`,
          });
        }
      }
    }

    const problems = [...this.problems, ...order].sort((a, b) => a.row - b.row);
    if (problems.length > 0) throw new BarsError(this.file, problems);
    return {
      source: this.file,
      timestamps,
      open: this.open.finish(),
      high: this.high.finish(),
      low: this.low.finish(),
      close: this.close.finish(),
      volume: this.volume?.finish() ?? null,
      mapping: {
        columns: this.plan.mapping,
        timestampFormat: this.timestampReader.describe(),
        format,
        ...(delimiter !== undefined ? { delimiter } : {}),
      },
      intervalMs,
      gaps,
    };
  }
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
