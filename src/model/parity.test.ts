/**
 * Parity with the PyTorch reference (bench/reference/): the golden fixtures hold a batch, PyTorch's weights,
 * every output, every loss and the gradient of every parameter. spanlab loads the weights and must agree to
 * within 1e-4 of each tensor's scale (1e-5 for the segment CRF, docs/spec.md §13).
 */
import { crfParameters } from "./heads/crf.js";
import { spanHead } from "./heads/registry.js";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { maxScaledError } from "../../test/helpers/tensors.js";
import { packageRoot } from "../util/package.js";
import { crfLogPartition, crfPathScore, crfViterbi, emissionSoftmax } from "./crf.js";
import { JadeCompact } from "./jade_compact.js";
import { readSafetensorsFile, requireTensor, type SafetensorsFile } from "./safetensors.js";
import { loadStateDict } from "./state_dict.js";
import { spanTargetsBatch } from "../nn/losses.js";
import { segmentLengthScores } from "./heads/segment_crf.js";
import { segmentCrfLogPartition, segmentCrfPathScore } from "./segment_crf.js";
import { segmentCrfSingleSpans, segmentCrfSpanLogPosterior } from "./segment_crf_decoding.js";

const NON_PARAMETER_PREFIXES = ["input.", "target.", "output.", "loss.", "grad.", "extra."];

type Loss = "soft" | "crf" | "segment_crf";

function fixture(loss: Loss): SafetensorsFile {
  return readSafetensorsFile(join(packageRoot(), "test", "fixtures", "parity", `${loss}.safetensors`));
}

function f32(file: SafetensorsFile, name: string): Float32Array {
  return requireTensor(file, name, "F32").data;
}

function i32(file: SafetensorsFile, name: string): Int32Array {
  return requireTensor(file, name, "I32").data;
}

function loadModel(loss: Loss) {
  const file = fixture(loss);
  const model = new JadeCompact({ head: spanHead(loss), maxBatch: 4 });
  loadStateDict(model.parameters, file, NON_PARAMETER_PREFIXES);
  const features = f32(file, "input.features");
  const targets = { spanStart: i32(file, "input.span_start"), spanEnd: i32(file, "input.span_end"), label: i32(file, "input.label") };
  return { file, model, features, targets, batch: targets.label.length };
}

/** Largest error allowed, relative to each tensor's scale max(1, max |PyTorch|). */
const TOLERANCES: Record<Loss, number> = { soft: 1e-4, crf: 1e-4, segment_crf: 1e-5 };

/** The fixture's name of the span projection's output. */
const SPAN_OUTPUT: Record<Loss, string> = { soft: "output.span_logit", crf: "output.emissions", segment_crf: "output.span_scores" };

describe.each(["soft", "crf", "segment_crf"] as const)("parity with PyTorch (%s head)", (loss) => {
  const TOLERANCE = TOLERANCES[loss];

  it("has PyTorch's parameter count", () => {
    const { file, model } = loadModel(loss);
    expect(model.parameters.count).toBe(Number(file.metadata.parameter_count));
  });

  it("derives the same targets", () => {
    const { file, targets } = loadModel(loss);
    const derived = spanTargetsBatch(targets.spanStart, targets.spanEnd);
    expect(maxScaledError(derived.mask, f32(file, "target.mask"))).toBe(0);
    expect(maxScaledError(derived.countdown, f32(file, "target.countdown"))).toBe(0);
    expect(maxScaledError(derived.pointers, f32(file, "target.pointers"))).toBeLessThan(1e-7);
  });

  it("computes every head's output, every loss and the gradient of every parameter", () => {
    const { file, model, features, targets, batch } = loadModel(loss);
    model.parameters.zeroGradients();
    const outputs = model.forward(features, batch, { training: false });
    expect(maxScaledError(outputs.classLogits, f32(file, "output.class_logits"))).toBeLessThan(TOLERANCE);
    expect(maxScaledError(outputs.pointers, f32(file, "output.pointers"))).toBeLessThan(TOLERANCE);
    expect(maxScaledError(outputs.countdown, f32(file, "output.countdown"))).toBeLessThan(TOLERANCE);
    expect(maxScaledError(outputs.spanScores, f32(file, SPAN_OUTPUT[loss]))).toBeLessThan(TOLERANCE);

    const losses = model.computeLoss(targets, { gradients: true });
    const expectedLosses: [number, string][] = [
      [losses.type, "loss.type"],
      [losses.pointer, "loss.pointer"],
      [losses.span, "loss.span"],
      [losses.countdown, "loss.countdown"],
      [losses.weighted, "loss.total"],
      [losses.unweighted, "loss.unweighted"],
    ];
    for (const [actual, name] of expectedLosses) {
      expect(maxScaledError([actual], f32(file, name)), name).toBeLessThan(TOLERANCE);
    }

    model.backward();
    for (const entry of model.parameters.entries) {
      const error = maxScaledError(model.parameters.gradient(entry.name), f32(file, `grad.${entry.name}`));
      expect(error, `grad.${entry.name}`).toBeLessThan(TOLERANCE);
    }
  });

  if (loss === "soft") {
    it("gives the reference's per-bar probabilities and pos_weight-scaled span loss", () => {
      const { file, features, targets, batch } = loadModel(loss);
      const weighted = new JadeCompact({ head: spanHead(loss), maxBatch: 4, posWeight: f32(file, "extra.pos_weight")[0]! });
      loadStateDict(weighted.parameters, file, NON_PARAMETER_PREFIXES);
      const outputs = weighted.forward(features, batch, { training: false });
      expect(maxScaledError(weighted.spanProbabilities(outputs), f32(file, "output.span_probability"))).toBeLessThan(TOLERANCE);
      const losses = weighted.computeLoss(targets, { gradients: false });
      expect(maxScaledError([losses.span], f32(file, "extra.loss_span_at_pos_weight"))).toBeLessThan(TOLERANCE);
    });
  } else if (loss === "segment_crf") {
    it("decodes the same semi-Markov Viterbi paths and single spans, and gives the same marginals, log Z, gold scores and span posteriors", () => {
      const { file, model, features, targets, batch } = loadModel(loss);
      const outputs = model.forward(features, batch, { training: false });
      const context = model.headContext(batch);
      const lengths = segmentLengthScores(model.parameters);
      const viterbi = model.head.pathDecoders.find((decoder) => decoder.key === "semi_markov_viterbi")!.decode(outputs.spanScores, context);
      expect(Array.from(viterbi)).toEqual(Array.from(i32(file, "output.viterbi")));
      expect(maxScaledError(model.spanProbabilities(outputs), f32(file, "output.marginals"))).toBeLessThan(TOLERANCE);
      expect(maxScaledError(segmentCrfLogPartition(outputs.spanScores, batch, model.bars, lengths), f32(file, "output.log_partition"))).toBeLessThan(TOLERANCE);
      const tags = spanTargetsBatch(targets.spanStart, targets.spanEnd).tags;
      expect(maxScaledError(segmentCrfPathScore(outputs.spanScores, tags, batch, model.bars, lengths), f32(file, "output.gold_score"))).toBeLessThan(TOLERANCE);
      const singles = segmentCrfSingleSpans(outputs.spanScores, batch, model.bars, lengths);
      expect(singles.flatMap((span) => [span.start, span.end])).toEqual(Array.from(i32(file, "output.single_span")));
      expect(
        maxScaledError(
          singles.map((span) => span.score),
          f32(file, "output.single_span_score"),
        ),
      ).toBeLessThan(TOLERANCE);
      const posterior = segmentCrfSpanLogPosterior(outputs.spanScores, batch, model.bars, lengths);
      expect(maxScaledError(posterior, f32(file, "output.span_log_posterior"))).toBeLessThan(TOLERANCE);
      expect(Array.from(model.head.spanLogPosterior(outputs.spanScores, model.spanProbabilities(outputs), context))).toEqual(Array.from(posterior));
    });
  } else {
    it("decodes the same Viterbi paths and gives the same marginals, emission softmax, log Z and gold scores", () => {
      const { file, model, features, targets, batch } = loadModel(loss);
      const outputs = model.forward(features, batch, { training: false });
      const crf = crfParameters(model.parameters);
      const viterbi = crfViterbi(outputs.spanScores, batch, model.bars, crf);
      expect(Array.from(viterbi.tags)).toEqual(Array.from(i32(file, "output.viterbi")));
      expect(maxScaledError(model.spanProbabilities(outputs), f32(file, "output.marginals"))).toBeLessThan(TOLERANCE);
      expect(maxScaledError(emissionSoftmax(outputs.spanScores, batch, model.bars), f32(file, "output.emission_softmax"))).toBeLessThan(TOLERANCE);
      expect(maxScaledError(crfLogPartition(outputs.spanScores, batch, model.bars, crf), f32(file, "output.log_partition"))).toBeLessThan(TOLERANCE);
      const tags = spanTargetsBatch(targets.spanStart, targets.spanEnd).tags;
      expect(maxScaledError(crfPathScore(outputs.spanScores, tags, batch, model.bars, crf), f32(file, "output.gold_score"))).toBeLessThan(TOLERANCE);
    });
  }
});

describe("loading a state dict", () => {
  it("names every missing, unexpected and mis-shaped tensor", () => {
    const soft = fixture("soft");
    const crfModel = new JadeCompact({ head: spanHead("crf"), maxBatch: 1 });
    expect(() => loadStateDict(crfModel.parameters, soft, NON_PARAMETER_PREFIXES)).toThrow(
      /"expansion_span_emission\.1\.weight" has shape \[1, 192\], expected \[2, 192\][\s\S]*missing parameter "crf\.transitions"/,
    );
    const softModel = new JadeCompact({ head: spanHead("soft"), maxBatch: 1 });
    expect(() => loadStateDict(softModel.parameters, soft)).toThrow(/unexpected tensor "input\.features"/);
  });
});
