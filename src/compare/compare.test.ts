import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { writeWindows } from "../data/load.js";
import { DEFAULT_SYNTH_PARAMS, synthesizeWindows } from "../data/synth.js";
import { parseMetrics } from "../train/records.js";
import { Rng } from "../util/rng.js";
import { compare, resumeComparison } from "./compare.js";
import type { ComparisonResult } from "./types.js";

let dir: string;
let data: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "spanlab-compare-"));
  data = join(dir, "windows.parquet");
  writeWindows(data, synthesizeWindows({ ...DEFAULT_SYNTH_PARAMS, windows: 10 }, new Rng(21)));
});

const tiny = { epochs: 2, seeds: 2, batchSize: 8, workers: 2, bootstrapResamples: 200 } as const;

describe("spanlab compare", () => {
  it("trains every objective by default over paired seeds and reports figures that match the runs' metrics", async () => {
    const trained: string[] = [];
    const outcome = await compare({ ...tiny, data, out: join(dir, "bundle"), onRunEvent: (label, event) => event.kind === "start" && trained.push(label) });
    // The paired runs, then the sensitivity section's pos_weight axis on the first seed (the soft head reads it, the CRFs do not).
    expect(trained.sort()).toEqual([
      "crf-seed42",
      "crf-seed43",
      "segment_crf-seed42",
      "segment_crf-seed43",
      "sensitivity/soft-pw1-seed42",
      "sensitivity/soft-pwbalancedx2-seed42",
      "soft-seed42",
      "soft-seed43",
    ]);

    const result = JSON.parse(readFileSync(join(outcome.bundleDirectory, "comparison.json"), "utf8")) as ComparisonResult;
    expect(result.runs).toHaveLength(6);
    expect(result.protocol.seeds).toEqual([42, 43]);
    expect(result.sensitivity!.points.map((p) => [p.axis, p.setting, p.main])).toEqual([
      ["pos_weight", "balanced", true],
      ["pos_weight", "1", false],
      ["pos_weight", "balanced × 2", false],
    ]);
    // Each run trained with the weight it says: balanced resolved on its own training windows.
    for (const run of result.runs.filter((r) => r.objective === "soft")) {
      expect(run.posWeight.value).toBeCloseTo((1 - run.posWeight.trainingInSpanRate!) / run.posWeight.trainingInSpanRate!, 10);
    }
    const pw1 = JSON.parse(readFileSync(join(outcome.bundleDirectory, "runs", "sensitivity", "soft-pw1-seed42", "config.json"), "utf8"));
    expect(pw1.pos_weight.value).toBe(1);
    // Every run's final validation loss in the aggregate equals the last line of its metrics.jsonl.
    const finalLoss = result.metrics.find((m) => m.key === "val_loss_final")!;
    expect(result.protocol.objectives).toEqual(["soft", "crf", "segment_crf"]);
    for (const objective of result.protocol.objectives) {
      const stats = finalLoss.byObjective[objective]!;
      const fromFiles = [42, 43].map((seed) => {
        const records = parseMetrics(readFileSync(join(outcome.bundleDirectory, "runs", `${objective}-seed${seed}`, "metrics.jsonl"), "utf8"), "m");
        return records.at(-1)!.validation.unweighted;
      });
      expect(stats.values).toEqual(fromFiles);
    }
    for (const m of result.metrics) expect(["soft", "crf", "segment_crf", "not established", "n/a"]).toContain(m.winner);
    expect(["soft", "crf", "segment_crf", "undecided"]).toContain(result.recommendation.decision);
    // The model is what compare returns and writes; the documents are the report's (src/app joins the two).
    expect(JSON.parse(JSON.stringify(outcome.result))).toEqual(result);
    for (const file of ["ANALYSIS_INDEX.md", "SOFT_SPAN_VS_CRF_RESULTS.csv", "report.html", "training_soft_span_2.log"]) {
      expect(existsSync(join(outcome.bundleDirectory, file)), file).toBe(false);
    }
    // Never overwritten.
    await expect(compare({ ...tiny, data, out: outcome.bundleDirectory })).rejects.toThrow(/never overwritten/);
  });

  it("resumes an interrupted comparison without redoing finished runs", async () => {
    const first = await compare({ ...tiny, objectives: ["soft", "crf"], data, out: join(dir, "interrupted") });
    // Simulate an interruption: drop the result and one run entirely.
    rmSync(join(first.bundleDirectory, "comparison.json"));
    rmSync(join(first.bundleDirectory, "runs", "crf-seed43"), { recursive: true });
    // A compare_config.json from before objectives were recorded: the reference pair is assumed (not today's default).
    const configPath = join(first.bundleDirectory, "compare_config.json");
    const config = JSON.parse(readFileSync(configPath, "utf8"));
    delete config.protocol.objectives;
    writeFileSync(configPath, JSON.stringify(config));
    const trained: string[] = [];
    const resumed = await resumeComparison(first.bundleDirectory, { onRunEvent: (label, event) => event.kind === "start" && trained.push(label) });
    expect(trained).toEqual(["crf-seed43"]);
    const a = first.result.runs.map((r) => r.headline.f1_native);
    const b = resumed.result.runs.map((r) => r.headline.f1_native);
    expect(b).toEqual(a);
    expect(resumed.result.protocol.objectives).toEqual(["soft", "crf"]);
    await expect(resumeComparison(first.bundleDirectory)).rejects.toThrow(/already complete/);
  });
});
