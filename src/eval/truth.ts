/**
 * The per-bar truth of a window for the per-bar metrics of docs/spec.md §6: every annotated span it holds
 * (its `spans`, docs/spec.md §1), or its one primary span. Span-level metrics (IoU, hit@k, the
 * single-span decoder) keep scoring the primary span alone.
 */
import type { Span } from "./metrics.js";

/** One window's truth: its primary span, or every annotated span it holds. */
export type WindowTruth = Span | readonly Span[];

/** The spans of one window's truth. */
export function truthSpans(truth: WindowTruth): readonly Span[] {
  return Array.isArray(truth) ? (truth as readonly Span[]) : [truth as Span];
}

/** Throws unless every span of every window is an integer range inside [0, bars − 1] with start ≤ end. */
export function checkTruth(name: string, truth: readonly WindowTruth[], bars: number): void {
  if (!Number.isInteger(bars) || bars < 1) throw new Error(`${name}: bars must be a positive integer, got ${bars}`);
  truth.forEach((one, w) => {
    const spans = truthSpans(one);
    if (spans.length === 0) throw new Error(`${name}: window ${w} has no span`);
    for (const { start, end } of spans) {
      if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end < start || end >= bars) {
        throw new Error(`${name}: span of window ${w} must satisfy 0 ≤ start ≤ end < ${bars} (integers), got [${start}, ${end}]`);
      }
    }
  });
}

/** The (W, T) 0/1 mask of in-span bars: 1 on every bar of every span of each window. */
export function truthMask(truth: readonly WindowTruth[], bars: number): Uint8Array {
  const mask = new Uint8Array(truth.length * bars);
  truth.forEach((one, w) => {
    for (const { start, end } of truthSpans(one)) mask.fill(1, w * bars + start, w * bars + end + 1);
  });
  return mask;
}
