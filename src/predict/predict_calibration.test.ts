/**
 * `predict --data` with a checkpoint of a compare run writes calibrated values beside the model's own: the
 * calibration its comparison.json holds for that run (fitted on the run's training windows), applied
 * exactly; a checkpoint outside a bundle gets none, and the file says why.
 */
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { writeWindows } from "../data/load.js";
import { DEFAULT_SYNTH_PARAMS, synthesizeWindows } from "../data/synth.js";
import { computeWindowFeatures } from "../features/index.js";
import { loadCheckpoint } from "../model/checkpoint.js";
import { inferWindows } from "../model/inference.js";
import { spanCount } from "../model/span_index.js";
import { summariseSpanPosterior } from "../model/span_posterior_summary.js";
import { temperLogPosterior } from "../model/temperature.js";
import { Rng } from "../util/rng.js";
import { fitSpanCalibration, inferenceLogPosterior, type SpanCalibration } from "./calibration.js";
import { predictFile } from "./predict.js";

const FIXTURE = join(import.meta.dirname, "..", "..", "test", "fixtures", "checkpoints", "spanlab_crf.safetensors");
let dir: string;
let data: string;
let calibration: SpanCalibration;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "spanlab-predict-calibration-"));
  // Fitted on other windows than the ones predicted, as compare fits on a run's training windows.
  const fitting = synthesizeWindows({ ...DEFAULT_SYNTH_PARAMS, windows: 12 }, new Rng(31));
  const { model } = loadCheckpoint(FIXTURE);
  const { tensor } = computeWindowFeatures(fitting, { position: false });
  const inference = inferWindows(model, tensor, fitting.length, { spanScores: true });
  const truth = fitting.map((w) => [{ start: w.expansion_start, end: w.expansion_end }]);
  calibration = fitSpanCalibration(model.head, model.headContext(fitting.length), inference, truth);
  data = join(dir, "windows.jsonl");
  writeWindows(data, synthesizeWindows({ ...DEFAULT_SYNTH_PARAMS, windows: 3 }, new Rng(32)));
});

describe("predict with a compare run's calibration", () => {
  it("adds calibrated probabilities and the posterior at the fitted temperature", async () => {
    const run = join(dir, "bundle", "runs", "crf-seed42");
    mkdirSync(run, { recursive: true });
    const checkpoint = join(run, "last.safetensors");
    copyFileSync(FIXTURE, checkpoint);
    const comparison = { runs: [{ objective: "crf", runDirectory: "runs/crf-seed42", evaluation: { spanPosterior: { fitted: calibration } } }] };
    writeFileSync(join(dir, "bundle", "comparison.json"), JSON.stringify(comparison));
    const report = await predictFile({ checkpoint, data });
    expect(report.calibration.temperature).toBe(calibration.temperature.temperature);
    expect(report.calibration.source).toContain("compare run runs/crf-seed42");
    const window = report.windows[0]!;
    expect(window.probabilities_calibrated).toHaveLength(105);
    for (const p of window.probabilities_calibrated!) expect(p >= 0 && p <= 1).toBe(true);
    expect(window.span_posterior_calibrated!.temperature).toBe(calibration.temperature.temperature);

    // The same numbers by hand: the model's T = 1 posterior tempered, then summarised.
    const { model } = loadCheckpoint(checkpoint);
    const { loadWindows } = await import("../data/load.js");
    const windows = await loadWindows(data);
    const { tensor } = computeWindowFeatures(windows, { position: false });
    const inference = inferWindows(model, tensor, windows.length, { spanScores: true });
    const logPosterior = inferenceLogPosterior(model.head, model.headContext(windows.length), inference);
    const count = spanCount(105);
    const tempered = temperLogPosterior(logPosterior.slice(0, count), 105, calibration.temperature.temperature);
    const summary = summariseSpanPosterior(tempered, 105);
    expect(window.span_posterior_calibrated!.top[0]!.probability).toBeCloseTo(summary.top[0]!.probability, 12);
    expect(window.span_posterior_calibrated!.start_interval).toEqual([summary.startInterval.lo, summary.startInterval.hi]);
    expect(window.span_posterior_calibrated!.mbr.start).toBe(summary.mbr.start);
  });

  it("writes no calibrated field for a checkpoint outside a compare bundle, and says why", async () => {
    const report = await predictFile({ checkpoint: FIXTURE, data });
    expect(report.calibration.temperature).toBeNull();
    expect(report.calibration.source).toContain("not in a compare bundle");
    expect(report.windows[0]!.probabilities_calibrated).toBeUndefined();
    expect(report.windows[0]!.span_posterior_calibrated).toBeUndefined();
  });
});
