import { describe, expect, it } from "vitest";
import { loadWindows } from "../data/load.js";
import { SPAN_OBJECTIVES } from "../model/heads/registry.js";
import { windowTensors } from "../train/dataset.js";
import { defaultDataPath } from "../util/package.js";
import { validateArchitecture } from "./technical_details.js";

describe("validateArchitecture", () => {
  it.each(SPAN_OBJECTIVES)("checks the %s model's layout, determinism and gradients at run time", async (objective) => {
    const windows = await loadWindows(defaultDataPath());
    const check = validateArchitecture(objective, 42, windowTensors(windows.slice(0, 2)));
    expect(check.total).toBe(check.modules.reduce((sum, m) => sum + m.count, 0));
    expect(check.pytorchLayout).toEqual({ matches: true, missing: [], unexpected: [], misshaped: [] });
    expect(check.deterministicForward).toBe(true);
    expect(check.deterministicTrainingForward).toBe(true);
    expect(check.gradientCheck.entries.length).toBeGreaterThanOrEqual(10);
    // float32 central differences on the full model: a wrong backward is off by far more than this.
    expect(check.gradientCheck.worstRelativeError).toBeLessThan(0.05);
  });
});
