import { describe, expect, it } from "vitest";
import { DEFAULT_SYNTH_PARAMS, synthesizeWindows } from "../data/synth.js";
import { groupSplit } from "../data/splits.js";
import { Rng } from "../util/rng.js";
import { evaluateRuleOnSplit } from "./rule_split.js";
import { predictTwo, ruleBars, scoreRule } from "./rule_baseline.js";

describe("rule baseline on a run's split", () => {
  it("tunes on training windows only and scores validation windows with the models' metrics", () => {
    const windows = synthesizeWindows({ ...DEFAULT_SYNTH_PARAMS, windows: 20 }, new Rng(5));
    const split = groupSplit(windows, { validationFraction: 0.3, rng: new Rng(1) });
    const result = evaluateRuleOnSplit(windows, split.train, split.validation);
    // The validation score is the tuned rule applied to validation bars, computed independently here.
    const validationBars = ruleBars(split.validation.map((i) => windows[i]!));
    const direct = scoreRule(validationBars, predictTwo(result.rule));
    expect(result.pooled.f1).toBeCloseTo(direct.f1, 12);
    expect(result.pooled.truePositives).toBe(direct.truePositives);
    expect(result.spanLevel.windows).toBe(split.validation.length);
    // Tuning saw the training bars: its F1 there is the best over the grid, so at least the b = 0 rule's.
    const trainingBars = ruleBars(split.train.map((i) => windows[i]!));
    const singleOnly = scoreRule(trainingBars, (bar) => bar.rangeZ > result.rule.rangeZThreshold);
    expect(result.trainingF1).toBeGreaterThanOrEqual(singleOnly.f1 - 1e-12);
  });
});
