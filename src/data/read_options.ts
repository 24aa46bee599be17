/**
 * The bar-reading flags shared by `data windows` and `predict --bars` (`--timezone`, `--columns`,
 * `--decimal`, `--max-gap`), turned into `ReadBarsOptions` and checked up front, so a bad value is refused
 * naming its flag before any file is read.
 */
import type { ReadBarsOptions } from "./bars.js";
import { parseDuration } from "./breaks.js";
import { parseColumnsFlag } from "./columns.js";
import { parseDecimalFlag } from "./numbers.js";
import { TimeZoneError, timeZone } from "./timezone.js";

/** The flags as commander hands them over (strings, absent when not given). */
export interface BarReadingFlags {
  timezone?: string;
  columns?: string;
  decimal?: string;
  maxGap?: string;
}

/** Help texts, one per flag, so both commands describe them alike. */
export const BAR_READING_HELP = {
  timezone: "IANA zone of naive timestamps in bars and annotations, DST-aware (e.g. America/New_York; default UTC); times with an offset or Z are honoured",
  columns: "column mapping overriding the header names: timestamp=Date,open=Open,high=High,low=Low,close=Close[,volume=Vol][,time=Time]",
  decimal: 'decimal mark of prices and volumes: "." or "," (default: "." in comma-separated files, else detected from the first number)',
  maxGap:
    "never let a window or scan cross a break longer than this (e.g. 4d, 90m, 2h, 30s; 0 = any break); default: bars are a sequence and breaks are crossed",
  allowGaps: "no effect, kept for old scripts: breaks are accepted by default (see --max-gap)",
} as const;

/** `ReadBarsOptions` from the flags; throws an Error naming the flag and the value when one is bad. */
export function barReadingOptions(flags: BarReadingFlags): ReadBarsOptions {
  const options: ReadBarsOptions = {};
  if (flags.timezone !== undefined) {
    try {
      options.timezone = timeZone(flags.timezone).name;
    } catch (error) {
      if (error instanceof TimeZoneError) throw new Error(`--timezone: ${error.message}`);
      throw error;
    }
  }
  if (flags.columns !== undefined) options.columns = parseColumnsFlag(flags.columns);
  if (flags.decimal !== undefined) options.decimal = parseDecimalFlag(flags.decimal);
  if (flags.maxGap !== undefined) options.maxGapMs = parseDuration(flags.maxGap, "--max-gap");
  return options;
}
