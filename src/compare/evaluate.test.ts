import { describe, expect, it } from "vitest";
import { crfSpanHead } from "../model/heads/crf.js";
import { softSpanHead } from "../model/heads/soft.js";
import { ParameterSet } from "../model/parameters.js";
import { evaluateRun, nativeWindowCounts, type Predictions } from "./evaluate.js";

/**
 * Two windows of 6 bars, hand-made probabilities; the span scores are their log-odds (the CRF's: emissions
 * (0, log-odds) under zero transitions), so the exact span posterior agrees with them.
 */
function predictions(probabilities: number[], spans: { start: number; end: number }[], extra: Partial<Predictions> = {}): Predictions {
  const head = extra.head ?? softSpanHead;
  const logOdds = probabilities.map((p) => Math.log(p / (1 - p)));
  return {
    head: softSpanHead,
    spanScores: Float32Array.from(head.width === 1 ? logOdds : logOdds.flatMap((z) => [0, z])),
    spanContext: { batch: spans.length, bars: 6, parameters: new ParameterSet(head.parameterSpecs()), posWeight: 1 },
    readings: {},
    paths: {},
    windowIds: spans.map((_, i) => `w${i}`),
    spans,
    barTruth: spans.map((span) => [span]),
    labels: Int32Array.from(spans, (_, i) => i % 2),
    bars: 6,
    probabilities: Float32Array.from(probabilities),
    singleSpans: spans.map((s) => ({ ...s })),
    classLogits: Float32Array.from(spans.flatMap((_, i) => (i % 2 ? [0, 1, -5] : [1, 0, -5]))),
    pointers: Float32Array.from(spans.flatMap((s) => [(s.start + s.end) / 2 / 6, (s.end - s.start) / 6])),
    ...extra,
  };
}

describe("evaluateRun", () => {
  it("chooses the threshold on training windows and scores validation with it", () => {
    // Training: in-span bars at p 0.6, out-of-span at 0.25 (exact in float32) → any threshold in
    // [0.25, 0.59] is perfect; the lowest best (0.25) is chosen.
    const training = predictions(
      [0.25, 0.6, 0.6, 0.25, 0.25, 0.25, 0.25, 0.25, 0.25, 0.6, 0.6, 0.25],
      [
        { start: 1, end: 2 },
        { start: 3, end: 4 },
      ],
    );
    // Validation: window 0 has its span at p 0.35 (above 0.25) and one false bar at 0.31; window 1 is missed (0.2).
    const validation = predictions(
      [0.35, 0.35, 0.1, 0.1, 0.1, 0.31, 0.1, 0.2, 0.2, 0.1, 0.1, 0.1],
      [
        { start: 0, end: 1 },
        { start: 1, end: 2 },
      ],
    );
    const result = evaluateRun(training, validation);
    expect(result.thresholds[0]!.threshold).toBe(0.25);
    expect(result.thresholds[0]!.trainingF1).toBe(1);
    const threshold = result.decoders.find((d) => d.decoder === "threshold")!;
    // TP 2 (w0 bars 0,1), FP 1 (w0 bar 5), FN 2 (w1 bars 1,2): P 2/3, R 1/2, F1 4/7.
    expect(threshold.pooled.precision).toBeCloseTo(2 / 3, 12);
    expect(threshold.pooled.recall).toBeCloseTo(0.5, 12);
    expect(threshold.pooled.f1).toBeCloseTo(4 / 7, 12);
    // Longest run per window: w0 → [0,1] (IoU 1), w1 → none (IoU 0): mean IoU 0.5, strict recall 1/2.
    expect(threshold.spanLevel.meanIoU).toBeCloseTo(0.5, 12);
    expect(threshold.spanLevel.recall).toBeCloseTo(0.5, 12);
    // The single-span decoder's spans equal the truth here.
    expect(result.decoders.find((d) => d.decoder === "single_span")!.spanLevel.meanIoU).toBe(1);
    // The exact span posterior: its MBR span is scored as a decoder, its top spans and calibration beside.
    const mbr = result.decoders.find((d) => d.decoder === "minimum_risk")!;
    expect(mbr.spanLevel.meanIoU).toBeGreaterThanOrEqual(0);
    expect(result.spanPosterior!.topK).toBe(5);
    // The MBR span need not be one of the most probable spans: it maximises expected IoU, not probability.
    expect(result.spanPosterior!.topBestIoU).toBeGreaterThan(0);
    expect(result.spanPosterior!.topBestIoU).toBeLessThanOrEqual(1);
    expect(result.spanPosterior!.fitted.windows).toBe(2);
    expect(result.spanPosterior!.calibration.coverage.startBefore.total).toBe(2);
    expect(Number.isFinite(result.spanPosterior!.fitted.temperature.temperature)).toBe(true);
    // The validation oracle is better than the honest choice (0.2 would not lose w1's span).
    expect(result.thresholds[0]!.validationOracle.f1).toBeGreaterThanOrEqual(threshold.pooled.f1);
    expect(result.classificationAccuracy).toBe(1);
    // Training labels 0, 1 (a tie → class 0); validation labels 0, 1 → majority accuracy 1/2.
    expect(result.baselines.majorityClass).toBe(0);
    expect(result.baselines.majorityClassAccuracy).toBe(0.5);
    expect(result.pointers.centerMae).toBeCloseTo(0, 6);
    // All-positive on validation: 4 in-span of 12 bars → P 1/3, R 1, F1 0.5.
    expect(result.baselines.allPositive.f1).toBeCloseTo(0.5, 12);
    expect(result.histogram.inSpan.reduce((a, b) => a + b, 0)).toBe(4);
    expect(result.histogram.outOfSpan.reduce((a, b) => a + b, 0)).toBe(8);
  });

  it("scores the CRF's Viterbi, marginal and emission-softmax decoders separately", () => {
    const spans = [{ start: 2, end: 3 }];
    const viterbi = Uint8Array.from([0, 0, 1, 1, 1, 0]);
    const training = predictions([0.1, 0.1, 0.9, 0.9, 0.1, 0.1], spans, {
      head: crfSpanHead,
      paths: { viterbi },
      readings: { emission_softmax: Float32Array.from([0.25, 0.25, 0.7, 0.7, 0.25, 0.25]) },
    });
    const validation = predictions([0.1, 0.1, 0.9, 0.9, 0.1, 0.1], spans, {
      head: crfSpanHead,
      paths: { viterbi },
      readings: { emission_softmax: Float32Array.from([0.2, 0.2, 0.7, 0.1, 0.2, 0.2]) },
    });
    const result = evaluateRun(training, validation);
    const byName = Object.fromEntries(result.decoders.map((d) => [d.decoder, d]));
    expect(Object.keys(byName)).toEqual(["viterbi", "marginal_threshold", "emission_softmax_threshold", "single_span", "minimum_risk"]);
    // Viterbi: TP 2, FP 1 → P 2/3, R 1.
    expect(byName.viterbi!.pooled.precision).toBeCloseTo(2 / 3, 12);
    expect(byName.marginal_threshold!.pooled.f1).toBe(1);
    // Softmax threshold chosen on training (0.25): validation bar 3 at 0.1 is missed → TP 1, FN 1.
    expect(byName.emission_softmax_threshold!.threshold).toBe(0.25);
    expect(byName.emission_softmax_threshold!.pooled.recall).toBeCloseTo(0.5, 12);
  });

  it("scores per-bar metrics against every annotated span and span-level metrics against the primary one", () => {
    // One window: primary span 1..2, another annotated span 4..5; p is high on both.
    const probabilities = [0.1, 0.9, 0.9, 0.1, 0.9, 0.9];
    const primary = [{ start: 1, end: 2 }];
    const both = predictions(probabilities, primary, {
      barTruth: [
        [
          { start: 1, end: 2 },
          { start: 4, end: 5 },
        ],
      ],
    });
    const result = evaluateRun(both, both);
    const threshold = result.decoders.find((d) => d.decoder === "threshold")!;
    // Per bar: all four high bars are annotated → P = R = 1; alone, the primary span would give P 1/2.
    expect(threshold.pooled.precision).toBe(1);
    expect(threshold.pooled.recall).toBe(1);
    expect(result.separation.inSpan.count).toBe(4);
    expect(result.baselines.allPositive.nTrue).toBe(4);
    expect(result.histogram.inSpan.reduce((a, b) => a + b, 0)).toBe(4);
    // Span level: the longest run is the primary span's first run (1..2), scored against the primary span only.
    expect(threshold.spanLevel.meanIoU).toBe(1);
    const primaryOnly = evaluateRun(predictions(probabilities, primary), predictions(probabilities, primary));
    expect(primaryOnly.decoders.find((d) => d.decoder === "threshold")!.pooled.precision).toBe(0.5);
  });
});

describe("nativeWindowCounts", () => {
  it("counts each window's bars of the native decoder, and they pool to the decoder's F1 (soft threshold, CRF Viterbi)", () => {
    const spans = [
      { start: 0, end: 1 },
      { start: 1, end: 2 },
    ];
    const training = predictions(
      [0.25, 0.6, 0.6, 0.25, 0.25, 0.25, 0.25, 0.25, 0.25, 0.6, 0.6, 0.25],
      [
        { start: 1, end: 2 },
        { start: 3, end: 4 },
      ],
    );
    const validation = predictions([0.35, 0.35, 0.1, 0.1, 0.1, 0.31, 0.1, 0.2, 0.2, 0.1, 0.1, 0.1], spans);
    const soft = nativeWindowCounts(validation, evaluateRun(training, validation));
    // Threshold 0.25: w0 TP 2 (bars 0, 1), FP 1 (bar 5); w1 FN 2 (bars 1, 2).
    expect([...soft.truePositives, ...soft.falsePositives, ...soft.falseNegatives]).toEqual([2, 0, 1, 0, 0, 2]);
    const viterbi = Uint8Array.from([0, 1, 1, 0, 0, 0, 0, 1, 1, 1, 0, 0]);
    const crf = { head: crfSpanHead, paths: { viterbi }, readings: { emission_softmax: validation.probabilities } };
    const crfValidation = predictions([...validation.probabilities], spans, crf);
    const evaluation = evaluateRun(predictions([...training.probabilities], training.spans, crf), crfValidation);
    const counts = nativeWindowCounts(crfValidation, evaluation);
    // Viterbi: w0 TP 1 (bar 1), FP 1 (bar 2), FN 1 (bar 0); w1 TP 2, FP 1 (bar 3).
    expect([...counts.truePositives, ...counts.falsePositives, ...counts.falseNegatives]).toEqual([1, 2, 1, 1, 1, 0]);
    const pooled = (c: typeof counts) => {
      const [tp, fp, fn] = [c.truePositives, c.falsePositives, c.falseNegatives].map((a) => a.reduce((x, y) => x + y, 0));
      return (2 * tp!) / (2 * tp! + fp! + fn!);
    };
    expect(pooled(counts)).toBeCloseTo(evaluation.decoders.find((d) => d.decoder === "viterbi")!.pooled.f1, 12);
    expect(pooled(soft)).toBeCloseTo(4 / 7, 12);
  });
});
