import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeWindows } from "../data/load.js";
import { DEFAULT_SYNTH_PARAMS, synthesizeWindows } from "../data/synth.js";
import { Rng } from "../util/rng.js";
import { compareAndWriteBundle, resumeAndWriteBundle } from "./compare.js";

let dir: string;
let data: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "spanlab-app-compare-"));
  data = join(dir, "windows.parquet");
  writeWindows(data, synthesizeWindows({ ...DEFAULT_SYNTH_PARAMS, windows: 10 }, new Rng(21)));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const tiny = { epochs: 2, seeds: 2, batchSize: 8, workers: 2, bootstrapResamples: 200 } as const;

describe("compare and write the bundle", () => {
  it("trains, writes comparison.json, then renders the bundle from it; resume does the same for an interrupted one", async () => {
    const messages: string[] = [];
    const outcome = await compareAndWriteBundle({ ...tiny, data, out: join(dir, "bundle"), onMessage: (m) => messages.push(m) });
    expect(messages.at(-1)).toBe("writing the analysis bundle");
    for (const file of [
      "comparison.json",
      "ANALYSIS_INDEX.md",
      "SOFT_SPAN_VS_CRF_RESULTS.csv",
      "report.html",
      "training_soft_span_2.log",
      "training_crf_2.log",
    ]) {
      expect(existsSync(join(outcome.bundleDirectory, file)), file).toBe(true);
    }
    expect(outcome.files.map((f) => relative(outcome.bundleDirectory, f))).toContain("TRAINING_ANALYSIS_SUMMARY.txt");
    expect(JSON.parse(readFileSync(join(outcome.bundleDirectory, "comparison.json"), "utf8")).recommendation).toEqual(outcome.result.recommendation);

    // Interrupted before the model was written: resume retrains the missing run and writes the bundle.
    rmSync(join(outcome.bundleDirectory, "comparison.json"));
    rmSync(join(outcome.bundleDirectory, "runs", "soft-seed43"), { recursive: true });
    const trained: string[] = [];
    const resumed = await resumeAndWriteBundle(outcome.bundleDirectory, { onRunEvent: (label, event) => event.kind === "start" && trained.push(label) });
    expect(trained).toEqual(["soft-seed43"]);
    expect(resumed.files.length).toBe(outcome.files.length);
    expect(resumed.result.runs.map((r) => r.headline.f1_native)).toEqual(outcome.result.runs.map((r) => r.headline.f1_native));
    await expect(resumeAndWriteBundle(outcome.bundleDirectory)).rejects.toThrow(/already complete/);
  });
});
