/**
 * Do detections sit at window offsets? (docs/spec.md §11.) A scan whose detections depend on where
 * windows start piles detection starts onto a few offsets modulo the stride (the window's first bars);
 * a position-invariant one spreads them evenly when the expansions themselves fall anywhere. The
 * histogram counts each detection's start offset (start − its segment's first bar) mod the stride and
 * tests it against the uniform distribution.
 *
 * Warning rule (stated in docs/spec.md §11): with n detections over s = stride offsets,
 *  - n ≥ 2s and Pearson's χ² (s − 1 degrees of freedom) has p < 0.001, or
 *  - n ≥ 10 and one offset holds at least half of the starts.
 * p comes from the Wilson–Hilferty normal approximation of χ², good to about 0.001 in the tail for
 * s − 1 ≥ 3 degrees of freedom.
 */
import { segmentAt, type Segment } from "./scan_plan.js";

/** The p-value below which the histogram is called clustered. */
export const OFFSET_P_VALUE = 0.001;
/** The share of starts at one offset that is clustered on its own. */
export const OFFSET_MAX_SHARE = 0.5;

export interface OffsetHistogram {
  stride: number;
  /** Detections counted. */
  detections: number;
  /** Starts per offset 0 … stride − 1. */
  counts: number[];
  /** Pearson's χ² against uniform, and its upper-tail p-value (NaN with fewer than 2 detections). */
  chiSquare: number;
  pValue: number;
  /** The offset with the most starts and its share of them. */
  topOffset: number;
  topShare: number;
  /** True when the warning rule fires. */
  clustered: boolean;
}

/** Standard normal upper tail, from erfc (Abramowitz & Stegun 7.1.26, |error| < 1.5e-7). */
function normalUpperTail(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const erfc = poly * Math.exp(-x * x);
  return z >= 0 ? erfc / 2 : 1 - erfc / 2;
}

/** Upper-tail p-value of χ² with `k` degrees of freedom (Wilson–Hilferty). */
export function chiSquareUpperTail(chiSquare: number, k: number): number {
  if (!(k >= 1)) return Number.NaN;
  if (chiSquare <= 0) return 1;
  const v = 2 / (9 * k);
  const z = ((chiSquare / k) ** (1 / 3) - (1 - v)) / Math.sqrt(v);
  return normalUpperTail(z);
}

/** The histogram of detection starts modulo `stride`, relative to the start of each one's segment. */
export function offsetHistogram(starts: readonly number[], stride: number, segments: readonly Segment[]): OffsetHistogram {
  const counts = new Array<number>(stride).fill(0);
  for (const start of starts) {
    const segment = segments.length > 0 ? segmentAt(segments, start) : { start: 0, end: Infinity };
    counts[(start - segment.start) % stride]!++;
  }
  const n = starts.length;
  const expected = n / stride;
  let chiSquare = 0;
  for (const count of counts) chiSquare += expected > 0 ? (count - expected) ** 2 / expected : 0;
  let topOffset = 0;
  for (let k = 1; k < stride; k++) if (counts[k]! > counts[topOffset]!) topOffset = k;
  const topShare = n > 0 ? counts[topOffset]! / n : 0;
  const pValue = n >= 2 && stride >= 2 ? chiSquareUpperTail(chiSquare, stride - 1) : Number.NaN;
  const clustered = stride >= 2 && ((n >= 2 * stride && pValue < OFFSET_P_VALUE) || (n >= 10 && topShare >= OFFSET_MAX_SHARE));
  return { stride, detections: n, counts, chiSquare, pValue, topOffset, topShare, clustered };
}

/** The histogram in one line: counts per offset, χ², p. */
export function describeOffsets(histogram: OffsetHistogram): string {
  const p = Number.isNaN(histogram.pValue) ? "n/a" : histogram.pValue < 1e-4 ? histogram.pValue.toExponential(1) : histogram.pValue.toFixed(4);
  return (
    `detection starts modulo the stride ${histogram.stride} (offsets 0…${histogram.stride - 1}): ${histogram.counts.join(" ")}; ` +
    `χ² ${histogram.chiSquare.toFixed(1)} on ${histogram.stride - 1} df, p ${p}; most at offset ${histogram.topOffset} (${(100 * histogram.topShare).toFixed(0)}%)`
  );
}

/** The warning printed when detections cluster at window offsets, or null. */
export function offsetWarning(histogram: OffsetHistogram): string | null {
  if (!histogram.clustered) return null;
  return (
    `WARNING: detections cluster at window offsets — ${describeOffsets(histogram)}. ` +
    `Detections that follow where windows start are an artefact of the scan or of a position prior the model learned, not of the bars.`
  );
}
