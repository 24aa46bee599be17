/**
 * What a file or folder under a root holds, from its name and first line only (docs/spec.md §14,
 * discovery): the catalog looks at up to 20,000 entries, so nothing is parsed whole here — the routes read a
 * file through the library's reader when it is asked for, and report its problems then. The header checks
 * are the library's own: `planColumns` for bars, the annotation spellings for events, predict's detections
 * header, the window columns.
 */
import { closeSync, openSync, readSync } from "node:fs";
import { extname } from "node:path";
import { asyncBufferFromFile, parquetMetadataAsync, parquetSchema } from "hyparquet";
import { ANNOTATION_COLUMN_SPELLINGS } from "../../data/annotations.js";
import { planColumns } from "../../data/columns.js";
import { findColumn, normalizeHeader, sniffDelimiter, splitCsvLine } from "../../data/csv.js";
import { looksLikeDate } from "../../data/timestamps.js";
import { COMPARISON_FILE } from "../../compare/compare.js";
import { SWEEP_FILE } from "../../compare/sweep.js";
import { RUN_FILES } from "../../train/train.js";

export const FOLDER_KINDS = ["run", "comparison", "sweep"] as const;
export const FILE_KINDS = ["windows", "bars", "detections", "annotations", "predictions", "probabilities"] as const;
export type FolderKind = (typeof FOLDER_KINDS)[number];
export type FileKind = (typeof FILE_KINDS)[number];
export type ItemKind = FolderKind | FileKind;

/** A classified file, with what its head says about the files it belongs with. */
export interface FileClass {
  kind: FileKind;
  /** predictions: the window file they were made on, as `predict --data` recorded it. */
  data?: string;
  /** detections and probabilities: the bars file they were made on, as predict recorded it (the CSV's sidecar, the JSON's `bars.source`). */
  bars?: string;
}

/** A folder's kind from the names it holds: a sweep, a comparison bundle or a training run. */
export function classifyFolder(fileNames: ReadonlySet<string>): FolderKind | null {
  if (fileNames.has(SWEEP_FILE)) return "sweep";
  if (fileNames.has(COMPARISON_FILE)) return "comparison";
  if (fileNames.has(RUN_FILES.config) && fileNames.has(RUN_FILES.metrics)) return "run";
  return null;
}

/** The files spanlab itself writes as parts of a run, comparison or sweep: never windows, bars or predictions. */
const OWN_FILES = new Set(["config.json", "compare_config.json", "sweep_config.json", "comparison.json", "sweep.json", "metrics.jsonl", "commit.json"]);

/** The first `bytes` of a file as text (a character cut at the end is replaced, which the checks below tolerate). */
function readHead(path: string, bytes: number): string {
  const fd = openSync(path, "r");
  try {
    const buffer = Buffer.alloc(bytes);
    const read = readSync(fd, buffer, 0, bytes, 0);
    return buffer
      .subarray(0, read)
      .toString("utf8")
      .replace(/^\uFEFF/, "");
  } finally {
    closeSync(fd);
  }
}

/** The first two non-blank lines of a head (the second undefined when the head holds no complete one). */
function firstLines(head: string): { first: string | undefined; second: string | undefined } {
  const lines = head.split("\n");
  const complete = head.endsWith("\n") ? lines.length : lines.length - 1;
  const found: string[] = [];
  for (let i = 0; i < complete && found.length < 2; i++) {
    const line = lines[i]!.replace(/\r$/, "");
    if (line.trim() !== "") found.push(line);
  }
  return { first: found[0], second: found[1] };
}

function hasAnnotationColumns(names: readonly string[]): boolean {
  const normalized = names.map(normalizeHeader);
  return (
    findColumn(normalized, ANNOTATION_COLUMN_SPELLINGS.start) >= 0 &&
    findColumn(normalized, ANNOTATION_COLUMN_SPELLINGS.end) >= 0 &&
    findColumn(normalized, ANNOTATION_COLUMN_SPELLINGS.label) >= 0
  );
}

/** The bars path in a detections CSV's sidecar (`- bars: <source>, N bars, …`, as predict writes it). */
function sidecarBars(path: string): string | undefined {
  try {
    const match = /^- bars: (.+?), \d+ bars, /m.exec(readHead(`${path}.md`, 1 << 14));
    return match?.[1];
  } catch {
    return undefined; // no sidecar: the detections are listed without their bars
  }
}

function classifyCsv(path: string): FileClass | null {
  const { first, second } = firstLines(readHead(path, 1 << 14));
  if (first === undefined) return null;
  const delimiter = sniffDelimiter(first) ?? ",";
  const header = splitCsvLine(first, delimiter).fields.map((h) => h.trim());
  if (header.includes("start_index") && header.includes("end_index")) {
    const bars = sidecarBars(path);
    return { kind: "detections", ...(bars !== undefined ? { bars } : {}) };
  }
  // predict --bars --probabilities F.csv: "bar_index,timestamp,p[,p_live]" (probabilitiesCsv's header).
  if (header[0] === "bar_index" && header[1] === "timestamp" && header[2] === "p" && (header.length === 3 || (header.length === 4 && header[3] === "p_live"))) {
    const bars = sidecarBars(path);
    return { kind: "probabilities", ...(bars !== undefined ? { bars } : {}) };
  }
  if (hasAnnotationColumns(header)) return { kind: "annotations" };
  const sample = second === undefined ? undefined : splitCsvLine(second, delimiter).fields.map((cell) => cell.trim());
  const planned = planColumns(path, header, 1, { holdsDates: (index) => sample !== undefined && looksLikeDate(sample[index] ?? "") });
  return planned.plan !== undefined && planned.problems.length === 0 ? { kind: "bars" } : null;
}

async function classifyParquet(path: string): Promise<FileClass | null> {
  let names: string[];
  try {
    const file = await asyncBufferFromFile(path);
    names = parquetSchema(await parquetMetadataAsync(file)).children.map((child) => child.element.name);
  } catch {
    return null; // not readable Parquet: not listed (the readers would refuse it anyway)
  }
  if (names.includes("window_id") && names.includes("expansion_start")) return { kind: "windows" };
  const planned = planColumns(path, names, undefined, {});
  return planned.plan !== undefined && planned.problems.length === 0 ? { kind: "bars" } : null;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function classifyJsonl(path: string): FileClass | null {
  // A window line is ~13 kB (105 bars, their times and volume); 256 kB holds the first of any sane file.
  const head = readHead(path, 1 << 18);
  const { first } = firstLines(head.includes("\n") ? head : `${head}\n`);
  if (first === undefined) return null;
  let row: unknown;
  try {
    row = JSON.parse(first);
  } catch {
    return null;
  }
  if (!isObject(row)) return null;
  if ("window_id" in row && "features" in row) return { kind: "windows" };
  return hasAnnotationColumns(Object.keys(row)) ? { kind: "annotations" } : null;
}

const PREDICT_HEAD = /^\s*\{\s*"checkpoint"\s*:\s*"(?:[^"\\]|\\.)*"\s*,\s*"loss_type"\s*:\s*"(?:[^"\\]|\\.)*"\s*,\s*"(data|bars)"\s*:\s*/;
const JSON_STRING = /^"(?:[^"\\]|\\.)*"/;

function classifyJson(path: string): FileClass | null {
  const head = readHead(path, 1 << 16);
  const predict = PREDICT_HEAD.exec(head);
  if (predict !== null) {
    const rest = head.slice(predict[0].length);
    if (predict[1] === "data") {
      // predict --data's report: "data" is the window file's path.
      const literal = JSON_STRING.exec(rest);
      return { kind: "predictions", ...(literal !== null ? { data: JSON.parse(literal[0]) as string } : {}) };
    }
    // predict --bars --out F.json: "bars" opens an object whose first field is the source.
    const source = /^\{\s*"source"\s*:\s*("(?:[^"\\]|\\.)*")/.exec(rest);
    return { kind: "detections", ...(source !== null ? { bars: JSON.parse(source[1]!) as string } : {}) };
  }
  // Annotations as a JSON array of event objects: the first object's keys name start, end and label.
  const array = /^\s*\[\s*\{/.exec(head);
  if (array === null) return null;
  const close = head.indexOf("}", array[0].length);
  const keys = [...head.slice(array[0].length - 1, close < 0 ? undefined : close).matchAll(/"((?:[^"\\]|\\.)*)"\s*:/g)].map((m) => m[1]!);
  return hasAnnotationColumns(keys) ? { kind: "annotations" } : null;
}

/** Extensions the catalog opens; every other file is passed over without being read. */
export function isCandidate(name: string): boolean {
  if (OWN_FILES.has(name)) return false;
  return [".csv", ".tsv", ".txt", ".parquet", ".pq", ".jsonl", ".ndjson", ".json-lines", ".json"].includes(extname(name).toLowerCase());
}

/** The kind of a regular file by name and head, or null when it is none of the kinds the app shows. */
export async function classifyFile(path: string): Promise<FileClass | null> {
  const extension = extname(path).toLowerCase();
  try {
    if ([".csv", ".tsv", ".txt"].includes(extension)) return classifyCsv(path);
    if ([".parquet", ".pq"].includes(extension)) return await classifyParquet(path);
    if ([".jsonl", ".ndjson", ".json-lines"].includes(extension)) return classifyJsonl(path);
    if (extension === ".json") return classifyJson(path);
  } catch {
    // Unreadable (permissions, vanished while walking): not listed.
  }
  return null;
}
