import { describe, expect, it } from "vitest";
import { reliabilityDiagram } from "../../eval/calibration.js";
import { coverageWithInterval } from "../../eval/recalibration.js";
import type { RunResult } from "../types.js";
import { spanPosteriorAnalysis } from "./span_posterior.js";

/** A run whose evaluation holds only what the section reads. */
function run(objective: string, temperature: number, covered: [number, number], ece: [number, number]): Pick<RunResult, "objective" | "evaluation"> {
  const bins = reliabilityDiagram([0.05, 0.95], [0, 1]);
  const coverage = coverageWithInterval(covered[0], covered[1]);
  const side = { eceBefore: ece[0], eceAfter: ece[1], reliabilityBefore: bins, reliabilityAfter: bins };
  return {
    objective,
    evaluation: {
      spanPosterior: {
        topK: 5,
        topBestIoU: 0.8,
        topHit: 0.2,
        claimedExpectedIoU: 0.6,
        fitted: { windows: 169, temperature: { temperature, negativeLogLikelihood: 1, negativeLogLikelihoodAtOne: 2, evaluations: 7 } },
        calibration: {
          temperature,
          bars: side,
          spans: side,
          coverage: { startBefore: coverage, startAfter: coverage, endBefore: coverage, endAfter: coverage },
        },
      },
    } as unknown as RunResult["evaluation"],
  };
}

describe("spanPosteriorAnalysis", () => {
  it("pools coverage counts over runs (hand-computed) and averages ECE and temperatures", () => {
    const runs = [run("crf", 1.5, [36, 40], [0.2, 0.05]), run("soft", 3, [20, 40], [0.3, 0.1]), run("crf", 2.5, [38, 42], [0.1, 0.03])];
    const [soft, crf] = spanPosteriorAnalysis([{ name: "soft" }, { name: "crf" }], runs)!;
    expect(crf!.runs).toBe(2);
    expect(crf!.temperatures).toEqual([1.5, 2.5]);
    expect(crf!.meanTemperature).toBe(2);
    expect(crf!.fittedOn).toBe(338);
    // 36/40 + 38/42 = 74/82, with the Wilson interval of 74 of 82.
    expect(crf!.coverage.startAfter).toEqual(coverageWithInterval(74, 82));
    expect(crf!.bars.eceBefore).toBeCloseTo(0.15, 12);
    expect(crf!.bars.eceAfter).toBeCloseTo(0.04, 12);
    expect(crf!.bars.reliabilityAfter.reduce((sum, bin) => sum + bin.count, 0)).toBe(4);
    expect(soft!.coverage.endBefore.rate).toBe(0.5);
  });

  it("is absent for runs evaluated before span posteriors existed", () => {
    const old = { objective: "soft", evaluation: {} as RunResult["evaluation"] };
    expect(spanPosteriorAnalysis([{ name: "soft" }], [old])).toBeNull();
  });
});
