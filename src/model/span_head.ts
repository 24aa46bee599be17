/**
 * What differs between span objectives, behind one interface (docs/architecture.md, "Span heads").
 *
 * JadeCompact's trunk (BiLSTM, pooled class and pointer heads, countdown head) is the same for every
 * objective; a span head owns the rest: how many scores per bar the span projection emits, any
 * parameters of its own, its loss and gradient, its per-bar probability, its decoders and how reports
 * name it. The model, training, evaluation, prediction, checkpoints and reports ask the head; they never
 * branch on an objective's name. A new objective is one new file in `heads/` and one line in the
 * registry (`heads/registry.ts`).
 */
import type { FloatArray, SpanTargets } from "../nn/losses.js";
import type { ParameterSpec } from "./parameters.js";
import type { DecodedSpan } from "./span_decoding.js";

/** Read access to the model's parameters (views into the one parameter buffer). */
export interface ParameterViews {
  value(name: string): Float32Array;
  gradient(name: string): Float32Array;
}

/** What a head needs to know about the batch it scores. */
export interface SpanHeadContext {
  batch: number;
  bars: number;
  parameters: ParameterViews;
  /** Weight of in-span bars, for heads whose loss weighs bars (the soft span loss, docs/spec.md §4). */
  posWeight: number;
}

/** A head's span loss of one batch. */
export interface SpanHeadLoss {
  value: number;
  /**
   * Adds the gradient of (weight · loss) into the head's own parameters' gradients. Called once, after
   * the Kendall weight of the span task is known; absent when the head has no parameters of its own.
   */
  addParameterGradients?: (weight: number) => void;
}

/** A decoder that reads a tag path off the head's scores (e.g. the CRF's Viterbi path). */
export interface PathDecoder {
  /** Stable key, as in comparison.json (`viterbi`). */
  key: string;
  /** Short name for tables ("Viterbi"). */
  name: string;
  description: string;
  /** What one 0/1 value of the path means, for files that write it per bar. */
  pathDescription: string;
  /** (B, T) 0/1 tags from (B, T, width) scores. */
  decode(scores: Float32Array, context: SpanHeadContext): Uint8Array;
}

/** A per-bar probability other than the head's own, thresholded like it (e.g. the CRF's emission softmax). */
export interface ProbabilityReading {
  /** Stable key of the reading (`emission_softmax`). */
  key: string;
  /** Key of the decoder that thresholds it (`emission_softmax_threshold`). */
  decoder: string;
  /** The thresholding decoder, in words. */
  description: string;
  /** What one value of the reading means, for files that write it per bar. */
  valueDescription: string;
  /** (B, T) probabilities from (B, T, width) scores. */
  compute(scores: Float32Array, context: SpanHeadContext): Float32Array;
}

export interface SpanHead {
  /** Registry key: the value of `--loss`, of a checkpoint's `loss_type` and of a run's objective. */
  readonly name: string;
  /** Name in prose ("soft span loss", "CRF"). */
  readonly label: string;
  /** Name in table headers and progress lines ("soft", "CRF"). */
  readonly shortLabel: string;
  /** Column of `SOFT_SPAN_VS_CRF_RESULTS.csv` ("soft_span_loss", "crf"). */
  readonly column: string;
  /** Stem of the training log copied into a bundle (`training_<stem>_<epochs>.log`). */
  readonly logStem: string;
  /** One sentence: what the objective is. */
  readonly summary: string;
  /** What its span loss value is, so no reader compares loss values across objectives ("a per-bar mean …"). */
  readonly lossScale: string;
  /** Scores per bar the span projection emits (`expansion_span_emission.1` outputs). */
  readonly width: number;
  /** How the head's per-bar probability is computed, in words. */
  readonly probabilityDescription: string;
  /** Short key of that probability, as the threshold tables name it ("sigmoid", "posterior_marginals"). */
  readonly probabilityKey: string;
  /** Cost of decoding one window, in words (the results CSV's "Inference Complexity" row). */
  readonly inferenceComplexity: string;
  /** The decoder this objective ships with: "threshold" (the thresholded probabilities) or a path decoder's key. */
  readonly nativeDecoder: string;
  /** The decoder that thresholds `probabilities`, and its description. */
  readonly thresholdDecoder: { key: string; description: string };
  /** How the single-span decoder picks its one span, in words. */
  readonly singleSpanDescription: string;
  /** The single-span decoder with the meaning of its score, for prediction files. */
  readonly singleSpanScoreDescription: string;
  readonly pathDecoders: readonly PathDecoder[];
  readonly probabilityReadings: readonly ProbabilityReading[];
  /** Whether the loss reads `context.posWeight` (the soft span loss's positive weight, src/train/pos_weight.ts). */
  readonly usesPosWeight: boolean;
  /** How the loss meets the rarity of in-span bars (~7%), in one sentence: why its setting is what it is. */
  readonly imbalanceHandling: string;

  /** The head's own parameters, in PyTorch's order (after the countdown head), with their initialisation. */
  parameterSpecs(): ParameterSpec[];
  /**
   * The span loss of (B, T, width) scores against the batch's targets. With `scoreGradients`, ADDS
   * ∂loss/∂scores into it (unweighted; the model scales it by the span task's weight).
   */
  loss(scores: Float32Array, targets: SpanTargets, context: SpanHeadContext, scoreGradients?: FloatArray): SpanHeadLoss;
  /** Per-bar p(in span), (B, T). */
  probabilities(scores: Float32Array, context: SpanHeadContext): Float32Array;
  /** Exactly one span per window, from the scores (and the probabilities already computed from them). */
  singleSpans(scores: Float32Array, probabilities: Float32Array, context: SpanHeadContext): DecodedSpan[];
  /**
   * log P(span = [s, e] | x) for every span with exactly one run of in-span bars, (B, spanCount(T)) in
   * spanIndex order (docs/spec.md §12): the head's own scores conditioned on "exactly one span".
   */
  spanLogPosterior(scores: Float32Array, probabilities: Float32Array, context: SpanHeadContext): Float64Array;
}
