/**
 * Checking bars as they are read: `SeriesBuilder` collects the columns into growable Float64Arrays and
 * records every problem — unparseable timestamps, non-finite or non-positive prices, high/low inconsistent
 * with open/close, bad volumes, then (in `finish`) unsorted or duplicate timestamps and gaps — and
 * `BarsError` carries them all. Used by the readers in bars.ts; `BarsError` also by annotations.ts.
 */
import type { BarGap, BarSeries, ColumnPlan } from "./bars.js";
import { formatInterval, formatTimestamp } from "./timestamps.js";
import type { TimestampReader } from "./timestamps.js";
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
