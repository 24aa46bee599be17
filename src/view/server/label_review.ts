/**
 * Label review's one write (docs/spec.md §14): `POST /api/annotations?id=` with `{ edits: [...] }` on an
 * annotations file or a window file writes the edited events as a new file beside it,
 * `<name>.reviewed-<UTC yyyymmddThhmmss>.csv` (event_id,start,end,label — what `data windows --annotations`
 * reads), and appends one line per edit to `<name>.review-log.jsonl` (`{ time, action, window, event, from,
 * to, file }`). Nothing is overwritten: the original is never touched, a reviewed name already taken gets
 * `-2`, `-3`…, the log is rewritten whole to a temporary name and renamed, and neither is written through a
 * symbolic link. Edits are checked first, all of them, and none is applied unless every one is valid.
 *
 * An edit: `{ action: accept|adjust|relabel|delete|add, event?, window?, start?, end?, startBar?, endBar?,
 * label?, event_id? }`. `event` names the event (its event_id); in a window file `window` (a window id) may
 * name it instead — its base window's event — and `startBar`/`endBar` are bars of that window, read through
 * its timestamps. `start`/`end` are ISO-8601 times (naive ones are UTC, as the catalog reads files).
 */
import { existsSync } from "node:fs";
import { basename, dirname, extname, join, relative } from "node:path";
import { parseIsoTimestamp, formatTimestamp } from "../../data/timestamps.js";
import { LABELS, type Label, WINDOW_BARS, type Window } from "../../data/window.js";
import { assertNoLinkBetween, writeFileAtomic } from "../../util/files.js";
import { readTextFile } from "../../util/read_file.js";
import type { CatalogEntry } from "./catalog.js";
import { catalogId } from "./catalog.js";
import type { EventsOf, ViewEvent } from "./readers.js";
import { HttpError } from "./security.js";

export const REVIEW_ACTIONS = ["accept", "adjust", "relabel", "delete", "add"] as const;
export type ReviewAction = (typeof REVIEW_ACTIONS)[number];

export interface ReviewEdit {
  action: ReviewAction;
  event?: string;
  window?: string;
  start?: string;
  end?: string;
  startBar?: number;
  endBar?: number;
  label?: string;
  event_id?: string;
}

/** One line of the review log. */
export interface ReviewLogLine {
  time: string;
  action: ReviewAction;
  window: string | null;
  event: string;
  from: Omit<ViewEvent, "row"> | null;
  to: Omit<ViewEvent, "row"> | null;
  /** The reviewed file these edits went into (its name, beside the log). */
  file: string;
}

/** At most this many edits per request (a review session sends them as it goes). */
const MAX_EDITS = 10_000;
const EDIT_FIELDS = new Set(["action", "event", "window", "start", "end", "startBar", "endBar", "label", "event_id"]);

/** The edits of a request body, each field checked; 400 naming the edit, the field and the value. */
export function parseEdits(body: unknown): ReviewEdit[] {
  if (body === null || typeof body !== "object" || Array.isArray(body) || !Array.isArray((body as { edits?: unknown }).edits)) {
    throw new HttpError(400, 'the body must be { "edits": [ ... ] }');
  }
  const list = (body as { edits: unknown[] }).edits;
  if (list.length === 0) throw new HttpError(400, "edits is empty; send at least one edit");
  if (list.length > MAX_EDITS) throw new HttpError(400, `edits holds ${list.length} edits; at most ${MAX_EDITS} per request`);
  return list.map((raw, k) => {
    const at = `edits[${k}]`;
    if (raw === null || typeof raw !== "object" || Array.isArray(raw))
      throw new HttpError(400, `${at} is ${JSON.stringify(raw)}; expected an object with an action`);
    const edit = raw as Record<string, unknown>;
    for (const key of Object.keys(edit))
      if (!EDIT_FIELDS.has(key)) throw new HttpError(400, `${at}: unknown field ${key}; expected ${[...EDIT_FIELDS].join(", ")}`);
    if (!(REVIEW_ACTIONS as readonly unknown[]).includes(edit.action)) {
      throw new HttpError(400, `${at}.action = ${JSON.stringify(edit.action)}; expected one of ${REVIEW_ACTIONS.join(", ")}`);
    }
    for (const key of ["event", "window", "start", "end", "label", "event_id"]) {
      const value = edit[key];
      if (value !== undefined && (typeof value !== "string" || value.trim() === "" || value.length > 1000)) {
        throw new HttpError(400, `${at}.${key} = ${JSON.stringify(value)}; expected a non-empty string`);
      }
    }
    for (const key of ["startBar", "endBar"]) {
      const value = edit[key];
      if (value !== undefined && !(Number.isInteger(value) && (value as number) >= 0 && (value as number) < WINDOW_BARS)) {
        throw new HttpError(400, `${at}.${key} = ${JSON.stringify(value)}; expected a bar of the window, an integer in [0, ${WINDOW_BARS - 1}]`);
      }
    }
    return edit as unknown as ReviewEdit;
  });
}

function normalizeLabel(text: string, at: string): Label {
  const label = LABELS.find((l) => l === text.trim().toLowerCase());
  if (label === undefined) throw new HttpError(400, `${at}.label = ${JSON.stringify(text)}; expected one of ${LABELS.join(", ")}`);
  return label;
}

function parseTime(text: string, at: string): number {
  const parsed = parseIsoTimestamp(text.trim());
  if (parsed === undefined) throw new HttpError(400, `${at} = ${JSON.stringify(text)}; expected an ISO-8601 time such as 2024-01-02T03:04:00Z`);
  return parsed.ms;
}

/**
 * The events after `edits`, in file order (added events last), and one log line per edit. Pure: `now` is
 * the log's time, `file` the reviewed file's name.
 */
export function applyEdits(
  source: EventsOf,
  edits: readonly ReviewEdit[],
  now: Date,
  file: string,
): { events: Omit<ViewEvent, "row">[]; log: ReviewLogLine[] } {
  const events = new Map<string, Omit<ViewEvent, "row">>(source.events.map(({ row: _row, ...e }) => [e.event_id, e]));
  const windows = new Map<string, Window>((source.windows ?? []).map((w) => [w.window_id, w]));
  const log: ReviewLogLine[] = [];
  let added = 0;
  edits.forEach((edit, k) => {
    const at = `edits[${k}]`;
    const window = edit.window === undefined ? undefined : windows.get(edit.window);
    if (edit.window !== undefined && source.source === "windows" && window === undefined) {
      throw new HttpError(400, `${at}.window = ${JSON.stringify(edit.window)}: no such window in the file`);
    }
    // A time from an explicit ISO text, else from a bar of the window, else undefined.
    const timeOf = (text: string | undefined, bar: number | undefined, field: string): number | undefined => {
      if (text !== undefined && bar !== undefined) throw new HttpError(400, `${at}: give ${field} or ${field}Bar, not both`);
      if (text !== undefined) return parseTime(text, `${at}.${field}`);
      if (bar === undefined) return undefined;
      if (window === undefined) throw new HttpError(400, `${at}.${field}Bar needs a window of a window file (field window) to place the bar`);
      const stamp = window.timestamps?.[bar];
      if (stamp === undefined) throw new HttpError(400, `${at}.${field}Bar: window ${window.window_id} has no timestamps`);
      return Date.parse(stamp);
    };
    const start = timeOf(edit.start, edit.startBar, "start");
    const end = timeOf(edit.end, edit.endBar, "end");
    const entry = (before: Omit<ViewEvent, "row"> | null, after: Omit<ViewEvent, "row"> | null, event: string): ReviewLogLine => ({
      time: now.toISOString(),
      action: edit.action,
      window: edit.window ?? null,
      event,
      from: before,
      to: after,
      file,
    });

    if (edit.action === "add") {
      if (start === undefined || end === undefined || edit.label === undefined)
        throw new HttpError(400, `${at}: add needs start and end (or startBar and endBar) and label`);
      let id = edit.event_id?.trim();
      if (id !== undefined && events.has(id)) throw new HttpError(400, `${at}.event_id = ${JSON.stringify(id)} is taken by another event`);
      while (id === undefined || events.has(id)) id = `added-${++added}`;
      if (end < start) throw new HttpError(400, `${at}: end ${formatTimestamp(end)} is before start ${formatTimestamp(start)}`);
      const event = { event_id: id, start: formatTimestamp(start), end: formatTimestamp(end), label: normalizeLabel(edit.label, at) };
      events.set(id, event);
      log.push(entry(null, event, id));
      return;
    }

    const id = edit.event ?? (source.source === "windows" ? window?.base_window_id : undefined);
    if (id === undefined) throw new HttpError(400, `${at}: ${edit.action} needs event (an event_id)${source.source === "windows" ? " or window" : ""}`);
    const before = events.get(id);
    if (before === undefined)
      throw new HttpError(
        400,
        `${at}.event = ${JSON.stringify(id)}: no such event${source.events.some((e) => e.event_id === id) ? " (deleted by an earlier edit)" : ""}`,
      );
    let after: Omit<ViewEvent, "row"> | null = before;
    if (edit.action === "adjust") {
      if (start === undefined && end === undefined) throw new HttpError(400, `${at}: adjust needs start or end (or startBar / endBar)`);
      const s = start ?? Date.parse(before.start);
      const e = end ?? Date.parse(before.end);
      if (e < s) throw new HttpError(400, `${at}: end ${formatTimestamp(e)} is before start ${formatTimestamp(s)}`);
      after = { ...before, start: formatTimestamp(s), end: formatTimestamp(e) };
    } else if (edit.action === "relabel") {
      if (edit.label === undefined) throw new HttpError(400, `${at}: relabel needs label`);
      after = { ...before, label: normalizeLabel(edit.label, at) };
    } else if (edit.action === "delete") {
      after = null;
    }
    if (after === null) events.delete(id);
    else events.set(id, after);
    log.push(entry(before, after, id));
  });
  if (events.size === 0) throw new HttpError(400, "these edits delete every event; an annotations file needs at least one");
  return { events: [...events.values()], log };
}

/** One CSV field, quoted when RFC 4180 requires it. */
function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** The events as CSV; naive files stay naive (no zone), so bars read with them keep one convention. */
export function eventsCsv(events: readonly Omit<ViewEvent, "row">[], convention: EventsOf["convention"]): string {
  const time = (iso: string) => (convention === "naive" ? iso.replace(/Z$/, "") : iso);
  const lines = ["event_id,start,end,label", ...events.map((e) => [csvField(e.event_id), time(e.start), time(e.end), e.label].join(","))];
  return `${lines.join("\n")}\n`;
}

/** `20240102T030405` of `now` in UTC. */
export function reviewStamp(now: Date): string {
  return now
    .toISOString()
    .replace(/\.\d+Z$/, "")
    .replace(/[-:]/g, "");
}

/** The name a review lineage shares: the file's stem without an earlier `.reviewed-<stamp>`. */
function reviewStem(path: string): string {
  return basename(path, extname(path)).replace(/\.reviewed-\d{8}T\d{6}(-\d+)?$/, "");
}

export interface ReviewWritten {
  reviewed: { id: string; path: string };
  log: { path: string };
  events: number;
  edits: number;
}

/** Applies `edits` to the events of `entry` (at its real path `real`) and writes the reviewed file and the log line(s). */
export function writeReview(entry: CatalogEntry, real: string, source: EventsOf, edits: readonly ReviewEdit[], now = new Date()): ReviewWritten {
  const folder = dirname(real);
  const stem = reviewStem(real);
  let name = `${stem}.reviewed-${reviewStamp(now)}.csv`;
  for (let attempt = 2; existsSync(join(folder, name)); attempt++) name = `${stem}.reviewed-${reviewStamp(now)}-${attempt}.csv`;
  const reviewed = join(folder, name);
  const logPath = join(folder, `${stem}.review-log.jsonl`);
  const { events, log } = applyEdits(source, edits, now, name);
  assertNoLinkBetween(entry.root, reviewed);
  assertNoLinkBetween(entry.root, logPath);
  writeFileAtomic(reviewed, eventsCsv(events, source.convention));
  const previous = existsSync(logPath) ? readTextFile(logPath, "review log") : "";
  const separator = previous === "" || previous.endsWith("\n") ? "" : "\n";
  writeFileAtomic(logPath, `${previous}${separator}${log.map((line) => JSON.stringify(line)).join("\n")}\n`);
  const rel = (path: string) => relative(entry.root, path).split(/[\\/]/).join("/");
  return { reviewed: { id: catalogId(entry.root, rel(reviewed)), path: rel(reviewed) }, log: { path: rel(logPath) }, events: events.length, edits: log.length };
}
