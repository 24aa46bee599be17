/**
 * Flat index of the spans [s, e], 0 ≤ s ≤ e ≤ T − 1, of a window of T bars (docs/spec.md §12): the layout
 * of every per-span array (span posteriors, `SpanHead.spanLogPosterior`). Order is start-major — all spans
 * starting at bar 0 by increasing end, then those starting at bar 1, … — so the spans of one start are
 * contiguous and a prefix-sum kernel can fill them in one pass.
 *
 * The spans starting at s are [s, s], …, [s, T − 1] (T − s of them), so start s begins at
 * offset(s) = Σ_{r<s} (T − r) = s·T − s(s − 1)/2.
 */

/** Spans of a window of `bars` bars: T(T + 1)/2 (5,565 for T = 105). */
export function spanCount(bars: number): number {
  checkBars(bars);
  return (bars * (bars + 1)) / 2;
}

/** Index of span [start, end] (inclusive) among the spans of a window of `bars` bars, start-major. */
export function spanIndex(start: number, end: number, bars: number): number {
  checkBars(bars);
  if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end < start || end >= bars) {
    throw new Error(`spanIndex: need integers 0 ≤ start ≤ end < ${bars}, got [${start}, ${end}]`);
  }
  return spanStartOffset(start, bars) + (end - start);
}

/** Index of the first span starting at `start` (span [start, start]); `bars` itself gives spanCount(bars). */
export function spanStartOffset(start: number, bars: number): number {
  return start * bars - (start * (start - 1)) / 2;
}

/** The span [start, end] at a flat index (inverse of {@link spanIndex}). */
export function spanAt(index: number, bars: number): { start: number; end: number } {
  const count = spanCount(bars);
  if (!Number.isInteger(index) || index < 0 || index >= count) {
    throw new Error(`spanAt: need an integer index in [0, ${count}), got ${index}`);
  }
  // Walk the starts: at most T steps, exact in integers (no square root to round).
  let start = 0;
  while (spanStartOffset(start + 1, bars) <= index) start++;
  return { start, end: start + index - spanStartOffset(start, bars) };
}

function checkBars(bars: number): void {
  if (!Number.isInteger(bars) || bars < 1) throw new Error(`span index: bars must be a positive integer, got ${bars}`);
}
