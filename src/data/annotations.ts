/**
 * Annotated events in: one row per expansion with start and end timestamps, a label and an optional event
 * id, from CSV (.csv/.txt/.tsv, delimiter sniffed), JSON (.json, an array of objects) or JSON Lines
 * (.jsonl/.ndjson); CSV is read as bars' CSV is (delimiter sniffed from the header, quoted fields and
 * headers). Timestamps are read as bars' are (ISO-8601 with or without zone, YYYYMMDD[ HHMMSS], or epoch
 * seconds/ms/µs/ns by magnitude): times with an offset or Z are honoured, naive ones are local times of
 * `timezone` (`--timezone`, UTC by default), the same zone the bars are read in. An ambiguous local time
 * (fall-back) is its first occurrence — annotations have no order to show the second — and a nonexistent
 * one (spring-forward) is refused. Every problem is listed: unparseable timestamps, end before start,
 * unknown labels, missing or duplicate event ids; rows are numbered from 0 (CSV and JSONL problems also
 * carry the 1-based line).
 */
import { FILE_SIZE_LIMITS, readTextFile } from "../util/read_file.js";
import { extname } from "node:path";
import type { Problem } from "./validate.js";
import type { Label } from "./window.js";
import { LABELS } from "./window.js";
import { BarsError } from "./bar_validation.js";
import { findColumn, normalizeHeader, sniffDelimiter, splitCsvLine } from "./csv.js";
import { TimestampReader, formatTimestamp } from "./timestamps.js";
import type { TimestampConvention } from "./timestamps.js";
import { UTC_ZONE, timeZone } from "./timezone.js";

/** One annotated expansion. */
export interface AnnotatedEvent {
  /** The event id from the file, or `event-<row>` when the file has no id column. */
  eventId: string;
  /** Start and end of the expansion, ms since the epoch (UTC), end ≥ start. */
  start: number;
  end: number;
  label: Label;
  /** 0-based row in the file. */
  row: number;
  /** 1-based line (CSV, JSONL). */
  line?: number;
}

export interface AnnotationSet {
  source: string;
  events: AnnotatedEvent[];
  mapping: { columns: Record<string, string>; timestampFormat: string; format: "csv" | "json" | "jsonl" };
  /** Whether the file's times were naive (local wall times of `timezone`) or absolute (offset, Z, epoch). */
  timestampConvention: TimestampConvention;
  /** The zone naive times were read in. */
  timezone: string;
}

export interface ReadAnnotationsOptions {
  /** IANA zone of naive timestamps (default UTC). */
  timezone?: string;
}

/** Accepted spellings (after `normalizeHeader`), highest priority first. */
export const ANNOTATION_COLUMN_SPELLINGS = {
  start: ["start", "start_time", "expansion_start", "begin"],
  end: ["end", "end_time", "expansion_end", "stop"],
  label: ["label"],
  id: ["event_id", "id"],
} as const;

/** Thrown by `readAnnotations` with every problem found. */
export class AnnotationsError extends BarsError {
  constructor(file: string, problems: Problem[]) {
    super(file, problems, "annotations");
    this.name = "AnnotationsError";
  }
}

interface RawRow {
  cells: unknown[];
  row: number;
  line?: number;
  /** Not an object (JSON): already reported as a whole, its fields are not checked. */
  broken?: boolean;
}

/** Header + rows of cells from any of the three formats. */
function readTable(path: string): { header: string[]; rows: RawRow[]; format: AnnotationSet["mapping"]["format"]; problems: Problem[] } {
  const extension = extname(path).toLowerCase();
  const text = readTextFile(path, "annotations file", FILE_SIZE_LIMITS.annotations);
  const problems: Problem[] = [];

  if ([".csv", ".txt", ".tsv"].includes(extension)) {
    const lines = text.split("\n").map((l) => (l.endsWith("\r") ? l.slice(0, -1) : l));
    const headerIndex = lines.findIndex((l) => l.trim() !== "");
    if (headerIndex < 0) return { header: [], rows: [], format: "csv", problems };
    const delimiter = sniffDelimiter(lines[headerIndex]!) ?? ",";
    const header = splitCsvLine(lines[headerIndex]!, delimiter).fields.map((h) => h.trim());
    const rows: RawRow[] = [];
    for (let i = headerIndex + 1; i < lines.length; i++) {
      if (lines[i]!.trim() === "") continue;
      const split = splitCsvLine(lines[i]!, delimiter);
      const row = rows.length;
      if (split.error !== undefined || split.fields.length !== header.length) {
        problems.push({
          file: path,
          row,
          line: i + 1,
          field: "(row)",
          value: split.error ?? `${split.fields.length} field(s)`,
          expected: `${header.length} fields like the header (delimiter ${JSON.stringify(delimiter)})`,
        });
      }
      rows.push({ cells: split.fields.map((f) => f.trim()), row, line: i + 1 });
    }
    return { header, rows, format: "csv", problems };
  }

  let objects: { value: unknown; line?: number }[];
  let format: "json" | "jsonl";
  if (extension === ".json") {
    format = "json";
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      throw new Error(`${path}: not valid JSON (${(error as Error).message})`);
    }
    if (!Array.isArray(parsed)) throw new Error(`${path}: expected a JSON array of objects, one per event`);
    objects = parsed.map((value) => ({ value }));
  } else if ([".jsonl", ".ndjson", ".json-lines"].includes(extension)) {
    format = "jsonl";
    objects = [];
    text.split("\n").forEach((raw, index) => {
      const lineText = raw.trim();
      if (lineText === "") return;
      try {
        objects.push({ value: JSON.parse(lineText), line: index + 1 });
      } catch (error) {
        objects.push({ value: new SyntaxError((error as Error).message), line: index + 1 });
      }
    });
  } else {
    throw new Error(`${path}: unknown annotations file extension "${extension}"; use .csv, .txt, .tsv, .json, .jsonl or .ndjson`);
  }

  // Columns: the union of keys in first-seen order.
  const header: string[] = [];
  const seen = new Set<string>();
  for (const { value } of objects) {
    if (value === null || typeof value !== "object" || Array.isArray(value) || value instanceof Error) continue;
    for (const key of Object.keys(value)) {
      if (!seen.has(key)) {
        seen.add(key);
        header.push(key);
      }
    }
  }
  const rows: RawRow[] = objects.map(({ value, line }, row) => {
    const base = { row, ...(line !== undefined ? { line } : {}) };
    if (value === null || typeof value !== "object" || Array.isArray(value) || value instanceof Error) {
      problems.push({
        file: path,
        ...base,
        field: "(row)",
        value: value instanceof Error ? "unreadable JSON" : JSON.stringify(value),
        expected: value instanceof Error ? `a JSON object (${value.message})` : "a JSON object with start, end and label",
      });
      return { cells: header.map(() => undefined), ...base, broken: true };
    }
    const record = value as Record<string, unknown>;
    return { cells: header.map((key) => record[key]), ...base };
  });
  return { header, rows, format, problems };
}

function show(value: unknown): string {
  if (value === undefined) return "(missing)";
  if (typeof value === "string") return JSON.stringify(value);
  return JSON.stringify(value) ?? String(value);
}

/**
 * Read and check an annotations file. Throws `AnnotationsError` listing every problem; an event with no
 * id column gets `event-<row>`.
 */
export async function readAnnotations(path: string, options: ReadAnnotationsOptions = {}): Promise<AnnotationSet> {
  const { header, rows, format, problems } = readTable(path);
  const normalized = header.map(normalizeHeader);
  const fileProblem = (field: string, value: string, expected: string): Problem => ({
    file: path,
    row: -1,
    ...(format === "csv" ? { line: 1 } : {}),
    field,
    value,
    expected,
  });
  const found = header.map((h) => JSON.stringify(h)).join(", ") || "(none)";
  const index = {
    start: findColumn(normalized, ANNOTATION_COLUMN_SPELLINGS.start),
    end: findColumn(normalized, ANNOTATION_COLUMN_SPELLINGS.end),
    label: findColumn(normalized, ANNOTATION_COLUMN_SPELLINGS.label),
  };
  const missing: Problem[] = [];
  for (const [name, i] of Object.entries(index)) {
    if (i >= 0) continue;
    const spellings = ANNOTATION_COLUMN_SPELLINGS[name as keyof typeof index];
    missing.push(fileProblem(name, "(missing)", `a column named ${spellings.join("|")} (any case); columns found: ${found}`));
  }
  if (missing.length > 0) throw new AnnotationsError(path, [...missing, ...problems]);
  if (rows.length === 0) throw new AnnotationsError(path, [fileProblem("(rows)", "0 rows", "at least one annotated event")]);

  const idIndex = findColumn(normalized, ANNOTATION_COLUMN_SPELLINGS.id);
  const columns: Record<string, string> = { start: header[index.start]!, end: header[index.end]!, label: header[index.label]! };
  if (idIndex >= 0) columns.event_id = header[idIndex]!;

  const zone = options.timezone === undefined ? UTC_ZONE : timeZone(options.timezone);
  const reader = new TimestampReader({ zone, zoneExplicit: options.timezone !== undefined });
  const events: AnnotatedEvent[] = [];
  const firstRowOfId = new Map<string, number>();
  for (const { cells, row, line, broken } of rows) {
    if (broken) continue;
    const base = { file: path, row, ...(line !== undefined ? { line } : {}) };
    let ok = true;
    const startRaw = cells[index.start];
    const endRaw = cells[index.end];
    const start = reader.parse(startRaw, row);
    if (Number.isNaN(start)) {
      ok = false;
      problems.push({ ...base, field: columns.start!, value: show(startRaw), expected: reader.expected });
    }
    const end = reader.parse(endRaw, row);
    if (Number.isNaN(end)) {
      ok = false;
      problems.push({ ...base, field: columns.end!, value: show(endRaw), expected: reader.expected });
    }
    if (!Number.isNaN(start) && !Number.isNaN(end) && end < start) {
      ok = false;
      problems.push({
        ...base,
        field: columns.end!,
        value: formatTimestamp(end),
        expected: `an end ≥ the start ${formatTimestamp(start)} (the span is inclusive: start ≤ end)`,
      });
    }
    const labelRaw = cells[index.label];
    const labelText = typeof labelRaw === "string" ? labelRaw.trim().toLowerCase() : undefined;
    const label = LABELS.find((l) => l === labelText);
    if (label === undefined) {
      ok = false;
      problems.push({ ...base, field: columns.label!, value: show(labelRaw), expected: `one of ${LABELS.map((l) => `"${l}"`).join(", ")}` });
    }
    let eventId = `event-${row}`;
    if (idIndex >= 0) {
      const raw = cells[idIndex];
      const text = typeof raw === "number" && Number.isFinite(raw) ? String(raw) : typeof raw === "string" ? raw.trim() : "";
      if (text === "") {
        ok = false;
        problems.push({ ...base, field: columns.event_id!, value: show(raw), expected: "a non-empty event id" });
      } else {
        eventId = text;
        const first = firstRowOfId.get(text);
        if (first !== undefined) {
          ok = false;
          problems.push({ ...base, field: columns.event_id!, value: show(raw), expected: `a unique event id (row ${first} has the same id)` });
        } else firstRowOfId.set(text, row);
      }
    }
    if (ok) events.push({ eventId, start, end, label: label!, row, ...(line !== undefined ? { line } : {}) });
  }
  if (problems.length > 0)
    throw new AnnotationsError(
      path,
      problems.sort((a, b) => a.row - b.row),
    );
  return {
    source: path,
    events,
    mapping: { columns, timestampFormat: reader.describe(), format },
    timestampConvention: reader.convention(),
    timezone: zone.name,
  };
}

/** Two-line description of an annotation file's mapping, as the CLI prints it. */
export function describeAnnotations(set: AnnotationSet): string {
  const columns = Object.entries(set.mapping.columns)
    .map(([canonical, found]) => `${canonical} ← ${JSON.stringify(found)}`)
    .join(", ");
  const generated = set.mapping.columns.event_id === undefined ? " (no id column: ids are event-<row>)" : "";
  return [
    `${set.source}: ${set.events.length} events (${set.mapping.format})`,
    `  columns: ${columns}${generated}`,
    `  timestamps: ${set.mapping.timestampFormat}`,
  ].join("\n");
}
