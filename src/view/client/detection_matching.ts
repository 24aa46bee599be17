/**
 * Which events a set of detections missed and which detections are false alarms, by the rules `spanlab
 * evaluate` scores with (docs/spec.md §11; src/eval/detections.ts), computed here because the server has
 * no route for it:
 *  - an event is matched when a detection has IoU = |E ∩ D| / |E ∪ D| ≥ τ (0.5) with it, one-to-one,
 *    pairs taken greedily by IoU (ties: the earlier event, then the earlier detection); a missed event is
 *    one left unmatched;
 *  - a false alarm is a detection overlapping no event at all.
 * Intervals are inclusive bar indices. Sorting plus a sweep keeps it O((E + D) log(E + D)) on a year of bars.
 */
import type { Span } from "./candle_chart.js";

export const MATCH_IOU = 0.5;

export const MATCHING_RULE =
  "missed = an annotated event no detection matches one-to-one at IoU ≥ 0.5 (greedy by IoU, as spanlab evaluate); false alarm = a detection overlapping no event";

function intersection(a: Span, b: Span): number {
  return Math.max(0, Math.min(a.end, b.end) - Math.max(a.start, b.start) + 1);
}

export function iou(a: Span, b: Span): number {
  const shared = intersection(a, b);
  return shared / (a.end - a.start + 1 + (b.end - b.start + 1) - shared);
}

/** Index pairs (i into `a`, j into `b`) of overlapping intervals, by a sweep over both sorted by start. */
function overlappingPairs(a: readonly Span[], b: readonly Span[]): [number, number][] {
  const order = (list: readonly Span[]) => list.map((_, i) => i).sort((x, y) => list[x]!.start - list[y]!.start || list[x]!.end - list[y]!.end);
  const oa = order(a);
  const ob = order(b);
  const pairs: [number, number][] = [];
  // a is visited by start, so a b interval ending before the current a's start ends before every later one's.
  let first = 0;
  for (const i of oa) {
    const span = a[i]!;
    while (first < ob.length && b[ob[first]!]!.end < span.start) first++;
    for (let k = first; k < ob.length; k++) {
      const other = b[ob[k]!]!;
      if (other.start > span.end) break;
      if (other.end >= span.start) pairs.push([i, ob[k]!]);
    }
  }
  return pairs;
}

export interface Matching {
  /** Events (indices) no detection matched. */
  missed: number[];
  /** Detections (indices) overlapping no event. */
  falseAlarms: number[];
  matched: number;
}

export function matchDetections(events: readonly Span[], detections: readonly Span[], threshold = MATCH_IOU): Matching {
  const pairs = overlappingPairs(events, detections)
    .map(([e, d]) => ({ e, d, iou: iou(events[e]!, detections[d]!) }))
    .filter((p) => p.iou >= threshold);
  pairs.sort((x, y) => y.iou - x.iou || events[x.e]!.start - events[y.e]!.start || detections[x.d]!.start - detections[y.d]!.start);
  const eventTaken = new Uint8Array(events.length);
  const detectionTaken = new Uint8Array(detections.length);
  let matched = 0;
  for (const p of pairs) {
    if (eventTaken[p.e] || detectionTaken[p.d]) continue;
    eventTaken[p.e] = 1;
    detectionTaken[p.d] = 1;
    matched++;
  }
  const overlapsEvent = new Uint8Array(detections.length);
  for (const [, d] of overlappingPairs(events, detections)) overlapsEvent[d] = 1;
  const byStart = (list: readonly Span[]) => (x: number, y: number) => list[x]!.start - list[y]!.start;
  return {
    missed: events
      .map((_, i) => i)
      .filter((i) => !eventTaken[i])
      .sort(byStart(events)),
    falseAlarms: detections
      .map((_, i) => i)
      .filter((i) => !overlapsEvent[i])
      .sort(byStart(detections)),
    matched,
  };
}
