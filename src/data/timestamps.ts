/**
 * Timestamps: ISO-8601 text (with or without a zone), compact `YYYYMMDD[ HHMMSS]` dates and epoch
 * seconds/ms/µs/ns (unit from the magnitude) to milliseconds since the epoch, UTC; `TimestampReader` reads
 * one column consistently. Times with `Z` or an offset are honoured; naive ones (no zone) are local times
 * of the reader's zone (`--timezone`, UTC by default), converted DST-correctly by src/data/timezone.ts.
 * Also the printing of timestamps and bar intervals. Shared by bars.ts, annotations.ts, cut.ts and the CLI.
 */
import { UTC_ZONE, formatOffset, formatWallTime } from "./timezone.js";
import { daysFromCivil } from "./window_time.js";
import type { TimeZone } from "./timezone.js";

const ISO = /^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:(?:T|\s+)(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)?$/i;
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

/** Whether `text` starts with four digits and a hyphen, as an ISO date does. */
function isoDatePrefix(text: string): boolean {
  return text.length > 4 && text.charCodeAt(4) === 45 && digits(text, 0, 4) >= 0;
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
  return { ms: daysFromCivil(year, month, day) * 86_400_000 + ((hour * 60 + minute) * 60 + second) * 1000 + fraction, zoned };
}

/**
 * ISO-8601 text → { ms, zoned }, or undefined. Without a zone, `ms` is the wall-clock reading taken as UTC
 * (the reader converts it from its zone).
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

const COMPACT = /^(\d{4})(\d{2})(\d{2})(?:[T ]?(\d{2}):?(\d{2})(?::?(\d{2}))?)?$/;

/**
 * Compact dates `YYYYMMDD`, `YYYYMMDDHHMMSS`, `YYYYMMDD HHMM[SS]`, `YYYYMMDD HH:MM[:SS]` (no zone) → the
 * wall time as ms, or undefined. Years 1900–2199 only: the digits must not be mistaken for epoch numbers
 * (8 digits as epoch seconds would be 1970; 14 digits as epoch ms would be after 2286).
 */
export function parseCompactTimestamp(text: string): number | undefined {
  const m = COMPACT.exec(text);
  if (m === null) return undefined;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const hour = m[4] === undefined ? 0 : Number(m[4]);
  const minute = m[5] === undefined ? 0 : Number(m[5]);
  const second = m[6] === undefined ? 0 : Number(m[6]);
  if (year < 1900 || year > 2199 || month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return undefined;
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  if (day > DAYS_IN_MONTH[month - 1]! || (month === 2 && day === 29 && !leap)) return undefined;
  return Date.UTC(year, month - 1, day, hour, minute, second);
}

/** Whether `text` reads as a date (ISO-8601 or compact; not a bare epoch number): used to find an unnamed timestamp column. */
export function looksLikeDate(text: string): boolean {
  const t = text.trim();
  return parseIsoTimestamp(t) !== undefined || parseCompactTimestamp(t) !== undefined;
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

/** How a column's times relate to UTC: naive (local wall times of the reader's zone) or absolute instants. */
export type TimestampConvention = "naive" | "absolute" | "none";

export interface TimestampReaderOptions {
  /** Description for native (already ms) values, e.g. "Parquet TIMESTAMP(MICROS, UTC)"; undefined to sniff. */
  nativeLabel?: string;
  /** Native values are wall times without zone (a Parquet TIMESTAMP not adjusted to UTC): read in `zone`. */
  nativeNaive?: boolean;
  /** Prefix of the description, e.g. "date + time columns, ". */
  prefix?: string;
  /** Zone of naive times (default UTC). */
  zone?: TimeZone;
  /** `--timezone` was given (the description says so even for UTC, and notes when it does not apply). */
  zoneExplicit?: boolean;
  /**
   * Rows are in time order (bars): an ambiguous local time (the hour repeated when clocks fall back) is the
   * second occurrence when the first would go back to or before the previous row; otherwise the first.
   */
  ordered?: boolean;
}

/**
 * Parses one column of timestamps consistently: the first readable value decides whether the column is
 * ISO-8601 text (with a zone, or without), compact YYYYMMDD dates or epoch numbers (and which epoch unit,
 * from its magnitude); later values in another form — a zoned time among naive ones included — are refused
 * rather than guessed. Values already converted to ms (Parquet TIMESTAMP columns) pass through in "native"
 * mode.
 *
 * Naive times are wall-clock readings in the zone. A reading that does not exist there (the hour skipped
 * when clocks spring forward) is refused, naming the zone and the offsets: real bars from a clock in that
 * zone cannot carry it, so the file's zone is probably another. An ambiguous reading (fall-back) is the
 * first occurrence unless `ordered` and the row order shows the second; both are counted in `describe()`,
 * and a duplicate after conversion is reported by the order check with both rows.
 */
export class TimestampReader {
  private kind: "unset" | "iso" | "compact" | "epoch" | "native" = "unset";
  private unit: EpochUnit = "milliseconds";
  private firstRow = -1;
  /** ISO columns: whether the first value had a zone (all must agree). */
  private zonedColumn = false;
  private readonly zone: TimeZone;
  private previous = -Infinity;
  private ambiguousFirst = 0;
  private ambiguousSecond = 0;
  /** Why the last `parse` returned NaN. */
  expected = "";

  constructor(private readonly options: TimestampReaderOptions = {}) {
    this.zone = options.zone ?? UTC_ZONE;
    if (options.nativeLabel !== undefined) this.kind = "native";
  }

  /** The zone naive values are read in. */
  get timeZone(): TimeZone {
    return this.zone;
  }

  /** Naive (local wall times) or absolute (offsets, Z, epoch, UTC-adjusted Parquet), once a value was read. */
  convention(): TimestampConvention {
    if (this.kind === "unset") return "none";
    if (this.kind === "compact") return "naive";
    if (this.kind === "iso") return this.zonedColumn ? "absolute" : "naive";
    if (this.kind === "native") return this.options.nativeNaive ? "naive" : "absolute";
    return "absolute";
  }

  /** A wall time of the zone → UTC ms, or NaN with `expected` set (nonexistent local time). */
  private fromWall(wall: number): number {
    if (this.zone.isUtc) return wall;
    const conversion = this.zone.fromLocal(wall);
    if (conversion.kind === "unique") return conversion.utc;
    if (conversion.kind === "ambiguous") {
      if (this.options.ordered && conversion.utc <= this.previous && conversion.later > this.previous) {
        this.ambiguousSecond++;
        return conversion.later;
      }
      this.ambiguousFirst++;
      return conversion.utc;
    }
    this.expected =
      `a local time that exists in ${this.zone.name}: ${formatWallTime(wall)} falls in the time skipped when clocks ` +
      `sprang forward (${formatOffset(conversion.before)} → ${formatOffset(conversion.after)}); is the file in another zone?`;
    return Number.NaN;
  }

  /** Milliseconds since the epoch (UTC), or NaN with `expected` set. */
  parse(value: unknown, row: number): number {
    const ms = this.parseValue(value, row);
    if (!Number.isNaN(ms)) this.previous = ms;
    return ms;
  }

  private start(kind: "iso" | "compact" | "epoch", row: number): void {
    this.kind = kind;
    this.firstRow = row;
  }

  private parseValue(value: unknown, row: number): number {
    if (this.kind === "native") {
      let ms = Number.NaN;
      if (typeof value === "number" && Number.isFinite(value)) ms = value;
      else if (value instanceof Date && Number.isFinite(value.getTime())) ms = value.getTime();
      else {
        this.expected = `a timestamp (${this.describeNative()})`;
        return Number.NaN;
      }
      return this.options.nativeNaive ? this.fromWall(ms) : ms;
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
      // `YYYY-…` is a date, never a number (NUMERIC allows "-" only first or after an exponent's e): the
      // regex is skipped for the common ISO layout, a fifth of the time of reading a year of minute bars.
      if (!isoDatePrefix(text) && NUMERIC.test(text)) {
        numeric = Number(text);
        if (/^[+-]?\d+$/.test(text) && text.length > 15) bigValue = BigInt(text);
      }
    } else {
      this.expected = this.describeExpected();
      return Number.NaN;
    }

    if (numeric !== undefined) {
      // 8 or 14 digits that form a date are YYYYMMDD[HHMMSS], not epoch seconds of 1970 or epoch ms after 2286.
      if (this.kind !== "epoch" && Number.isInteger(numeric) && numeric > 0) {
        const digits = String(numeric);
        const compact = digits.length === 8 || digits.length === 14 ? parseCompactTimestamp(digits) : undefined;
        if (compact !== undefined) {
          if (this.kind === "unset") this.start("compact", row);
          if (this.kind === "compact") return this.fromWall(compact);
        }
      }
      if (!Number.isFinite(numeric) || this.kind === "iso" || this.kind === "compact") {
        this.expected = this.describeExpected();
        return Number.NaN;
      }
      if (this.kind === "unset") {
        this.start("epoch", row);
        this.unit = epochUnitOf(numeric);
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

    if (text === undefined || text === "" || this.kind === "epoch") {
      this.expected = this.describeExpected();
      return Number.NaN;
    }
    if (this.kind !== "compact") {
      const iso = parseIsoTimestamp(text);
      if (iso !== undefined) {
        if (this.kind === "unset") {
          this.start("iso", row);
          this.zonedColumn = iso.zoned;
        }
        if (iso.zoned !== this.zonedColumn) {
          this.expected = this.zonedColumn
            ? `an ISO-8601 timestamp with a zone (Z or ±HH:MM) like row ${this.firstRow}: this one has none, and a file must not mix zoned and naive times`
            : `an ISO-8601 timestamp without zone like row ${this.firstRow}: this one has a zone, and a file must not mix zoned and naive times`;
          return Number.NaN;
        }
        return iso.zoned ? iso.ms : this.fromWall(iso.ms);
      }
    }
    if (this.kind !== "iso") {
      const compact = parseCompactTimestamp(text);
      if (compact !== undefined) {
        if (this.kind === "unset") this.start("compact", row);
        return this.fromWall(compact);
      }
    }
    this.expected = this.describeExpected();
    return Number.NaN;
  }

  private describeExpected(): string {
    if (this.kind === "epoch") return `an epoch timestamp in ${this.unit} like row ${this.firstRow}`;
    if (this.kind === "iso") return `an ISO-8601 timestamp like row ${this.firstRow} (e.g. 2024-01-02T09:30:00Z)`;
    if (this.kind === "compact") return `a YYYYMMDD[ HHMMSS] timestamp like row ${this.firstRow} (e.g. 20240102 093000)`;
    return "a timestamp: ISO-8601 (2024-01-02T09:30:00Z, 2024-01-02 09:30:00, with or without zone), YYYYMMDD[ HHMMSS] or epoch seconds/ms/µs/ns";
  }

  /** "read as UTC", "read as America/Chicago local time, DST-aware" (+ ambiguous counts). */
  private naiveNote(): string {
    const zone = this.zone.isUtc
      ? this.options.zoneExplicit
        ? `read as UTC, --timezone ${this.zone.name}`
        : "read as UTC"
      : `read as ${this.zone.name} local time, DST-aware`;
    const ambiguous: string[] = [];
    if (this.ambiguousFirst > 0) ambiguous.push(`${this.ambiguousFirst} ambiguous fall-back time(s) read as the first occurrence`);
    if (this.ambiguousSecond > 0) ambiguous.push(`${this.ambiguousSecond} as the second (the rows' order shows the clock went back)`);
    return ambiguous.length > 0 ? `${zone}; ${ambiguous.join(", ")}` : zone;
  }

  private notApplied(why: string): string {
    return this.options.zoneExplicit && !this.zone.isUtc ? `; --timezone ${this.zone.name} not applied: ${why}` : "";
  }

  private describeNative(): string {
    return this.options.nativeLabel!;
  }

  /** Print-worthy description of what was detected. */
  describe(): string {
    let what: string;
    if (this.kind === "native")
      what = this.describeNative() + (this.options.nativeNaive && (this.ambiguousFirst > 0 || this.ambiguousSecond > 0) ? ` (${this.naiveNote()})` : "");
    else if (this.kind === "epoch") what = `epoch ${this.unit} (detected from magnitude)${this.notApplied("epoch times are UTC")}`;
    else if (this.kind === "iso") {
      what = this.zonedColumn
        ? `ISO-8601 with zone (converted to UTC)${this.notApplied("the times carry their own offsets")}`
        : `ISO-8601 without zone (${this.naiveNote()})`;
    } else if (this.kind === "compact") what = `YYYYMMDD[ HHMMSS] without zone (${this.naiveNote()})`;
    else what = "none readable";
    return (this.options.prefix ?? "") + what;
  }
}
