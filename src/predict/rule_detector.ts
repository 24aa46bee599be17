/**
 * The rule detector as a baseline for detections (docs/spec.md §11): bar t of a window is in-span when
 * range_z(t) > a and |expansion_proxy(t)| > b (src/eval/rule_baseline.ts), on windows scanned the same
 * way the model's are (same plan and stride, features from each window's own bars) and combined the same
 * way — each window's 0/1 rule path weighted by the Hann weights into a per-bar vote, a detection where
 * the vote is above ½ — so the two differ only in what decides a window's bars.
 *
 * Thresholds: given (`--rule-thresholds a,b`, e.g. from `spanlab baseline`), or tuned on the annotations
 * of the FIRST HALF of the bars: the grid of `spanlab baseline` (range_z 0…3, |expansion_proxy| 0…2, step
 * 0.05), maximising the pooled F1 over the bars of the windows lying wholly in the first half, each
 * window bar weighted by its Hann weight, ties to the first (a, b) on the grid — `spanlab baseline`'s
 * objective on the scan's windows. The rule is then scored on all bars like the model, so on the first
 * half it is scored on what it was tuned on: an advantage to the rule, never to the model.
 */
import { FEATURE_NAMES } from "../features/relativity.js";
import { EXPANSION_PROXY_GRID, RANGE_Z_GRID, type TwoFeatureRule } from "../eval/rule_baseline.js";
import type { BarInterval } from "../eval/range_scores.js";
import { BarCombiner, windowWeights } from "./combine.js";
import { runsAbove } from "./merge.js";
import { VOTE_THRESHOLD } from "./scan.js";
import { DEFAULT_STRIDE, scanPlan } from "./scan_plan.js";
import { checkScanBars, WindowFeatureFiller, type ScanBars } from "./window_features.js";

const RANGE_Z = FEATURE_NAMES.indexOf("range_z");
const EXPANSION_PROXY = FEATURE_NAMES.indexOf("expansion_proxy");
const WIDTH = 12;

export interface RuleDetectorOptions {
  stride?: number;
  windowLength?: number;
  /** Given thresholds; absent: tuned on the first half's annotations. */
  rule?: TwoFeatureRule;
  minRunLength?: number;
}

export interface RuleDetectorResult {
  rule: TwoFeatureRule;
  /** How the thresholds were set, in words. */
  source: string;
  /** The weighted pooled F1 the tuning reached on the first half (null when given). */
  tuningF1: number | null;
  detections: BarInterval[];
}

/** The first integer c with grid[c] ≥ v: v > grid[i] exactly for i < c. */
function passCount(grid: readonly number[], v: number): number {
  let lo = 0;
  let hi = grid.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (grid[mid]! < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Tunes (a, b) by the weighted pooled F1 of window bars (see the module comment) from a 2-D histogram of
 * (range_z pass count, |expansion_proxy| pass count) with suffix sums: O(bars + grid²).
 */
export function tuneRuleWeighted(
  rangeZ: Float32Array,
  proxy: Float32Array,
  weight: (index: number) => number,
  inSpan: (index: number) => boolean,
  indices: Iterable<number>,
): { rule: TwoFeatureRule; f1: number; bars: number; positiveWeight: number } {
  const na = RANGE_Z_GRID.length + 1;
  const nb = EXPANSION_PROXY_GRID.length + 1;
  const positive = new Float64Array(na * nb);
  const negative = new Float64Array(na * nb);
  let totalPositive = 0;
  let bars = 0;
  for (const k of indices) {
    bars++;
    const cell = passCount(RANGE_Z_GRID, rangeZ[k]!) * nb + passCount(EXPANSION_PROXY_GRID, Math.abs(proxy[k]!));
    const w = weight(k);
    if (inSpan(k)) {
      positive[cell]! += w;
      totalPositive += w;
    } else negative[cell]! += w;
  }
  // Suffix sums S[c][d] = Σ_{c' ≥ c, d' ≥ d}: rule (a_i, b_j) predicts the cells with c > i and d > j.
  for (const table of [positive, negative]) {
    for (let c = na - 1; c >= 0; c--) {
      for (let d = nb - 1; d >= 0; d--) {
        const right = d + 1 < nb ? table[c * nb + d + 1]! : 0;
        const below = c + 1 < na ? table[(c + 1) * nb + d]! : 0;
        const diagonal = c + 1 < na && d + 1 < nb ? table[(c + 1) * nb + d + 1]! : 0;
        table[c * nb + d]! += right + below - diagonal;
      }
    }
  }
  let best = { i: 0, j: 0, f1: -1 };
  for (let i = 0; i < RANGE_Z_GRID.length; i++) {
    for (let j = 0; j < EXPANSION_PROXY_GRID.length; j++) {
      const tp = positive[(i + 1) * nb + j + 1]!;
      const fp = negative[(i + 1) * nb + j + 1]!;
      const fn = totalPositive - tp;
      const f1 = 2 * tp + fp + fn > 0 ? (2 * tp) / (2 * tp + fp + fn) : 0;
      if (f1 > best.f1 + 1e-12) best = { i, j, f1 };
    }
  }
  return {
    rule: { rangeZThreshold: RANGE_Z_GRID[best.i]!, expansionProxyThreshold: EXPANSION_PROXY_GRID[best.j]! },
    f1: Math.max(best.f1, 0),
    bars,
    positiveWeight: totalPositive,
  };
}

/** The rule detector's detections on `bars` (see the module comment). */
export function ruleDetector(bars: ScanBars, events: readonly BarInterval[], options: RuleDetectorOptions = {}): RuleDetectorResult {
  const length = options.windowLength ?? 105;
  const stride = options.stride ?? DEFAULT_STRIDE;
  const minRunLength = options.minRunLength ?? 1;
  const barCount = checkScanBars(bars);
  const breaks = (bars.gaps ?? []).map((gap) => gap.index);
  const plan = scanPlan(barCount, stride, length, breaks);
  const starts = plan.starts;
  const batch = 64;
  const filler = new WindowFeatureFiller({ open: bars.open, high: bars.high, low: bars.low, close: bars.close, offset: 0 }, length, WIDTH, batch, false);
  const rangeZ = new Float32Array(starts.length * length);
  const proxy = new Float32Array(starts.length * length);
  for (let first = 0; first < starts.length; first += batch) {
    const count = Math.min(batch, starts.length - first);
    for (let b = 0; b < count; b++) filler.fill(b, starts[first + b]!);
    const features = filler.batch(count);
    for (let r = 0; r < count * length; r++) {
      rangeZ[first * length + r] = features[r * WIDTH + RANGE_Z]!;
      proxy[first * length + r] = features[r * WIDTH + EXPANSION_PROXY]!;
    }
  }

  let rule = options.rule;
  let source: string;
  let tuningF1: number | null = null;
  if (rule === undefined) {
    const inEvent = new Uint8Array(barCount);
    for (const { start, end } of events) inEvent.fill(1, start, end + 1);
    const half = Math.floor(barCount / 2);
    const weights = windowWeights(length);
    const indices = function* () {
      for (let k = 0; k < starts.length && starts[k]! + length <= half; k++) for (let t = 0; t < length; t++) yield k * length + t;
    };
    const tuned = tuneRuleWeighted(
      rangeZ,
      proxy,
      (index) => weights[index % length]!,
      (index) => inEvent[starts[Math.floor(index / length)]! + (index % length)] === 1,
      indices(),
    );
    rule = tuned.rule;
    tuningF1 = tuned.f1;
    source =
      tuned.bars === 0
        ? `not tunable: no window lies wholly in the first half of the ${barCount} bars, so the grid's first thresholds apply`
        : tuned.positiveWeight === 0
          ? `not tunable: the first half of the bars (bars 0–${half - 1}) holds no annotated bar, so the grid's first thresholds apply`
          : `tuned on the annotations of the first half of the bars (bars 0–${half - 1}; weighted pooled F1 ${tuned.f1.toFixed(3)})`;
  } else source = "given (--rule-thresholds)";

  const combiner = new BarCombiner(0, barCount, length, 1);
  const mask = new Uint8Array(length);
  for (let k = 0; k < starts.length; k++) {
    for (let t = 0; t < length; t++) {
      const index = k * length + t;
      mask[t] = rangeZ[index]! > rule.rangeZThreshold && Math.abs(proxy[index]!) > rule.expansionProxyThreshold ? 1 : 0;
    }
    combiner.add(starts[k]!, [mask], 0);
  }
  const vote = combiner.finish()[0]!;
  const segmentStarts = new Set(plan.segmentList.slice(1).map((segment) => segment.start));
  const detections = runsAbove(vote, VOTE_THRESHOLD, segmentStarts)
    .filter(([a, b]) => b - a + 1 >= minRunLength)
    .map(([start, end]) => ({ start, end }));
  return { rule, source, tuningF1, detections };
}
