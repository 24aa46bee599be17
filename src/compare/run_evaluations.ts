/**
 * The evaluation of a comparison's finished runs, each computed once: as soon as the run finishes training
 * (on the main thread, while the worker threads train the runs still pending, so the evaluation costs no
 * wall time except for the last runs), or, for runs a resumed comparison found complete, when the
 * comparison is assembled. Evaluating a run reads only its folder and the data, so when it happens changes
 * nothing in what it returns.
 */
import { join, relative } from "node:path";
import type { Window } from "../data/window.js";
import { loadCheckpoint } from "../model/checkpoint.js";
import { windowTensors, type WindowTensors } from "../train/dataset.js";
import { RUN_FILES, type RunManifest, runSplit } from "../train/train.js";
import { readJsonFile } from "../util/read_file.js";
import { headlineValues, metricDefinitions, trainingSummary } from "./aggregate.js";
import { describeObjective } from "./analysis/objectives.js";
import { evaluateRun, predict } from "./evaluate.js";
import { completedRecords, readManifest } from "./run_folders.js";
import { splitSettings } from "./run_split.js";
import { countsOf, type RunCounts } from "./sensitivity_runs.js";
import type { ComparisonProtocol, Objective, RunResult } from "./types.js";

/** A run of the comparison's plan: its objective, seed and folder. */
export interface PlannedRun {
  objective: Objective;
  seed: number;
  directory: string;
}

/** What assembling the comparison needs of one of its planned runs. */
export interface EvaluatedRun {
  result: RunResult;
  /** The native-decoder counts the sensitivity section's main point reuses (runs of the sensitivity plan's seeds only). */
  counts: RunCounts | null;
  /** Validation predictions and window indices, kept for the first seed's runs (the example windows). */
  examples: { predictions: ReturnType<typeof predict>; windows: number[] } | null;
}

/** Evaluates runs of one comparison, memoised by run folder. */
export class RunEvaluations {
  private readonly planned = new Map<string, PlannedRun>();
  private readonly sensitivitySeeds = new Map<string, number>();
  private readonly evaluated = new Map<string, EvaluatedRun>();
  private readonly counted = new Map<string, RunCounts>();
  private readonly tensors = new Map<boolean, WindowTensors>();
  private readonly definitions: ReturnType<typeof metricDefinitions>;

  constructor(
    private readonly bundleDirectory: string,
    private readonly protocol: ComparisonProtocol,
    private readonly data: string,
    private readonly windows: readonly Window[],
    plan: readonly PlannedRun[],
    /** The sensitivity section's extra runs, evaluated as they finish too. */
    sensitivity: readonly { directory: string; seed: number }[] = [],
  ) {
    this.definitions = metricDefinitions(protocol.objectives.map(describeObjective));
    for (const run of plan) this.planned.set(run.directory, run);
    for (const run of sensitivity) this.sensitivitySeeds.set(run.directory, run.seed);
  }

  /** The model inputs of every window, with or without the position feature (runs of a tuned comparison may differ). */
  tensorsFor(position: boolean): WindowTensors {
    let tensors = this.tensors.get(position);
    if (!tensors) {
      tensors = windowTensors(this.windows, { position });
      this.tensors.set(position, tensors);
    }
    return tensors;
  }

  /** Evaluates the run in `directory` now if it is one of the plan's or a sensitivity run (the result is kept). */
  runFinished(directory: string): void {
    const run = this.planned.get(directory);
    if (run) this.run(run);
    const seed = this.sensitivitySeeds.get(directory);
    if (seed !== undefined) this.sensitivityCounts(directory, seed);
  }

  /** A planned run's evaluation on its validation windows. */
  run(run: PlannedRun): EvaluatedRun {
    const done = this.evaluated.get(run.directory);
    if (done) return done;
    const protocol = this.protocol;
    const records = completedRecords(run.directory);
    if (!records) throw new Error(`${run.directory}: the run did not complete`);
    const trained = trainedWith(readManifest(run.directory));
    const split = runSplit(this.windows, splitSettings(protocol, this.data, run.seed));
    // The checkpoint carries the pos_weight the run resolved on its training windows.
    const { model } = loadCheckpoint(join(run.directory, RUN_FILES.last), { maxBatch: protocol.batchSize });
    const inputs = this.tensorsFor(trained.position);
    const training = predict(model, inputs, split.train);
    const validation = predict(model, inputs, split.validation);
    const evaluation = evaluateRun(training, validation, { minRunLength: protocol.minRunLength });
    const partial = {
      objective: run.objective,
      records,
      posWeight: runPosWeight(run.directory, protocol),
      evaluation,
      training: trainingSummary(records, trained.learningRate),
    };
    const evaluated: EvaluatedRun = {
      result: {
        ...partial,
        seed: run.seed,
        runDirectory: relative(this.bundleDirectory, run.directory),
        trained,
        headline: headlineValues(partial, this.definitions),
      },
      counts: protocol.sensitivity?.seeds.includes(run.seed) ? countsOf(validation, evaluation, model.posWeight) : null,
      examples: run.seed === protocol.seeds[0] ? { predictions: validation, windows: split.validation } : null,
    };
    this.evaluated.set(run.directory, evaluated);
    return evaluated;
  }

  /** A sensitivity run's native-decoder counts on the validation windows of its seed (docs/spec.md §9). */
  sensitivityCounts(directory: string, seed: number): RunCounts {
    const done = this.counted.get(directory);
    if (done) return done;
    const protocol = this.protocol;
    const split = runSplit(this.windows, splitSettings(protocol, this.data, seed));
    const tensors = this.tensorsFor(protocol.position ?? false);
    const { model } = loadCheckpoint(join(directory, RUN_FILES.last), { maxBatch: protocol.batchSize });
    const validation = predict(model, tensors, split.validation);
    const evaluation = evaluateRun(predict(model, tensors, split.train), validation, { minRunLength: protocol.minRunLength, spanPosterior: false });
    const counts = countsOf(validation, evaluation, model.posWeight);
    this.counted.set(directory, counts);
    return counts;
  }
}

/** The settings a run trained with that a tuned comparison may choose per run, from its config.json. */
function trainedWith(manifest: RunManifest): NonNullable<RunResult["trained"]> {
  return { epochs: manifest.config.epochs, learningRate: manifest.config.learningRate, position: manifest.config.position ?? false };
}

/**
 * The pos_weight a run trained with, from its config.json (runs written before pos_weight was recorded
 * there used the protocol's number).
 */
function runPosWeight(runDirectory: string, protocol: ComparisonProtocol): RunResult["posWeight"] {
  const manifest = readJsonFile(join(runDirectory, RUN_FILES.config), "run configuration", "a run's config.json as spanlab writes it") as Partial<RunManifest>;
  if (manifest.pos_weight) {
    return { requested: manifest.pos_weight.requested, value: manifest.pos_weight.value, trainingInSpanRate: manifest.pos_weight.training_in_span_rate };
  }
  if (typeof protocol.posWeight !== "number") throw new Error(`${runDirectory}: config.json does not say which pos_weight the run resolved`);
  return { requested: protocol.posWeight, value: protocol.posWeight, trainingInSpanRate: null };
}
