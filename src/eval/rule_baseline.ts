/**
 * Transparent rule detectors: how far a one-line threshold on the relativity features gets towards the
 * spans. They are the yardstick that says whether a dataset is worth a neural network: if `range_z > a`
 * already finds the spans, a BiLSTM proves nothing; if it scores near the all-positive baseline, the spans
 * may not be visible in the features at all.
 *
 *  - single feature: bar t is in-span iff range_z(t) > a;
 *  - two features:  bar t is in-span iff range_z(t) > a and |expansion_proxy(t)| > b;
 *  - all-positive:  every bar is in-span (the trivial F1 the docs/spec.md §6 threshold analysis reports beside it).
 *
 * Thresholds are tuned by grid search on training windows; scores are pooled (micro) bar-level
 * precision / recall / F1 over held-out windows, split by base_window_id so overlaps of one event never
 * sit on both sides.
 */
import { computeRelativityFeatures, FEATURE_NAMES } from "../features/relativity.js";
import { groupSplit } from "../data/splits.js";
import { windowSpans, type Window } from "../data/window.js";
import { Rng } from "../util/rng.js";

/** The two features the rules read from one bar, and the bar's gold tag. */
export interface RuleBar {
  rangeZ: number;
  expansionProxy: number;
  inSpan: boolean;
}

/** Pooled bar-level confusion counts and scores (precision, recall, F1 are 0 when undefined). */
export interface RuleScore {
  truePositives: number;
  falsePositives: number;
  falseNegatives: number;
  precision: number;
  recall: number;
  f1: number;
}

const RANGE_Z = FEATURE_NAMES.indexOf("range_z");
const EXPANSION_PROXY = FEATURE_NAMES.indexOf("expansion_proxy");
const BASE_FEATURES = 12;

/** Feature rows of every bar of every window, with the gold tag: in any of the window's annotated spans. */
export function ruleBars(windows: readonly Window[]): RuleBar[] {
  const rows: RuleBar[] = [];
  for (const w of windows) {
    const features = computeRelativityFeatures(w.features);
    const spans = windowSpans(w);
    for (let t = 0; t < w.features.length; t++) {
      rows.push({
        rangeZ: features[t * BASE_FEATURES + RANGE_Z]!,
        expansionProxy: features[t * BASE_FEATURES + EXPANSION_PROXY]!,
        inSpan: spans.some((span) => t >= span.start && t <= span.end),
      });
    }
  }
  return rows;
}

/** Micro precision / recall / F1 of a per-bar prediction over all `bars`. */
export function scoreRule(bars: readonly RuleBar[], predict: (bar: RuleBar) => boolean): RuleScore {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  for (const bar of bars) {
    const predicted = predict(bar);
    if (predicted && bar.inSpan) tp++;
    else if (predicted) fp++;
    else if (bar.inSpan) fn++;
  }
  const precision = tp + fp > 0 ? tp / (tp + fp) : 0;
  const recall = tp + fn > 0 ? tp / (tp + fn) : 0;
  const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
  return { truePositives: tp, falsePositives: fp, falseNegatives: fn, precision, recall, f1 };
}

/** `low, low + step, …` up to and including `high` (to within rounding), rounded to avoid 0.30000000000000004. */
export function thresholdGrid(low: number, high: number, step: number): number[] {
  if (!(step > 0) || !(high >= low)) throw new Error(`thresholdGrid needs step > 0 and high ≥ low, got ${low}, ${high}, ${step}`);
  const values: number[] = [];
  for (let k = 0; low + k * step <= high + step * 1e-9; k++) values.push(Number((low + k * step).toFixed(10)));
  return values;
}

/** range_z lives in [0, 3] and |expansion_proxy| in [0, 2] (docs/spec.md §2 clips). */
export const RANGE_Z_GRID = thresholdGrid(0, 3, 0.05);
export const EXPANSION_PROXY_GRID = thresholdGrid(0, 2, 0.05);

export interface SingleFeatureRule {
  rangeZThreshold: number;
}
export interface TwoFeatureRule {
  rangeZThreshold: number;
  expansionProxyThreshold: number;
}

export function predictSingle(rule: SingleFeatureRule): (bar: RuleBar) => boolean {
  return (bar) => bar.rangeZ > rule.rangeZThreshold;
}

export function predictTwo(rule: TwoFeatureRule): (bar: RuleBar) => boolean {
  return (bar) => bar.rangeZ > rule.rangeZThreshold && Math.abs(bar.expansionProxy) > rule.expansionProxyThreshold;
}

/** Best `range_z > a` on `bars` by F1; ties go to the smallest a (first on the grid). */
export function tuneSingleFeatureRule(bars: readonly RuleBar[], grid: readonly number[] = RANGE_Z_GRID): { rule: SingleFeatureRule; score: RuleScore } {
  let best: { rule: SingleFeatureRule; score: RuleScore } | undefined;
  for (const a of grid) {
    const rule = { rangeZThreshold: a };
    const score = scoreRule(bars, predictSingle(rule));
    if (!best || score.f1 > best.score.f1) best = { rule, score };
  }
  if (!best) throw new Error("tuneSingleFeatureRule needs a non-empty grid");
  return best;
}

/** How many entries of the ascending `grid` lie strictly below `value` (0 for NaN): the rule `value > g` holds for exactly those. */
function entriesBelow(grid: readonly number[], value: number): number {
  let lo = 0;
  let hi = grid.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (value > grid[mid]!) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The score of a rule from its confusion counts (scoreRule's formulas, so equal counts give equal scores). */
function scoreOf(tp: number, fp: number, fn: number): RuleScore {
  const precision = tp + fp > 0 ? tp / (tp + fp) : 0;
  const recall = tp + fn > 0 ? tp / (tp + fn) : 0;
  const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
  return { truePositives: tp, falsePositives: fp, falseNegatives: fn, precision, recall, f1 };
}

/**
 * Best `range_z > a && |expansion_proxy| > b` on `bars` by F1; ties go to the first (a, b) on the grids.
 *
 * Counted, not scanned: bar i passes threshold a_k iff k < below_a(i) (the grid is ascending), and b_j iff
 * j < below_b(i). So one pass buckets the bars by (below_a, below_b), and suffix sums over both give every
 * grid cell's true and false positives — O(bars + |a grid|·|b grid|) instead of their product; the same
 * counts, hence the same scores and the same winner as scoring each cell (the test compares the two).
 */
export function tuneTwoFeatureRule(
  bars: readonly RuleBar[],
  rangeZGrid: readonly number[] = RANGE_Z_GRID,
  proxyGrid: readonly number[] = EXPANSION_PROXY_GRID,
): { rule: TwoFeatureRule; score: RuleScore } {
  if (rangeZGrid.length === 0 || proxyGrid.length === 0) throw new Error("tuneTwoFeatureRule needs non-empty grids");
  for (const grid of [rangeZGrid, proxyGrid]) {
    for (let k = 1; k < grid.length; k++) if (!(grid[k]! > grid[k - 1]!)) throw new Error("tuneTwoFeatureRule needs strictly ascending grids");
  }
  const rows = rangeZGrid.length + 1;
  const columns = proxyGrid.length + 1;
  // counts[(below_a · columns + below_b) · 2 + inSpan]
  const counts = new Float64Array(rows * columns * 2);
  let inSpanTotal = 0;
  for (const bar of bars) {
    const cell = entriesBelow(rangeZGrid, bar.rangeZ) * columns + entriesBelow(proxyGrid, Math.abs(bar.expansionProxy));
    counts[cell * 2 + (bar.inSpan ? 1 : 0)]!++;
    if (bar.inSpan) inSpanTotal++;
  }
  // Suffix sums: after them, counts at (r, c) hold the bars with below_a ≥ r and below_b ≥ c.
  for (let r = rows - 1; r >= 0; r--) {
    for (let c = columns - 1; c >= 0; c--) {
      for (let tag = 0; tag < 2; tag++) {
        const at = (r * columns + c) * 2 + tag;
        let value = counts[at]!;
        if (r + 1 < rows) value += counts[((r + 1) * columns + c) * 2 + tag]!;
        if (c + 1 < columns) value += counts[(r * columns + c + 1) * 2 + tag]!;
        if (r + 1 < rows && c + 1 < columns) value -= counts[((r + 1) * columns + c + 1) * 2 + tag]!;
        counts[at] = value;
      }
    }
  }
  let best: { rule: TwoFeatureRule; score: RuleScore } | undefined;
  rangeZGrid.forEach((a, k) => {
    proxyGrid.forEach((b, j) => {
      // Passing a_k and b_j: below_a ≥ k + 1 and below_b ≥ j + 1.
      const at = ((k + 1) * columns + (j + 1)) * 2;
      const tp = counts[at + 1]!;
      const score = scoreOf(tp, counts[at]!, inSpanTotal - tp);
      if (!best || score.f1 > best.score.f1) best = { rule: { rangeZThreshold: a, expansionProxyThreshold: b }, score };
    });
  });
  return best!;
}

export interface RuleBaselineOptions {
  /** Share of windows (whole base_window_id groups) held out for scoring; default 0.5. */
  heldOutFraction?: number;
  /** Seed of the group split; default 0. */
  seed?: number;
}

export interface RuleBaselineReport {
  trainWindows: number;
  heldOutWindows: number;
  heldOutBars: number;
  heldOutInSpanBars: number;
  single: { rule: SingleFeatureRule; trainF1: number; heldOut: RuleScore };
  two: { rule: TwoFeatureRule; trainF1: number; heldOut: RuleScore };
  allPositive: RuleScore;
}

/** Tune both rules on a group split's training side and score them and all-positive on its held-out side. */
export function ruleBaseline(windows: readonly Window[], options: RuleBaselineOptions = {}): RuleBaselineReport {
  const split = groupSplit(windows, { validationFraction: options.heldOutFraction ?? 0.5, rng: new Rng(options.seed ?? 0) });
  const windowAt = (i: number): Window => {
    const w = windows[i];
    if (w === undefined) throw new Error(`ruleBaseline: split index ${i} is outside the ${windows.length} windows`);
    return w;
  };
  const train = ruleBars(split.train.map(windowAt));
  const heldOut = ruleBars(split.validation.map(windowAt));
  const single = tuneSingleFeatureRule(train);
  const two = tuneTwoFeatureRule(train);
  return {
    trainWindows: split.train.length,
    heldOutWindows: split.validation.length,
    heldOutBars: heldOut.length,
    heldOutInSpanBars: heldOut.filter((bar) => bar.inSpan).length,
    single: { rule: single.rule, trainF1: single.score.f1, heldOut: scoreRule(heldOut, predictSingle(single.rule)) },
    two: { rule: two.rule, trainF1: two.score.f1, heldOut: scoreRule(heldOut, predictTwo(two.rule)) },
    allPositive: scoreRule(heldOut, () => true),
  };
}

/** The report as text lines, for the CLI and data/README.md. */
export function formatRuleBaseline(report: RuleBaselineReport): string {
  const s = (score: RuleScore) => `F1 ${score.f1.toFixed(3)} (P ${score.precision.toFixed(3)}, R ${score.recall.toFixed(3)})`;
  return [
    `rule baseline     tuned on ${report.trainWindows} windows, scored on ${report.heldOutWindows} held-out windows ` +
      `(${report.heldOutInSpanBars} of ${report.heldOutBars} bars in-span), pooled bar-level`,
    `  range_z > ${report.single.rule.rangeZThreshold.toFixed(2)}: ${s(report.single.heldOut)}`,
    `  range_z > ${report.two.rule.rangeZThreshold.toFixed(2)} && |expansion_proxy| > ` +
      `${report.two.rule.expansionProxyThreshold.toFixed(2)}: ${s(report.two.heldOut)}`,
    `  all bars in-span: ${s(report.allPositive)}`,
  ].join("\n");
}
