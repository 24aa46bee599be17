/**
 * Prices and volumes from text: plain decimal numbers only. JavaScript's `Number()` also reads hex
 * (`0x3a98`), binary (`0b…`), octal (`0o…`) and `Infinity`, and would read `""` as 0 — none of which is a
 * price, so each is refused here with what was wrong. Thousands separators are refused too (`1,234.5`, or
 * `1.234,5` when the decimal mark is a point): spanlab never guesses which of two marks is the decimal one.
 *
 * The decimal mark is `.` or `,` (`--decimal`). By default (`auto`) a comma-separated file uses `.`, and
 * any other file takes the mark of its first number that has one — a later number with the other mark is
 * refused, naming the row that decided.
 */

export type DecimalMark = "." | ",";
export type DecimalMode = DecimalMark | "auto";

const DECIMAL_COMMA = /^[+-]?\d*,\d+(?:[eE][+-]?\d+)?$/;
const PLAIN_DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** `--decimal` → the mode; throws naming the flag and the value. */
export function parseDecimalFlag(text: string | undefined): DecimalMode {
  if (text === undefined || text === "auto") return "auto";
  if (text === "." || text === ",") return text;
  throw new Error(`--decimal must be "." (decimal point) or "," (decimal comma), got ${JSON.stringify(text)}`);
}

/** Reads the numeric cells of one file with one decimal mark. */
export class NumberReader {
  private mark: DecimalMark | undefined;
  /** Row whose number decided the mark in auto mode (−1: the mark was given or follows from the delimiter). */
  private decidedAt = -1;
  private readonly given: boolean;
  /** Why the last `parse` returned NaN, when more specific than "not a finite number" (else undefined). */
  problem: string | undefined;

  /** `delimiter`: the CSV delimiter, when the cells come from delimited text (a comma delimiter forces "."). */
  constructor(mode: DecimalMode = "auto", delimiter?: string) {
    this.given = mode !== "auto";
    if (mode !== "auto") this.mark = mode;
    else if (delimiter === "," || delimiter === undefined) this.mark = ".";
  }

  /** The decimal mark in use, once known. */
  get decimalMark(): DecimalMark | undefined {
    return this.mark;
  }

  /** Whether the mark was detected from the data (auto mode), for the printed mapping. */
  get detected(): boolean {
    return this.decidedAt >= 0;
  }

  private decide(mark: DecimalMark, row: number): void {
    this.mark = mark;
    this.decidedAt = row;
  }

  /** Where the decimal mark came from, for problems. */
  private source(): string {
    const name = this.mark === "," ? "decimal comma" : "decimal point";
    if (this.given) return `${name}, --decimal ${this.mark}`;
    if (this.decidedAt >= 0) return `${name} like row ${this.decidedAt}`;
    return "decimal point: the file is comma-separated";
  }

  /** A number from a cell (strings must be plain decimals), or NaN with `problem` set when it says more. */
  parse(value: unknown, row: number): number {
    this.problem = undefined;
    if (typeof value === "number") return value;
    if (typeof value === "bigint") return Number(value);
    if (typeof value !== "string") return Number.NaN;
    // Fast path: Number() accepts every plain decimal; only a few non-decimal forms it accepts are refused.
    const n = Number(value);
    if (!Number.isNaN(n)) {
      if (n === 0 && value.trim() === "") return Number.NaN; // an empty cell is missing, not zero
      const text = value.charCodeAt(0) <= 32 ? value.trim() : value;
      if (text.length > 2 && text.charCodeAt(0) === 48) {
        const radix = text.charCodeAt(1) | 32; // lower case
        if (radix === 120 || radix === 98 || radix === 111) {
          const name = radix === 120 ? "hexadecimal" : radix === 98 ? "binary" : "octal";
          this.problem = `a plain decimal number (${name} notation like ${text} is not accepted)`;
          return Number.NaN;
        }
      }
      if (!Number.isFinite(n)) return n; // Infinity: the caller names it as not finite
      if (this.mark === ",") {
        if (text.includes(".")) {
          this.problem = `a number with a decimal comma (${this.source()}); "." is not accepted (a thousands separator? write 1234,5)`;
          return Number.NaN;
        }
      } else if (this.mark === undefined && text.includes(".")) this.decide(".", row);
      return n;
    }
    const text = value.trim();
    if (text.includes(",")) {
      if (this.mark === undefined && DECIMAL_COMMA.test(text)) this.decide(",", row);
      if (this.mark === "," && DECIMAL_COMMA.test(text)) return Number(text.replace(",", "."));
      if (text.includes(".")) {
        this.problem = `a number with one decimal mark and no thousands separator (${JSON.stringify(text)} has both "." and ","), e.g. ${text.replace(/[.,](?=.*[.,])/g, "")}`;
      } else if (this.mark === ",") {
        this.problem = `a number with one decimal comma (${this.source()}), e.g. 1234,5`;
      } else if (/^[+-]?\d{1,3}(?:,\d{3})+$/.test(text)) {
        this.problem = `a number without thousands separators (${this.source()}), e.g. ${text.replaceAll(",", "")}`;
      } else {
        this.problem = `a number with a decimal point (${this.source()}); a comma is not accepted (--decimal , reads decimal commas in a semicolon- or tab-separated file)`;
      }
      return Number.NaN;
    }
    if (/^0[xXbBoO]/.test(text.replace(/^[+-]/, ""))) this.problem = `a plain decimal number (${text} is not decimal notation)`;
    else if (text !== "" && !PLAIN_DECIMAL.test(text) && /\d/.test(text))
      this.problem = `a plain decimal number (digits, one decimal mark, optional exponent), not ${JSON.stringify(text)}`;
    return Number.NaN;
  }
}
