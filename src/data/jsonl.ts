/**
 * JSONL window files: one window object per line, the Parquet column names as keys. Writing is
 * deterministic (fixed key order, shortest round-trip number text), so the same windows always give the
 * same bytes and every double reads back bit-exact.
 */
import type { Window } from "./window.js";
import { WINDOW_COLUMNS } from "./schema.js";
import { jsonNestedDeeperThan } from "../util/text.js";

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

/** Longest line read (a 105-bar window with times and volumes takes about 12 KB). */
export const MAX_LINE_CHARACTERS = 1 << 20;
/** Deepest nesting read (a window needs 3: the object, the bars, a bar). */
export const MAX_NESTING = 16;

/** Why a line is refused before parsing, or null: too long, or nested too deep to be a window. */
function refusedLine(line: string): string | null {
  if (line.length > MAX_LINE_CHARACTERS)
    return `a line of ${line.length} characters, over the ${MAX_LINE_CHARACTERS}-character limit (a window line takes about 12,000)`;
  if (jsonNestedDeeperThan(line, MAX_NESTING)) return `nested more than ${MAX_NESTING} levels deep (a window needs 3)`;
  return null;
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
    const refused = refusedLine(line);
    if (refused) {
      rows.push(new UnreadableLine(`${line.slice(0, 200)}…`, refused, false));
      lines.push(index + 1);
      return;
    }
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

/** One window as a JSON object with keys in storage order; optional fields only when present. */
export function windowRecord(window: Window): Record<string, unknown> {
  const record: Record<string, unknown> = {};
  for (const column of WINDOW_COLUMNS) {
    if (window[column] === undefined) continue;
    record[column] = window[column];
  }
  return record;
}

class Unusual extends Error {}

/** A finite number as JSON writes it; anything else sends the window to the generic serialiser. */
function num(value: unknown): string {
  if (typeof value !== "number" || !Number.isFinite(value)) throw new Unusual();
  return `${value}`;
}

function text(value: unknown): string {
  if (typeof value !== "string") throw new Unusual();
  return JSON.stringify(value);
}

/**
 * `[a,b,…]` of finite numbers: checked here, then joined natively (Array#join writes a number exactly as
 * JSON.stringify does, −0 as 0 included, and much faster than a loop of template strings).
 */
function numbers(value: unknown): string {
  if (!Array.isArray(value)) throw new Unusual();
  for (let i = 0; i < value.length; i++) {
    const v: unknown = value[i];
    if (typeof v !== "number" || !Number.isFinite(v)) throw new Unusual();
  }
  return `[${value.join(",")}]`;
}

function list<T>(value: unknown, each: (item: unknown) => string): string {
  if (!Array.isArray(value)) throw new Unusual();
  let out = "[";
  for (let i = 0; i < value.length; i++) out += i === 0 ? each(value[i] as T) : `,${each(value[i] as T)}`;
  return `${out}]`;
}

/** A bar time needs no JSON escape when it is plain printable ASCII without quotes or backslashes. */
function time(value: unknown): string {
  if (typeof value !== "string" || !/^[\x20-\x7e]*$/.test(value) || value.includes('"') || value.includes("\\")) throw new Unusual();
  return `"${value}"`;
}

/**
 * One window as a JSON line, byte for byte what `JSON.stringify(windowRecord(window))` gives
 * (src/data/jsonl.test.ts checks it) but built directly: a file of 30,000 windows holds 16 million
 * numbers, and the generic serialiser walks them several times slower. A window holding anything but
 * finite numbers and plain times where they belong (a bad row a test writes on purpose) goes through
 * JSON.stringify instead; ids and labels always do, for their escapes.
 */
export function formatWindowLine(window: Window): string {
  try {
    let line = `{"window_id":${text(window.window_id)},"base_window_id":${text(window.base_window_id)},"label":${text(window.label)}`;
    line += `,"expansion_start":${num(window.expansion_start)},"expansion_end":${num(window.expansion_end)}`;
    line += `,"features":${list(window.features, numbers)}`;
    if (window.volume !== undefined) line += `,"volume":${numbers(window.volume)}`;
    if (window.timestamps !== undefined) line += `,"timestamps":${list(window.timestamps, time)}`;
    if (window.spans !== undefined) line += `,"spans":${list(window.spans, (span) => list(span, num))}`;
    return `${line}}`;
  } catch (error) {
    if (!(error instanceof Unusual)) throw error;
    return JSON.stringify(windowRecord(window));
  }
}

/** A growable byte buffer; ASCII text is copied in natively (Buffer#write, latin1). */
class TextBytes {
  bytes: Buffer;
  length = 0;

  constructor(capacity: number) {
    this.bytes = Buffer.allocUnsafe(Math.max(1024, capacity));
  }

  private room(n: number): void {
    if (this.length + n <= this.bytes.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.bytes.length * 2, this.length + n));
    this.bytes.copy(grown, 0, 0, this.length);
    this.bytes = grown;
  }

  /** `text` whose characters are all below U+0080. */
  ascii(text: string): void {
    this.room(text.length);
    this.length += this.bytes.write(text, this.length, text.length, "latin1");
  }

  /** Any text, as UTF-8. */
  utf8(text: string): void {
    this.room(Buffer.byteLength(text, "utf8"));
    this.length += this.bytes.write(text, this.length, "utf8");
  }
}

/**
 * The JSONL bytes of `windows`: exactly the UTF-8 of {@link formatJsonl}, written into one buffer. The
 * windows of one cut share their bar arrays and time strings (src/data/cut.ts), so each bar's
 * `[o,h,l,c]` is formatted and each time checked once per call, and a window's features and times are
 * joined natively from those pieces — about eight times less number formatting, and few long-lived strings.
 */
export function encodeJsonl(windows: readonly Window[]): Uint8Array {
  const out = new TextBytes(windows.length * 8192);
  const barTexts = new Map<unknown, string>();
  const plainTimes = new Set<unknown>();
  const barText = (bar: unknown): string => {
    let text = barTexts.get(bar);
    if (text === undefined) {
      text = numbers(bar);
      barTexts.set(bar, text);
    }
    return text;
  };
  for (const window of windows) {
    const start = out.length;
    try {
      out.utf8(`{"window_id":${text(window.window_id)},"base_window_id":${text(window.base_window_id)},"label":${text(window.label)}`);
      out.ascii(`,"expansion_start":${num(window.expansion_start)},"expansion_end":${num(window.expansion_end)},"features":[`);
      const features: unknown = window.features;
      if (!Array.isArray(features)) throw new Unusual();
      out.ascii(features.map(barText).join(","));
      out.ascii("]");
      if (window.volume !== undefined) out.ascii(`,"volume":${numbers(window.volume)}`);
      if (window.timestamps !== undefined) {
        const times: unknown = window.timestamps;
        if (!Array.isArray(times)) throw new Unusual();
        for (const t of times) {
          if (plainTimes.has(t)) continue;
          time(t);
          plainTimes.add(t);
        }
        out.ascii(times.length === 0 ? ',"timestamps":[]' : `,"timestamps":["${times.join('","')}"]`);
      }
      if (window.spans !== undefined) out.ascii(`,"spans":${list(window.spans, (span) => list(span, num))}`);
      out.ascii("}\n");
    } catch (error) {
      if (!(error instanceof Unusual)) throw error;
      out.length = start;
      out.utf8(`${JSON.stringify(windowRecord(window))}\n`);
    }
  }
  return out.bytes.subarray(0, out.length);
}

/** Serialise windows as JSONL text (one line per window, trailing newline). */
export function formatJsonl(windows: readonly Window[]): string {
  return `${windows.map(formatWindowLine).join("\n")}\n`;
}
