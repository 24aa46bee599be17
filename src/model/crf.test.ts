/**
 * The CRF against brute force: every quantity (log Z, Viterbi path and score, marginals, NLL) is
 * recomputed by enumerating all Kᵀ tag paths for short sequences, and the NLL's gradient is checked
 * against central finite differences in float64.
 */

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { expectGradient } from "../../test/helpers/gradients.js";
import { Rng } from "../util/rng.js";
import { crfLogPartition, crfNegativeLogLikelihood, crfPathScore, crfPosteriorMarginals, crfViterbi, emissionSoftmax, type CrfParams } from "./crf.js";

function randomArray(rng: Rng, n: number, scale = 1): Float64Array {
  return Float64Array.from({ length: n }, () => rng.uniform(-scale, scale));
}

/** Integer-valued parameters in [−range, range]: sums are exact, so ties are real ties. */
function randomIntegerArray(rng: Rng, n: number, range: number): Float64Array {
  return Float64Array.from({ length: n }, () => rng.int(2 * range + 1) - range);
}

function randomParams(rng: Rng, k: number, scale = 1): CrfParams {
  return { start: randomArray(rng, k, scale), end: randomArray(rng, k, scale), transitions: randomArray(rng, k * k, scale) };
}

function randomTags(rng: Rng, n: number, k: number): Int32Array {
  return Int32Array.from({ length: n }, () => rng.int(k));
}

/** All Kᵀ tag paths of length T, path c in mixed radix (bar 0 is the most significant digit). */
function allPaths(bars: number, k: number): Uint8Array[] {
  const paths: Uint8Array[] = [];
  const total = k ** bars;
  for (let c = 0; c < total; c++) {
    const path = new Uint8Array(bars);
    let rest = c;
    for (let t = bars - 1; t >= 0; t--) {
      path[t] = rest % k;
      rest = Math.floor(rest / k);
    }
    paths.push(path);
  }
  return paths;
}

/** Score of one path, written out independently of the implementation. */
function bruteScore(emissions: Float64Array, b: number, bars: number, k: number, params: CrfParams, path: ArrayLike<number>): number {
  const e = (t: number, j: number): number => emissions[(b * bars + t) * k + j]!;
  let score = params.start[path[0]!]! + params.end[path[bars - 1]!]!;
  for (let t = 0; t < bars; t++) score += e(t, path[t]!);
  for (let t = 1; t < bars; t++) score += params.transitions[path[t - 1]! * k + path[t]!]!;
  return score;
}

interface Brute {
  logZ: number;
  bestScore: number;
  bestPath: Uint8Array;
  marginals: Float64Array; // (T, K)
}

/**
 * Enumerates every path of sequence b. The best path's tie rule is the documented one: among equal
 * scores, the path smallest when compared from the last bar backwards.
 */
function brute(emissions: Float64Array, b: number, bars: number, k: number, params: CrfParams): Brute {
  const paths = allPaths(bars, k);
  const scores = paths.map((p) => bruteScore(emissions, b, bars, k, params, p));
  const max = Math.max(...scores);
  const logZ = max + Math.log(scores.reduce((acc, s) => acc + Math.exp(s - max), 0));
  let bestIndex = 0;
  const reverseLexLess = (a: Uint8Array, c: Uint8Array): boolean => {
    for (let t = bars - 1; t >= 0; t--) if (a[t] !== c[t]) return a[t]! < c[t]!;
    return false;
  };
  for (let i = 1; i < paths.length; i++) {
    if (scores[i]! > scores[bestIndex]! || (scores[i] === scores[bestIndex] && reverseLexLess(paths[i]!, paths[bestIndex]!))) {
      bestIndex = i;
    }
  }
  const marginals = new Float64Array(bars * k);
  paths.forEach((p, i) => {
    const prob = Math.exp(scores[i]! - logZ);
    for (let t = 0; t < bars; t++) marginals[t * k + p[t]!]! += prob;
  });
  return { logZ, bestScore: scores[bestIndex]!, bestPath: paths[bestIndex]!, marginals };
}

/** Random sizes for the brute-force comparisons: Kᵀ ≤ 256 keeps each case to a few thousand adds. */
function randomCase(rng: Rng, k = 2, maxBars = 8, scale = 2) {
  const batch = 1 + rng.int(4);
  const bars = 1 + rng.int(maxBars);
  return { batch, bars, k, emissions: randomArray(rng, batch * bars * k, scale), params: randomParams(rng, k, scale) };
}

describe("crfLogPartition", () => {
  it("equals log Σ exp(score) over all 2^T paths (T ≤ 8, several seeds and batch sizes)", () => {
    for (let seed = 1; seed <= 12; seed++) {
      const rng = new Rng(seed);
      const { batch, bars, k, emissions, params } = randomCase(rng);
      const logZ = crfLogPartition(emissions, batch, bars, params);
      for (let b = 0; b < batch; b++) expect(logZ[b]).toBeCloseTo(brute(emissions, b, bars, k, params).logZ, 10);
    }
  });

  it("holds for K = 3 tags too (nothing assumes K = 2)", () => {
    const rng = new Rng(99);
    const { batch, bars, k, emissions, params } = randomCase(rng, 3, 5);
    const logZ = crfLogPartition(emissions, batch, bars, params);
    for (let b = 0; b < batch; b++) expect(logZ[b]).toBeCloseTo(brute(emissions, b, bars, k, params).logZ, 10);
  });

  it("stays finite and exact with emissions in the hundreds (log-sum-exp, no overflow)", () => {
    const rng = new Rng(5);
    const bars = 6;
    const emissions = randomArray(rng, bars * 2, 800);
    const params = randomParams(rng, 2, 300);
    const logZ = crfLogPartition(emissions, 1, bars, params)[0]!;
    expect(Number.isFinite(logZ)).toBe(true);
    expect(logZ).toBeCloseTo(brute(emissions, 0, bars, 2, params).logZ, 8);
  });

  it("shifts by c when c is added to every tag's emission at one bar (property)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 31 - 1 }), fc.double({ min: -50, max: 50, noNaN: true }), (seed, c) => {
        const rng = new Rng(seed);
        const { batch, bars, emissions, params } = randomCase(rng, 2, 20);
        const shifted = Float64Array.from(emissions);
        const t = rng.int(bars);
        for (let b = 0; b < batch; b++) for (let j = 0; j < 2; j++) shifted[(b * bars + t) * 2 + j]! += c;
        const before = crfLogPartition(emissions, batch, bars, params);
        const after = crfLogPartition(shifted, batch, bars, params);
        for (let b = 0; b < batch; b++) expect(after[b]! - before[b]!).toBeCloseTo(c, 8);
        // The per-bar posterior does not see a per-bar constant.
        const m0 = crfPosteriorMarginals(emissions, batch, bars, params);
        const m1 = crfPosteriorMarginals(shifted, batch, bars, params);
        for (let i = 0; i < m0.length; i++) expect(m1[i]).toBeCloseTo(m0[i]!, 5);
      }),
      { seed: 7, numRuns: 60 },
    );
  });

  it("lies between the Viterbi score and Viterbi score + T·ln K (property)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 31 - 1 }), fc.integer({ min: 1, max: 120 }), (seed, bars) => {
        const rng = new Rng(seed);
        const emissions = randomArray(rng, bars * 2, 5);
        const params = randomParams(rng, 2, 3);
        const logZ = crfLogPartition(emissions, 1, bars, params)[0]!;
        const best = crfViterbi(emissions, 1, bars, params).scores[0]!;
        expect(logZ).toBeGreaterThanOrEqual(best - 1e-9);
        expect(logZ).toBeLessThanOrEqual(best + bars * Math.LN2 + 1e-9);
      }),
      { seed: 11, numRuns: 80 },
    );
  });
});

describe("crfViterbi", () => {
  it("returns the brute-force best path and its score (T ≤ 8, several seeds)", () => {
    for (let seed = 20; seed < 32; seed++) {
      const rng = new Rng(seed);
      const { batch, bars, k, emissions, params } = randomCase(rng);
      const { tags, scores } = crfViterbi(emissions, batch, bars, params);
      for (let b = 0; b < batch; b++) {
        const expected = brute(emissions, b, bars, k, params);
        expect(Array.from(tags.subarray(b * bars, (b + 1) * bars))).toEqual(Array.from(expected.bestPath));
        expect(scores[b]).toBeCloseTo(expected.bestScore, 10);
      }
      // The reported score is the score of the reported path.
      const rescored = crfPathScore(emissions, tags, batch, bars, params);
      for (let b = 0; b < batch; b++) expect(scores[b]).toBeCloseTo(rescored[b]!, 10);
    }
  });

  it("matches brute force for K = 3", () => {
    const rng = new Rng(123);
    const { batch, bars, k, emissions, params } = randomCase(rng, 3, 5);
    const { tags } = crfViterbi(emissions, batch, bars, params);
    for (let b = 0; b < batch; b++) {
      expect(Array.from(tags.subarray(b * bars, (b + 1) * bars))).toEqual(Array.from(brute(emissions, b, bars, k, params).bestPath));
    }
  });

  it("breaks ties towards the lowest tag, read from the last bar backwards (integer scores, many ties)", () => {
    let casesWithTies = 0;
    for (let seed = 40; seed < 140; seed++) {
      const rng = new Rng(seed);
      const batch = 1 + rng.int(3);
      const bars = 1 + rng.int(7);
      const emissions = randomIntegerArray(rng, batch * bars * 2, 1);
      const params: CrfParams = {
        start: randomIntegerArray(rng, 2, 1),
        end: randomIntegerArray(rng, 2, 1),
        transitions: randomIntegerArray(rng, 4, 1),
      };
      const { tags, scores } = crfViterbi(emissions, batch, bars, params);
      for (let b = 0; b < batch; b++) {
        const expected = brute(emissions, b, bars, 2, params);
        expect(Array.from(tags.subarray(b * bars, (b + 1) * bars))).toEqual(Array.from(expected.bestPath));
        expect(scores[b]).toBe(expected.bestScore);
        const paths = allPaths(bars, 2);
        const nBest = paths.filter((p) => bruteScore(emissions, b, bars, 2, params, p) === expected.bestScore).length;
        if (nBest > 1) casesWithTies++;
      }
    }
    // The test only means something if ties actually occurred.
    expect(casesWithTies).toBeGreaterThan(20);
  });

  it("returns all tag 0 when every path scores the same", () => {
    const bars = 7;
    const zero: CrfParams = { start: new Float64Array(2), end: new Float64Array(2), transitions: new Float64Array(4) };
    const { tags, scores } = crfViterbi(new Float64Array(bars * 2), 1, bars, zero);
    expect(Array.from(tags)).toEqual(new Array(bars).fill(0));
    expect(scores[0]).toBe(0);
  });

  it("lets strong transitions overrule emissions (a bar that prefers tag 1 stays 0 inside a run of 0s)", () => {
    // Bar 2 prefers tag 1 by 1.0 but switching costs 5 each way: the best path stays all 0.
    const emissions = new Float64Array([0, -1, 0, -1, 0, 1, 0, -1, 0, -1]);
    const params: CrfParams = {
      start: new Float64Array(2),
      end: new Float64Array(2),
      transitions: new Float64Array([0, -5, -5, 0]),
    };
    expect(Array.from(crfViterbi(emissions, 1, 5, params).tags)).toEqual([0, 0, 0, 0, 0]);
    params.transitions[1] = 0;
    params.transitions[2] = 0;
    expect(Array.from(crfViterbi(emissions, 1, 5, params).tags)).toEqual([0, 0, 1, 0, 0]);
  });
});

describe("crfPosteriorMarginals", () => {
  it("equals the brute-force marginal p(tag 1 at t) (T ≤ 8, several seeds)", () => {
    for (let seed = 60; seed < 72; seed++) {
      const rng = new Rng(seed);
      const { batch, bars, k, emissions, params } = randomCase(rng);
      const p1 = crfPosteriorMarginals(emissions, batch, bars, params);
      const p0 = crfPosteriorMarginals(emissions, batch, bars, params, 0);
      for (let b = 0; b < batch; b++) {
        const expected = brute(emissions, b, bars, k, params).marginals;
        for (let t = 0; t < bars; t++) {
          expect(p1[b * bars + t]).toBeCloseTo(expected[t * k + 1]!, 6);
          expect(p0[b * bars + t]! + p1[b * bars + t]!).toBeCloseTo(1, 6);
        }
      }
    }
  });

  it("reduces to the emission softmax when start, end and transitions are zero, and differs otherwise", () => {
    const rng = new Rng(8);
    const batch = 3;
    const bars = 30;
    const emissions = randomArray(rng, batch * bars * 2, 2);
    const zero: CrfParams = { start: new Float64Array(2), end: new Float64Array(2), transitions: new Float64Array(4) };
    const softmax = emissionSoftmax(emissions, batch, bars);
    const independent = crfPosteriorMarginals(emissions, batch, bars, zero);
    for (let i = 0; i < softmax.length; i++) expect(independent[i]).toBeCloseTo(softmax[i]!, 6);

    const sticky: CrfParams = { start: new Float64Array(2), end: new Float64Array(2), transitions: new Float64Array([2, -2, -2, 2]) };
    const coupled = crfPosteriorMarginals(emissions, batch, bars, sticky);
    let maxGap = 0;
    for (let i = 0; i < softmax.length; i++) maxGap = Math.max(maxGap, Math.abs(coupled[i]! - softmax[i]!));
    expect(maxGap).toBeGreaterThan(0.1);
  });

  it("sums over a 105-bar window to the expected number of in-span bars, d log Z / d(all tag-1 emissions)", () => {
    const rng = new Rng(9);
    const bars = 105;
    const emissions = randomArray(rng, bars * 2, 3);
    const params = randomParams(rng, 2, 1);
    const p = crfPosteriorMarginals(emissions, 1, bars, params);
    const expectedCount = p.reduce((a, x) => a + x, 0);
    const h = 1e-5;
    const shift = (d: number): number => {
      const e = Float64Array.from(emissions);
      for (let t = 0; t < bars; t++) e[t * 2 + 1]! += d;
      return crfLogPartition(e, 1, bars, params)[0]!;
    };
    expect(expectedCount).toBeCloseTo((shift(h) - shift(-h)) / (2 * h), 4);
  });
});

describe("emissionSoftmax", () => {
  it("is the per-bar softmax of the emissions, sigmoid(e₁ − e₀) for K = 2", () => {
    // Bar 0: e = (0, 0) → 0.5. Bar 1: e = (1, 3) → 1/(1 + e^−2) = 0.880797. Bar 2: e = (2, 0) → 1/(1 + e²) = 0.119203.
    const p = emissionSoftmax(new Float64Array([0, 0, 1, 3, 2, 0]), 1, 3);
    expect(p[0]).toBeCloseTo(0.5, 6);
    expect(p[1]).toBeCloseTo(0.880797, 6);
    expect(p[2]).toBeCloseTo(0.119203, 6);
    // K = 3, tag 2: e = (0, ln 2, ln 3) → 3/6.
    expect(emissionSoftmax(new Float64Array([0, Math.LN2, Math.log(3)]), 1, 1, 3, 2)[0]).toBeCloseTo(0.5, 6);
  });
});

describe("crfNegativeLogLikelihood", () => {
  it("equals the batch mean of −log p(gold) by brute force, and is ≥ 0", () => {
    for (let seed = 80; seed < 92; seed++) {
      const rng = new Rng(seed);
      const { batch, bars, k, emissions, params } = randomCase(rng);
      const tags = randomTags(rng, batch * bars, k);
      const nll = crfNegativeLogLikelihood(emissions, tags, batch, bars, params);
      let expected = 0;
      for (let b = 0; b < batch; b++) {
        const gold = tags.subarray(b * bars, (b + 1) * bars);
        expected += brute(emissions, b, bars, k, params).logZ - bruteScore(emissions, b, bars, k, params, gold);
      }
      expect(nll).toBeCloseTo(expected / batch, 10);
      expect(nll).toBeGreaterThanOrEqual(0);
    }
  });

  it("accepts Uint8Array tags and float32 inputs, giving the same loss", () => {
    const rng = new Rng(3);
    const batch = 2;
    const bars = 10;
    const emissions = new Float32Array(randomArray(rng, batch * bars * 2, 2));
    const params = randomParams(rng, 2);
    const p32: CrfParams = { start: new Float32Array(params.start), end: new Float32Array(params.end), transitions: new Float32Array(params.transitions) };
    const tags = randomTags(rng, batch * bars, 2);
    const a = crfNegativeLogLikelihood(emissions, tags, batch, bars, p32);
    const b = crfNegativeLogLikelihood(Float64Array.from(emissions), Uint8Array.from(tags), batch, bars, p32);
    expect(a).toBe(b);
  });

  it("is near 0 when the gold path dominates and large when it is impossible-looking", () => {
    const bars = 5;
    const gold = new Uint8Array([0, 1, 1, 0, 0]);
    const emissions = new Float64Array(bars * 2);
    for (let t = 0; t < bars; t++) emissions[t * 2 + gold[t]!] = 30;
    const params: CrfParams = { start: new Float64Array(2), end: new Float64Array(2), transitions: new Float64Array(4) };
    expect(crfNegativeLogLikelihood(emissions, gold, 1, bars, params)).toBeLessThan(1e-9);
    const wrong = Uint8Array.from(gold, (y) => 1 - y);
    // Every bar is off by 30: NLL ≈ 5 × 30.
    expect(crfNegativeLogLikelihood(emissions, wrong, 1, bars, params)).toBeCloseTo(150, 6);
  });

  it("has the exact gradient: central finite differences in float64 for emissions, start, end, transitions", () => {
    for (let seed = 100; seed < 106; seed++) {
      const rng = new Rng(seed);
      const k = seed === 105 ? 3 : 2;
      const { batch, bars, emissions, params } = randomCase(rng, k, 7);
      const tags = randomTags(rng, batch * bars, k);
      const grads = {
        emissions: new Float64Array(emissions.length),
        start: new Float64Array(k),
        end: new Float64Array(k),
        transitions: new Float64Array(k * k),
      };
      crfNegativeLogLikelihood(emissions, tags, batch, bars, params, grads);
      const loss = (): number => crfNegativeLogLikelihood(emissions, tags, batch, bars, params);
      const check = { digits: 7, h: 1e-6 };
      expectGradient(emissions, grads.emissions, loss, { ...check, what: "emissions" });
      expectGradient(params.start, grads.start, loss, { ...check, what: "start" });
      expectGradient(params.end, grads.end, loss, { ...check, what: "end" });
      expectGradient(params.transitions, grads.transitions, loss, { ...check, what: "transitions" });
    }
  });

  it("has the exact gradient on a full 105-bar batch (spot checks)", () => {
    const rng = new Rng(77);
    const batch = 3;
    const bars = 105;
    const emissions = randomArray(rng, batch * bars * 2, 3);
    const params = randomParams(rng, 2, 0.5);
    const tags = new Uint8Array(batch * bars);
    tags.fill(1, 40, 47); // window 0: span [40, 46]
    tags.fill(1, bars + 0, bars + 3); // window 1: span [0, 2]
    tags.fill(1, 2 * bars + 100, 3 * bars); // window 2: span [100, 104]
    const grads = { emissions: new Float64Array(emissions.length), transitions: new Float64Array(4) };
    crfNegativeLogLikelihood(emissions, tags, batch, bars, params, grads);
    const loss = (): number => crfNegativeLogLikelihood(emissions, tags, batch, bars, params);
    const spots = [0, 81, 93, 210, 211, 500, 629];
    expectGradient(emissions, grads.emissions, loss, { digits: 7, h: 1e-6, indices: spots, what: "emissions" });
    expectGradient(params.transitions, grads.transitions, loss, { digits: 6, h: 1e-6, what: "transitions" });
  });

  it("adds into the gradient buffers rather than overwriting them", () => {
    const rng = new Rng(4);
    const { batch, bars, emissions, params } = randomCase(rng);
    const tags = randomTags(rng, batch * bars, 2);
    const once = { emissions: new Float64Array(emissions.length), start: new Float64Array(2), end: new Float64Array(2), transitions: new Float64Array(4) };
    crfNegativeLogLikelihood(emissions, tags, batch, bars, params, once);
    const twice = {
      emissions: new Float64Array(emissions.length).fill(1),
      start: new Float64Array(2).fill(1),
      end: new Float64Array(2).fill(1),
      transitions: new Float64Array(4).fill(1),
    };
    crfNegativeLogLikelihood(emissions, tags, batch, bars, params, twice);
    crfNegativeLogLikelihood(emissions, tags, batch, bars, params, twice);
    for (const key of ["emissions", "start", "end", "transitions"] as const) {
      once[key].forEach((g, i) => {
        expect(twice[key][i]).toBeCloseTo(1 + 2 * g, 12);
      });
    }
  });

  it("sums emission gradients per bar to zero and start/end gradients to zero (probabilities minus one-hots)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 31 - 1 }), (seed) => {
        const rng = new Rng(seed);
        const { batch, bars, emissions, params } = randomCase(rng, 2, 30);
        const tags = randomTags(rng, batch * bars, 2);
        const grads = { emissions: new Float64Array(emissions.length), start: new Float64Array(2), end: new Float64Array(2), transitions: new Float64Array(4) };
        crfNegativeLogLikelihood(emissions, tags, batch, bars, params, grads);
        for (let r = 0; r < batch * bars; r++) expect(Math.abs(grads.emissions[2 * r]! + grads.emissions[2 * r + 1]!)).toBeLessThan(1e-12);
        expect(Math.abs(grads.start[0]! + grads.start[1]!)).toBeLessThan(1e-12);
        expect(Math.abs(grads.end[0]! + grads.end[1]!)).toBeLessThan(1e-12);
        // Expected and gold transition counts both total T − 1 per sequence.
        expect(Math.abs(grads.transitions.reduce((a, g) => a + g, 0))).toBeLessThan(1e-10);
      }),
      { seed: 13, numRuns: 50 },
    );
  });

  it("rejects mismatched shapes and out-of-range tags", () => {
    const params: CrfParams = { start: new Float64Array(2), end: new Float64Array(2), transitions: new Float64Array(4) };
    expect(() => crfNegativeLogLikelihood(new Float64Array(10), new Uint8Array(5), 1, 4, params)).toThrow(/emissions length/);
    expect(() => crfNegativeLogLikelihood(new Float64Array(8), new Uint8Array(3), 1, 4, params)).toThrow(/tags length/);
    expect(() => crfNegativeLogLikelihood(new Float64Array(8), new Uint8Array([0, 1, 2, 0]), 1, 4, params)).toThrow(/tag 2/);
    expect(() => crfLogPartition(new Float64Array(8), 1, 4, { ...params, transitions: new Float64Array(3) })).toThrow(/transitions/);
    expect(() => crfNegativeLogLikelihood(new Float64Array(8), new Uint8Array(4), 1, 4, params, { emissions: new Float64Array(7) })).toThrow(
      /gradient buffer emissions/,
    );
  });
});
