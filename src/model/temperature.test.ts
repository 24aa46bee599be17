/**
 * A head at temperature T divides every path's score by T: checked for every registered head through the
 * log-odds of any two spans (which must shrink by exactly 1/T), against brute force for the CRF, and by
 * recovering a known temperature from spans drawn at it.
 */
import { describe, expect, it } from "vitest";
import { fitTemperature } from "../eval/recalibration.js";
import { Rng } from "../util/rng.js";
import { crfPathScore } from "./crf.js";
import { crfParameters } from "./heads/crf.js";
import { SPAN_HEADS, spanHead } from "./heads/registry.js";
import { ParameterSet } from "./parameters.js";
import type { SpanHeadContext } from "./span_head.js";
import { spanAt, spanCount, spanIndex } from "./span_index.js";
import {
  probabilitiesAtTemperature,
  spanLogPosteriorAtTemperature,
  temperLogPosterior,
  trueSpanLikelihoodDerivatives,
  trueSpanNegativeLogLikelihood,
} from "./temperature.js";

function setup(name: string, batch: number, bars: number, seed = 3) {
  const head = spanHead(name);
  const rng = new Rng(seed);
  const parameters = new ParameterSet(head.parameterSpecs());
  parameters.initialise(rng);
  // Own parameters away from their small initial values, so that scaling them matters.
  for (const spec of head.parameterSpecs()) {
    const values = parameters.value(spec.name);
    for (let k = 0; k < values.length; k++) values[k] = rng.normal();
  }
  const scores = Float32Array.from({ length: batch * bars * head.width }, () => 2 * rng.normal());
  const context: SpanHeadContext = { batch, bars, parameters, posWeight: 1 };
  return { head, scores, context };
}

describe.each(SPAN_HEADS.map((head) => head.name))("span head %s at a temperature", (name) => {
  it("is the head itself at T = 1, and divides the log-odds of any two spans by T", () => {
    const { head, scores, context } = setup(name, 2, 9);
    const own = head.spanLogPosterior(scores, head.probabilities(scores, context), context);
    expect(Array.from(spanLogPosteriorAtTemperature(head, scores, context, 1))).toEqual(Array.from(own));
    const count = spanCount(9);
    for (const temperature of [0.5, 2, 7]) {
      const tempered = spanLogPosteriorAtTemperature(head, scores, context, temperature);
      for (let b = 0; b < 2; b++) {
        const reference = b * count; // span [0, 0]
        for (let k = 1; k < count; k++) {
          const odds = own[b * count + k]! - own[reference]!;
          // float32 scores divided by T round once more than the float64 log-odds: 1e-5 relative.
          expect(tempered[b * count + k]! - tempered[reference]!).toBeCloseTo(odds / temperature, 4);
        }
      }
    }
  });

  it("tempers its T = 1 posterior to the posterior of its scaled scores and parameters", () => {
    const { head, scores, context } = setup(name, 2, 9);
    const own = head.spanLogPosterior(scores, head.probabilities(scores, context), context);
    for (const temperature of [0.4, 3]) {
      const scaled = spanLogPosteriorAtTemperature(head, scores, context, temperature);
      const tempered = temperLogPosterior(own, 9, temperature);
      for (const [k, value] of scaled.entries()) expect(tempered[k]!).toBeCloseTo(value, 4);
    }
  });

  it("gives per-bar probabilities in [0, 1], flatter as T grows", () => {
    const { head, scores, context } = setup(name, 2, 9);
    const spread = (p: Float32Array) => p.reduce((sum, v) => sum + Math.abs(v - 0.5), 0);
    const sharp = probabilitiesAtTemperature(head, scores, context, 0.5);
    const flat = probabilitiesAtTemperature(head, scores, context, 10);
    for (const p of [...sharp, ...flat]) expect(p >= 0 && p <= 1).toBe(true);
    expect(spread(flat)).toBeLessThan(spread(sharp));
  });
});

describe("the CRF at a temperature", () => {
  it("equals the brute-force single-span posterior of every path score divided by T", () => {
    const bars = 7;
    const { head, scores, context } = setup("crf", 1, bars, 11);
    const temperature = 2.5;
    const tempered = spanLogPosteriorAtTemperature(head, scores, context, temperature);
    const logScores = Array.from({ length: spanCount(bars) }, (_, k) => {
      const { start, end } = spanAt(k, bars);
      const tags = Int32Array.from({ length: bars }, (_, t) => (t >= start && t <= end ? 1 : 0));
      return crfPathScore(scores, tags, 1, bars, crfParameters(context.parameters))[0]! / temperature;
    });
    const max = Math.max(...logScores);
    const logZ = max + Math.log(logScores.reduce((sum, s) => sum + Math.exp(s - max), 0));
    for (const [k, s] of logScores.entries()) expect(tempered[k]!).toBeCloseTo(s - logZ, 5);
  });
});

describe("fitting the temperature", () => {
  it("recovers the temperature the true spans were drawn at", () => {
    const windows = 600;
    const bars = 10;
    const { head, scores, context } = setup("crf", windows, bars, 5);
    const drawnAt = 2;
    const posterior = spanLogPosteriorAtTemperature(head, scores, context, drawnAt);
    const rng = new Rng(9);
    const count = spanCount(bars);
    const truth = Array.from({ length: windows }, (_, b) => {
      let u = rng.uniform(0, 1);
      for (let k = 0; k < count; k++) {
        u -= Math.exp(posterior[b * count + k]!);
        if (u <= 0) return spanAt(k, bars);
      }
      return spanAt(count - 1, bars);
    });
    const own = spanLogPosteriorAtTemperature(head, scores, context, 1);
    const fitted = fitTemperature((t) => trueSpanNegativeLogLikelihood(own, bars, truth, t));
    expect(fitted.temperature).toBeGreaterThan(1.7);
    expect(fitted.temperature).toBeLessThan(2.3);
    expect(fitted.negativeLogLikelihood).toBeLessThan(fitted.negativeLogLikelihoodAtOne);
    // The NLL is that of the span drawn: −log P(truth).
    const first = truth[0]!;
    const one = trueSpanNegativeLogLikelihood(own.subarray(0, count), bars, [first], drawnAt);
    expect(one).toBeCloseTo(-posterior[spanIndex(first.start, first.end, bars)]!, 9);
  });
});

describe("the true-span likelihood's derivatives in 1/T", () => {
  it("match finite differences of the NLL, and Newton finds the golden-section minimum", async () => {
    const { fitTemperatureByNewton } = await import("../eval/recalibration.js");
    const windows = 200;
    const bars = 8;
    const { head, scores, context } = setup("crf", windows, bars, 21);
    const own = spanLogPosteriorAtTemperature(head, scores, context, 1);
    const rng = new Rng(4);
    const truth = Array.from({ length: windows }, () => {
      const start = Math.floor(rng.uniform(0, bars));
      return { start, end: Math.min(bars - 1, start + Math.floor(rng.uniform(0, 3))) };
    });
    const nll = (beta: number) => trueSpanNegativeLogLikelihood(own, bars, truth, 1 / beta);
    for (const beta of [0.3, 1, 2.5]) {
      const d = trueSpanLikelihoodDerivatives(own, bars, truth, beta);
      const h = 1e-4;
      expect(d.value).toBeCloseTo(nll(beta), 10);
      expect(d.first).toBeCloseTo((nll(beta + h) - nll(beta - h)) / (2 * h), 6);
      expect(d.second).toBeCloseTo((nll(beta + h) - 2 * nll(beta) + nll(beta - h)) / (h * h), 3);
    }
    const newton = fitTemperatureByNewton((beta) => trueSpanLikelihoodDerivatives(own, bars, truth, beta));
    const golden = fitTemperature((t) => trueSpanNegativeLogLikelihood(own, bars, truth, t));
    expect(newton.temperature).toBeCloseTo(golden.temperature, 4);
    expect(newton.evaluations).toBeLessThan(golden.evaluations / 2);
  });
});
