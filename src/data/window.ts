/**
 * The window record of docs/spec.md §1: the unit every part of spanlab passes around.
 * A window is 105 consecutive OHLC bars with one primary annotated expansion span [start, end]
 * (inclusive) and, when it was cut from real bars, each bar's time and every other annotated span it holds.
 */

/** Bars in every window. */
export const WINDOW_BARS = 105;

/** The two labels the data carries, in class-id order (a third logit exists in the model, unused). */
export const LABELS = ["consolidation", "retracement"] as const;
export type Label = (typeof LABELS)[number];

/** Class id of a label: consolidation 0, retracement 1. */
export function labelId(label: Label): number {
  return LABELS.indexOf(label);
}

/** One bar: [open, high, low, close]. Volume, when present, travels separately. */
export type Bar = [open: number, high: number, low: number, close: number];

export interface Window {
  window_id: string;
  /** Overlapping windows cut around the same annotated event share this id. */
  base_window_id: string;
  label: Label;
  /** First in-span bar, 0-based, inclusive. */
  expansion_start: number;
  /** Last in-span bar, inclusive; expansion_start ≤ expansion_end ≤ 104. */
  expansion_end: number;
  /** WINDOW_BARS bars of [open, high, low, close]. */
  features: Bar[];
  /** Optional per-bar volume, WINDOW_BARS values. */
  volume?: number[];
  /** Optional: each bar's time as an ISO-8601 UTC string (WINDOW_BARS of them, strictly increasing). */
  timestamps?: string[];
  /**
   * Optional: every annotated span that intersects the window, clipped to it, as inclusive [start, end]
   * pairs sorted by start then end; the primary span [expansion_start, expansion_end] is one of them.
   * Absent means the primary span is the only one (docs/spec.md §1).
   */
  spans?: [start: number, end: number][];
}

/** An inclusive bar range of a window. */
export interface BarRange {
  start: number;
  end: number;
}

/**
 * Every annotated span of a window, the per-bar truth of docs/spec.md §4 and §6: its `spans`, or only the
 * primary span when the window lists none (the bundled data and the reference's files).
 */
export function windowSpans(window: Pick<Window, "expansion_start" | "expansion_end" | "spans">): BarRange[] {
  if (window.spans === undefined) return [{ start: window.expansion_start, end: window.expansion_end }];
  return window.spans.map(([start, end]) => ({ start, end }));
}
