/**
 * Timestamps: ISO-8601 text (with or without a zone; no zone is UTC) and epoch seconds/ms/µs/ns (unit from
 * the magnitude) to milliseconds since the epoch, UTC; `TimestampReader` reads one column consistently.
 * Also the printing of timestamps and bar intervals. Shared by bars.ts, annotations.ts, cut.ts and the CLI.
 */

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
