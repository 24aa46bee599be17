/**
 * Window files by extension, and validated loading. `readWindows` gives raw rows, `loadWindows` gives
 * typed windows or refuses with every problem listed; with `skipInvalid` it drops bad rows but writes each
 * one with its reasons to a rejects file and says how many — nothing is dropped silently. `writeWindows`
 * validates first, so spanlab never writes a file it would refuse to read.
 */
import { existsSync, linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { assertRegularFile } from "../util/files.js";
import { decodeUtf8 } from "../util/text.js";
import { basename, dirname, extname, join } from "node:path";
import type { Window } from "./window.js";
import { decodeParquet, encodeParquet } from "./parquet.js";
import { encodeJsonl, parseJsonl } from "./jsonl.js";
import { summarizeProblems, validateWindows } from "./validate.js";
import type { Problem } from "./validate.js";
import { assertWritable, writeFileAtomic } from "../util/files.js";
import type { OptionalColumns } from "./parquet.js";
import { openWindowSink } from "./window_sink.js";

export type WindowFormat = "parquet" | "jsonl";

const EXTENSIONS: Record<string, WindowFormat> = {
  ".parquet": "parquet",
  ".jsonl": "jsonl",
  ".json-lines": "jsonl",
  ".ndjson": "jsonl",
};

/** The format a path's extension names; an unknown extension is an error listing the known ones. */
export function windowFormatOf(path: string): WindowFormat {
  const format = EXTENSIONS[extname(path).toLowerCase()];
  if (format === undefined) {
    throw new Error(`${path}: unknown window file extension "${extname(path)}"; use one of ${Object.keys(EXTENSIONS).join(", ")}`);
  }
  return format;
}

/** Raw, unvalidated rows of a window file. */
export interface RawRows {
  file: string;
  format: WindowFormat;
  rows: unknown[];
  /** 1-based line of each row (JSONL only). */
  lines?: number[];
}

/**
 * Read a window file's rows without validating them. Unreadable, empty, truncated or non-JSON input is an
 * error naming the file (and for JSONL the offending lines).
 */
export async function readWindows(path: string): Promise<RawRows> {
  const format = windowFormatOf(path);
  let bytes: Buffer;
  if (existsSync(path)) assertRegularFile(path, "window file");
  try {
    bytes = readFileSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new Error(code === "ENOENT" ? `${path}: no such file` : `${path}: cannot read (${(error as Error).message})`);
  }
  if (format === "parquet") return { file: path, format, rows: await decodeParquet(bytes, path) };
  const { rows, lines } = parseJsonl(decodeUtf8(bytes, path));
  if (rows.length === 0) throw new Error(`${path}: the file holds no windows`);
  return { file: path, format, rows, lines };
}

export interface WriteOptions {
  /** Replace an existing file (default false: an existing result is never lost by accident). */
  overwrite?: boolean;
}

/**
 * Validate `windows` and write them atomically in the format the extension names. Output is
 * deterministic: the same windows always give byte-identical files.
 */
export function writeWindows(path: string, windows: readonly Window[], options: WriteOptions = {}): void {
  const format = windowFormatOf(path);
  if (windows.length === 0) throw new Error(`${path}: refusing to write a window file with no windows`);
  const { problems } = validateWindows(windows, { file: path });
  if (problems.length > 0) {
    throw new Error(`${path}: not written, ${problems.length} problem(s) in the windows:\n${summarizeProblems(problems)}`);
  }
  assertWritable(path, options.overwrite ?? false);
  writeFileAtomic(path, format === "parquet" ? encodeParquet(windows) : encodeJsonl(windows));
}

/**
 * Write windows that arrive in chunks (e.g. `windowChunks` of a cut) into one file, validating each
 * chunk and never holding more than one: the file appears only when complete. `columns` names the
 * optional columns of a Parquet file (every chunk must fit them). Returns how many windows were written.
 */
export function writeWindowChunks(path: string, chunks: Iterable<readonly Window[]>, columns: OptionalColumns, options: WriteOptions = {}): number {
  const sink = openWindowSink(path, windowFormatOf(path), columns, { overwrite: options.overwrite ?? false });
  try {
    for (const chunk of chunks) sink.write(chunk);
  } catch (error) {
    sink.abort();
    throw error;
  }
  return sink.close();
}

export interface LoadOptions {
  /** Drop invalid rows instead of refusing the file; they go to a rejects file with their reasons. */
  skipInvalid?: boolean;
  /** Where to write rejected rows (default `<input>.rejects.jsonl`); an existing file is never replaced. */
  rejectsPath?: string;
  /** Where the "dropped N rows" notice goes (default stderr). */
  log?: (message: string) => void;
}

export interface LoadReport {
  windows: Window[];
  /** Source row (0-based) of each window. */
  rows: number[];
  /** Every problem found (all in dropped rows when loading succeeded). */
  problems: Problem[];
  /** Rows dropped with skipInvalid. */
  dropped: number;
  /** The rejects file written, when rows were dropped. */
  rejectsPath?: string;
}

/** Thrown when a file has invalid rows and `skipInvalid` is off; carries every problem. */
export class WindowValidationError extends Error {
  constructor(
    readonly file: string,
    readonly problems: Problem[],
    invalidRows: number,
    totalRows: number,
  ) {
    super(
      `${file}: ${problems.length} problem(s) in ${invalidRows} of ${totalRows} rows (rows numbered from 0):\n` +
        `${summarizeProblems(problems)}\n` +
        `Fix the file, or load with skipInvalid (--skip-invalid) to drop these rows into a rejects file.`,
    );
    this.name = "WindowValidationError";
  }
}

/** JSON for rejects: BigInt and non-finite numbers survive as text instead of throwing or becoming null. */
function rejectsReplacer(_key: string, value: unknown): unknown {
  if (typeof value === "bigint") return `${value}`;
  if (typeof value === "number" && !Number.isFinite(value)) return String(value);
  return value;
}

/** `a.rejects.jsonl` → `a.rejects-2.jsonl` … */
function candidateName(path: string, attempt: number): string {
  if (attempt === 1) return path;
  const extension = extname(path);
  return `${path.slice(0, path.length - extension.length)}-${attempt}${extension}`;
}

/**
 * Write `text` under `path` or the first free `-N` variant. The temporary file is hard-linked into place,
 * which fails on an existing name, so a rejects file is never replaced even by a concurrent run.
 */
function writeFresh(path: string, text: string): string {
  mkdirSync(dirname(path), { recursive: true });
  const temporary = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  writeFileSync(temporary, text);
  try {
    for (let attempt = 1; attempt < 10_000; attempt++) {
      const candidate = candidateName(path, attempt);
      if (existsSync(candidate)) continue;
      try {
        linkSync(temporary, candidate);
        return candidate;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      }
    }
    throw new Error(`could not find a free name for ${path}`);
  } finally {
    rmSync(temporary, { force: true });
  }
}

/** Load and validate a window file, returning the report (windows, problems, dropped rows, rejects file). */
export async function loadWindowsReport(path: string, options: LoadOptions = {}): Promise<LoadReport> {
  const raw = await readWindows(path);
  const result = validateWindows(raw.rows, { file: path, ...(raw.lines ? { lines: raw.lines } : {}) });
  if (result.problems.length === 0) {
    return { windows: result.windows, rows: result.validRows, problems: [], dropped: 0 };
  }
  if (!options.skipInvalid) {
    throw new WindowValidationError(path, result.problems, result.invalidRows.length, raw.rows.length);
  }

  const byRow = new Map<number, Problem[]>();
  for (const problem of result.problems) {
    const list = byRow.get(problem.row) ?? [];
    list.push(problem);
    byRow.set(problem.row, list);
  }
  const rejectLines = result.invalidRows.map((row) => {
    const problems = byRow.get(row)!;
    const record = {
      file: path,
      row,
      ...(raw.lines ? { line: raw.lines[row] } : {}),
      window_id: problems[0]!.windowId ?? null,
      reasons: problems.map((p) => ({ field: p.field, value: p.value, expected: p.expected })),
      data: raw.rows[row],
    };
    return JSON.stringify(record, rejectsReplacer);
  });
  const rejectsPath = writeFresh(options.rejectsPath ?? `${path}.rejects.jsonl`, `${rejectLines.join("\n")}\n`);
  const dropped = result.invalidRows.length;
  const log = options.log ?? ((message: string) => process.stderr.write(`${message}\n`));
  log(`${path}: dropped ${dropped} of ${raw.rows.length} rows with ${result.problems.length} problem(s); ` + `they and their reasons are in ${rejectsPath}`);
  if (result.windows.length === 0) {
    throw new Error(`${path}: every row is invalid, no windows left (reasons in ${rejectsPath})`);
  }
  return { windows: result.windows, rows: result.validRows, problems: result.problems, dropped, rejectsPath };
}

/**
 * Load a window file as typed windows. By default any invalid row makes it throw a
 * `WindowValidationError` listing the problems; with `skipInvalid` invalid rows are dropped into a
 * rejects file (see `loadWindowsReport`).
 */
export async function loadWindows(path: string, options: LoadOptions = {}): Promise<Window[]> {
  return (await loadWindowsReport(path, options)).windows;
}
