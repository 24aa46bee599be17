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
 *  - `technicalDetails` — technical_details.ts (run-time architecture checks, the untrained-model
 *    threshold baseline, the threshold method with this bundle's figures).
 *
 * Objectives are named by their span head (`protocol.objectives`, two names). Statistics of one metric per
 * objective are keyed by that name (`byObjective`); a paired difference is always first − second, in
 * `protocol.objectives` order; a winner is an objective's name, "not established" or "n/a".
 */
import type { EpochRecord } from "../train/records.js";
import type { ResolvedSplitKind, SplitKind } from "../data/splits.js";
import type { ReliabilityBin } from "../eval/calibration.js";
import type { RunEvaluation } from "./evaluate.js";
import type { TechnicalDetails } from "./technical_details.js";

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
  /** Paired (same seed, same split) difference first − second, with its 95% bootstrap interval. */
  difference: PairedDifferenceSummary | null;
  /** An objective's name, "not established", or "n/a" (descriptive metric, one-sided metric, or not comparable). */
  winner: Winner;
  /** The rule that produced `winner`, in words. */
  rule: string;
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
  /** The two objectives compared, by span-head name; differences are first − second. */
  objectives: [Objective, Objective];
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
  posWeight: number;
  minRunLength: number;
  bootstrapResamples: number;
  /** True when run with --reference-protocol (single seed, reference split, the reference's settings). */
  referenceProtocol: boolean;
  thresholdChosenOn: string;
  evaluatedCheckpoint: string;
  workers: number;
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

/** A validation window to draw, with both objectives' output. */
/** The first seed's split as used: its kind, and what purging removed (time splits). */
export type DataSplit = { kind: ResolvedSplitKind; purgedWindows: number; embargoBars: number | null };
export interface ExampleWindow {
  windowId: string;
  /** [open, high, low, close] per bar. */
  bars: [number, number, number, number][];
  trueSpan: { start: number; end: number };
  /** Every annotated span (the primary among them) and each bar's ISO time, when the file has them. */
  spans?: { start: number; end: number }[];
  timestamps?: string[];
  predicted: { objective: Objective; span: { start: number; end: number } | null; probabilities: number[] }[];
}

export interface ComparisonResult {
  spanlab_version: string;
  /** ISO time the comparison finished (the only field that differs between identical comparisons). */
  created: string;
  protocol: ComparisonProtocol;
  data: { path: string; sha256: string; windows: number; trainWindows: number; validationWindows: number; validationInSpanRate: number; split: DataSplit };
  /** The compared objectives, in `protocol.objectives` order. */
  objectives: ObjectiveDescription[];
  conventions: Conventions;
  /** The stated rules behind the derived verdicts, in words (each cites `conventions`). */
  rules: Record<"convergence" | "overfitting" | "budget" | "readiness" | "calibration", string>;
  runs: RunResult[];
  /** Headline metrics, in display order. */
  metrics: MetricComparison[];
  /**
   * The transparent rule detector (range_z > a && |expansion_proxy| > b), tuned on each seed's training
   * windows and scored on the same validation windows as the models: the third column of every table.
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
   */
  referenceHeuristic: { reductions: Record<Objective, number>; scale: number; normalised: number; note: string };
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
    /** The objective that is ready while the other is not ready; else "n/a" or "not established". */
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
