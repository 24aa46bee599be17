/**
 * Summaries of a span posterior against brute force (docs/spec.md §12): the CRF's span posterior for
 * T ≤ 10 is rebuilt from all 2ᵀ tag paths, and every summary is recomputed by enumeration — boundary
 * marginals by summing spans, the top spans by a full sort, P(IoU ≥ ½) and the expected IoU of EVERY
 * candidate span in O(T⁴) with the project's spanIoU (src/eval/metrics.ts). Plus hand-computed credible
 * intervals, properties of the interval construction and extreme posteriors.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { spanIoU } from "../eval/metrics.js";
import { Rng } from "../util/rng.js";
import { crfPathScore, type CrfParams } from "./crf.js";
import { spanAt, spanCount, spanIndex } from "./span_index.js";
import { expectedIoUs, expectedIoUUpperBounds } from "./span_minimum_risk.js";
import { crfSpanLogPosterior, normaliseSpanLogScores, softSpanLogPosterior } from "./span_posterior.js";
import {
  barsIoU,
  equalTailedInterval,
  minimumRiskSpan,
  probabilityIoUAtLeast,
  spanBoundaryMarginals,
  summariseSpanPosterior,
  topSpans,
} from "./span_posterior_summary.js";

/** The CRF's span log-posterior by enumerating every tag path of T bars and keeping the single runs. */
function bruteCrfPosterior(emissions: Float32Array, bars: number, params: CrfParams): Float64Array {
  const scores = new Float64Array(spanCount(bars)).fill(-Infinity);
  for (let code = 0; code < 2 ** bars; code++) {
    const tags = Int32Array.from({ length: bars }, (_, t) => (code >> t) & 1);
    const start = tags.indexOf(1);
    const end = tags.lastIndexOf(1);
    if (start < 0 || tags.subarray(start, end + 1).some((tag) => tag === 0)) continue;
    scores[spanIndex(start, end, bars)] = crfPathScore(emissions, tags, 1, bars, params)[0]!;
  }
  const max = Math.max(...scores);
  const logZ = max + Math.log(scores.reduce((sum, s) => sum + Math.exp(s - max), 0));
  return scores.map((s) => s - logZ);
}

function randomCrfWindow(rng: Rng, bars: number, scale: number): { emissions: Float32Array; params: CrfParams } {
  const draw = (n: number, s: number) => Float32Array.from({ length: n }, () => rng.uniform(-s, s));
  return { emissions: draw(2 * bars, scale), params: { start: draw(2, 1), end: draw(2, 1), transitions: draw(4, 1) } };
}

/** Every span of a window with its probability, in index order. */
function spansOf(logPosterior: Float64Array, bars: number): { start: number; end: number; p: number; index: number }[] {
  return Array.from(logPosterior, (value, index) => ({ ...spanAt(index, bars), p: Math.exp(value), index }));
}

/** E[IoU(c, Y)] by enumeration with the project's IoU. */
function bruteExpectedIoU(logPosterior: Float64Array, bars: number, candidate: { start: number; end: number }): number {
  return spansOf(logPosterior, bars).reduce((sum, y) => sum + y.p * spanIoU(candidate, y), 0);
}

/** A random distribution over spans (not from any head), with some spans of probability exactly 0. */
function randomPosterior(rng: Rng, bars: number, spread: number): Float64Array {
  const values = Float64Array.from({ length: spanCount(bars) }, () => (rng.int(5) === 0 ? -Infinity : rng.uniform(-spread, spread)));
  values[rng.int(values.length)] = 0; // at least one finite score
  normaliseSpanLogScores(values, 0, values.length);
  return values;
}

describe("barsIoU", () => {
  it("is the project's spanIoU on every pair of spans of a 12-bar window", () => {
    const bars = 12;
    for (let i = 0; i < spanCount(bars); i++) {
      for (let j = 0; j < spanCount(bars); j++) {
        const a = spanAt(i, bars);
        const b = spanAt(j, bars);
        expect(barsIoU(a.start, a.end, b.start, b.end)).toBe(spanIoU(a, b));
      }
    }
  });
});

describe("summaries against brute force, T = 1…10", () => {
  const rng = new Rng(29);
  const windows = Array.from({ length: 10 }, (_, i) => {
    const bars = i + 1;
    const { emissions, params } = randomCrfWindow(rng, bars, 2.5);
    const logPosterior = crfSpanLogPosterior(emissions, 1, bars, params);
    return { bars, logPosterior, brute: bruteCrfPosterior(emissions, bars, params) };
  });

  it.each(windows.map((w) => [w.bars, w] as const))("T = %i: the kernel's posterior is the enumerated one", (_bars, { logPosterior, brute }) => {
    for (let i = 0; i < brute.length; i++) expect(Math.abs(logPosterior[i]! - brute[i]!)).toBeLessThan(1e-9);
  });

  it.each(windows.map((w) => [w.bars, w] as const))("T = %i: marginals, top spans, P(IoU ≥ ½) and the MBR span", (bars, { logPosterior, brute }) => {
    const spans = spansOf(brute, bars);
    const marginals = spanBoundaryMarginals(logPosterior, bars);
    for (let t = 0; t < bars; t++) {
      expect(marginals.start[t]).toBeCloseTo(
        spans.filter((y) => y.start === t).reduce((sum, y) => sum + y.p, 0),
        12,
      );
      expect(marginals.end[t]).toBeCloseTo(
        spans.filter((y) => y.end === t).reduce((sum, y) => sum + y.p, 0),
        12,
      );
    }
    const sorted = [...spans].sort((x, y) => y.p - x.p || x.index - y.index);
    const top = topSpans(logPosterior, bars, 4);
    expect(top.map(({ start, end }) => ({ start, end }))).toEqual(sorted.slice(0, 4).map(({ start, end }) => ({ start, end })));
    top.forEach((span, i) => {
      expect(span.probability).toBeCloseTo(sorted[i]!.p, 12);
    });

    for (const candidate of spans) {
      const expected = spans.filter((y) => spanIoU(candidate, y) >= 0.5).reduce((sum, y) => sum + y.p, 0);
      expect(probabilityIoUAtLeast(logPosterior, bars, candidate)).toBeCloseTo(expected, 12);
    }
    const expectedIoU = spans.map((candidate) => bruteExpectedIoU(brute, bars, candidate));
    const bestValue = Math.max(...expectedIoU);
    const mbr = minimumRiskSpan(logPosterior, bars);
    expect(mbr.exact).toBe(true);
    expect(mbr.expectedIoU).toBeCloseTo(bestValue, 12);
    // Its own expected IoU, recomputed by enumeration, is the maximum: no candidate beats it.
    expect(bruteExpectedIoU(brute, bars, mbr)).toBeCloseTo(bestValue, 12);
  });
});

describe("the minimum-risk search's exact values and bounds", () => {
  it("computes every candidate's expected IoU exactly, and bounds it by E[|c ∩ Y| / max(|c|, |Y|)]", () => {
    const rng = new Rng(43);
    for (const bars of [1, 2, 5, 9, 13]) {
      for (const logPosterior of [
        randomPosterior(rng, bars, 2),
        crfSpanLogPosterior(randomCrfWindow(rng, bars, 3).emissions, 1, bars, randomCrfWindow(rng, bars, 1).params),
      ]) {
        const probabilities = logPosterior.map(Math.exp);
        const values = expectedIoUs(probabilities, bars);
        const bounds = expectedIoUUpperBounds(probabilities, bars);
        const spans = spansOf(logPosterior, bars);
        for (const candidate of spans) {
          const byMax = spans.reduce((sum, y) => {
            const intersection = Math.max(0, Math.min(candidate.end, y.end) - Math.max(candidate.start, y.start) + 1);
            return sum + (y.p * intersection) / Math.max(candidate.end - candidate.start + 1, y.end - y.start + 1);
          }, 0);
          expect(values[candidate.index]).toBeCloseTo(bruteExpectedIoU(logPosterior, bars, candidate), 13);
          expect(bounds[candidate.index]).toBeCloseTo(byMax, 13);
          expect(bounds[candidate.index]!).toBeGreaterThanOrEqual(values[candidate.index]! - 1e-13);
        }
      }
    }
  });
});

describe("minimumRiskSpan on longer windows", () => {
  it("matches the O(T⁴) enumeration over every candidate, T = 24, soft and random posteriors", () => {
    const rng = new Rng(31);
    const bars = 24;
    const posteriors = [
      softSpanLogPosterior(
        Float32Array.from({ length: bars }, () => rng.normal(-1, 2)),
        1,
        bars,
      ),
      randomPosterior(rng, bars, 3),
      randomPosterior(rng, bars, 0.1),
    ];
    for (const logPosterior of posteriors) {
      let best = -Infinity;
      let bestIndex = -1;
      for (let i = 0; i < logPosterior.length; i++) {
        const value = bruteExpectedIoU(logPosterior, bars, spanAt(i, bars));
        if (value > best + 1e-13) {
          best = value;
          bestIndex = i;
        }
      }
      const mbr = minimumRiskSpan(logPosterior, bars);
      expect(mbr.expectedIoU).toBeCloseTo(best, 12);
      expect({ start: mbr.start, end: mbr.end }).toEqual(spanAt(bestIndex, bars));
    }
  });

  it("breaks an exact tie by span index: half the mass on [0, 0], half on [2, 2] → [0, 0] at 0.5", () => {
    const logPosterior = new Float64Array(spanCount(3)).fill(-Infinity);
    logPosterior[spanIndex(0, 0, 3)] = Math.log(0.5);
    logPosterior[spanIndex(2, 2, 3)] = Math.log(0.5);
    expect(bruteExpectedIoU(logPosterior, 3, { start: 2, end: 2 })).toBe(0.5);
    expect(minimumRiskSpan(logPosterior, 3)).toMatchObject({ start: 0, end: 0, expectedIoU: 0.5, exact: true });
  });

  it("is the span itself, with expected IoU 1, when the posterior is a point mass", () => {
    const bars = 105;
    const logits = new Float32Array(bars).fill(-1e4);
    logits.fill(1e4, 30, 52);
    const logPosterior = softSpanLogPosterior(logits, 1, bars);
    const summary = summariseSpanPosterior(logPosterior, bars);
    expect(summary.mbr).toMatchObject({ start: 30, end: 51, expectedIoU: 1, exact: true });
    // The bound excludes almost every candidate of so sharp a posterior.
    expect(summary.mbr.evaluated).toBeLessThan(50);
    expect(summary.probabilityIoUAtLeastHalf).toBe(1);
    expect(summary.startInterval).toEqual({ lo: 30, hi: 30, mass: 1 });
    expect(summary.endInterval).toEqual({ lo: 51, hi: 51, mass: 1 });
    expect(summary.top[0]).toEqual({ start: 30, end: 51, probability: 1 });
    expect(summary.top[1]!.probability).toBe(0);
  });
});

describe("equalTailedInterval", () => {
  // Powers of two: every cumulative sum is exact, so the hand computation is the arithmetic.
  const distribution = [1 / 32, 1 / 32, 1 / 2, 3 / 8, 1 / 16];

  it("level 7/8: τ = 1/16; left mass before bar 2 is 1/16 (not > τ), right mass after bar 3 is 1/16 → [2, 3]", () => {
    expect(equalTailedInterval(distribution, 7 / 8)).toEqual({ lo: 2, hi: 3, mass: 7 / 8 });
  });

  it("level 0.9: τ = 0.05; 1/32 + 1/32 > τ puts lo at 1, 1/16 > τ keeps bar 4 → [1, 4], mass 31/32", () => {
    expect(equalTailedInterval(distribution, 0.9)).toEqual({ lo: 1, hi: 4, mass: 31 / 32 });
  });

  it("widens an interval whose tails sit exactly at τ when rounding leaves its mass an ulp under the level", () => {
    // Found by search: each side holds exactly τ, so [1, 1] is the equal-tailed interval, but 0.2466…/total
    // rounds below the level; the left neighbour (equal to the right one) is added.
    const side = 0.3766661487379843;
    const level = 0.24666770252403164;
    const masses = [side, level, side];
    const total = masses.reduce((a, b) => a + b, 0);
    expect(level / total).toBeLessThan(level);
    const interval = equalTailedInterval(masses, level);
    expect({ lo: interval.lo, hi: interval.hi }).toEqual({ lo: 0, hi: 1 });
    expect(interval.mass).toBeGreaterThanOrEqual(level);
  });

  it("level 1 spans the bars with mass; an unnormalised distribution is normalised", () => {
    expect(equalTailedInterval([0, 0, 2, 0, 6, 0], 1)).toEqual({ lo: 2, hi: 4, mass: 1 });
    expect(equalTailedInterval([0, 0, 2, 0, 6, 0], 0.5)).toEqual({ lo: 4, hi: 4, mass: 0.75 });
  });

  it("is equal-tailed, not highest-density: a bimodal mass keeps both modes", () => {
    expect(equalTailedInterval([0.45, 0, 0, 0, 0, 0.1, 0.45], 0.5)).toEqual({ lo: 0, hi: 6, mass: 1 });
  });

  it("holds at least the level, with at most (1 − level)/2 outside on each side, and is the tightest such", () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.constant(0), fc.double({ min: 1e-300, max: 1, noNaN: true })), { minLength: 1, maxLength: 105 }),
        fc.double({ min: 1e-6, max: 1, noNaN: true }),
        (masses, level) => {
          const total = masses.reduce((a, b) => a + b, 0);
          fc.pre(total > 0);
          const { lo, hi, mass } = equalTailedInterval(masses, level);
          expect(0 <= lo && lo <= hi && hi < masses.length).toBe(true);
          // Exactly, in float64: the reported mass is never below the level.
          expect(mass).toBeGreaterThanOrEqual(level);
          const tail = ((1 - level) * total) / 2;
          const leftOf = masses.slice(0, lo).reduce((a, b) => a + b, 0);
          const rightOf = masses.slice(hi + 1).reduce((a, b) => a + b, 0);
          // Widening for rounding only ever moves a bound by a hair's worth of mass.
          expect(leftOf).toBeLessThanOrEqual(tail * (1 + 1e-12) + 1e-300);
          expect(rightOf).toBeLessThanOrEqual(tail * (1 + 1e-12) + 1e-300);
          // Tightest: moving either bound inwards would leave more than τ outside on that side.
          if (lo < hi) {
            expect(leftOf + masses[lo]!).toBeGreaterThan(tail * (1 - 1e-12));
            expect(rightOf + masses[hi]!).toBeGreaterThan(tail * (1 - 1e-12));
          }
        },
      ),
      { seed: 37, numRuns: 300 },
    );
  });

  it("refuses a level outside (0, 1] and a distribution without mass", () => {
    expect(() => equalTailedInterval([1], 0)).toThrow("level must be in (0, 1], got 0");
    expect(() => equalTailedInterval([1], 1.5)).toThrow("got 1.5");
    expect(() => equalTailedInterval([0, 0], 0.9)).toThrow("no mass");
    expect(() => equalTailedInterval([0, -1], 0.9)).toThrow("mass -1 at bar 1");
  });
});

describe("topSpans", () => {
  it("breaks ties by span index (earlier start, then earlier end) and lists every span when k is larger", () => {
    const bars = 4;
    const uniform = new Float64Array(spanCount(bars)).fill(-Math.log(spanCount(bars)));
    expect(topSpans(uniform, bars, 3).map(({ start, end }) => [start, end])).toEqual([
      [0, 0],
      [0, 1],
      [0, 2],
    ]);
    const all = topSpans(uniform, bars, 50);
    expect(all.length).toBe(10);
    expect(all.map(({ start, end }) => spanIndex(start, end, bars))).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it("ranks spans whose probabilities underflow to 0 by their log-posterior", () => {
    const logPosterior = Float64Array.of(0, -2000, -1000);
    expect(topSpans(logPosterior, 2, 3).map(({ start, end }) => [start, end])).toEqual([
      [0, 0],
      [1, 1],
      [0, 1],
    ]);
  });

  it("refuses k that is not a positive integer and a posterior of the wrong size", () => {
    expect(() => topSpans(Float64Array.of(0), 1, 0)).toThrow("k must be a positive integer, got 0");
    expect(() => topSpans(Float64Array.of(0, 0), 2, 1)).toThrow("expected spanCount(2) = 3 values, got 2");
  });
});

describe("summariseSpanPosterior", () => {
  it("agrees with the separate summaries and stays finite at extreme CRF scores", () => {
    const bars = 105;
    const rng = new Rng(41);
    const emissions = Float32Array.from({ length: 2 * bars }, () => [1e4, -1e4, 0][rng.int(3)]!);
    const params: CrfParams = { start: Float32Array.of(0, 0), end: Float32Array.of(0, 0), transitions: Float32Array.of(0, -50, -50, 0) };
    for (const logPosterior of [crfSpanLogPosterior(emissions, 1, bars, params), randomPosterior(rng, bars, 0.5)]) {
      const summary = summariseSpanPosterior(logPosterior, bars, { topK: 7, level: 0.8 });
      const marginals = spanBoundaryMarginals(logPosterior, bars);
      expect(Array.from(summary.startMarginal)).toEqual(Array.from(marginals.start));
      expect(Math.abs(summary.startMarginal.reduce((a, b) => a + b, 0) - 1)).toBeLessThan(1e-12);
      expect(Math.abs(summary.endMarginal.reduce((a, b) => a + b, 0) - 1)).toBeLessThan(1e-12);
      expect(summary.startInterval).toEqual(equalTailedInterval(marginals.start, 0.8));
      expect(summary.endInterval).toEqual(equalTailedInterval(marginals.end, 0.8));
      expect(summary.top).toEqual(topSpans(logPosterior, bars, 7));
      expect(summary.mbr).toEqual(minimumRiskSpan(logPosterior, bars));
      expect(summary.probabilityIoUAtLeastHalf).toBe(probabilityIoUAtLeast(logPosterior, bars, summary.mbr));
      expect(Number.isFinite(summary.mbr.expectedIoU) && summary.mbr.expectedIoU > 0 && summary.mbr.expectedIoU <= 1 + 1e-12).toBe(true);
      expect(summary.probabilityIoUAtLeastHalf).toBeLessThanOrEqual(1 + 1e-12);
    }
  });

  it("refuses NaN in the log-posterior", () => {
    const logPosterior = new Float64Array(3);
    logPosterior[1] = Number.NaN;
    expect(() => summariseSpanPosterior(logPosterior, 2)).toThrow("log-probability NaN at span index 1");
  });
});
