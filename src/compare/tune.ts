/**
 * `spanlab compare --tune` as a library (docs/spec.md §9, nested selection). Outer folds estimate; inside
 * each, a budgeted search chooses each objective's settings on an inner split of the fold's training
 * windows; the chosen settings are retrained on the whole outer training side and scored on the outer
 * validation windows, which no selection decision ever reads; the folds then stand in for seeds in
 * compare's paired verdict (src/compare/compare.ts assembleComparison).
 *
 * The search is successive halving over epochs (src/compare/tune_space.ts): every sampled candidate
 * trains to the first epoch count, the better ⌈n/halving⌉ are continued to the next, and so on. Phases
 * run one after another, each on every worker; each is resumable, and a continued run is a copy of its
 * shorter run renamed into place, so a crash never leaves a half-copied folder.
 */
import { z } from "zod";
import { cpSync, existsSync, renameSync, rmSync } from "node:fs";
import { join, relative } from "node:path";
import { loadWindowsReport } from "../data/load.js";
import { explicitSplit } from "../data/splits.js";
import type { Window } from "../data/window.js";
import { loadCheckpoint } from "../model/checkpoint.js";
import { windowTensors, type WindowTensors } from "../train/dataset.js";
import { RUN_FILES, type RunManifest } from "../train/train.js";
import type { TrainConfigInput } from "../train/config.js";
import { writeFileAtomic } from "../util/files.js";
import {
  assembleComparison,
  createComparisonFolder,
  readStoredComparison,
  resolveProtocol,
  resumeComparison,
  runConfig,
  runPlan,
  trainMissing,
  type CompareOptions,
  type CompareOutcome,
  type StoredCompareConfig,
  lockedComparison,
  assertTrainable,
} from "./compare.js";
import { evaluateRun, predict } from "./evaluate.js";
import { RunEvaluations } from "./run_evaluations.js";
import { primaryMetricValue } from "./metrics.js";
import { tuningAnalysis } from "./analysis/tuning.js";
import { innerRunDirectory, innerSplitIds, outerSplitIds, tunePlan } from "./tune_plan.js";
import { chooseSetting, DEFAULT_HALVING, DEFAULT_OUTER_FOLDS, DEFAULT_SEARCH_SPACE, DEFAULT_TUNE_BUDGET, promote } from "./tune_space.js";
import type { ComparisonProtocol, Objective } from "./types.js";
import type { ChosenSetting, OuterFold, SearchSpace, TuneCandidate, TunePoint } from "./tune_types.js";
import { readJsonFile } from "../util/read_file.js";

export interface TuneCompareOptions extends CompareOptions {
  /** Outer folds, the paired units of the verdict (default 5, the fewest that may name a winner). */
  outerFolds?: number;
  /** Configurations sampled per objective and outer fold (default 3). */
  budget?: number;
  /** Successive halving keeps the best ⌈n/halving⌉ after each epoch count (default 3). */
  halving?: number;
  space?: SearchSpace;
}

/** Scores of inner runs by folder (relative to the bundle), kept beside them so a resumed search does not re-score. */
const SCORES_FILE = join("runs", "tune", "scores.json");

/** Runs a new tuned comparison into a new bundle folder. */
export async function tuneCompare(options: TuneCompareOptions): Promise<CompareOutcome> {
  if (options.referenceProtocol) throw new Error("--tune cannot be combined with --reference-protocol (one seed, no folds)");
  if (options.sensitivity !== undefined && options.sensitivity !== "none") {
    throw new Error("--tune runs no sensitivity points: its search reports every setting it tried (leave out --sensitivity)");
  }
  const outerFolds = options.outerFolds ?? DEFAULT_OUTER_FOLDS;
  const base = resolveProtocol({ ...options, seeds: outerFolds, sensitivity: "none" });
  assertTrainable(base, options.data);
  const windows = (await loadWindowsReport(options.data, {})).windows;
  const tune = tunePlan(windows, base, {
    outerFolds,
    budget: options.budget ?? DEFAULT_TUNE_BUDGET,
    halving: options.halving ?? DEFAULT_HALVING,
    space: options.space ?? DEFAULT_SEARCH_SPACE,
  });
  const protocol: ComparisonProtocol = {
    ...base,
    tune,
    evaluatedCheckpoint: "last.safetensors of each fold's final run (its chosen epochs; no selection on its validation windows)",
  };
  const { bundleDirectory, stored } = createComparisonFolder(options, protocol);
  return lockedComparison(bundleDirectory, options, () => runTunedComparison(bundleDirectory, stored, options));
}

/** Finishes an interrupted comparison, tuned or not, in its folder. */
export async function resumeAnyComparison(
  bundleDirectory: string,
  options: Pick<CompareOptions, "workers" | "executor" | "onRunEvent" | "onMessage" | "finish"> = {},
): Promise<CompareOutcome> {
  const stored = readStoredComparison(bundleDirectory, options.workers);
  if (!stored.protocol.tune) return resumeComparison(bundleDirectory, options);
  return lockedComparison(bundleDirectory, options, () => runTunedComparison(bundleDirectory, stored, { ...options, data: stored.data }));
}

/** One point of the search plan: a candidate of an objective in a fold, at one epoch count. */
interface PlannedPoint {
  fold: OuterFold;
  objective: Objective;
  candidate: TuneCandidate;
  epochs: number;
  directory: string;
  /** The shorter run this one continues (null on the first rung). */
  continues: string | null;
}

async function runTunedComparison(bundleDirectory: string, stored: StoredCompareConfig, options: CompareOptions): Promise<CompareOutcome> {
  const { protocol, data } = stored;
  const message = options.onMessage ?? (() => {});
  const windows = (await loadWindowsReport(data, {})).windows;
  const points = await searchFolds(bundleDirectory, stored, windows, options);

  // Retrain each fold's chosen settings on its whole outer training side.
  const chosen = chosenSettings(protocol, points);
  const finals = runPlan(bundleDirectory, protocol).map((run) => {
    const fold = protocol.tune!.folds.find((f) => f.seed === run.seed)!;
    const setting = chosen.get(key(fold.fold, run.objective))!;
    return { directory: run.directory, config: finalConfig(protocol, data, run.objective, fold, setting) };
  });
  message("retraining each outer fold's chosen settings on its training windows");
  // Each final run is evaluated as soon as it finishes, while the workers train the rest.
  const evaluations = new RunEvaluations(bundleDirectory, protocol, data, windows, runPlan(bundleDirectory, protocol));
  await trainMissing(bundleDirectory, finals, protocol, { ...options, onRunDone: (directory) => evaluations.runFinished(directory) }, "final runs");

  const tuning = tuningAnalysis(
    protocol,
    points,
    chosen,
    finals.map((f) => f.config),
  );
  const { result } = await assembleComparison(bundleDirectory, stored, { onMessage: message, tuning, evaluations });
  return { bundleDirectory, result };
}

const key = (fold: number, objective: Objective) => `${fold}:${objective}`;

/**
 * The search of every fold, phase by phase (one phase per epoch count), returning every evaluated point
 * by fold and objective. `onlyFolds` restricts it (tests use it to search one fold).
 */
export async function searchFolds(
  bundleDirectory: string,
  stored: StoredCompareConfig,
  windows: readonly Window[],
  options: Pick<CompareOptions, "onRunEvent" | "onMessage">,
  onlyFolds?: readonly number[],
): Promise<Map<string, TunePoint[]>> {
  const { protocol, data } = stored;
  const tune = protocol.tune!;
  const message = options.onMessage ?? (() => {});
  const folds = tune.folds.filter((fold) => !onlyFolds || onlyFolds.includes(fold.fold));
  const scores = readScores(bundleDirectory);
  const inputs = new Map<boolean, WindowTensors>();
  const points = new Map<string, TunePoint[]>();
  for (const [rung, epochs] of tune.space.epochs.entries()) {
    const planned: PlannedPoint[] = [];
    for (const fold of folds) {
      for (const objective of protocol.objectives) {
        const candidates = tune.candidates[objective]![fold.fold - 1]!;
        const earlier = points.get(key(fold.fold, objective)) ?? [];
        const alive =
          rung === 0
            ? candidates.map((c) => c.index)
            : promote(
                earlier.filter((p) => p.epochs === tune.space.epochs[rung - 1]),
                tune.halving,
              );
        for (const index of alive) {
          const candidate = candidates.find((c) => c.index === index)!;
          planned.push({
            fold,
            objective,
            candidate,
            epochs,
            directory: innerRunDirectory(bundleDirectory, fold.fold, objective, index, epochs),
            continues: rung === 0 ? null : innerRunDirectory(bundleDirectory, fold.fold, objective, index, tune.space.epochs[rung - 1]!),
          });
        }
      }
    }
    for (const point of planned) if (point.continues !== null && !existsSync(point.directory)) continueRun(point.continues, point.directory, epochs);
    message(`search, ${epochs} epochs: ${planned.length} inner runs over ${folds.length} outer folds`);
    await trainMissing(
      bundleDirectory,
      planned.map((point) => ({ directory: point.directory, config: innerConfig(protocol, data, point) })),
      protocol,
      options,
      "inner runs",
    );
    for (const point of planned) {
      const relativeDirectory = relative(bundleDirectory, point.directory);
      if (!scores.has(relativeDirectory)) {
        if (!inputs.has(point.candidate.position)) inputs.set(point.candidate.position, windowTensors(windows, { position: point.candidate.position }));
        scores.set(relativeDirectory, scoreInnerRun(point, windows, inputs.get(point.candidate.position)!, protocol));
      }
      const list = points.get(key(point.fold.fold, point.objective)) ?? [];
      list.push({ candidate: point.candidate.index, epochs, score: scores.get(relativeDirectory)!, runDirectory: relativeDirectory });
      points.set(key(point.fold.fold, point.objective), list);
    }
    writeScores(bundleDirectory, scores);
  }
  return points;
}

/** The chosen setting of every fold and objective. */
export function chosenSettings(protocol: ComparisonProtocol, points: Map<string, TunePoint[]>): Map<string, ChosenSetting> {
  const tune = protocol.tune!;
  const chosen = new Map<string, ChosenSetting>();
  for (const fold of tune.folds) {
    for (const objective of protocol.objectives) {
      const own = points.get(key(fold.fold, objective));
      if (own) chosen.set(key(fold.fold, objective), chooseSetting(own, tune.candidates[objective]![fold.fold - 1]!));
    }
  }
  return chosen;
}

/** A candidate's inner run: the fold's seed, the candidate's settings, the inner split by window id. */
function innerConfig(protocol: ComparisonProtocol, data: string, point: PlannedPoint): TrainConfigInput {
  return {
    ...runConfig(protocol, data, point.objective, point.fold.seed),
    epochs: point.epochs,
    learningRate: point.candidate.learningRate,
    position: point.candidate.position,
    posWeight: point.candidate.posWeight ?? protocol.posWeight,
    explicitSplit: innerSplitIds(point.fold),
  };
}

/** A fold's final run: its chosen settings, on the outer split by window id. */
function finalConfig(protocol: ComparisonProtocol, data: string, objective: Objective, fold: OuterFold, setting: ChosenSetting): TrainConfigInput {
  return {
    ...runConfig(protocol, data, objective, fold.seed),
    epochs: setting.epochs,
    learningRate: setting.learningRate,
    position: setting.position,
    posWeight: setting.posWeight ?? protocol.posWeight,
    explicitSplit: outerSplitIds(fold),
  };
}

/**
 * The selection metric of an inner run: the primary metric on the fold's inner validation windows, the
 * soft head's threshold chosen on the inner training windows. Only the inner split's windows are read.
 */
function scoreInnerRun(point: PlannedPoint, windows: readonly Window[], inputs: WindowTensors, protocol: ComparisonProtocol): number {
  const split = explicitSplit(windows, innerSplitIds(point.fold));
  const { model } = loadCheckpoint(join(point.directory, RUN_FILES.last), { maxBatch: protocol.batchSize });
  const evaluation = evaluateRun(predict(model, inputs, split.train), predict(model, inputs, split.validation), { minRunLength: protocol.minRunLength });
  return primaryMetricValue({ objective: point.objective, evaluation });
}

/**
 * Continues a finished run to `epochs` in a new folder: a copy of the shorter run whose config asks for
 * more epochs, resumed by the worker. The copy is made under a temporary name and renamed into place.
 */
export function continueRun(from: string, to: string, epochs: number): void {
  const partial = `${to}.partial`;
  rmSync(partial, { recursive: true, force: true });
  cpSync(from, partial, { recursive: true });
  const manifest = readJsonFile(join(partial, RUN_FILES.config), "run configuration", "a run's config.json as spanlab writes it") as RunManifest;
  manifest.config.epochs = epochs;
  writeFileAtomic(join(partial, RUN_FILES.config), `${JSON.stringify(manifest, null, 2)}\n`);
  renameSync(partial, to);
}

function readScores(bundleDirectory: string): Map<string, number> {
  const path = join(bundleDirectory, SCORES_FILE);
  if (!existsSync(path)) return new Map();
  return new Map(
    Object.entries(readJsonFile(path, "inner-validation scores", "an object of scores by candidate", z.record(z.string(), z.number().nullable()))).map(
      ([k, v]) => [k, v ?? Number.NaN],
    ),
  );
}

function writeScores(bundleDirectory: string, scores: Map<string, number>): void {
  // NaN (an undefined metric) is stored as null, JSON having no NaN.
  const entries = Object.fromEntries([...scores].map(([k, v]) => [k, Number.isFinite(v) ? v : null]));
  writeFileAtomic(join(bundleDirectory, SCORES_FILE), `${JSON.stringify(entries, null, 1)}\n`);
}
