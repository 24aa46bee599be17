/**
 * Which column of a bars file holds what: header names matched after `normalizeHeader` (case, BOM,
 * quotes and `<…>` ignored) against the accepted spellings, `--columns timestamp=Date,open=Open,…`
 * overriding any of them, and — when no column is named like a timestamp — a first column whose values are
 * dates (a header such as `"%Y-%m-%d";Open;High;Low;Close`). Every problem is listed, with the columns found.
 */
import { findColumn, normalizeHeader } from "./csv.js";
import type { Problem } from "./validate.js";

/** Accepted spellings (compared after `normalizeHeader`), highest priority first. */
export const BAR_COLUMN_SPELLINGS = {
  timestamp: ["timestamp", "datetime", "date_time", "date/time", "ts", "time", "date"],
  open: ["open", "o"],
  high: ["high", "h"],
  low: ["low", "l"],
  close: ["close", "c", "last", "price_close"],
  volume: ["volume", "vol", "v"],
} as const;

/** Canonical columns `--columns` can name; `time` is a separate time-of-day column joined to `timestamp`. */
export const OVERRIDABLE_COLUMNS = ["timestamp", "time", "open", "high", "low", "close", "volume"] as const;
export type OverridableColumn = (typeof OVERRIDABLE_COLUMNS)[number];
export type ColumnOverrides = Partial<Record<OverridableColumn, string>>;

/** Where each canonical bar column is. */
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
  /** How the timestamp column was found when not by its name, for the printed format. */
  timestampNote?: string;
}

/** `--columns timestamp=Date,open=Open,…` → the overrides; throws naming the flag, the entry and the keys. */
export function parseColumnsFlag(text: string): ColumnOverrides {
  const overrides: ColumnOverrides = {};
  for (const entry of text.split(",")) {
    const equals = entry.indexOf("=");
    const key = (equals < 0 ? entry : entry.slice(0, equals)).trim().toLowerCase();
    const name = equals < 0 ? "" : entry.slice(equals + 1).trim();
    if (!(OVERRIDABLE_COLUMNS as readonly string[]).includes(key) || name === "") {
      throw new Error(
        `--columns takes canonical=header pairs, e.g. timestamp=Date,open=Open,high=High,low=Low,close=Close[,volume=Vol]; ` +
          `got ${JSON.stringify(entry.trim())} (canonical names: ${OVERRIDABLE_COLUMNS.join(", ")})`,
      );
    }
    if (overrides[key as OverridableColumn] !== undefined) throw new Error(`--columns names ${key} twice`);
    overrides[key as OverridableColumn] = name;
  }
  return overrides;
}

export interface PlanOptions {
  overrides?: ColumnOverrides;
  /** Whether column `index` holds dates (the first data row of a CSV, the column type of Parquet). */
  holdsDates?: (index: number) => boolean;
}

/** The plan, or the problems that prevent reading (`plan` may come with problems about duplicate names). */
export function planColumns(
  file: string,
  header: readonly string[],
  line: number | undefined,
  options: PlanOptions = {},
): { plan?: ColumnPlan; problems: Problem[] } {
  const normalized = header.map(normalizeHeader);
  const problems: Problem[] = [];
  const found = header.map((h) => JSON.stringify(h)).join(", ");
  const base = { file, row: -1, ...(line !== undefined ? { line } : {}) };

  const seen = new Map<string, number>();
  normalized.forEach((name, index) => {
    const first = seen.get(name);
    if (first !== undefined && Object.values(BAR_COLUMN_SPELLINGS).some((s) => (s as readonly string[]).includes(name))) {
      problems.push({
        ...base,
        field: header[index]!,
        value: JSON.stringify(header[index]),
        expected: `one column of that name (column ${first + 1} has the same name)`,
      });
    }
    if (first === undefined) seen.set(name, index);
  });

  // --columns first: each named column must exist.
  const overrides = options.overrides ?? {};
  const overridden: Partial<Record<OverridableColumn, number>> = {};
  for (const [key, name] of Object.entries(overrides) as [OverridableColumn, string][]) {
    const index = normalized.indexOf(normalizeHeader(name));
    if (index < 0) {
      problems.push({
        ...base,
        field: "--columns",
        value: `${key}=${name}`,
        expected: `a column named ${JSON.stringify(name)} (any case); columns found: ${found || "(none)"}`,
      });
    } else overridden[key] = index;
  }

  let timestamp = -1;
  let time = -1;
  let timestampNote: string | undefined;
  if (overrides.timestamp !== undefined) {
    timestamp = overridden.timestamp ?? -2;
    time = overridden.time ?? -1;
  } else {
    const date = normalized.indexOf("date");
    const timeOnly = normalized.indexOf("time");
    const single = findColumn(normalized, ["timestamp", "datetime", "date_time", "date/time", "ts"]);
    if (single >= 0) timestamp = single;
    else if (date >= 0 && timeOnly >= 0) {
      timestamp = date;
      time = timeOnly;
    } else timestamp = timeOnly >= 0 ? timeOnly : date;
    if (overrides.time !== undefined) time = overridden.time ?? -1;
  }

  const pick = (name: "open" | "high" | "low" | "close" | "volume"): number =>
    overrides[name] !== undefined ? (overridden[name] ?? -2) : findColumn(normalized, BAR_COLUMN_SPELLINGS[name]);
  const columns = { timestamp, open: pick("open"), high: pick("high"), low: pick("low"), close: pick("close") };
  const volume = pick("volume");

  // No column named like a timestamp: a first column of dates is one (when nothing else claims it).
  if (columns.timestamp === -1 && header.length > 0 && options.holdsDates?.(0) === true) {
    const claimed = [columns.open, columns.high, columns.low, columns.close, volume].includes(0);
    if (!claimed) {
      columns.timestamp = 0;
      timestampNote = "first column (its values are dates; no column is named like a timestamp), ";
    }
  }

  for (const [name, index] of Object.entries(columns)) {
    if (index >= 0 || index === -2) continue; // −2: a --columns name not found, already reported
    const spellings =
      name === "timestamp" ? [...BAR_COLUMN_SPELLINGS.timestamp, "date + time"] : BAR_COLUMN_SPELLINGS[name as keyof typeof BAR_COLUMN_SPELLINGS];
    problems.push({
      ...base,
      field: name,
      value: "(missing)",
      expected: `a column named ${spellings.join("|")} (any case); columns found: ${found || "(none)"}`,
    });
  }
  if (Object.values(columns).some((index) => index < 0) || problems.some((p) => p.field === "--columns")) return { problems };
  const mapping: Record<string, string> = {
    timestamp: time >= 0 ? `${header[columns.timestamp]} + ${header[time]}` : header[columns.timestamp]!,
    open: header[columns.open]!,
    high: header[columns.high]!,
    low: header[columns.low]!,
    close: header[columns.close]!,
  };
  if (volume >= 0) mapping.volume = header[volume]!;
  return { plan: { ...columns, time, volume, mapping, ...(timestampNote !== undefined ? { timestampNote } : {}) }, problems };
}
