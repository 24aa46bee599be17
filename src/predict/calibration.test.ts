/**
 * Calibration does what it is for: a head three times too confident (its scores ×3 of the distribution
 * the true spans are drawn from) gets a temperature near 3, and its 90% boundary intervals, which cover
 * far less than 90% of fresh windows' true boundaries before, cover as much as the true model's after. The maps are fitted
 * on one set of windows and scored on another.
 */
import { describe, expect, it } from "vitest";
import { spanHead } from "../model/heads/registry.js";
import type { Inference } from "../model/inference.js";
import { ParameterSet } from "../model/parameters.js";
import type { SpanHeadContext } from "../model/span_head.js";
import { spanAt, spanCount } from "../model/span_index.js";
import { Rng } from "../util/rng.js";
import { applySpanCalibration, evaluateSpanCalibration, fitSpanCalibration } from "./calibration.js";

const bars = 16;

/** `windows` windows whose true spans are drawn from the CRF at scores `base`, seen by a head at scores `sharpness × base`. */
function overconfident(windows: number, sharpness: number, seed: number) {
  const head = spanHead("crf");
  const rng = new Rng(seed);
  const parameters = new ParameterSet(head.parameterSpecs());
  parameters.initialise(rng);
  const base = Float32Array.from({ length: windows * bars * 2 }, () => 1.5 * rng.normal());
  const truthContext: SpanHeadContext = { batch: windows, bars, parameters, posWeight: 1 };
  const truthPosterior = head.spanLogPosterior(base, head.probabilities(base, truthContext), truthContext);
  const count = spanCount(bars);
  const truth = Array.from({ length: windows }, (_, w) => {
    let u = rng.uniform(0, 1);
    for (let k = 0; k < count; k++) {
      u -= Math.exp(truthPosterior[w * count + k]!);
      if (u <= 0) return spanAt(k, bars);
    }
    return spanAt(count - 1, bars);
  });
  // The head: every score and its own parameters × sharpness.
  const sharp = new ParameterSet(head.parameterSpecs());
  for (const spec of head.parameterSpecs()) sharp.value(spec.name).set(parameters.value(spec.name).map((v) => v * sharpness));
  const context: SpanHeadContext = { batch: windows, bars, parameters: sharp, posWeight: 1 };
  const spanScores = base.map((v) => v * sharpness);
  const inference: Inference = {
    windows,
    bars,
    probabilities: head.probabilities(spanScores, context),
    readings: {},
    paths: {},
    singleSpans: [],
    spanPosteriors: [],
    spanScores,
    classLogits: new Float32Array(0),
    pointers: new Float32Array(0),
  };
  return { head, context, inference, truth };
}

describe("span calibration", () => {
  it("finds the overconfidence and restores the 90% intervals' coverage on other windows", () => {
    const fit = overconfident(400, 3, 1);
    const calibration = fitSpanCalibration(fit.head, fit.context, fit.inference, fit.truth);
    expect(calibration.windows).toBe(400);
    expect(calibration.temperature.temperature).toBeGreaterThan(2.5);
    expect(calibration.temperature.temperature).toBeLessThan(3.5);
    const scored = overconfident(400, 3, 2);
    const evaluation = evaluateSpanCalibration(calibration, scored.head, scored.context, scored.inference, scored.truth);
    expect(evaluation.coverage.startBefore.rate).toBeLessThan(0.8);
    expect(evaluation.coverage.endBefore.rate).toBeLessThan(0.8);
    // An equal-tailed interval of a discrete marginal holds at least 90% (often more), so even the true
    // model's intervals cover a little more than 90%: calibration must bring the head's coverage to the true
    // model's on the same windows, from far below it.
    const oracle = overconfident(400, 1, 2);
    const truthCoverage = evaluateSpanCalibration(calibration, oracle.head, oracle.context, oracle.inference, oracle.truth).coverage;
    const pairs = [
      [evaluation.coverage.startBefore, evaluation.coverage.startAfter, truthCoverage.startBefore],
      [evaluation.coverage.endBefore, evaluation.coverage.endAfter, truthCoverage.endBefore],
    ] as const;
    for (const [before, after, truth] of pairs) {
      expect(truth.rate).toBeGreaterThanOrEqual(0.9);
      expect(before.rate).toBeLessThan(truth.rate - 0.1);
      expect(Math.abs(after.rate - truth.rate)).toBeLessThanOrEqual(0.02);
      expect(after.total).toBe(400);
    }
    // Per-bar and span-level confidence come out better calibrated than they went in.
    expect(evaluation.bars.eceAfter).toBeLessThan(evaluation.bars.eceBefore);
    expect(evaluation.spans.eceAfter).toBeLessThan(evaluation.spans.eceBefore);
  });

  it("leaves a calibrated head near T = 1", () => {
    const fit = overconfident(400, 1, 3);
    const calibration = fitSpanCalibration(fit.head, fit.context, fit.inference, fit.truth);
    expect(Math.abs(calibration.temperature.temperature - 1)).toBeLessThan(0.2);
  });

  it("gives calibrated probabilities in [0, 1] and needs the inference's span scores", () => {
    const fit = overconfident(50, 2, 4);
    const calibration = fitSpanCalibration(fit.head, fit.context, fit.inference, fit.truth);
    const applied = applySpanCalibration(calibration, fit.head, fit.context, fit.inference);
    for (const p of applied.barProbabilities) expect(p >= 0 && p <= 1).toBe(true);
    for (const window of applied.windows) expect(window.spanConfidence >= 0 && window.spanConfidence <= 1).toBe(true);
    const withoutScores = { ...fit.inference, spanScores: new Float32Array(0) };
    expect(() => fitSpanCalibration(fit.head, fit.context, withoutScores, fit.truth)).toThrow("needs the inference's span scores");
  });
});
