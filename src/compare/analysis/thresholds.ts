/**
 * The threshold analysis: every run's threshold choices (made on its training windows) with what they
 * scored on validation and the optimistic validation oracle beside them, and the per-seed baselines of
 * the same validation bars.
 */
import type { ComparisonResult, ObjectiveDescription, RunResult } from "../types.js";
import { scoringDecoder, thresholdSourceName } from "./objectives.js";

/** Every threshold choice of every run, objective by objective, seeds in order. */
export function thresholdChoices(
  objectives: readonly ObjectiveDescription[],
  runsOf: (objective: ObjectiveDescription) => RunResult[],
): ComparisonResult["thresholds"]["choices"] {
  return objectives.flatMap((objective) =>
    runsOf(objective).flatMap((run) =>
      run.evaluation.thresholds.map((choice) => {
        const key = scoringDecoder(objective, choice.source);
        const scored = run.evaluation.decoders.find((d) => d.decoder === key);
        return {
          objective: objective.name,
          seed: run.seed,
          source: thresholdSourceName(objective, choice.source),
          threshold: choice.threshold,
          trainingF1: choice.trainingF1,
          validation: scored ? { f1: scored.pooled.f1, precision: scored.pooled.precision, recall: scored.pooled.recall } : null,
          oracleThreshold: choice.validationOracle.threshold,
          oracleF1: choice.validationOracle.f1,
        };
      }),
    ),
  );
}

/** Per seed: the trivial baselines of its validation bars (the same for both objectives), the rule detector and each native F1. */
export function perSeedBaselines(
  seeds: readonly number[],
  objectives: readonly ObjectiveDescription[],
  runsOf: (objective: ObjectiveDescription) => RunResult[],
  ruleBaseline: ComparisonResult["ruleBaseline"],
): ComparisonResult["thresholds"]["perSeed"] {
  return seeds.map((seed, i) => {
    const b = runsOf(objectives[0]!)[i]!.evaluation.baselines;
    const rule = ruleBaseline.perSeed.find((r) => r.seed === seed);
    return {
      seed,
      inSpanBars: b.allPositive.nTrue,
      bars: b.allPositive.nPredicted,
      prevalence: b.priorRate.prevalence,
      allPositiveF1: b.allPositive.f1,
      priorRate: b.priorRate.rate,
      priorRateF1: b.priorRate.f1,
      ruleF1: rule ? rule.f1 : null,
      nativeF1: Object.fromEntries(objectives.map((o) => [o.name, runsOf(o)[i]!.headline.f1_native!])),
    };
  });
}
