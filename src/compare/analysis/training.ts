/**
 * An objective's training across its seeds: seed-mean trajectories at the reference's epochs, each task's
 * raw loss scale and effective weight, the convergence pattern, overfitting, loss-scale ranges and task
 * balance — each verdict by the rule stated beside it, so a reader can re-derive it from the runs'
 * metrics.jsonl.
 */
import { extent, mean } from "../../eval/statistics.js";
import type { EpochRecord } from "../../train/records.js";
import type { Convergence, ConvergencePattern, ObjectiveTraining, Phrase, RunResult, Task } from "../types.js";
import { CONVENTIONS } from "./conventions.js";
import { count, counted, countList, decimals, phrase } from "./phrase.js";
import { budgetSummary } from "./step_budget.js";
import type { ObjectiveDescription } from "../types.js";

export const TASK_KEYS: readonly Task[] = ["pointer", "type", "span", "countdown"];

/**
 * The epochs the reference's trajectory table shows (1, 10, 20, 30, 40, 50 for 50 epochs), scaled to
 * `epochs`: epoch 1 and the five fifths of the run, rounded, without repeats.
 */
export function trajectoryEpochs(epochs: number): number[] {
  const picks = [1, ...[1, 2, 3, 4, 5].map((k) => Math.max(1, Math.round((k * epochs) / 5)))];
  return [...new Set(picks)].filter((e) => e <= epochs).sort((a, b) => a - b);
}

/** Mean across runs of a value per epoch (runs of one compare share the epoch count). */
export function seedMeanCurve(runs: readonly RunResult[], pick: (record: EpochRecord) => number): number[] {
  const epochs = Math.min(...runs.map((r) => r.records.length));
  return Array.from({ length: epochs }, (_, e) => mean(runs.map((r) => pick(r.records[e]!))));
}

/** Seed mean of a value at one epoch (runs without that epoch are left out). */
export function meanAtEpoch(runs: readonly RunResult[], epoch: number, pick: (record: EpochRecord) => number): number {
  return mean(
    runs.map((run) => {
      const record = run.records.find((r) => r.epoch === epoch);
      return record ? pick(record) : NaN;
    }),
  );
}

/** Seed mean of a value at each run's final epoch (the runs of a tuned comparison may differ in length). */
export function meanAtFinal(runs: readonly RunResult[], pick: (record: EpochRecord) => number): number {
  return mean(runs.map((run) => pick(run.records[run.records.length - 1]!)));
}

/** Lowest and highest value of `pick` over every epoch of every run. */
export function lossRange(runs: readonly RunResult[], pick: (record: EpochRecord) => number): { min: number; max: number } {
  return extent(runs.flatMap((r) => r.records.map(pick)));
}

export const CONVERGENCE_RULE =
  `from the seed-mean validation loss per epoch: "flat" if |first − final|/first < ${100 * CONVENTIONS.flatReduction}%, ` +
  `"rising" if it ended higher; otherwise "monotone" if every epoch fell, "smooth" if no epoch rose by more than ` +
  `${100 * CONVENTIONS.smoothRise}% of the previous value, "noisy" if one did. Relative rises are scale-free, unlike the losses`;

/** The convergence pattern of a loss curve by {@link CONVERGENCE_RULE}. */
export function convergence(curve: readonly number[]): Convergence {
  if (curve.length < 2) return { pattern: "single epoch", reduction: 0, fallingShare: NaN, largestRise: 0, largestRiseEpoch: null };
  const first = curve[0]!;
  const final = curve[curve.length - 1]!;
  const reduction = (first - final) / first;
  let falling = 0;
  let largestRise = 0;
  let largestRiseEpoch: number | null = null;
  for (let i = 1; i < curve.length; i++) {
    if (curve[i]! < curve[i - 1]!) falling++;
    const rise = (curve[i]! - curve[i - 1]!) / curve[i - 1]!;
    if (rise > largestRise) {
      largestRise = rise;
      largestRiseEpoch = i + 1;
    }
  }
  const fallingShare = falling / (curve.length - 1);
  const pattern: ConvergencePattern =
    Math.abs(reduction) < CONVENTIONS.flatReduction
      ? "flat"
      : reduction < 0
        ? "rising"
        : fallingShare === 1
          ? "monotone"
          : largestRise <= CONVENTIONS.smoothRise
            ? "smooth"
            : "noisy";
  return { pattern, reduction, fallingShare, largestRise, largestRiseEpoch };
}

/** "monotone (100.0% of epochs fell; never rose)". */
export function convergenceText(c: Convergence): Phrase {
  if (c.pattern === "single epoch") return ["single epoch"];
  const rise =
    c.largestRiseEpoch === null ? ["never rose"] : phrase("largest rise +", decimals(100 * c.largestRise, 1), "% at epoch ", count(c.largestRiseEpoch));
  return phrase(`${c.pattern} (`, decimals(100 * c.fallingShare, 1), "% of epochs fell; ", rise, ")");
}

export const OVERFITTING_RULE =
  "per run (training.overfittingOnset): the first epoch after which the validation loss never returned to its best " +
  `(a final rise of under ${100 * CONVENTIONS.overfittingTolerance}% is noise) while the training loss kept falling`;

export function overfittingText(runs: readonly RunResult[]): Phrase {
  const onsets = runs.map((r) => r.training.overfittingOnset);
  const bestEpochs = runs.map((r) => r.training.bestEpoch);
  if (runs.length === 1) {
    return onsets[0] === null
      ? phrase("none (best epoch ", count(bestEpochs[0]!), ")")
      : phrase("from epoch ", count(onsets[0]!), " (best epoch ", count(bestEpochs[0]!), ")");
  }
  const found = onsets.filter((o): o is number => o !== null);
  if (found.length === 0) return phrase("none in ", counted(runs.length, "seed"), " (best epochs ", countList(bestEpochs), ")");
  return phrase(count(found.length), " of ", counted(runs.length, "seed"), " (from epochs ", countList(found), "; best epochs ", countList(bestEpochs), ")");
}

/**
 * The training summary of one objective's runs (in seed order); `epochs` is the longest run's (the runs of
 * a tuned comparison may differ, and a trajectory epoch then averages the runs that reached it).
 */
export function objectiveTraining(objective: ObjectiveDescription, runs: readonly RunResult[], epochs: number): ObjectiveTraining {
  const shown = trajectoryEpochs(epochs);
  const curve = convergence(seedMeanCurve(runs, (r) => r.validation.unweighted));
  const onsets = runs.map((r) => r.training.overfittingOnset);
  return {
    trajectory: shown.map((epoch) => ({
      epoch,
      train: meanAtEpoch(runs, epoch, (r) => r.train.weighted),
      validation: meanAtEpoch(runs, epoch, (r) => r.validation.unweighted),
      validationSpan: meanAtEpoch(runs, epoch, (r) => r.validation.span),
    })),
    validationPerSeed: runs.map((run) => ({
      seed: run.seed,
      losses: shown.map((epoch) => run.records.find((r) => r.epoch === epoch)?.validation.unweighted ?? null),
      best: run.training.bestValidationLoss,
      bestEpoch: run.training.bestEpoch,
    })),
    taskScales: TASK_KEYS.map((task) => ({
      task,
      trainFirst: meanAtEpoch(runs, 1, (r) => r.train[task]),
      trainFinal: meanAtFinal(runs, (r) => r.train[task]),
      validationFirst: meanAtEpoch(runs, 1, (r) => r.validation[task]),
      validationFinal: meanAtFinal(runs, (r) => r.validation[task]),
      weightFirst: meanAtEpoch(runs, 1, (r) => r.effective_weights[task]),
      weightFinal: meanAtFinal(runs, (r) => r.effective_weights[task]),
      weightedFinal: meanAtFinal(runs, (r) => r.validation[task] * r.effective_weights[task]),
    })),
    taskScalesPerEpoch: shown.map((epoch) => ({
      epoch,
      tasks: TASK_KEYS.map((task) => ({
        task,
        validation: meanAtEpoch(runs, epoch, (r) => r.validation[task]),
        weight: meanAtEpoch(runs, epoch, (r) => r.effective_weights[task]),
      })),
    })),
    convergence: { ...curve, text: convergenceText(curve) },
    overfitting: { onsets, bestEpochs: runs.map((r) => r.training.bestEpoch), text: overfittingText(runs) },
    lossScale: { total: lossRange(runs, (r) => r.validation.unweighted), span: lossRange(runs, (r) => r.validation.span) },
    pointerPlusSpanWeight: mean(
      runs.map((r) => {
        const last = r.records[r.records.length - 1]!;
        return 100 * (last.task_weights.pointer + last.task_weights.span);
      }),
    ),
    budget: budgetSummary(objective, runs),
  };
}
