/**
 * "Does the verdict depend on the settings?" (docs/spec.md §9, issue 12): the headline metric — span F1
 * of each objective's own decoder — at other settings than the comparison's, against the other objective
 * on the same seed's validation windows.
 *
 * Each point is one more training run per seed (the default compare affords the first seed only, within
 * its time bound), so its interval resamples WINDOWS of that seed's validation set: the pooled F1 is
 * recomputed from the resampled windows' bar counts, and the paired difference resamples both objectives'
 * windows together (same windows, same split). With several seeds per point, the windows of every seed
 * are pooled and resampled within their seed. A point's winner follows the compare's rule: the interval of
 * the difference excludes 0. The sentence says whether every point agrees with the headline winner.
 */
import { Rng } from "../../util/rng.js";
import type { WindowCounts } from "../evaluate.js";
import type { Objective, Sensitivity, SensitivityPoint, Winner } from "../types.js";
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

/** The winner by the paired interval: first when it lies above 0, second below, else not established. */
function winnerOf(objectives: readonly [Objective, Objective], difference: { low: number; high: number }): Winner {
  if (difference.low > 0) return objectives[0];
  if (difference.high < 0) return objectives[1];
  return "not established";
}

/** One point: both objectives' F1 and their difference, windows resampled within each seed. */
export function sensitivityPoint(
  input: SensitivityInput,
  objectives: readonly [Objective, Objective],
  rng: Rng,
  resamples: number,
): Omit<SensitivityPoint, "agrees" | "runDirectories"> {
  const [first, second] = objectives;
  const a = input.counts[first]!;
  const b = input.counts[second]!;
  const sizes = a.map((seed) => seed.truePositives.length);
  const all = sizes.map((n) => Array.from({ length: n }, (_, w) => w));
  const f1First: number[] = [];
  const f1Second: number[] = [];
  const differences: number[] = [];
  for (let r = 0; r < resamples; r++) {
    const pick = sizes.map((n) => Array.from({ length: n }, () => rng.int(n)));
    const x = pooledF1(a, pick);
    const y = pooledF1(b, pick);
    f1First.push(x);
    f1Second.push(y);
    differences.push(x - y);
  }
  const estimateFirst = pooledF1(a, all);
  const estimateSecond = pooledF1(b, all);
  const difference = interval(differences, estimateFirst - estimateSecond);
  return {
    axis: input.axis,
    setting: input.setting,
    main: input.main,
    posWeight: input.posWeight,
    epochs: input.epochs,
    f1: { [first]: interval(f1First, estimateFirst), [second]: interval(f1Second, estimateSecond) },
    difference,
    winner: winnerOf(objectives, difference),
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
  objectives: readonly [Objective, Objective],
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
    intervalMethod: `${Math.round(CONVENTIONS.confidence * 100)}% percentile bootstrap over the validation windows of ${seedWords} (${context.resamples} resamples), both objectives resampled together`,
    points,
    sentence,
    notRun: context.notRun,
  };
}
