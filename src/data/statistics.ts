/**
 * Summary statistics of a window set: the figures docs/spec.md §1 quotes for the reference dataset (window and
 * base-window counts, label mix, span lengths, in-span bar share), so any dataset — bundled, synthetic or
 * user-supplied — can be put side by side with the reference.
 */
import { LABELS, windowSpans, type Label, type Window } from "./window.js";

export interface LabelShare {
  count: number;
  /** count / windows (0 for an empty set). */
  fraction: number;
}

export interface DatasetStatistics {
  windows: number;
  /** Distinct base_window_id values: the number of independent annotated events. */
  baseWindows: number;
  /** Windows beyond one per event (windows − baseWindows): the reference cut's overlaps, or the extra random windows. */
  overlapWindows: number;
  labels: Record<Label, LabelShare>;
  /** Span length = expansion_end − expansion_start + 1 bars, over all windows (overlaps included, as in docs/spec.md §1). */
  spanLength: { mean: number; median: number; min: number; max: number };
  /** Bars over all windows. */
  bars: number;
  /** In-span bars / all bars; a bar in any annotated span of its window counts (docs/spec.md §1 `spans`). */
  inSpanBarFraction: number;
}

function median(sorted: number[]): number {
  if (sorted.length === 0) return Number.NaN;
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

export function datasetStatistics(windows: readonly Window[]): DatasetStatistics {
  const lengths = windows.map((w) => w.expansion_end - w.expansion_start + 1).sort((a, b) => a - b);
  const labels = Object.fromEntries(LABELS.map((label) => [label, { count: 0, fraction: 0 }])) as Record<Label, LabelShare>;
  for (const w of windows) labels[w.label].count++;
  for (const label of LABELS) labels[label].fraction = windows.length ? labels[label].count / windows.length : 0;
  const primaryBars = lengths.reduce((sum, n) => sum + n, 0);
  let inSpanBars = 0;
  for (const w of windows) {
    const marked = new Uint8Array(w.features.length);
    for (const { start, end } of windowSpans(w)) marked.fill(1, start, end + 1);
    inSpanBars += marked.reduce((a, b) => a + b, 0);
  }
  const totalBars = windows.reduce((sum, w) => sum + w.features.length, 0);
  return {
    windows: windows.length,
    baseWindows: new Set(windows.map((w) => w.base_window_id)).size,
    overlapWindows: windows.length - new Set(windows.map((w) => w.base_window_id)).size,
    labels,
    spanLength: {
      mean: lengths.length ? primaryBars / lengths.length : Number.NaN,
      median: median(lengths),
      min: lengths[0] ?? Number.NaN,
      max: lengths[lengths.length - 1] ?? Number.NaN,
    },
    bars: totalBars,
    inSpanBarFraction: totalBars ? inSpanBars / totalBars : 0,
  };
}

/** The statistics as aligned text lines, for the CLI. */
export function formatDatasetStatistics(stats: DatasetStatistics): string {
  const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
  const labelText = LABELS.map((label) => `${label} ${stats.labels[label].count} (${pct(stats.labels[label].fraction)})`).join(", ");
  const s = stats.spanLength;
  return [
    `windows           ${stats.windows} (${stats.baseWindows} base + ${stats.overlapWindows} overlaps)`,
    `labels            ${labelText}`,
    `span length       mean ${s.mean.toFixed(2)}, median ${s.median}, min ${s.min}, max ${s.max} bars`,
    `in-span bars      ${pct(stats.inSpanBarFraction)} of ${stats.bars} bars`,
  ].join("\n");
}
