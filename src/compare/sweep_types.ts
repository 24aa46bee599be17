/**
 * The sweep model (`sweep.json`, src/compare/sweep.ts): one row per configuration of the grid, each a
 * paired comparison of its own, and the best configuration per objective. The sweep documents
 * (src/report/sweep_bundle.ts) only render it.
 */
import type { TaskWeighting } from "../model/jade_compact.js";
import type { PosWeightSetting } from "../train/pos_weight.js";
import type { Objective, Winner } from "./types.js";

/** The settings a configuration changes from compare's defaults. */
export interface SweepSettings {
  epochs?: number;
  posWeight?: PosWeightSetting;
  position?: boolean;
  learningRate?: number;
  batchSize?: number;
  weighting?: TaskWeighting;
}

export interface Interval {
  mean: number;
  low: number;
  high: number;
}

export interface SweepConfiguration {
  /** "epochs 100, position on". */
  label: string;
  settings: SweepSettings;
  /** Its comparison bundle, relative to the sweep folder. */
  bundle: string;
  /**
   * Per metric key: seed mean and interval per objective, the first pair's paired difference (the only
   * pair of two objectives), every pair's (absent in sweeps written before it), and the winner (null: not measured).
   */
  metrics: Record<
    string,
    {
      label: string;
      byObjective: Record<Objective, Interval | null>;
      difference: Interval | null;
      pairs?: { first: Objective; second: Objective; difference: Interval | null }[];
      winner: Winner;
    } | null
  >;
  /** The configuration's own verdict. */
  decision: Objective | "undecided";
  headline: string;
}

export interface SweepResult {
  spanlab_version: string;
  created: string;
  data: string;
  grid: Record<string, unknown[]>;
  seeds: number[];
  objectives: Objective[];
  /** The metric keys of every row, the primary (span F1 of each objective's own decoder) first. */
  metrics: string[];
  configurations: SweepConfiguration[];
  /** Per objective: the best configuration by `bestRule`, and its span F1. */
  best: Record<Objective, { label: string; f1: Interval } | null>;
  bestRule: string;
}
