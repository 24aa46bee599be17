/**
 * Boundary intervals of hindsight detections (docs/spec.md §11, from the span posteriors of §12): how
 * sure the model is of where a detection starts and where it ends, as 90% credible intervals of its start
 * and end bars — bar indices into the series and the bars' timestamps.
 *
 * A detection is a run of the COMBINED per-bar series, which has no posterior of its own; each window has
 * an exact one (over its single spans). So a detection reads its intervals off one window, its
 * *supporting window*: among the scan's windows that contain the whole detection, the one whose
 * minimum-Bayes-risk span (mapped to global bars) has the highest IoU with the detection — the window
 * whose own best guess of the span is this detection. Ties: the window whose centre is nearest the
 * detection's centre (the best-informed window, as the combination's Hann weight says), then the earlier.
 * A window that only partly covers the detection cannot speak for both of its ends, so when no window
 * contains it (longer than a window, or so long that no window start falls in b − 104 … a — possible from
 * 72 bars on at stride 35) the intervals are null and `interval_unavailable` says why.
 *
 * Only the windows that contain a detection are run again, after the scan, through the one inference path
 * with nothing but the span posterior asked for: a scan of years of bars pays for the windows near its
 * detections, not for every window (re-running their forward pass keeps the scan's chunks as they were;
 * the posterior summary, mostly the exact MBR search, costs about as much again). The pass runs after the
 * chunks are combined and decoded — on the calling thread, or split into contiguous runs of windows over
 * worker threads (src/predict/scan_parallel.ts) — and each window's numbers depend on its bars alone, not
 * on the batch or thread it runs in, so the intervals are identical either way.
 */
import { inferWindows } from "../model/inference.js";
import type { JadeCompact } from "../model/jade_compact.js";
import { usesPositionFeature } from "./inference_defaults.js";
import { type BoundaryIntervals, isoTime, noBoundaryIntervals, round6 } from "./merge.js";
import { lowerBound } from "./scan_plan.js";
import { type PriceColumns, WindowFeatureFiller } from "./window_features.js";

/** What one window's span posterior contributes: its MBR span and its 90% start and end intervals (local bars). */
export interface WindowBoundaries {
  /** Global index of the window's first bar. */
  windowStart: number;
  mbr: { start: number; end: number };
  startInterval: { lo: number; hi: number };
  endInterval: { lo: number; hi: number };
}

/** The plan's windows that contain every bar of [a, b]: indices [first, last) into the sorted `starts`. */
export function containingWindows(starts: ArrayLike<number>, a: number, b: number, windowLength: number): { first: number; last: number } {
  // Window s holds bars s … s + L − 1: it contains [a, b] iff b − L + 1 ≤ s ≤ a.
  const first = lowerBound(starts, b - windowLength + 1);
  return { first, last: Math.max(first, lowerBound(starts, a + 1)) };
}

/**
 * The supporting window of detection [a, b] among `candidates` (each containing it, in ascending start
 * order): the highest IoU of its MBR span (local bars + windowStart) with [a, b]; ties to the centre
 * nearest the detection's, then the earlier window. IoUs are compared as exact fractions of integers, so a
 * tie is a tie. Returns the candidate's position, or −1 when there are none.
 */
export function supportingWindow(a: number, b: number, candidates: readonly WindowBoundaries[], windowLength: number): number {
  let best = -1;
  let bestIntersection = 0;
  let bestUnion = 1;
  let bestDistance = Infinity;
  for (let k = 0; k < candidates.length; k++) {
    const { intersection, union } = overlap(a, b, candidates[k]!);
    // Twice the distance between centres, an integer: |(2s + L − 1) − (a + b)|.
    const distance = Math.abs(2 * candidates[k]!.windowStart + windowLength - 1 - (a + b));
    const order = intersection * bestUnion - bestIntersection * union;
    if (best < 0 || order > 0 || (order === 0 && distance < bestDistance)) {
      best = k;
      bestIntersection = intersection;
      bestUnion = union;
      bestDistance = distance;
    }
  }
  return best;
}

function overlap(a: number, b: number, window: WindowBoundaries): { intersection: number; union: number } {
  const s = window.windowStart + window.mbr.start;
  const e = window.windowStart + window.mbr.end;
  const intersection = Math.max(0, Math.min(b, e) - Math.max(a, s) + 1);
  return { intersection, union: b - a + 1 + (e - s + 1) - intersection };
}

/** Detection [a, b]'s fields read off its supporting window: local intervals + the window's first bar, and their timestamps. */
export function boundaryIntervalsFrom(a: number, b: number, window: WindowBoundaries, timestamps: ArrayLike<number> | null): BoundaryIntervals {
  const s = window.windowStart;
  const start: [number, number] = [s + window.startInterval.lo, s + window.startInterval.hi];
  const end: [number, number] = [s + window.endInterval.lo, s + window.endInterval.hi];
  const times = ([lo, hi]: [number, number]): [string, string] | null => (timestamps === null ? null : [isoTime(timestamps[lo]!), isoTime(timestamps[hi]!)]);
  const { intersection, union } = overlap(a, b, window);
  return {
    start_interval_index: start,
    end_interval_index: end,
    start_interval_time: times(start),
    end_interval_time: times(end),
    interval_window_start: s,
    interval_mbr_iou: round6(intersection / union),
    interval_unavailable: null,
  };
}

/** Plan indices (ascending) of the windows containing at least one of the runs: the ones whose posterior is needed. */
export function neededWindows(starts: ArrayLike<number>, runs: readonly (readonly [number, number])[], windowLength: number): number[] {
  const needed = new Uint8Array(starts.length);
  for (const [a, b] of runs) {
    const { first, last } = containingWindows(starts, a, b, windowLength);
    needed.fill(1, first, last);
  }
  const windows: number[] = [];
  for (let k = 0; k < needed.length; k++) if (needed[k]) windows.push(k);
  return windows;
}

/** Numbers per window in a {@link windowBoundaries} table: MBR start, end; start interval lo, hi; end interval lo, hi (local bars). */
export const BOUNDARY_FIELDS = 6;

/**
 * The span posterior of each window starting at `windowStarts` (global) over `prices`, through the one
 * inference path with only the posterior asked for, in batches of `batchSize`, reduced to what the
 * intervals need: a table of {@link BOUNDARY_FIELDS} integers per window, in the given order. Each window's
 * numbers depend on its bars alone (not on the batch it runs in), so any split of the windows over threads
 * gives the same table. Runs on the calling thread or a worker (src/predict/scan_worker.ts).
 */
export function windowBoundaries(
  model: JadeCompact,
  prices: PriceColumns,
  windowStarts: ArrayLike<number>,
  batchSize: number,
  onBatch?: (windows: number) => void,
): Int32Array {
  const length = model.bars;
  const count = windowStarts.length;
  const table = new Int32Array(BOUNDARY_FIELDS * count);
  const filler = new WindowFeatureFiller(prices, length, model.dims.features, batchSize, usesPositionFeature(model));
  for (let first = 0; first < count; first += batchSize) {
    const batch = Math.min(batchSize, count - first);
    for (let b = 0; b < batch; b++) filler.fill(b, windowStarts[first + b]!);
    // Only the posterior: the readings, paths and single spans the scan already combined are not redone.
    const inference = inferWindows(model, filler.batch(batch), batch, { readings: false, paths: false, singleSpans: false, spanPosterior: true, batchSize });
    for (let b = 0; b < batch; b++) {
      const { mbr, startInterval, endInterval } = inference.spanPosteriors[b]!;
      table.set([mbr.start, mbr.end, startInterval.lo, startInterval.hi, endInterval.lo, endInterval.hi], BOUNDARY_FIELDS * (first + b));
    }
    onBatch?.(batch);
  }
  return table;
}

/**
 * Each run's fields, from the `table` of {@link windowBoundaries} over the plan windows `needed` (as
 * {@link neededWindows} lists them): its supporting window among those containing it, or why it has none.
 */
export function assignBoundaryIntervals(
  starts: ArrayLike<number>,
  runs: readonly (readonly [number, number])[],
  needed: readonly number[],
  table: Int32Array,
  timestamps: ArrayLike<number> | null,
  windowLength: number,
): BoundaryIntervals[] {
  if (table.length !== BOUNDARY_FIELDS * needed.length)
    throw new Error(`boundary table: expected ${BOUNDARY_FIELDS * needed.length} values, got ${table.length}`);
  const row = new Map<number, number>(needed.map((k, r) => [k, r]));
  const read = (k: number): WindowBoundaries => {
    const r = row.get(k);
    if (r === undefined) throw new Error(`boundary table: plan window ${k} contains a detection but was not computed`);
    const at = BOUNDARY_FIELDS * r;
    return {
      windowStart: starts[k]!,
      mbr: { start: table[at]!, end: table[at + 1]! },
      startInterval: { lo: table[at + 2]!, hi: table[at + 3]! },
      endInterval: { lo: table[at + 4]!, hi: table[at + 5]! },
    };
  };
  return runs.map(([a, b]): BoundaryIntervals => {
    if (b - a + 1 > windowLength) return noBoundaryIntervals("longer_than_window");
    const { first, last } = containingWindows(starts, a, b, windowLength);
    if (last === first) return noBoundaryIntervals("no_window_contains");
    const candidates: WindowBoundaries[] = [];
    for (let k = first; k < last; k++) candidates.push(read(k));
    return boundaryIntervalsFrom(a, b, candidates[supportingWindow(a, b, candidates, windowLength)]!, timestamps);
  });
}

/** What the pass did: the fields per run and how many windows' posteriors it computed. */
export interface BoundaryIntervalPass {
  intervals: BoundaryIntervals[];
  windows: number;
}

/**
 * The boundary intervals of the runs [a, b] (hindsight detections, in start order) of a scan whose windows
 * start at `starts` (global, ascending) over `prices`, on the calling thread: the span posterior of every
 * window containing a run, once per window in ascending order, then each run's supporting window.
 */
export function detectionBoundaryIntervals(
  model: JadeCompact,
  prices: PriceColumns,
  starts: ArrayLike<number>,
  runs: readonly (readonly [number, number])[],
  timestamps: ArrayLike<number> | null,
  batchSize: number,
): BoundaryIntervalPass {
  const needed = neededWindows(starts, runs, model.bars);
  const table = windowBoundaries(
    model,
    prices,
    needed.map((k) => starts[k]!),
    batchSize,
  );
  return { intervals: assignBoundaryIntervals(starts, runs, needed, table, timestamps, model.bars), windows: needed.length };
}
