/**
 * The compared objectives as the bundle names them, read off their span heads: labels, CSV columns, log
 * names, decoders. Everything downstream names an objective through its {@link ObjectiveDescription}, so
 * a new span head needs no change here.
 */
import { spanHead } from "../../model/heads/registry.js";
import type { ObjectiveDescription } from "../types.js";

/** "posterior_marginals" → "posterior marginals". */
export function words(key: string): string {
  return key.replace(/_/g, " ");
}

/** "soft span loss" → "Soft span loss" (a label that starts a sentence or a table header). */
export function capitalised(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/**
 * How prose names a run of the objective: its log stem hyphenated ("soft-span"), spelled as the short
 * label when the two are the same word (`CRF`, not `crf`).
 */
function runLabel(logStem: string, shortLabel: string): string {
  return logStem.toLowerCase() === shortLabel.toLowerCase() ? shortLabel : logStem.replace(/_/g, "-");
}

/** The description of a registered objective. */
export function describeObjective(name: string): ObjectiveDescription {
  const head = spanHead(name);
  const path = head.pathDecoders.find((decoder) => decoder.key === head.nativeDecoder);
  const decodesItsProbability = head.nativeDecoder === head.thresholdDecoder.key;
  return {
    name: head.name,
    label: head.label,
    shortLabel: head.shortLabel,
    column: head.column,
    logStem: head.logStem,
    runLabel: runLabel(head.logStem, head.shortLabel),
    summary: head.summary,
    lossScale: head.lossScale,
    probabilityDescription: head.probabilityDescription,
    probabilityKey: head.probabilityKey,
    probabilityNote: decodesItsProbability ? null : words(head.probabilityKey),
    inferenceComplexity: head.inferenceComplexity,
    nativeDecoder: head.nativeDecoder,
    nativeDecoderName: path ? path.name : "threshold",
    nativeDecoderRule: path ? path.name : "p > threshold",
    thresholdDecoder: { ...head.thresholdDecoder },
    singleSpanDescription: head.singleSpanDescription,
    pathDecoders: head.pathDecoders.map(({ key, name: decoderName, description }) => ({ key, name: decoderName, description })),
    probabilityReadings: head.probabilityReadings.map(({ key, decoder, description }) => ({ key, decoder, description })),
  };
}

/** "soft − CRF": how a paired difference first − second is named. */
export function differenceLabel(objectives: readonly ObjectiveDescription[]): string {
  return `${objectives[0]!.shortLabel} − ${objectives[1]!.shortLabel}`;
}

/** The decoders of an objective in the order its tables list them: paths, threshold, readings, single span. */
export function decoderOrder(objective: ObjectiveDescription): string[] {
  return [
    ...objective.pathDecoders.map((d) => d.key),
    objective.thresholdDecoder.key,
    ...objective.probabilityReadings.map((r) => r.decoder),
    "single_span",
    "minimum_risk",
  ];
}

/** The decoder that scored a threshold choice: the head's threshold decoder, or a reading's. */
export function scoringDecoder(objective: ObjectiveDescription, source: string): string | undefined {
  if (source === "probabilities") return objective.thresholdDecoder.key;
  return objective.probabilityReadings.find((reading) => reading.key === source)?.decoder;
}

/** What a threshold choice thresholded, as threshold_sweeps.csv names it ("sigmoid", "emission_softmax"). */
export function thresholdSourceName(objective: ObjectiveDescription, source: string): string {
  return source === "probabilities" ? objective.probabilityKey : source;
}
