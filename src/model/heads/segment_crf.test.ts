/**
 * The segment CRF head (docs/spec.md §13) beyond the contract every head keeps (heads.test.ts): its
 * gradient on a window with two annotated spans and non-zero length scores, its parameter layout, and that
 * its probabilities, decoders and span posterior are the kernels' (segment_crf.test.ts checks those
 * against brute force).
 */
import { describe, expect, it } from "vitest";
import { expectGradientWithin } from "../../../test/helpers/gradients.js";
import { spanTargetsBatch } from "../../nn/losses.js";
import { Rng } from "../../util/rng.js";
import { ParameterSet } from "../parameters.js";
import { segmentCrfPosteriorMarginals } from "../segment_crf.js";
import { segmentCrfSingleSpans, segmentCrfSpanLogPosterior, segmentCrfViterbi } from "../segment_crf_decoding.js";
import type { SpanHeadContext } from "../span_head.js";
import { spanCount } from "../span_index.js";
import { SEGMENT_LENGTH_SCORES, SEGMENT_MAX_LENGTH, segmentCrfSpanHead } from "./segment_crf.js";

const batch = 2;
const bars = 12;

function setup() {
  const head = segmentCrfSpanHead;
  const parameters = new ParameterSet(head.parameterSpecs());
  const rng = new Rng(21);
  const lengths = parameters.value(SEGMENT_LENGTH_SCORES);
  for (let k = 0; k < lengths.length; k++) lengths[k] = rng.uniform(-1, 1);
  const scores = Float32Array.from({ length: batch * bars * head.width }, () => rng.normal());
  // Window 0 holds its primary span [2, 4] and a second annotated span [8, 9]; window 1 only [6, 6].
  const inSpan = new Uint8Array(batch * bars);
  inSpan
    .fill(1, 2, 5)
    .fill(1, 8, 10)
    .fill(1, bars + 6, bars + 7);
  const targets = spanTargetsBatch([2, 6], [4, 6], bars, inSpan);
  const context: SpanHeadContext = { batch, bars, parameters, posWeight: 1 };
  return { head, parameters, scores, targets, context, lengths };
}

describe("the segment CRF head", () => {
  it("declares 4 scores per bar and one zero-initialised length score per length up to L = T = 105", () => {
    expect(segmentCrfSpanHead.width).toBe(4);
    expect(segmentCrfSpanHead.parameterSpecs()).toEqual([{ name: "segment_crf.length_scores", shape: [105], init: { kind: "constant", value: 0 } }]);
    expect(SEGMENT_MAX_LENGTH).toBe(105);
  });

  it("gives the exact gradient on a window with two annotated spans, non-zero length scores (central differences)", () => {
    const { head, parameters, scores, targets, context, lengths } = setup();
    const scoreGradients = new Float32Array(scores.length);
    parameters.zeroGradients();
    head.loss(scores, targets, context, scoreGradients).addParameterGradients?.(1);
    const loss = () => head.loss(scores, targets, context).value;
    // float32 inputs: a step of 1e-2 keeps the difference well above the loss's rounding.
    expectGradientWithin(scores, scoreGradients, loss, { h: 1e-2, tolerance: 2e-3, what: "scores" });
    const used = Array.from({ length: bars }, (_, k) => k);
    expectGradientWithin(lengths, parameters.gradient(SEGMENT_LENGTH_SCORES), loss, { h: 1e-2, tolerance: 2e-3, what: "length scores", indices: used });
    // Lengths beyond the window are never used: no gradient.
    expect(
      parameters
        .gradient(SEGMENT_LENGTH_SCORES)
        .subarray(bars)
        .every((g) => g === 0),
    ).toBe(true);
  });

  it("reads its probabilities, paths, single spans and span posterior off the kernels", () => {
    const { head, scores, context, lengths } = setup();
    const p = head.probabilities(scores, context);
    expect(Array.from(p)).toEqual(Array.from(segmentCrfPosteriorMarginals(scores, batch, bars, lengths)));
    expect(head.nativeDecoder).toBe("semi_markov_viterbi");
    expect(Array.from(head.pathDecoders[0]!.decode(scores, context))).toEqual(Array.from(segmentCrfViterbi(scores, batch, bars, lengths).tags));
    expect(head.singleSpans(scores, p, context)).toEqual(segmentCrfSingleSpans(scores, batch, bars, lengths));
    const posterior = head.spanLogPosterior(scores, p, context);
    expect(Array.from(posterior)).toEqual(Array.from(segmentCrfSpanLogPosterior(scores, batch, bars, lengths)));
    for (let b = 0; b < batch; b++) {
      const row = posterior.subarray(b * spanCount(bars), (b + 1) * spanCount(bars));
      expect(row.reduce((sum, v) => sum + Math.exp(v), 0)).toBeCloseTo(1, 12);
    }
  });
});
