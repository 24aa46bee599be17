/**
 * The series every plot draws, aggregated here so a plot only draws: per-epoch seed means and ranges of
 * the losses, σ's and task scales; reliability bins pooled over seeds; threshold curves averaged over
 * seeds with the chosen thresholds placed on them; the baselines' F1 rules.
 */
import { extent, mean } from "../../eval/statistics.js";
import type { ComparisonResult, ObjectiveDescription, PlotData, RunResult, SeedBand, Task, ThresholdCurves } from "../types.js";
import { baselineLines } from "./baselines.js";
import { pooledReliability } from "./probabilities.js";
import { TASK_KEYS } from "./training.js";

/** Groups values by a string key, keeping first-seen order of keys. */
function groupBy<T>(rows: readonly T[], key: (row: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const row of rows) {
    const k = key(row);
    const group = groups.get(k);
    if (group) group.push(row);
    else groups.set(k, [row]);
  }
  return groups;
}

/** Throws when two rows share a key: a seed counted twice would silently narrow the band and shift the mean. */
function checkUnique<T>(what: string, rows: readonly T[], key: (row: T) => string): void {
  const seen = new Set<string>();
  for (const row of rows) {
    const k = key(row);
    if (seen.has(k)) throw new Error(`${what}: duplicate row for ${k}`);
    seen.add(k);
  }
}

/** The seed mean and range of values. */
export function seedBand(values: readonly number[]): SeedBand {
  return { mean: mean(values), ...extent(values), seeds: values.length };
}

/** Per-run rows of one value per (objective, key), averaged across seeds. */
interface SeedRow {
  objective: string;
  seed: number;
}

/** Train and validation loss per objective, split and epoch: seed mean and min–max. */
export function lossCurves(runs: readonly RunResult[]): PlotData["lossCurves"] {
  const rows = runs.flatMap((run) =>
    run.records.flatMap((r) => [
      { objective: run.objective, seed: run.seed, epoch: r.epoch, split: "train" as const, loss: r.train.unweighted },
      { objective: run.objective, seed: run.seed, epoch: r.epoch, split: "validation" as const, loss: r.validation.unweighted },
    ]),
  );
  checkUnique("loss curves", rows, (p) => `objective ${p.objective}, seed ${p.seed}, split ${p.split}, epoch ${p.epoch}`);
  const points = [...groupBy(rows, (p) => `${p.objective}|${p.split}|${p.epoch}`).values()].map((group) => {
    const { objective, split, epoch } = group[0]!;
    return { objective, split, epoch, ...seedBand(group.map((p) => p.loss)) };
  });
  return { seeds: new Set(runs.map((r) => r.seed)).size, points };
}

/** Seed means of two per-task values per objective, task and epoch. */
function perTaskEpoch<F extends string>(
  what: string,
  runs: readonly RunResult[],
  fields: Record<F, (record: RunResult["records"][number], task: Task) => number>,
): ({ objective: string; task: Task; epoch: number } & Record<F, number>)[] {
  const rows = runs.flatMap((run) =>
    run.records.flatMap((r) =>
      TASK_KEYS.map((task) => ({
        objective: run.objective,
        seed: run.seed,
        epoch: r.epoch,
        task,
        values: Object.fromEntries(
          Object.entries(fields).map(([field, pick]) => [field, (pick as (record: typeof r, task: Task) => number)(r, task)]),
        ) as Record<F, number>,
      })),
    ),
  );
  checkUnique(what, rows, (r) => `objective ${r.objective}, seed ${r.seed}, task ${r.task}, epoch ${r.epoch}`);
  return [...groupBy(rows, (r) => `${r.objective}|${r.task}|${r.epoch}`).values()].map((group) => {
    const { objective, task, epoch } = group[0]!;
    const means = Object.fromEntries(Object.keys(fields).map((field) => [field, mean(group.map((r) => r.values[field as F]))])) as Record<F, number>;
    return { objective, task, epoch, ...means };
  });
}

/** σ and the task's share of the weight, seed means per objective, task and epoch. */
export function sigmaTrajectories(runs: readonly RunResult[]): PlotData["sigma"] {
  const points = perTaskEpoch("σ trajectories", runs, { sigma: (r, task) => r.sigma[task], weight: (r, task) => r.task_weights[task] });
  return { seeds: new Set(runs.map((r) => r.seed)).size, points };
}

/** The raw validation loss and 1/(2σ²) of each task, seed means per objective, task and epoch. */
export function taskScales(runs: readonly RunResult[]): PlotData["taskScales"] {
  const points = perTaskEpoch("task scales", runs, { loss: (r, task) => r.validation[task], weight: (r, task) => r.effective_weights[task] });
  return { seeds: new Set(runs.map((r) => r.seed)).size, points };
}

/** Linear interpolation of a sorted curve at x, clamped to its ends. */
export function interpolate(curve: readonly { x: number; y: number }[], x: number): number {
  if (x <= curve[0]!.x) return curve[0]!.y;
  for (let i = 1; i < curve.length; i++) {
    const right = curve[i]!;
    if (x <= right.x) {
      const left = curve[i - 1]!;
      return right.x === left.x ? right.y : left.y + ((x - left.x) / (right.x - left.x)) * (right.y - left.y);
    }
  }
  return curve[curve.length - 1]!.y;
}

const CURVE_METRICS = ["F1", "precision", "recall"] as const;

/** Threshold sweep rows of some runs (their validation sweeps of the head's own probability). */
export interface SweepRow extends SeedRow {
  threshold: number;
  f1: number;
  precision: number;
  recall: number;
}

/**
 * F1, precision and recall per objective and threshold, averaged across seeds (with min–max), each
 * chosen threshold placed on its objective's mean F1 curve.
 */
export function thresholdCurves(
  rows: readonly SweepRow[],
  chosen: readonly { objective: string; threshold: number }[],
  baselines: ThresholdCurves["baselines"],
): ThresholdCurves {
  checkUnique("threshold curves", rows, (r) => `objective ${r.objective}, seed ${r.seed}, threshold ${r.threshold}`);
  const points: ThresholdCurves["points"] = [];
  const f1Curves = new Map<string, { x: number; y: number }[]>();
  let seeds = 1;
  for (const group of groupBy(rows, (r) => `${r.objective}|${r.threshold}`).values()) {
    const { objective, threshold } = group[0]!;
    seeds = Math.max(seeds, group.length);
    for (const metric of CURVE_METRICS) {
      const band = seedBand(group.map((r) => r[metric === "F1" ? "f1" : metric]));
      points.push({ objective, threshold, metric, ...band });
      if (metric === "F1") {
        const list = f1Curves.get(objective) ?? [];
        list.push({ x: threshold, y: band.mean });
        f1Curves.set(objective, list);
      }
    }
  }
  for (const list of f1Curves.values()) list.sort((a, b) => a.x - b.x);
  const markers = chosen.map((c) => {
    const curve = f1Curves.get(c.objective);
    if (!curve) throw new Error(`threshold curves: a chosen threshold for ${c.objective}, which has no curve`);
    return { objective: c.objective, threshold: c.threshold, f1: interpolate(curve, c.threshold) };
  });
  return { seeds, points, markers, baselines };
}

function sweepRows(runs: readonly RunResult[]): SweepRow[] {
  return runs.flatMap((run) =>
    run.evaluation.thresholds[0]!.validationSweep.map((row) => ({
      objective: run.objective,
      seed: run.seed,
      threshold: row.threshold,
      f1: row.f1,
      precision: row.precision,
      recall: row.recall,
    })),
  );
}

/** Every plot's series. `runsOf` gives an objective's runs in seed order. */
export function plotData(
  objectives: readonly ObjectiveDescription[],
  runsOf: (objective: ObjectiveDescription) => RunResult[],
  ruleBaseline: ComparisonResult["ruleBaseline"],
): PlotData {
  const all = objectives.flatMap(runsOf);
  const firstRuns = objectives.map((o) => runsOf(o)[0]!);
  const firstObjectiveRuns = runsOf(objectives[0]!);
  return {
    lossCurves: lossCurves(all),
    sigma: sigmaTrajectories(all),
    taskScales: taskScales(all),
    reliability: objectives.flatMap((o) => pooledReliability(runsOf(o)).map((bin) => ({ ...bin, objective: o.name }))),
    thresholdCurves: thresholdCurves(
      sweepRows(all),
      objectives.map((o) => ({ objective: o.name, threshold: mean(runsOf(o).map((r) => r.evaluation.thresholds[0]!.threshold)) })),
      baselineLines(firstObjectiveRuns, ruleBaseline),
    ),
    thresholdResults: thresholdCurves(
      sweepRows(firstRuns),
      firstRuns.map((run) => ({ objective: run.objective, threshold: run.evaluation.thresholds[0]!.threshold })),
      baselineLines([firstObjectiveRuns[0]!], ruleBaseline),
    ),
  };
}
