/**
 * The soft span head (docs/spec.md §3–4): one logit per bar, p = sigmoid(logit), trained with the
 * pos-weighted binary cross-entropy of docs/spec.md §4, decoded by thresholding p (the threshold chosen on
 * training windows, docs/spec.md §6) or as the single run with the largest summed log-odds.
 */
import { sigmoidForward } from "../../nn/activations.js";
import { softSpanBceWithLogits } from "../../nn/losses.js";
import { decodeSoftSpans } from "../span_decoding.js";
import type { SpanHead } from "../span_head.js";
import { softSpanLogPosterior } from "../span_posterior.js";

export const softSpanHead: SpanHead = {
  name: "soft",
  label: "soft span loss",
  shortLabel: "soft",
  column: "soft_span_loss",
  logStem: "soft_span",
  summary: "per-bar binary cross-entropy on p(in span) = sigmoid(logit), decoded by a threshold on p",
  lossScale: "a per-bar mean of the weighted cross-entropy",
  width: 1,
  probabilityDescription: "sigmoid of the soft span head's logit per bar",
  probabilityKey: "sigmoid",
  inferenceComplexity: "O(T): one comparison per bar (threshold)",
  nativeDecoder: "threshold",
  thresholdDecoder: { key: "threshold", description: "sigmoid probability > threshold" },
  singleSpanDescription: "the run maximising the sum of per-bar log-odds",
  singleSpanScoreDescription: "the run maximising the summed log-odds log(p/(1−p)); score = that sum",
  pathDecoders: [],
  probabilityReadings: [],
  usesPosWeight: true,
  imbalanceHandling:
    "the cross-entropy weights in-span bars by pos_weight, so that the rare in-span bars are not outweighed by the far more numerous out-of-span bars",

  parameterSpecs: () => [],

  loss(scores, targets, context, scoreGradients) {
    return { value: softSpanBceWithLogits(scores, targets.mask, scoreGradients, context.posWeight) };
  },

  probabilities(scores) {
    const p = new Float32Array(scores.length);
    sigmoidForward(p, scores, p.length);
    return p;
  },

  singleSpans(_scores, probabilities, context) {
    return decodeSoftSpans(probabilities, context.batch, context.bars);
  },

  // From the logits, not the float32 probabilities, so that no p rounds to 0 or 1 (docs/spec.md §12).
  spanLogPosterior(scores, _probabilities, context) {
    return softSpanLogPosterior(scores, context.batch, context.bars);
  },
};
