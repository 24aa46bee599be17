/**
 * JSONL window files: one window object per line, the Parquet column names as keys. Writing is
 * deterministic (fixed key order, shortest round-trip number text), so the same windows always give the
 * same bytes and every double reads back bit-exact.
 */
import type { Window } from "./window.js";
import { WINDOW_COLUMNS } from "./schema.js";

/** Raw rows of a JSONL file and the 1-based line each came from (blank lines are skipped). */
export interface JsonlRows {
  rows: unknown[];
  lines: number[];
}

// Python's json module writes NaN and ±Infinity as bare tokens. Reading them as numbers lets validation
// name the field that holds one, instead of refusing the whole line as "not JSON".
const NON_FINITE_TOKEN = /"(?:[^"\\]|\\.)*"|(-?Infinity|NaN)/g;
const SENTINEL = "\u0000spanlab-non-finite:";

function parseLine(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch (error) {
    if (!/NaN|Infinity/.test(line)) throw error;
    const quoted = line.replace(NON_FINITE_TOKEN, (match, token: string | undefined) => (token === undefined ? match : JSON.stringify(SENTINEL + token)));
    try {
      return JSON.parse(quoted, (_key, value: unknown) =>
        typeof value === "string" && value.startsWith(SENTINEL) ? Number(value.slice(SENTINEL.length)) : value,
      );
    } catch {
      throw error;
    }
  }
}

/**
 * A line of a JSONL file that is not JSON. It stays in the rows, in its place, so validation reports it
 * with every other problem of the file (instead of stopping at the first bad line) and a rejects file
 * keeps its text.
 */
export class UnreadableLine {
  constructor(
    /** The line's text. */
    readonly text: string,
    /** The JSON parser's complaint. */
    readonly reason: string,
    /** The line is the file's last and has no newline: the file was probably cut short. */
    readonly truncated: boolean,
  ) {}

  toJSON(): { unreadable_line: string } {
    return { unreadable_line: this.text };
  }
}

/**
 * Parse JSONL text into rows and their 1-based lines (blank lines skipped). A line that is not JSON
 * becomes an {@link UnreadableLine} row, which validation reports as a problem of that line.
 */
export function parseJsonl(text: string): JsonlRows {
  const rows: unknown[] = [];
  const lines: number[] = [];
  const rawLines = text.split("\n");
  rawLines.forEach((raw, index) => {
    const line = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    if (line.trim() === "") return;
    try {
      rows.push(parseLine(line));
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      rows.push(new UnreadableLine(line, reason, index === rawLines.length - 1));
    }
    lines.push(index + 1);
  });
  return { rows, lines };
}

/** One window as a JSON object with keys in storage order; `volume` only when present. */
function windowRecord(window: Window): Record<string, unknown> {
  const record: Record<string, unknown> = {};
  for (const column of WINDOW_COLUMNS) {
    if (column === "volume" && window.volume === undefined) continue;
    record[column] = window[column];
  }
  return record;
}

/** Serialise windows as JSONL text (one line per window, trailing newline). */
export function formatJsonl(windows: readonly Window[]): string {
  return `${windows.map((w) => JSON.stringify(windowRecord(w))).join("\n")}\n`;
}
