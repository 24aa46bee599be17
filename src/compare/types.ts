/**
 * The comparison model: the result of `spanlab compare`, saved as `comparison.json`, and the only thing
 * the analysis bundle is rendered from. Every figure, winner, verdict and table value the bundle prints
 * is computed here, in compare/, and src/report/ only turns it into text (decimals, percent signs, which
 * string to print). So every number in the bundle traces back to this object, and it traces back to the
 * runs.
 *
 * Where each part is computed:
 *  - `protocol`, `data`, `runs`, `ruleBaseline` — compare.ts (training plan, per-run evaluation by
 *    evaluate.ts, the rule detector on every seed's split); `runs[].headline` and `runs[].training` —
 *    aggregate.ts (`headlineValues`, `trainingSummary`).
 *  - `objectives` — analysis/objectives.ts, copied from the span heads (model/heads/registry.ts) so the
 *    bundle names every objective without knowing any.
 *  - `metrics`, `recommendation`, `referenceHeuristic` — aggregate.ts (statistics across seeds, paired
 *    differences, winner rules, the decision) over the metric definitions of metrics.ts; each metric's
 *    `ruleBaseline` — analysis/baselines.ts.
 *  - `conventions` — analysis/conventions.ts: the fixed settings every rule text cites; `rules` — the
 *    rules of the derived verdicts, in words (analysis/training.ts, step_budget.ts, baselines.ts,
 *    probabilities.ts).
 *  - `training` — analysis/training.ts (seed-mean trajectories, task scales, convergence, overfitting, loss
 *    scales, task balance) and analysis/step_budget.ts (σ's against the step budget).
 *  - `probabilities` — analysis/probabilities.ts (separation, decoders' seed means, pooled reliability,
 *    summed histograms, the calibration verdict).
 *  - `baselines` — analysis/baselines.ts (trivial baselines, readiness, the rule detector's verdicts).
 *  - `thresholds` — analysis/thresholds.ts (chosen thresholds per run, baselines per seed).
 *  - `statements` — analysis/statements.ts (the caution, what is not established, the caveats).
 *  - `resultRows` — analysis/results_table.ts (every row of SOFT_SPAN_VS_CRF_RESULTS.csv).
 *  - `plots` — analysis/plot_data.ts (every plot's series: seed averages, pooled bins, marker positions).
 *  - `examples` — compare.ts (validation windows of the first seed with each objective's output).
 *  - `sensitivity` — analysis/sensitivity.ts (its types: sensitivity_types.ts); `metrics[].pairs` —
 *    pairwise.ts (every pair's difference and winner, the winner over all objectives).
 *  - `technicalDetails` — technical_details.ts (run-time architecture checks, the untrained-model
 *    threshold baseline, the threshold method with this bundle's figures).
 *
 * Objectives are named by their span head (`protocol.objectives`, two or more names). Statistics of one
 * metric per objective are keyed by that name (`byObjective`); every pair i < j of `protocol.objectives`
 * has its paired difference i − j (`pairs`, in pair order: (0, 1), (0, 2), …, (1, 2), …); a winner is an
 * objective's name, "not established" or "n/a". With two objectives there is one pair, and `difference`
 * is its difference (what readers of the two-objective model read).
 */
import type { EpochRecord } from "../train/records.js";
import type { PosWeightSetting } from "../train/pos_weight.js";
import type { TaskWeighting } from "../model/jade_compact.js";
import type { ResolvedSplitKind, SplitKind } from "../data/splits.js";

import type { RunEvaluation } from "./evaluate.js";
import type { TechnicalDetails } from "./technical_details.js";
import type { ObjectiveTraining, ObjectiveProbabilities, Readiness, SeedSpread, ResultRow, PlotData } from "./analysis_types.js";
import type { TuneProtocol, TuningAnalysis } from "./tune_types.js";
import type { Sensitivity, SensitivityPlan } from "./sensitivity_types.js";
import type { ObjectiveSpanPosterior } from "./analysis/span_posterior.js";

export type * from "./analysis_types.js";
export type * from "./sensitivity_types.js";
export type * from "./tune_types.js";

/** A span objective: the name of its span head (`--loss`, a checkpoint's `loss_type`). */
export type Objective = string;

/** How a number is printed: the report picks decimals and suffix by kind (see report/format.ts). */
export type ValueKind = "score" | "loss" | "sigma" | "percent" | "bars" | "epoch" | "seconds" | "count";

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

/** A paired difference first − second with its 95% bootstrap interval. */
export interface PairedDifferenceSummary {
  mean: number;
  low: number;
  high: number;
  established: boolean;
}

/** One pair of compared objectives on one metric: their paired difference first − second and its winner. */
export interface PairComparison {
  /** Earlier in `protocol.objectives`. */
  first: Objective;
  second: Objective;
  /** Paired (same seed, same split) difference first − second; null when either side lacks the metric. */
  difference: PairedDifferenceSummary | null;
  /** The pair's winner by the paired rule (docs/spec.md §7): one of the two, "not established" or "n/a". */
  winner: Winner;
  /** The rule that produced `winner`, in words. */
  rule: string;
}

/** An objective's name (e.g. `soft`, `crf`), "not established", or "n/a". */
export type Winner = Objective | "not established" | "n/a";

/**
 * A sentence whose numbers stay numbers until the report prints them: text parts are printed as they are,
 * `number` parts as JavaScript prints them (seeds, counts, a learning rate), `value` parts by their kind,
 * `decimals` parts with that many decimals, statistics as the plain value with one seed and
 * "mean [low, high]" with several. Shared verdicts (readiness, the caution, the results table) are phrases, so every document
 * prints the same words and the same figures.
 */
export type PhrasePart =
  | string
  | { number: number | null }
  | { value: number | null; kind: ValueKind }
  | { value: number | null; decimals: number }
  | { statistics: ObjectiveStatistics | null; kind: ValueKind }
  | { difference: PairedDifferenceSummary | null; kind: ValueKind };
export type Phrase = PhrasePart[];

/** How one metric compares between the objectives. */
export interface MetricComparison {
  key: string;
  label: string;
  /** Name in narrow tables and lists ("F1, own decoder"); the label where the metric has none. */
  shortLabel: string;
  /** Unit or scale, e.g. "F1 (0–1)", "bars", "%". */
  unit: string;
  /** How its values are printed (from the unit). */
  kind: ValueKind;
  /** true: higher is better; false: lower is better; null: no better direction (descriptive). */
  higherIsBetter: boolean | null;
  /** Per objective (by name); null when no run of that objective defines the metric (e.g. a decoder it lacks). */
  byObjective: Record<Objective, ObjectiveStatistics | null>;
  /** The rule detector's statistics on the same validation windows, for metrics it has a counterpart of. */
  ruleBaseline: ObjectiveStatistics | null;
  /** The first pair's difference (`pairs[0]`, first − second): the only pair when two objectives are compared. */
  difference: PairedDifferenceSummary | null;
  /** Every pair i < j of `protocol.objectives`, in pair order (absent in models written before it: two objectives, `difference`). */
  pairs: PairComparison[];
  /**
   * The objective whose paired difference against every other objective favours it with an interval that
   * excludes 0 (with two objectives: the pair's winner), "not established", or "n/a" (descriptive
   * metric, one-sided metric, or not comparable).
   */
  winner: Winner;
  /** The rule that produced `winner`, in words. */
  rule: string;
  /**
   * `primary`: the one metric, declared before any run, whose winner decides (PRIMARY_METRIC in
   * aggregate.ts); `secondary`: descriptive, its winner never decides and is not adjusted for the many
   * metrics and settings the bundle reports.
   */
  role: "primary" | "secondary";
  /** Extra caveat (e.g. why loss scales are not comparable). */
  note?: string;
}

export type Task = "pointer" | "type" | "span" | "countdown";

/** How far each log σ moved against the most AdamW could move it in the run's steps. */
export interface StepBudget {
  steps: number;
  learningRate: number;
  /** Upper bound on |Δ log σ|: AdamW moves a parameter by at most ≈ lr per step. */
  bound: number;
  tasks: Record<Task, { initial: number; final: number; moved: number; share: number; limited: boolean }>;
}

export interface RunResult {
  objective: Objective;
  seed: number;
  /** Run folder, relative to the bundle folder. */
  runDirectory: string;
  records: EpochRecord[];
  /** What the run trained with of what a tuned comparison chooses per run (absent in bundles written before it: the protocol's). */
  trained?: { epochs: number; learningRate: number; position: boolean };
  /** The pos_weight this run trained with, resolved on its training windows (used only by heads that read it). */
  posWeight: { requested: PosWeightSetting; value: number; trainingInSpanRate: number | null };
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
  /** The objectives compared (two or more), by span-head name; each pair's difference is earlier − later. */
  objectives: Objective[];
  seeds: number[];
  epochs: number;
  batchSize: number;
  learningRate: number;
  weightDecay: number;
  clipGradNorm: number | null;
  /** docs/spec.md §5: `auto` resolves per data file (`data.split`); `embargoBars` (time splits): null = 1% of the bar times. */
  split: SplitKind;
  embargoBars?: number | null;
  validationFraction: number;
  /** The soft span loss's positive weight as asked (`balanced`: resolved per run, `runs[].posWeight`). */
  posWeight: PosWeightSetting;
  minRunLength: number;
  bootstrapResamples: number;
  /** How the four task losses combine (absent in bundles written before it: kendall). */
  weighting?: TaskWeighting;
  /** The 13th feature, bar position (absent in bundles written before it: off). */
  position?: boolean;
  /** Extra runs for the sensitivity section (absent in bundles written before it: none). */
  sensitivity?: SensitivityPlan;
  /** True when run with --reference-protocol (single seed, reference split, the reference's settings). */
  referenceProtocol: boolean;
  /** `compare --tune`: nested selection; each seed is an outer fold (absent: an untuned comparison). */
  tune?: TuneProtocol;
  thresholdChosenOn: string;
  evaluatedCheckpoint: string;
  workers: number;
}

/** Is the class task learned? (src/compare/analysis/class_head.ts) */
export interface ClassHeadAnalysis {
  byObjective: Record<
    Objective,
    {
      accuracy: SeedSpread;
      majority: SeedSpread;
      /** Share of validation windows predicted as the training majority class. */
      predictedMajorityShare: SeedSpread;
      /** Seed-mean validation L_type at the first and the last epoch. */
      typeLoss: { first: number; final: number };
      /** Cross-entropy of the training class prior on the validation labels. */
      priorCrossEntropy: SeedSpread;
      /** The class task's effective weight 1/(2σ²) and weight share, seed means at the first and last epoch. */
      typeWeight: { effectiveFirst: number; effectiveFinal: number; shareFirst: number; shareFinal: number };
      state: "learned" | "not learned" | "not established";
    }
  >;
  logistic: { description: string; accuracy: SeedSpread; majority: SeedSpread; state: "learned" | "not learned" | "not established" };
  /** Accuracy at the other settings the sensitivity section trained (more epochs, equal task weights). */
  variants: { setting: string; accuracy: Record<Objective, number>; majority: number }[];
  sentence: string;
  notRun: string[];
}

/** The settings one objective trained with, and why (src/compare/analysis/settings.ts). */
export interface ObjectiveSettings {
  objective: Objective;
  /** `used` false: the objective's loss has no positive weight (`why` says how it meets the imbalance). */
  posWeight: {
    used: boolean;
    requested: PosWeightSetting;
    /** The resolved values over the objective's runs (seeds). */
    values: SeedSpread | null;
    /** π of the runs' training windows, when the weight was balanced from it. */
    trainingInSpanRate: SeedSpread | null;
    /** A tuned comparison: the setting each outer fold chose, in fold order. */
    chosenPerFold?: PosWeightSetting[];
    why: string;
  };
  /** epochs/learningRate: the protocol's (a tuned comparison's defaults); `chosen`: what the folds chose (tuned only). */
  shared: {
    epochs: number;
    learningRate: number;
    batchSize: number;
    weightDecay: number;
    chosen?: { epochs: SeedSpread; learningRate: SeedSpread; positionFolds: number };
    why: string;
  };
}

/** What the bundle needs to know about an objective's span head to name it and its decoders. */
export interface ObjectiveDescription {
  name: Objective;
  /** In prose ("soft span loss", "CRF"). */
  label: string;
  /** In table headers (`soft`, `CRF`). */
  shortLabel: string;
  /** Column of the results CSV (`soft_span_loss`, `crf`). */
  column: string;
  /** Stem of its training log in the bundle (`training_<stem>_<epochs>.log`). */
  logStem: string;
  /** How prose names one of its runs ("the soft-span run", "the CRF run"). */
  runLabel: string;
  summary: string;
  /** What its span loss value is (absent in comparisons written before it was recorded). */
  lossScale?: string;
  probabilityDescription: string;
  /** Short key of its per-bar probability ("sigmoid", "posterior_marginals"). */
  probabilityKey: string;
  /** Its probability in words when it is not what the objective decodes with ("posterior marginals"); else null. */
  probabilityNote: string | null;
  inferenceComplexity: string;
  /** Key of the decoder it ships with ("threshold", "viterbi"). */
  nativeDecoder: string;
  /** That decoder's name in a table header ("threshold", "Viterbi"). */
  nativeDecoderName: string;
  /** That decoder as a rule ("p > threshold", "Viterbi"). */
  nativeDecoderRule: string;
  thresholdDecoder: { key: string; description: string };
  singleSpanDescription: string;
  pathDecoders: { key: string; name: string; description: string }[];
  probabilityReadings: { key: string; decoder: string; description: string }[];
}

/** The fixed settings the rules cite (so a rule's numbers come from the model, not from a template). */
export interface Conventions {
  /** Two-sided level of every bootstrap interval. */
  confidence: number;
  /** Fewest paired seeds that may name a winner or establish readiness. */
  minimumPairedSeeds: number;
  /** Equal-width bins of the reliability diagram and ECE. */
  calibrationBins: number;
  /** Bins of the probability histograms. */
  histogramBins: number;
  /** The p the training logs' per-window span F1 thresholds at. */
  logThreshold: number;
  /** Relative change below which a whole loss curve counts as flat. */
  flatReduction: number;
  /** Largest relative epoch-to-epoch rise that still counts as smooth. */
  smoothRise: number;
  /** Relative final rise over the best validation loss that is noise, not overfitting. */
  overfittingTolerance: number;
  /** Share of AdamW's maximal speed at which a log σ still counts as moving. */
  budgetSpeedShare: number;
  /** Last epochs over which that speed is measured. */
  budgetLookbackEpochs: number;
}

/** The first seed's split as used: its kind, and what purging removed (time splits). */
/** The split of the first seed (a tuned comparison: how its outer folds were made, and their number). */
export type DataSplit = { kind: ResolvedSplitKind; purgedWindows: number; embargoBars: number | null; outerFolds?: number };
/** A validation window to draw, with every compared objective's output. */
export interface ExampleWindow {
  windowId: string;
  /** [open, high, low, close] per bar. */
  bars: [number, number, number, number][];
  trueSpan: { start: number; end: number };
  /** Every annotated span (the primary among them) and each bar's ISO time, when the file has them. */
  spans?: { start: number; end: number }[];
  timestamps?: string[];
  predicted: {
    objective: Objective;
    span: { start: number; end: number } | null;
    probabilities: number[];
    /** The objective's exact span posterior on the window, in a box (compare/example_posterior.ts; absent in comparisons before it). */
    posterior?: ExamplePosterior;
  }[];
}

/** One objective's P(start, end | x) at temperature 1 on an example window, in a box of starts × ends (docs/spec.md §12). */
export interface ExamplePosterior {
  /** First and last start bar of the box, inclusive: the rows of `probabilities`. The same box for every objective of a window. */
  startRange: [number, number];
  /** First and last end bar, inclusive: the columns. */
  endRange: [number, number];
  /** Bars on a side of a cell: 1, or more when the box is wider than 30 bars (the last cell of a row or column may hold fewer). */
  cellBars: number;
  /**
   * P(start, end) to 4 significant digits, rows by start, columns by end, 0 where end < start; with
   * `cellBars` > 1, the mean P(start, end) of the spans of each cell.
   */
  probabilities: number[][];
  /** The share of the posterior's mass inside the box. */
  mass: number;
  /** The minimum-Bayes-risk span and its expected IoU under the posterior. */
  mbr: { start: number; end: number; expectedIoU: number };
}

export interface ComparisonResult {
  spanlab_version: string;
  /** ISO time the comparison finished (the only field that differs between identical comparisons). */
  created: string;
  protocol: ComparisonProtocol;
  data: { path: string; sha256: string; windows: number; trainWindows: number; validationWindows: number; validationInSpanRate: number; split: DataSplit };
  /** The compared objectives, in `protocol.objectives` order. */
  objectives: ObjectiveDescription[];
  /** Which setting each objective used, and why, in `objectives` order. */
  settings: ObjectiveSettings[];
  /** Does the verdict depend on the settings? null when the compare ran no sensitivity points. */
  sensitivity: Sensitivity | null;
  /** Is the class task learned, and why not? */
  classHead: ClassHeadAnalysis;
  /** How sure each head is of its span: its exact span posterior, calibrated (absent in comparisons before it). */
  spanPosterior?: ObjectiveSpanPosterior[] | null;
  /** A tuned comparison's search: the settings each outer fold chose and how stable they were (absent untuned). */
  tuning?: TuningAnalysis;
  conventions: Conventions;
  /** The stated rules behind the derived verdicts, in words (each cites `conventions`). */
  rules: Record<"convergence" | "overfitting" | "budget" | "readiness" | "calibration", string>;
  runs: RunResult[];
  /** Headline metrics, in display order. */
  metrics: MetricComparison[];
  /**
   * The transparent rule detector (range_z > a && |expansion_proxy| > b), tuned on each seed's training
   * windows and scored on the same validation windows as the models: the column after the objectives' in every table.
   */
  ruleBaseline: {
    description: string;
    perSeed: {
      seed: number;
      rangeZThreshold: number;
      expansionProxyThreshold: number;
      trainingF1: number;
      f1: number;
      precision: number;
      recall: number;
      iou: number;
      strictF1: number;
      hit3: number;
    }[];
    /** Across-seed statistics (each metric's `ruleBaseline` holds the one standing beside it). */
    metrics: Record<"f1" | "precision" | "recall" | "iou" | "strictF1" | "hit3", ObjectiveStatistics>;
  };
  /**
   * The reference's "normalised reduction" computed exactly as it did, on the seed-mean losses — a flagged
   * heuristic: the second objective's loss reduction divided by the ratio of epoch-1 losses (second/first).
   * `scale`/`normalised` are the second objective's; `others` the same for every later objective (each
   * against the first; absent in models written before it and with two objectives).
   */
  referenceHeuristic: {
    reductions: Record<Objective, number>;
    scale: number;
    normalised: number;
    others?: { objective: Objective; scale: number; normalised: number }[];
    note: string;
  };
  recommendation: {
    /** The objective to ship, or "undecided" when the evidence does not establish a difference. */
    decision: Objective | "undecided";
    headline: string;
    reasons: string[];
    rules: string[];
  };
  training: { trajectoryEpochs: number[]; byObjective: Record<Objective, ObjectiveTraining> };
  probabilities: { byObjective: Record<Objective, ObjectiveProbabilities>; calibrationWinner: Winner };
  baselines: {
    /** Trivial baselines per seed (both objectives of a seed share the validation windows). */
    allPositive: SeedSpread;
    priorRate: SeedSpread;
    readiness: Record<Objective, Readiness>;
    /** The objective that is ready while every other is not ready; else "n/a" or "not established". */
    readinessWinner: Winner;
    /** Native F1 against the rule detector's: "below", "above", "overlapping", null without a rule baseline. */
    versusRule: Record<Objective, "below" | "above" | "overlapping" | null>;
  };
  thresholds: {
    /** Every threshold choice of every run, with what it scored on validation and the validation oracle. */
    choices: {
      objective: Objective;
      seed: number;
      source: string;
      threshold: number;
      trainingF1: number;
      validation: { f1: number; precision: number; recall: number } | null;
      oracleThreshold: number;
      oracleF1: number;
    }[];
    /** Per seed: the trivial baselines' inputs and F1s, the rule detector and each objective's native F1. */
    perSeed: {
      seed: number;
      inSpanBars: number;
      bars: number;
      prevalence: number;
      allPositiveF1: number;
      priorRate: number;
      priorRateF1: number;
      ruleF1: number | null;
      nativeF1: Record<Objective, number>;
    }[];
  };
  statements: {
    /** Set when the recommended objective is not shown to beat the baselines. */
    caution: Phrase | null;
    notEstablished: Phrase[];
    caveats: Phrase[];
  };
  /** SOFT_SPAN_VS_CRF_RESULTS.csv: the reference's 21 rows in its order, then every other metric. */
  resultRows: ResultRow[];
  plots: PlotData;
  examples: ExampleWindow[];
  /** SOFT_SPAN_VS_CRF_COMPARISON.md: architecture validation, the untrained baseline, the threshold method. */
  technicalDetails: TechnicalDetails;
}
