/**
 * Delimited text: streaming a file line by line (1-based line numbers, `\r\n` handled), sniffing the
 * delimiter (comma, semicolon or tab), splitting a line into fields (RFC 4180 quotes within a line) and
 * finding columns by normalized header name. Shared by the bars reader (bars.ts) and the annotations reader
 * (annotations.ts).
 *
 * The line splitter is hand-rolled rather than csv-parse: it is faster here (see bench/bars.ts).
 */
import { createReadStream } from "node:fs";

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

/**
 * Stream a text file line by line: `onLine(text, lineNumber)` with 1-based line numbers, `\r\n` handled.
 * Lines are handed over synchronously per chunk (no promise per line).
 */
export async function forEachLine(path: string, onLine: (text: string, line: number) => void): Promise<void> {
  const stream = createReadStream(path, { encoding: "utf8", highWaterMark: 1 << 16 });
  let rest = "";
  let line = 0;
  try {
    for await (const chunk of stream as AsyncIterable<string>) {
      const text = rest.length > 0 ? rest + chunk : chunk;
      let start = 0;
      for (;;) {
        const end = text.indexOf("\n", start);
        if (end < 0) break;
        line++;
        onLine(text.charCodeAt(end - 1) === 13 ? text.slice(start, end - 1) : text.slice(start, end), line);
        start = end + 1;
      }
      rest = text.slice(start);
    }
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new Error(code === "ENOENT" ? `${path}: no such file` : `${path}: cannot read (${(error as Error).message})`);
  }
  if (rest.length > 0) onLine(rest.endsWith("\r") ? rest.slice(0, -1) : rest, line + 1);
}
