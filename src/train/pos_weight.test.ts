import { describe, expect, it } from "vitest";
import { balancedMultiple, balancedPosWeight, inSpanRateOf, parsePosWeight, posWeightSettingText, resolvePosWeight } from "./pos_weight.js";
import { resolveTrainConfig } from "./config.js";

describe("pos_weight as a setting", () => {
  // Two windows of 4 bars: window 0 has 1 in-span bar, window 1 has 3; window 2 (not in training) has 4.
  const marks = Uint8Array.from([0, 1, 0, 0, 1, 1, 1, 0, 1, 1, 1, 1]);

  it("balanced is (1 − π)/π of the TRAINING windows only (hand-computed)", () => {
    expect(inSpanRateOf(marks, 4, [0, 1])).toBe(4 / 8);
    expect(inSpanRateOf(marks, 4, [0])).toBe(1 / 4);
    expect(resolvePosWeight("balanced", marks, 4, [0])).toEqual({ requested: "balanced", value: 3, trainingInSpanRate: 0.25 });
    // Adding a validation-only window (index 2, all in span) cannot move the weight: it is not passed.
    expect(resolvePosWeight("balanced", marks, 4, [0, 1]).value).toBe(1);
    expect(resolvePosWeight("balanced*0.25", marks, 4, [0]).value).toBe(0.75);
    expect(resolvePosWeight(13.1, marks, 4, [0]).value).toBe(13.1);
  });

  it("refuses a balanced weight without both classes, and bad settings, naming the flag", () => {
    expect(() => balancedPosWeight(0)).toThrow(/both in-span and out-of-span/);
    expect(() => resolvePosWeight("balanced", marks, 4, [2])).toThrow(/in-span rate is 1/);
    expect(parsePosWeight("Balanced")).toBe("balanced");
    expect(parsePosWeight("balanced*2")).toBe("balanced*2");
    expect(parsePosWeight("13.1")).toBe(13.1);
    expect(() => parsePosWeight("heavy")).toThrow(/--pos-weight: expected a number ≥ 0, "balanced" or "balanced\*k", got "heavy"/);
    expect(() => parsePosWeight("-1")).toThrow(/--pos-weight/);
    expect(() => parsePosWeight("balanced*x")).toThrow(/--pos-weight/);
    expect(balancedMultiple("balanced")).toBe(1);
    expect(balancedMultiple(2)).toBeNull();
    expect(posWeightSettingText("balanced*0.25")).toBe("balanced × 0.25");
  });

  it("is the training schema's default, and the schema takes numbers and multiples of balanced", () => {
    expect(resolveTrainConfig({ data: "x" }).posWeight).toBe("balanced");
    expect(resolveTrainConfig({ data: "x", posWeight: "balanced*2" }).posWeight).toBe("balanced*2");
    expect(resolveTrainConfig({ data: "x", posWeight: 1 }).posWeight).toBe(1);
    expect(() => resolveTrainConfig({ data: "x", posWeight: "lots" as never })).toThrow(/posWeight/);
  });
});
