/**
 * Delimited text: streaming a file line by line (1-based line numbers, `\r\n` handled), sniffing the
 * delimiter (comma, semicolon or tab), splitting a line into fields (RFC 4180 quotes within a line) and
 * finding columns by normalized header name. Shared by the bars reader (bars.ts) and the annotations reader
 * (annotations.ts).
 *
 * The line splitter is hand-rolled rather than csv-parse: it is faster here (see bench/bars.ts).
 */
import { createReadStream, existsSync } from "node:fs";
import { assertRegularFile } from "../util/files.js";
import { invalidUtf8Offset, strictUtf8 } from "../util/text.js";

// ───────────────────────────── header names ─────────────────────────────

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

// ───────────────────────────── lines and fields ─────────────────────────────

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
      value += (next < 0 ? line.slice(i) : line.slice(i, next)).trim() === "" ? "" : next < 0 ? line.slice(i) : line.slice(i, next);
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

/** The longest line a delimited text file may hold (a bars row takes under 200 characters). */
export const MAX_TEXT_LINE_BYTES = 1 << 20;

/** Byte length of the complete UTF-8 sequences at the start of `bytes` (a sequence cut by the chunk end waits). */
function completeUtf8Length(bytes: Uint8Array): number {
  const n = bytes.length;
  for (let back = 1; back <= Math.min(3, n); back++) {
    const b = bytes[n - back]!;
    if ((b & 0xc0) === 0x80) continue;
    const length = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
    return length > back ? n - back : n;
  }
  return n;
}

/**
 * Stream a text file line by line: `onLine(text, lineNumber)` with 1-based line numbers, `\r\n` handled.
 * Lines are handed over synchronously per chunk (no promise per line). Only a regular file is read (a
 * FIFO would hang, a device never end); invalid UTF-8 is an error naming the line and byte offset, and a
 * line over {@link MAX_TEXT_LINE_BYTES} is refused, so memory stays bounded whatever the file holds.
 */
export async function forEachLine(path: string, onLine: (text: string, line: number) => void, what = "text file"): Promise<void> {
  if (existsSync(path)) assertRegularFile(path, what);
  const stream = createReadStream(path, { highWaterMark: 1 << 16 });
  let pending: Uint8Array = new Uint8Array(0);
  let rest = "";
  let line = 0;
  // Byte offset in the file of the first byte of `rest`, for the messages below.
  let restOffset = 0;
  let consumed = 0;
  const decode = (bytes: Uint8Array, offset: number): string => {
    try {
      return strictUtf8.decode(bytes);
    } catch {
      const at = invalidUtf8Offset(bytes);
      let lineOfError = line + 1;
      for (let i = 0; i < rest.length; i++) if (rest.charCodeAt(i) === 10) lineOfError++;
      for (let i = 0; i < at; i++) if (bytes[i] === 0x0a) lineOfError++;
      const shown = Array.from(bytes.subarray(at, at + 4), (b) => b.toString(16).padStart(2, "0")).join(" ");
      throw new Error(`${path}: line ${lineOfError}, byte offset ${offset + at}: invalid UTF-8 (bytes ${shown}); the file must be UTF-8 text`);
    }
  };
  const tooLong = (): Error =>
    new Error(
      `${path}: line ${line + 1} (from byte offset ${restOffset}) is longer than ${MAX_TEXT_LINE_BYTES} bytes; a bars or events row takes under a few hundred`,
    );
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      const bytes = pending.length > 0 ? Buffer.concat([pending, chunk]) : chunk;
      const complete = completeUtf8Length(bytes);
      const decoded = decode(bytes.subarray(0, complete), consumed);
      pending = bytes.subarray(complete);
      const text = rest.length > 0 ? rest + decoded : decoded;
      const textStartOffset = consumed - Buffer.byteLength(rest);
      consumed += complete;
      let start = 0;
      for (;;) {
        const end = text.indexOf("\n", start);
        if (end < 0) break;
        line++;
        onLine(text.charCodeAt(end - 1) === 13 ? text.slice(start, end - 1) : text.slice(start, end), line);
        start = end + 1;
      }
      if (start > 0) restOffset = textStartOffset + Buffer.byteLength(text.slice(0, start));
      rest = text.slice(start);
      if (rest.length > MAX_TEXT_LINE_BYTES) throw tooLong();
    }
  } catch (error) {
    if (!(error instanceof Error) || (error as NodeJS.ErrnoException).code === undefined) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new Error(code === "ENOENT" ? `${path}: no such file` : `${path}: cannot read (${error.message})`);
  }
  if (pending.length > 0) decode(pending, consumed);
  if (rest.length > 0) onLine(rest.endsWith("\r") ? rest.slice(0, -1) : rest, line + 1);
}
