import { describe, expect, it } from "vitest";
import { Rng } from "../../util/rng.js";
import { classState } from "./class_head.js";

describe("is the class task learned?", () => {
  it("is not learned when the head predicts the majority class for every window of every seed", () => {
    expect(classState([0, 0, 0, 0, 0], [1, 1, 1, 1, 1], new Rng(1), 500)).toBe("not learned");
  });

  it("is learned only when accuracy − always-majority is above 0 across ≥ 5 paired seeds", () => {
    expect(classState([0.05, 0.08, 0.03, 0.06, 0.04], [0.7, 0.6, 0.8, 0.7, 0.6], new Rng(1), 500)).toBe("learned");
    // Four seeds are too few to call it, as for every other paired verdict.
    expect(classState([0.05, 0.08, 0.03, 0.06], [0.7, 0.6, 0.8, 0.7], new Rng(1), 500)).toBe("not established");
    expect(classState([-0.05, -0.02, -0.03, -0.06, -0.01], [0.9, 0.8, 0.9, 0.9, 0.8], new Rng(1), 500)).toBe("not learned");
    expect(classState([0.05, -0.04, 0.02, -0.03, 0.01], [0.9, 0.8, 0.9, 0.9, 0.8], new Rng(1), 500)).toBe("not established");
    // With no predictions to look at (the logistic baseline), only the differences decide.
    expect(classState([0.05, 0.08, 0.03, 0.06, 0.04], [], new Rng(1), 500)).toBe("learned");
  });
});
