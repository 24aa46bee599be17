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

/**
 * A (B, spanCount(T)) single-span log-posterior at temperature 1 taken to `temperature`: since every span's
 * path score is divided by T, log P_T(k) = log P_1(k)/T − log Σ_j exp(log P_1(j)/T) — the normaliser of
 * P_1 cancels — so a posterior is tempered without running the head again.
 */
export function temperLogPosterior(logPosterior: Float64Array, bars: number, temperature: number): Float64Array {
  if (temperature === 1) return logPosterior;
  const count = spanCount(bars);
  const out = new Float64Array(logPosterior.length);
  for (let offset = 0; offset < logPosterior.length; offset += count) {
    let max = Number.NEGATIVE_INFINITY;
    for (let k = 0; k < count; k++) max = Math.max(max, logPosterior[offset + k]! / temperature);
    let sum = 0;
    for (let k = 0; k < count; k++) sum += Math.exp(logPosterior[offset + k]! / temperature - max);
    const logZ = max + Math.log(sum);
    for (let k = 0; k < count; k++) out[offset + k] = logPosterior[offset + k]! / temperature - logZ;
  }
  return out;
}

/** The head's (B, spanCount(T)) single-span log-posterior at `temperature`, by scaling its scores and parameters. */
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
 * Mean negative log-likelihood of each window's true span [start, end] under a (B, spanCount(T)) posterior
 * at temperature 1 tempered to `temperature`: what temperature scaling minimises (src/eval/recalibration.ts
 * fitTemperature, the reference search; compare fits with trueSpanLikelihoodDerivatives and
 * fitTemperatureByNewton). O(B·T²) per call, the head never run again.
 */
export function trueSpanNegativeLogLikelihood(
  logPosterior: Float64Array,
  bars: number,
  truth: readonly { start: number; end: number }[],
  temperature: number,
): number {
  const count = spanCount(bars);
  if (truth.length * count !== logPosterior.length)
    throw new Error(`trueSpanNegativeLogLikelihood: ${truth.length} true spans for ${logPosterior.length / count} windows`);
  let sum = 0;
  truth.forEach(({ start, end }, b) => {
    const offset = b * count;
    let max = Number.NEGATIVE_INFINITY;
    for (let k = 0; k < count; k++) max = Math.max(max, logPosterior[offset + k]! / temperature);
    let total = 0;
    for (let k = 0; k < count; k++) total += Math.exp(logPosterior[offset + k]! / temperature - max);
    sum += max + Math.log(total) - logPosterior[offset + spanIndex(start, end, bars)]! / temperature;
  });
  return sum / truth.length;
}

/**
 * The mean true-span NLL of a T = 1 log-posterior at inverse temperature β, with its first two derivatives
 * in β, in one pass over the spans: NLL = mean_w [log Σ_k exp(β·ℓ_k) − β·ℓ_true], where ℓ = log P_1; its
 * derivative is E_β[ℓ] − ℓ_true and its second Var_β[ℓ] ≥ 0 (so it is convex in β). For
 * fitTemperatureByNewton (src/eval/recalibration.ts).
 */
export function trueSpanLikelihoodDerivatives(
  logPosterior: Float64Array,
  bars: number,
  truth: readonly { start: number; end: number }[],
  inverseTemperature: number,
): { value: number; first: number; second: number } {
  const count = spanCount(bars);
  if (truth.length * count !== logPosterior.length)
    throw new Error(`trueSpanLikelihoodDerivatives: ${truth.length} true spans for ${logPosterior.length / count} windows`);
  let value = 0;
  let first = 0;
  let second = 0;
  truth.forEach(({ start, end }, b) => {
    const offset = b * count;
    let max = Number.NEGATIVE_INFINITY;
    for (let k = 0; k < count; k++) {
      const x = logPosterior[offset + k]!;
      if (x > max) max = x;
    }
    // Weights exp(β(ℓ − max)) ≤ 1: the moments of ℓ under P_β without overflow.
    let sum = 0;
    let mean = 0;
    let square = 0;
    for (let k = 0; k < count; k++) {
      const x = logPosterior[offset + k]! - max;
      // Below e^−40 of the largest weight a span adds nothing a float64 sum of ≥ 1 can hold: skip its exp.
      if (inverseTemperature * x < -40) continue;
      const weight = Math.exp(inverseTemperature * x);
      sum += weight;
      mean += weight * x;
      square += weight * x * x;
    }
    mean /= sum;
    const truthLog = logPosterior[offset + spanIndex(start, end, bars)]! - max;
    value += Math.log(sum) - inverseTemperature * truthLog;
    first += mean - truthLog;
    second += Math.max(0, square / sum - mean * mean);
  });
  return { value: value / truth.length, first: first / truth.length, second: second / truth.length };
}
