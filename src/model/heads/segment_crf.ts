/**
 * The segment CRF span head (docs/spec.md §13): four scores per bar — out emission, in emission, start
 * boundary, end boundary — and one learned score per in-span segment length, a semi-Markov CRF whose
 * segments are out-of-span bars and in-span runs of 1…L bars. Trained by exact negative log-likelihood
 * (the semi-Markov forward algorithm), decoded by semi-Markov Viterbi, by thresholding the posterior
 * marginals, or as the best path with exactly one in-span segment.
 */
import { WINDOW_BARS } from "../../data/window.js";
import type { ParameterSpec } from "../parameters.js";
import { SEGMENT_WIDTH, segmentCrfNegativeLogLikelihood, segmentCrfPosteriorMarginals } from "../segment_crf.js";
import { segmentCrfSingleSpans, segmentCrfSpanLogPosterior, segmentCrfViterbi } from "../segment_crf_decoding.js";
import type { ParameterViews, SpanHead } from "../span_head.js";

/** PyTorch name of the length scores: `segment_crf.length_scores[k − 1]` scores an in-span segment of k bars. */
export const SEGMENT_LENGTH_SCORES = "segment_crf.length_scores";

/**
 * Longest in-span segment L = T = 105: annotated spans run up to 104 bars in the reference data (and to the
 * window's edge once clipped), so any shorter bound would give some gold paths probability 0 (docs/spec.md §13).
 */
export const SEGMENT_MAX_LENGTH = WINDOW_BARS;

/** The segment CRF's length scores of a model. */
export function segmentLengthScores(parameters: ParameterViews): Float32Array {
  return parameters.value(SEGMENT_LENGTH_SCORES);
}

export const segmentCrfSpanHead: SpanHead = {
  name: "segment_crf",
  label: "segment CRF",
  shortLabel: "semi-CRF",
  column: "segment_crf",
  logStem: "segment_crf",
  summary:
    "segment-level (semi-Markov) CRF over out-of-span bars and in-span segments scored by emissions, start and end boundaries and length: negative log-likelihood by the semi-Markov forward algorithm, decoded by semi-Markov Viterbi",
  lossScale: "a negative log-likelihood of the window's segmentation, summed over its bars",
  width: SEGMENT_WIDTH,
  probabilityDescription:
    "segment CRF posterior marginal p(bar in span): the summed posterior probability of the in-span segments covering the bar, by the semi-Markov forward–backward (accounts for boundaries and lengths)",
  probabilityKey: "segment_posterior_marginals",
  inferenceComplexity: "O(T·L), L = 105: semi-Markov Viterbi (one add-max per candidate segment) + backtrace",
  nativeDecoder: "semi_markov_viterbi",
  thresholdDecoder: { key: "segment_marginal_threshold", description: "segment CRF posterior marginals (semi-Markov forward–backward) > threshold" },
  singleSpanDescription: "best segment CRF path with exactly one in-span segment",
  singleSpanScoreDescription:
    "the best-scoring segment CRF path with exactly one in-span segment [s, e]; score = its unnormalised path score (out emissions outside, in emissions, start_s, end_e and the length score inside)",
  pathDecoders: [
    {
      key: "semi_markov_viterbi",
      name: "semi-Markov Viterbi",
      description: "semi-Markov Viterbi path (the segment CRF's MAP segmentation)",
      pathDescription: "the segment CRF's best segmentation (semi-Markov Viterbi over emissions, boundary and length scores), 0/1 per bar",
      decode: (scores, context) => segmentCrfViterbi(scores, context.batch, context.bars, segmentLengthScores(context.parameters)).tags,
    },
  ],
  probabilityReadings: [],
  usesPosWeight: false,
  imbalanceHandling:
    "no weight is needed: the negative log-likelihood scores each window's whole segmentation, and the rarity of in-span bars is learned by the boundary and length scores",

  parameterSpecs(): ParameterSpec[] {
    // Zeros: no segment length is preferred before the data says so. Nothing needs breaking by noise —
    // each length score's gradient is its own expected-minus-gold segment count, different from the first
    // step — and the emissions' random projection already makes the initial model non-degenerate.
    return [{ name: SEGMENT_LENGTH_SCORES, shape: [SEGMENT_MAX_LENGTH], init: { kind: "constant", value: 0 } }];
  },

  loss(scores, targets, context, scoreGradients) {
    const lengthScores = segmentLengthScores(context.parameters);
    if (!scoreGradients) return { value: segmentCrfNegativeLogLikelihood(scores, targets.tags, context.batch, context.bars, lengthScores) };
    // The length scores' gradient is kept in float64 and added once the span task's weight is known.
    const lengthGradient = new Float64Array(lengthScores.length);
    const value = segmentCrfNegativeLogLikelihood(scores, targets.tags, context.batch, context.bars, lengthScores, {
      scores: scoreGradients,
      lengthScores: lengthGradient,
    });
    return {
      value,
      addParameterGradients(weight) {
        const into = context.parameters.gradient(SEGMENT_LENGTH_SCORES);
        for (let k = 0; k < lengthGradient.length; k++) into[k]! += lengthGradient[k]! * weight;
      },
    };
  },

  probabilities(scores, context) {
    return segmentCrfPosteriorMarginals(scores, context.batch, context.bars, segmentLengthScores(context.parameters));
  },

  singleSpans(scores, _probabilities, context) {
    return segmentCrfSingleSpans(scores, context.batch, context.bars, segmentLengthScores(context.parameters));
  },

  spanLogPosterior(scores, _probabilities, context) {
    return segmentCrfSpanLogPosterior(scores, context.batch, context.bars, segmentLengthScores(context.parameters));
  },
};
