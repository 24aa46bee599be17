/**
 * Checking bars as they are read: `SeriesBuilder` collects the columns into growable Float64Arrays and
 * records every problem — unparseable timestamps, non-decimal, non-finite or non-positive prices, high/low
 * inconsistent with open/close, bad volumes, then (in `finish`) unsorted or duplicate timestamps — and
 * `BarsError` carries them all. `finish` also finds the breaks (src/data/breaks.ts): they are summarised,
 * never problems. Used by the readers in bars.ts; `BarsError` also by annotations.ts.
 */
import type { BarSeries } from "./bars.js";
import { findBreaks } from "./breaks.js";
import type { ColumnPlan } from "./columns.js";
import { type NumberReader, plainDecimalAt } from "./numbers.js";
import { formatTimestamp } from "./timestamps.js";
import type { TimestampReader } from "./timestamps.js";
import { formatWallTime } from "./timezone.js";
import type { TimeZone } from "./timezone.js";
import type { Problem } from "./validate.js";
import { formatProblem } from "./validate.js";

/** Thrown by `readBars` (and `readAnnotations`) with every problem found. */
export class BarsError extends Error {
  constructor(
    readonly file: string,
    readonly problems: Problem[],
    what = "bars",
  ) {
    super(
      `${file}: ${problems.length} problem(s) in the ${what} (rows numbered from 0):\n` +
        problems
          .slice(0, 20)
          .map((p) => `  ${formatBarsProblem(p)}`)
          .join("\n") +
        (problems.length > 20 ? `\n  … and ${problems.length - 20} more problem(s)` : "") +
        hint(problems),
    );
    this.name = "BarsError";
  }
}

function hint(problems: readonly Problem[]): string {
  return problems.some((p) => p.row === -1 && p.value === "(missing)")
    ? "\n--columns timestamp=NAME,open=NAME,… names the columns when the file spells them otherwise."
    : "";
}

/** One line per problem; file-level problems (row −1) print as "header". */
export function formatBarsProblem(problem: Problem): string {
  if (problem.row >= 0) return formatProblem(problem);
  const line = problem.line !== undefined ? ` (line ${problem.line})` : "";
  return `${problem.file}: header${line}: ${problem.field} = ${problem.value}; expected ${problem.expected}`;
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

function showValue(value: unknown): string {
  if (value === undefined) return "(missing)";
  if (value === null) return "null";
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "bigint") return `${value}`;
  return String(value);
}
export class SeriesBuilder {
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
    private readonly numbers: NumberReader,
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

  /** A price or volume cell; a problem the number reader found (hex, thousands separator…) is recorded here. */
  private number(raw: unknown, row: number, line: number | undefined, name: string): number {
    const value = this.numbers.parse(raw, row);
    this.named = this.numbers.problem !== undefined;
    if (this.named) this.problem(row, line, this.plan.mapping[name]!, showValue(raw), this.numbers.problem!);
    return value;
  }

  /** Whether the last `number` call already recorded why its cell is bad. */
  private named = false;

  /** Record a non-finite or non-positive price (unless the number reader already said why); returns false. */
  private badPrice(row: number, line: number | undefined, name: string, raw: unknown, value: number, named: boolean): false {
    if (!named)
      this.problem(row, line, this.plan.mapping[name]!, showValue(raw), Number.isFinite(value) ? "a positive price" : "a finite number (a positive price)");
    return false;
  }

  /** Add one row of raw cells (strings from CSV, typed values from Parquet). */
  add(rawTimestamp: unknown, rawOpen: unknown, rawHigh: unknown, rawLow: unknown, rawClose: unknown, rawVolume: unknown, line: number | undefined): void {
    const row = this.rows++;
    const { mapping } = this.plan;
    const ts = this.timestampReader.parse(rawTimestamp, row);
    if (Number.isNaN(ts)) this.problem(row, line, mapping.timestamp!, showValue(rawTimestamp), this.timestampReader.expected);
    const o = this.number(rawOpen, row, line, "open");
    const openNamed = this.named;
    const h = this.number(rawHigh, row, line, "high");
    const highNamed = this.named;
    const l = this.number(rawLow, row, line, "low");
    const lowNamed = this.named;
    const c = this.number(rawClose, row, line, "close");
    const closeNamed = this.named;
    let ok = true;
    if (!(o > 0 && o < Infinity)) ok = this.badPrice(row, line, "open", rawOpen, o, openNamed);
    if (!(h > 0 && h < Infinity)) ok = this.badPrice(row, line, "high", rawHigh, h, highNamed);
    if (!(l > 0 && l < Infinity)) ok = this.badPrice(row, line, "low", rawLow, l, lowNamed);
    if (!(c > 0 && c < Infinity)) ok = this.badPrice(row, line, "close", rawClose, c, closeNamed);
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
      const v = this.number(rawVolume, row, line, "volume");
      if (!this.named && !(Number.isFinite(v) && v >= 0)) {
        this.problem(row, line, mapping.volume!, showValue(rawVolume), "a finite volume ≥ 0");
      }
      this.volume.push(v);
    }
    this.noteLine(row, line);
  }

  /** Field boundaries of the line `addPlainLine` is reading (reused: no array per line). */
  private fieldStarts = new Int32Array(0);
  private fieldEnds = new Int32Array(0);

  /**
   * The fast path for a delimited line: when it has exactly `width` unquoted fields, its prices and volume
   * are plain decimals read in place (`plainDecimalAt`) and the bar is valid (positive prices, high and low
   * bracketing open and close, volume ≥ 0), the row is added and true returned. Otherwise nothing is added
   * and false returned, for the caller to split the line and `add` its cells — the general path, which
   * gives every problem its message. So the fast path changes the speed, never a value or a problem.
   */
  addPlainLine(text: string, delimiter: string, width: number, line: number): boolean {
    const plan = this.plan;
    if (plan.time >= 0 || this.numbers.decimalMark !== "." || text.includes('"')) return false;
    if (this.fieldStarts.length !== width) {
      this.fieldStarts = new Int32Array(width);
      this.fieldEnds = new Int32Array(width);
    }
    const starts = this.fieldStarts;
    const ends = this.fieldEnds;
    let from = 0;
    for (let k = 0; k < width; k++) {
      const next = text.indexOf(delimiter, from);
      if (next < 0 !== (k === width - 1)) return false; // fewer or more fields than the header
      starts[k] = from;
      ends[k] = next < 0 ? text.length : next;
      from = next + delimiter.length;
    }
    const o = plainDecimalAt(text, starts[plan.open]!, ends[plan.open]!);
    const h = plainDecimalAt(text, starts[plan.high]!, ends[plan.high]!);
    const l = plainDecimalAt(text, starts[plan.low]!, ends[plan.low]!);
    const c = plainDecimalAt(text, starts[plan.close]!, ends[plan.close]!);
    // NaN fails every comparison, so an unread cell also sends the line to the general path.
    if (!(o > 0 && h > 0 && l > 0 && c > 0 && h >= o && h >= c && l <= o && l <= c)) return false;
    let v = 0;
    if (this.volume !== null) {
      v = plainDecimalAt(text, starts[plan.volume]!, ends[plan.volume]!);
      if (!(v >= 0)) return false;
    }
    const row = this.rows++;
    const rawTimestamp = text.slice(starts[plan.timestamp]!, ends[plan.timestamp]!);
    const ts = this.timestampReader.parse(rawTimestamp, row);
    if (Number.isNaN(ts)) this.problem(row, line, plan.mapping.timestamp!, showValue(rawTimestamp), this.timestampReader.expected);
    this.timestamps.push(ts);
    this.open.push(o);
    this.high.push(h);
    this.low.push(l);
    this.close.push(c);
    this.volume?.push(v);
    this.noteLine(row, line);
    return true;
  }

  /** A row that could not be split into cells: counted (indices stay aligned), filled with NaN. */
  addBroken(line: number | undefined, field: string, value: string, expected: string): void {
    const row = this.rows++;
    this.problem(row, line, field, value, expected);
    for (const column of [this.timestamps, this.open, this.high, this.low, this.close, this.volume]) column?.push(Number.NaN);
    this.noteLine(row, line);
  }

  /**
   * The series, or `BarsError` with every problem. `maxGapMs`: breaks longer than this become the series'
   * gaps (null: none). `zone`: the zone naive times were read in — its calendar decides weekend and holiday
   * breaks, and order problems show the local time beside UTC.
   */
  finish(maxGapMs: number | null, zone: TimeZone, format: "csv" | "parquet" | "memory", delimiter?: string): BarSeries {
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
    // Converted local times are shown as read, so a duplicate at a fall-back change is recognisable.
    const local = this.timestampReader.convention() === "naive" && !zone.isUtc;
    const show = (t: number): string => (local ? `${formatTimestamp(t)} (${formatWallTime(zone.toLocal(t))} ${zone.name})` : formatTimestamp(t));

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
          order.push({
            file: this.file,
            row: i,
            ...at(i),
            field,
            value: show(t),
            expected: `a timestamp after row ${previous}'s ${show(before)} (rows must be in time order; this row is earlier)`,
          });
        } else if (t === before) {
          order.push({
            file: this.file,
            row: i,
            ...at(i),
            field,
            value: show(t),
            expected: `a timestamp after row ${previous}'s ${show(before)} (duplicate timestamp)`,
          });
        } else if (previous === i - 1) steps[stepCount++] = t - before;
      }
      previous = i;
    }

    const problems = [...this.problems, ...order].sort((a, b) => a.row - b.row);
    if (problems.length > 0) throw new BarsError(this.file, problems);
    const positive = steps.subarray(0, stepCount).sort();
    const intervalMs = stepCount === 0 ? Number.NaN : positive[Math.floor((stepCount - 1) / 2)]!;
    const { summary, gaps } = findBreaks(timestamps, intervalMs, zone, maxGapMs);
    const decimal = this.numbers.decimalMark === "," ? { decimal: "," as const } : {};
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
        ...decimal,
      },
      intervalMs,
      gaps,
      breaks: summary,
      timezone: zone.name,
      timestampConvention: this.timestampReader.convention(),
    };
  }
}
