/**
 * `spanlab train` as a library: one training run of JadeCompact (docs/spec.md §5) into its own run folder —
 * config.json, the reference-format log, metrics.jsonl, best/last checkpoints and the state needed to
 * resume — deterministic for a seed, every file written atomically.
 *
 * Randomness: one generator seeded with `config.seed`, forked into three streams in a fixed order: the
 * split, the weight initialisation, and training (shuffles and dropout masks). Only the training stream
 * moves during training, so saving it with the optimizer state is enough to resume exactly.
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { loadWindowsReport } from "../data/load.js";
import { explicitSplit, splitWindows, type KindedSplit, type ResolvedSplitKind } from "../data/splits.js";
import type { Window } from "../data/window.js";
import { JadeCompact, type TaskWeighting } from "../model/jade_compact.js";
import { DEFAULT_DIMENSIONS, type ModelDimensions } from "../model/parameters.js";
import { spanHead } from "../model/heads/registry.js";
import { checkpointBytes } from "../model/checkpoint.js";
import { readSafetensorsFile, writeSafetensors } from "../model/safetensors.js";
import { COMMIT_FILE, commitEpoch, onlyTemporaryFiles, readCommit, recoverRun } from "./run_commit.js";
import { assertRegularFile, checkFiniteWeights, readRunManifestFile, readTrainingState } from "./run_state.js";
import { loadStateDict } from "../model/state_dict.js";
import { adamWStep, clipGradientNorm, createAdamWState, type AdamWOptions, type AdamWState } from "../nn/adamw.js";
import { macroSpanScores, probabilitySeparation } from "../eval/metrics.js";
import { Rng } from "../util/rng.js";
import { createFreshDirectory, writeFileAtomic } from "../util/files.js";
import { withFolderLock } from "../util/lock.js";
import { packageVersion } from "../util/package.js";
import { resolveTrainConfig, type TrainConfig, type TrainConfigInput } from "./config.js";
import { balancedMultiple, posWeightSettingText, resolvePosWeight, type PosWeightSetting } from "./pos_weight.js";
import { BatchBuffer, batchesOf, windowTensors, type WindowTensors } from "./dataset.js";
import { formatLog, formatMetrics, LossAccumulator, parseMetrics, perTask, type EpochRecord } from "./records.js";

/** File names inside a run folder. */
export const RUN_FILES = {
  config: "config.json",
  log: "training.log",
  metrics: "metrics.jsonl",
  best: "best.safetensors",
  last: "last.safetensors",
  state: "last.state.safetensors",
} as const;

/** Progress events for a display; the library itself prints nothing. */
export type TrainEvent =
  | { kind: "start"; header: string[]; epochs: number; stepsPerEpoch: number; startEpoch: number }
  | { kind: "step"; epoch: number; step: number; stepsPerEpoch: number; loss: number }
  | { kind: "epoch"; record: EpochRecord; lines: string[] };

export interface TrainOptions {
  /** Parent folder of new run folders (default `runs`); ignored when `runDirectory` is given. */
  runsRoot?: string;
  /** Exact run folder to create (must not exist, or be empty). */
  runDirectory?: string;
  /** Stop after this many epochs in this call (the run stays resumable); for tests and time-boxed jobs. */
  stopAfterEpochs?: number;
  /**
   * Read the windows from this file instead of `config.data`, which config.json still records: a verified
   * copy of the same bytes (a queue worker's cache, docs/distributed.md), so the run folder is the same.
   */
  dataFile?: string;
  onEvent?: (event: TrainEvent) => void;
}

export interface TrainResult {
  runDirectory: string;
  config: TrainConfig;
  records: EpochRecord[];
  /** True when every configured epoch has run. */
  complete: boolean;
  parameterCount: number;
  /** The split as config.json records it (kind, sizes, purged windows, validation ids). */
  split: RunManifest["split"];
}

/** What config.json holds. */
export interface RunManifest {
  spanlab_version: string;
  node_version: string;
  config: TrainConfig;
  data: { path: string; sha256: string; windows: number; rejected: number; rejects_file: string | null };
  split: {
    /** The split used (`auto` resolved: `time` for windows with bar times, else `group`). */
    kind: ResolvedSplitKind;
    requested: TrainConfig["split"];
    train_windows: number;
    validation_windows: number;
    /** Time splits: training windows dropped because they share bars with validation windows or fall in the embargo. */
    purged_windows: number;
    embargo_bars: number | null;
    validation_window_ids: string[];
  };
  model: { name: "JadeCompact"; loss: TrainConfig["loss"]; parameters: number; features: number; hidden: number };
  /** The soft span loss's positive weight as resolved on the training windows (src/train/pos_weight.ts). */
  pos_weight: { requested: PosWeightSetting; value: number; training_in_span_rate: number };
}

/** Everything a run needs in memory: data, split, model, optimizer, generator. */
interface Session {
  config: TrainConfig;
  data: WindowTensors;
  trainIndices: number[];
  validationIndices: number[];
  model: JadeCompact;
  optimizer: AdamWState;
  trainRng: Rng;
  manifest: RunManifest;
}

function sha256(path: string): string {
  return createHash("sha256").update(readFileSync(path)).digest("hex");
}

/** The run's three random streams, forked from its seed in a fixed order. */
function runGenerators(seed: number): { split: Rng; init: Rng; train: Rng } {
  const master = new Rng(seed);
  return { split: master.fork(), init: master.fork(), train: master.fork() };
}

/**
 * The training/validation split a run with `config` uses (the same for both objectives of a seed):
 * docs/spec.md §5, `auto` meaning the purged time split when every window carries bar times.
 */
export function runSplit(
  windows: readonly Window[],
  config: Pick<TrainConfig, "seed" | "split" | "validationFraction" | "data"> & Partial<Pick<TrainConfig, "embargoBars" | "explicitSplit">>,
): KindedSplit {
  if (config.explicitSplit) return explicitSplit(windows, config.explicitSplit);
  // `split` comes from the seed's own stream, forked first, so every split kind leaves the others untouched.
  const rng = runGenerators(config.seed).split;
  const split = splitWindows(windows, config.split, { validationFraction: config.validationFraction, rng, embargoBars: config.embargoBars ?? null });
  if (split.train.length === 0 && split.purged.length > 0) {
    throw new Error(
      `${config.data}: the ${split.kind} split purged all ${split.purged.length} training windows (each shares bars with a validation window or falls in the ` +
        `${split.embargoBars}-bar embargo after one); use more events spread further apart, a smaller --embargo, or --split group`,
    );
  }
  if (split.train.length === 0 || split.validation.length === 0) {
    throw new Error(`${config.data}: ${windows.length} windows cannot be split into non-empty training and validation sets`);
  }
  return split;
}

/** The split in one line, for logs and consoles: kind, sizes, and what purging removed. */
export function describeSplit(split: KindedSplit | RunManifest["split"]): string {
  const [train, validation, purged, embargo] =
    "train_windows" in split
      ? [split.train_windows, split.validation_windows, split.purged_windows, split.embargo_bars]
      : [split.train.length, split.validation.length, split.purged.length, split.embargoBars];
  const sizes = `${train} train / ${validation} validation windows, ${split.kind} split`;
  if (split.kind !== "time") return sizes;
  return (
    `${sizes} (the latest events validate; ${purged} training window(s) purged for sharing bars with a validation window ` +
    `or starting within the ${embargo}-bar embargo after one)`
  );
}

function buildModel(
  config: Pick<TrainConfig, "loss" | "batchSize"> & { weighting?: TaskWeighting },
  posWeight: number,
  dims: ModelDimensions,
  bars: number,
): JadeCompact {
  return new JadeCompact({ head: spanHead(config.loss), dims, bars, maxBatch: config.batchSize, posWeight, weighting: config.weighting ?? "kendall" });
}

/**
 * The model a run with `config` starts from, before any step: built and initialised from the seed's
 * initialisation generator exactly as training does (the untrained baseline of docs/spec.md §6).
 */
export function initialModel(config: Pick<TrainConfig, "loss" | "seed" | "batchSize"> & { posWeight: number }, features: number, bars: number): JadeCompact {
  const model = buildModel(config, config.posWeight, { ...DEFAULT_DIMENSIONS, features }, bars);
  model.initialise(runGenerators(config.seed).init);
  return model;
}

async function openSession(config: TrainConfig, dataFile = config.data): Promise<Session> {
  const report = await loadWindowsReport(dataFile, { skipInvalid: config.skipInvalid });
  const windows = report.windows;
  const generators = runGenerators(config.seed);
  const initRng = generators.init;
  const trainRng = generators.train;
  const split = runSplit(windows, config);
  const data = windowTensors(windows, { position: config.position });
  const dims = { ...DEFAULT_DIMENSIONS, features: data.featureCount };
  // Resolved on the training windows only, after the split (a validation window never sets it).
  const posWeight = resolvePosWeight(config.posWeight, data.inSpan, data.bars, split.train);
  const model = buildModel(config, posWeight.value, dims, data.bars);
  model.initialise(initRng);
  const manifest: RunManifest = {
    spanlab_version: packageVersion(),
    node_version: process.version,
    config,
    data: {
      path: config.data,
      sha256: sha256(dataFile),
      windows: windows.length,
      rejected: report.dropped,
      rejects_file: report.rejectsPath ?? null,
    },
    split: {
      kind: split.kind,
      requested: config.split,
      train_windows: split.train.length,
      validation_windows: split.validation.length,
      purged_windows: split.purged.length,
      embargo_bars: split.embargoBars,
      validation_window_ids: split.validation.map((i) => data.windowIds[i]!),
    },
    model: { name: "JadeCompact", loss: config.loss, parameters: model.parameters.count, features: dims.features, hidden: dims.hidden },
    pos_weight: { requested: posWeight.requested, value: posWeight.value, training_in_span_rate: posWeight.trainingInSpanRate },
  };
  return {
    config,
    data,
    trainIndices: split.train,
    validationIndices: split.validation,
    model,
    optimizer: createAdamWState(model.parameters.values.length),
    trainRng,
    manifest,
  };
}

function logHeader(manifest: RunManifest): string[] {
  const c = manifest.config;
  const thousands = new Intl.NumberFormat("en-US");
  return [
    `spanlab ${manifest.spanlab_version}: JadeCompact, ${spanHead(c.loss).label} head, ${thousands.format(manifest.model.parameters)} parameters`,
    `data ${c.data} (sha256 ${manifest.data.sha256.slice(0, 16)}…): ${describeSplit(manifest.split)}, seed ${c.seed}`,
    `AdamW lr ${c.learningRate}, betas (${c.beta1}, ${c.beta2}), eps ${c.epsilon}, weight decay ${c.weightDecay}; batch ${c.batchSize}; ${c.epochs} epochs; ` +
      `pos_weight ${describePosWeight(manifest.pos_weight)}; grad-norm clip ${c.clipGradNorm ?? "none"}`,
    `train_loss = ${c.weighting === "equal" ? "equally weighted sum of the four task losses" : "Kendall-weighted objective"} (mean over training windows); val_loss = L_type + L_ptr + L_span + L_cd, unweighted (mean over validation windows)`,
  ];
}

/** pos_weight for logs: the value, and where a balanced one came from. */
export function describePosWeight(posWeight: RunManifest["pos_weight"]): string {
  const value = Number(posWeight.value.toFixed(4));
  if (typeof posWeight.requested === "number") return String(value);
  const multiple = balancedMultiple(posWeight.requested);
  const formula = multiple === 1 ? "(1 − π)/π" : `${multiple}·(1 − π)/π`;
  return `${value} (${posWeightSettingText(posWeight.requested)}: ${formula}, π = ${posWeight.training_in_span_rate.toFixed(4)} of the training windows' bars in span)`;
}

function adamWOptions(config: TrainConfig): AdamWOptions {
  return { learningRate: config.learningRate, beta1: config.beta1, beta2: config.beta2, epsilon: config.epsilon, weightDecay: config.weightDecay };
}

/** Losses, macro span scores and probability separation of the model on the validation windows. */
function validate(session: Session, batch: BatchBuffer): Pick<EpochRecord, "validation" | "span" | "probability"> {
  const { model, data, validationIndices } = session;
  const accumulator = new LossAccumulator();
  const probabilities = new Float32Array(validationIndices.length * data.bars);
  let offset = 0;
  for (const indices of batchesOf(validationIndices, batch.capacity)) {
    batch.gather(indices);
    const outputs = model.forward(batch.features, batch.size, { training: false });
    accumulator.add(model.computeLoss(batch.targets, { gradients: false }), batch.size);
    probabilities.set(model.spanProbabilities(outputs), offset);
    offset += batch.size * data.bars;
  }
  // Per-bar scores: every annotated span of each window is in span (docs/spec.md §6).
  const spans = validationIndices.map((i) => data.spans[i]!);
  const scores = macroSpanScores(probabilities, spans, data.bars, 0.5);
  const separation = probabilitySeparation(probabilities, spans, data.bars);
  return {
    validation: accumulator.mean(),
    span: { precision: scores.precision, recall: scores.recall, f1: scores.f1 },
    probability: {
      in_span_mean: separation.inSpan.mean,
      out_of_span_mean: separation.outOfSpan.mean,
      separation: separation.separation,
    },
  };
}

/** One epoch of training; returns the window-weighted mean losses. */
function trainEpoch(session: Session, batch: BatchBuffer, epoch: number, onEvent: TrainOptions["onEvent"]) {
  const { model, config, optimizer, trainRng } = session;
  const accumulator = new LossAccumulator();
  const order = [...session.trainIndices];
  trainRng.shuffle(order);
  const batches = batchesOf(order, config.batchSize);
  const options = adamWOptions(config);
  batches.forEach((indices, step) => {
    batch.gather(indices);
    const losses = model.trainStepGradients(batch.features, batch.targets, batch.size, trainRng);
    if (config.clipGradNorm !== null) clipGradientNorm(model.parameters.gradients, config.clipGradNorm);
    adamWStep(model.parameters.values, model.parameters.gradients, optimizer, options);
    accumulator.add(losses, batch.size);
    onEvent?.({ kind: "step", epoch, step: step + 1, stepsPerEpoch: batches.length, loss: losses.weighted });
  });
  return accumulator.mean();
}

/** The optimizer state and training stream after `epoch`, as last.state.safetensors holds them. */
function stateBytes(session: Session, epoch: number, best: { epoch: number; loss: number }): Uint8Array {
  return writeSafetensors(
    {
      "optimizer.first_moment": { dtype: "F32", shape: [session.optimizer.firstMoment.length], data: session.optimizer.firstMoment },
      "optimizer.second_moment": { dtype: "F32", shape: [session.optimizer.secondMoment.length], data: session.optimizer.secondMoment },
    },
    {
      format: "spanlab-training-state",
      epoch: String(epoch),
      optimizer_step: String(session.optimizer.step),
      rng_state: JSON.stringify(session.trainRng.state()),
      best_epoch: String(best.epoch),
      best_validation_loss: String(best.loss),
    },
  );
}

/** Trains one model into a new run folder (or `options.runDirectory`). */
export async function train(input: TrainConfigInput, options: TrainOptions = {}): Promise<TrainResult> {
  // The data by absolute path, so `--resume` works from any working directory.
  const config = { ...resolveTrainConfig(input), data: resolve(input.data) };
  const session = await openSession(config, options.dataFile);
  const runDirectory = options.runDirectory ?? createFreshDirectory(options.runsRoot ?? "runs", `${config.loss}-seed${config.seed}`);
  if (options.runDirectory !== undefined && existsSync(runDirectory) && readdirSync(runDirectory).length > 0) {
    // A run killed before its config.json landed left only temporary files: nothing to keep.
    if (onlyTemporaryFiles(runDirectory)) recoverRun(runDirectory);
    else throw new Error(`${runDirectory} already holds files; a run folder is never reused (use --resume to continue a run)`);
  }
  return withFolderLock(runDirectory, "training", async () => {
    writeFileAtomic(join(runDirectory, RUN_FILES.config), `${JSON.stringify(session.manifest, null, 2)}\n`);
    return runEpochs(session, runDirectory, [], { epoch: 0, loss: Infinity }, options);
  });
}

/** Continues an interrupted run in its folder from its last completed epoch (one writer at a time). */
export async function resume(runDirectory: string, options: Omit<TrainOptions, "runDirectory" | "runsRoot"> = {}): Promise<TrainResult> {
  if (!existsSync(join(runDirectory, RUN_FILES.config))) throw new Error(`${runDirectory}: no ${RUN_FILES.config}; not a spanlab run folder`);
  return withFolderLock(runDirectory, "training (resume)", () => resumeLocked(runDirectory, options));
}

async function resumeLocked(runDirectory: string, options: Omit<TrainOptions, "runDirectory" | "runsRoot">): Promise<TrainResult> {
  const configPath = join(runDirectory, RUN_FILES.config);
  if (!existsSync(configPath)) throw new Error(`${runDirectory}: no ${RUN_FILES.config}; not a spanlab run folder`);
  const manifest = readRunManifestFile<RunManifest>(configPath);
  let config: TrainConfig;
  try {
    config = resolveTrainConfig(manifest.config);
  } catch (error) {
    throw new Error(`${configPath}: ${(error as Error).message}`);
  }
  const session = await openSession(config, options.dataFile);
  if (session.manifest.data.sha256 !== manifest.data.sha256) {
    throw new Error(
      `${manifest.config.data} changed since the run started (sha256 ${manifest.data.sha256.slice(0, 16)}… then, ${session.manifest.data.sha256.slice(0, 16)}… now)`,
    );
  }
  const statePath = join(runDirectory, RUN_FILES.state);
  // Back to the last committed epoch: roll forward a commit whose renames were cut short, drop stale files.
  const committed = readCommit(runDirectory) !== null;
  const recovery = recoverRun(runDirectory);
  if (recovery.epoch === 0 && (committed || !existsSync(statePath))) {
    // Interrupted before its first epoch committed: start over in the same folder.
    for (const name of [RUN_FILES.best, RUN_FILES.last, RUN_FILES.state, RUN_FILES.metrics, RUN_FILES.log]) rmSync(join(runDirectory, name), { force: true });
    return runEpochs(session, runDirectory, [], { epoch: 0, loss: Infinity }, options);
  }
  const state = readTrainingState(statePath, session.optimizer.firstMoment.length);
  const epoch = state.epoch;
  if (committed && epoch !== recovery.epoch) {
    throw new Error(`${statePath}: holds epoch ${epoch} but ${COMMIT_FILE} commits epoch ${recovery.epoch}; the run folder was changed outside spanlab`);
  }
  session.optimizer.firstMoment.set(state.firstMoment);
  session.optimizer.secondMoment.set(state.secondMoment);
  session.optimizer.step = state.optimizerStep;
  session.trainRng.setState(state.rngState);
  const lastPath = join(runDirectory, RUN_FILES.last);
  assertRegularFile(lastPath, "last checkpoint");
  const weights = readSafetensorsFile(lastPath);
  checkFiniteWeights(weights);
  loadStateDict(session.model.parameters, weights);
  const records = parseMetrics(readFileSync(join(runDirectory, RUN_FILES.metrics), "utf8"), join(runDirectory, RUN_FILES.metrics)).slice(0, epoch);
  if (records.length !== epoch)
    throw new Error(`${runDirectory}: ${RUN_FILES.metrics} holds ${records.length} epochs but the saved state is at epoch ${epoch}`);
  return runEpochs(session, runDirectory, records, state.best, options);
}

async function runEpochs(
  session: Session,
  runDirectory: string,
  records: EpochRecord[],
  best: { epoch: number; loss: number },
  options: TrainOptions,
): Promise<TrainResult> {
  const { config, model } = session;
  const header = logHeader(session.manifest);
  const trainBatch = new BatchBuffer(session.data, config.batchSize);
  const validationBatch = new BatchBuffer(session.data, config.batchSize);
  const stepsPerEpoch = Math.ceil(session.trainIndices.length / config.batchSize);
  const startEpoch = records.length + 1;
  options.onEvent?.({ kind: "start", header, epochs: config.epochs, stepsPerEpoch, startEpoch });
  const lastEpoch = Math.min(config.epochs, records.length + (options.stopAfterEpochs ?? Infinity));

  for (let epoch = startEpoch; epoch <= lastEpoch; epoch++) {
    const started = performance.now();
    const trainLosses = trainEpoch(session, trainBatch, epoch, options.onEvent);
    if (!Number.isFinite(trainLosses.weighted)) {
      throw new Error(
        `training diverged in epoch ${epoch}: the training loss is ${trainLosses.weighted}; ` +
          `the run folder keeps epoch ${epoch - 1}. Try --clip-grad-norm 1.0 or a lower --lr`,
      );
    }
    const evaluation = validate(session, validationBatch);
    const isBest = evaluation.validation.unweighted < best.loss;
    if (isBest) best = { epoch, loss: evaluation.validation.unweighted };
    const logSigma = model.logSigmas();
    const record: EpochRecord = {
      epoch,
      epochs: config.epochs,
      steps: session.optimizer.step,
      train: trainLosses,
      ...evaluation,
      log_sigma: perTask(logSigma),
      sigma: perTask(logSigma.map(Math.exp)),
      task_weights: perTask(model.taskWeights()),
      effective_weights: perTask(model.effectiveWeights()),
      is_best: isBest,
      best_epoch: best.epoch,
      best_validation_loss: best.loss,
      wall_seconds: (performance.now() - started) / 1000,
    };
    records.push(record);
    // One commit per epoch (src/train/run_commit.ts): a crash or a full disk leaves this epoch or the previous one, whole.
    commitEpoch(runDirectory, epoch, {
      ...(isBest ? { [RUN_FILES.best]: checkpointBytes(model, { epoch, validationLoss: best.loss }) } : {}),
      [RUN_FILES.last]: checkpointBytes(model, { epoch, validationLoss: evaluation.validation.unweighted }),
      [RUN_FILES.state]: stateBytes(session, epoch, best),
      [RUN_FILES.metrics]: formatMetrics(records),
      [RUN_FILES.log]: formatLog(header, records),
    });
    options.onEvent?.({ kind: "epoch", record, lines: formatLog([], [record]).trimEnd().split("\n") });
  }
  return {
    runDirectory,
    config,
    records,
    complete: records.length === config.epochs,
    parameterCount: model.parameters.count,
    split: session.manifest.split,
  };
}
