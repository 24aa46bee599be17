/**
 * The types of `compare --tune` (docs/spec.md §9, nested selection): the declared search space, the plan
 * stored in the protocol (outer folds, inner splits and sampled candidates, all by window id, so the
 * bundle names every window each decision saw), and the tuning section of the comparison model.
 */
import type { PosWeightSetting } from "../train/pos_weight.js";
import type { ResolvedSplitKind } from "../data/splits.js";

/** What `--tune` may choose per objective; each list is the values tried (epochs ascending: the halving rungs). */
export interface SearchSpace {
  epochs: number[];
  learningRate: number[];
  position: boolean[];
  /** Read only by the objectives whose head uses a positive weight (the soft span loss). */
  posWeight: PosWeightSetting[];
}

/** One configuration of the search: everything but the epochs, which successive halving decides. */
export interface TuneCandidate {
  /** 1-based, in sampling order; candidate 1 is the comparison's default setting when the space holds it. */
  index: number;
  learningRate: number;
  position: boolean;
  /** null for an objective whose head does not read a positive weight. */
  posWeight: PosWeightSetting | null;
}

/** One outer fold: its windows, the inner split of its training windows, and its seed. */
export interface OuterFold {
  /** 1-based. */
  fold: number;
  /** The seed of every run of this fold (the paired unit of the verdict, in place of a seed). */
  seed: number;
  /** Window ids the fold's final runs train on (the outer training side, purged for time folds). */
  train: string[];
  /** Window ids the fold's verdict is scored on; no selection decision ever reads them. */
  validation: string[];
  /** Training windows dropped because they share bars with the fold's validation windows (time folds). */
  purged: number;
  /** The inner split of `train` that every selection decision of this fold reads. */
  inner: { kind: ResolvedSplitKind; train: string[]; validation: string[]; purged: number };
}

/** The plan of a tuned comparison, stored in its protocol (compare_config.json). */
export interface TuneProtocol {
  /** How the outer folds were made: group k-fold, or purged time k-fold with embargo (López de Prado, ch. 7). */
  outerKind: ResolvedSplitKind;
  space: SearchSpace;
  /** Configurations sampled per objective and outer fold (`--budget`). */
  budget: number;
  /** Successive halving: after each rung the best ⌈n/halving⌉ go on to the next epoch count. */
  halving: number;
  /** The metric every selection decision maximises (the comparison's primary metric), on inner validation windows. */
  selectionMetric: string;
  folds: OuterFold[];
  /** Per objective, per outer fold (in fold order), the sampled candidates. */
  candidates: Record<string, TuneCandidate[][]>;
}

/** One evaluated point of the search: a candidate after `epochs` epochs on the inner training windows. */
export interface TunePoint {
  candidate: number;
  epochs: number;
  /** The selection metric on the fold's inner validation windows. */
  score: number;
  /** The run folder, relative to the bundle. */
  runDirectory: string;
}

/** The settings a fold chose for an objective. */
export interface ChosenSetting {
  candidate: number;
  epochs: number;
  learningRate: number;
  position: boolean;
  posWeight: PosWeightSetting | null;
  /** Its inner validation score. */
  innerScore: number;
}

/** How often each value of one dimension was chosen across the outer folds. */
export interface DimensionStability {
  dimension: "epochs" | "learningRate" | "position" | "posWeight";
  /** Every value the space offered, with the folds that chose it. */
  values: { value: string; folds: number[] }[];
  /** Folds that chose the most common value, over all folds. */
  modalShare: number;
  /** The most common value (the first, in space order, among equals). */
  modal: string;
}

/** The tuning section of the comparison model (src/compare/analysis/tuning.ts). */
export interface TuningAnalysis {
  outerKind: ResolvedSplitKind;
  space: SearchSpace;
  budget: number;
  halving: number;
  selectionMetric: string;
  /** The rules of the search, in words: sampling, halving, the choice, and what selection may read. */
  rules: string[];
  folds: {
    fold: number;
    seed: number;
    trainWindows: number;
    validationWindows: number;
    innerTrainWindows: number;
    innerValidationWindows: number;
    /**
     * `margin`: the chosen point's inner score minus the best score of any other candidate (null with one
     * candidate): how clearly the search preferred its choice.
     */
    byObjective: Record<string, { chosen: ChosenSetting; points: TunePoint[]; epochsTrained: number; margin: number | null }>;
  }[];
  /** Per objective, each searched dimension's stability across folds. */
  stability: Record<string, DimensionStability[]>;
  /** Per objective: the folds' chosen settings in one sentence, and whether they agree. */
  statements: Record<string, string>;
  /** Inner epochs trained per objective over all folds (the search's cost), and the final runs' epochs. */
  cost: Record<string, { innerEpochs: number; innerRuns: number; finalEpochs: number }>;
}
