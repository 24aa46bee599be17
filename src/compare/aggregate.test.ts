import { describe, expect, it } from "vitest";
import { Rng } from "../util/rng.js";
import type { EpochRecord } from "../train/records.js";
import { REFERENCE_OBJECTIVES } from "../model/heads/registry.js";
import { compareMetric, metricDefinitions, overfittingOnset, recommend, stepBudget, type MetricDefinition } from "./aggregate.js";
import { describeObjective } from "./analysis/objectives.js";
import type { MetricComparison, ObjectiveDescription, RunResult } from "./types.js";

function record(epoch: number, trainLoss: number, validationLoss: number, logSigmaSpan = 0, steps = epoch * 6): EpochRecord {
  const tasks = { pointer: -0.3, type: 0, span: logSigmaSpan, countdown: 0 };
  return {
    epoch,
    epochs: 10,
    steps,
    train: { weighted: trainLoss, unweighted: trainLoss, type: 0, pointer: 0, span: 0, countdown: 0 },
    validation: { weighted: validationLoss, unweighted: validationLoss, type: 0, pointer: 0, span: 0, countdown: 0 },
    span: { precision: 0, recall: 0, f1: 0 },
    log_sigma: tasks,
    sigma: tasks,
    task_weights: tasks,
    effective_weights: tasks,
    probability: { in_span_mean: 0, out_of_span_mean: 0, separation: 0 },
    is_best: false,
    best_epoch: 1,
    best_validation_loss: validationLoss,
    wall_seconds: 0,
  };
}

const metric: MetricDefinition = { key: "f1", label: "F1", unit: "F1", higherIsBetter: true, value: () => 0 };

function runs(values: number[]): RunResult[] {
  return values.map((v) => ({ headline: { f1: v } }) as unknown as RunResult);
}

/** The default pair, soft span loss vs CRF: differences are soft − CRF. */
const objectives = REFERENCE_OBJECTIVES.map(describeObjective) as [ObjectiveDescription, ObjectiveDescription];
const [soft, crf] = objectives.map((o) => o.name) as [string, string];

/** Compares per-seed values of the first objective (`a`) with the second's (`b`). */
function paired(definition: MetricDefinition, a: number[], b: number[]): MetricComparison {
  return compareMetric(definition, objectives, [runs(a), runs(b)], new Rng(1), 500);
}

describe("winner rules", () => {
  it("names a winner only when the paired interval excludes zero", () => {
    const clear = paired(metric, [0.5, 0.52, 0.55, 0.51, 0.53], [0.3, 0.31, 0.33, 0.29, 0.3]);
    expect(clear.winner).toBe(soft);
    expect(clear.difference!.low).toBeGreaterThan(0);
    const noisy = paired(metric, [0.5, 0.2, 0.6, 0.1, 0.4], [0.3, 0.5, 0.2, 0.45, 0.35]);
    expect(noisy.winner).toBe("not established");
    expect(noisy.rule).toMatch(/contains 0/);
  });

  it("never decides on a single seed, and treats lower-is-better metrics the right way round", () => {
    expect(paired(metric, [0.9], [0.1]).winner).toBe("not established");
    const lower = { ...metric, higherIsBetter: false };
    expect(paired(lower, [0.5, 0.52, 0.55, 0.51, 0.54], [0.3, 0.31, 0.33, 0.29, 0.3]).winner).toBe(crf);
    // Four seeds, all differences of one sign: the interval excludes 0, yet 4 pairs are too few to decide.
    const four = paired(metric, [0.5, 0.52, 0.55, 0.51], [0.3, 0.31, 0.33, 0.29]);
    expect(four.difference!.established).toBe(true);
    expect(four.winner).toBe("not established");
    expect(four.rule).toMatch(/4 paired seeds are too few.*12\.5%/);
    const descriptive = { ...metric, higherIsBetter: null };
    expect(paired(descriptive, [0.5, 0.52], [0.3, 0.31]).winner).toBe("n/a");
  });

  it("recommends from the primary metric only (a secondary winner never decides), and otherwise stays undecided", () => {
    const m = (key: string, winner: MetricComparison["winner"]): MetricComparison => ({
      key,
      label: key,
      shortLabel: key,
      unit: "",
      kind: "score",
      higherIsBetter: true,
      winner,
      rule: "",
      role: key === "f1_native" ? "primary" : "secondary",
      ruleBaseline: null,
      byObjective: { [soft]: { values: [], mean: 0.4, std: 0, low: 0.3, high: 0.5 }, [crf]: { values: [], mean: 0.3, std: 0, low: 0.2, high: 0.4 } },
      difference: { mean: 0.1, low: 0.05, high: 0.15, established: winner !== "not established" },
      pairs: [{ first: soft, second: crf, difference: { mean: 0.1, low: 0.05, high: 0.15, established: winner !== "not established" }, winner, rule: "" }],
    });
    expect(recommend([m("f1_native", crf), m("iou_single_span", soft)], 5, objectives).decision).toBe(crf);
    // The IoU winning after the primary failed would be a second shot at the same question: it does not decide.
    expect(recommend([m("f1_native", "not established"), m("iou_single_span", soft)], 5, objectives).decision).toBe("undecided");
    const undecided = recommend([m("f1_native", "not established"), m("iou_single_span", "not established")], 5, objectives);
    expect(undecided.decision).toBe("undecided");
    const single = recommend([m("f1_native", "not established"), m("iou_single_span", "not established")], 1, objectives);
    expect(single.headline).toMatch(/single run/);
    expect(recommend([m("f1_native", "not established"), m("iou_single_span", "not established")], 3, objectives).headline).toMatch(
      /3 paired seeds are too few/,
    );
    expect(single.reasons[0]).toBe("f1_native: soft 0.400, CRF 0.300; soft − CRF 0.100");
    expect(undecided.reasons[0]).toBe("f1_native: soft 0.400 [0.300, 0.500], CRF 0.300 [0.200, 0.400]; soft − CRF 0.100 [0.050, 0.150]");
  });
});

describe("metrics named by the heads", () => {
  it("builds the labels the bundle has always printed from the heads' fields", () => {
    const byKey = new Map(metricDefinitions(objectives).map((d) => [d.key, d]));
    expect(byKey.get("f1_native")!.label).toBe("Span F1, each objective's own decoder (soft: p > threshold; CRF: Viterbi)");
    expect(byKey.get("f1_threshold")!.label).toBe("Span F1, threshold on per-bar p (CRF: posterior marginals)");
    expect(byKey.get("f1_emission_softmax")!.label).toBe("Span F1, threshold on emission softmax (the reference's CRF probability)");
    expect(byKey.get("f1_emission_softmax")!.shortLabel).toBe("F1, emission softmax");
    // The reading's metric sits where it always did: after the chosen threshold, before the single-span F1.
    const keys = [...byKey.keys()];
    expect(keys.indexOf("f1_emission_softmax")).toBe(keys.indexOf("threshold") + 1);
  });

  it("leaves a metric to the objective whose evaluation has its decoder, and says so in the rule", () => {
    const reading = metricDefinitions(objectives).find((d) => d.key === "f1_emission_softmax")!;
    const run = (decoders: string[], f1: number) =>
      ({ headline: { f1_emission_softmax: f1 }, evaluation: { decoders: decoders.map((decoder) => ({ decoder })) } }) as unknown as RunResult;
    const softRuns = [1, 2].map(() => run(["threshold", "single_span"], NaN));
    const crfRuns = [0.3, 0.4].map((f1) => run(["viterbi", "emission_softmax_threshold"], f1));
    const compared = compareMetric(reading, objectives, [softRuns, crfRuns], new Rng(1), 100);
    expect(compared.byObjective[soft]).toBeNull();
    expect(compared.byObjective[crf]!.mean).toBeCloseTo(0.35, 12);
    expect(compared.winner).toBe("n/a");
    expect(compared.rule).toBe("defined for the CRF only");
  });
});

describe("training facts", () => {
  it("finds the overfitting onset: validation loss leaves its best while training loss keeps falling", () => {
    const rising = [record(1, 10, 20), record(2, 8, 15), record(3, 6, 16), record(4, 5, 17)];
    expect(overfittingOnset(rising)).toBe(3);
    const improving = [record(1, 10, 20), record(2, 8, 15), record(3, 6, 14)];
    expect(overfittingOnset(improving)).toBeNull();
    // A rise under 2% over the best is noise.
    expect(overfittingOnset([record(1, 10, 20), record(2, 8, 15), record(3, 6, 15.2)])).toBeNull();
  });

  it("says when a log σ is still moving at the step budget's pace", () => {
    // 10 epochs × 6 steps, lr 1e-3: bound 0.06. Span's log σ moves 0.005 per epoch (≈ 0.83e-3 per step).
    const moving = Array.from({ length: 10 }, (_, i) => record(i + 1, 1, 1, -0.005 * (i + 1)));
    const budget = stepBudget(moving, 1e-3);
    expect(budget.bound).toBeCloseTo(0.06, 12);
    expect(budget.tasks.span.moved).toBeCloseTo(0.05, 12);
    expect(budget.tasks.span.limited).toBe(true);
    expect(budget.tasks.type.limited).toBe(false);
    const settled = Array.from({ length: 10 }, (_, i) => record(i + 1, 1, 1, i < 4 ? -0.01 * (i + 1) : -0.04));
    expect(stepBudget(settled, 1e-3).tasks.span.limited).toBe(false);
  });
});
