import { describe, expect, it } from "vitest";
import { binIndex } from "../../eval/calibration.js";
import { REFERENCE_OBJECTIVES } from "../../model/heads/registry.js";
import { valueKindOfUnit } from "../aggregate.js";
import type { MetricComparison, ObjectiveDescription, ObjectiveStatistics, RunResult } from "../types.js";
import { readiness, versusRuleBaseline, withRuleBaseline } from "./baselines.js";
import { describeObjective, differenceLabel } from "./objectives.js";
import { lossCurves, sigmaTrajectories, taskScales, thresholdCurves } from "./plot_data.js";
import { histogramFromCounts, histogramOfProbabilities, pooledReliability } from "./probabilities.js";
import { decisionCaution, type AnalysedComparison } from "./statements.js";
import { convergence, trajectoryEpochs } from "./training.js";

const objectives = REFERENCE_OBJECTIVES.map(describeObjective) as [ObjectiveDescription, ObjectiveDescription];
const [soft, crf] = objectives;

describe("objectives named by their heads", () => {
  it("gives the bundle the names it has always printed", () => {
    expect(differenceLabel(objectives)).toBe("soft − CRF");
    expect(objectives.map((o) => [o.label, o.column, o.logStem, o.runLabel])).toEqual([
      ["soft span loss", "soft_span_loss", "soft_span", "soft-span"],
      ["CRF", "crf", "crf", "CRF"],
    ]);
    expect(objectives.map((o) => [o.nativeDecoderName, o.nativeDecoderRule, o.probabilityNote])).toEqual([
      ["threshold", "p > threshold", null],
      ["Viterbi", "Viterbi", "posterior marginals"],
    ]);
  });

  it("maps metric units to value kinds", () => {
    expect(valueKindOfUnit("F1 (0–1)")).toBe("score");
    expect(valueKindOfUnit("loss")).toBe("loss");
    expect(valueKindOfUnit("σ")).toBe("sigma");
    expect(valueKindOfUnit("%")).toBe("percent");
    expect(valueKindOfUnit("bars")).toBe("bars");
    expect(valueKindOfUnit("IoU (0–1)")).toBe("score");
  });
});

describe("derived rules", () => {
  it("classifies a validation curve by the stated convergence rule", () => {
    expect(convergence([10, 9, 8]).pattern).toBe("monotone");
    // +1.1% at epoch 3: below the 2% noise bound.
    const smooth = convergence([10, 9, 9.1, 8]);
    expect(smooth.pattern).toBe("smooth");
    expect(smooth.largestRiseEpoch).toBe(3);
    expect(smooth.fallingShare).toBeCloseTo(2 / 3, 12);
    expect(convergence([10, 9, 9.5, 8]).pattern).toBe("noisy");
    expect(convergence([10, 9.95]).pattern).toBe("flat");
    expect(convergence([10, 11]).pattern).toBe("rising");
    expect(convergence([10]).pattern).toBe("single epoch");
  });

  it("scales the reference's trajectory epochs (1, 10, …, 50) to the run length", () => {
    expect(trajectoryEpochs(50)).toEqual([1, 10, 20, 30, 40, 50]);
    expect(trajectoryEpochs(100)).toEqual([1, 20, 40, 60, 80, 100]);
    expect(trajectoryEpochs(7)).toEqual([1, 3, 4, 6, 7]);
    expect(trajectoryEpochs(2)).toEqual([1, 2]);
    expect(trajectoryEpochs(1)).toEqual([1]);
  });

  it("pools reliability bins over runs weighting each bin by its count", () => {
    const run = (bins: { count: number; meanPredicted: number; observedFrequency: number }[]) =>
      ({ evaluation: { calibration: { bins: bins.map((b, i) => ({ lower: i / 2, upper: (i + 1) / 2, ...b })) } } }) as unknown as RunResult;
    const pooled = pooledReliability([
      run([
        { count: 1, meanPredicted: 0.2, observedFrequency: 0 },
        { count: 0, meanPredicted: NaN, observedFrequency: NaN },
      ]),
      run([
        { count: 3, meanPredicted: 0.4, observedFrequency: 1 },
        { count: 0, meanPredicted: NaN, observedFrequency: NaN },
      ]),
    ]);
    expect(pooled[0]!.count).toBe(4);
    expect(pooled[0]!.meanPredicted).toBeCloseTo((0.2 + 3 * 0.4) / 4, 12);
    expect(pooled[0]!.observedFrequency).toBeCloseTo(0.75, 12);
    expect(pooled[1]!.count).toBe(0);
    expect(Number.isNaN(pooled[1]!.meanPredicted)).toBe(true);
  });
});

describe("rules against the baselines", () => {
  const stats = ([mean, low, high]: [number, number, number]): ObjectiveStatistics => ({ values: [mean], mean, std: 0, low, high });

  /** What readiness and the rule-baseline verdicts read: the native F1 of both objectives and the rule's, and the trivial baselines. */
  function comparison(seeds: number[], first: [number, number, number], second: [number, number, number], rule: [number, number, number], trivial: number) {
    const run = (objective: string, seed: number) =>
      ({ objective, seed, evaluation: { baselines: { allPositive: { f1: trivial }, priorRate: { f1: trivial / 2 } } } }) as unknown as RunResult;
    const f1 = { key: "f1_native", kind: "score", byObjective: { [soft.name]: stats(first), [crf.name]: stats(second) } } as unknown as MetricComparison;
    const [f1Native] = withRuleBaseline([f1], { metrics: { f1: stats(rule) } } as never);
    const runsOf = (o: ObjectiveDescription) => seeds.map((seed) => run(o.name, seed));
    return { f1Native: f1Native!, seeds: seeds.length, runsOf };
  }

  function state(c: ReturnType<typeof comparison>, objective: ObjectiveDescription) {
    return readiness(c.f1Native, objective, c.runsOf(objective), c.seeds).state;
  }

  it("calls an objective ready only when its whole interval clears the best trivial baseline", () => {
    const result = comparison([1, 2, 3, 4, 5], [0.3, 0.25, 0.35], [0.12, 0.05, 0.2], [0.5, 0.45, 0.55], 0.1);
    expect(state(result, soft)).toBe("ready");
    expect(state(result, crf)).toBe("not established");
    expect(state(comparison([1, 2, 3, 4, 5], [0.3, 0.25, 0.35], [0.08, 0.05, 0.09], [0.5, 0.4, 0.6], 0.1), crf)).toBe("not ready");
    // Three seeds are too few to establish readiness (the same minimum as for naming a winner).
    expect(state(comparison([1, 2, 3], [0.3, 0.25, 0.35], [0.12, 0.05, 0.2], [0.5, 0.45, 0.55], 0.1), soft)).toBe("not established");
    // One seed never establishes readiness.
    expect(state(comparison([1], [0.3, 0.3, 0.3], [0, 0, 0], [0.5, 0.5, 0.5], 0.1), soft)).toBe("not established");
  });

  it("cautions when the recommended objective is below the rule detector", () => {
    const caution = (c: ReturnType<typeof comparison>) => {
      const analysed = {
        objectives,
        recommendation: { decision: soft.name },
        metrics: [c.f1Native],
        baselines: {
          readiness: { [soft.name]: readiness(c.f1Native, soft, c.runsOf(soft), c.seeds) },
          versusRule: { [soft.name]: versusRuleBaseline(c.f1Native, c.f1Native.byObjective[soft.name]!, c.seeds) },
        },
      } as unknown as AnalysedComparison;
      return decisionCaution(analysed);
    };
    const below = comparison([1, 2, 3, 4, 5], [0.3, 0.25, 0.35], [0.1, 0.05, 0.2], [0.5, 0.45, 0.55], 0.1);
    expect(versusRuleBaseline(below.f1Native, below.f1Native.byObjective[soft.name]!, below.seeds)).toBe("below");
    const text = JSON.stringify(caution(below));
    expect(text).toContain("below the transparent rule detector's (rule baseline ");
    expect(caution(below)).toContainEqual({ statistics: stats([0.5, 0.45, 0.55]), kind: "score" });
    const overlapping = comparison([1, 2, 3, 4, 5], [0.3, 0.25, 0.35], [0.1, 0.05, 0.2], [0.32, 0.3, 0.4], 0.1);
    expect(versusRuleBaseline(overlapping.f1Native, overlapping.f1Native.byObjective[soft.name]!, 5)).toBe("overlapping");
    expect(caution(overlapping)).toBeNull();
    const above = comparison([1, 2, 3, 4, 5], [0.6, 0.55, 0.65], [0, 0, 0], [0.32, 0.3, 0.4], 0.1);
    expect(versusRuleBaseline(above.f1Native, above.f1Native.byObjective[soft.name]!, 5)).toBe("above");
  });
});

describe("plot series", () => {
  /** Runs with one value per epoch for every loss, σ and weight field. */
  function runs(objective: string, losses: number[][]): RunResult[] {
    return losses.map((perEpoch, s) => ({
      objective,
      seed: s + 1,
      records: perEpoch.map((loss, e) => {
        const tasks = { pointer: loss, type: loss, span: loss, countdown: loss };
        return {
          epoch: e + 1,
          train: { unweighted: loss },
          validation: { unweighted: 2 * loss, ...tasks },
          sigma: tasks,
          task_weights: tasks,
          effective_weights: tasks,
        };
      }),
    })) as unknown as RunResult[];
  }

  it("averages seeds to mean/min/max per objective, split and epoch", () => {
    const curves = lossCurves([...runs("soft", [[10], [14], [12]]), ...runs("crf", [[30]])]);
    expect(curves.seeds).toBe(3);
    expect(curves.points).toContainEqual({ objective: "soft", split: "train", epoch: 1, mean: 12, min: 10, max: 14, seeds: 3 });
    expect(curves.points).toContainEqual({ objective: "crf", split: "validation", epoch: 1, mean: 60, min: 60, max: 60, seeds: 1 });
  });

  it("averages σ, task weights, raw task losses and 1/(2σ²) across seeds per objective, task and epoch", () => {
    const list = runs("crf", [
      [1.2, 1],
      [1.4, 1],
    ]);
    const sigma = sigmaTrajectories(list).points.find((p) => p.task === "span" && p.epoch === 1)!;
    expect(sigma.sigma).toBeCloseTo(1.3, 12);
    expect(sigma.weight).toBeCloseTo(1.3, 12);
    const scale = taskScales(list).points.find((p) => p.task === "pointer" && p.epoch === 1)!;
    expect(scale.loss).toBeCloseTo(1.3, 12);
    expect(scale.weight).toBeCloseTo(1.3, 12);
  });

  it("places a chosen threshold on its objective's mean F1 curve", () => {
    const rows = [1, 2].flatMap((seed) =>
      [0.19, 0.21].map((threshold) => ({ objective: "soft", seed, threshold, f1: threshold + seed / 10, precision: 0.5, recall: 0.5 })),
    );
    const curves = thresholdCurves(rows, [{ objective: "soft", threshold: 0.2 }], []);
    // Mean F1 at 0.19 is 0.34 and at 0.21 is 0.36: 0.2 lies half way.
    expect(curves.markers[0]!.f1).toBeCloseTo(0.35, 12);
    expect(curves.seeds).toBe(2);
    const f1At19 = curves.points.find((p) => p.metric === "F1" && p.threshold === 0.19)!;
    expect(f1At19.min).toBeCloseTo(0.29, 12);
    expect(f1At19.max).toBeCloseTo(0.39, 12);
    expect(() => thresholdCurves(rows, [{ objective: "crf", threshold: 0.3 }], [])).toThrow(/no curve/);
    expect(() => thresholdCurves([...rows, rows[0]!], [], [])).toThrow(/duplicate row/);
  });

  it("bins raw probabilities like the reliability diagram and normalises each group to sum to 1", () => {
    const probabilities = [0.9, 0.1, 1, 0.55, 0.05];
    const targets = [1, 0, 0, 1, 0];
    const histogram = histogramOfProbabilities(probabilities, targets, 10);
    const expectedIn = new Array<number>(10).fill(0);
    probabilities.forEach((p, i) => {
      if (targets[i] === 1) expectedIn[binIndex(p, 10)]!++;
    });
    expect(histogram.inSpan).toEqual(expectedIn);
    expect(histogram.outOfSpan[9]).toBe(1);
    expect(histogram.outOfSpanMean).toBeCloseTo((0.1 + 1 + 0.05) / 3, 12);
    expect(histogram.inSpanShare.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    expect(histogramFromCounts([1, 3], [0, 0])).toMatchObject({ inSpanShare: [0.25, 0.75], outOfSpanShare: [0, 0], inSpanMean: null });
    expect(() => histogramOfProbabilities([1.5], [1])).toThrow(/\[0, 1\]/);
    expect(() => histogramOfProbabilities([0.5], [2])).toThrow(/0 or 1/);
  });
});
