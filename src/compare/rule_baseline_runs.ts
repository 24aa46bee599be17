/**
 * The transparent rule detector on every seed's split of a comparison (the same windows the objectives
 * are trained and scored on), with across-seed statistics.
 */
import type { Window } from "../data/window.js";
import { evaluateRuleOnSplit } from "../eval/rule_split.js";
import { runSplit } from "../train/train.js";
import { Rng } from "../util/rng.js";
import { sampleStatistics } from "./aggregate.js";
import { splitSettings } from "./run_split.js";
import type { ComparisonProtocol, ComparisonResult } from "./types.js";

/** The rule baseline on every seed's split, with across-seed statistics. */
export function ruleBaselineAcrossSeeds(windows: readonly Window[], protocol: ComparisonProtocol, data: string): ComparisonResult["ruleBaseline"] {
  const perSeed = protocol.seeds.map((seed) => {
    const split = runSplit(windows, splitSettings(protocol, data, seed));
    const rule = evaluateRuleOnSplit(windows, split.train, split.validation);
    return {
      seed,
      rangeZThreshold: rule.rule.rangeZThreshold,
      expansionProxyThreshold: rule.rule.expansionProxyThreshold,
      trainingF1: rule.trainingF1,
      f1: rule.pooled.f1,
      precision: rule.pooled.precision,
      recall: rule.pooled.recall,
      iou: rule.spanLevel.meanIoU,
      strictF1: rule.spanLevel.f1,
      hit3: rule.spanLevel.hitAt.find((h) => h.k === 3)!.rate,
    };
  });
  const rng = new Rng(protocol.seeds[0]!);
  const stats = (pick: (row: (typeof perSeed)[number]) => number) => sampleStatistics(perSeed.map(pick), rng, protocol.bootstrapResamples);
  return {
    description:
      "range_z > a && |expansion_proxy| > b per bar (b = 0 is the one-feature rule), a and b grid-searched for pooled F1 on each seed's training windows, scored on its validation windows",
    perSeed,
    metrics: {
      f1: stats((r) => r.f1),
      precision: stats((r) => r.precision),
      recall: stats((r) => r.recall),
      iou: stats((r) => r.iou),
      strictF1: stats((r) => r.strictF1),
      hit3: stats((r) => r.hit3),
    },
  };
}
