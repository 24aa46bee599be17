/**
 * Annotated events on bars (docs/spec.md §10, cutting steps 1 and 6): which bars each event's start and
 * end name, which annotations name the same bars (an error) or overlap (reported, kept), and — for each
 * window — every annotated span it holds, clipped to it, so that no annotated bar is ever trained as
 * "out of span" (docs/spec.md §1 `spans`, §4).
 */
import type { BarSeries } from "./bars.js";
import type { AnnotatedEvent } from "./annotations.js";
import { formatTimestamp } from "./timestamps.js";
import type { Problem } from "./validate.js";

/** Largest i with timestamps[i] ≤ t, or −1. */
export function lastAtOrBefore(timestamps: ArrayLike<number>, t: number): number {
  let lo = 0;
  let hi = timestamps.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (timestamps[mid]! <= t) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

type Located = { index: number; snapped: boolean } | { reason: string };

/** The bar holding timestamp `t`, or why there is none; bar i covers [tᵢ, tᵢ + interval). */
function locate(bars: BarSeries, t: number, which: "start" | "end", snap: boolean): Located {
  const { timestamps, intervalMs } = bars;
  const n = timestamps.length;
  const i = lastAtOrBefore(timestamps, t);
  const when = formatTimestamp(t);
  if (i < 0) {
    return { reason: `${which} ${when} is before the first bar (${formatTimestamp(timestamps[0]!)}): the span is not all inside the data` };
  }
  if (timestamps[i] === t) return { index: i, snapped: false };
  const width = Number.isFinite(intervalMs) ? intervalMs : 0;
  if (t >= timestamps[i]! + width) {
    if (i === n - 1) {
      return { reason: `${which} ${when} is after the last bar (${formatTimestamp(timestamps[i]!)}): the span is not all inside the data` };
    }
    return {
      reason: `${which} ${when} falls in a gap between bar ${i} (${formatTimestamp(timestamps[i]!)}) and bar ${i + 1} (${formatTimestamp(timestamps[i + 1]!)})`,
    };
  }
  if (!snap) {
    return { reason: `${which} ${when} is not a bar timestamp (it falls inside bar ${i}, ${formatTimestamp(timestamps[i]!)}; snapping is off)` };
  }
  return { index: i, snapped: true };
}

/** An event whose start and end both name bars: its span is bars `start`..`end` of the series. */
export interface LocatedEvent {
  event: AnnotatedEvent;
  start: number;
  end: number;
  /** What snapping did, when a time fell inside a bar rather than on its timestamp. */
  snapNote?: string;
}

/** Each event located on the bars, or the reason it names no bar. */
export function locateEvent(bars: BarSeries, event: AnnotatedEvent, snap: boolean): LocatedEvent | { event: AnnotatedEvent; reason: string } {
  const first = locate(bars, event.start, "start", snap);
  const last = locate(bars, event.end, "end", snap);
  const reasons = [first, last].filter((l): l is { reason: string } => "reason" in l).map((l) => l.reason);
  if (reasons.length > 0) return { event, reason: reasons.join("; ") };
  const s = (first as { index: number; snapped: boolean }).index;
  const e = (last as { index: number; snapped: boolean }).index;
  const snapped: string[] = [];
  if ((first as { snapped: boolean }).snapped) snapped.push(`start ${formatTimestamp(event.start)} → bar ${s} (${formatTimestamp(bars.timestamps[s]!)})`);
  if ((last as { snapped: boolean }).snapped) snapped.push(`end ${formatTimestamp(event.end)} → bar ${e} (${formatTimestamp(bars.timestamps[e]!)})`);
  return { event, start: s, end: e, ...(snapped.length > 0 ? { snapNote: `snapped to the bars containing them: ${snapped.join(", ")}` } : {}) };
}

/** Two annotations whose spans share bars without naming the same ones: both are kept. */
export interface AnnotationOverlap {
  first: { eventId: string; row: number; start: number; end: number };
  second: { eventId: string; row: number; start: number; end: number };
  /** Bars both spans cover. */
  sharedBars: number;
}

export interface AnnotationConflicts {
  /** Annotations naming exactly the bars another one names (identical, or the same bars with another label). */
  problems: Problem[];
  overlaps: AnnotationOverlap[];
}

/** Events by (start, end, row): the order spans are looked up and conflicts found in. */
function byBars(located: readonly LocatedEvent[]): LocatedEvent[] {
  return [...located].sort((a, b) => a.start - b.start || a.end - b.end || a.event.row - b.event.row);
}

/**
 * Annotations that name the same bars are an error — identical ones teach nothing twice, contradicting
 * ones (another label) give the same features opposite targets — and each problem names both rows.
 * Spans that only overlap are listed and kept: every bar of both is in span.
 */
export function findAnnotationConflicts(located: readonly LocatedEvent[], file: string, bars: BarSeries): AnnotationConflicts {
  const sorted = byBars(located);
  const problems: Problem[] = [];
  const overlaps: AnnotationOverlap[] = [];
  const describe = (l: LocatedEvent) => ({ eventId: l.event.eventId, row: l.event.row, start: l.start, end: l.end });
  // Spans still open at the current start: sorted by start, so one sweep meets every overlapping pair.
  let open: LocatedEvent[] = [];
  for (let i = 0; i < sorted.length; i++) {
    const current = sorted[i]!;
    const previous = sorted[i - 1];
    if (previous !== undefined && previous.start === current.start && previous.end === current.end) {
      const same = previous.event.label === current.event.label;
      problems.push({
        file,
        row: current.event.row,
        ...(current.event.line !== undefined ? { line: current.event.line } : {}),
        field: "start, end",
        value: `${formatTimestamp(bars.timestamps[current.start]!)} – ${formatTimestamp(bars.timestamps[current.end]!)} (bars ${current.start}..${current.end}, event ${current.event.eventId}, ${current.event.label})`,
        expected: same
          ? `bars no other annotation names: row ${previous.event.row} (event ${previous.event.eventId}) is identical (same bars, same label)`
          : `bars no other annotation names: row ${previous.event.row} (event ${previous.event.eventId}) names the same bars as ${previous.event.label} (contradicting labels)`,
      });
      continue;
    }
    open = open.filter((earlier) => earlier.end >= current.start);
    for (const earlier of open) {
      overlaps.push({ first: describe(earlier), second: describe(current), sharedBars: Math.min(earlier.end, current.end) - current.start + 1 });
    }
    open.push(current);
  }
  return { problems, overlaps };
}

/**
 * Every located annotation's span, for looking up the spans a window holds. Built once per cut; a lookup
 * visits only the spans that can reach the window.
 */
export class AnnotatedSpans {
  private readonly starts: Int32Array;
  private readonly ends: Int32Array;
  private readonly longest: number;

  constructor(located: readonly LocatedEvent[]) {
    const sorted = byBars(located);
    this.starts = Int32Array.from(sorted, (l) => l.start);
    this.ends = Int32Array.from(sorted, (l) => l.end);
    this.longest = sorted.reduce((max, l) => Math.max(max, l.end - l.start + 1), 0);
  }

  /** First index whose start is ≥ `bar`. */
  private firstStartingAt(bar: number): number {
    let lo = 0;
    let hi = this.starts.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.starts[mid]! < bar) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /**
   * The spans intersecting bars `first`..`first + length − 1`, clipped and shifted to window indices,
   * sorted by (start, end), each listed once (docs/spec.md §1 `spans`).
   */
  within(first: number, length: number): [number, number][] {
    const last = first + length - 1;
    const out: [number, number][] = [];
    // A span starting before first − longest + 1 ends before `first`.
    for (let k = this.firstStartingAt(first - this.longest + 1); k < this.starts.length && this.starts[k]! <= last; k++) {
      if (this.ends[k]! < first) continue;
      out.push([Math.max(this.starts[k]!, first) - first, Math.min(this.ends[k]!, last) - first]);
    }
    // Clipping can reorder equal starts and make two spans equal: sort, then drop repeats.
    out.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    return out.filter((span, i) => i === 0 || span[0] !== out[i - 1]![0] || span[1] !== out[i - 1]![1]);
  }
}
