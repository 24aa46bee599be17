/**
 * Which setting each objective trained with, and why (issue 12: no straw man). The positive weight is
 * the one setting that differs between the objectives: the soft span loss reads it, the CRF does not
 * (each head says so, and how it meets the rarity of in-span bars). The optimiser settings are shared.
 */
import { spanHead } from "../../model/heads/registry.js";
import { balancedMultiple, posWeightSettingText } from "../../train/pos_weight.js";
import type { ComparisonProtocol, ObjectiveDescription, ObjectiveSettings, RunResult } from "../types.js";
import { seedSpread } from "./baselines.js";

/** Where the protocol's pos_weight came from, in words. */
function posWeightSource(protocol: ComparisonProtocol): string {
  if (protocol.referenceProtocol) return "the reference protocol's setting (--reference-protocol), kept to reproduce the reference";
  if (protocol.tune) {
    return `chosen per outer fold among ${protocol.tune.space.posWeight.map(posWeightSettingText).join(", ")} by the inner search on that fold's training windows (balanced = (1 − π)/π of each run's own training windows)`;
  }
  const multiple = balancedMultiple(protocol.posWeight);
  if (multiple === null) return "given with --pos-weight";
  return (
    "balanced = (1 − π)/π, π the in-span rate of each run's own training windows (never a validation window), so both classes carry equal total weight" +
    (multiple === 1 ? "" : ", times the multiple asked for")
  );
}

/** The settings of each objective, in `objectives` order. */
export function objectiveSettings(protocol: ComparisonProtocol, objectives: readonly ObjectiveDescription[], runs: readonly RunResult[]): ObjectiveSettings[] {
  return objectives.map((objective) => {
    const head = spanHead(objective.name);
    const own = runs.filter((run) => run.objective === objective.name);
    const rates = own.map((run) => run.posWeight.trainingInSpanRate).filter((rate): rate is number => rate !== null);
    return {
      objective: objective.name,
      posWeight: head.usesPosWeight
        ? {
            used: true,
            requested: protocol.posWeight,
            values: seedSpread(own.map((run) => run.posWeight.value)),
            trainingInSpanRate: rates.length > 0 ? seedSpread(rates) : null,
            ...(protocol.tune ? { chosenPerFold: own.map((run) => run.posWeight.requested) } : {}),
            why: `${posWeightSource(protocol)}; ${head.imbalanceHandling}`,
          }
        : { used: false, requested: protocol.posWeight, values: null, trainingInSpanRate: null, why: head.imbalanceHandling },
      shared: protocol.tune
        ? {
            epochs: protocol.epochs,
            learningRate: protocol.learningRate,
            batchSize: protocol.batchSize,
            weightDecay: protocol.weightDecay,
            chosen: {
              epochs: seedSpread(own.map((run) => run.trained?.epochs ?? protocol.epochs)),
              learningRate: seedSpread(own.map((run) => run.trained?.learningRate ?? protocol.learningRate)),
              positionFolds: own.filter((run) => run.trained?.position).length,
            },
            why: "epochs, learning rate and the position feature (and the soft loss's pos_weight) chosen per outer fold by the inner search on that fold's training windows only (the tuning section); batch size and weight decay are the reference's",
          }
        : {
            epochs: protocol.epochs,
            learningRate: protocol.learningRate,
            batchSize: protocol.batchSize,
            weightDecay: protocol.weightDecay,
            why: `the reference's optimiser settings (AdamW), the same for ${objectives.length === 2 ? "both objectives" : "every objective"}; not tuned in this comparison`,
          },
    };
  });
}
