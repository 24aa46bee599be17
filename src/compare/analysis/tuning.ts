/**
 * The tuning section of a tuned comparison (docs/spec.md §9, nested selection): per outer fold, every
 * point the search scored and the setting it chose per objective; per objective, how stable each chosen
 * dimension was across folds, in one sentence; and what the search cost in epochs.
 */
import { spanHead } from "../../model/heads/registry.js";
import type { TrainConfigInput } from "../../train/config.js";
import { posWeightSettingText } from "../../train/pos_weight.js";
import type { ComparisonProtocol, Objective } from "../types.js";
import type { ChosenSetting, DimensionStability, TunePoint, TuningAnalysis } from "../tune_types.js";

/** A dimension's chosen value as the section prints it. */
function valueText(dimension: DimensionStability["dimension"], value: ChosenSetting[DimensionStability["dimension"]]): string {
  if (dimension === "position") return value ? "on" : "off";
  if (dimension === "posWeight") return posWeightSettingText(value as NonNullable<ChosenSetting["posWeight"]>);
  return String(value);
}

const DIMENSION_WORDS: Record<DimensionStability["dimension"], string> = {
  epochs: "epochs",
  learningRate: "lr",
  position: "position",
  posWeight: "pos_weight",
};

/** A chosen dimension is "stable" when at least this share of the folds chose its most common value. */
export const STABLE_SHARE = 0.8;

/** The stability of every searched dimension of an objective, from its folds' choices (in fold order). */
export function dimensionStability(
  objective: Objective,
  space: TuningAnalysis["space"],
  choices: readonly { fold: number; chosen: ChosenSetting }[],
): DimensionStability[] {
  const dimensions: DimensionStability["dimension"][] = [
    "epochs",
    "learningRate",
    "position",
    ...(spanHead(objective).usesPosWeight ? (["posWeight"] as const) : []),
  ];
  return dimensions.map((dimension) => {
    const offered = (space[dimension] as readonly unknown[]).map((v) => valueText(dimension, v as ChosenSetting[typeof dimension]));
    const values = offered.map((value) => ({ value, folds: choices.filter((c) => valueText(dimension, c.chosen[dimension]) === value).map((c) => c.fold) }));
    const modal = values.reduce((best, v) => (v.folds.length > best.folds.length ? v : best), values[0]!);
    return { dimension, values, modal: modal.value, modalShare: modal.folds.length / choices.length };
  });
}

/**
 * "CRF: lr 0.001 in every fold; epochs 100 in 4 of 5 folds (50 in fold 3); … Stable: …", with the median
 * margin of the choice over the best other candidate when the choices differ.
 */
export function stabilityStatement(label: string, stability: readonly DimensionStability[], folds: number, margins: readonly (number | null)[] = []): string {
  const parts = stability.map((d) => {
    const word = DIMENSION_WORDS[d.dimension];
    const chosenBy = d.values.find((v) => v.value === d.modal)!.folds.length;
    if (chosenBy === folds) return `${word} ${d.modal} in every fold`;
    const others = d.values
      .filter((v) => v.value !== d.modal && v.folds.length > 0)
      .map((v) => `${v.value} in fold${v.folds.length > 1 ? "s" : ""} ${v.folds.join(", ")}`)
      .join("; ");
    return `${word} ${d.modal} in ${chosenBy} of ${folds} folds (${others})`;
  });
  const stable = stability.every((d) => d.modalShare >= STABLE_SHARE);
  return (
    `${label}: ${parts.join("; ")}. ` +
    (stable
      ? `Stable: every dimension's most common value was chosen in at least ${Math.round(STABLE_SHARE * 100)}% of the folds.`
      : `Not stable: the folds chose differently, so the verdict estimates the tuning procedure (search and choice), not one fixed setting${marginText(margins)}.`)
  );
}

/** "; the choice led the best other candidate by a median of 0.031 inner F1 (0.004–0.090 over the folds)". */
function marginText(margins: readonly (number | null)[]): string {
  const known = margins.filter((m): m is number => m !== null).sort((a, b) => a - b);
  if (known.length === 0) return "";
  const middle = known.length % 2 === 1 ? known[(known.length - 1) / 2]! : (known[known.length / 2 - 1]! + known[known.length / 2]!) / 2;
  return `; the choice led the best other candidate by a median of ${middle.toFixed(3)} inner F1 (${known[0]!.toFixed(3)}–${known[known.length - 1]!.toFixed(3)} over the folds)`;
}

/** The rules of the search, in words, with this comparison's numbers. */
function searchRules(protocol: ComparisonProtocol): string[] {
  const tune = protocol.tune!;
  const folds = tune.folds.length;
  const outer =
    tune.outerKind === "time"
      ? `purged time ${folds}-fold with embargo (contiguous blocks of events; training windows sharing a bar with, or starting within the embargo after, the fold's validation windows are dropped)`
      : `group ${folds}-fold by base_window_id (overlap windows of one event stay on one side)`;
  return [
    `Outer folds: ${outer}. Each fold's final runs train on its training side with the chosen settings and are scored on its validation side; the verdict pairs the objectives by fold, as an untuned comparison pairs them by seed (fold k trains with seed ${protocol.seeds[0]} + k − 1).`,
    `Inner split: per fold, a ${tune.folds[0]!.inner.kind} split of that fold's training windows only (validation share ${protocol.validationFraction}). Every selection decision reads only these windows; the fold's validation windows are on neither side (tested by perturbing them: the fold's scores and choices do not change).`,
    `Candidates: random search without replacement over the declared space, ${tune.budget} per objective and fold; the comparison's default setting first when the space holds it; every candidate of a fold trains with the fold's seed (the same initialisation and batch order where the inputs agree).`,
    `Successive halving over epochs ${tune.space.epochs.join(" → ")}: after each epoch count, the best ⌈n/${tune.halving}⌉ by inner score are trained on (continued, not restarted: the learning rate is constant).`,
    `Choice: the best inner ${tune.selectionMetric} (span F1 of the objective's own decoder; the soft head's threshold chosen on the inner training windows) over every evaluated (candidate, epochs) point; ties go to fewer epochs, then the earlier candidate.`,
  ];
}

/** The tuning section from the search's points, the choices and the final runs' configurations. */
export function tuningAnalysis(
  protocol: ComparisonProtocol,
  points: Map<string, TunePoint[]>,
  chosen: Map<string, ChosenSetting>,
  finalConfigs: readonly TrainConfigInput[],
): TuningAnalysis {
  const tune = protocol.tune!;
  const key = (fold: number, objective: Objective) => `${fold}:${objective}`;
  const rungEpochs = (epochs: number) => epochs - (tune.space.epochs[tune.space.epochs.indexOf(epochs) - 1] ?? 0);
  const folds = tune.folds.map((fold) => ({
    fold: fold.fold,
    seed: fold.seed,
    trainWindows: fold.train.length,
    validationWindows: fold.validation.length,
    innerTrainWindows: fold.inner.train.length,
    innerValidationWindows: fold.inner.validation.length,
    byObjective: Object.fromEntries(
      protocol.objectives.map((objective) => {
        const own = points.get(key(fold.fold, objective)) ?? [];
        const choice = chosen.get(key(fold.fold, objective))!;
        const others = own.filter((p) => p.candidate !== choice.candidate && Number.isFinite(p.score)).map((p) => p.score);
        return [
          objective,
          {
            chosen: choice,
            points: own,
            epochsTrained: own.reduce((sum, p) => sum + rungEpochs(p.epochs), 0),
            margin: others.length > 0 ? choice.innerScore - Math.max(...others) : null,
          },
        ];
      }),
    ),
  }));
  const stability = Object.fromEntries(
    protocol.objectives.map((objective) => [
      objective,
      dimensionStability(
        objective,
        tune.space,
        folds.map((f) => ({ fold: f.fold, chosen: f.byObjective[objective]!.chosen })),
      ),
    ]),
  );
  const cost = Object.fromEntries(
    protocol.objectives.map((objective) => [
      objective,
      {
        innerEpochs: folds.reduce((sum, f) => sum + f.byObjective[objective]!.epochsTrained, 0),
        innerRuns: folds.reduce((sum, f) => sum + f.byObjective[objective]!.points.filter((p) => p.epochs === tune.space.epochs[0]).length, 0),
        finalEpochs: finalConfigs.filter((c) => c.loss === objective).reduce((sum, c) => sum + (c.epochs ?? protocol.epochs), 0),
      },
    ]),
  );
  return {
    outerKind: tune.outerKind,
    space: tune.space,
    budget: tune.budget,
    halving: tune.halving,
    selectionMetric: tune.selectionMetric,
    rules: searchRules(protocol),
    folds,
    stability,
    statements: Object.fromEntries(
      protocol.objectives.map((objective) => {
        const label = spanHead(objective).label;
        const margins = folds.map((f) => f.byObjective[objective]!.margin);
        return [objective, stabilityStatement(label.charAt(0).toUpperCase() + label.slice(1), stability[objective]!, folds.length, margins)];
      }),
    ),
    cost,
  };
}
