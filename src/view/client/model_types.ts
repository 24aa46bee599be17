/**
 * The parts of the server's JSON the pages read, typed here rather than imported from src/train and
 * src/compare: those modules' type graphs reach Node's types, which the browser build does not load.
 * Each mirrors its source (named beside it) field for field, for the fields used.
 */

export type PerTask = Record<string, number>;

/** src/train/records.ts LossRecord. */
export interface LossRecord {
  weighted: number;
  unweighted: number;
}

/** src/train/records.ts EpochRecord: one line of metrics.jsonl. */
export interface EpochRecord {
  epoch: number;
  epochs: number;
  train: LossRecord;
  validation: LossRecord;
  sigma?: PerTask;
  task_weights?: PerTask;
}

/** `GET /api/run`: the run's config.json and its records. */
export interface RunResponse {
  config: { config?: Record<string, unknown> & { loss?: string; seed?: number } } & Record<string, unknown>;
  records: EpochRecord[];
}

/** src/compare/types.ts ObjectiveStatistics (the fields read). */
export interface Statistics {
  mean: number;
  low: number;
  high: number;
  values?: number[];
}

/** src/compare/types.ts MetricComparison. */
export interface MetricComparison {
  key: string;
  label: string;
  shortLabel: string;
  unit: string;
  higherIsBetter: boolean | null;
  byObjective: Record<string, Statistics | null>;
  ruleBaseline: Statistics | null;
  pairs?: { first: string; second: string; difference: (Statistics & { established?: boolean }) | null; winner: string }[];
  role: "primary" | "secondary";
  winner: string;
  rule: string;
}

/** src/compare/types.ts ComparisonResult (the fields read). */
export interface ComparisonModel {
  created: string;
  protocol: { objectives: string[]; seeds: number[]; epochs: number; batchSize: number };
  data: { path: string; windows: number; trainWindows: number; validationWindows: number };
  objectives: { name: string; label: string; shortLabel: string }[];
  runs: { objective: string; seed: number; runDirectory: string }[];
  metrics: MetricComparison[];
  recommendation: { decision: string; headline: string; reasons: string[] };
}

/** src/compare/sweep_types.ts SweepConfiguration. */
export interface SweepConfiguration {
  label: string;
  settings: Record<string, unknown>;
  bundle: string;
  metrics: Record<string, { label: string; byObjective: Record<string, Statistics | null>; winner: string } | null>;
  decision: string;
  headline: string;
}

/** src/compare/sweep_types.ts SweepResult. */
export interface SweepModel {
  created: string;
  grid: Record<string, unknown[]>;
  seeds: number[];
  objectives: string[];
  metrics: string[];
  configurations: SweepConfiguration[];
  best: Record<string, { label: string; f1: Statistics } | null>;
  bestRule: string;
}

/** src/compare/config_diff.ts configDiff's result. */
export interface ConfigDiff {
  a: string;
  b: string;
  differences: { key: string; a: unknown; b: unknown }[];
  same: number;
}
