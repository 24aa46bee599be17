/**
 * The span posterior section of the comparison model (docs/spec.md §12): per objective, across its runs,
 * how its exact single-span posterior scores and how well calibrated it is on the scored windows — the
 * fitted temperatures, the 90% boundary intervals' coverage before (T = 1) and after (fitted T), pooled
 * over runs with a Wilson interval, and ECE with reliability bins of per-bar p and of the span confidence
 * P(IoU(MBR, Y) ≥ ½) before and after. Each run's calibration was fitted on its own training windows.
 */
import type { ReliabilityBin } from "../../eval/calibration.js";
import { coverageWithInterval, type Coverage } from "../../eval/recalibration.js";
import { mean } from "../../eval/statistics.js";
import type { ObjectiveDescription, RunResult } from "../types.js";
import { poolReliabilityBins } from "./probabilities.js";

/** Before and after calibration, pooled over an objective's runs. */
export interface CalibrationBeforeAfter {
  /** Mean over runs of each run's ECE. */
  eceBefore: number;
  eceAfter: number;
  reliabilityBefore: ReliabilityBin[];
  reliabilityAfter: ReliabilityBin[];
}

export interface ObjectiveSpanPosterior {
  objective: string;
  runs: number;
  /** Each run's fitted temperature, in run order, and their mean. */
  temperatures: number[];
  meanTemperature: number;
  /** Windows each run's calibration was fitted on (its training windows), summed. */
  fittedOn: number;
  coverage: { startBefore: Coverage; startAfter: Coverage; endBefore: Coverage; endAfter: Coverage };
  bars: CalibrationBeforeAfter;
  spans: CalibrationBeforeAfter;
  /** Seed means: the MBR span's expected IoU as the posterior claims it, and the best IoU among the top spans. */
  claimedExpectedIoU: number;
  topBestIoU: number;
  topK: number;
}

const pooledCoverage = (coverages: readonly Coverage[]): Coverage =>
  coverageWithInterval(
    coverages.reduce((sum, c) => sum + c.covered, 0),
    coverages.reduce((sum, c) => sum + c.total, 0),
  );

/** The section, one entry per objective; null when the runs were evaluated before span posteriors existed. */
export function spanPosteriorAnalysis(
  objectives: readonly Pick<ObjectiveDescription, "name">[],
  runs: readonly Pick<RunResult, "objective" | "evaluation">[],
): ObjectiveSpanPosterior[] | null {
  if (runs.some((run) => run.evaluation.spanPosterior === undefined)) return null;
  return objectives.map((objective) => {
    const own = runs.filter((run) => run.objective === objective.name).map((run) => run.evaluation.spanPosterior!);
    const calibrations = own.map((posterior) => posterior.calibration);
    const temperatures = own.map((posterior) => posterior.fitted.temperature.temperature);
    const side = (which: "bars" | "spans"): CalibrationBeforeAfter => ({
      eceBefore: mean(calibrations.map((c) => c[which].eceBefore)),
      eceAfter: mean(calibrations.map((c) => c[which].eceAfter)),
      reliabilityBefore: poolReliabilityBins(calibrations.map((c) => c[which].reliabilityBefore)),
      reliabilityAfter: poolReliabilityBins(calibrations.map((c) => c[which].reliabilityAfter)),
    });
    return {
      objective: objective.name,
      runs: own.length,
      temperatures,
      meanTemperature: mean(temperatures),
      fittedOn: own.reduce((sum, posterior) => sum + posterior.fitted.windows, 0),
      coverage: {
        startBefore: pooledCoverage(calibrations.map((c) => c.coverage.startBefore)),
        startAfter: pooledCoverage(calibrations.map((c) => c.coverage.startAfter)),
        endBefore: pooledCoverage(calibrations.map((c) => c.coverage.endBefore)),
        endAfter: pooledCoverage(calibrations.map((c) => c.coverage.endAfter)),
      },
      bars: side("bars"),
      spans: side("spans"),
      claimedExpectedIoU: mean(own.map((posterior) => posterior.claimedExpectedIoU)),
      topBestIoU: mean(own.map((posterior) => posterior.topBestIoU)),
      topK: own[0]?.topK ?? 0,
    };
  });
}
