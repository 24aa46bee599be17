/**
 * Both single-span decoders against brute force over all T(T+1)/2 spans — exact argmax (including the
 * documented tie rule, exercised with integer scores) and score — plus the run helpers.
 */

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Rng } from "../util/rng.js";
import { crfPathScore, crfViterbi, type CrfParams } from "./crf.js";
import {
  decodeCrfSpan,
  decodeCrfSpans,
  decodeSoftSpan,
  decodeSoftSpans,
  filterRunsByLength,
  maxScoringRun,
  removeShortRuns,
  runsFromMask,
  spanLogOdds,
  type DecodedSpan,
} from "./span_decoding.js";

interface Candidate {
  start: number;
  end: number;
  score: number;
}

/**
 * The brute-force argmax over all spans under the documented tie rule: highest score, then earliest
 * end, then latest start.
 */
function bruteBest(bars: number, score: (s: number, e: number) => number): Candidate {
  let best: Candidate | undefined;
  for (let e = 0; e < bars; e++) {
    for (let s = e; s >= 0; s--) {
      const c = { start: s, end: e, score: score(s, e) };
      const better =
        best === undefined || c.score > best.score || (c.score === best.score && (c.end < best.end || (c.end === best.end && c.start > best.start)));
      if (better) best = c;
    }
  }
  return best!;
}

function sumScore(xs: ArrayLike<number>): (s: number, e: number) => number {
  return (s, e) => {
    let total = 0;
    for (let t = s; t <= e; t++) total += xs[t]!;
    return total;
  };
}

function spanTags(start: number, end: number, bars: number): Uint8Array {
  const tags = new Uint8Array(bars);
  tags.fill(1, start, end + 1);
  return tags;
}

function crfSpanScore(emissions: Float64Array, bars: number, params: CrfParams): (s: number, e: number) => number {
  return (s, e) => crfPathScore(emissions, spanTags(s, e, bars), 1, bars, params)[0]!;
}

function expectSpan(actual: DecodedSpan, expected: Candidate, digits = 10): void {
  expect([actual.start, actual.end]).toEqual([expected.start, expected.end]);
  expect(actual.score).toBeCloseTo(expected.score, digits);
}

function randomArray(rng: Rng, n: number, scale: number): Float64Array {
  return Float64Array.from({ length: n }, () => rng.uniform(-scale, scale));
}

describe("maxScoringRun (Kadane)", () => {
  it("finds the brute-force best run on random scores (T ≤ 12)", () => {
    for (let seed = 1; seed <= 200; seed++) {
      const rng = new Rng(seed);
      const bars = 1 + rng.int(12);
      // Shift the mean around so some cases are all negative and some all positive.
      const bias = rng.uniform(-2, 1);
      const xs = Float64Array.from({ length: bars }, () => rng.normal(bias, 1));
      expectSpan(maxScoringRun(xs), bruteBest(bars, sumScore(xs)));
    }
  });

  it("follows the tie rule (earliest end, then latest start) on integer scores (property)", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -2, max: 2 }), { minLength: 1, maxLength: 12 }), (xs) => {
        expectSpan(maxScoringRun(xs), bruteBest(xs.length, sumScore(xs)));
      }),
      { seed: 17, numRuns: 500 },
    );
  });

  it("returns the single best bar when every score is negative, and leaves out zero-evidence bars", () => {
    expect(maxScoringRun([-3, -1, -2, -1])).toEqual({ start: 1, end: 1, score: -1 });
    // Zeros around the positive run add nothing: the tightest run [2, 3] is returned.
    expect(maxScoringRun([0, 0, 2, 1, 0, 0])).toEqual({ start: 2, end: 3, score: 3 });
    // Two equal runs: the earlier end wins.
    expect(maxScoringRun([1, -5, 1])).toEqual({ start: 0, end: 0, score: 1 });
  });
});

describe("decodeSoftSpan", () => {
  it("maximises the summed log-odds over all spans (brute force, T ≤ 12)", () => {
    for (let seed = 300; seed < 400; seed++) {
      const rng = new Rng(seed);
      const bars = 1 + rng.int(12);
      const p = Float64Array.from({ length: bars }, () => (rng.bernoulli(0.7) ? rng.uniform(0, 0.4) : rng.uniform(0.3, 1)));
      const logOdds = Array.from(p, (q) => Math.log(q / (1 - q)));
      expectSpan(decodeSoftSpan(p), bruteBest(bars, sumScore(logOdds)), 8);
    }
  });

  it("picks the in-span block of a clear window and the single best bar of a flat-low one", () => {
    const p = new Float32Array(105).fill(0.05);
    p.fill(0.9, 40, 47);
    p[20] = 0.6; // an isolated weak positive outside: log-odds 0.405, far below the 7-bar block (7 × 2.197)
    const span = decodeSoftSpan(p);
    expect([span.start, span.end]).toEqual([40, 46]);
    const low = new Float32Array(105).fill(0.01);
    low[77] = 0.2;
    const single = decodeSoftSpan(low);
    expect([single.start, single.end]).toEqual([77, 77]);
    expect(single.score).toBeCloseTo(Math.log(0.2 / 0.8), 6);
  });

  it("keeps p = 0 and p = 1 finite through the loss's clamp", () => {
    const odds = spanLogOdds([0, 1, 0.5]);
    expect(odds[0]).toBeCloseTo(-16.118, 2);
    expect(odds[1]).toBeCloseTo(15.942, 2); // 1 − 2⁻²³ is the float32 upper clamp
    expect(odds[2]).toBe(0);
    expect(decodeSoftSpan([0, 1, 1, 0])).toMatchObject({ start: 1, end: 2 });
  });

  it("decodes a (B, T) batch window by window", () => {
    const p = new Float32Array([0.1, 0.9, 0.1, 0.8, 0.1, 0.1]);
    expect(decodeSoftSpans(p, 2, 3).map((s) => [s.start, s.end])).toEqual([
      [1, 1],
      [0, 0],
    ]);
    expect(() => decodeSoftSpans(p, 2, 4)).toThrow(/length/);
  });
});

describe("decodeCrfSpans", () => {
  it("returns the best single-run path and its CRF score (brute force over all spans, T ≤ 12)", () => {
    for (let seed = 500; seed < 600; seed++) {
      const rng = new Rng(seed);
      const batch = 1 + rng.int(3);
      const bars = 1 + rng.int(12);
      const emissions = randomArray(rng, batch * bars * 2, 2);
      const params: CrfParams = { start: randomArray(rng, 2, 1), end: randomArray(rng, 2, 1), transitions: randomArray(rng, 4, 1.5) };
      const spans = decodeCrfSpans(emissions, batch, bars, params);
      for (let b = 0; b < batch; b++) {
        const one = emissions.slice(b * bars * 2, (b + 1) * bars * 2);
        expectSpan(spans[b]!, bruteBest(bars, crfSpanScore(one, bars, params)));
      }
    }
  });

  it("follows the tie rule on integer scores, where ties are common", () => {
    let ties = 0;
    for (let seed = 600; seed < 900; seed++) {
      const rng = new Rng(seed);
      const bars = 1 + rng.int(10);
      const int = (n: number): Float64Array => Float64Array.from({ length: n }, () => rng.int(3) - 1);
      const emissions = int(bars * 2);
      const params: CrfParams = { start: int(2), end: int(2), transitions: int(4) };
      const score = crfSpanScore(emissions, bars, params);
      const expected = bruteBest(bars, score);
      const span = decodeCrfSpan(emissions, bars, params);
      expect([span.start, span.end]).toEqual([expected.start, expected.end]);
      expect(span.score).toBe(expected.score);
      let nBest = 0;
      for (let e = 0; e < bars; e++) for (let s = 0; s <= e; s++) if (score(s, e) === expected.score) nBest++;
      if (nBest > 1) ties++;
    }
    expect(ties).toBeGreaterThan(50); // ties really were exercised
  });

  it("agrees with unconstrained Viterbi whenever Viterbi's path is a single run", () => {
    let singleRun = 0;
    for (let seed = 900; seed < 1000; seed++) {
      const rng = new Rng(seed);
      const bars = 105;
      const emissions = new Float64Array(bars * 2);
      const s = rng.int(100);
      const e = Math.min(bars - 1, s + rng.int(10));
      for (let t = 0; t < bars; t++) {
        const inSpan = t >= s && t <= e;
        emissions[t * 2] = rng.normal(inSpan ? -1 : 1, 0.8);
        emissions[t * 2 + 1] = rng.normal(inSpan ? 1 : -1, 0.8);
      }
      const params: CrfParams = { start: new Float64Array([0.5, -0.5]), end: new Float64Array([0.5, -0.5]), transitions: new Float64Array([1, -2, -2, 1]) };
      const viterbi = crfViterbi(emissions, 1, bars, params);
      const runs = runsFromMask(viterbi.tags);
      const span = decodeCrfSpan(emissions, bars, params);
      if (runs.length === 1) {
        singleRun++;
        expect([span.start, span.end]).toEqual(runs[0]);
        expect(span.score).toBeCloseTo(viterbi.scores[0]!, 9);
      } else {
        // The constraint can only cost score.
        expect(span.score).toBeLessThanOrEqual(viterbi.scores[0]! + 1e-9);
      }
    }
    expect(singleRun).toBeGreaterThan(50);
  });

  it("returns a run even when the unconstrained best path has no 1s at all", () => {
    // Every bar prefers tag 0; bar 3 dislikes tag 1 least. Viterbi: all 0. Constrained: [3, 3].
    const emissions = new Float64Array([0, -5, 0, -4, 0, -3, 0, -1, 0, -6]);
    const params: CrfParams = { start: new Float64Array(2), end: new Float64Array(2), transitions: new Float64Array(4) };
    expect(Array.from(crfViterbi(emissions, 1, 5, params).tags)).toEqual([0, 0, 0, 0, 0]);
    expect(decodeCrfSpan(emissions, 5, params)).toEqual({ start: 3, end: 3, score: -1 });
  });

  it("needs K = 2 and consistent shapes", () => {
    const k3: CrfParams = { start: new Float64Array(3), end: new Float64Array(3), transitions: new Float64Array(9) };
    expect(() => decodeCrfSpans(new Float64Array(9), 1, 3, k3)).toThrow(/K = 2/);
    const k2: CrfParams = { start: new Float64Array(2), end: new Float64Array(2), transitions: new Float64Array(4) };
    expect(() => decodeCrfSpans(new Float64Array(9), 1, 3, k2)).toThrow(/emissions length/);
  });
});

describe("runs", () => {
  it("extracts maximal runs, including at both edges", () => {
    expect(runsFromMask([1, 1, 0, 0, 1, 0, 1, 1, 1])).toEqual([
      [0, 1],
      [4, 4],
      [6, 8],
    ]);
    expect(runsFromMask([0, 0, 0])).toEqual([]);
    expect(runsFromMask([true, true])).toEqual([[0, 1]]);
    expect(runsFromMask([])).toEqual([]);
  });

  it("round-trips: painting the runs back gives the mask, and runs are separated by gaps (property)", () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(0, 1), { maxLength: 40 }), (mask) => {
        const runs = runsFromMask(mask);
        const painted = new Array(mask.length).fill(0);
        for (const [s, e] of runs) for (let t = s; t <= e; t++) painted[t] = 1;
        expect(painted).toEqual(mask);
        for (let i = 1; i < runs.length; i++) expect(runs[i]![0]).toBeGreaterThan(runs[i - 1]![1] + 1);
      }),
      { seed: 23, numRuns: 300 },
    );
  });

  it("filters runs by minimum length", () => {
    const runs = runsFromMask([1, 0, 1, 1, 0, 1, 1, 1]);
    expect(filterRunsByLength(runs, 2)).toEqual([
      [2, 3],
      [5, 7],
    ]);
    expect(filterRunsByLength(runs, 3)).toEqual([[5, 7]]);
    expect(filterRunsByLength(runs, 1)).toEqual(runs);
  });

  it("removes short runs from a mask, never joining runs across windows", () => {
    expect(Array.from(removeShortRuns([1, 0, 1, 1, 0, 1, 1, 1], 2))).toEqual([0, 0, 1, 1, 0, 1, 1, 1]);
    // Two windows of 3 bars: [0 1 1 | 1 1 0]. As one sequence the run has 4 bars; per window, 2 each.
    const mask = [0, 1, 1, 1, 1, 0];
    expect(Array.from(removeShortRuns(mask, 3))).toEqual([0, 1, 1, 1, 1, 0]);
    expect(Array.from(removeShortRuns(mask, 3, 3))).toEqual([0, 0, 0, 0, 0, 0]);
    expect(Array.from(removeShortRuns(mask, 2, 3))).toEqual([0, 1, 1, 1, 1, 0]);
    expect(() => removeShortRuns(mask, 2, 4)).toThrow(/multiple/);
  });
});
