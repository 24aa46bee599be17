/**
 * The sensitivity section's part of the comparison model (src/compare/types.ts): the extra settings a
 * compare trains and each point's F1 per objective, every pair's difference and its winner
 * (src/compare/analysis/sensitivity.ts computes them).
 */
import type { PosWeightSetting } from "../train/pos_weight.js";
import type { TaskWeighting } from "../model/jade_compact.js";
import type { Objective, Winner } from "./types.js";

/** One setting of the sensitivity section (src/compare/analysis/sensitivity.ts). */
export interface SensitivityPoint {
  /** Which setting changed: the pos_weight of the heads that read it, the epochs, or the task weighting (`equal`). */
  axis: "pos_weight" | "epochs" | "weighting";
  /** The setting in words ("1", "balanced × 0.25"; the epoch count for the epochs axis). */
  setting: string;
  /** The comparison's own setting (its main runs, on the sensitivity seeds). */
  main: boolean;
  /** Resolved pos_weight of the objective that reads it (mean over the point's seeds); null on the epochs axis. */
  posWeight: number | null;
  epochs: number;
  /** Span F1 of each objective's own decoder, pooled over the seeds' validation windows, with its window-bootstrap interval. */
  f1: Record<Objective, { mean: number; low: number; high: number }>;
  /** The first pair's difference (first − second), paired on the same windows. */
  difference: { mean: number; low: number; high: number };
  /** Every pair i < j of the objectives, paired on the same windows (absent in models written before it: `difference`). */
  pairs: { first: Objective; second: Objective; mean: number; low: number; high: number }[];
  /** The objective whose interval against every other lies on its side of 0; else "not established". */
  winner: Winner;
  /** Whether `winner` is the headline winner of span F1. */
  agrees: boolean;
  /** The point's own run folders, relative to the bundle (none for the main point: those are `runs`). */
  runDirectories: string[];
  /** Validation classification accuracy of each objective (mean over the point's seeds), and always-majority's. */
  classAccuracy: Record<Objective, number> | null;
  majorityAccuracy: number | null;
}

export interface Sensitivity {
  /** The metric key of the points (the verdict metric). */
  metric: string;
  seeds: number[];
  intervalMethod: string;
  points: SensitivityPoint[];
  /** "The verdict … holds across …" or "… depends on the settings: it reverses at …". */
  sentence: string;
  /** Axes the issue asks for that this bundle did not run, and how to run them. */
  notRun: string[];
}

/** Extra settings a compare trains on its sensitivity seeds (docs/spec.md §9). */
export interface SensitivityPlan {
  /** pos_weight settings of the objectives that read it (the others keep their main runs). */
  posWeights: PosWeightSetting[];
  /** Task weightings other than the comparison's, every objective (`--sensitivity all`: equal). */
  weightings?: TaskWeighting[];
  /** Epoch counts, every objective at its main settings. */
  epochs: number[];
  /** The seeds every point is trained on (default: the first seed). */
  seeds: number[];
}
