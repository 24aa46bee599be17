/**
 * The reference's "Level 4: Technical Details" (SOFT_SPAN_VS_CRF_COMPARISON.md), computed when the bundle
 * is made, never copied from tests:
 *  - architecture validation: each objective's parameter table by module, checked against the PyTorch
 *    state-dict layout, a determinism check of the forward pass, and a finite-difference check of a few
 *    gradient entries on a tiny batch of the comparison's own windows;
 *  - the untrained-model threshold baseline, the reference's way: the model at initialisation (before
 *    any step), its threshold sweep scored on the validation windows and the best F1 of that sweep, beside
 *    the all-positive F1 and the trained model's figure (docs/spec.md §6–7).
 */
import { splitSettings } from "./run_split.js";
import type { Window } from "../data/window.js";
import { mean } from "../eval/statistics.js";
import { allPositiveScores, bestThreshold, thresholdGrid, thresholdSweep } from "../eval/threshold.js";
import type { JadeCompact } from "../model/jade_compact.js";
import { PYTORCH_STATE_DICT_LAYOUT } from "../model/pytorch_layout.js";
import { spanHead } from "../model/heads/registry.js";
import { windowTensors, type WindowTensors } from "../train/dataset.js";
import { initialModel, runSplit } from "../train/train.js";
import { Rng } from "../util/rng.js";
import { predict } from "./evaluate.js";
import type { ComparisonProtocol, ObjectiveDescription, RunResult } from "./types.js";

/** Parameters of one module (the first component of the PyTorch name: `lstm`, `crf`, `log_sigma_span`, …). */
export interface ModuleParameters {
  module: string;
  tensors: { name: string; shape: number[]; count: number }[];
  count: number;
}

export interface GradientEntry {
  name: string;
  /** Flat index into the tensor. */
  index: number;
  analytic: number;
  numeric: number;
  /** |analytic − numeric| / max(|analytic|, |numeric|). */
  relativeError: number;
}

export interface ArchitectureValidation {
  objective: string;
  modules: ModuleParameters[];
  total: number;
  /** Names and shapes against the PyTorch reference's state dict (src/model/pytorch_layout.ts). */
  pytorchLayout: { matches: boolean; missing: string[]; unexpected: string[]; misshaped: string[] };
  /** Two evaluation-mode forward passes of the same batch gave identical bytes. */
  deterministicForward: boolean;
  /** Two training-mode forward passes with the same dropout seed gave identical bytes. */
  deterministicTrainingForward: boolean;
  gradientCheck: { windows: number; step: number; entries: GradientEntry[]; worstRelativeError: number };
}

/** Tensors whose gradients are checked: the trunk's first and last layers, a task σ and the head's own. */
const CHECKED_TRUNK_TENSORS = [
  "lstm.weight_ih_l0",
  "lstm.weight_hh_l0_reverse",
  "projection.0.weight",
  "expansion_span_emission.1.weight",
  "expansion_countdown_head.1.bias",
  "log_sigma_span",
];
/** Coordinates per tensor: those with the largest analytic gradients, where float32 differences are meaningful. */
const ENTRIES_PER_TENSOR = 2;
const STEP = 1e-2;

function byModule(model: JadeCompact): ModuleParameters[] {
  const modules = new Map<string, ModuleParameters>();
  for (const entry of model.parameters.entries) {
    const module = entry.name.split(".")[0]!;
    const row = modules.get(module) ?? { module, tensors: [], count: 0 };
    row.tensors.push({ name: entry.name, shape: [...entry.shape], count: entry.size });
    row.count += entry.size;
    modules.set(module, row);
  }
  return [...modules.values()];
}

function layoutCheck(model: JadeCompact): ArchitectureValidation["pytorchLayout"] {
  const expected = PYTORCH_STATE_DICT_LAYOUT[model.head.name] ?? {};
  const built = new Map(model.parameters.entries.map((entry) => [entry.name, entry.shape]));
  const missing = Object.keys(expected).filter((name) => !built.has(name));
  const unexpected = [...built.keys()].filter((name) => !(name in expected));
  const misshaped = [...built].filter(([name, shape]) => name in expected && expected[name]!.join(",") !== shape.join(",")).map(([name]) => name);
  return { matches: missing.length + unexpected.length + misshaped.length === 0 && Object.keys(expected).length > 0, missing, unexpected, misshaped };
}

function sameBytes(a: Float32Array, b: Float32Array): boolean {
  return a.length === b.length && a.every((value, i) => Object.is(value, b[i]));
}

/** A forward's outputs, copied (the model reuses its buffers). */
function snapshot(model: JadeCompact, features: Float32Array, batch: number, training: boolean): Float32Array {
  const outputs = model.forward(features, batch, training ? { training: true, rng: new Rng(7) } : { training: false });
  return Float32Array.from([...outputs.classLogits, ...outputs.pointers, ...outputs.spanScores, ...outputs.countdown]);
}

/** Validates one objective's model, initialised for `seed`, on the first `windows` windows of `data`. */
export function validateArchitecture(objective: string, seed: number, data: WindowTensors, windows = 2): ArchitectureValidation {
  const model = initialModel({ loss: objective, seed, batchSize: windows, posWeight: 1 }, data.featureCount, data.bars);
  const batch = Math.min(windows, data.windowIds.length);
  const stride = data.bars * data.featureCount;
  const features = data.features.slice(0, batch * stride);
  const targets = { spanStart: data.spanStart.subarray(0, batch), spanEnd: data.spanEnd.subarray(0, batch), label: data.label.subarray(0, batch) };
  const deterministicForward = sameBytes(snapshot(model, features, batch, false), snapshot(model, features, batch, false));
  const deterministicTrainingForward = sameBytes(snapshot(model, features, batch, true), snapshot(model, features, batch, true));

  // The Kendall-weighted training objective with dropout off, so it is a deterministic function of the weights.
  const objectiveValue = () => {
    model.forward(features, batch, { training: false });
    return model.computeLoss(targets, { gradients: false }).weighted;
  };
  model.parameters.zeroGradients();
  model.forward(features, batch, { training: false });
  model.computeLoss(targets, { gradients: true });
  model.backward();
  const analytic = Float32Array.from(model.parameters.gradients);
  const checked = [
    ...CHECKED_TRUNK_TENSORS,
    ...spanHead(objective)
      .parameterSpecs()
      .map((spec) => spec.name),
  ];
  const entries: GradientEntry[] = [];
  for (const name of checked) {
    const entry = model.parameters.entry(name);
    const order = Array.from({ length: entry.size }, (_, i) => i).sort(
      (a, b) => Math.abs(analytic[entry.offset + b]!) - Math.abs(analytic[entry.offset + a]!) || a - b,
    );
    for (const index of order.slice(0, ENTRIES_PER_TENSOR)) {
      const values = model.parameters.values;
      const at = entry.offset + index;
      const saved = values[at]!;
      values[at] = saved + STEP;
      const up = objectiveValue();
      values[at] = saved - STEP;
      const down = objectiveValue();
      values[at] = saved;
      const numeric = (up - down) / (2 * STEP);
      const exact = analytic[at]!;
      const scale = Math.max(Math.abs(exact), Math.abs(numeric));
      entries.push({ name, index, analytic: exact, numeric, relativeError: scale > 0 ? Math.abs(exact - numeric) / scale : 0 });
    }
  }
  return {
    objective,
    modules: byModule(model),
    total: model.parameters.count,
    pytorchLayout: layoutCheck(model),
    deterministicForward,
    deterministicTrainingForward,
    gradientCheck: { windows: batch, step: STEP, entries, worstRelativeError: Math.max(...entries.map((e) => e.relativeError)) },
  };
}

/** One seed's untrained baseline for one objective. */
export interface UntrainedBaselineRow {
  objective: string;
  seed: number;
  /** The best threshold of the untrained model's sweep ON THE VALIDATION WINDOWS (the reference's way). */
  threshold: number;
  f1: number;
  precision: number;
  recall: number;
  /** Share of validation bars the untrained model calls in-span at that threshold. */
  predictedShare: number;
  /** F1 of calling every validation bar in-span. */
  allPositiveF1: number;
  /** The trained run's F1 with its threshold chosen on its training windows (its thresholded probabilities). */
  trainedF1: number;
}

/** Seed means of one objective's untrained baseline. */
export interface UntrainedSummary {
  f1: number;
  threshold: number;
  predictedShare: number;
  allPositiveF1: number;
  trainedF1: number;
  /** Untrained best F1 − all-positive F1: how much the reference's "baseline" adds to calling every bar in-span. */
  overAllPositive: number;
  /** Seeds whose untrained best F1 exceeds the all-positive F1, of `seeds`. */
  seedsAboveAllPositive: number;
  seeds: number;
  /**
   * What the figure is, by the rule in UNTRAINED_READING_RULE: "all-positive" when the sweep's best
   * threshold calls nearly every bar in span and scores the all-positive F1; "above all-positive" otherwise.
   */
  reading: "all-positive" | "above all-positive";
}

/** Within this F1 of the all-positive F1 and calling at least this share of bars in span, the untrained figure is the all-positive one. */
export const UNTRAINED_READING_RULE = { f1Margin: 0.01, predictedShare: 0.9 } as const;

export interface UntrainedBaseline {
  rows: UntrainedBaselineRow[];
  byObjective: Record<string, UntrainedSummary>;
  readingRule: typeof UNTRAINED_READING_RULE;
  /** The reference's figures, for comparison: its untrained "baseline" F1 and its all-positive F1. */
  reference: { untrainedF1: number; allPositiveF1: number; overAllPositive: number };
}

/** The untrained-model threshold baseline of every run, on the runs' own validation windows. */
export function untrainedBaseline(windows: readonly Window[], protocol: ComparisonProtocol, data: string, runs: readonly RunResult[]): UntrainedBaseline {
  const inputs = new Map<boolean, ReturnType<typeof windowTensors>>();
  const rows = runs.map((run) => {
    const position = run.trained?.position ?? protocol.position ?? false;
    if (!inputs.has(position)) inputs.set(position, windowTensors(windows, { position }));
    const tensors = inputs.get(position)!;
    const split = runSplit(windows, splitSettings(protocol, data, run.seed));
    const model = initialModel(
      { loss: run.objective, seed: run.seed, batchSize: protocol.batchSize, posWeight: run.posWeight.value },
      tensors.featureCount,
      tensors.bars,
    );
    const validation = predict(model, tensors, split.validation);
    const best = bestThreshold(thresholdSweep(validation.probabilities, validation.barTruth, validation.bars, { minRunLength: protocol.minRunLength }));
    const trained = run.evaluation.decoders.find((decoder) => decoder.decoder === spanHead(run.objective).thresholdDecoder.key);
    return {
      objective: run.objective,
      seed: run.seed,
      threshold: best.threshold,
      f1: best.f1,
      precision: best.precision,
      recall: best.recall,
      predictedShare: best.nPredicted / validation.probabilities.length,
      allPositiveF1: allPositiveScores(validation.barTruth, validation.bars).f1,
      trainedF1: trained?.pooled.f1 ?? Number.NaN,
    };
  });
  const byObjective = Object.fromEntries(
    protocol.objectives.map((objective) => {
      const own = rows.filter((row) => row.objective === objective);
      const average = (pick: (row: UntrainedBaselineRow) => number) => mean(own.map(pick));
      const summary: UntrainedSummary = {
        f1: average((r) => r.f1),
        threshold: average((r) => r.threshold),
        predictedShare: average((r) => r.predictedShare),
        allPositiveF1: average((r) => r.allPositiveF1),
        trainedF1: average((r) => r.trainedF1),
        overAllPositive: average((r) => r.f1 - r.allPositiveF1),
        seedsAboveAllPositive: own.filter((r) => r.f1 > r.allPositiveF1).length,
        seeds: own.length,
        reading: "all-positive",
      };
      const allPositive =
        Math.abs(summary.overAllPositive) <= UNTRAINED_READING_RULE.f1Margin && summary.predictedShare >= UNTRAINED_READING_RULE.predictedShare;
      summary.reading = allPositive ? "all-positive" : "above all-positive";
      return [objective, summary];
    }),
  );
  return {
    rows,
    byObjective,
    readingRule: UNTRAINED_READING_RULE,
    reference: {
      untrainedF1: REFERENCE_UNTRAINED_F1,
      allPositiveF1: REFERENCE_ALL_POSITIVE_F1,
      overAllPositive: REFERENCE_UNTRAINED_F1 - REFERENCE_ALL_POSITIVE_F1,
    },
  };
}

/** The reference's untrained "baseline" F1 and the all-positive F1 beside it (its THRESHOLD_OPTIMIZATION_ANALYSIS). */
const REFERENCE_UNTRAINED_F1 = 0.1373;
const REFERENCE_ALL_POSITIVE_F1 = 0.1345;

/** How thresholds are chosen and scored in this bundle, with its figures. */
export interface ThresholdMethod {
  grid: { from: number; to: number; step: number; points: number };
  minRunLength: number;
  chosenOn: string;
  /** Seed means per objective of the chosen threshold, its F1 on the training windows it was chosen on, on validation, and the validation oracle's F1. */
  byObjective: Record<string, { threshold: number; trainingF1: number; validationF1: number; oracleF1: number; oracleThreshold: number }>;
}

export function thresholdMethod(protocol: ComparisonProtocol, objectives: readonly ObjectiveDescription[], runs: readonly RunResult[]): ThresholdMethod {
  const grid = thresholdGrid();
  const byObjective = Object.fromEntries(
    objectives.map((objective) => {
      const own = runs.filter((run) => run.objective === objective.name);
      const choice = (run: RunResult) => run.evaluation.thresholds[0]!;
      const validation = (run: RunResult) => run.evaluation.decoders.find((d) => d.decoder === objective.thresholdDecoder.key)?.pooled.f1 ?? Number.NaN;
      return [
        objective.name,
        {
          threshold: mean(own.map((r) => choice(r).threshold)),
          trainingF1: mean(own.map((r) => choice(r).trainingF1)),
          validationF1: mean(own.map(validation)),
          oracleF1: mean(own.map((r) => choice(r).validationOracle.f1)),
          oracleThreshold: mean(own.map((r) => choice(r).validationOracle.threshold)),
        },
      ];
    }),
  );
  return {
    grid: { from: grid[0]!, to: grid[grid.length - 1]!, step: 0.01, points: grid.length },
    minRunLength: protocol.minRunLength,
    chosenOn: protocol.thresholdChosenOn,
    byObjective,
  };
}

/** The reference's Level 4: the architecture checks, the untrained baseline and the threshold method. */
export interface TechnicalDetails {
  architecture: ArchitectureValidation[];
  untrainedBaseline: UntrainedBaseline;
  thresholdMethod: ThresholdMethod;
}

/** Everything SOFT_SPAN_VS_CRF_COMPARISON.md shows, for a comparison whose runs are evaluated. */
export function technicalDetails(
  windows: readonly Window[],
  protocol: ComparisonProtocol,
  data: string,
  objectives: readonly ObjectiveDescription[],
  runs: readonly RunResult[],
): TechnicalDetails {
  // A tiny batch of the comparison's own windows: the first two of the file.
  const tiny = windowTensors(windows.slice(0, 2));
  return {
    architecture: objectives.map((objective) => validateArchitecture(objective.name, protocol.seeds[0]!, tiny)),
    untrainedBaseline: untrainedBaseline(windows, protocol, data, runs),
    thresholdMethod: thresholdMethod(protocol, objectives, runs),
  };
}
