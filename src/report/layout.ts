/**
 * Where every file of the analysis bundle lives, relative to the bundle folder, and what each holds —
 * one table that the writer, the index's manifest and report.html's links all read, so a file cannot be
 * written under one name and linked under another. Top-level names are the reference's (its
 * ANALYSIS_INDEX.md lists them); the logs are named after the epoch count as the reference's were.
 */

import type { ObjectiveDescription } from "../compare/types.js";

/**
 * Every plot the bundle renders (each as .png, .svg and .vl.json); a probability histogram per
 * objective is `histogram` + the objective's name capitalised ("histogramSoft").
 */
export type PlotKey =
  | "lossCurves"
  | "sigma"
  | "taskScales"
  | "reliability"
  | "thresholdCurves"
  | "thresholdResults"
  | "examples"
  | "sensitivity"
  | "spanPosteriorHeatmap"
  | "spanCalibration"
  | `histogram${string}`;

export interface BundleLayout {
  index: string;
  summary: string;
  resultsCsv: string;
  finalComparison: string;
  thresholdAnalysis: string;
  /** The reference's Level 4: architecture validation, the untrained baseline, the threshold method. */
  technicalComparison: string;
  thresholdCsv: string;
  sweepsCsv: string;
  /** The first seed's training log of each objective, by objective name. */
  logs: Record<string, string>;
  report: string;
  comparison: string;
  /** Every file the bundle writer wrote, with its SHA-256, written last (what "complete" means). */
  bundleManifest: string;
  /** Plot paths WITHOUT extension. */
  plots: Record<PlotKey, string>;
}

/** The plot key of an objective's probability histogram. */
export function histogramKey(objective: Pick<ObjectiveDescription, "name">): PlotKey {
  return `histogram${objective.name.charAt(0).toUpperCase()}${objective.name.slice(1)}`;
}

/** The bundle's own manifest file. */
export const BUNDLE_MANIFEST = "bundle_manifest.json";

/**
 * The bundle's layout for a comparison of `objectives` over `epochs` epochs. The reference's names are
 * built from the first two objectives' log stems (SOFT_SPAN_VS_CRF_RESULTS.csv), so a comparison that adds
 * objectives after the reference's pair keeps the file names readers and scripts look for; every
 * objective has its own log (training_soft_span_50.log) and column.
 */
export function bundleLayout(epochs: number | "tuned", objectives: readonly ObjectiveDescription[]): BundleLayout {
  const pair = objectives
    .slice(0, 2)
    .map((o) => o.logStem.toUpperCase())
    .join("_VS_");
  return {
    index: "ANALYSIS_INDEX.md",
    summary: "TRAINING_ANALYSIS_SUMMARY.txt",
    resultsCsv: `${pair}_RESULTS.csv`,
    finalComparison: `FINAL_COMPARISON_${pair}.md`,
    thresholdAnalysis: "THRESHOLD_OPTIMIZATION_ANALYSIS.md",
    technicalComparison: `${pair}_COMPARISON.md`,
    thresholdCsv: "threshold_optimization_results.csv",
    sweepsCsv: "threshold_sweeps.csv",
    logs: Object.fromEntries(objectives.map((o) => [o.name, `training_${o.logStem}_${epochs}.log`])),
    report: "report.html",
    comparison: "comparison.json",
    bundleManifest: BUNDLE_MANIFEST,
    plots: {
      lossCurves: "plots/loss_curves",
      sigma: "plots/sigma_task_weights",
      taskScales: "plots/task_scales",
      reliability: "plots/reliability",
      thresholdCurves: "plots/threshold_f1_curves",
      thresholdResults: "threshold_optimization_results",
      ...Object.fromEntries(objectives.map((o) => [histogramKey(o), `artifacts/diagnostics/span_probs_${o.name}`])),
      examples: "plots/example_windows",
      sensitivity: "plots/sensitivity",
      spanPosteriorHeatmap: "plots/span_posterior_heatmap",
      spanCalibration: "plots/span_calibration",
    },
  };
}

/** A plot as the documents show it: where its PNG is and what it shows. */
export interface PlotEntry {
  key: PlotKey;
  /** Path without extension. */
  base: string;
  title: string;
  caption: string;
}

/** One line of the index's manifest. */
export interface ManifestEntry {
  path: string;
  description: string;
}

/** A run folder under runs/ and the files it holds. */
export interface RunFolder {
  directory: string;
  files: string[];
}

/** What each file of a run folder holds (names as src/train/train.ts writes them). */
export const RUN_FILE_DESCRIPTIONS: Record<string, string> = {
  "config.json": "the run's full training configuration, data hash and split (validation window ids)",
  "training.log": "the reference-format per-epoch log (train_loss, val_loss, macro span P/R/F1 at 0.5, σ's, task weights, mean p)",
  "metrics.jsonl": "one JSON record per epoch: every loss term (train and validation), σ, log σ, task and effective weights, mean p",
  "best.safetensors": "checkpoint of the epoch with the lowest validation loss (not the one evaluated)",
  "last.safetensors": "checkpoint of the final epoch: the model the bundle evaluates",
  "last.state.safetensors": "optimizer moments and generator state, to resume the run exactly",
};
