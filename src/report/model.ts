/**
 * Reading the comparison model: lookups by key and by objective, and how a winner or an objective is
 * named. No figures are computed here — they are all in the model (src/compare/types.ts).
 */
import type { ComparisonResult, MetricComparison, ObjectiveDescription, PairComparison, Phrase, RunResult } from "../compare/types.js";
import { fixed, formatDifference, formatStatistics, formatValue } from "./format.js";

export function metricByKey(result: ComparisonResult, key: string): MetricComparison | undefined {
  return result.metrics.find((m) => m.key === key);
}

export function requireMetric(result: ComparisonResult, key: string): MetricComparison {
  const metric = metricByKey(result, key);
  if (!metric) throw new Error(`comparison result has no metric ${key}`);
  return metric;
}

/** The runs of one objective in `protocol.seeds` order (the order every per-seed table uses). */
export function runsOf(result: ComparisonResult, objective: string): RunResult[] {
  return result.protocol.seeds.map((seed) => {
    const run = result.runs.find((r) => r.objective === objective && r.seed === seed);
    if (!run) throw new Error(`comparison result has no ${objective} run for seed ${seed}`);
    return run;
  });
}

/** The first seed's run of an objective (whose log is copied to the bundle's top level). */
export function firstRun(result: ComparisonResult, objective: string): RunResult {
  return runsOf(result, objective)[0]!;
}

/** How prose names an objective: its label ("soft span loss", "CRF"). */
export function objectiveLabel(result: ComparisonResult, objective: string): string {
  return result.objectives.find((o) => o.name === objective)?.label ?? objective;
}

/** The winner as prose: an objective's label, or the verdict as is. */
export function winnerName(result: ComparisonResult, winner: string): string {
  return result.objectives.find((o) => o.name === winner)?.label ?? winner;
}

/** "soft − CRF": the first pair's difference (the only pair of two objectives). */
export function differenceName(result: ComparisonResult): string {
  return `${result.objectives[0]!.shortLabel} − ${result.objectives[1]!.shortLabel}`;
}

/** "soft − semi-CRF": how one pair's paired difference is named. */
export function pairName(result: ComparisonResult, pair: Pick<PairComparison, "first" | "second">): string {
  const short = (name: string) => result.objectives.find((o) => o.name === name)?.shortLabel ?? name;
  return `${short(pair.first)} − ${short(pair.second)}`;
}

/** Every pair's name, in pair order ("soft − CRF, soft − semi-CRF, CRF − semi-CRF"). */
export function pairNames(result: ComparisonResult): string {
  return requireMetric(result, "f1_native")
    .pairs.map((pair) => pairName(result, pair))
    .join(", ");
}

/** Whether the documents print a pair's difference in the metric tables (two objectives) or in a table of their own. */
export function onePair(result: ComparisonResult): boolean {
  return result.objectives.length === 2;
}

/** "Soft span loss" from "soft span loss": a label at the start of a sentence or in a table header. */
export function capitalised(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** "posterior_marginals" → "posterior marginals". */
export function words(key: string): string {
  return key.replace(/_/g, " ");
}

/** The objectives' own probabilities, "soft: sigmoid; CRF: posterior marginals". */
export function probabilityNames(objectives: readonly ObjectiveDescription[]): string {
  return objectives.map((o) => `${o.shortLabel}: ${words(o.probabilityKey)}`).join("; ");
}

/** A phrase of the model as text: numbers printed by their kind; statistics by the seed count. */
export function phraseText(phrase: Phrase, seeds: number): string {
  return phrase
    .map((part) => {
      if (typeof part === "string") return part;
      if ("number" in part) return part.number === null ? "n/a" : String(part.number);
      if ("statistics" in part) return formatStatistics(part.statistics, part.kind, seeds);
      if ("difference" in part) return formatDifference(part.difference, part.kind, seeds);
      if ("decimals" in part) return fixed(part.value, part.decimals);
      return formatValue(part.value, part.kind);
    })
    .join("");
}

/** A phrase of `result` as text. */
export function say(result: ComparisonResult, phrase: Phrase): string {
  return phraseText(phrase, result.protocol.seeds.length);
}

/** "Soft Span Loss" from "soft span loss" (a title). */
export function titleCase(text: string): string {
  return text.replace(/(^|\s)(\S)/g, (_, space: string, letter: string) => space + letter.toUpperCase());
}

const NUMBER_WORDS = ["no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"];

/** A small count in words ("two", "three"), digits beyond nine. */
export function countWord(count: number): string {
  return NUMBER_WORDS[count] ?? String(count);
}

/** How many ways an objective's probabilities are read (path decoders, its own p, other readings), in words. */
export function readingsTitle(objective: ObjectiveDescription): string {
  const readings = objective.pathDecoders.length + 1 + objective.probabilityReadings.length;
  return `the ${objective.shortLabel}'s ${NUMBER_WORDS[readings] ?? String(readings)} probability readings`;
}

/** The objectives that read their probabilities more than one way, as "the CRF's three probability readings". */
export function readingsNames(result: ComparisonResult): string {
  return result.objectives
    .filter((o) => o.probabilityReadings.length > 0)
    .map(readingsTitle)
    .join(" and ");
}

/** Which metric decides and what the others are (the role each metric carries in the model). */
export function primaryStatement(result: ComparisonResult): string {
  const primary = result.metrics.find((m) => m.role === "primary");
  const name = primary ? primary.label : "none";
  return (
    `Primary metric, declared before any run and the only one that decides: ${name}. ` +
    "Every other metric is secondary: its winner describes, never decides, and is not adjusted for the many metrics and settings shown."
  );
}

/** Why loss values are not compared: what each objective's span loss is ("the CRF's … ; the soft span loss's …"). */
export function lossScales(objectives: readonly ObjectiveDescription[]): string {
  return objectives.map((o) => `the ${o.label}'s span loss is ${o.lossScale ?? "on its own scale"}`).join("; ");
}
