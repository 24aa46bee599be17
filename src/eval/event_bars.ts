/**
 * Annotated events (times) on the bars they are scored against (bar indices), by the rule `data windows`
 * cuts windows with (docs/spec.md §10): a time equal to a bar's timestamp is that bar; a time inside a bar
 * — at or after its timestamp, before timestamp + interval — is that bar (snapped); a time before the
 * first bar, after the last bar's end or inside a break between bars is on no bar, and its event is left
 * out of the scoring and reported (with the reason), never silently dropped.
 */
import type { AnnotatedEvent } from "../data/annotations.js";
import { lastAtOrBefore } from "../data/event_bars.js";
import { formatTimestamp } from "../data/timestamps.js";
import type { BarInterval } from "./range_scores.js";

export interface EventOnBars extends BarInterval {
  eventId: string;
  label: string;
  row: number;
}

export interface EventPlacement {
  placed: EventOnBars[];
  /** Events left out, with why. */
  unplaced: { eventId: string; row: number; reason: string }[];
  /** Event times snapped to the bar containing them. */
  snapped: number;
}

/** Places every event on the bars (see the module comment). */
export function eventsOnBars(timestamps: ArrayLike<number>, intervalMs: number, events: readonly AnnotatedEvent[]): EventPlacement {
  const width = Number.isFinite(intervalMs) ? intervalMs : 0;
  const n = timestamps.length;
  const placed: EventOnBars[] = [];
  const unplaced: EventPlacement["unplaced"] = [];
  let snapped = 0;
  const locate = (t: number, which: string): number | string => {
    const i = lastAtOrBefore(timestamps, t);
    if (i < 0) return `${which} ${formatTimestamp(t)} is before the first bar (${formatTimestamp(timestamps[0]!)})`;
    if (timestamps[i] === t) return i;
    if (t < timestamps[i]! + width) {
      snapped++;
      return i;
    }
    if (i === n - 1) return `${which} ${formatTimestamp(t)} is after the last bar (${formatTimestamp(timestamps[i]!)})`;
    return `${which} ${formatTimestamp(t)} falls in a break between bar ${i} (${formatTimestamp(timestamps[i]!)}) and bar ${i + 1} (${formatTimestamp(timestamps[i + 1]!)})`;
  };
  for (const event of events) {
    const start = locate(event.start, "start");
    const end = locate(event.end, "end");
    if (typeof start === "string" || typeof end === "string") {
      unplaced.push({ eventId: event.eventId, row: event.row, reason: [start, end].filter((x) => typeof x === "string").join("; ") });
      continue;
    }
    placed.push({ start, end, eventId: event.eventId, label: event.label, row: event.row });
  }
  return { placed, unplaced, snapped };
}
