/**
 * Label review's pending edits and the events as they will be after them. The edits are what
 * `POST /api/annotations?id=` takes (src/view/server/label_review.ts): `{ action, event?, window?,
 * start?, end?, startBar?, endBar?, label? }` — an annotations file's events are named by `event` and
 * placed by ISO `start`/`end` times (the bars' own timestamps); a window file's by `window` (its base
 * window's event) and `startBar`/`endBar`, bars of that window. The server applies them in order, so the
 * page mirrors them in order to show what saving will write.
 */
import type { Span } from "./candle_chart.js";

export type Action = "accept" | "adjust" | "relabel" | "delete" | "add";
export const LABELS = ["consolidation", "retracement"] as const;

export interface Edit {
  action: Action;
  event?: string;
  window?: string;
  start?: string;
  end?: string;
  startBar?: number;
  endBar?: number;
  label?: string;
}

/** An event on the chart: its id, label and bars (null when it lies on none of the bars shown). */
export interface ReviewEvent {
  id: string;
  label: string;
  bars: Span | null;
  start: string;
  end: string;
  status: "" | "accepted" | "adjusted" | "relabelled" | "deleted" | "added";
}

/** A pending edit with what the page needs to show and undo it (not sent). */
export interface PendingEdit {
  edit: Edit;
  /** The event it acts on (for adds: a page-local id until saved). */
  target: string;
  /** The bars it puts the event on (add, adjust). */
  bars?: Span;
}

/** Where the events live: the time of a bar, and how an edit names an event and its bars. */
export interface EditTarget {
  /** A window file's window id, or null for an annotations file. */
  window: string | null;
  /** ISO time of a bar (the chart's bars). */
  timeOf: (bar: number) => string;
}

export function addEdit(target: EditTarget, bars: Span, label: string, localId: string): PendingEdit {
  const edit: Edit =
    target.window === null
      ? { action: "add", start: target.timeOf(bars.start), end: target.timeOf(bars.end), label }
      : { action: "add", window: target.window, startBar: bars.start, endBar: bars.end, label };
  return { edit, target: localId, bars };
}

export function eventEdit(target: EditTarget, action: Exclude<Action, "add">, event: string, extra: { bars?: Span; label?: string } = {}): PendingEdit {
  const edit: Edit = target.window === null ? { action, event } : { action, window: target.window };
  if (extra.bars !== undefined) {
    if (target.window === null) {
      edit.start = target.timeOf(extra.bars.start);
      edit.end = target.timeOf(extra.bars.end);
    } else {
      edit.startBar = extra.bars.start;
      edit.endBar = extra.bars.end;
    }
  }
  if (extra.label !== undefined) edit.label = extra.label;
  return { edit, target: event, bars: extra.bars };
}

/** The events after the pending edits, in the order the server writes them (added last). */
export function applyPending(events: readonly ReviewEvent[], pending: readonly PendingEdit[], timeOf: (bar: number) => string): ReviewEvent[] {
  const out = new Map(events.map((e) => [e.id, { ...e }]));
  for (const { edit, target, bars } of pending) {
    if (edit.action === "add") {
      out.set(target, {
        id: target,
        label: edit.label ?? LABELS[0],
        bars: bars ?? null,
        start: bars ? timeOf(bars.start) : "",
        end: bars ? timeOf(bars.end) : "",
        status: "added",
      });
      continue;
    }
    const event = out.get(target);
    if (event === undefined) continue;
    if (edit.action === "delete") event.status = "deleted";
    else if (edit.action === "accept") event.status = event.status || "accepted";
    else if (edit.action === "relabel") {
      event.label = edit.label ?? event.label;
      if (event.status !== "added") event.status = "relabelled";
    } else if (edit.action === "adjust" && bars !== undefined) {
      event.bars = bars;
      event.start = timeOf(bars.start);
      event.end = timeOf(bars.end);
      if (event.status !== "added") event.status = "adjusted";
    }
  }
  return [...out.values()];
}

/**
 * Folds a new edit into the list: an edit on an event added in this session changes that add (the server
 * has no id for it yet); a second adjust or relabel of an event replaces the first.
 */
export function withEdit(pending: readonly PendingEdit[], next: PendingEdit): PendingEdit[] {
  const added = pending.findIndex((p) => p.edit.action === "add" && p.target === next.target);
  if (added >= 0) {
    const copy = [...pending];
    if (next.edit.action === "delete") {
      copy.splice(added, 1);
      return copy;
    }
    const base = copy[added]!;
    const bars = next.bars ?? base.bars!;
    const edit: Edit = { ...base.edit };
    if (next.bars !== undefined) {
      if (edit.window === undefined) {
        edit.start = next.edit.start;
        edit.end = next.edit.end;
      } else {
        edit.startBar = bars.start;
        edit.endBar = bars.end;
      }
    }
    if (next.edit.label !== undefined) edit.label = next.edit.label;
    copy[added] = { edit, target: base.target, bars };
    return copy;
  }
  const same = pending.findIndex(
    (p) => p.target === next.target && p.edit.action === next.edit.action && (next.edit.action === "adjust" || next.edit.action === "relabel"),
  );
  if (same >= 0) {
    const copy = [...pending];
    copy[same] = next;
    return copy;
  }
  return [...pending, next];
}

/** A pending edit in words. */
export function describeEdit(p: PendingEdit): string {
  const e = p.edit;
  const where = p.bars ? ` bars ${p.bars.start}–${p.bars.end}` : "";
  switch (e.action) {
    case "add":
      return `add ${e.label} span,${where}${e.start ? ` (${e.start} → ${e.end})` : ""}`;
    case "adjust":
      return `adjust ${p.target} to${where}`;
    case "relabel":
      return `relabel ${p.target} as ${e.label}`;
    case "delete":
      return `delete ${p.target}`;
    case "accept":
      return `accept ${p.target}`;
  }
}
