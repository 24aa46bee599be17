/**
 * `compare` over three objectives, end to end: soft span loss, CRF and segment CRF train on the same seeds
 * and splits (two seeds, two epochs, a few synthetic windows: the shape, not the numbers, is checked), and
 * the model and every document of the bundle carry all three and every pair.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { headline } from "../cli/compare.js";
import { writeWindows } from "../data/load.js";
import { DEFAULT_SYNTH_PARAMS, synthesizeWindows } from "../data/synth.js";
import { Rng } from "../util/rng.js";
import { compareAndWriteBundle } from "./compare.js";

let dir: string;
let data: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "spanlab-compare-three-"));
  data = join(dir, "windows.parquet");
  writeWindows(data, synthesizeWindows({ ...DEFAULT_SYNTH_PARAMS, windows: 10 }, new Rng(21)));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const OBJECTIVES = ["soft", "crf", "segment_crf"];

describe("compare over three objectives", () => {
  it("pairs every objective with every other in comparison.json, and every document names all three", async () => {
    const outcome = await compareAndWriteBundle({
      data,
      objectives: OBJECTIVES,
      epochs: 2,
      seeds: 2,
      batchSize: 8,
      workers: 2,
      bootstrapResamples: 200,
      out: join(dir, "bundle"),
    });
    const bundle = outcome.bundleDirectory;
    const model = JSON.parse(readFileSync(join(bundle, "comparison.json"), "utf8"));
    expect(model.protocol.objectives).toEqual(OBJECTIVES);
    expect(model.objectives.map((o: { name: string }) => o.name)).toEqual(OBJECTIVES);
    expect(new Set(model.runs.map((r: { objective: string }) => r.objective))).toEqual(new Set(OBJECTIVES));
    const pairs = [
      ["soft", "crf"],
      ["soft", "segment_crf"],
      ["crf", "segment_crf"],
    ];
    for (const m of model.metrics) {
      expect(
        m.pairs.map((p: { first: string; second: string }) => [p.first, p.second]),
        m.key,
      ).toEqual(pairs);
      expect(Object.keys(m.byObjective), m.key).toEqual(OBJECTIVES);
    }
    const primary = model.metrics.find((m: { key: string }) => m.key === "f1_native");
    // Every objective has the primary metric, so every pair has a difference (two seeds: no winner).
    for (const p of primary.pairs) expect(p.difference).not.toBeNull();
    expect(primary.winner).toBe("not established");
    // The sensitivity point (soft at pos_weight 1 and balanced × 2) pairs all three on the same windows.
    for (const point of model.sensitivity.points) expect(point.pairs).toHaveLength(3);

    const labels = ["soft span loss", "CRF", "segment CRF"];
    for (const file of [
      "ANALYSIS_INDEX.md",
      "TRAINING_ANALYSIS_SUMMARY.txt",
      "FINAL_COMPARISON_SOFT_SPAN_VS_CRF.md",
      "THRESHOLD_OPTIMIZATION_ANALYSIS.md",
      "SOFT_SPAN_VS_CRF_COMPARISON.md",
      "report.html",
    ]) {
      const text = readFileSync(join(bundle, file), "utf8");
      for (const label of labels) expect(text.toLowerCase(), `${file}: ${label}`).toContain(label.toLowerCase());
    }
    for (const file of ["FINAL_COMPARISON_SOFT_SPAN_VS_CRF.md", "report.html", "ANALYSIS_INDEX.md"]) {
      const text = readFileSync(join(bundle, file), "utf8");
      for (const pair of ["soft − CRF", "soft − semi-CRF", "CRF − semi-CRF"]) expect(text, `${file}: ${pair}`).toContain(pair);
    }
    const csv = readFileSync(join(bundle, "SOFT_SPAN_VS_CRF_RESULTS.csv"), "utf8");
    expect(csv.split("\r\n")[0]).toBe("metric,soft_span_loss,crf,segment_crf,winner,notes");
    for (const log of ["training_soft_span_2.log", "training_crf_2.log", "training_segment_crf_2.log"]) expect(existsSync(join(bundle, log)), log).toBe(true);
    for (const objective of OBJECTIVES) expect(existsSync(join(bundle, "runs", `${objective}-seed43`, "last.safetensors")), objective).toBe(true);

    // What `spanlab compare` prints at the end: the verdict, the table and the primary metric's pairs.
    const printed = headline(outcome);
    console.log(printed);
    expect(printed).toContain(outcome.result.recommendation.headline);
    expect(printed).toMatch(/soft − segment_crf/);
  });
});
