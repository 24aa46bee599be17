/**
 * The one inference path: a trained model (dropout off) over windows of features, and everything its span
 * head reads off the outputs — per-bar p(in span), the head's other probability readings, its path
 * decoders and its single-span decoder — plus class logits and pointers. Compare's evaluation,
 * `predict --data` and `predict --bars` (scanning) all go through here, so a window gets the same numbers
 * whichever of them asks (docs/spec.md §6, §11).
 *
 * Everything returned is a copy: a forward reuses the model's buffers, so the next batch would overwrite
 * views of them.
 */
import type { JadeCompact } from "./jade_compact.js";
import type { DecodedSpan } from "./span_decoding.js";
import { spanCount } from "./span_index.js";
import { MinimumRiskWorkspace, summariseSpanPosterior, type SpanPosteriorSummary, type SpanPosteriorSummaryOptions } from "./span_posterior_summary.js";

/** What to compute beyond the probabilities, class logits and pointers (each costs time in a scan). */
export interface InferenceParts {
  /** The head's other probability readings (e.g. the CRF's emission softmax). Default true. */
  readings?: boolean;
  /** The head's path decoders (e.g. Viterbi). Default true. */
  paths?: boolean;
  /** The single-span decoder. Default true. */
  singleSpans?: boolean;
  /**
   * The head's exact span posterior, summarised per window (docs/spec.md §12): marginals, credible
   * intervals, top spans, the minimum-Bayes-risk span. Default false: O(T³) per window, and scans never
   * read it. Options set the number of top spans and the interval level.
   */
  spanPosterior?: boolean | SpanPosteriorSummaryOptions;
  /** The span head's raw (W, T, width) scores, for refitting at another temperature (src/model/temperature.ts). Default false. */
  spanScores?: boolean;
}

/** The model's output for `windows` windows of `bars` bars; (W, T) arrays are row-major. */
export interface Inference {
  windows: number;
  bars: number;
  /** (W, T) p(in span), as the head defines it (sigmoid; CRF posterior marginals). */
  probabilities: Float32Array;
  /** (W, T) per probability reading of the head, by its key (e.g. `emission_softmax`). */
  readings: Record<string, Float32Array>;
  /** (W, T) 0/1 tags per path decoder of the head, by its key (e.g. `viterbi`). */
  paths: Record<string, Uint8Array>;
  /** One span per window (empty when not asked for). */
  singleSpans: DecodedSpan[];
  /** One span-posterior summary per window (empty when not asked for); the posteriors themselves are not kept. */
  spanPosteriors: SpanPosteriorSummary[];
  /** (W, T, width) span scores as the head reads them (empty unless asked for). */
  spanScores: Float32Array;
  /** (W, classes) class logits. */
  classLogits: Float32Array;
  /** (W, 2) sigmoid pointers (center, length) as fractions of the window. */
  pointers: Float32Array;
}

function wanted(parts: InferenceParts): Required<InferenceParts> {
  return {
    readings: parts.readings ?? true,
    paths: parts.paths ?? true,
    singleSpans: parts.singleSpans ?? true,
    spanPosterior: parts.spanPosterior ?? false,
    spanScores: parts.spanScores ?? false,
  };
}

/** Each window's span-posterior summary, from the head's (B, spanCount(T)) log-posterior. */
function spanPosteriorSummaries(logPosterior: Float64Array, batch: number, bars: number, options: SpanPosteriorSummaryOptions): SpanPosteriorSummary[] {
  const count = spanCount(bars);
  if (logPosterior.length !== batch * count) {
    throw new Error(`spanLogPosterior: expected B ${batch} × spanCount(${bars}) = ${batch * count} values, got ${logPosterior.length}`);
  }
  const workspace = new MinimumRiskWorkspace(bars);
  return Array.from({ length: batch }, (_, b) => summariseSpanPosterior(logPosterior.subarray(b * count, (b + 1) * count), bars, options, workspace));
}

/** One forward pass over `batch` windows of features (B, T, F) and what the head reads off it. */
export function inferBatch(model: JadeCompact, features: Float32Array, batch: number, parts: InferenceParts = {}): Inference {
  const want = wanted(parts);
  const { head } = model;
  const outputs = model.forward(features, batch, { training: false });
  const context = model.headContext(batch);
  const probabilities = head.probabilities(outputs.spanScores, context);
  const readings: Record<string, Float32Array> = {};
  if (want.readings) for (const reading of head.probabilityReadings) readings[reading.key] = reading.compute(outputs.spanScores, context);
  const paths: Record<string, Uint8Array> = {};
  if (want.paths) for (const decoder of head.pathDecoders) paths[decoder.key] = decoder.decode(outputs.spanScores, context);
  return {
    windows: batch,
    bars: model.bars,
    probabilities,
    readings,
    paths,
    singleSpans: want.singleSpans ? head.singleSpans(outputs.spanScores, probabilities, context) : [],
    spanPosteriors: want.spanPosterior
      ? spanPosteriorSummaries(
          head.spanLogPosterior(outputs.spanScores, probabilities, context),
          batch,
          model.bars,
          want.spanPosterior === true ? {} : want.spanPosterior,
        )
      : [],
    spanScores: want.spanScores ? outputs.spanScores.slice() : new Float32Array(0),
    classLogits: outputs.classLogits.slice(),
    pointers: outputs.pointers.slice(),
  };
}

/**
 * The model over `windows` windows of features (W, T, F), in batches of at most `batchSize` (default the
 * model's maxBatch), in order. The result does not depend on the batch size.
 */
export function inferWindows(model: JadeCompact, features: Float32Array, windows: number, options: InferenceParts & { batchSize?: number } = {}): Inference {
  const batchSize = options.batchSize ?? model.maxBatch;
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > model.maxBatch) {
    throw new Error(`batchSize must be an integer in [1, ${model.maxBatch}] (the model's maxBatch), got ${batchSize}`);
  }
  const bars = model.bars;
  const width = model.dims.features;
  if (features.length !== windows * bars * width) {
    throw new Error(`features: expected ${windows}×${bars}×${width} = ${windows * bars * width} values, got ${features.length}`);
  }
  const want = wanted(options);
  const { head } = model;
  const all: Inference = {
    windows,
    bars,
    probabilities: new Float32Array(windows * bars),
    readings: want.readings ? Object.fromEntries(head.probabilityReadings.map((r) => [r.key, new Float32Array(windows * bars)])) : {},
    paths: want.paths ? Object.fromEntries(head.pathDecoders.map((d) => [d.key, new Uint8Array(windows * bars)])) : {},
    singleSpans: [],
    spanPosteriors: [],
    spanScores: new Float32Array(want.spanScores ? windows * bars * model.head.width : 0),
    classLogits: new Float32Array(windows * model.dims.classes),
    pointers: new Float32Array(windows * 2),
  };
  for (let first = 0; first < windows; first += batchSize) {
    const batch = Math.min(batchSize, windows - first);
    const part = inferBatch(model, features.subarray(first * bars * width, (first + batch) * bars * width), batch, options);
    all.probabilities.set(part.probabilities, first * bars);
    for (const [key, values] of Object.entries(part.readings)) all.readings[key]!.set(values, first * bars);
    for (const [key, tags] of Object.entries(part.paths)) all.paths[key]!.set(tags, first * bars);
    all.singleSpans.push(...part.singleSpans);
    all.spanPosteriors.push(...part.spanPosteriors);
    if (want.spanScores) all.spanScores.set(part.spanScores, first * bars * model.head.width);
    all.classLogits.set(part.classLogits, first * model.dims.classes);
    all.pointers.set(part.pointers, first * 2);
  }
  return all;
}

/** Rows `window` of a (W, T) array. */
export function windowRow<T extends Float32Array | Uint8Array>(values: T, window: number, bars: number): T {
  return values.subarray(window * bars, (window + 1) * bars) as T;
}
