/**
 * `spanlab compare` as a library: trains the compared objectives (two or more) over the same seeds and splits (paired), on
 * worker threads, evaluates every run on its validation windows, aggregates across seeds with bootstrap
 * intervals and analyses the result into the comparison model, written as `comparison.json` beside the
 * runs. Rendering the bundle from that model is the report's job (src/app/compare.ts joins the two). An
 * interrupted compare resumes without redoing finished runs.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join, resolve } from "node:path";
import { loadWindowsReport } from "../data/load.js";
import type { SplitKind } from "../data/splits.js";
import { DEFAULT_COMPARED_OBJECTIVES, REFERENCE_OBJECTIVES, spanHead } from "../model/heads/registry.js";
import { describeSplit, runSplit, type TrainEvent } from "../train/train.js";
import { REFERENCE_SETTINGS, TRAIN_DEFAULTS, resolveTrainConfig, type TrainConfigInput } from "../train/config.js";
import type { PosWeightSetting } from "../train/pos_weight.js";
import type { TaskWeighting } from "../model/jade_compact.js";
import { assertRegularFile, createFreshDirectory, writeFileAtomic } from "../util/files.js";
import { withFolderLock } from "../util/lock.js";
import { packageVersion } from "../util/package.js";
import { compareRuns, metricDefinitions, recommend, referenceHeuristic } from "./aggregate.js";
import { analyseComparison } from "./analysis/index.js";
import { technicalDetails } from "./technical_details.js";
import { withRuleBaseline } from "./analysis/baselines.js";
import { describeObjective } from "./analysis/objectives.js";
import type { predict } from "./evaluate.js";
import { RunEvaluations } from "./run_evaluations.js";
import { sensitivityAnalysis } from "./analysis/sensitivity.js";
import { classHeadAnalysis } from "./analysis/class_head.js";
import { spanPosteriorAnalysis } from "./analysis/span_posterior.js";
import { logisticClassBaseline } from "../eval/logistic_baseline.js";
import { SENSITIVITY_EPOCHS, sensitivityInputs, sensitivityPlan, sensitivityRuns, type RunCounts, type SensitivityLevel } from "./sensitivity_runs.js";
import type { ComparisonProtocol, ComparisonResult, DataSplit, Objective, RunResult } from "./types.js";
import { createHash } from "node:crypto";
import { onlyTemporaryFiles, recoverRun } from "../train/run_commit.js";
import type { TuningAnalysis } from "./tune_types.js";
import { trainMissing } from "./run_folders.js";
import { ruleBaselineAcrossSeeds } from "./rule_baseline_runs.js";
import { exampleWindows } from "./example_windows.js";

export { completedRecords, trainMissing } from "./run_folders.js";
export { ruleBaselineAcrossSeeds } from "./rule_baseline_runs.js";
import { splitSettings } from "./run_split.js";
import { readJsonFile } from "../util/read_file.js";
import { storedCompareConfigSchema } from "./stored_config.js";
import type { RunExecutor } from "../train/executor.js";

export { splitSettings } from "./run_split.js";

/** Seeds of a compare: `count` consecutive seeds from `first`. */
export const DEFAULT_SEEDS = 5;
export const DEFAULT_FIRST_SEED = 42;

export interface CompareOptions {
  data: string;
  /** The span objectives to compare (two or more), by head name (default: the reference's question, soft span loss vs CRF). */
  objectives?: readonly string[];
  seeds?: number;
  firstSeed?: number;
  epochs?: number;
  batchSize?: number;
  learningRate?: number;
  weightDecay?: number;
  clipGradNorm?: number | null;
  /** docs/spec.md §5 (default `auto`: the purged time split for windows with bar times, else `group`). */
  split?: SplitKind;
  /** Time splits: the embargo in bars (default null: 1% of the bar times). */
  embargoBars?: number | null;
  validationFraction?: number;
  /** The soft span loss's positive weight (default `balanced`, resolved on each run's training windows). */
  posWeight?: PosWeightSetting;
  minRunLength?: number;
  bootstrapResamples?: number;
  /** How the four task losses combine (default kendall, the reference's). */
  weighting?: TaskWeighting;
  /** Add the 13th feature, bar position t/104 (default off, as the reference). */
  position?: boolean;
  /** Extra runs for the sensitivity section (default `pos-weight`: the pos_weight axis on the first seed). */
  sensitivity?: SensitivityLevel;
  /** Seeds every sensitivity point trains on: the first `n` of the comparison's (default 1). */
  sensitivitySeeds?: number;
  /** The reference protocol exactly: one seed, the reference row split, pos_weight 1.0, AdamW, 50 epochs, batch 32. */
  referenceProtocol?: boolean;
  /** Worker threads (default: one per core). */
  workers?: number;
  /** Where the training runs execute (default: `workers` worker threads here; src/queue's for `--queue`). */
  executor?: RunExecutor;
  /** Parent of new comparison folders (default `comparisons`). */
  root?: string;
  /** Exact bundle folder to create (must not exist or be empty). */
  out?: string;
  /** Per-run progress: the run's label and its training event. */
  onRunEvent?: (label: string, event: TrainEvent) => void;
  /** Coarse progress messages (training, evaluation). */
  onMessage?: (message: string) => void;
  /**
   * Runs once the comparison model is written, still holding the folder's lock: the application writes the
   * bundle's documents here, so no second writer can start on the folder between the model and its bundle.
   */
  finish?: (outcome: CompareOutcome) => Promise<void>;
}

export interface CompareOutcome {
  bundleDirectory: string;
  result: ComparisonResult;
}

const COMPARE_CONFIG = "compare_config.json";
/** The model's file in a bundle folder; its presence marks a comparison as complete. */
export const COMPARISON_FILE = "comparison.json";

/** What `compare_config.json` holds: enough to resume or re-evaluate the comparison. */
export interface StoredCompareConfig {
  spanlab_version: string;
  data: string;
  data_sha256: string;
  protocol: ComparisonProtocol;
}

/** The full protocol of a comparison from its options (the reference protocol overrides what it fixes). */
export function resolveProtocol(options: CompareOptions): ComparisonProtocol {
  const reference = options.referenceProtocol ?? false;
  const seedCount = reference ? 1 : (options.seeds ?? DEFAULT_SEEDS);
  if (!Number.isInteger(seedCount) || seedCount < 1) throw new Error(`--seeds must be a positive integer, got ${seedCount}`);
  const first = options.firstSeed ?? DEFAULT_FIRST_SEED;
  const workers = options.workers ?? availableParallelism();
  if (!Number.isInteger(workers) || workers < 1) throw new Error(`--workers must be a positive integer, got ${workers}`);
  const minRunLength = options.minRunLength ?? 1;
  if (!Number.isInteger(minRunLength) || minRunLength < 1) throw new Error(`--min-run-length must be an integer ≥ 1, got ${minRunLength}`);
  // The reference protocol asks the reference's question (soft span loss vs CRF) unless told otherwise.
  const objectives = comparedObjectives(options.objectives ?? (reference ? REFERENCE_OBJECTIVES : undefined));
  const protocol: ComparisonProtocol = {
    objectives,
    seeds: Array.from({ length: seedCount }, (_, i) => first + i),
    // The reference protocol fixes its settings; everything else defaults to the training schema's defaults.
    epochs: reference ? REFERENCE_SETTINGS.epochs : (options.epochs ?? TRAIN_DEFAULTS.epochs),
    batchSize: reference ? REFERENCE_SETTINGS.batchSize : (options.batchSize ?? TRAIN_DEFAULTS.batchSize),
    learningRate: reference ? REFERENCE_SETTINGS.learningRate : (options.learningRate ?? TRAIN_DEFAULTS.learningRate),
    weightDecay: reference ? REFERENCE_SETTINGS.weightDecay : (options.weightDecay ?? TRAIN_DEFAULTS.weightDecay),
    clipGradNorm: reference ? REFERENCE_SETTINGS.clipGradNorm : (options.clipGradNorm ?? TRAIN_DEFAULTS.clipGradNorm),
    split: reference ? REFERENCE_SETTINGS.split : (options.split ?? TRAIN_DEFAULTS.split),
    embargoBars: options.embargoBars ?? TRAIN_DEFAULTS.embargoBars,
    validationFraction: options.validationFraction ?? TRAIN_DEFAULTS.validationFraction,
    posWeight: reference ? REFERENCE_SETTINGS.posWeight : (options.posWeight ?? TRAIN_DEFAULTS.posWeight),
    minRunLength,
    bootstrapResamples: options.bootstrapResamples ?? 2000,
    weighting: reference ? "kendall" : (options.weighting ?? TRAIN_DEFAULTS.weighting),
    position: reference ? false : (options.position ?? TRAIN_DEFAULTS.position),
    referenceProtocol: reference,
    thresholdChosenOn: "the training windows of each run (best pooled F1 over the grid 0.01–0.99); never the validation windows it is scored on",
    evaluatedCheckpoint: "last.safetensors (the final epoch; no selection on validation windows)",
    workers,
  };
  return { ...protocol, sensitivity: sensitivityPlan(options.sensitivity ?? "pos-weight", protocol, options.sensitivitySeeds ?? 1) };
}

/**
 * Two or more distinct registered objectives, in the order given (the order of every table's columns and
 * of each pair's difference); an unknown name fails here, naming the known ones.
 */
export function comparedObjectives(objectives: readonly string[] | undefined): Objective[] {
  const names = objectives ?? DEFAULT_COMPARED_OBJECTIVES;
  if (names.length < 2) throw new Error(`a comparison needs at least two objectives, got ${names.length === 0 ? "none" : `only ${names[0]}`}`);
  const repeated = names.find((name, i) => names.indexOf(name) !== i);
  if (repeated !== undefined) throw new Error(`a comparison needs different objectives, got ${repeated} twice`);
  return names.map((name) => spanHead(name).name);
}

/**
 * The objectives of a stored comparison: a compare_config.json (or comparison.json) written before
 * objectives were recorded compared the reference pair, soft span loss vs CRF, whatever today's default is.
 */
export function storedObjectives(protocol: { objectives?: readonly string[] | undefined }): Objective[] {
  return comparedObjectives(protocol.objectives ?? REFERENCE_OBJECTIVES);
}

/** The training configuration of one run of a comparison. */
export function runConfig(protocol: ComparisonProtocol, data: string, objective: Objective, seed: number): TrainConfigInput {
  return {
    loss: objective,
    data,
    seed,
    epochs: protocol.epochs,
    batchSize: protocol.batchSize,
    learningRate: protocol.learningRate,
    weightDecay: protocol.weightDecay,
    clipGradNorm: protocol.clipGradNorm,
    split: protocol.split,
    embargoBars: protocol.embargoBars ?? null,
    validationFraction: protocol.validationFraction,
    posWeight: protocol.posWeight,
    weighting: protocol.weighting ?? "kendall",
    position: protocol.position ?? false,
  };
}

/** Refuses, before any folder exists, a protocol whose runs' training settings the training schema refuses. */
export function assertTrainable(protocol: ComparisonProtocol, data: string): void {
  for (const objective of protocol.objectives) resolveTrainConfig(runConfig(protocol, data, objective, protocol.seeds[0]!));
}

/** The first seed's split in the comparison model: its kind and what purging removed (a tuned comparison's: its first outer fold's). */
function dataSplit(split: ReturnType<typeof runSplit>, protocol: ComparisonProtocol): DataSplit {
  const fold = protocol.tune?.folds[0];
  if (fold) return { kind: protocol.tune!.outerKind, purgedWindows: fold.purged, embargoBars: split.embargoBars, outerFolds: protocol.tune!.folds.length };
  return { kind: split.kind, purgedWindows: split.purged.length, embargoBars: split.embargoBars };
}

function runLabel(objective: Objective, seed: number): string {
  return `${objective}-seed${seed}`;
}

/** Every run of a comparison, seed-major, with its folder under `<bundle>/runs/`. */
export function runPlan(
  bundleDirectory: string,
  protocol: Pick<ComparisonProtocol, "seeds" | "objectives">,
): { objective: Objective; seed: number; directory: string }[] {
  return protocol.seeds.flatMap((seed) =>
    protocol.objectives.map((objective) => ({ objective, seed, directory: join(bundleDirectory, "runs", runLabel(objective, seed)) })),
  );
}

function sha256(path: string): string {
  return createHash("sha256").update(readFileSync(path)).digest("hex");
}

/** Runs a new comparison into a new bundle folder. */
export async function compare(options: CompareOptions): Promise<CompareOutcome> {
  const protocol = resolveProtocol(options);
  assertTrainable(protocol, options.data);
  // Bad data fails here, before a folder exists: a compare that cannot start leaves nothing behind.
  const windows = (await loadWindowsReport(options.data, {})).windows;
  runSplit(windows, splitSettings(protocol, options.data, protocol.seeds[0]!));
  const { bundleDirectory, stored } = createComparisonFolder(options, protocol);
  return lockedComparison(bundleDirectory, options, () => runComparison(bundleDirectory, stored, { ...options, data: stored.data }));
}

/** Runs `run` (a comparison in `bundleDirectory`) and then `options.finish`, both under the folder's lock. */
export function lockedComparison(
  bundleDirectory: string,
  options: Pick<CompareOptions, "finish">,
  run: () => Promise<CompareOutcome>,
): Promise<CompareOutcome> {
  return withFolderLock(bundleDirectory, "the comparison", async () => {
    const outcome = await run();
    await options.finish?.(outcome);
    return outcome;
  });
}

/** A new bundle folder (or `options.out`, refused if it holds a comparison) with its compare_config.json. */
export function createComparisonFolder(
  options: Pick<CompareOptions, "out" | "root" | "data">,
  protocol: ComparisonProtocol,
): { bundleDirectory: string; stored: StoredCompareConfig } {
  const bundleDirectory = options.out ?? createFreshDirectory(options.root ?? "comparisons", "compare");
  if (options.out !== undefined && existsSync(bundleDirectory)) {
    if (existsSync(join(bundleDirectory, COMPARE_CONFIG)) || existsSync(join(bundleDirectory, COMPARISON_FILE))) {
      throw new Error(`${bundleDirectory} already holds a comparison; a bundle is never overwritten (use --resume to finish an interrupted one)`);
    }
    // A compare killed while writing compare_config.json left only temporary files: nothing to keep.
    if (onlyTemporaryFiles(bundleDirectory)) recoverRun(bundleDirectory);
    else if (readdirSync(bundleDirectory).length > 0) {
      throw new Error(`${bundleDirectory} is not empty and not a spanlab comparison; its files would be replaced, so choose a new or empty --out`);
    }
  }
  // The data by absolute path (with its SHA-256), so --resume works from any working directory.
  const data = resolve(options.data);
  const stored: StoredCompareConfig = { spanlab_version: packageVersion(), data, data_sha256: sha256(data), protocol };
  writeFileAtomic(join(bundleDirectory, COMPARE_CONFIG), `${JSON.stringify(stored, null, 2)}\n`);
  return { bundleDirectory, stored };
}

/** The stored configuration of an interrupted comparison, checked: a comparison folder, unfinished, its data unchanged. */
export function readStoredComparison(bundleDirectory: string, workers?: number): StoredCompareConfig {
  const path = join(bundleDirectory, COMPARE_CONFIG);
  if (!existsSync(path)) throw new Error(`${bundleDirectory}: no ${COMPARE_CONFIG}; not a spanlab comparison folder`);
  if (existsSync(join(bundleDirectory, COMPARISON_FILE))) throw new Error(`${bundleDirectory}: this comparison is already complete`);
  const stored = readJsonFile(
    path,
    "comparison configuration",
    "the compare_config.json spanlab compare writes",
    storedCompareConfigSchema,
  ) as unknown as StoredCompareConfig;
  stored.protocol.objectives = storedObjectives(stored.protocol);
  if (!existsSync(stored.data)) throw new Error(`${bundleDirectory}: its data ${stored.data} no longer exists; the comparison cannot be finished without it`);
  assertRegularFile(stored.data, "comparison's window file");
  if (sha256(stored.data) !== stored.data_sha256) {
    throw new Error(`${bundleDirectory}: its data ${stored.data} changed since the comparison started (its SHA-256 is no longer ${stored.data_sha256})`);
  }
  if (workers !== undefined) stored.protocol.workers = workers;
  return stored;
}

/** Finishes an interrupted (untuned) comparison in its folder, reusing every completed run. */
export async function resumeComparison(
  bundleDirectory: string,
  options: Pick<CompareOptions, "workers" | "executor" | "onRunEvent" | "onMessage" | "finish"> = {},
): Promise<CompareOutcome> {
  const stored = readStoredComparison(bundleDirectory, options.workers);
  if (stored.protocol.tune)
    throw new Error(`${bundleDirectory} is a tuned comparison; resume it with spanlab compare --resume (src/compare/tune.ts resumeAnyComparison)`);
  return lockedComparison(bundleDirectory, options, () => runComparison(bundleDirectory, stored, { ...options, data: stored.data }));
}

async function runComparison(bundleDirectory: string, stored: StoredCompareConfig, options: CompareOptions): Promise<CompareOutcome> {
  const { protocol, data } = stored;
  const message = options.onMessage ?? (() => {});
  const plan = runPlan(bundleDirectory, protocol);
  const windows = (await loadWindowsReport(data, {})).windows;
  const first = runSplit(windows, splitSettings(protocol, data, protocol.seeds[0]!));
  message(`split (seed ${protocol.seeds[0]}): ${describeSplit(first)}`);

  // Train what is missing; resume what was interrupted; keep what is done. The sensitivity runs come last.
  const all = [
    ...plan.map((run) => ({ ...run, config: runConfig(protocol, data, run.objective, run.seed) })),
    ...sensitivityRuns(bundleDirectory, protocol).map((run) => ({
      ...run,
      config: {
        ...runConfig(protocol, data, run.objective, run.seed),
        posWeight: run.posWeight,
        epochs: run.epochs,
        ...(run.weighting ? { weighting: run.weighting } : {}),
      },
    })),
  ];
  // Each run is evaluated as soon as it finishes, while the workers train the rest.
  const evaluations = new RunEvaluations(bundleDirectory, protocol, data, windows, plan, sensitivityRuns(bundleDirectory, protocol));
  await trainMissing(bundleDirectory, all, protocol, { ...options, onRunDone: (directory) => evaluations.runFinished(directory) });
  const { result } = await assembleComparison(bundleDirectory, stored, { onMessage: message, evaluations });
  return { bundleDirectory, result };
}

/**
 * Evaluates the finished runs under `<bundle>/runs/`, aggregates and analyses them into the comparison
 * model and writes it as `comparison.json`: everything `compare` does after training, shared with
 * anything that trains runs another way.
 */
export async function assembleComparison(
  bundleDirectory: string,
  stored: StoredCompareConfig,
  options: {
    onMessage?: (message: string) => void;
    exampleCount?: number;
    tuning?: TuningAnalysis;
    /** Evaluations already made (runs evaluated as they finished training); the others are made here. */
    evaluations?: RunEvaluations;
  } = {},
): Promise<{ result: ComparisonResult }> {
  const { data } = stored;
  const protocol: ComparisonProtocol = { ...stored.protocol, objectives: storedObjectives(stored.protocol) };
  const objectives = protocol.objectives.map(describeObjective);
  const definitions = metricDefinitions(objectives);
  const message = options.onMessage ?? (() => {});
  const plan = runPlan(bundleDirectory, protocol);
  message("evaluating every run on its validation windows");
  const report = await loadWindowsReport(data, {});
  const windows = report.windows;
  // Runs of a tuned comparison may differ in the position feature; each is scored on its own inputs.
  const evaluations = options.evaluations ?? new RunEvaluations(bundleDirectory, protocol, data, windows, plan);
  const tensors = evaluations.tensorsFor(protocol.position ?? false);
  const runs: RunResult[] = [];
  // The sensitivity section's main point reuses these runs' evaluations (seeds of the sensitivity plan).
  const mainCounts = new Map<string, RunCounts>();
  const examplePredictions = new Map<Objective, ReturnType<typeof predict>>();
  let exampleIndices: number[] = [];
  for (const run of plan) {
    const { result, counts, examples } = evaluations.run(run);
    runs.push(result);
    if (counts) mainCounts.set(`${run.objective}:${run.seed}`, counts);
    if (examples) {
      examplePredictions.set(run.objective, examples.predictions);
      exampleIndices = examples.windows;
    }
  }

  const firstSplit = runSplit(windows, splitSettings(protocol, data, protocol.seeds[0]!));
  const validationWindows = firstSplit.validation;
  // Bars in any annotated span of the window (docs/spec.md §6), so overlapping spans count once.
  const inSpan = validationWindows.reduce((sum, i) => sum + tensors.inSpan.subarray(i * tensors.bars, (i + 1) * tensors.bars).reduce((a, b) => a + b, 0), 0);
  const compared = compareRuns(runs, protocol.seeds, objectives, definitions, { resamples: protocol.bootstrapResamples, seed: protocol.seeds[0]! });
  message("scoring the rule baseline on the same splits");
  const ruleBaseline = ruleBaselineAcrossSeeds(windows, protocol, data);
  const metrics = withRuleBaseline(compared, ruleBaseline);
  if (protocol.sensitivity !== null) message("scoring the sensitivity points");
  const sensitivity = sensitivityAnalysis(
    sensitivityInputs(
      bundleDirectory,
      protocol,
      (objective, seed) => mainCounts.get(`${objective}:${seed}`)!,
      (directory, seed) => evaluations.sensitivityCounts(directory, seed),
    ),
    protocol.objectives,
    {
      seeds: protocol.sensitivity?.seeds ?? [],
      headlineWinner: metrics.find((m) => m.key === "f1_native")!.winner,
      resamples: protocol.bootstrapResamples,
      notRun: sensitivityNotRun(protocol),
      labels: Object.fromEntries(objectives.map((o) => [o.name, o.label])),
    },
  );
  const result = analyseComparison({
    spanlab_version: stored.spanlab_version,
    created: new Date().toISOString(),
    protocol,
    data: {
      path: data,
      sha256: stored.data_sha256,
      windows: windows.length,
      trainWindows: firstSplit.train.length,
      validationWindows: validationWindows.length,
      validationInSpanRate: inSpan / (validationWindows.length * tensors.bars),
      split: dataSplit(firstSplit, protocol),
    },
    objectives,
    runs,
    metrics,
    ruleBaseline,
    referenceHeuristic: referenceHeuristic(runs, objectives),
    recommendation: recommend(metrics, protocol.seeds.length, objectives, protocol.tune ? "outer folds" : "seeds"),
    examples: exampleWindows(windows, exampleIndices, protocol.objectives, examplePredictions, options.exampleCount ?? 6),
    technicalDetails: technicalDetails(windows, protocol, data, objectives, runs),
    sensitivity,
    ...(options.tuning ? { tuning: options.tuning } : {}),
    spanPosterior: spanPosteriorAnalysis(objectives, runs),
    classHead: classHeadAnalysis(
      protocol,
      objectives,
      runs,
      protocol.seeds.map((seed) => {
        const split = runSplit(windows, splitSettings(protocol, data, seed));
        const baseline = logisticClassBaseline(tensors, split.train, split.validation);
        return { seed, validationAccuracy: baseline.validationAccuracy, majorityAccuracy: baseline.majorityAccuracy };
      }),
      sensitivity,
    ),
  });
  writeFileAtomic(join(bundleDirectory, COMPARISON_FILE), `${JSON.stringify(result, null, 1)}\n`);
  return { result };
}

/** The axes the issue asks for that this compare did not train, and the flag that trains them. */
function sensitivityNotRun(protocol: ComparisonProtocol): string[] {
  const plan = protocol.sensitivity;
  if (protocol.tune)
    return ["no sensitivity runs: a tuned comparison reports instead the inner score of every setting its search tried, per outer fold (the tuning section)"];
  if (!plan || (plan.posWeights.length === 0 && plan.epochs.length === 0 && (plan.weightings ?? []).length === 0)) {
    return ["no sensitivity runs (--sensitivity none, or the reference protocol)"];
  }
  const notRun: string[] = [];
  if (plan.epochs.length === 0) {
    notRun.push(
      `pos_weight balanced × 0.25, epochs ${SENSITIVITY_EPOCHS.join(", ")} and equal task weights: run with --sensitivity all (each adds rounds of training to the default compare)`,
    );
  }
  if (plan.seeds.length < protocol.seeds.length)
    notRun.push(`seeds after the first: --sensitivity-seeds ${protocol.seeds.length} trains every point on every seed`);
  return notRun;
}
