/**
 * The window record of docs/spec.md §1: the unit every part of spanlab passes around.
 * A window is 105 consecutive OHLC bars with one annotated expansion span [start, end] (inclusive).
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
}
