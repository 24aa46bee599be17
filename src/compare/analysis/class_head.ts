/**
 * Is the class task learned? (docs/spec.md §6, issue 12.) Both class heads of the reference comparison
 * score exactly the always-majority accuracy; this says why, with the evidence a reader would ask for:
 *  - how often each head predicts the majority class, and its accuracy against always-majority, paired
 *    per seed (learned iff the interval of accuracy − majority lies above 0, with ≥ 5 seeds);
 *  - its validation class loss L_type against the cross-entropy of the training class prior (a head that
 *    learned only the prior scores that);
 *  - the class task's effective weight 1/(2σ²) and share over training (does the Kendall weighting starve
 *    it?);
 *  - a plain logistic regression on pooled features (src/eval/logistic_baseline.ts) on the same splits: is
 *    the class predictable from the bars at all?
 *  - accuracy at the other settings the sensitivity section trained (more epochs, equal task weights).
 */
import { Rng } from "../../util/rng.js";
import { sampleStatistics } from "../aggregate.js";
import type { ClassHeadAnalysis, ComparisonProtocol, ObjectiveDescription, RunResult, Sensitivity } from "../types.js";
import { seedSpread } from "./baselines.js";
import { CONVENTIONS } from "./conventions.js";

/** The logistic baseline on one seed's split. */
export interface LogisticSeed {
  seed: number;
  validationAccuracy: number;
  majorityAccuracy: number;
}

const mean = (values: readonly number[]) => values.reduce((a, b) => a + b, 0) / values.length;
const fixed3 = (value: number) => value.toFixed(3);

/** learned / not learned / not established from paired accuracy − majority differences. */
export function classState(differences: number[], majorityShares: number[], rng: Rng, resamples: number): ClassHeadAnalysis["byObjective"][string]["state"] {
  if (majorityShares.length > 0 && majorityShares.every((share) => share === 1)) return "not learned";
  if (differences.length < CONVENTIONS.minimumPairedSeeds) return "not established";
  const stats = sampleStatistics(differences, rng, resamples);
  if (stats.low > 0) return "learned";
  if (stats.high <= 0) return "not learned";
  return "not established";
}

export function classHeadAnalysis(
  protocol: ComparisonProtocol,
  objectives: readonly ObjectiveDescription[],
  runs: readonly RunResult[],
  logistic: readonly LogisticSeed[],
  sensitivity: Sensitivity | null,
): ClassHeadAnalysis {
  const rng = new Rng(protocol.seeds[0]! + 1);
  const byObjective: ClassHeadAnalysis["byObjective"] = {};
  for (const objective of objectives) {
    const own = protocol.seeds.map((seed) => runs.find((r) => r.objective === objective.name && r.seed === seed)!);
    const accuracy = own.map((r) => r.evaluation.classificationAccuracy);
    const majority = own.map((r) => r.evaluation.baselines.majorityClassAccuracy);
    const shares = own.map((r) => r.evaluation.predictedMajorityShare);
    const at = (pick: (record: RunResult["records"][number]) => number, which: "first" | "last") =>
      mean(own.map((r) => pick(which === "first" ? r.records[0]! : r.records.at(-1)!)));
    const state = classState(
      accuracy.map((a, k) => a - majority[k]!),
      shares,
      rng,
      protocol.bootstrapResamples,
    );
    byObjective[objective.name] = {
      accuracy: seedSpread(accuracy),
      majority: seedSpread(majority),
      predictedMajorityShare: seedSpread(shares),
      typeLoss: { first: at((r) => r.validation.type, "first"), final: at((r) => r.validation.type, "last") },
      priorCrossEntropy: seedSpread(own.map((r) => r.evaluation.baselines.priorCrossEntropy)),
      typeWeight: {
        effectiveFirst: at((r) => r.effective_weights.type, "first"),
        effectiveFinal: at((r) => r.effective_weights.type, "last"),
        shareFirst: at((r) => r.task_weights.type, "first"),
        shareFinal: at((r) => r.task_weights.type, "last"),
      },
      state,
    };
  }
  const logisticAccuracy = seedSpread(logistic.map((l) => l.validationAccuracy));
  const logisticMajority = seedSpread(logistic.map((l) => l.majorityAccuracy));
  const logisticState = classState(
    logistic.map((l) => l.validationAccuracy - l.majorityAccuracy),
    [],
    rng,
    protocol.bootstrapResamples,
  );
  const variants = (sensitivity?.points ?? [])
    .filter((point) => !point.main && point.classAccuracy !== null && point.axis !== "pos_weight")
    .map((point) => ({
      setting: point.axis === "epochs" ? `${point.epochs} epochs` : `${point.setting} task weights`,
      accuracy: point.classAccuracy!,
      majority: point.majorityAccuracy!,
    }));

  const parts = objectives.map((o) => {
    const c = byObjective[o.name]!;
    return (
      `${o.label}: ${c.state} — it predicts the majority class for ${(100 * c.predictedMajorityShare.mean).toFixed(1)}% of validation windows ` +
      `(accuracy ${fixed3(c.accuracy.mean)} vs always-majority ${fixed3(c.majority.mean)}); validation L_type ${fixed3(c.typeLoss.first)} → ${fixed3(c.typeLoss.final)} ` +
      `against the class prior's ${fixed3(c.priorCrossEntropy.mean)}; the class task's effective weight 1/(2σ²) ${fixed3(c.typeWeight.effectiveFirst)} → ${fixed3(c.typeWeight.effectiveFinal)}`
    );
  });
  const learnedAny = objectives.some((o) => byObjective[o.name]!.state === "learned");
  const logisticWords =
    logisticState === "learned"
      ? "beats always-majority, so the class is predictable from pooled features and the heads leave that on the table"
      : logisticState === "not learned"
        ? "does not beat always-majority either: the window class is not visible in pooled features, so no class head can be expected to learn it from these bars"
        : "is not distinguishable from always-majority";
  const sentence =
    `${learnedAny ? "The class task is learned by at least one head" : "The class task is not learned"}. ${parts.join("; ")}. ` +
    `A plain logistic regression on pooled features scores ${fixed3(logisticAccuracy.mean)} (always-majority ${fixed3(logisticMajority.mean)}) and ${logisticWords}.`;
  const notRun =
    variants.length === 0
      ? ["more epochs (100, 200) and equal task weights (--weighting equal): run with --sensitivity all to train them on the first seed"]
      : [];
  return {
    byObjective,
    logistic: {
      description:
        "L2-regularised logistic regression (λ = 1) on the mean and standard deviation over bars of each feature, fitted on each seed's training windows, scored on its validation windows",
      accuracy: logisticAccuracy,
      majority: logisticMajority,
      state: logisticState,
    },
    variants,
    sentence,
    notRun,
  };
}
