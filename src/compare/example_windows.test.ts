/**
 * The example windows' span posteriors (example_posterior.ts): hand-checked boxes on tiny windows, the box
 * probabilities as exp(log-posterior) at their indices, the mass inside, and the per-window slicing of
 * predictions over several windows and objectives.
 */
import { describe, expect, it } from "vitest";
import type { Window } from "../data/window.js";
import { crfSpanHead } from "../model/heads/crf.js";
import { softSpanHead } from "../model/heads/soft.js";
import { ParameterSet } from "../model/parameters.js";
import type { SpanHead } from "../model/span_head.js";
import { spanCount, spanIndex } from "../model/span_index.js";
import type { Predictions } from "./evaluate.js";
import { EXAMPLE_POSTERIOR_CELLS, EXAMPLE_POSTERIOR_TAIL, examplePosteriors, windowLogPosterior, type PosteriorSource } from "./example_posterior.js";
import { exampleWindows } from "./example_windows.js";

/**
 * Predictions of `head` whose span posterior is the soft head's for per-bar logits `logits` (W·T of them):
 * the soft head's scores are the logits, the CRF's emissions (0, logit) with zero start, end and
 * transition scores, so both give P(s, e) ∝ exp(Σ_{t=s..e} z_t) (docs/spec.md §12).
 */
function source(head: SpanHead, logits: readonly number[], bars: number): PosteriorSource & Pick<Predictions, "singleSpans"> {
  const windows = logits.length / bars;
  const spanContext = { batch: windows, bars, parameters: new ParameterSet(head.parameterSpecs()), posWeight: 1 };
  const spanScores = Float32Array.from(head.width === 1 ? logits : logits.flatMap((z) => [0, z]));
  const probabilities = head.probabilities(spanScores, spanContext);
  return { head, bars, spanScores, probabilities, spanContext, singleSpans: head.singleSpans(spanScores, probabilities, spanContext) };
}

describe("examplePosteriors", () => {
  it("gives a two-bar window's three spans by hand: weights 3, 3 and 1 out of 7", () => {
    // z = (ln 3, 0): [0,0] scores ln 3, [0,1] ln 3 + 0, [1,1] 0 → P = 3/7, 3/7, 1/7.
    const logPosterior = windowLogPosterior(source(softSpanHead, [Math.log(3), 0], 2), 0);
    const [box] = examplePosteriors([logPosterior], 2, [{ start: 0, end: 1 }]);
    expect(box!.startRange).toEqual([0, 1]);
    expect(box!.endRange).toEqual([0, 1]);
    expect(box!.cellBars).toBe(1);
    expect(box!.probabilities).toEqual([
      [0.4286, 0.4286],
      [0, 0.1429],
    ]);
    expect(box!.mass).toBeCloseTo(1, 12);
    expect(box!.mbr.start).toBe(0);
  });

  it("holds the whole triangle, mass 1, for a flat posterior", () => {
    const bars = 5;
    const [box] = examplePosteriors([windowLogPosterior(source(softSpanHead, new Array(bars).fill(0), bars), 0)], bars, [null]);
    expect(box!.startRange).toEqual([0, bars - 1]);
    expect(box!.endRange).toEqual([0, bars - 1]);
    // 15 spans, each 1/15; no cell below the diagonal.
    for (const [s, row] of box!.probabilities.entries()) for (const [e, p] of row.entries()) expect(p).toBe(e < s ? 0 : Number((1 / 15).toPrecision(4)));
    expect(box!.mass).toBeLessThanOrEqual(1);
    expect(box!.mass).toBeGreaterThanOrEqual(0.99);
  });

  it("cuts a box wider than the cell limit into cells of k × k bars, each the mean P of its spans", () => {
    // 70 bars, flat, marked spans at both corners: the box is the whole window, k = ⌈70 / 30⌉ = 3, so 24
    // cells a side (the last of one bar).
    const bars = 70;
    const corners = [
      { start: 0, end: 0 },
      { start: bars - 1, end: bars - 1 },
    ];
    const [box] = examplePosteriors([windowLogPosterior(source(softSpanHead, new Array(bars).fill(0), bars), 0)], bars, corners);
    expect(box!.startRange).toEqual([0, bars - 1]);
    expect(EXAMPLE_POSTERIOR_CELLS).toBe(30);
    expect(box!.cellBars).toBe(3);
    expect(box!.probabilities).toHaveLength(24);
    const each = Number((1 / spanCount(bars)).toPrecision(4));
    for (const [i, row] of box!.probabilities.entries()) {
      expect(row).toHaveLength(24);
      // Cells wholly below the diagonal hold no span; the others, diagonal ones included, hold spans of P 1/2485 each.
      for (const [j, p] of row.entries()) expect(p).toBe(j < i ? 0 : each);
    }
    expect(box!.mass).toBeCloseTo(1, 12);
  });

  it("cuts a peaked posterior to the bulk of its mass, widened to the marked spans, each cell exp(log-posterior)", () => {
    const bars = 12;
    const logits = [-9, -9, -9, -9, 5, 5, 5, -9, -9, -9, -9, -9];
    const logPosterior = windowLogPosterior(source(softSpanHead, logits, bars), 0);
    const [peaked] = examplePosteriors([logPosterior], bars, [null]);
    // The mass sits on [4, 6] and its neighbours: starts and ends outside 3…7 hold far less than 0.5%.
    expect(peaked!.startRange[0]).toBeGreaterThanOrEqual(3);
    expect(peaked!.endRange[1]).toBeLessThanOrEqual(7);
    expect(peaked!.mbr).toMatchObject({ start: 4, end: 6 });
    // A true span far from the mass widens the box to it; no column ends before the first start.
    const [widened] = examplePosteriors([logPosterior], bars, [{ start: 9, end: 10 }]);
    expect(widened!.startRange).toEqual([peaked!.startRange[0], 9]);
    expect(widened!.endRange).toEqual([peaked!.endRange[0], 10]);
    expect(widened!.endRange[0]).toBeGreaterThanOrEqual(widened!.startRange[0]);
    let direct = 0;
    const [s0, s1] = widened!.startRange;
    const [e0, e1] = widened!.endRange;
    expect(widened!.probabilities).toHaveLength(s1 - s0 + 1);
    for (let s = s0; s <= s1; s++) {
      const row = widened!.probabilities[s - s0]!;
      expect(row).toHaveLength(e1 - e0 + 1);
      for (let e = e0; e <= e1; e++) {
        const p = e < s ? 0 : Math.exp(logPosterior[spanIndex(s, e, bars)]!);
        direct += p;
        expect(row[e - e0]).toBe(Number(p.toPrecision(4)));
      }
    }
    expect(widened!.mass).toBeCloseTo(direct, 14);
    expect(widened!.mass).toBeLessThanOrEqual(1);
    expect(widened!.mass).toBeGreaterThanOrEqual(1 - 4 * EXAMPLE_POSTERIOR_TAIL);
  });

  it("gives every objective of a window the same box, each with its own mass", () => {
    const bars = 10;
    const a = windowLogPosterior(source(softSpanHead, [-6, 4, 4, -6, -6, -6, -6, -6, -6, -6], bars), 0);
    const b = windowLogPosterior(source(softSpanHead, [-6, -6, -6, -6, -6, -6, 4, 4, 4, -6], bars), 0);
    const [first, second] = examplePosteriors([a, b], bars, [null, null]);
    expect(first!.startRange).toEqual(second!.startRange);
    expect(first!.endRange).toEqual(second!.endRange);
    // The union reaches from the first's mass (bars 1–2) to the second's (6–8).
    expect(first!.startRange[0]).toBeLessThanOrEqual(1);
    expect(first!.endRange[1]).toBeGreaterThanOrEqual(8);
    expect(first!.mass).toBeGreaterThan(0.98);
    expect(second!.mass).toBeGreaterThan(0.98);
  });
});

describe("exampleWindows", () => {
  it("reads each example window's own scores, for every objective", () => {
    const bars = 8;
    // Three validation windows; the CRF's posterior equals the soft head's on the same logits.
    const logits = [
      [3, 3, -5, -5, -5, -5, -5, -5],
      [-5, -5, -5, 3, 3, 3, -5, -5],
      [-5, -5, -5, -5, -5, -5, 2, 2],
    ];
    const windows = logits.map(
      (_, w): Window => ({
        window_id: `w${w}`,
        base_window_id: `w${w}`,
        label: "consolidation",
        expansion_start: 2 * w,
        expansion_end: 2 * w + 1,
        features: Array.from({ length: bars }, () => [1, 2, 0.5, 1.5] as [number, number, number, number]),
      }),
    );
    const predictions = new Map([softSpanHead, crfSpanHead].map((head) => [head.name, source(head, logits.flat(), bars) as unknown as Predictions]));
    const examples = exampleWindows(windows, [0, 1, 2], ["soft", "crf"], predictions, 3);
    expect(examples.map((w) => w.windowId)).toEqual(["w0", "w1", "w2"]);
    for (const [w, example] of examples.entries()) {
      expect(example.predicted.map((p) => p.objective)).toEqual(["soft", "crf"]);
      const [soft, crf] = example.predicted.map((p) => p.posterior!);
      const own = examplePosteriors([windowLogPosterior(predictions.get("soft")!, w)], bars, [example.trueSpan, example.predicted[0]!.span]);
      expect(soft!.mbr).toEqual(own[0]!.mbr);
      expect(crf!.startRange).toEqual(soft!.startRange);
      for (const [i, row] of crf!.probabilities.entries()) for (const [j, p] of row.entries()) expect(p).toBeCloseTo(soft!.probabilities[i]![j]!, 4);
      // The box holds the true span and the decoded one.
      for (const span of [example.trueSpan, example.predicted[0]!.span!]) {
        expect(span.start).toBeGreaterThanOrEqual(soft!.startRange[0]);
        expect(span.start).toBeLessThanOrEqual(soft!.startRange[1]);
        expect(span.end).toBeGreaterThanOrEqual(soft!.endRange[0]);
        expect(span.end).toBeLessThanOrEqual(soft!.endRange[1]);
      }
    }
    // Window 1's mass sits on bars 3–5: its MBR span is there, not at window 0's bars 0–1.
    expect(examples[1]!.predicted[0]!.posterior!.mbr).toMatchObject({ start: 3, end: 5 });
    expect(examples[0]!.predicted[0]!.posterior!.mbr).toMatchObject({ start: 0, end: 1 });
  });
});
