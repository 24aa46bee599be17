/**
 * Where a scan puts its windows (docs/spec.md §11): gap-free segments, window starts every `stride` bars
 * from each segment's first bar plus one aligned to its end, and the split of that plan into contiguous
 * chunks of bars that worker threads scan apart — each chunk with every window touching its bars, so a
 * chunked scan combines exactly the windows a single-thread scan combines, in the same order.
 */
import { WINDOW_BARS } from "../data/window.js";

/**
 * Default stride: 35 = 105/3. Every bar from bar 35 of a segment on lies in the middle third [35, 69] of
 * exactly one window (context on both sides, past the features' warm-up), each bar is seen by three
 * windows at positions p, p + 35, p + 70, and the Hann weights of src/predict/combine.ts sum to 3/2 at
 * every bar (a partition of unity up to the constant). It needs 1/35 of the windows of stride 1 and 3/4 of
 * those of the former stride 26 (11,430 windows for 400,000 bars), which keeps a year of 1-minute bars
 * within the speed budget on two cores (docs/spec.md §11).
 */
export const DEFAULT_STRIDE = 35;

/**
 * Window start indices over `barCount` bars: 0, stride, 2·stride, … while the window fits, then one
 * window aligned to the end (start barCount − windowLength) if the last did not already end there.
 */
export function windowStarts(barCount: number, stride: number, windowLength: number = WINDOW_BARS): number[] {
  if (!Number.isInteger(windowLength) || windowLength < 1) throw new Error(`window length must be a positive integer, got ${windowLength}`);
  if (!Number.isInteger(stride) || stride < 1 || stride > windowLength) {
    throw new Error(`stride must be an integer in [1, ${windowLength}] (a larger stride would skip bars), got ${stride}`);
  }
  if (!Number.isInteger(barCount) || barCount < windowLength) {
    throw new Error(`a scan needs at least ${windowLength} bars (one window), got ${barCount}`);
  }
  const starts: number[] = [];
  const last = barCount - windowLength;
  for (let s = 0; s <= last; s += stride) starts.push(s);
  if (starts[starts.length - 1] !== last) starts.push(last);
  return starts;
}

/** A gap-free stretch of bars [start, end), scanned on its own. */
export interface Segment {
  start: number;
  end: number;
}

/** The gap-free segments of `barCount` bars cut at `breaks` (indices of the first bar after each gap). */
export function segmentsOf(barCount: number, breaks: readonly number[] = []): Segment[] {
  const cuts = [...new Set(breaks)].sort((a, b) => a - b);
  for (const cut of cuts) {
    if (!Number.isInteger(cut) || cut < 1 || cut >= barCount) throw new Error(`gap index ${cut} is not a bar index in [1, ${barCount - 1}]`);
  }
  const bounds = [0, ...cuts, barCount];
  return bounds.slice(1).map((end, k) => ({ start: bounds[k]!, end }));
}

/** A scan's windows over the whole series. */
export interface ScanPlan {
  /** Global window starts, ascending. */
  starts: number[];
  /** Segments too short for a window, not scanned. */
  skipped: Segment[];
  /** Every segment (scanned or not), in order. */
  segmentList: Segment[];
  segments: number;
}

/**
 * Window starts over every segment long enough for a window ({@link windowStarts} within each, shifted
 * to global indices), and the segments too short to scan.
 */
export function scanPlan(barCount: number, stride: number, windowLength: number, breaks: readonly number[] = []): ScanPlan {
  const starts: number[] = [];
  const skipped: Segment[] = [];
  const segmentList = segmentsOf(barCount, breaks);
  for (const segment of segmentList) {
    const bars = segment.end - segment.start;
    if (bars < windowLength) {
      skipped.push(segment);
      continue;
    }
    for (const s of windowStarts(bars, stride, windowLength)) starts.push(segment.start + s);
  }
  if (starts.length === 0) {
    throw new Error(
      `a scan needs at least ${windowLength} consecutive bars (one window); ` +
        (breaks.length > 0 ? `no gap-free stretch of the ${barCount} bars is that long` : `got ${barCount}`),
    );
  }
  return { starts, skipped, segmentList, segments: segmentList.length };
}

/** The segment holding bar `index` (segments are sorted and cover every bar). */
export function segmentAt(segments: readonly Segment[], index: number): Segment {
  let lo = 0;
  let hi = segments.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (segments[mid]!.start <= index) lo = mid;
    else hi = mid - 1;
  }
  return segments[lo]!;
}

/** One chunk of a chunked scan: the bars it owns and the windows touching them. */
export interface ScanChunk {
  /** Owned bars [from, to): the chunk reports the combined series for exactly these. */
  from: number;
  to: number;
  /** Indices into the plan's starts of the windows touching [from, to): [firstWindow, lastWindow). */
  firstWindow: number;
  lastWindow: number;
}

/**
 * Splits the windows into at most `chunks` chunks of about equal window counts. Chunk k owns the bars
 * from the first bar of its first window (bar 0 for the first chunk) to the first bar of the next
 * chunk's first window, and takes every window touching those bars — the windows at a boundary are
 * scanned by both neighbours (the overlap), so every bar's combination sees all its windows.
 */
export function chunkPlan(barCount: number, starts: readonly number[], windowLength: number, chunks: number): ScanChunk[] {
  if (!Number.isInteger(chunks) || chunks < 1) throw new Error(`chunks must be a positive integer, got ${chunks}`);
  const count = Math.min(chunks, starts.length);
  const owned: number[] = [0];
  for (let k = 1; k < count; k++) owned.push(starts[Math.floor((k * starts.length) / count)]!);
  owned.push(barCount);
  const result: ScanChunk[] = [];
  for (let k = 0; k < count; k++) {
    const from = owned[k]!;
    const to = owned[k + 1]!;
    if (to <= from) continue;
    // Windows touching [from, to): start > from − windowLength and start < to.
    result.push({ from, to, firstWindow: lowerBound(starts, from - windowLength + 1), lastWindow: lowerBound(starts, to) });
  }
  return result;
}

/** First index i with sorted[i] ≥ x. */
export function lowerBound(sorted: ArrayLike<number>, x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
