/**
 * The analysis layer: from the runs, their metrics and the decision to the whole comparison model — every
 * figure, verdict, table row and plot series the bundle prints, so the report only renders.
 */
import { runsBySeed } from "../aggregate.js";
import type { ComparisonResult, ObjectiveDescription, RunResult } from "../types.js";
import { READINESS_RULE, readiness, readinessWinner, seedSpread, versusRuleBaseline } from "./baselines.js";
import { CONVENTIONS } from "./conventions.js";
import { plotData } from "./plot_data.js";
import { CALIBRATION_RULE, calibrationWinner, objectiveProbabilities } from "./probabilities.js";
import { resultRows } from "./results_table.js";
import { objectiveSettings } from "./settings.js";
import { caveatLines, decisionCaution, notEstablishedLines, type AnalysedComparison } from "./statements.js";
import { perSeedBaselines, thresholdChoices } from "./thresholds.js";
import { BUDGET_RULE } from "./step_budget.js";
import { CONVERGENCE_RULE, OVERFITTING_RULE, objectiveTraining, trajectoryEpochs } from "./training.js";

/** What the analysis starts from: the runs, the compared metrics (rule baseline attached) and the decision. */
export type ComparisonCore = Pick<
  ComparisonResult,
  | "spanlab_version"
  | "created"
  | "protocol"
  | "data"
  | "objectives"
  | "runs"
  | "metrics"
  | "ruleBaseline"
  | "referenceHeuristic"
  | "recommendation"
  | "examples"
  | "technicalDetails"
  | "sensitivity"
  | "classHead"
  | "spanPosterior"
  | "tuning"
>;

const byObjective = <T>(objectives: readonly ObjectiveDescription[], f: (objective: ObjectiveDescription) => T): Record<string, T> =>
  Object.fromEntries(objectives.map((o) => [o.name, f(o)]));

/** Epochs of the longest run (all runs of an untuned comparison have the protocol's). */
const longestRun = (runs: readonly RunResult[]) => Math.max(...runs.map((run) => run.records.length));

/** The comparison model, in the key order of comparison.json. */
export function analyseComparison(core: ComparisonCore): ComparisonResult {
  const { protocol, objectives, metrics, runs } = core;
  const seeds = protocol.seeds.length;
  const runsOf = (objective: ObjectiveDescription) => runsBySeed(runs, objective.name, protocol.seeds);
  const f1Native = metrics.find((m) => m.key === "f1_native")!;
  const firstRuns = runsOf(objectives[0]!);
  const ready = byObjective(objectives, (o) => readiness(f1Native, o, runsOf(o), seeds));
  const analysed: AnalysedComparison = {
    spanlab_version: core.spanlab_version,
    created: core.created,
    protocol,
    data: core.data,
    objectives,
    settings: objectiveSettings(protocol, objectives, runs),
    sensitivity: core.sensitivity,
    classHead: core.classHead,
    spanPosterior: core.spanPosterior ?? null,
    ...(core.tuning ? { tuning: core.tuning } : {}),
    conventions: CONVENTIONS,
    rules: { convergence: CONVERGENCE_RULE, overfitting: OVERFITTING_RULE, budget: BUDGET_RULE, readiness: READINESS_RULE, calibration: CALIBRATION_RULE },
    runs,
    metrics,
    ruleBaseline: core.ruleBaseline,
    referenceHeuristic: core.referenceHeuristic,
    recommendation: core.recommendation,
    training: {
      trajectoryEpochs: trajectoryEpochs(longestRun(runs)),
      byObjective: byObjective(objectives, (o) => objectiveTraining(o, runsOf(o), longestRun(runs))),
    },
    probabilities: {
      byObjective: byObjective(objectives, (o) => objectiveProbabilities(o, runsOf(o))),
      calibrationWinner: calibrationWinner(metrics, objectives),
    },
    baselines: {
      allPositive: seedSpread(firstRuns.map((r) => r.evaluation.baselines.allPositive.f1)),
      priorRate: seedSpread(firstRuns.map((r) => r.evaluation.baselines.priorRate.f1)),
      readiness: ready,
      readinessWinner: readinessWinner(
        objectives,
        objectives.map((o) => ready[o.name]!.state),
      ),
      versusRule: byObjective(objectives, (o) => versusRuleBaseline(f1Native, f1Native.byObjective[o.name] ?? null, seeds)),
    },
    thresholds: { choices: thresholdChoices(objectives, runsOf), perSeed: perSeedBaselines(protocol.seeds, objectives, runsOf, core.ruleBaseline) },
  };
  return {
    ...analysed,
    statements: { caution: decisionCaution(analysed), notEstablished: notEstablishedLines(analysed), caveats: caveatLines(analysed) },
    resultRows: resultRows(analysed),
    plots: plotData(objectives, runsOf, core.ruleBaseline),
    examples: core.examples,
    technicalDetails: core.technicalDetails,
  };
}
