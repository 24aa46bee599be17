/**
 * The extra runs of a compare's sensitivity section (docs/spec.md §9): which settings, where their run
 * folders live (`<bundle>/runs/sensitivity/`), and their evaluation into per-window counts for
 * src/compare/analysis/sensitivity.ts. A point changes one setting from the comparison's own: the
 * pos_weight of the objectives that read it (the others are represented by their main run of the same
 * seed), or the epoch count of both objectives.
 */
import { join, relative } from "node:path";
import { spanHead } from "../model/heads/registry.js";
import { BALANCED, balancedMultiple, type PosWeightSetting, posWeightSettingText } from "../train/pos_weight.js";
import type { TaskWeighting } from "../model/jade_compact.js";
import type { SensitivityInput } from "./analysis/sensitivity.js";
import { type evaluateRun, nativeWindowCounts, type predict, type WindowCounts } from "./evaluate.js";
import type { ComparisonProtocol, Objective, SensitivityPlan } from "./types.js";

/** What `--sensitivity` asks for. */
export const SENSITIVITY_LEVELS = ["pos-weight", "all", "none"] as const;
export type SensitivityLevel = (typeof SENSITIVITY_LEVELS)[number];

/**
 * The pos_weight axis beside the comparison's balanced weight. The default compare trains the reference's
 * 1 and 2 × balanced: with its 10 paired runs on 2 workers, a 13th run costs a whole round (as much as
 * a 14th), which would take the default compare past its 3-minute bound; `--sensitivity all` adds
 * balanced/4 (and the epochs and weighting axes).
 */
export const SENSITIVITY_POS_WEIGHTS: readonly PosWeightSetting[] = [1, `${BALANCED}*2`];
export const FULL_SENSITIVITY_POS_WEIGHTS: readonly PosWeightSetting[] = [1, `${BALANCED}*0.25`, `${BALANCED}*2`];
/** The epochs axis beside the comparison's epochs (`--sensitivity all`). */
export const SENSITIVITY_EPOCHS: readonly number[] = [100, 200];

/**
 * The plan for `level`: `pos-weight` (the default) trains the pos_weight axis (1, 2 × balanced) on the
 * first seed; `all` adds balanced/4, 100 and 200 epochs, and equal task weights; `none`, and the
 * reference protocol, train nothing extra.
 */
export function sensitivityPlan(
  level: SensitivityLevel,
  protocol: Pick<ComparisonProtocol, "objectives" | "seeds" | "epochs" | "posWeight" | "referenceProtocol">,
  seedCount = 1,
): SensitivityPlan {
  if (!Number.isInteger(seedCount) || seedCount < 1) throw new Error(`--sensitivity-seeds must be a positive integer, got ${seedCount}`);
  const none = { posWeights: [], epochs: [], weightings: [], seeds: [] };
  if (level === "none" || protocol.referenceProtocol) return none;
  const readsPosWeight = protocol.objectives.some((objective) => spanHead(objective).usesPosWeight);
  const same = (a: PosWeightSetting, b: PosWeightSetting) => a === b || (balancedMultiple(a) !== null && balancedMultiple(a) === balancedMultiple(b));
  const axis = level === "all" ? FULL_SENSITIVITY_POS_WEIGHTS : SENSITIVITY_POS_WEIGHTS;
  const posWeights = readsPosWeight ? axis.filter((setting) => !same(setting, protocol.posWeight)) : [];
  const epochs = level === "all" ? SENSITIVITY_EPOCHS.filter((e) => e !== protocol.epochs) : [];
  const weightings: TaskWeighting[] = level === "all" ? ["equal"] : [];
  return { posWeights, epochs, weightings, seeds: protocol.seeds.slice(0, seedCount) };
}

/** One extra run: its objective, seed, folder and the settings it changes. */
export interface SensitivityRun {
  axis: SensitivityInput["axis"];
  objective: Objective;
  seed: number;
  directory: string;
  posWeight: PosWeightSetting;
  epochs: number;
  /** The task weighting (absent: the comparison's). */
  weighting?: TaskWeighting;
  /** The point this run belongs to, in words. */
  setting: string;
}

const label = (setting: PosWeightSetting) => String(setting).replace("*", "x");

/** Every extra run of `protocol.sensitivity`, in plan order (points, then objectives, then seeds). */
export function sensitivityRuns(bundleDirectory: string, protocol: ComparisonProtocol): SensitivityRun[] {
  const plan = protocol.sensitivity;
  if (!plan) return [];
  const folder = (objective: Objective, what: string, seed: number) => join(bundleDirectory, "runs", "sensitivity", `${objective}-${what}-seed${seed}`);
  const runs: SensitivityRun[] = [];
  /** One run per objective of `objectives` and seed of the plan, changing what `change` says. */
  const add = (objectives: readonly Objective[], what: string, change: Omit<SensitivityRun, "objective" | "seed" | "directory">) => {
    for (const objective of objectives) {
      for (const seed of plan.seeds) runs.push({ ...change, objective, seed, directory: folder(objective, what, seed) });
    }
  };
  const readers = protocol.objectives.filter((o) => spanHead(o).usesPosWeight);
  for (const posWeight of plan.posWeights) {
    add(readers, `pw${label(posWeight)}`, { axis: "pos_weight", posWeight, epochs: protocol.epochs, setting: posWeightSettingText(posWeight) });
  }
  for (const weighting of plan.weightings ?? []) {
    add(protocol.objectives, `weighting-${weighting}`, {
      axis: "weighting",
      posWeight: protocol.posWeight,
      epochs: protocol.epochs,
      weighting,
      setting: weighting,
    });
  }
  for (const epochs of plan.epochs) {
    add(protocol.objectives, `epochs${epochs}`, { axis: "epochs", posWeight: protocol.posWeight, epochs, setting: String(epochs) });
  }
  return runs;
}

/** A run's native-decoder counts per validation window, the pos_weight it trained with, and its class accuracy. */
export interface RunCounts {
  counts: WindowCounts;
  posWeight: number;
  classAccuracy: number;
  majorityAccuracy: number;
}

/** What `runCounts` reads off an evaluated run. */
export function countsOf(validation: ReturnType<typeof predict>, evaluation: ReturnType<typeof evaluateRun>, posWeight: number): RunCounts {
  return {
    counts: nativeWindowCounts(validation, evaluation),
    posWeight,
    classAccuracy: evaluation.classificationAccuracy,
    majorityAccuracy: evaluation.baselines.majorityClassAccuracy,
  };
}

/**
 * The sensitivity points, each with both objectives' per-window counts on the plan's seeds: the main
 * point first (the comparison's own runs), then the pos_weight axis, then the epochs axis.
 */
export function sensitivityInputs(
  bundleDirectory: string,
  protocol: ComparisonProtocol,
  mainCounts: (objective: Objective, seed: number) => RunCounts,
  /** A sensitivity run's counts on the validation windows of its seed (src/compare/run_evaluations.ts). */
  runCounts: (directory: string, seed: number) => RunCounts,
): SensitivityInput[] {
  const plan = protocol.sensitivity;
  if (!plan || (plan.posWeights.length === 0 && plan.epochs.length === 0 && (plan.weightings ?? []).length === 0)) return [];
  const readsPosWeight = (objective: Objective) => spanHead(objective).usesPosWeight;
  const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
  const runs = sensitivityRuns(bundleDirectory, protocol);
  const extra = (axis: SensitivityInput["axis"], setting: string, objective: Objective, seed: number) =>
    runs.find((r) => r.axis === axis && r.setting === setting && r.objective === objective && r.seed === seed);
  const point = (
    axis: SensitivityInput["axis"],
    setting: string,
    isMain: boolean,
    epochs: number,
    runOf: (objective: Objective, seed: number) => RunCounts,
  ): SensitivityInput => {
    const counts: Record<Objective, WindowCounts[]> = {};
    const classAccuracy: Record<Objective, number> = {};
    const weights: number[] = [];
    const majority: number[] = [];
    for (const objective of protocol.objectives) {
      const seeds = plan.seeds.map((seed) => runOf(objective, seed));
      counts[objective] = seeds.map((run) => run.counts);
      classAccuracy[objective] = mean(seeds.map((run) => run.classAccuracy));
      if (readsPosWeight(objective)) weights.push(...seeds.map((run) => run.posWeight));
      majority.push(...seeds.map((run) => run.majorityAccuracy));
    }
    const own = isMain ? [] : runs.filter((r) => r.axis === axis && r.setting === setting).map((r) => relative(bundleDirectory, r.directory));
    return {
      axis,
      setting,
      main: isMain,
      posWeight: axis === "pos_weight" && weights.length > 0 ? mean(weights) : null,
      epochs,
      counts,
      runDirectories: own,
      classAccuracy,
      majorityAccuracy: mean(majority),
    };
  };
  const inputs: SensitivityInput[] = [];
  if (plan.posWeights.length > 0) {
    inputs.push(point("pos_weight", posWeightSettingText(protocol.posWeight), true, protocol.epochs, mainCounts));
    for (const setting of plan.posWeights.map(posWeightSettingText)) {
      inputs.push(
        point("pos_weight", setting, false, protocol.epochs, (objective, seed) => {
          const run = extra("pos_weight", setting, objective, seed);
          return run ? runCounts(run.directory, seed) : mainCounts(objective, seed);
        }),
      );
    }
  }
  for (const weighting of plan.weightings ?? []) {
    inputs.push(
      point("weighting", weighting, false, protocol.epochs, (objective, seed) => runCounts(extra("weighting", weighting, objective, seed)!.directory, seed)),
    );
  }
  if (plan.epochs.length > 0) {
    inputs.push(point("epochs", String(protocol.epochs), true, protocol.epochs, mainCounts));
    for (const epochs of plan.epochs) {
      inputs.push(
        point("epochs", String(epochs), false, epochs, (objective, seed) => runCounts(extra("epochs", String(epochs), objective, seed)!.directory, seed)),
      );
    }
  }
  return inputs;
}
