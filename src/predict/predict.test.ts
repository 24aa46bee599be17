/**
 * predictWindows against the model and decoders it wraps: every field is recomputed here from an
 * independent forward of the same features, for a seeded soft and CRF model, across batch sizes.
 */
import { crfParameters } from "../model/heads/crf.js";
import { spanHead } from "../model/heads/registry.js";
import { describe, expect, it } from "vitest";
import { makeWindow, makeWindows } from "../../test/fixtures/data/windows.js";
import { computeWindowFeatures } from "../features/index.js";
import { crfPosteriorMarginals, crfViterbi, emissionSoftmax } from "../model/crf.js";
import { JadeCompact } from "../model/jade_compact.js";
import { decodeCrfSpans, decodeSoftSpans } from "../model/span_decoding.js";
import { summariseSpanPosterior } from "../model/span_posterior_summary.js";
import { Rng } from "../util/rng.js";
import { CLASS_NAMES, decodingDescription, predictWindows, summarizePredictions, type WindowPrediction } from "./predict.js";

const WINDOWS = makeWindows(5);
const BARS = 105;

function seededModel(loss: string, features = 12): JadeCompact {
  const model = new JadeCompact({ head: spanHead(loss), maxBatch: 4, dims: { features, hidden: 96, projection: 64, classes: 3 } });
  model.initialise(new Rng(loss === "crf" ? 11 : 12));
  return model;
}

/** A single-window forward of window `w`, copied: the reference each prediction is checked against. */
function singleForward(model: JadeCompact, w: number, position = false) {
  const { tensor } = computeWindowFeatures([WINDOWS[w]!], { position });
  const outputs = model.forward(tensor, 1, { training: false });
  return {
    classLogits: outputs.classLogits.slice(),
    pointers: outputs.pointers.slice(),
    spanScores: outputs.spanScores.slice(),
    probabilities: model.spanProbabilities(outputs),
  };
}

function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

describe.each(["soft", "crf"] as const)("predictWindows (%s head)", (loss) => {
  const model = seededModel(loss);
  // 5 windows in batches of 4 + 1: the batching and the last partial batch are exercised.
  const predictions = predictWindows(model, WINDOWS);

  it("gives one prediction per window, in order, with per-bar arrays of 105 and the truth", () => {
    expect(predictions.map((p) => p.window_id)).toEqual(WINDOWS.map((w) => w.window_id));
    predictions.forEach((p, w) => {
      expect(p.label).toBe(WINDOWS[w]!.label);
      expect(p.true_span).toEqual({ start: WINDOWS[w]!.expansion_start, end: WINDOWS[w]!.expansion_end });
      expect(p.probabilities).toHaveLength(BARS);
      expect(p.threshold_path).toHaveLength(BARS);
      for (const value of p.probabilities) expect(value >= 0 && value <= 1).toBe(true);
      if (loss === "crf") {
        expect(p.viterbi_path).toHaveLength(BARS);
        expect(p.emission_softmax).toHaveLength(BARS);
      } else {
        expect(p.viterbi_path).toBeUndefined();
        expect(p.emission_softmax).toBeUndefined();
      }
    });
  });

  it("matches an independent forward: probabilities, paths, decoded span, classes and pointers", () => {
    const crf = loss === "crf" ? crfParameters(model.parameters) : undefined;
    predictions.forEach((p, w) => {
      const ref = singleForward(model, w);
      if (crf) {
        expect(p.probabilities).toEqual(Array.from(crfPosteriorMarginals(ref.spanScores, 1, BARS, crf)));
        expect(p.viterbi_path).toEqual(Array.from(crfViterbi(ref.spanScores, 1, BARS, crf).tags));
        expect(p.emission_softmax).toEqual(Array.from(emissionSoftmax(ref.spanScores, 1, BARS)));
        expect(p.span).toEqual(decodeCrfSpans(ref.spanScores, 1, BARS, crf)[0]);
      } else {
        expect(p.probabilities).toEqual(Array.from(ref.probabilities));
        p.probabilities.forEach((value, t) => {
          expect(value).toBeCloseTo(sigmoid(ref.spanScores[t]!), 6);
        });
        expect(p.span).toEqual(decodeSoftSpans(ref.probabilities, 1, BARS)[0]);
      }
      expect(p.threshold_path).toEqual(p.probabilities.map((value) => (value > 0.5 ? 1 : 0)));
      const logits = Array.from(ref.classLogits);
      const z = logits.reduce((sum, x) => sum + Math.exp(x), 0);
      CLASS_NAMES.forEach((name, j) => {
        expect(p.class_probabilities[name]).toBeCloseTo(Math.exp(logits[j]!) / z, 12);
      });
      expect(p.predicted_class).toBe(CLASS_NAMES[logits.indexOf(Math.max(...logits))]);
      expect(p.pointers).toEqual({ center: ref.pointers[0], length: ref.pointers[1] });
      expect(p.pointer_bars.center).toBeCloseTo(ref.pointers[0]! * 105, 10);
      expect(p.pointer_bars.length).toBeCloseTo(ref.pointers[1]! * 105, 10);
    });
  });

  it("is deterministic and independent of the batch size", () => {
    expect(predictWindows(model, WINDOWS)).toEqual(predictions);
    expect(predictWindows(model, WINDOWS, { batchSize: 1 })).toEqual(predictions);
    expect(predictWindows(model, WINDOWS, { batchSize: 3 })).toEqual(predictions);
  });

  it("uses the threshold it is given, strictly (p > threshold)", () => {
    const p = predictions[0]!.probabilities;
    const cut = [...p].sort((a, b) => a - b)[50]!;
    const at = predictWindows(model, WINDOWS.slice(0, 1), { threshold: cut })[0]!;
    expect(at.threshold_path).toEqual(p.map((value) => (value > cut ? 1 : 0)));
    expect(at.threshold_path.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(54);
    expect(at.threshold_path[p.indexOf(cut)]).toBe(0);
    const runs = at.threshold_runs;
    const fromRuns = new Array<number>(BARS).fill(0);
    for (const [s, e] of runs) fromRuns.fill(1, s, e + 1);
    expect(fromRuns).toEqual(at.threshold_path);
    expect(predictWindows(model, WINDOWS.slice(0, 1), { threshold: 1 })[0]!.threshold_path.every((x) => x === 0)).toBe(true);
  });
});

// Every head writes the span posterior fields (docs/spec.md §12), the segment CRF included.
describe.each(["soft", "crf", "segment_crf"] as const)("predictWindows' span posterior (%s head)", (loss) => {
  const model = seededModel(loss);
  const predictions = predictWindows(model, WINDOWS);

  it("summarises the head's span posterior of an independent forward (top 5, 90% intervals, exact MBR)", () => {
    predictions.forEach((p, w) => {
      const ref = singleForward(model, w);
      const summary = summariseSpanPosterior(model.head.spanLogPosterior(ref.spanScores, ref.probabilities, model.headContext(1)), BARS);
      expect(p.span_posterior).toEqual({
        top: summary.top,
        start_interval: [summary.startInterval.lo, summary.startInterval.hi],
        end_interval: [summary.endInterval.lo, summary.endInterval.hi],
        mbr: { start: summary.mbr.start, end: summary.mbr.end, expected_iou: summary.mbr.expectedIoU, exact: true },
        p_iou_at_least_half: summary.probabilityIoUAtLeastHalf,
      });
      expect(summary.startInterval.mass).toBeGreaterThanOrEqual(0.9);
    });
    expect(predictWindows(model, WINDOWS.slice(0, 2), { topK: 2 }).map((p) => p.span_posterior.top)).toEqual(
      predictions.slice(0, 2).map((p) => p.span_posterior.top.slice(0, 2)),
    );
    expect(() => predictWindows(model, WINDOWS, { topK: 0 })).toThrow("topK must be a positive integer, got 0");
  });
});

describe("predictWindows inputs", () => {
  it("adds the position feature when the model takes 13 features", () => {
    const model = seededModel("soft", 13);
    const [p] = predictWindows(model, WINDOWS.slice(0, 1));
    expect(p!.probabilities).toEqual(Array.from(singleForward(model, 0, true).probabilities));
    expect(decodingDescription(spanHead("soft"), 0.5, 32, 13).features).toMatch(/position/);
  });

  it("refuses bad options and unsupported models", () => {
    const model = seededModel("soft");
    expect(() => predictWindows(model, WINDOWS, { batchSize: 5 })).toThrow(/batchSize must be an integer in \[1, 4\]/);
    expect(() => predictWindows(model, WINDOWS, { threshold: 1.5 })).toThrow(/threshold must be a number in \[0, 1\]/);
    expect(() => predictWindows(model, WINDOWS, { threshold: Number.NaN })).toThrow(/threshold/);
    const odd = new JadeCompact({ head: spanHead("soft"), maxBatch: 1, dims: { features: 11, hidden: 4, projection: 4, classes: 3 } });
    expect(() => predictWindows(odd, WINDOWS)).toThrow(/takes 11 features per bar/);
    expect(predictWindows(model, [])).toEqual([]);
  });
});

describe("summarizePredictions", () => {
  it("pools in-span and out-of-span bars and counts decoded spans with IoU ≥ 0.5", () => {
    const make = (probabilities: number[], truth: [number, number], iou: number) =>
      ({ probabilities, true_span: { start: truth[0], end: truth[1] }, span_iou: iou }) as WindowPrediction;
    const summary = summarizePredictions([make([0.9, 0.8, 0.1, 0.1], [0, 1], 0.5), make([0.2, 0.4, 0.6, 0.0], [2, 2], 0.49)]);
    expect(summary.windows).toBe(2);
    expect(summary.mean_in_span_probability).toBeCloseTo((0.9 + 0.8 + 0.6) / 3, 12);
    expect(summary.mean_out_of_span_probability).toBeCloseTo((0.1 + 0.1 + 0.2 + 0.4 + 0.0) / 5, 12);
    expect(summary.span_hits).toBe(1);
    expect(summary.span_hit_rate).toBe(0.5);
    expect(summary.mean_span_iou).toBeCloseTo(0.495, 12);
    expect(Number.isNaN(summarizePredictions([]).mean_in_span_probability)).toBe(true);
    // Every annotated span counts as in span when the window lists them.
    const listed = {
      ...make([0.9, 0.8, 0.1, 0.7], [0, 1], 1),
      true_spans: [
        { start: 0, end: 1 },
        { start: 3, end: 3 },
      ],
    } as WindowPrediction;
    expect(summarizePredictions([listed]).mean_in_span_probability).toBeCloseTo((0.9 + 0.8 + 0.7) / 3, 12);
  });
});

describe("predictWindows on windows cut from bars", () => {
  it("carries each bar's time and every annotated span into the prediction; windows without them stay without", () => {
    const model = seededModel("soft");
    const [timed, plain] = [makeWindow(0, { timed: true, spans: true }), makeWindow(1)];
    const [a, b] = predictWindows(model, [timed!, plain!]);
    expect(a!.timestamps).toEqual(timed!.timestamps);
    expect(a!.true_spans).toEqual(timed!.spans!.map(([start, end]) => ({ start, end })));
    expect(b).not.toHaveProperty("timestamps");
    expect(b).not.toHaveProperty("true_spans");
    // The bars, and so the model's numbers, are the same with or without the times.
    expect(a!.probabilities).toEqual(predictWindows(model, [{ ...timed!, timestamps: undefined, spans: undefined } as never])[0]!.probabilities);
  });
});
