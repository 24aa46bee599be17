/**
 * The span posterior of the example windows as the bundle's heat map draws it (docs/spec.md §12): each
 * objective's exact P(start, end | x) at temperature 1 (the model's own scores, uncalibrated), cut to a
 * box of starts × ends that holds the bulk of the mass, so comparison.json carries a few hundred numbers
 * per window and objective rather than all T(T + 1)/2.
 *
 * The box is the same for every objective of a window, so the panels of one window compare cell for
 * cell: the union over the objectives of the equal-tailed intervals of the start and of the end marginal
 * that leave at most {@link EXAMPLE_POSTERIOR_TAIL} of the mass on each side, widened to hold the true
 * span, every objective's decoded span and every objective's minimum-Bayes-risk span. Each objective's
 * `mass` says how much of its posterior the box holds (at least 1 − 4·tail: at most 2·tail of starts
 * and 2·tail of ends lie outside).
 *
 * A diffuse posterior (an undertrained head, or objectives whose mass lies far apart) needs a box as
 * large as the window: 5,565 spans, and comparison.json is printed one number a line. So a box wider than
 * {@link EXAMPLE_POSTERIOR_CELLS} bars on a side is cut into cells of k × k bars (k the least that fits),
 * each holding the mean P(start, end) of its spans: the colour still reads as the probability of one
 * span, on every row alike, and no cell reaches a panel's few hundred pixels finer than a plot can draw.
 */
import type { SpanHead, SpanHeadContext } from "../model/span_head.js";
import { spanCount, spanIndex } from "../model/span_index.js";
import { equalTailedInterval, minimumRiskSpan, spanBoundaryMarginals } from "../model/span_posterior_summary.js";
import type { ExamplePosterior } from "./types.js";

/** Mass left out at each end of a boundary marginal when the box is cut (0.5%). */
export const EXAMPLE_POSTERIOR_TAIL = 0.005;

/** Significant digits of the probabilities stored: far below what a colour can show. */
const DIGITS = 4;

/** Most cells on a side of a stored box; a larger box is cut into cells of several bars. */
export const EXAMPLE_POSTERIOR_CELLS = 30;

interface Bars {
  start: number;
  end: number;
}

/** What one objective's posterior over a window needs: its head, its scores and p for all windows, its context. */
export interface PosteriorSource {
  head: SpanHead;
  bars: number;
  /** (W, T, head.width) raw span scores. */
  spanScores: Float32Array;
  /** (W, T) per-bar p. */
  probabilities: Float32Array;
  spanContext: SpanHeadContext;
}

/** The exact log-posterior over the single spans of window `position`, in spanIndex order (as src/model/inference.ts slices a batch). */
export function windowLogPosterior(source: PosteriorSource, position: number): Float64Array {
  const { head, bars } = source;
  const scores = source.spanScores.subarray(position * bars * head.width, (position + 1) * bars * head.width);
  const probabilities = source.probabilities.subarray(position * bars, (position + 1) * bars);
  if (scores.length !== bars * head.width || probabilities.length !== bars) {
    throw new Error(`example posterior: window ${position} is outside the predictions (${source.probabilities.length / bars} windows)`);
  }
  const logPosterior = head.spanLogPosterior(scores, probabilities, { ...source.spanContext, batch: 1 });
  if (logPosterior.length !== spanCount(bars)) {
    throw new Error(`example posterior: ${head.name}'s spanLogPosterior gave ${logPosterior.length} values for spanCount(${bars}) = ${spanCount(bars)}`);
  }
  return logPosterior;
}

/**
 * One box for a window and each objective's posterior inside it, in the order of `logPosteriors`.
 * `marked` are the spans the plot marks on every panel (the true span, each objective's decoded span):
 * the box always holds them.
 */
export function examplePosteriors(logPosteriors: readonly Float64Array[], bars: number, marked: readonly (Bars | null)[]): ExamplePosterior[] {
  const mbrs = logPosteriors.map((logPosterior) => minimumRiskSpan(logPosterior, bars));
  let startLo = bars - 1;
  let startHi = 0;
  let endLo = bars - 1;
  let endHi = 0;
  const include = (span: Bars) => {
    startLo = Math.min(startLo, span.start);
    startHi = Math.max(startHi, span.start);
    endLo = Math.min(endLo, span.end);
    endHi = Math.max(endHi, span.end);
  };
  for (const logPosterior of logPosteriors) {
    const marginals = spanBoundaryMarginals(logPosterior, bars);
    const start = equalTailedInterval(marginals.start, 1 - 2 * EXAMPLE_POSTERIOR_TAIL);
    const end = equalTailedInterval(marginals.end, 1 - 2 * EXAMPLE_POSTERIOR_TAIL);
    include({ start: start.lo, end: end.lo });
    include({ start: start.hi, end: end.hi });
  }
  for (const span of [...marked, ...mbrs]) if (span) include(span);
  // Ends before the first start, or starts after the last end, are spans of no cell of the box: trim them.
  endLo = Math.max(endLo, startLo);
  startHi = Math.min(startHi, endHi);
  const cellBars = Math.ceil(Math.max(startHi - startLo + 1, endHi - endLo + 1) / EXAMPLE_POSTERIOR_CELLS);
  return logPosteriors.map((logPosterior, k) => {
    const probabilities: number[][] = [];
    let mass = 0;
    for (let s0 = startLo; s0 <= startHi; s0 += cellBars) {
      const row: number[] = [];
      for (let e0 = endLo; e0 <= endHi; e0 += cellBars) {
        // The spans of the cell: starts s0…, ends e0…, each at most cellBars and inside the box, end ≥ start.
        let sum = 0;
        let spans = 0;
        for (let s = s0; s <= Math.min(s0 + cellBars - 1, startHi); s++) {
          for (let e = Math.max(e0, s); e <= Math.min(e0 + cellBars - 1, endHi); e++) {
            sum += Math.exp(logPosterior[spanIndex(s, e, bars)]!);
            spans++;
          }
        }
        mass += sum;
        row.push(spans === 0 ? 0 : Number((sum / spans).toPrecision(DIGITS)));
      }
      probabilities.push(row);
    }
    const mbr = mbrs[k]!;
    return {
      startRange: [startLo, startHi],
      endRange: [endLo, endHi],
      cellBars,
      probabilities,
      // A sum of probabilities that add to 1 can round past it by a few ulps.
      mass: Math.min(1, mass),
      mbr: { start: mbr.start, end: mbr.end, expectedIoU: mbr.expectedIoU },
    };
  });
}
