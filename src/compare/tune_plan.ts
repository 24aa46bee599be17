/**
 * The plan of `compare --tune` (docs/spec.md §9, nested selection), made once from the windows and stored
 * in the protocol: outer folds (group k-fold, or purged time k-fold with embargo for windows with bar
 * times), the inner split of each fold's training windows, and each objective's sampled candidates. Every
 * side is a list of window ids, so a reader (and a test) can check that no outer validation window is
 * on either side of any inner split.
 *
 * Randomness: one generator from the first seed, forked in a fixed order — outer folds, then per fold its
 * inner split and each objective's candidates.
 */
import { join } from "node:path";
import { explicitSplit, kFoldSplits, splitWindows } from "../data/splits.js";
import type { Window } from "../data/window.js";
import { Rng } from "../util/rng.js";
import { sampleCandidates } from "./tune_space.js";
import type { ComparisonProtocol, Objective } from "./types.js";
import type { OuterFold, SearchSpace, TuneCandidate, TuneProtocol } from "./tune_types.js";

export interface TunePlanOptions {
  outerFolds: number;
  budget: number;
  halving: number;
  space: SearchSpace;
}

/** The tuned comparison's plan; `protocol.seeds` must hold one seed per outer fold. */
export function tunePlan(
  windows: readonly Window[],
  protocol: Pick<
    ComparisonProtocol,
    "objectives" | "seeds" | "split" | "embargoBars" | "validationFraction" | "learningRate" | "position" | "posWeight" | "referenceProtocol"
  >,
  options: TunePlanOptions,
): TuneProtocol {
  if (protocol.referenceProtocol) throw new Error("--tune cannot reproduce the reference protocol: it has one seed and no folds");
  if (!Number.isInteger(options.outerFolds) || options.outerFolds < 2) throw new Error(`--outer-folds must be an integer ≥ 2, got ${options.outerFolds}`);
  if (!Number.isInteger(options.halving) || options.halving < 2) throw new Error(`the halving factor must be an integer ≥ 2, got ${options.halving}`);
  if (protocol.seeds.length !== options.outerFolds)
    throw new Error(`a tuned comparison has one seed per outer fold: ${options.outerFolds} folds, ${protocol.seeds.length} seeds`);
  const master = new Rng(protocol.seeds[0]!);
  const outer = kFoldSplits(windows, protocol.split, options.outerFolds, { rng: master.fork(), embargoBars: protocol.embargoBars ?? null });
  const ids = (indices: readonly number[], from: readonly Window[] = windows) => indices.map((i) => from[i]!.window_id);
  const candidates: Record<Objective, TuneCandidate[][]> = Object.fromEntries(protocol.objectives.map((o) => [o, []]));
  const folds: OuterFold[] = outer.folds.map((split, f) => {
    const fold = f + 1;
    if (split.train.length === 0) throw new Error(`outer fold ${fold}: purging left no training window; use fewer --outer-folds or a smaller --embargo`);
    const trainWindows = split.train.map((i) => windows[i]!);
    const innerRng = master.fork();
    let inner: ReturnType<typeof splitWindows>;
    try {
      inner = splitWindows(trainWindows, protocol.split, {
        validationFraction: protocol.validationFraction,
        rng: innerRng,
        embargoBars: protocol.embargoBars ?? null,
      });
    } catch (error) {
      throw new Error(`outer fold ${fold}: its ${trainWindows.length} training windows cannot be split for the inner search: ${(error as Error).message}`);
    }
    if (inner.train.length === 0 || inner.validation.length === 0) {
      throw new Error(`outer fold ${fold}: the inner split of its ${trainWindows.length} training windows left a side empty; use fewer --outer-folds`);
    }
    for (const objective of protocol.objectives) {
      candidates[objective]!.push(
        sampleCandidates(
          options.space,
          objective,
          options.budget,
          { learningRate: protocol.learningRate, position: protocol.position ?? false, posWeight: protocol.posWeight },
          master.fork(),
        ),
      );
    }
    const outerIds = { train: ids(split.train), validation: ids(split.validation) };
    const innerIds = { train: ids(inner.train, trainWindows), validation: ids(inner.validation, trainWindows) };
    // Refused now, not after the search: a split whose sides share bars (explicitSplit checks by timestamp).
    explicitSplit(windows as Window[], outerIds);
    explicitSplit(trainWindows, innerIds);
    return {
      fold,
      seed: protocol.seeds[f]!,
      ...outerIds,
      purged: split.purged.length,
      inner: { kind: inner.kind, ...innerIds, purged: inner.purged.length },
    };
  });
  return { outerKind: outer.kind, space: options.space, budget: options.budget, halving: options.halving, selectionMetric: "f1_native", folds, candidates };
}

/** Folder of a candidate's inner run at `epochs`: `<bundle>/runs/tune/fold<k>/<objective>-c<i>-e<epochs>`. */
export function innerRunDirectory(bundleDirectory: string, fold: number, objective: Objective, candidate: number, epochs: number): string {
  return join(bundleDirectory, "runs", "tune", `fold${fold}`, `${objective}-c${candidate}-e${epochs}`);
}

/** The explicit split of a fold's inner runs, and of its final runs. */
export function innerSplitIds(fold: OuterFold): { train: string[]; validation: string[] } {
  return { train: fold.inner.train, validation: fold.inner.validation };
}

export function outerSplitIds(fold: OuterFold): { train: string[]; validation: string[] } {
  return { train: fold.train, validation: fold.validation };
}
