/**
 * The result of `spanlab compare`: every run, its evaluation, and the across-seed aggregates with their
 * intervals and winners. The bundle writers and plots read only this object (saved as `comparison.json`),
 * so every number in the bundle traces back to it, and it traces back to the runs.
 */
import type { EpochRecord } from "../train/records.js";
import type { RunEvaluation } from "./evaluate.js";

export type Objective = "soft" | "crf";
export const OBJECTIVES: readonly Objective[] = ["soft", "crf"];

/** Across-seed statistics of one metric for one objective. */
export interface ObjectiveStatistics {
  /** One value per seed, in seed order (NaN where undefined for that run). */
  values: number[];
  mean: number;
  /** Sample standard deviation (0 with one seed). */
  std: number;
  /** 95% percentile-bootstrap interval of the mean (equal to the mean with one seed). */
  low: number;
  high: number;
}

/** How one metric compares between the objectives. */
export interface MetricComparison {
  key: string;
  label: string;
  /** Unit or scale, e.g. "F1 (0–1)", "bars", "%". */
  unit: string;
  /** true: higher is better; false: lower is better; null: no better direction (descriptive). */
  higherIsBetter: boolean | null;
  /** Set when the metric exists for one objective only (e.g. CRF decoders); the other side is absent. */
  soft: ObjectiveStatistics | null;
  crf: ObjectiveStatistics | null;
  /** Paired (same seed, same split) difference soft − crf, with its 95% bootstrap interval. */
  difference: { mean: number; low: number; high: number; established: boolean } | null;
  /** "soft", "crf", "not established", or "n/a" (descriptive metric, one-sided metric, or not comparable). */
  winner: "soft" | "crf" | "not established" | "n/a";
  /** The rule that produced `winner`, in words. */
  rule: string;
  /** Extra caveat (e.g. why loss scales are not comparable). */
  note?: string;
}

/** How far each log σ moved against the most AdamW could move it in the run's steps. */
export interface StepBudget {
  steps: number;
  learningRate: number;
  /** Upper bound on |Δ log σ|: AdamW moves a parameter by at most ≈ lr per step. */
  bound: number;
  tasks: Record<"pointer" | "type" | "span" | "countdown", { initial: number; final: number; moved: number; share: number; limited: boolean }>;
}

export interface RunResult {
  objective: Objective;
  seed: number;
  /** Run folder, relative to the bundle folder. */
  runDirectory: string;
  records: EpochRecord[];
  evaluation: RunEvaluation;
  /** The metric values this run contributes, by metric key (see MetricComparison.key). */
  headline: Record<string, number>;
  training: {
    firstValidationLoss: number;
    finalValidationLoss: number;
    bestValidationLoss: number;
    bestEpoch: number;
    /** (first − final)/first of the unweighted validation loss. */
    lossReduction: number;
    /** First epoch after which validation loss never returned to its best while training loss kept falling; null if none. */
    overfittingOnset: number | null;
    stepBudget: StepBudget;
    wallSeconds: number;
  };
}

export interface ComparisonProtocol {
  seeds: number[];
  epochs: number;
  batchSize: number;
  learningRate: number;
  weightDecay: number;
  clipGradNorm: number | null;
  split: "group" | "reference";
  validationFraction: number;
  posWeight: number;
  minRunLength: number;
  bootstrapResamples: number;
  /** True when run with --reference-protocol (single seed, reference split, the reference's settings). */
  referenceProtocol: boolean;
  thresholdChosenOn: string;
  evaluatedCheckpoint: string;
  workers: number;
}

export interface ComparisonResult {
  spanlab_version: string;
  /** ISO time the comparison finished (the only field that differs between identical comparisons). */
  created: string;
  protocol: ComparisonProtocol;
  data: { path: string; sha256: string; windows: number; trainWindows: number; validationWindows: number; validationInSpanRate: number };
  runs: RunResult[];
  /** Headline metrics, in display order. */
  metrics: MetricComparison[];
  /**
   * The transparent rule detector (range_z > a && |expansion_proxy| > b), tuned on each seed's training
   * windows and scored on the same validation windows as the models: the third column of every table.
   */
  ruleBaseline: {
    description: string;
    perSeed: { seed: number; rangeZThreshold: number; expansionProxyThreshold: number; trainingF1: number; f1: number; precision: number; recall: number; iou: number; strictF1: number; hit3: number }[];
    /** Across-seed statistics, by the model metric keys they correspond to (f1_native, iou_native, strict_f1_native, hit3_native). */
    metrics: Record<"f1" | "precision" | "recall" | "iou" | "strictF1" | "hit3", ObjectiveStatistics>;
  };
  /** The reference's "normalised reduction" computed exactly as it did, on the seed-mean losses — a flagged heuristic. */
  referenceHeuristic: { softReduction: number; crfReduction: number; scale: number; crfNormalised: number; note: string };
  recommendation: {
    /** The objective to ship, or "undecided" when the evidence does not establish a difference. */
    decision: Objective | "undecided";
    headline: string;
    reasons: string[];
    rules: string[];
  };
}
