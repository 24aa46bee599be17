/**
 * Annotated events (ISO times, as `GET /api/annotations` gives them) on the loaded bars, by the rule
 * `data windows` and `spanlab evaluate` place them with (docs/spec.md §10; src/eval/event_bars.ts): a
 * time equal to a bar's timestamp is that bar; a time inside a bar — at or after its timestamp, before
 * timestamp + interval — is that bar; a time before the first bar, after the last one's end or in a break
 * is on no bar, and its event is listed as not shown, with why. The interval is the lower median step
 * between bars, as readBars computes it.
 */
import { isoSeconds } from "./dom.js";

export interface ViewEvent {
  event_id: string;
  start: string;
  end: string;
  label: string;
  row: number;
}

export interface PlacedEvent {
  start: number;
  end: number;
  event: ViewEvent;
}

/** The lower median of the steps between consecutive bars, in ms. */
export function barIntervalMs(timesSeconds: ArrayLike<number>): number {
  const n = timesSeconds.length;
  if (n < 2) return 0;
  // A sample is enough for a median step on a year of bars.
  const stride = Math.max(1, Math.floor((n - 1) / 20000));
  const steps: number[] = [];
  for (let i = 1; i < n; i += stride) steps.push(Math.round(timesSeconds[i]! * 1000) - Math.round(timesSeconds[i - 1]! * 1000));
  steps.sort((a, b) => a - b);
  return steps[Math.floor((steps.length - 1) / 2)]!;
}

/** The last bar at or before `ms`, or −1. */
function lastAtOrBefore(timesMs: (i: number) => number, n: number, ms: number): number {
  let lo = 0;
  let hi = n - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (timesMs(mid) <= ms) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

export function placeEvents(
  timesSeconds: ArrayLike<number>,
  events: readonly ViewEvent[],
): { placed: PlacedEvent[]; unplaced: { event: ViewEvent; reason: string }[] } {
  const n = timesSeconds.length;
  const width = barIntervalMs(timesSeconds);
  const ms = (i: number) => Math.round(timesSeconds[i]! * 1000);
  const locate = (iso: string, which: string): number | string => {
    const t = Date.parse(iso);
    if (!Number.isFinite(t)) return `${which} ${iso} is not a time`;
    const i = lastAtOrBefore(ms, n, t);
    if (i < 0) return `${which} ${iso} is before the first bar (${isoSeconds(timesSeconds[0]!)})`;
    if (ms(i) === t || t < ms(i) + width) return i;
    if (i === n - 1) return `${which} ${iso} is after the last bar`;
    return `${which} ${iso} falls in a break between bars ${i} and ${i + 1}`;
  };
  const placed: PlacedEvent[] = [];
  const unplaced: { event: ViewEvent; reason: string }[] = [];
  for (const event of events) {
    const start = locate(event.start, "start");
    const end = locate(event.end, "end");
    if (typeof start === "string" || typeof end === "string") {
      unplaced.push({ event, reason: [start, end].filter((x) => typeof x === "string").join("; ") });
      continue;
    }
    placed.push({ start, end, event });
  }
  return { placed, unplaced };
}
