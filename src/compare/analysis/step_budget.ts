/**
 * The log σ's of an objective's runs against AdamW's step budget: a σ that merely ran out of steps must
 * not be read as a task's importance.
 */
import { mean } from "../../eval/statistics.js";
import type { BudgetSummary, ObjectiveDescription, Phrase, RunResult, Task } from "../types.js";
import { CONVENTIONS } from "./conventions.js";
import { count, decimals, joined, phrase, spanOf } from "./phrase.js";

const TASK_KEYS: readonly Task[] = ["pointer", "type", "span", "countdown"];
/** How the reference names each task (its "classification" is our `type`). */
export const TASK_LABEL: Record<Task, string> = { pointer: "pointer", type: "classification", span: "span", countdown: "countdown" };

export const BUDGET_RULE =
  "AdamW moves a parameter by at most ≈ lr per step, so |Δ log σ| ≤ steps·lr; a log σ still moving at ≥ " +
  `${100 * CONVENTIONS.budgetSpeedShare}% of that maximal speed over the last ${CONVENTIONS.budgetLookbackEpochs} epochs is limited by the step budget, ` +
  "not converged (training.stepBudget)";

/** How far each log σ moved against the bound steps·lr, averaged over an objective's runs. */
export function budgetSummary(objective: ObjectiveDescription, runs: readonly RunResult[]): BudgetSummary {
  const budgets = runs.map((r) => r.training.stepBudget);
  const tasks = Object.fromEntries(
    TASK_KEYS.map((task) => [
      task,
      {
        initial: budgets[0]!.tasks[task].initial,
        finalMean: mean(budgets.map((b) => b.tasks[task].final)),
        moved: mean(budgets.map((b) => b.tasks[task].moved)),
        share: mean(budgets.map((b) => b.tasks[task].share)),
        limitedRuns: budgets.filter((b) => b.tasks[task].limited).length,
      },
    ]),
  ) as BudgetSummary["tasks"];
  const summary = {
    steps: { min: Math.min(...budgets.map((b) => b.steps)), max: Math.max(...budgets.map((b) => b.steps)) },
    bound: { min: Math.min(...budgets.map((b) => b.bound)), max: Math.max(...budgets.map((b) => b.bound)) },
    tasks,
    runs: runs.length,
    logSigmas: runs.length * TASK_KEYS.length,
    limited: TASK_KEYS.reduce((sum, task) => sum + tasks[task].limitedRuns, 0),
  };
  return { ...summary, text: budgetText(objective, summary) };
}

/** One sentence on the step budget of an objective's σ's. */
function budgetText(objective: ObjectiveDescription, summary: Omit<BudgetSummary, "text">): Phrase {
  const moved = joined(
    TASK_KEYS.map((t) => phrase(`${TASK_LABEL[t]} `, decimals(summary.tasks[t].moved, 4), " (", decimals(100 * summary.tasks[t].share, 1), "%)")),
    ", ",
  );
  const verdict: Phrase =
    summary.limited > 0
      ? phrase(
          count(summary.limited),
          " of ",
          count(summary.logSigmas),
          " log σ's (runs × tasks) were still moving at the end: these σ's reflect the step budget, not converged task importance",
        )
      : ["no log σ was still moving at a quarter of the maximal speed at the end"];
  return phrase(
    `${objective.label}: `,
    spanOf(summary.steps, count),
    " AdamW steps, bound steps·lr = ",
    spanOf(summary.bound, (v) => decimals(v, 4)),
    "; mean |Δ log σ| (share of the bound): ",
    moved,
    "; ",
    verdict,
    ".",
  );
}
