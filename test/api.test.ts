/**
 * The documented library entry point, imported the way a user imports it: by the package's name, through
 * package.json's `exports` (so it tests the built dist/, as installed).
 */
import { describe, expect, it } from "vitest";

describe('import ... from "spanlab"', () => {
  it("offers train, compare, predict and readWindows, and the README's example runs", async () => {
    const spanlab = await import("spanlab");
    for (const name of [
      "train",
      "resume",
      "compare",
      "resumeCompare",
      "predict",
      "predictWindows",
      "readWindows",
      "writeWindows",
      "readBars",
      "scanBars",
      "scanBarsParallel",
      "scanLive",
      "evaluateDetections",
      "loadCheckpoint",
      "spanHead",
      "summariseSpanPosterior",
      "minimumRiskSpan",
      "spanIndex",
      "fitSpanCalibration",
      "applySpanCalibration",
    ] as const) {
      expect(typeof spanlab[name], name).toBe("function");
    }
    expect(spanlab.SPAN_OBJECTIVES).toEqual(spanlab.SPAN_HEADS.map((head) => head.name));
    expect(spanlab.TRAIN_DEFAULTS.epochs).toBe(50);
    const { packageRoot } = await import("../src/util/package.js");
    const windows = await spanlab.readWindows(`${packageRoot()}/data/default.parquet`);
    expect(windows).toHaveLength(211);
  });
});
