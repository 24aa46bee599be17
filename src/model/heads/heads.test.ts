/**
 * The contract every registered span head keeps, checked head by head: a new objective added to the
 * registry is held to the same tests without writing new ones.
 */
import { describe, expect, it } from "vitest";
import { spanTargetsBatch } from "../../nn/losses.js";
import { Rng } from "../../util/rng.js";
import { ParameterSet } from "../parameters.js";
import type { SpanHeadContext } from "../span_head.js";
import { SPAN_HEADS, SPAN_OBJECTIVES, spanHead } from "./registry.js";

const batch = 2;
const bars = 6;

function setup(name: string) {
  const head = spanHead(name);
  const rng = new Rng(7);
  const parameters = new ParameterSet(head.parameterSpecs());
  parameters.initialise(rng);
  // Scores of a moderate scale, so every bar's probability is away from 0 and 1.
  const scores = Float32Array.from({ length: batch * bars * head.width }, () => rng.normal());
  const targets = spanTargetsBatch([1, 3], [2, 5], bars);
  const context: SpanHeadContext = { batch, bars, parameters, posWeight: 2.5 };
  return { head, parameters, scores, targets, context };
}

describe("the span head registry", () => {
  it("names every head once and refuses an unknown name, listing the known ones", () => {
    expect(new Set(SPAN_OBJECTIVES).size).toBe(SPAN_HEADS.length);
    expect(() => spanHead("beam")).toThrow(`unknown span objective "beam"; known: ${SPAN_OBJECTIVES.join(", ")}`);
  });
});

describe.each(SPAN_OBJECTIVES)("span head %s", (name) => {
  it("gives the exact gradient of its loss with respect to the scores and its own parameters", () => {
    const { head, parameters, scores, targets, context } = setup(name);
    const scoreGradients = new Float32Array(scores.length);
    parameters.zeroGradients();
    const loss = head.loss(scores, targets, context, scoreGradients);
    loss.addParameterGradients?.(1);
    const value = () => head.loss(scores, targets, context).value;
    const step = 1e-2;
    const check = (values: Float32Array, analytic: Float32Array, what: string) => {
      for (let i = 0; i < values.length; i++) {
        const saved = values[i]!;
        values[i] = saved + step;
        const up = value();
        values[i] = saved - step;
        const down = value();
        values[i] = saved;
        const numeric = (up - down) / (2 * step);
        expect(Math.abs(analytic[i]! - numeric), `${what}[${i}]`).toBeLessThan(1e-4 + 1e-3 * Math.abs(numeric));
      }
    };
    check(scores, scoreGradients, "scores");
    for (const entry of parameters.entries) check(parameters.value(entry.name), parameters.gradient(entry.name), entry.name);
    // The task weight scales the head's own gradients linearly.
    const once = Float32Array.from(parameters.gradients);
    parameters.zeroGradients();
    head.loss(scores, targets, context, new Float32Array(scores.length)).addParameterGradients?.(3);
    parameters.gradients.forEach((g, i) => {
      expect(g).toBeCloseTo(3 * once[i]!, 5);
    });
  });

  it("gives probabilities in [0, 1], one span per window inside it, 0/1 paths and readings in [0, 1]", () => {
    const { head, scores, context } = setup(name);
    const p = head.probabilities(scores, context);
    expect(p.length).toBe(batch * bars);
    for (const value of p) expect(value >= 0 && value <= 1).toBe(true);
    const spans = head.singleSpans(scores, p, context);
    expect(spans).toHaveLength(batch);
    for (const span of spans) expect(0 <= span.start && span.start <= span.end && span.end < bars).toBe(true);
    for (const decoder of head.pathDecoders) {
      const tags = decoder.decode(scores, context);
      expect(tags.length).toBe(batch * bars);
      for (const tag of tags) expect(tag === 0 || tag === 1).toBe(true);
    }
    for (const reading of head.probabilityReadings) {
      for (const value of reading.compute(scores, context)) expect(value >= 0 && value <= 1).toBe(true);
    }
  });

  it("declares decoders that exist and words for every report field", () => {
    const { head } = setup(name);
    const keys = [head.thresholdDecoder.key, ...head.pathDecoders.map((d) => d.key), ...head.probabilityReadings.map((r) => r.decoder)];
    expect(new Set(keys).size).toBe(keys.length);
    expect(head.nativeDecoder === "threshold" || head.pathDecoders.some((d) => d.key === head.nativeDecoder)).toBe(true);
    for (const text of [head.label, head.shortLabel, head.column, head.logStem, head.summary, head.probabilityDescription, head.inferenceComplexity]) {
      expect(text.length).toBeGreaterThan(0);
    }
  });
});
