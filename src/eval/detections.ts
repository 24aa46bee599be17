/**
 * Scoring detections against annotated events over one bar series (docs/spec.md §11). Events and
 * detections are inclusive bar intervals; every figure is computed by sweeps over sorted intervals —
 * O((E + D) log(E + D)), never per bar — so a year of 1-minute bars with 10,000 events scores in
 * milliseconds.
 *
 *  - Event level: a detection matches an event when IoU = |E ∩ D| / |E ∪ D| ≥ τ (default 0.5). Matching
 *    is one-to-one: candidate pairs are taken greedily by IoU, highest first (ties: earlier event, then
 *    earlier detection), each event and detection at most once. For τ > 0.5 (and for τ = 0.5 but in
 *    exact ties) no interval has two candidates among disjoint partners, so greedy is a maximum matching.
 *    precision = matches / detections, recall = matches / events, F1 their harmonic mean.
 *  - Boundary hit rate: the share of events with a detection whose start AND end are each within ±k bars
 *    of the event's (default k = 3).
 *  - Pooled per bar: bars in any event vs bars in any detection — TP, FP, FN and P/R/F1.
 *  - Range-based precision/recall (Tatbul et al. 2018, flat bias, γ = 1): src/eval/range_scores.ts.
 *  - Delay of an event: bars from its first bar to the first of its bars inside a detection
 *    (0 when a detection overlapping it began earlier); events no detection overlaps are missed. Median
 *    and p90 (type-7 quantiles) over the detected events. The known delay uses, for each overlapping
 *    detection, max(first overlapping bar, the detection's known_at) — when a live system could act.
 *  - False alarms: detections overlapping no event, also per 1,000 bars of the series.
 */
import { quantile } from "./statistics.js";
import { rangeScores, sortedOrder, unionOf, type BarInterval, type RangeScores } from "./range_scores.js";

export type { BarInterval } from "./range_scores.js";

/** A detection to score: its bars and, when known, the bar at which it became known. */
export interface ScoredDetection extends BarInterval {
  knownAt?: number | null;
}

export interface PooledBarScores {
  truePositives: number;
  falsePositives: number;
  falseNegatives: number;
  precision: number;
  recall: number;
  f1: number;
}

export interface DelaySummary {
  /** Events some detection overlaps. */
  detected: number;
  /** Events no detection overlaps. */
  missed: number;
  /** Bars; NaN when no event is detected. */
  median: number;
  p90: number;
  mean: number;
}

export interface DetectionScores {
  bars: number;
  events: number;
  detections: number;
  iou: number;
  tolerance: number;
  matched: number;
  precision: number;
  recall: number;
  f1: number;
  boundaryHits: number;
  boundaryHitRate: number;
  pooled: PooledBarScores;
  range: RangeScores;
  delay: DelaySummary;
  /** Delay counted from when the detection was known (known_at); equal to `delay` when none is given. */
  knownDelay: DelaySummary;
  falseAlarms: number;
  falseAlarmsPer1000Bars: number;
}

export interface ScoreOptions {
  /** Minimum IoU of a match (default 0.5), in (0, 1]. */
  iou?: number;
  /** Boundary tolerance k in bars (default 3), an integer ≥ 0. */
  tolerance?: number;
  /** Existence weight α of range-based recall (default 0). */
  alpha?: number;
}

const ratio = (a: number, b: number) => (b > 0 ? a / b : 0);
const harmonic = (p: number, r: number) => (p + r > 0 ? (2 * p * r) / (p + r) : 0);

/**
 * Intervals sorted by start (ties by end, then input order) with the running max of their ends, in typed
 * arrays, for overlap queries that allocate nothing.
 */
class IntervalIndex {
  /** Input positions in sorted order, and their starts, ends and running max end. */
  readonly order: Int32Array;
  readonly starts: Float64Array;
  readonly ends: Float64Array;
  private readonly maxEnd: Float64Array;

  constructor(items: readonly BarInterval[]) {
    const n = items.length;
    this.order = sortedOrder(items);
    this.starts = Float64Array.from(this.order, (k) => items[k]!.start);
    this.ends = Float64Array.from(this.order, (k) => items[k]!.end);
    this.maxEnd = new Float64Array(n);
    let running = -Infinity;
    for (let k = 0; k < n; k++) {
      running = Math.max(running, this.ends[k]!);
      this.maxEnd[k] = running;
    }
  }

  /** Sorted position of the first item with start > x. */
  upper(x: number): number {
    let lo = 0;
    let hi = this.starts.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.starts[mid]! <= x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Calls `visit(input position)` for every item overlapping [start, end]. */
  overlapping(start: number, end: number, visit: (k: number) => void): void {
    for (let j = this.upper(end) - 1; j >= 0 && this.maxEnd[j]! >= start; j--) if (this.ends[j]! >= start) visit(this.order[j]!);
  }

  /** Whether any item overlaps [start, end]. */
  overlapsAny(start: number, end: number): boolean {
    for (let j = this.upper(end) - 1; j >= 0 && this.maxEnd[j]! >= start; j--) if (this.ends[j]! >= start) return true;
    return false;
  }

  /** Calls `visit(input position)` for every item whose start lies in [low, high]. */
  startingIn(low: number, high: number, visit: (k: number) => void): void {
    for (let j = this.upper(low - 1); j < this.starts.length && this.starts[j]! <= high; j++) visit(this.order[j]!);
  }
}

/**
 * Annotated events prepared once — sorted index and union — to be scored against many sets of
 * detections (the model's, the rule's, every random draw) without sorting them again.
 */
export class PreparedEvents {
  readonly index: IntervalIndex;
  readonly union: BarInterval[];

  constructor(readonly items: readonly BarInterval[]) {
    this.index = new IntervalIndex(items);
    this.union = unionOf(items, this.index.order);
  }
}

function intersection(a: BarInterval, b: BarInterval): number {
  return Math.max(0, Math.min(a.end, b.end) - Math.max(a.start, b.start) + 1);
}

/** IoU of two inclusive intervals. */
export function intervalIoU(a: BarInterval, b: BarInterval): number {
  const inter = intersection(a, b);
  return inter / (a.end - a.start + 1 + (b.end - b.start + 1) - inter);
}

/** Total bars in a disjoint sorted union, and the bars two such unions share. */
function unionLength(union: readonly BarInterval[]): number {
  return union.reduce((sum, { start, end }) => sum + end - start + 1, 0);
}

function sharedBars(a: readonly BarInterval[], b: readonly BarInterval[]): number {
  let i = 0;
  let j = 0;
  let shared = 0;
  while (i < a.length && j < b.length) {
    shared += intersection(a[i]!, b[j]!);
    if (a[i]!.end < b[j]!.end) i++;
    else j++;
  }
  return shared;
}

function summarizeDelays(delays: number[], events: number): DelaySummary {
  const mean = delays.length > 0 ? delays.reduce((a, b) => a + b, 0) / delays.length : Number.NaN;
  return { detected: delays.length, missed: events - delays.length, median: quantile(delays, 0.5), p90: quantile(delays, 0.9), mean };
}

function checkIntervals(what: string, items: readonly BarInterval[], bars: number): void {
  items.forEach(({ start, end }, k) => {
    if (!(Number.isInteger(start) && Number.isInteger(end) && start >= 0 && end >= start && end < bars)) {
      throw new Error(`${what} ${k}: [${start}, ${end}] is not an interval of bars in [0, ${bars - 1}]`);
    }
  });
}

/** Every figure of the module comment for `detections` against `events` over `bars` bars. */
export function scoreDetections(
  eventsOrPrepared: readonly BarInterval[] | PreparedEvents,
  detections: readonly ScoredDetection[],
  bars: number,
  options: ScoreOptions = {},
): DetectionScores {
  const prepared = eventsOrPrepared instanceof PreparedEvents ? eventsOrPrepared : new PreparedEvents(eventsOrPrepared);
  const events = prepared.items;
  const iou = options.iou ?? 0.5;
  const tolerance = options.tolerance ?? 3;
  if (!(iou > 0 && iou <= 1)) throw new Error(`iou must be a number in (0, 1], got ${iou}`);
  if (!Number.isInteger(tolerance) || tolerance < 0) throw new Error(`tolerance must be an integer ≥ 0, got ${tolerance}`);
  checkIntervals("event", events, bars);
  checkIntervals("detection", detections, bars);
  const byDetection = new IntervalIndex(detections);
  const byEvent = prepared.index;

  // Candidate pairs, one-to-one greedy matching by IoU.
  const pairs: { event: number; detection: number; iou: number }[] = [];
  const delays: number[] = [];
  const knownDelays: number[] = [];
  let boundaryHits = 0;
  events.forEach((event, e) => {
    let first = Infinity;
    let known = Infinity;
    byDetection.overlapping(event.start, event.end, (d) => {
      const detection = detections[d]!;
      const value = intervalIoU(event, detection);
      if (value >= iou) pairs.push({ event: e, detection: d, iou: value });
      const overlapStart = Math.max(detection.start, event.start);
      first = Math.min(first, overlapStart);
      known = Math.min(known, Math.max(overlapStart, detection.knownAt ?? overlapStart));
    });
    if (first < Infinity) {
      delays.push(first - event.start);
      knownDelays.push(known - event.start);
    }
    let hit = false;
    byDetection.startingIn(event.start - tolerance, event.start + tolerance, (d) => {
      if (Math.abs(detections[d]!.end - event.end) <= tolerance) hit = true;
    });
    if (hit) boundaryHits++;
  });
  pairs.sort((a, b) => b.iou - a.iou || events[a.event]!.start - events[b.event]!.start || detections[a.detection]!.start - detections[b.detection]!.start);
  const eventTaken = new Uint8Array(events.length);
  const detectionTaken = new Uint8Array(detections.length);
  let matched = 0;
  for (const pair of pairs) {
    if (eventTaken[pair.event] || detectionTaken[pair.detection]) continue;
    eventTaken[pair.event] = 1;
    detectionTaken[pair.detection] = 1;
    matched++;
  }

  let falseAlarms = 0;
  for (const detection of detections) if (!byEvent.overlapsAny(detection.start, detection.end)) falseAlarms++;
  const eventUnion = prepared.union;
  const detectionUnion = unionOf(detections, byDetection.order);
  const tp = sharedBars(eventUnion, detectionUnion);
  const fp = unionLength(detectionUnion) - tp;
  const fn = unionLength(eventUnion) - tp;
  const precision = ratio(matched, detections.length);
  const recall = ratio(matched, events.length);
  const pooledPrecision = ratio(tp, tp + fp);
  const pooledRecall = ratio(tp, tp + fn);
  return {
    bars,
    events: events.length,
    detections: detections.length,
    iou,
    tolerance,
    matched,
    precision,
    recall,
    f1: harmonic(precision, recall),
    boundaryHits,
    boundaryHitRate: ratio(boundaryHits, events.length),
    pooled: {
      truePositives: tp,
      falsePositives: fp,
      falseNegatives: fn,
      precision: pooledPrecision,
      recall: pooledRecall,
      f1: harmonic(pooledPrecision, pooledRecall),
    },
    range: rangeScores(events, detections, options.alpha ?? 0, { events: eventUnion, detections: detectionUnion }),
    delay: summarizeDelays(delays, events.length),
    knownDelay: summarizeDelays(knownDelays, events.length),
    falseAlarms,
    falseAlarmsPer1000Bars: (1000 * falseAlarms) / Math.max(bars, 1),
  };
}
