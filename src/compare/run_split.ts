/**
 * Which windows each run of a comparison trains and is scored on: the seed's split of the protocol, or,
 * in a tuned comparison, the outer fold the seed stands for, named by window id.
 */
import type { ComparisonProtocol } from "./types.js";

/**
 * The split settings of a run of a comparison with `seed`, as `runSplit` takes them. In a tuned
 * comparison each seed is an outer fold, whose split is named by window id.
 */
export function splitSettings(protocol: ComparisonProtocol, data: string, seed: number) {
  const fold = protocol.tune?.folds.find((f) => f.seed === seed);
  return {
    seed,
    split: protocol.split,
    embargoBars: protocol.embargoBars ?? null,
    validationFraction: protocol.validationFraction,
    data,
    ...(fold ? { explicitSplit: { train: fold.train, validation: fold.validation } } : {}),
  };
}
