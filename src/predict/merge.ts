/**
 * Detections from one per-bar score series over the whole bar series (docs/spec.md §11).
 *
 * Both scan modes end in one series of scores, one per bar: the hindsight scan's weighted combination of
 * every window covering the bar (src/predict/combine.ts) — the head's probability p̄ for the threshold
 * decoder, a path decoder's weighted vote v̄ for the others — and the live scan's p of the window ending
 * at the bar. A detection is a maximal run of bars whose score is ABOVE the threshold applied to that
 * score (p̄ > θ, v̄ > ½, p_live > θ), never crossing a segment break, at least `minRunLength` bars long.
 * Because decoding runs once on the combined series, a detection does not depend on where windows start.
 *
 * Every detection carries:
 *  - `confidence` = the mean of that same score over its bars and `peak` = its max; since every bar of
 *    a detection is above the threshold, threshold < confidence ≤ peak always (≤ after the rounding to 6
 *    decimals of every written figure) — the threshold printed is the one applied to the quantity the
 *    confidence averages;
 *  - class probabilities (consolidation, retracement): the two-way softmax of the label logits of the
 *    windows behind the detection (hindsight: the covering windows, each weighted by the total weight it
 *    gives the detection's bars; live: the window ending at `known_at_index`), and the larger as
 *    `predicted_class` (consolidation on an exact tie);
 *  - `known_at_index`: the bar at which the detection is first known — the first bar at which its run is
 *    `minRunLength` bars long, read by a live system at that bar's close; in hindsight, the last bar of
 *    the last window covering that bar (the combined score is final only then);
 *  - its boundary intervals (hindsight): the 90% credible intervals of its start and end bars, read off the
 *    span posterior of its supporting window (src/predict/boundary_intervals.ts); null with the reason in
 *    `interval_unavailable` when no window contains it, and for live detections (a live system has no
 *    window that has seen the detection's end).
 */

/** The two label names, in class-id order (docs/spec.md §1). */
export const DETECTION_CLASSES = ["consolidation", "retracement"] as const;
export type DetectionClass = (typeof DETECTION_CLASSES)[number];

/** How a detection was made. */
export type DetectionMode = "hindsight" | "live";

/** Why a detection has no boundary intervals (see {@link BoundaryIntervals}). */
export type IntervalUnavailable = "longer_than_window" | "no_window_contains" | "live" | "not_computed";

/**
 * The 90% credible intervals of a detection's start and end bars (docs/spec.md §11), from the exact span
 * posterior (§12) of its supporting window; every field null, and `interval_unavailable` set, when there
 * is none.
 */
export interface BoundaryIntervals {
  /** [lo, hi], inclusive bar indices into the series: the start bar's equal-tailed 90% credible interval. */
  start_interval_index: [number, number] | null;
  /** [lo, hi]: the end bar's. */
  end_interval_index: [number, number] | null;
  /** Timestamps (ISO-8601 UTC) of those bars; null also when the series has no timestamps. */
  start_interval_time: [string, string] | null;
  end_interval_time: [string, string] | null;
  /** Global index of the supporting window's first bar (the intervals lie in [it, it + 104]). */
  interval_window_start: number | null;
  /** IoU of the supporting window's minimum-Bayes-risk span with the detection (6 decimals). */
  interval_mbr_iou: number | null;
  /** Null when the intervals are given; else why not. */
  interval_unavailable: IntervalUnavailable | null;
}

/** The fields of a detection without intervals, and why. */
export function noBoundaryIntervals(reason: IntervalUnavailable): BoundaryIntervals {
  return {
    start_interval_index: null,
    end_interval_index: null,
    start_interval_time: null,
    end_interval_time: null,
    interval_window_start: null,
    interval_mbr_iou: null,
    interval_unavailable: reason,
  };
}

/** One expansion found over the bar series. */
export interface Detection extends BoundaryIntervals {
  /** First bar, 0-based index into the bar series (rows of the bars file in time order), inclusive. */
  start_index: number;
  /** Last bar, inclusive. */
  end_index: number;
  /** Timestamp of the first bar, ISO-8601 UTC (null when the series has no timestamps). */
  start_time: string | null;
  /** Timestamp of the last bar, ISO-8601 UTC. */
  end_time: string | null;
  /** Bars in the detection: end_index − start_index + 1. */
  length: number;
  mode: DetectionMode;
  /** The decoder: `threshold`, a head's path decoder (`viterbi`) or `single-span`. */
  decoder: string;
  /** The per-bar score thresholded: `p` (combined head probability), `vote` (combined path vote), `p_live`. */
  score: string;
  /** The threshold applied to the score: a bar is in a detection when its score is above it. */
  threshold: number;
  /** Mean of the score over the detection's bars (> threshold). */
  confidence: number;
  /** Max of the score over the detection's bars. */
  peak: number;
  /** The class with the larger class probability. */
  predicted_class: DetectionClass;
  class_probabilities: Record<DetectionClass, number>;
  /** Windows containing at least one bar of the detection (live: one window per bar). */
  windows_covering: number;
  /** The bar at which the detection is first known (see the module comment). */
  known_at_index: number;
  /** Its timestamp, ISO-8601 UTC. */
  known_at_time: string | null;
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
export function round6(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

/** Inclusive bar runs [start, end] of score > threshold (NaN is not above), cut at every segment start. */
export function runsAbove(score: ArrayLike<number>, threshold: number, segmentStarts: ReadonlySet<number> = new Set()): [number, number][] {
  const runs: [number, number][] = [];
  let runStart = -1;
  for (let i = 0; i < score.length; i++) {
    const on = score[i]! > threshold;
    if (runStart >= 0 && (!on || segmentStarts.has(i))) {
      runs.push([runStart, i - 1]);
      runStart = -1;
    }
    if (on && runStart < 0) runStart = i;
  }
  if (runStart >= 0) runs.push([runStart, score.length - 1]);
  return runs;
}

/** How many detections {@link detectionsFromScores} would return, without building them. */
export function countDetections(score: ArrayLike<number>, threshold: number, minRunLength: number, segmentStarts: ReadonlySet<number>): number {
  let count = 0;
  for (const [a, b] of runsAbove(score, threshold, segmentStarts)) if (b - a + 1 >= minRunLength) count++;
  return count;
}

/** What {@link detectionsFromScores} needs besides the scores. */
export interface DetectionContext {
  mode: DetectionMode;
  decoder: string;
  scoreName: string;
  threshold: number;
  minRunLength: number;
  /** First bars of segments after the first (a run never crosses one). */
  segmentStarts: ReadonlySet<number>;
  timestamps: ArrayLike<number> | null;
  /** (p(consolidation), p(retracement)) of the detection [a, b] known at bar `knownAt`. */
  classes(a: number, b: number, knownAt: number): readonly [number, number];
  /** Windows covering any bar of [a, b]. */
  windowsCovering(a: number, b: number): number;
  /** The bar at which the run is known, given the bar `t` at which it reached minRunLength bars. */
  knownAt(t: number): number;
  /** The boundary intervals of the `k`-th detection (ordered by start), [a, b]; absent: none ("live", or "not_computed" in hindsight). */
  boundaryIntervals?(k: number, a: number, b: number): BoundaryIntervals;
}

/** The detections of one score series (see the module comment), in order of start bar. */
export function detectionsFromScores(score: ArrayLike<number>, context: DetectionContext): Detection[] {
  const { timestamps, threshold, minRunLength } = context;
  const time = (i: number) => (timestamps === null ? null : isoTime(timestamps[i]!));
  const detections: Detection[] = [];
  for (const [a, b] of runsAbove(score, threshold, context.segmentStarts)) {
    const length = b - a + 1;
    if (length < minRunLength) continue;
    let sum = 0;
    let peak = -Infinity;
    for (let i = a; i <= b; i++) {
      sum += score[i]!;
      if (score[i]! > peak) peak = score[i]!;
    }
    const knownAt = context.knownAt(a + minRunLength - 1);
    const [pc, pr] = context.classes(a, b, knownAt);
    detections.push({
      start_index: a,
      end_index: b,
      start_time: time(a),
      end_time: time(b),
      length,
      mode: context.mode,
      decoder: context.decoder,
      score: context.scoreName,
      threshold: context.threshold,
      confidence: round6(sum / length),
      peak: round6(peak),
      predicted_class: pr > pc ? "retracement" : "consolidation",
      class_probabilities: { consolidation: round6(pc), retracement: round6(pr) },
      windows_covering: context.windowsCovering(a, b),
      known_at_index: knownAt,
      known_at_time: time(knownAt),
      ...(context.boundaryIntervals?.(detections.length, a, b) ?? noBoundaryIntervals(context.mode === "live" ? "live" : "not_computed")),
    });
  }
  return detections;
}

/** Detections per 10,000 bars below which a decoder is reported as (almost) finding nothing. */
export const FEW_DETECTIONS_PER_10K = 1;

/** What the printed report says about a set of detections: too few, or all of one class. */
export function detectionNotes(detections: readonly Detection[], bars: number, decoder: string, counts: Readonly<Record<string, number>>): string[] {
  const notes: string[] = [];
  const per10k = (10_000 * detections.length) / Math.max(bars, 1);
  if (detections.length === 0 || per10k < FEW_DETECTIONS_PER_10K) {
    const others = Object.entries(counts)
      .filter(([name]) => name !== decoder)
      .map(([name, n]) => `${name} ${n}`)
      .join(", ");
    const found = detections.length === 0 ? "no detection" : `only ${detections.length} detection(s) (${per10k.toFixed(2)} per 10,000 bars)`;
    notes.push(
      `the ${decoder} decoder found ${found} in ${bars} bars` +
        (others === "" ? "" : `; the other decoders on the same combined series find: ${others} (--decoder NAME to use one)`),
    );
  }
  if (detections.length >= 2) {
    const classes = new Set(detections.map((d) => d.predicted_class));
    if (classes.size === 1) {
      const p = detections.map((d) => d.class_probabilities.retracement);
      notes.push(
        `every one of the ${detections.length} detections is predicted ${detections[0]!.predicted_class} ` +
          `(p_retracement ${Math.min(...p).toFixed(3)}–${Math.max(...p).toFixed(3)}): the class head does not separate them`,
      );
    }
  }
  return notes;
}
