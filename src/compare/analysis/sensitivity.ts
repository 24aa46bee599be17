/**
 * "Does the verdict depend on the settings?" (docs/spec.md §9, issue 12): the headline metric — span F1
 * of each objective's own decoder — at other settings than the comparison's, against the other objectives
 * on the same seed's validation windows.
 *
 * Each point is one more training run per seed (the default compare affords the first seed only, within
 * its time bound), so its interval resamples WINDOWS of that seed's validation set: the pooled F1 is
 * recomputed from the resampled windows' bar counts, and each pair's difference resamples every objective's
 * windows together (same windows, same split). With several seeds per point, the windows of every seed
 * are pooled and resampled within their seed. A point's winner follows the compare's rule: the interval of
 * every difference of the winner excludes 0. The sentence says whether every point agrees with the headline winner.
 */
import { Rng } from "../../util/rng.js";
import type { WindowCounts } from "../evaluate.js";
import type { Objective, Sensitivity, SensitivityPoint, Winner } from "../types.js";
import { objectivePairs } from "../pairwise.js";
import { CONVENTIONS } from "./conventions.js";

/** One trained setting of the sensitivity plan, with its runs' per-window counts (one entry per seed). */
export interface SensitivityInput {
  axis: SensitivityPoint["axis"];
  /** The setting in words ("1", "balanced × 0.25", "100 epochs"). */
  setting: string;
  /** Whether this is the comparison's own setting (the main runs). */
  main: boolean;
  posWeight: number | null;
  epochs: number;
  /** Per objective, per seed (same order), the native decoder's per-window counts. */
  counts: Record<Objective, WindowCounts[]>;
  /** Run folders trained for this point, relative to the bundle. */
  runDirectories: string[];
  /** Validation classification accuracy per objective (mean over seeds), and always-majority's. */
  classAccuracy: Record<Objective, number>;
  majorityAccuracy: number;
}

/** A point's setting in words, as sentences name it. */
export function pointName(point: Pick<SensitivityPoint, "axis" | "setting" | "epochs">): string {
  if (point.axis === "pos_weight") return `pos_weight ${point.setting}`;
  if (point.axis === "epochs") return `${point.epochs} epochs`;
  return `${point.setting} task weights`;
}

const f1Of = (tp: number, fp: number, fn: number): number => (tp + fp + fn === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn));

/** Pooled F1 of `counts` over the windows picked by `pick` (window indices per seed). */
function pooledF1(counts: readonly WindowCounts[], pick: readonly (readonly number[])[]): number {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  counts.forEach((seed, s) => {
    for (const w of pick[s]!) {
      tp += seed.truePositives[w]!;
      fp += seed.falsePositives[w]!;
      fn += seed.falseNegatives[w]!;
    }
  });
  return f1Of(tp, fp, fn);
}

/** Type-7 percentile of sorted values. */
function percentile(sorted: readonly number[], q: number): number {
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.ceil(h);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
}

function interval(values: number[], estimate: number): { mean: number; low: number; high: number } {
  const sorted = [...values].sort((a, b) => a - b);
  const tail = (1 - CONVENTIONS.confidence) / 2;
  return { mean: estimate, low: percentile(sorted, tail), high: percentile(sorted, 1 - tail) };
}

/**
 * The winner by the paired intervals: the objective whose interval against every other lies on its side
 * of 0 (above it as the first of a pair, below it as the second), else not established. With two
 * objectives: the first when the interval lies above 0, the second below.
 */
function winnerOf(objectives: readonly Objective[], pairs: SensitivityPoint["pairs"]): Winner {
  const wins = (o: Objective) => pairs.every((p) => (p.first === o ? p.low > 0 : p.second === o ? p.high < 0 : true));
  return objectives.find(wins) ?? "not established";
}

/** One point: every objective's F1 and each pair's difference, windows resampled within each seed (all objectives together). */
export function sensitivityPoint(
  input: SensitivityInput,
  objectives: readonly Objective[],
  rng: Rng,
  resamples: number,
): Omit<SensitivityPoint, "agrees" | "runDirectories"> {
  const counts = objectives.map((o) => input.counts[o]!);
  const sizes = counts[0]!.map((seed) => seed.truePositives.length);
  const all = sizes.map((n) => Array.from({ length: n }, (_, w) => w));
  const pairIndices = objectivePairs(objectives.map((_, i) => i));
  const f1s: number[][] = objectives.map(() => []);
  const differences: number[][] = pairIndices.map(() => []);
  for (let r = 0; r < resamples; r++) {
    const pick = sizes.map((n) => Array.from({ length: n }, () => rng.int(n)));
    const f1 = counts.map((c) => pooledF1(c, pick));
    for (const [k, v] of f1.entries()) f1s[k]!.push(v);
    for (const [k, [i, j]] of pairIndices.entries()) differences[k]!.push(f1[i]! - f1[j]!);
  }
  const estimates = counts.map((c) => pooledF1(c, all));
  const pairs = pairIndices.map(([i, j], k) => ({
    first: objectives[i]!,
    second: objectives[j]!,
    ...interval(differences[k]!, estimates[i]! - estimates[j]!),
  }));
  return {
    axis: input.axis,
    setting: input.setting,
    main: input.main,
    posWeight: input.posWeight,
    epochs: input.epochs,
    f1: Object.fromEntries(objectives.map((o, k) => [o, interval(f1s[k]!, estimates[k]!)])),
    difference: { mean: pairs[0]!.mean, low: pairs[0]!.low, high: pairs[0]!.high },
    pairs,
    winner: winnerOf(objectives, pairs),
    classAccuracy: input.classAccuracy,
    majorityAccuracy: input.majorityAccuracy,
  };
}

/**
 * The sensitivity section: every point, and the sentence that follows from their intervals, given the
 * headline winner of the span F1 (the compare's verdict metric).
 */
export function sensitivityAnalysis(
  inputs: readonly SensitivityInput[],
  objectives: readonly Objective[],
  context: { seeds: number[]; headlineWinner: Winner; resamples: number; notRun: string[]; labels: Record<Objective, string> },
): Sensitivity | null {
  if (inputs.length === 0) return null;
  const points = inputs.map((input, k) => {
    // A generator per point, seeded from the first seed and the point's place: adding a point never moves another's interval.
    const point = sensitivityPoint(input, objectives, new Rng(context.seeds[0]! * 1000 + k), context.resamples);
    return { ...point, agrees: point.winner === context.headlineWinner, runDirectories: input.runDirectories };
  });
  const seedWords = context.seeds.length === 1 ? `seed ${context.seeds[0]}` : `seeds ${context.seeds.join(", ")}`;
  const decided = context.headlineWinner !== "not established" && context.headlineWinner !== "n/a";
  const ahead = (winner: Winner) => `${context.labels[winner] ?? winner} ahead`;
  const named = pointName;
  const list = (chosen: readonly SensitivityPoint[]) => chosen.map(named).join(", ");
  const others = points.filter((p) => !p.main);
  let sentence: string;
  if (decided && points.every((p) => p.agrees)) {
    sentence = `The verdict (${ahead(context.headlineWinner)} on span F1) holds across ${list(points)} (${seedWords}, windows resampled).`;
  } else if (decided) {
    const reversed = others.filter((p) => p.winner !== "not established" && !p.agrees);
    const open = points.filter((p) => p.winner === "not established");
    const parts = [
      ...(reversed.length > 0 ? [`it reverses at ${reversed.map((p) => `${named(p)} (${ahead(p.winner)})`).join(", ")}`] : []),
      ...(open.length > 0 ? [`no winner is established at ${list(open)}`] : []),
    ];
    const held = points.filter((p) => p.agrees);
    sentence =
      `The verdict (${ahead(context.headlineWinner)} on span F1) depends on the settings: ${parts.join("; ")}` +
      `${held.length > 0 ? `; it holds at ${list(held)}` : ""} (${seedWords}, windows resampled).`;
  } else {
    const decisive = points.filter((p) => p.winner !== "not established");
    const one = decisive.length === points.length && new Set(decisive.map((p) => p.winner)).size === 1 ? decisive[0]!.winner : null;
    sentence =
      decisive.length === 0
        ? `No winner on span F1 at any setting tried: ${list(points)} (${seedWords}, windows resampled).`
        : one !== null
          ? `The compare names no winner on span F1 across its seeds; on the windows of ${seedWords} alone the ${context.labels[one] ?? one} is ahead at every setting tried: ${list(points)} (not a verdict: ${context.seeds.length === 1 ? "one seed" : "these seeds"}, windows resampled).`
          : `The compare names no winner on span F1; on ${seedWords} alone, ${decisive.map((p) => `${named(p)}: ${ahead(p.winner)}`).join("; ")} (windows resampled, one seed's windows: not a verdict).`;
  }
  return {
    metric: "f1_native",
    seeds: context.seeds,
    intervalMethod: `${Math.round(CONVENTIONS.confidence * 100)}% percentile bootstrap over the validation windows of ${seedWords} (${context.resamples} resamples), ${objectives.length === 2 ? "both objectives" : "all objectives"} resampled together`,
    points,
    sentence,
    notRun: context.notRun,
  };
}
