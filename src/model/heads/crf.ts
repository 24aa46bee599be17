/**
 * The CRF span head (docs/spec.md §3–4): two emissions per bar (tag 0 out of span, tag 1 in span) and a
 * linear-chain CRF over them with start, end and transition scores, trained by negative log-likelihood
 * (forward algorithm), decoded by Viterbi, by thresholding the posterior marginals, or as the best path
 * with exactly one run of in-span bars.
 */
import type { ParameterSpec } from "../parameters.js";
import { crfNegativeLogLikelihood, crfPosteriorMarginals, crfViterbi, emissionSoftmax, type CrfParams } from "../crf.js";
import { decodeCrfSpans } from "../span_decoding.js";
import type { ParameterViews, SpanHead } from "../span_head.js";
import { crfSpanLogPosterior } from "../span_posterior.js";

const CRF_PARAMETERS = ["crf.start_transitions", "crf.end_transitions", "crf.transitions"] as const;

/** The CRF's parameter views of a model. */
export function crfParameters(parameters: ParameterViews): CrfParams {
  return {
    start: parameters.value("crf.start_transitions"),
    end: parameters.value("crf.end_transitions"),
    transitions: parameters.value("crf.transitions"),
  };
}

function addScaled(into: Float32Array, values: Float64Array, factor: number): void {
  for (let i = 0; i < values.length; i++) into[i]! += values[i]! * factor;
}

export const crfSpanHead: SpanHead = {
  name: "crf",
  label: "CRF",
  shortLabel: "CRF",
  column: "crf",
  logStem: "crf",
  summary: "linear-chain CRF over in/out tags: negative log-likelihood by the forward algorithm, decoded by Viterbi",
  lossScale: "a negative log-likelihood of the window's tag path, summed over its bars",
  width: 2,
  probabilityDescription: "CRF posterior marginal p(tag 1 = in span) per bar, by forward–backward (accounts for transitions)",
  probabilityKey: "posterior_marginals",
  inferenceComplexity: "O(T·K²), K = 2 tags: Viterbi (4 add-max per bar) + backtrace",
  nativeDecoder: "viterbi",
  thresholdDecoder: { key: "marginal_threshold", description: "posterior marginals (forward–backward) > threshold" },
  singleSpanDescription: "best CRF path with exactly one run of in-span bars",
  singleSpanScoreDescription: "the best-scoring CRF path of the form 0…0 1…1 0…0; score = its unnormalised path score",
  pathDecoders: [
    {
      key: "viterbi",
      name: "Viterbi",
      description: "Viterbi path (the CRF's MAP tag sequence)",
      pathDescription: "the CRF's best tag path (Viterbi over start, emissions, transitions, end), 0/1 per bar",
      decode: (scores, context) => crfViterbi(scores, context.batch, context.bars, crfParameters(context.parameters)).tags,
    },
  ],
  probabilityReadings: [
    {
      key: "emission_softmax",
      decoder: "emission_softmax_threshold",
      description: "softmax of emissions > threshold (the reference's choice; ignores transitions)",
      valueDescription: "softmax of the two emissions at each bar, tag 1: the reference's 'probability'; ignores the transitions, start and end",
      compute: (scores, context) => emissionSoftmax(scores, context.batch, context.bars),
    },
  ],
  usesPosWeight: false,
  imbalanceHandling:
    "no weight is needed: the negative log-likelihood scores each window's whole tag path, and the rarity of in-span bars is learned by the start, end and transition scores",

  parameterSpecs(): ParameterSpec[] {
    // pytorch-crf initialises all three U(−0.1, 0.1).
    return CRF_PARAMETERS.map((name) => ({ name, shape: name === "crf.transitions" ? [2, 2] : [2], init: { kind: "uniform", bound: 0.1 } }));
  },

  loss(scores, targets, context, scoreGradients) {
    const parameters = crfParameters(context.parameters);
    if (!scoreGradients) return { value: crfNegativeLogLikelihood(scores, targets.tags, context.batch, context.bars, parameters) };
    // The CRF's own gradients are kept in float64 and added once the span task's weight is known.
    const own = { start: new Float64Array(2), end: new Float64Array(2), transitions: new Float64Array(4) };
    const value = crfNegativeLogLikelihood(scores, targets.tags, context.batch, context.bars, parameters, { emissions: scoreGradients, ...own });
    return {
      value,
      addParameterGradients(weight) {
        addScaled(context.parameters.gradient("crf.start_transitions"), own.start, weight);
        addScaled(context.parameters.gradient("crf.end_transitions"), own.end, weight);
        addScaled(context.parameters.gradient("crf.transitions"), own.transitions, weight);
      },
    };
  },

  probabilities(scores, context) {
    return crfPosteriorMarginals(scores, context.batch, context.bars, crfParameters(context.parameters));
  },

  singleSpans(scores, _probabilities, context) {
    return decodeCrfSpans(scores, context.batch, context.bars, crfParameters(context.parameters));
  },

  spanLogPosterior(scores, _probabilities, context) {
    return crfSpanLogPosterior(scores, context.batch, context.bars, crfParameters(context.parameters));
  },
};
