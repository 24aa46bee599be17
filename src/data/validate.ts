/**
 * Window validation: checks raw rows (from any reader, or built in memory) against the docs/spec.md §1 record and
 * reports every problem, never only the first, each with file, row, window_id, field, the bad value and
 * what was expected. Rows are numbered from 0, as pandas numbers them (`df.iloc[row]`); JSONL problems
 * also carry the 1-based line so an editor can jump to it.
 */
import type { Window } from "./window.js";
import { UnreadableLine } from "./jsonl.js";
import { windowSchema } from "./schema.js";
import type { ParsedWindow } from "./schema.js";
import { acceptValidWindow } from "./fast_validation.js";

/** One thing wrong with one row. */
export interface Problem {
  /** File the row came from (or the name given to `validateWindows`). */
  file: string;
  /** 0-based row index in the file. */
  row: number;
  /** 1-based line number (JSONL only). */
  line?: number;
  /** The row's window_id when it is a readable string. */
  windowId?: string;
  /** Path of the bad field, e.g. `features[17][1]`, `expansion_end`, or `(row)` for the row itself. */
  field: string;
  /** The bad value, formatted for display. */
  value: string;
  /** What the field should have been. */
  expected: string;
}

export interface ValidationOptions {
  /** Name used in problems (a path, usually). */
  file?: string;
  /** 1-based line number of each row, when the source has lines (JSONL). */
  lines?: readonly number[];
}

export interface ValidationResult {
  /** Every problem, ordered by row. */
  problems: Problem[];
  /** The rows with no problem, as typed windows, in file order. */
  windows: Window[];
  /** Row index of each entry of `windows`. */
  validRows: number[];
  /** Rows with at least one problem, ascending. */
  invalidRows: number[];
}

/** `['features', 17, 1]` → `features[17][1]`; an empty path names the row itself. */
export function formatFieldPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return "(row)";
  let out = "";
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`;
    else out += out === "" ? String(key) : `.${String(key)}`;
  }
  return out;
}

/**
 * A value as a user should see it in a one-line message: numbers exactly (NaN and ±Infinity by name),
 * strings quoted, long arrays summarised by length and structure so a 105-bar list does not flood the line.
 */
export function formatValue(value: unknown): string {
  if (value === undefined) return "(missing)";
  if (value === null) return "null";
  if (typeof value === "number") return Object.is(value, -0) ? "-0" : String(value);
  if (typeof value === "bigint") return `${value} (int64)`;
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "boolean") return String(value);
  if (Array.isArray(value) || ArrayBuffer.isView(value)) {
    const items = Array.from(value as ArrayLike<unknown>);
    if (items.length <= 6 && items.every((v) => !Array.isArray(v))) return `[${items.map(formatValue).join(", ")}]`;
    const nested = items.length > 0 && items.every((v) => Array.isArray(v));
    return nested ? `a list of ${items.length} lists (first has ${(items[0] as unknown[]).length} values)` : `a list of ${items.length} values`;
  }
  if (typeof value === "object") return "an object";
  return String(value);
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let current: unknown = root;
  for (const key of path) {
    if (current === null || typeof current !== "object") return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

function readableId(row: unknown): string | undefined {
  if (row === null || typeof row !== "object") return undefined;
  const id = (row as Record<string, unknown>).window_id;
  return typeof id === "string" && id.length > 0 ? id : undefined;
}

/** One line: `FILE: row R (line L, window_id W): FIELD = VALUE; expected …`. */
export function formatProblem(problem: Problem): string {
  const where = [
    problem.line !== undefined ? `line ${problem.line}` : undefined,
    problem.windowId !== undefined ? `window_id ${problem.windowId}` : undefined,
  ].filter((part) => part !== undefined);
  const context = where.length > 0 ? ` (${where.join(", ")})` : "";
  return `${problem.file}: row ${problem.row}${context}: ${problem.field} = ${problem.value}; expected ${problem.expected}`;
}

/** The schema's output as a window: null optional fields (pandas' missing values) mean absent. */
function withoutNulls(data: ParsedWindow): Window {
  const { volume, timestamps, spans, ...rest } = data;
  const window: Window = rest;
  if (volume != null) window.volume = volume;
  if (timestamps != null) window.timestamps = timestamps;
  if (spans != null) window.spans = spans;
  return window;
}

/**
 * Check every row and return every problem: per-row schema and OHLC/span checks, then duplicate
 * window_ids across rows (reported on each repeat, naming the first row that used the id).
 */
export function validateWindows(rows: readonly unknown[], options: ValidationOptions = {}): ValidationResult {
  const file = options.file ?? "(in memory)";
  const problemsByRow: Problem[][] = rows.map(() => []);
  const parsed: (Window | undefined)[] = new Array(rows.length);
  const parsedTimes = new Map<string, number>();
  const checkedBars = new Set<unknown>();

  rows.forEach((row, index) => {
    const base = { file, row: index, ...(options.lines ? { line: options.lines[index] } : {}) };
    if (row instanceof UnreadableLine) {
      const excerpt = row.text.length > 60 ? `${row.text.slice(0, 60)}…` : row.text;
      const cut = row.truncated ? "; the file may be truncated" : "";
      problemsByRow[index]!.push({ ...base, field: "(line)", value: JSON.stringify(excerpt), expected: `a JSON object (${row.reason}${cut})` });
      return;
    }
    // Rows that pass the fast check are exactly the rows the schema accepts; the rest get its messages.
    const accepted = acceptValidWindow(row, parsedTimes, checkedBars);
    if (accepted !== undefined) {
      parsed[index] = accepted;
      return;
    }
    const windowId = readableId(row);
    const result = windowSchema.safeParse(row);
    if (result.success) {
      parsed[index] = withoutNulls(result.data);
      return;
    }
    for (const issue of result.error.issues) {
      problemsByRow[index]!.push({
        ...base,
        ...(windowId !== undefined ? { windowId } : {}),
        field: formatFieldPath(issue.path),
        value: formatValue(valueAt(row, issue.path)),
        expected: issue.message,
      });
    }
  });

  const firstRowOfId = new Map<string, number>();
  rows.forEach((row, index) => {
    const id = readableId(row);
    if (id === undefined) return;
    const first = firstRowOfId.get(id);
    if (first === undefined) {
      firstRowOfId.set(id, index);
      return;
    }
    problemsByRow[index]!.push({
      file,
      row: index,
      ...(options.lines ? { line: options.lines[index] } : {}),
      windowId: id,
      field: "window_id",
      value: formatValue(id),
      expected: `a unique id (row ${first} has the same window_id)`,
    });
  });

  const result: ValidationResult = { problems: [], windows: [], validRows: [], invalidRows: [] };
  problemsByRow.forEach((rowProblems, index) => {
    if (rowProblems.length > 0) {
      result.problems.push(...rowProblems);
      result.invalidRows.push(index);
    } else {
      result.windows.push(parsed[index]!);
      result.validRows.push(index);
    }
  });
  return result;
}

/**
 * A multi-line message listing problems, at most `limit` of them, then how many more there are — for
 * errors, where printing thousands of lines would bury the first ones.
 */
export function summarizeProblems(problems: readonly Problem[], limit = 20): string {
  const shown = problems.slice(0, limit).map((p) => `  ${formatProblem(p)}`);
  if (problems.length > limit) shown.push(`  … and ${problems.length - limit} more problem(s)`);
  return shown.join("\n");
}
