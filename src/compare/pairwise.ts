/**
 * Paired differences between every pair of compared objectives and the winner rule over all of them
 * (docs/spec.md §7). Each pair i < j (protocol order) gets the paired rule of a two-objective comparison:
 * its difference i − j with a 95% bootstrap interval, a winner only with enough finite pairs and an
 * interval that excludes 0. An objective wins the metric when every pair it is in names it; a win over
 * some objectives and not others is no win, because shipping it would still be a guess against the rest.
 * With two objectives there is one pair, and the metric's winner and rule are that pair's, word for word.
 */
import { pairedDifference } from "../eval/statistics.js";
import type { Rng } from "../util/rng.js";
import { CONVENTIONS } from "./analysis/conventions.js";
import type { ObjectiveDescription, ObjectiveStatistics, PairComparison, Winner } from "./types.js";

/** Every pair i < j of `items`, in the order (0, 1), (0, 2), …, (1, 2), …. */
export function objectivePairs<T>(items: readonly T[]): [T, T][] {
  const pairs: [T, T][] = [];
  for (let i = 0; i < items.length; i++) for (let j = i + 1; j < items.length; j++) pairs.push([items[i]!, items[j]!]);
  return pairs;
}

/** "soft − CRF": how the paired difference of one pair is named. */
export function pairLabel(first: Pick<ObjectiveDescription, "shortLabel">, second: Pick<ObjectiveDescription, "shortLabel">): string {
  return `${first.shortLabel} − ${second.shortLabel}`;
}

/** What the pair rule needs of a metric: its better direction and its caveat. */
export interface PairedMetric {
  higherIsBetter: boolean | null;
  note?: string;
}

const interval = (d: { low: number; high: number }) => `[${d.low.toFixed(4)}, ${d.high.toFixed(4)}]`;

/**
 * One pair on one metric: the paired difference first − second over the seeds where both are finite,
 * and its winner by the paired rule. `firstStats`/`secondStats` are null when that objective lacks the
 * metric (e.g. a decoder it does not have). Draws from `rng` only when both sides exist.
 */
export function comparePair(
  metric: PairedMetric,
  first: ObjectiveDescription,
  second: ObjectiveDescription,
  firstStats: ObjectiveStatistics | null,
  secondStats: ObjectiveStatistics | null,
  rng: Rng,
  resamples: number,
): PairComparison {
  const base = { first: first.name, second: second.name };
  if (!firstStats || !secondStats) {
    const defined = firstStats ? first : second;
    return { ...base, difference: null, winner: "n/a", rule: `defined for the ${defined.label} only` };
  }
  const pairs = firstStats.values.map((v, i) => [v, secondStats.values[i]!] as const).filter(([a, b]) => Number.isFinite(a) && Number.isFinite(b));
  let difference: PairComparison["difference"] = null;
  if (pairs.length > 1) {
    const d = pairedDifference(
      pairs.map((p) => p[0]),
      pairs.map((p) => p[1]),
      rng,
      { resamples, confidence: CONVENTIONS.confidence },
    );
    difference = { mean: d.mean, low: d.low, high: d.high, established: d.established };
  } else if (pairs.length === 1) {
    const only = pairs[0]![0] - pairs[0]![1];
    difference = { mean: only, low: only, high: only, established: false };
  }
  if (metric.higherIsBetter === null) {
    return { ...base, difference, winner: "n/a", rule: metric.note ? `descriptive; ${metric.note}` : "descriptive: no better direction" };
  }
  const minimum = CONVENTIONS.minimumPairedSeeds;
  if (!difference || pairs.length < minimum) {
    const why =
      pairs.length < 2
        ? "one paired run per objective cannot establish a difference"
        : `${pairs.length} paired seeds are too few: the interval excludes 0 by chance with probability ${(100 * 2 ** (1 - pairs.length)).toFixed(1)}% whenever all differences share a sign`;
    return { ...base, difference, winner: "not established", rule: `${why} (run --seeds ${minimum} or more)` };
  }
  const label = pairLabel(first, second);
  if (!difference.established) {
    return { ...base, difference, winner: "not established", rule: `the 95% interval of ${label} ${interval(difference)} contains 0` };
  }
  const firstBetter = metric.higherIsBetter ? difference.mean > 0 : difference.mean < 0;
  return {
    ...base,
    difference,
    winner: firstBetter ? first.name : second.name,
    rule: `the 95% interval of ${label} ${interval(difference)} excludes 0; ${metric.higherIsBetter ? "higher" : "lower"} is better`,
  };
}

/** The rule over all objectives, stated where a winner rule is stated (recommendation rules, the bundle). */
export function winnerRuleText(objectives: readonly ObjectiveDescription[], unit: "seeds" | "outer folds" = "seeds"): string {
  const minimum = CONVENTIONS.minimumPairedSeeds;
  if (objectives.length === 2) {
    return `A winner is named only when the 95% bootstrap interval of the paired difference ${pairLabel(objectives[0]!, objectives[1]!)} excludes 0, over at least ${minimum} paired ${unit} (with fewer, the interval excludes 0 by chance too often).`;
  }
  const labels = objectivePairs(objectives).map(([a, b]) => pairLabel(a, b));
  return `A winner is named only when the 95% bootstrap interval of its paired difference against every other objective (${labels.join(", ")}) excludes 0 in its favour, each over at least ${minimum} paired ${unit} (with fewer, an interval excludes 0 by chance too often); a win over some objectives but not all names no winner.`;
}

/**
 * The metric's winner over all `objectives` from its pairs (in {@link objectivePairs} order): the
 * objective every pair it is in names, else "not established"; "n/a" for a descriptive metric or one
 * fewer than two objectives have. Objectives without the metric (`defined[i]` false) are left out.
 */
export function overallWinner(
  metric: PairedMetric,
  objectives: readonly ObjectiveDescription[],
  defined: readonly boolean[],
  pairs: readonly PairComparison[],
): { winner: Winner; rule: string } {
  if (objectives.length === 2) return { winner: pairs[0]!.winner, rule: pairs[0]!.rule };
  const having = objectives.filter((_, i) => defined[i]);
  const labelOf = (name: string) => objectives.find((o) => o.name === name)!;
  if (having.length < 2) {
    return { winner: "n/a", rule: having.length === 1 ? `defined for the ${having[0]!.label} only` : "defined for no compared objective" };
  }
  const names = new Set(having.map((o) => o.name));
  const among = pairs.filter((p) => names.has(p.first) && names.has(p.second));
  const only = having.length < objectives.length ? `defined for ${having.map((o) => `the ${o.label}`).join(" and ")} only; ` : "";
  if (metric.higherIsBetter === null) return { winner: "n/a", rule: among[0]!.rule };
  const winner = having.find((o) => among.every((p) => (p.first !== o.name && p.second !== o.name) || p.winner === o.name));
  const direction = `${metric.higherIsBetter ? "higher" : "lower"} is better`;
  if (winner) {
    const own = among.filter((p) => p.first === winner.name || p.second === winner.name);
    const intervals = own.map((p) => `${pairLabel(labelOf(p.first), labelOf(p.second))} ${interval(p.difference!)}`);
    return {
      winner: winner.name,
      rule: `${only}the ${winner.label} beats every other objective: the 95% intervals of ${intervals.join(", ")} exclude 0; ${direction}`,
    };
  }
  // Too few seeds say the same for every pair: say it once.
  if (among.every((p) => p.winner === "not established" && p.rule === among[0]!.rule) && !among[0]!.rule.startsWith("the 95% interval")) {
    return { winner: "not established", rule: `${only}${among[0]!.rule}` };
  }
  const outcomes = among.map((p) => {
    const label = pairLabel(labelOf(p.first), labelOf(p.second));
    const range = p.difference ? ` ${interval(p.difference)}` : "";
    if (p.winner === p.first || p.winner === p.second) return `${label}${range} excludes 0 (${labelOf(p.winner).shortLabel} ahead)`;
    return p.difference && p.rule.startsWith("the 95% interval") ? `${label}${range} contains 0` : `${label}: ${p.rule}`;
  });
  return { winner: "not established", rule: `${only}no objective beats every other: ${outcomes.join("; ")}; ${direction}` };
}
