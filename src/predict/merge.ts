/**
 * Merging per-window span runs into detections over a whole bar series.
 *
 * A scan (src/predict/scan.ts) slides overlapping windows over the bars, so one bar is seen by several
 * windows, at different positions inside them, and each window decodes its own runs. This module turns
 * those window-local runs into one list of global detections. The rule, in full:
 *
 *  1. **Map.** A window starting at global bar `w` maps its local run [s, e] to the global run [w+s, w+e].
 *  2. **Union.** Global runs (from all windows, all decoders alike) are sorted by start and swept once:
 *     two runs merge when they OVERLAP OR TOUCH — the next run's start ≤ the current detection's end + 1.
 *     Merging is transitive (a chain of touching runs is one detection), so a detection is a maximal
 *     union of runs; a run cut by a window's edge is joined to the same expansion seen whole by the next
 *     window. Two runs with at least one bar between them that no run covers stay separate, and runs on
 *     either side of a segment break (a gap in the bars: no window crosses one) never merge.
 *  3. **Per-bar probability.** Every bar's probability p̄(t) is the MEAN of p(t) over every window that
 *     covered bar t (whether or not that window put the bar in a run), so a bar flagged by one window
 *     of four, at low probability in the other three, gets a low p̄.
 *  4. **Confidence** of a detection = the MEAN of p̄(t) over its bars; `peak_probability` = their MAX.
 *  5. **Class.** Each window's class probabilities are the softmax of its two label logits
 *     (consolidation, retracement; the unused third logit is dropped). A detection's class probabilities
 *     are their AVERAGE over the distinct windows that contributed a run to it; `predicted_class` is the
 *     larger (consolidation on an exact tie).
 *  6. **Windows.** `windows` = distinct windows that contributed at least one run to the detection (that
 *     "saw" it as an expansion); `windows_covering` = windows containing at least one of its bars (that
 *     could have seen it). Their ratio is the windows' agreement.
 *
 * The merger holds O(bars) sums and counts and O(runs) run records — never the per-window probabilities —
 * so memory stays bounded for a year of 1-minute bars. Its output is independent of the order in which
 * windows are added.
 */
import type { Run } from "../model/span_decoding.js";

/** The two label names, in class-id order (docs/spec.md §1). */
export const DETECTION_CLASSES = ["consolidation", "retracement"] as const;
export type DetectionClass = (typeof DETECTION_CLASSES)[number];

/** One merged expansion over the bar series. */
export interface Detection {
  /** First bar of the detection, global 0-based index into the bar series, inclusive. */
  start_index: number;
  /** Last bar, inclusive. */
  end_index: number;
  /** Timestamp of the first bar, ISO-8601 UTC (null when the series has no timestamps). */
  start_time: string | null;
  /** Timestamp of the last bar, ISO-8601 UTC. */
  end_time: string | null;
  /** Bars in the detection: end_index − start_index + 1. */
  length: number;
  /** Mean over the detection's bars of the per-bar probability averaged across the windows covering each bar. */
  confidence: number;
  /** Max over the detection's bars of that same averaged per-bar probability. */
  peak_probability: number;
  /** The class with the larger averaged class probability. */
  predicted_class: DetectionClass;
  /** Class probabilities (two-way softmax of the label logits) averaged over the contributing windows. */
  class_probabilities: Record<DetectionClass, number>;
  /** Distinct windows that contributed a run to this detection. */
  windows: number;
  /** Windows that contained at least one bar of this detection. */
  windows_covering: number;
  /** The decoder that produced the per-window runs. */
  decoder: string;
}

/**
 * The two-way softmax of the label logits (consolidation, retracement) at `offset` of a (B, C) logit
 * array: the unused third class is left out, so the two sum to 1.
 */
export function labelProbabilities(logits: ArrayLike<number>, offset: number): [number, number] {
  const a = logits[offset]!;
  const b = logits[offset + 1]!;
  // p(retracement) = σ(b − a), computed without overflow for either sign.
  const d = b - a;
  const retracement = d >= 0 ? 1 / (1 + Math.exp(-d)) : Math.exp(d) / (1 + Math.exp(d));
  return [1 - retracement, retracement];
}

/** ISO-8601 UTC of a millisecond timestamp. */
export function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}

/** Rounds to 6 decimals (probabilities come from float32: more digits carry no information). */
function round6(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

/**
 * Accumulates windows (their start, per-bar probabilities, decoded runs, class probabilities) and
 * returns the merged detections with {@link DetectionMerger.finish}. See the module comment for the rule.
 */
export class DetectionMerger {
  private readonly probabilitySum: Float64Array;
  private readonly coverage: Uint32Array;
  private readonly windowStarts: number[] = [];
  private readonly classSums: number[] = [];
  private readonly runStarts: number[] = [];
  private readonly runEnds: number[] = [];
  private readonly runWindows: number[] = [];
  private readonly breaks: Set<number>;

  /**
   * @param barCount Bars in the whole series.
   * @param windowLength Bars per window (105 for the model; any positive length here).
   * @param breaks Bar indices that start a new segment (the first bar after a gap): no window may
   *   cross one, and runs touching across one are not merged.
   */
  constructor(
    readonly barCount: number,
    readonly windowLength: number,
    breaks: readonly number[] = [],
  ) {
    if (!Number.isInteger(barCount) || barCount < 1) throw new Error(`barCount must be a positive integer, got ${barCount}`);
    if (!Number.isInteger(windowLength) || windowLength < 1 || windowLength > barCount) {
      throw new Error(`windowLength must be an integer in [1, ${barCount}] (the bar count), got ${windowLength}`);
    }
    this.breaks = new Set(breaks);
    this.probabilitySum = new Float64Array(barCount);
    this.coverage = new Uint32Array(barCount);
  }

  /** Windows added so far. */
  get windowCount(): number {
    return this.windowStarts.length;
  }

  /**
   * Adds one window.
   * @param start Global index of the window's first bar; the window covers [start, start + windowLength − 1].
   * @param probabilities Per-bar p(in span) of the window, `windowLength` values (or more: only the first are read).
   * @param runs The window's decoded runs, window-local inclusive [s, e] pairs.
   * @param classProbabilities (p(consolidation), p(retracement)) of the window.
   */
  addWindow(start: number, probabilities: ArrayLike<number>, runs: readonly Run[], classProbabilities: readonly [number, number]): void {
    const length = this.windowLength;
    if (!Number.isInteger(start) || start < 0 || start + length > this.barCount) {
      throw new Error(`window start ${start} puts the window outside bars [0, ${this.barCount - 1}]`);
    }
    if (probabilities.length < length) throw new Error(`window at ${start}: ${probabilities.length} probabilities for ${length} bars`);
    if (this.breaks.size > 0)
      for (let t = 1; t < length; t++) {
        if (this.breaks.has(start + t)) throw new Error(`window at ${start} crosses the segment break at bar ${start + t}`);
      }
    const window = this.windowStarts.length;
    this.windowStarts.push(start);
    this.classSums.push(classProbabilities[0], classProbabilities[1]);
    const sums = this.probabilitySum;
    const coverage = this.coverage;
    for (let t = 0; t < length; t++) {
      sums[start + t]! += probabilities[t]!;
      coverage[start + t]!++;
    }
    for (const [s, e] of runs) {
      if (!(Number.isInteger(s) && Number.isInteger(e) && s >= 0 && s <= e && e < length)) {
        throw new Error(`window at ${start}: run [${s}, ${e}] is not inside [0, ${length - 1}]`);
      }
      this.runStarts.push(start + s);
      this.runEnds.push(start + e);
      this.runWindows.push(window);
    }
  }

  /** Windows whose range intersects [s, e], by binary search over the sorted window starts. */
  private coveringWindows(sortedStarts: Float64Array, s: number, e: number): number {
    // A window starting at w covers [w, w + L − 1]: it intersects [s, e] iff s − L + 1 ≤ w ≤ e.
    const lowerBound = (x: number) => {
      let lo = 0;
      let hi = sortedStarts.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (sortedStarts[mid]! < x) lo = mid + 1;
        else hi = mid;
      }
      return lo;
    };
    return lowerBound(e + 1) - lowerBound(s - this.windowLength + 1);
  }

  /**
   * The merged detections, in order of start bar.
   * @param timestamps Per-bar times in ms since the epoch (UTC), or null for none.
   * @param decoder The decoder name written into each detection.
   */
  finish(timestamps: ArrayLike<number> | null, decoder: string): Detection[] {
    if (timestamps !== null && timestamps.length !== this.barCount) {
      throw new Error(`${timestamps.length} timestamps for ${this.barCount} bars`);
    }
    const runCount = this.runStarts.length;
    const order = Array.from({ length: runCount }, (_, i) => i);
    // Sort by global start, then end, then window: a total order, so the result is independent of
    // the order the windows were added in.
    order.sort(
      (a, b) =>
        this.runStarts[a]! - this.runStarts[b]! ||
        this.runEnds[a]! - this.runEnds[b]! ||
        this.windowStarts[this.runWindows[a]!]! - this.windowStarts[this.runWindows[b]!]!,
    );
    const sortedStarts = Float64Array.from(this.windowStarts).sort();
    const lastGroup = new Int32Array(this.windowStarts.length).fill(-1);
    const detections: Detection[] = [];

    let i = 0;
    while (i < runCount) {
      const group = detections.length;
      const start = this.runStarts[order[i]!]!;
      let end = this.runEnds[order[i]!]!;
      let contributing = 0;
      let consolidation = 0;
      let retracement = 0;
      const take = (run: number) => {
        const window = this.runWindows[run]!;
        if (lastGroup[window] !== group) {
          lastGroup[window] = group;
          contributing++;
          consolidation += this.classSums[2 * window]!;
          retracement += this.classSums[2 * window + 1]!;
        }
      };
      take(order[i]!);
      i++;
      // Overlap or touch: the next run starts at most one bar after the current end (and does not
      // start a new segment: touching across a gap is not touching in time).
      while (i < runCount && (this.runStarts[order[i]!]! <= end || (this.runStarts[order[i]!]! === end + 1 && !this.breaks.has(end + 1)))) {
        end = Math.max(end, this.runEnds[order[i]!]!);
        take(order[i]!);
        i++;
      }
      let sum = 0;
      let peak = -Infinity;
      for (let t = start; t <= end; t++) {
        const p = this.probabilitySum[t]! / this.coverage[t]!;
        sum += p;
        if (p > peak) peak = p;
      }
      const pc = consolidation / contributing;
      const pr = retracement / contributing;
      detections.push({
        start_index: start,
        end_index: end,
        start_time: timestamps === null ? null : isoTime(timestamps[start]!),
        end_time: timestamps === null ? null : isoTime(timestamps[end]!),
        length: end - start + 1,
        confidence: round6(sum / (end - start + 1)),
        peak_probability: round6(peak),
        predicted_class: pr > pc ? "retracement" : "consolidation",
        class_probabilities: { consolidation: round6(pc), retracement: round6(pr) },
        windows: contributing,
        windows_covering: this.coveringWindows(sortedStarts, start, end),
        decoder,
      });
    }
    return detections;
  }

  /** Bars covered by no window so far (a complete scan leaves none). */
  uncoveredBars(): number {
    let n = 0;
    for (let t = 0; t < this.barCount; t++) if (this.coverage[t] === 0) n++;
    return n;
  }
}

/** One window's contribution, for {@link mergeWindowRuns}. */
export interface WindowRuns {
  /** Global index of the window's first bar. */
  start: number;
  /** Per-bar probabilities (windowLength values). */
  probabilities: ArrayLike<number>;
  /** Window-local runs [s, e], inclusive. */
  runs: readonly Run[];
  /** (p(consolidation), p(retracement)). */
  classProbabilities: readonly [number, number];
}

/** {@link DetectionMerger} in one call: merge `windows` over `barCount` bars. */
export function mergeWindowRuns(
  windows: readonly WindowRuns[],
  options: { barCount: number; windowLength: number; timestamps?: ArrayLike<number> | null; decoder: string; breaks?: readonly number[] },
): Detection[] {
  const merger = new DetectionMerger(options.barCount, options.windowLength, options.breaks ?? []);
  for (const w of windows) merger.addWindow(w.start, w.probabilities, w.runs, w.classProbabilities);
  return merger.finish(options.timestamps ?? null, options.decoder);
}
