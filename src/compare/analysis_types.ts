/**
 * The analysis sections of the comparison model (src/compare/types.ts): training, probabilities,
 * readiness, result rows and plot series — split out of types.ts to keep each file small.
 */
import type { Objective, ObjectiveStatistics, Phrase, Task } from "./types.js";
import type { ReliabilityBin } from "../eval/calibration.js";

export type ConvergencePattern = "single epoch" | "flat" | "rising" | "monotone" | "smooth" | "noisy";

export interface Convergence {
  pattern: ConvergencePattern;
  /** (first − final)/first of the curve. */
  reduction: number;
  /** Share of epoch-to-epoch steps where the loss fell. */
  fallingShare: number;
  /** Largest relative epoch-to-epoch rise (rise / previous value); 0 when it never rose. */
  largestRise: number;
  /** The epoch at which that rise happened, null when it never rose. */
  largestRiseEpoch: number | null;
}

/** How far an objective's log σ's moved against the bound steps·lr, averaged over its runs. */
export interface BudgetSummary {
  /** AdamW steps (min–max over seeds: the group split can give seeds different training sizes). */
  steps: { min: number; max: number };
  bound: { min: number; max: number };
  tasks: Record<Task, { initial: number; finalMean: number; moved: number; share: number; limitedRuns: number }>;
  runs: number;
  /** Runs × tasks. */
  logSigmas: number;
  /** Runs × tasks still moving at ≥ a quarter of the maximal speed in the last epochs. */
  limited: number;
  /** The sentence the bundle prints about it. */
  text: Phrase;
}

/** One objective's training, summarised over its runs (seed means unless said otherwise). */
export interface ObjectiveTraining {
  /** At `training.trajectoryEpochs`: training objective, validation loss and its span term. */
  trajectory: { epoch: number; train: number; validation: number; validationSpan: number }[];
  /** Per seed, the validation loss at the trajectory epochs (null past a run's end) and its best. */
  validationPerSeed: { seed: number; losses: (number | null)[]; best: number; bestEpoch: number }[];
  /** Per task at epoch 1 and the final epoch: raw losses, 1/(2σ²), and the weighted validation term. */
  taskScales: {
    task: Task;
    trainFirst: number;
    trainFinal: number;
    validationFirst: number;
    validationFinal: number;
    weightFirst: number;
    weightFinal: number;
    weightedFinal: number;
  }[];
  /** Per trajectory epoch and task: the validation loss and 1/(2σ²). */
  taskScalesPerEpoch: { epoch: number; tasks: { task: Task; validation: number; weight: number }[] }[];
  convergence: Convergence & { text: Phrase };
  overfitting: { onsets: (number | null)[]; bestEpochs: number[]; text: Phrase };
  /** Min–max of the unweighted validation loss and of its span term over every epoch of every run. */
  lossScale: { total: { min: number; max: number }; span: { min: number; max: number } };
  /** Seed mean of the final pointer + span task-weight shares, in %. */
  pointerPlusSpanWeight: number;
  budget: BudgetSummary;
}

export interface DecoderMeans {
  decoder: string;
  description: string;
  /** Seed-mean threshold, null for decoders that threshold nothing. */
  threshold: number | null;
  precision: number;
  recall: number;
  f1: number;
  meanIoU: number;
  hit1: number;
  hit3: number;
  hit5: number;
  startError: number;
  endError: number;
  strictPrecision: number;
  strictRecall: number;
  strictF1: number;
}

export interface ProbabilityHistogram {
  bins: number;
  inSpan: number[];
  outOfSpan: number[];
  inSpanBars: number;
  outOfSpanBars: number;
  /** Each bin's share of its group's bars (each group sums to 1; 0 for an empty group). */
  inSpanShare: number[];
  outOfSpanShare: number[];
  /** Mean p of each group when the raw probabilities were binned; null from counts alone. */
  inSpanMean: number | null;
  outOfSpanMean: number | null;
}

export interface ObjectiveProbabilities {
  /** Seed means of each run's in-span and out-of-span statistics of p. */
  separation: { inSpan: { mean: number; std: number; median: number }; outOfSpan: { mean: number; std: number; median: number } };
  /** Seed means per decoder: path decoders, threshold decoder, readings' decoders, single span. */
  decoders: DecoderMeans[];
  /** Reliability bins pooled over runs (counts add, means count-weighted). */
  reliability: ReliabilityBin[];
  /** The probability histograms summed over runs. */
  histogram: ProbabilityHistogram;
}

export type ReadinessState = "ready" | "not ready" | "not established";

export interface Readiness {
  state: ReadinessState;
  f1: ObjectiveStatistics | null;
  /** The highest trivial-baseline F1 over the objective's runs (all-positive or prior-rate). */
  baseline: number;
  text: Phrase;
}

/** Per-seed values with their mean and range (finite values only). */
export interface SeedSpread {
  values: number[];
  mean: number;
  min: number;
  max: number;
  /** How many seeds have a value. */
  count: number;
}

export interface ResultRow {
  /** The row's name (the reference's row names first). */
  metric: string;
  /** The `metrics` key the row prints, when it prints one. */
  key?: string;
  /** One cell per objective, by name. */
  cells: Record<Objective, Phrase>;
  /** An objective's name, "not established", "n/a" — or, for the recommendation row, the decision. */
  winner: string;
  notes: Phrase;
}

/** A plotted series point: the seed mean and range of one value. */
export interface SeedBand {
  mean: number;
  min: number;
  max: number;
  seeds: number;
}

export interface ThresholdCurves {
  /** Most seeds behind any point (1: no band). */
  seeds: number;
  points: ({ objective: Objective; threshold: number; metric: "F1" | "precision" | "recall" } & SeedBand)[];
  /** The chosen threshold per objective (seed mean when several) and the mean F1 curve's value there. */
  markers: { objective: Objective; threshold: number; f1: number }[];
  /** Trivial baselines and the rule detector, seed means over the seeds shown. */
  baselines: { label: string; f1: number }[];
}

export interface PlotData {
  lossCurves: { seeds: number; points: ({ objective: Objective; split: "train" | "validation"; epoch: number } & SeedBand)[] };
  /** Per objective, task and epoch: seed means of σ and the task's share of the weight. */
  sigma: { seeds: number; points: { objective: Objective; task: Task; epoch: number; sigma: number; weight: number }[] };
  /** Per objective, task and epoch: seed means of the raw validation loss and 1/(2σ²). */
  taskScales: { seeds: number; points: { objective: Objective; task: Task; epoch: number; loss: number; weight: number }[] };
  reliability: (ReliabilityBin & { objective: Objective })[];
  thresholdCurves: ThresholdCurves;
  /** The first seed only. */
  thresholdResults: ThresholdCurves;
}
