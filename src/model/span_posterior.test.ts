/**
 * The span posteriors against brute force (docs/spec.md §12): for T ≤ 10 every one of the 2ᵀ tag paths
 * is enumerated, the single-run ones kept and scored independently (crfPathScore for the CRF, the
 * product Π p · Π (1 − p) in log space for the soft head), normalised, and compared span by span. Then
 * stability at scores ±1e4, the span index, and the contract every registered head keeps.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Rng } from "../util/rng.js";
import { crfPathScore, type CrfParams } from "./crf.js";
import { SPAN_HEADS, spanHead } from "./heads/registry.js";
import { ParameterSet } from "./parameters.js";
import type { SpanHeadContext } from "./span_head.js";
import { spanAt, spanCount, spanIndex, spanStartOffset } from "./span_index.js";
import { crfSpanLogPosterior, normaliseSpanLogScores, softSpanLogPosterior } from "./span_posterior.js";

/** Every tag path of length T with exactly one run of 1s, as [start, end] and its 0/1 tags. */
function singleRunPaths(bars: number): { start: number; end: number; tags: Int32Array }[] {
  const out: { start: number; end: number; tags: Int32Array }[] = [];
  for (let code = 0; code < 2 ** bars; code++) {
    const tags = Int32Array.from({ length: bars }, (_, t) => (code >> t) & 1);
    let runs = 0;
    for (let t = 0; t < bars; t++) if (tags[t] === 1 && (t === 0 || tags[t - 1] === 0)) runs++;
    if (runs !== 1) continue;
    const start = tags.indexOf(1);
    const end = tags.lastIndexOf(1);
    out.push({ start, end, tags });
  }
  return out;
}

/** Normalises brute-force log scores by a log-sum-exp written out separately. */
function normalised(scores: number[]): number[] {
  const max = Math.max(...scores);
  const logZ = max + Math.log(scores.reduce((sum, s) => sum + Math.exp(s - max), 0));
  return scores.map((s) => s - logZ);
}

function softplus(x: number): number {
  return Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
}

/** Brute-force span log-posterior of the CRF, laid out by spanIndex. */
function bruteCrf(emissions: Float32Array, bars: number, params: CrfParams): Float64Array {
  const paths = singleRunPaths(bars);
  const logs = normalised(paths.map((path) => crfPathScore(emissions, path.tags, 1, bars, params)[0]!));
  const out = new Float64Array(spanCount(bars)).fill(Number.NaN);
  paths.forEach((path, i) => {
    out[spanIndex(path.start, path.end, bars)] = logs[i]!;
  });
  return out;
}

/** Brute-force soft span log-posterior: Σ_{in} log p + Σ_{out} log(1 − p), p = sigmoid(z). */
function bruteSoft(logits: Float32Array, bars: number): Float64Array {
  const paths = singleRunPaths(bars);
  const scores = paths.map((path) => {
    let score = 0;
    for (let t = 0; t < bars; t++) score += path.tags[t] === 1 ? -softplus(-logits[t]!) : -softplus(logits[t]!);
    return score;
  });
  const logs = normalised(scores);
  const out = new Float64Array(spanCount(bars)).fill(Number.NaN);
  paths.forEach((path, i) => {
    out[spanIndex(path.start, path.end, bars)] = logs[i]!;
  });
  return out;
}

function randomParams(rng: Rng, scale: number): CrfParams {
  const draw = (n: number) => Float32Array.from({ length: n }, () => rng.uniform(-scale, scale));
  return { start: draw(2), end: draw(2), transitions: draw(4) };
}

function expectClose(actual: Float64Array, expected: Float64Array, tolerance: number): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < actual.length; i++) {
    expect(Number.isFinite(expected[i]!), `brute force covers span index ${i}`).toBe(true);
    expect(Math.abs(actual[i]! - expected[i]!), `span ${JSON.stringify(spanAt(i, Math.round((Math.sqrt(8 * actual.length + 1) - 1) / 2)))}`).toBeLessThan(
      tolerance,
    );
  }
}

/** Σ exp over one window's log-posterior, in float64. */
function totalMass(values: Float64Array, offset: number, count: number): number {
  let sum = 0;
  for (let i = offset; i < offset + count; i++) sum += Math.exp(values[i]!);
  return sum;
}

describe("span index", () => {
  it("counts T(T + 1)/2 spans and orders them start-major, by increasing end", () => {
    expect(spanCount(105)).toBe(5565);
    expect(spanCount(1)).toBe(1);
    const bars = 7;
    let expected = 0;
    for (let s = 0; s < bars; s++) {
      expect(spanStartOffset(s, bars)).toBe(expected);
      for (let e = s; e < bars; e++) {
        expect(spanIndex(s, e, bars)).toBe(expected);
        expect(spanAt(expected, bars)).toEqual({ start: s, end: e });
        expected++;
      }
    }
    expect(expected).toBe(spanCount(bars));
    expect(spanStartOffset(bars, bars)).toBe(spanCount(bars));
  });

  it("refuses spans outside the window and indices outside the spans", () => {
    expect(() => spanIndex(3, 2, 5)).toThrow("0 ≤ start ≤ end < 5, got [3, 2]");
    expect(() => spanIndex(0, 5, 5)).toThrow("got [0, 5]");
    expect(() => spanAt(15, 5)).toThrow("[0, 15), got 15");
    expect(() => spanCount(0)).toThrow("bars must be a positive integer, got 0");
  });
});

describe("crfSpanLogPosterior", () => {
  it("equals the brute force over every single-run tag path, T = 1…10", () => {
    const rng = new Rng(3);
    for (let bars = 1; bars <= 10; bars++) {
      const params = randomParams(rng, 2);
      const emissions = Float32Array.from({ length: bars * 2 }, () => rng.uniform(-3, 3));
      expectClose(crfSpanLogPosterior(emissions, 1, bars, params), bruteCrf(emissions, bars, params), 1e-9);
    }
  });

  it("treats each window of a batch on its own", () => {
    const rng = new Rng(5);
    const bars = 8;
    const params = randomParams(rng, 1);
    const emissions = Float32Array.from({ length: 3 * bars * 2 }, () => rng.normal());
    const all = crfSpanLogPosterior(emissions, 3, bars, params);
    const count = spanCount(bars);
    for (let b = 0; b < 3; b++) {
      const alone = crfSpanLogPosterior(emissions.subarray(b * bars * 2, (b + 1) * bars * 2), 1, bars, params);
      expect(Array.from(all.subarray(b * count, (b + 1) * count))).toEqual(Array.from(alone));
    }
  });

  it("does not change when a constant is added to both emissions of a bar (every path gains it)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2 ** 31 - 1 }),
        fc.integer({ min: 1, max: 12 }),
        fc.double({ min: -20, max: 20, noNaN: true }),
        (seed, bars, shift) => {
          const rng = new Rng(seed);
          const params = randomParams(rng, 1);
          const emissions = Float32Array.from({ length: bars * 2 }, () => rng.uniform(-2, 2));
          const shifted = Float32Array.from(emissions);
          const bar = rng.int(bars);
          shifted[2 * bar] = shifted[2 * bar]! + shift;
          shifted[2 * bar + 1] = shifted[2 * bar + 1]! + shift;
          const a = crfSpanLogPosterior(emissions, 1, bars, params);
          const b = crfSpanLogPosterior(shifted, 1, bars, params);
          // float32 rounding of the shifted emissions bounds the difference.
          for (let i = 0; i < a.length; i++) expect(Math.abs(a[i]! - b[i]!)).toBeLessThan(1e-4);
        },
      ),
      { seed: 17, numRuns: 60 },
    );
  });

  it("needs K = 2 tags and emissions of B × T × 2", () => {
    const params = randomParams(new Rng(1), 1);
    expect(() => crfSpanLogPosterior(new Float32Array(9), 1, 5, params)).toThrow("scores length 9 ≠ B 1 × T 5 × 2");
    const three = { start: new Float32Array(3), end: new Float32Array(3), transitions: new Float32Array(9) };
    expect(() => crfSpanLogPosterior(new Float32Array(15), 1, 5, three)).toThrow("needs K = 2 tags, got 3");
  });
});

describe("softSpanLogPosterior", () => {
  it("equals the brute-force product Π p · Π (1 − p) over every single-run path, T = 1…10", () => {
    const rng = new Rng(4);
    for (let bars = 1; bars <= 10; bars++) {
      const logits = Float32Array.from({ length: bars }, () => rng.uniform(-6, 6));
      expectClose(softSpanLogPosterior(logits, 1, bars), bruteSoft(logits, bars), 1e-9);
    }
  });

  it("is the CRF's span posterior with emissions (0, z) and no start, end or transition scores", () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: -30, max: 30, noNaN: true }), { minLength: 1, maxLength: 40 }), (values) => {
        const logits = Float32Array.from(values);
        const emissions = new Float32Array(2 * logits.length);
        logits.forEach((z, t) => {
          emissions[2 * t + 1] = z;
        });
        const zero = { start: new Float32Array(2), end: new Float32Array(2), transitions: new Float32Array(4) };
        const soft = softSpanLogPosterior(logits, 1, logits.length);
        const crf = crfSpanLogPosterior(emissions, 1, logits.length, zero);
        for (let i = 0; i < soft.length; i++) expect(Math.abs(soft[i]! - crf[i]!)).toBeLessThan(1e-9);
      }),
      { seed: 19, numRuns: 80 },
    );
  });

  it("refuses NaN scores, naming the window", () => {
    const logits = new Float32Array(2 * 4);
    logits[6] = Number.NaN;
    expect(() => softSpanLogPosterior(logits, 2, 4)).toThrow("window 1 has a span score of NaN");
  });
});

describe("stability at extreme scores", () => {
  const bars = 105;
  const count = spanCount(bars);
  const cases: [string, (t: number, rng: Rng) => number][] = [
    ["all 0", () => 0],
    ["all +1e4", () => 1e4],
    ["all −1e4", () => -1e4],
    ["±1e4 at random", (_t, rng) => (rng.int(2) === 0 ? 1e4 : -1e4)],
    ["±1e4, 0 and tiny at random", (_t, rng) => [1e4, -1e4, 0, 1e-30][rng.int(4)]!],
  ];

  it.each(cases)("soft and CRF with scores %s: finite, Σ P = 1 within 1e-12", (_name, score) => {
    const rng = new Rng(11);
    const logits = Float32Array.from({ length: 2 * bars }, (_, t) => score(t, rng));
    const emissions = Float32Array.from({ length: 2 * bars * 2 }, (_, t) => score(t, rng));
    const params: CrfParams = { start: Float32Array.of(1e4, -1e4), end: Float32Array.of(0, 1e4), transitions: Float32Array.of(-1e4, 1e4, 0, -1e4) };
    for (const posterior of [softSpanLogPosterior(logits, 2, bars), crfSpanLogPosterior(emissions, 2, bars, params)]) {
      for (let b = 0; b < 2; b++) {
        let bad = 0;
        for (let i = b * count; i < (b + 1) * count; i++) if (Number.isNaN(posterior[i]!) || !(posterior[i]! <= 0)) bad++;
        expect(bad).toBe(0);
        expect(Math.abs(totalMass(posterior, b * count, count) - 1)).toBeLessThan(1e-12);
      }
    }
  });

  it("puts all the mass on the one bar a +1e4 logit marks among −1e4 logits", () => {
    const logits = new Float32Array(bars).fill(-1e4);
    logits[40] = 1e4;
    const posterior = softSpanLogPosterior(logits, 1, bars);
    expect(posterior[spanIndex(40, 40, bars)]).toBe(0);
    expect(posterior[spanIndex(40, 41, bars)]).toBeCloseTo(-1e4, 6);
  });

  it("normalises a large common offset without rounding it into the result", () => {
    const values = Float64Array.of(1e15, 1e15, 1e15 - 1);
    normaliseSpanLogScores(values, 0, 3);
    expect(Math.abs(totalMass(values, 0, 3) - 1)).toBeLessThan(1e-15);
    expect(values[0]).toBe(values[1]);
    expect(values[0]! - values[2]!).toBe(1);
  });

  it("refuses a window where every span scores −∞", () => {
    expect(() => normaliseSpanLogScores(Float64Array.of(-Infinity, -Infinity), 0, 2, 4)).toThrow("window 4 gives every span a score of −∞");
  });
});

function headSetup(name: string, batch: number, bars: number) {
  const head = spanHead(name);
  const rng = new Rng(23);
  const parameters = new ParameterSet(head.parameterSpecs());
  parameters.initialise(rng);
  const scores = Float32Array.from({ length: batch * bars * head.width }, () => rng.normal(0, 2));
  const context: SpanHeadContext = { batch, bars, parameters, posWeight: 1 };
  return { head, parameters, scores, context, probabilities: head.probabilities(scores, context) };
}

describe.each(SPAN_HEADS.map((head) => head.name))("span head %s: spanLogPosterior", (name) => {
  it("gives (B, spanCount(T)) finite log-probabilities summing to 1 per window", () => {
    const { head, scores, context, probabilities } = headSetup(name, 3, 9);
    const posterior = head.spanLogPosterior(scores, probabilities, context);
    const count = spanCount(9);
    expect(posterior.length).toBe(3 * count);
    for (let b = 0; b < 3; b++) {
      for (let i = b * count; i < (b + 1) * count; i++) expect(Number.isFinite(posterior[i]!)).toBe(true);
      expect(Math.abs(totalMass(posterior, b * count, count) - 1)).toBeLessThan(1e-12);
    }
  });
});

describe("the soft and CRF heads' span posteriors", () => {
  it("are the kernels over the heads' own scores and parameters, and peak at the heads' single span", () => {
    const bars = 9;
    for (const name of ["soft", "crf"]) {
      const { head, scores, context, probabilities, parameters } = headSetup(name, 2, bars);
      const posterior = head.spanLogPosterior(scores, probabilities, context);
      const expected =
        name === "soft"
          ? bruteSoft(scores.subarray(0, bars), bars)
          : bruteCrf(scores.subarray(0, 2 * bars), bars, {
              start: parameters.value("crf.start_transitions"),
              end: parameters.value("crf.end_transitions"),
              transitions: parameters.value("crf.transitions"),
            });
      expectClose(posterior.subarray(0, spanCount(bars)), expected, 1e-9);
      // The single-span decoders pick the highest-scoring single run: the posterior's mode.
      const spans = head.singleSpans(scores, probabilities, context);
      for (let b = 0; b < 2; b++) {
        const window = posterior.subarray(b * spanCount(bars), (b + 1) * spanCount(bars));
        let mode = 0;
        for (let i = 1; i < window.length; i++) if (window[i]! > window[mode]!) mode = i;
        expect(spanAt(mode, bars), `${name} window ${b}`).toEqual({ start: spans[b]!.start, end: spans[b]!.end });
      }
    }
  });
});
