/**
 * A span head at temperature T (docs/spec.md §12): its scores and its own parameters divided by T. Every
 * head's path score is linear in its per-bar scores and its own parameters (the soft head's summed
 * log-odds; the CRF's emissions, start, end and transitions; the segment CRF's emissions, boundaries and
 * lengths), so this divides every path's score by T — the temperature of the head's own distribution,
 * with T = 1 the model itself. Calibration (compare/, predict/) fits T on other windows than it scores.
 */
import type { ParameterViews, SpanHead, SpanHeadContext } from "./span_head.js";
import { spanCount, spanIndex } from "./span_index.js";

/** `context` with the head's parameters divided by `temperature` (read-only views: no gradients). */
export function contextAtTemperature(context: SpanHeadContext, temperature: number): SpanHeadContext {
  if (temperature === 1) return context;
  const scaled = new Map<string, Float32Array>();
  const parameters: ParameterViews = {
    value(name) {
      let values = scaled.get(name);
      if (values === undefined) {
        values = context.parameters.value(name).map((v) => v / temperature);
        scaled.set(name, values);
      }
      return values;
    },
    gradient(name) {
      throw new Error(`${name}: a head at temperature ${temperature} is for inference only; it has no gradients`);
    },
  };
  return { ...context, parameters };
}

/** Scores divided by `temperature` (the same array at T = 1). */
export function scoresAtTemperature(scores: Float32Array, temperature: number): Float32Array {
  return temperature === 1 ? scores : scores.map((v) => v / temperature);
}

/** The head's (B, spanCount(T)) single-span log-posterior at `temperature`. */
export function spanLogPosteriorAtTemperature(head: SpanHead, scores: Float32Array, context: SpanHeadContext, temperature: number): Float64Array {
  const scaledScores = scoresAtTemperature(scores, temperature);
  const scaledContext = contextAtTemperature(context, temperature);
  return head.spanLogPosterior(scaledScores, head.probabilities(scaledScores, scaledContext), scaledContext);
}

/** The head's per-bar p(in span), (B, T), at `temperature`. */
export function probabilitiesAtTemperature(head: SpanHead, scores: Float32Array, context: SpanHeadContext, temperature: number): Float32Array {
  return head.probabilities(scoresAtTemperature(scores, temperature), contextAtTemperature(context, temperature));
}

/**
 * Mean negative log-likelihood of each window's true span [start, end] under the head's single-span
 * posterior at `temperature`: what temperature scaling minimises (src/eval/recalibration.ts fitTemperature).
 */
export function trueSpanNegativeLogLikelihood(
  head: SpanHead,
  scores: Float32Array,
  context: SpanHeadContext,
  truth: readonly { start: number; end: number }[],
  temperature: number,
): number {
  if (truth.length !== context.batch) throw new Error(`trueSpanNegativeLogLikelihood: ${truth.length} true spans for a batch of ${context.batch}`);
  const logPosterior = spanLogPosteriorAtTemperature(head, scores, context, temperature);
  const count = spanCount(context.bars);
  let sum = 0;
  truth.forEach(({ start, end }, b) => {
    sum -= logPosterior[b * count + spanIndex(start, end, context.bars)]!;
  });
  return sum / truth.length;
}
