/**
 * The segment CRF against brute force (docs/spec.md §13): for windows of up to 10 bars, every quantity —
 * path score, log Z, NLL, per-bar marginals, expected counts, semi-Markov Viterbi, the best single span and
 * the exactly-one-span posterior — is recomputed by enumerating all 2^T tag paths, for several bounds L
 * (1, short, T and beyond T), for scores of unit scale and of large magnitude, and the NLL's gradient is
 * checked against the brute-force expectations and against central finite differences.
 */
import { describe, expect, it } from "vitest";
import { allSegmentPaths, bruteSegmentCrf, bruteSegmentScore } from "../../test/helpers/segment_brute_force.js";
import { expectGradientWithin } from "../../test/helpers/gradients.js";
import { Rng } from "../util/rng.js";
import { segmentCrfLogPartition, segmentCrfNegativeLogLikelihood, segmentCrfPathScore, segmentCrfPosteriorMarginals } from "./segment_crf.js";
import { segmentCrfSingleSpans, segmentCrfSpanLogPosterior, segmentCrfViterbi } from "./segment_crf_decoding.js";
import { spanCount, spanIndex } from "./span_index.js";

function uniform(rng: Rng, n: number, scale: number): Float64Array {
  return Float64Array.from({ length: n }, () => rng.uniform(-scale, scale));
}

/** A random case: batch 1–3, T bars, L from {1, 2, ⌈T/2⌉, T, T + 2}, scores U(±scale). */
function randomCase(seed: number, bars: number, scale: number) {
  const rng = new Rng(seed);
  const batch = 1 + rng.int(3);
  const bounds = [1, 2, Math.ceil(bars / 2), bars, bars + 2];
  const maxLength = bounds[rng.int(bounds.length)]!;
  const scores = uniform(rng, batch * bars * 4, scale);
  const lengthScores = uniform(rng, maxLength, scale);
  // A gold path that the bound allows: a random path among the valid ones.
  const valid = allSegmentPaths(bars, maxLength);
  const tags = new Uint8Array(batch * bars);
  for (let b = 0; b < batch; b++) tags.set(valid[rng.int(valid.length)]!, b * bars);
  return { rng, batch, bars, maxLength, scores, lengthScores, tags };
}

/** |a − b| ≤ tolerance · max(1, |b|). */
function expectClose(actual: number, expected: number, tolerance: number, what: string): void {
  expect(Math.abs(actual - expected), `${what}: ${actual} vs ${expected}`).toBeLessThanOrEqual(tolerance * Math.max(1, Math.abs(expected)));
}

const SIZES = [1, 2, 3, 5, 8, 10];
const SCALES = [1, 4, 1e3];

describe("the segment CRF against all 2^T tag paths", () => {
  for (const scale of SCALES) {
    it(`gives log Z, the NLL, path scores, marginals and expected counts (T ≤ 10, scores U(±${scale}))`, () => {
      for (const [i, bars] of SIZES.entries()) {
        for (let repeat = 0; repeat < 3; repeat++) {
          const { batch, scores, lengthScores, tags } = randomCase(100 * i + repeat + 1, bars, scale);
          const logZ = segmentCrfLogPartition(scores, batch, bars, lengthScores);
          const pathScores = segmentCrfPathScore(scores, tags, batch, bars, lengthScores);
          const marginals = segmentCrfPosteriorMarginals(scores, batch, bars, lengthScores);
          const gradScores = new Float64Array(scores.length);
          const gradLength = new Float64Array(lengthScores.length);
          const nll = segmentCrfNegativeLogLikelihood(scores, tags, batch, bars, lengthScores, { scores: gradScores, lengthScores: gradLength });
          let bruteNll = 0;
          const expectedLength = new Float64Array(lengthScores.length);
          for (let b = 0; b < batch; b++) {
            const brute = bruteSegmentCrf(scores, lengthScores, b, bars);
            const gold = tags.subarray(b * bars, (b + 1) * bars);
            const goldScore = bruteSegmentScore(scores, lengthScores, b, bars, gold);
            expectClose(logZ[b]!, brute.logZ, 1e-12, `log Z, T ${bars}, window ${b}`);
            expectClose(pathScores[b]!, goldScore, 1e-12, `path score, T ${bars}`);
            bruteNll += (brute.logZ - goldScore) / batch;
            for (let t = 0; t < bars; t++) {
              expect(Math.abs(marginals[b * bars + t]! - brute.inSpan[t]!), `p(in) bar ${t}`).toBeLessThan(1e-6);
            }
            // ∂NLL/∂scores = (expected − gold indicators)/B.
            for (let t = 0; t < bars; t++) {
              const runStart = gold[t] === 1 && (t === 0 || gold[t - 1] !== 1);
              const runEnd = gold[t] === 1 && (t === bars - 1 || gold[t + 1] !== 1);
              const indicators = [gold[t] === 1 ? 0 : 1, gold[t] === 1 ? 1 : 0, runStart ? 1 : 0, runEnd ? 1 : 0];
              for (let c = 0; c < 4; c++) {
                const expected = (brute.expectedScores[t * 4 + c]! - indicators[c]!) / batch;
                expect(Math.abs(gradScores[(b * bars + t) * 4 + c]! - expected), `gradient bar ${t} channel ${c}`).toBeLessThan(1e-12);
              }
            }
            for (let k = 0; k < lengthScores.length; k++) expectedLength[k]! += brute.expectedLengths[k]! / batch;
            let runStart = -1;
            for (let t = 0; t < bars; t++) {
              if (gold[t] === 1 && runStart < 0) runStart = t;
              if (gold[t] === 1 && (t === bars - 1 || gold[t + 1] !== 1)) {
                expectedLength[t - runStart]! -= 1 / batch;
                runStart = -1;
              }
            }
          }
          expectClose(nll, bruteNll, 1e-12, `NLL, T ${bars}`);
          expect(nll).toBeGreaterThanOrEqual(-1e-9);
          for (let k = 0; k < lengthScores.length; k++) expect(Math.abs(gradLength[k]! - expectedLength[k]!), `length ${k + 1}`).toBeLessThan(1e-12);
        }
      }
    });

    it(`decodes the best path, the best single span and the single-span posterior (T ≤ 10, scores U(±${scale}))`, () => {
      for (const [i, bars] of SIZES.entries()) {
        for (let repeat = 0; repeat < 3; repeat++) {
          const { batch, scores, lengthScores, maxLength } = randomCase(1000 + 100 * i + repeat, bars, scale);
          const viterbi = segmentCrfViterbi(scores, batch, bars, lengthScores);
          const singles = segmentCrfSingleSpans(scores, batch, bars, lengthScores);
          const posterior = segmentCrfSpanLogPosterior(scores, batch, bars, lengthScores);
          const count = spanCount(bars);
          expect(posterior.length).toBe(batch * count);
          for (let b = 0; b < batch; b++) {
            const brute = bruteSegmentCrf(scores, lengthScores, b, bars);
            expect(Array.from(viterbi.tags.subarray(b * bars, (b + 1) * bars)), `Viterbi, T ${bars}, L ${maxLength}`).toEqual(Array.from(brute.bestPath));
            expectClose(viterbi.scores[b]!, brute.bestScore, 1e-12, "Viterbi score");
            expect({ start: singles[b]!.start, end: singles[b]!.end }).toEqual({ start: brute.single.start, end: brute.single.end });
            expectClose(singles[b]!.score, brute.single.score, 1e-12, "single-span score");
            let total = 0;
            for (let s = 0; s < bars; s++) {
              for (let e = s; e < bars; e++) {
                const actual = posterior[b * count + spanIndex(s, e, bars)]!;
                const expected = brute.spanLogPosterior.get(`${s},${e}`)!;
                if (expected === -Infinity) expect(actual).toBe(-Infinity);
                else expectClose(actual, expected, 1e-10, `log p([${s}, ${e}])`);
                total += Math.exp(actual);
              }
            }
            expect(total).toBeCloseTo(1, 12);
          }
        }
      }
    });
  }

  it("stays finite and exact with scores of ±1e4 over a full window's worth of length scores", () => {
    const rng = new Rng(3);
    const bars = 10;
    const scores = uniform(rng, bars * 4, 1e4);
    const lengthScores = uniform(rng, 105, 1e4);
    const brute = bruteSegmentCrf(scores, lengthScores, 0, bars);
    expectClose(segmentCrfLogPartition(scores, 1, bars, lengthScores)[0]!, brute.logZ, 1e-13, "log Z");
    const marginals = segmentCrfPosteriorMarginals(scores, 1, bars, lengthScores);
    for (let t = 0; t < bars; t++) expect(Math.abs(marginals[t]! - brute.inSpan[t]!)).toBeLessThan(1e-6);
    // A 105-bar window of ±1e4 scores: every output finite, probabilities in [0, 1], posterior normalised.
    const long = Float32Array.from(uniform(rng, 2 * 105 * 4, 1e4));
    const lengths = Float32Array.from(uniform(rng, 105, 1e4));
    const tags = new Uint8Array(2 * 105).fill(1, 30, 60).fill(1, 150, 151);
    const gradient = new Float32Array(long.length);
    const nll = segmentCrfNegativeLogLikelihood(long, tags, 2, 105, lengths, { scores: gradient });
    expect(Number.isFinite(nll) && nll >= 0).toBe(true);
    expect(gradient.every(Number.isFinite)).toBe(true);
    for (const p of segmentCrfPosteriorMarginals(long, 2, 105, lengths)) expect(p >= 0 && p <= 1).toBe(true);
    const posterior = segmentCrfSpanLogPosterior(long, 2, 105, lengths);
    for (let b = 0; b < 2; b++) {
      const row = posterior.subarray(b * spanCount(105), (b + 1) * spanCount(105));
      expect(row.reduce((sum, v) => sum + Math.exp(v), 0)).toBeCloseTo(1, 10);
    }
  });

  it("breaks ties as documented (integer scores with many ties): Viterbi from the last bar backwards, single span earliest end then latest start", () => {
    let viterbiTies = 0;
    for (let seed = 1; seed <= 150; seed++) {
      const rng = new Rng(seed);
      const bars = 1 + rng.int(7);
      const maxLength = 1 + rng.int(bars + 1);
      const scores = Float64Array.from({ length: bars * 4 }, () => rng.int(3) - 1);
      const lengthScores = Float64Array.from({ length: maxLength }, () => rng.int(3) - 1);
      const brute = bruteSegmentCrf(scores, lengthScores, 0, bars);
      const paths = allSegmentPaths(bars, maxLength);
      if (paths.filter((path) => bruteSegmentScore(scores, lengthScores, 0, bars, path) === brute.bestScore).length > 1) viterbiTies++;
      expect(Array.from(segmentCrfViterbi(scores, 1, bars, lengthScores).tags)).toEqual(Array.from(brute.bestPath));
      const single = segmentCrfSingleSpans(scores, 1, bars, lengthScores)[0]!;
      expect([single.start, single.end]).toEqual([brute.single.start, brute.single.end]);
    }
    expect(viterbiTies).toBeGreaterThan(20);
    // All scores zero: every path ties, and the lowest tags win — nothing in span.
    expect(Array.from(segmentCrfViterbi(new Float64Array(6 * 4), 1, 6, new Float64Array(6)).tags)).toEqual([0, 0, 0, 0, 0, 0]);
  });
});

describe("segmentCrfNegativeLogLikelihood's gradient", () => {
  it("matches central differences with respect to every score and length score (float64, T = 9, two spans)", () => {
    const rng = new Rng(17);
    const batch = 2;
    const bars = 9;
    const scores = uniform(rng, batch * bars * 4, 2);
    const lengthScores = uniform(rng, 6, 2);
    const tags = Uint8Array.from([0, 1, 1, 0, 0, 1, 1, 1, 0, 1, 0, 0, 0, 0, 0, 1, 1, 1]);
    const gradScores = new Float64Array(scores.length);
    const gradLength = new Float64Array(lengthScores.length);
    segmentCrfNegativeLogLikelihood(scores, tags, batch, bars, lengthScores, { scores: gradScores, lengthScores: gradLength });
    const loss = () => segmentCrfNegativeLogLikelihood(scores, tags, batch, bars, lengthScores);
    expectGradientWithin(scores, gradScores, loss, { h: 1e-5, tolerance: 1e-7, what: "scores" });
    expectGradientWithin(lengthScores, gradLength, loss, { h: 1e-5, tolerance: 1e-7, what: "length scores" });
  });

  it("adds into the buffers and accepts float32 scores (the model's layout)", () => {
    const rng = new Rng(4);
    const bars = 105;
    const scores = Float32Array.from(uniform(rng, bars * 4, 3));
    const lengthScores = new Float32Array(105);
    const tags = new Uint8Array(bars).fill(1, 40, 47);
    const once = new Float32Array(scores.length);
    segmentCrfNegativeLogLikelihood(scores, tags, 1, bars, lengthScores, { scores: once });
    const twice = Float32Array.from(once);
    segmentCrfNegativeLogLikelihood(scores, tags, 1, bars, lengthScores, { scores: twice });
    for (let i = 0; i < once.length; i++) expect(twice[i]).toBeCloseTo(2 * once[i]!, 6);
    // Each bar is out or in: the two channels' gradients sum to zero (p(out) + p(in) = 1, one gold tag).
    for (let t = 0; t < bars; t++) expect(Math.abs(once[t * 4]! + once[t * 4 + 1]!)).toBeLessThan(1e-6);
  });
});

describe("the segment CRF's checks", () => {
  it("refuses a gold run longer than L, a tag other than 0/1 and mis-sized buffers, naming them", () => {
    const scores = new Float64Array(5 * 4);
    expect(() => segmentCrfNegativeLogLikelihood(scores, Uint8Array.from([0, 1, 1, 1, 0]), 1, 5, new Float64Array(2))).toThrow(
      /window 0 has an in-span run of more than L = 2 bars/,
    );
    expect(() => segmentCrfPathScore(scores, Uint8Array.from([0, 2, 0, 0, 0]), 1, 5, new Float64Array(2))).toThrow(/tag 2 at window 0, bar 1/);
    expect(() => segmentCrfLogPartition(new Float64Array(19), 1, 5, new Float64Array(2))).toThrow(/scores length 19 ≠ B 1 × T 5 × 4/);
    expect(() => segmentCrfLogPartition(scores, 1, 5, new Float64Array(0))).toThrow(/L ≥ 1/);
    expect(() => segmentCrfNegativeLogLikelihood(scores, new Uint8Array(5), 1, 5, new Float64Array(2), { lengthScores: new Float64Array(3) })).toThrow(
      /gradient buffer lengthScores has length 3, expected 2/,
    );
  });
});
