import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeWindows } from "../data/load.js";
import { DEFAULT_SYNTH_PARAMS, synthesizeWindows } from "../data/synth.js";
import { Rng } from "../util/rng.js";
import { lockFolder } from "../util/lock.js";
import { configDiff, formatConfigDiff } from "./config_diff.js";
import { configurationLabel, gridConfigurations, resumeSweep, sweep } from "./sweep.js";
import type { ComparisonResult } from "./types.js";

let dir: string;
let data: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "spanlab-sweep-"));
  data = join(dir, "windows.jsonl");
  writeWindows(data, synthesizeWindows({ ...DEFAULT_SYNTH_PARAMS, windows: 10 }, new Rng(21)));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("sweep grids", () => {
  it("crosses every listed value, the first setting varying slowest, and names each configuration", () => {
    const configurations = gridConfigurations({ epochs: [50, 100], position: [false, true] });
    expect(configurations).toEqual([
      { epochs: 50, position: false },
      { epochs: 50, position: true },
      { epochs: 100, position: false },
      { epochs: 100, position: true },
    ]);
    expect(configurationLabel(configurations[1]!)).toEqual({ label: "epochs 50, position on", folder: "epochs50-positionon" });
    expect(configurationLabel({ posWeight: "balanced*2" }).label).toBe("posWeight balanced × 2");
    expect(() => gridConfigurations({ epochs: [] })).toThrow(/epochs lists no value/);
    expect(() => gridConfigurations({ epochs: [5, 5] })).toThrow(/lists a value twice/);
  });

  it("runs each configuration as a paired comparison, keeps finished ones on resume, and diffs two configurations' runs", async () => {
    const out = join(dir, "sweep");
    const { result } = await sweep({ data, grid: { epochs: [1, 2] }, seeds: 2, workers: 2, out });
    expect(result.configurations.map((c) => c.label)).toEqual(["epochs 1", "epochs 2"]);
    // The default objectives, resolved once and stored, so a resume under a later default compares the same.
    expect(result.objectives).toEqual(["soft", "crf", "segment_crf"]);
    expect(JSON.parse(readFileSync(join(out, "sweep_config.json"), "utf8")).objectives).toEqual(["soft", "crf", "segment_crf"]);
    // Each row's figures are its own comparison's.
    for (const row of result.configurations) {
      const own = JSON.parse(readFileSync(join(out, row.bundle, "comparison.json"), "utf8")) as ComparisonResult;
      const f1 = own.metrics.find((m) => m.key === "f1_native")!;
      expect(row.metrics.f1_native!.byObjective.soft!.mean).toBe(f1.byObjective.soft!.mean);
      expect(own.protocol.epochs).toBe(row.settings.epochs);
      expect(own.sensitivity).toBeNull();
    }
    // Best per objective: the highest seed-mean F1 among the rows.
    for (const objective of result.objectives) {
      const values = result.configurations.map((c) => c.metrics.f1_native!.byObjective[objective]!.mean);
      expect(result.best[objective]!.f1.mean).toBe(Math.max(...values));
    }
    expect(existsSync(join(out, "sweep.json"))).toBe(true);
    await expect(resumeSweep(out)).rejects.toThrow(/already complete/);
    await expect(sweep({ data, grid: { epochs: [1, 2] }, out })).rejects.toThrow(/never overwritten/);
    // Two runs of the same objective and seed in two configurations differ in their epochs only.
    const diff = configDiff(join(out, "configs/epochs1/runs/soft-seed42"), join(out, "configs/epochs2/runs/soft-seed42"));
    expect(diff.differences.map((d) => [d.key, d.a, d.b])).toEqual([["config.epochs", 1, 2]]);
    expect(formatConfigDiff(diff)).toContain("config.epochs  1 → 2");
    expect(configDiff(join(out, "configs/epochs1"), join(out, "configs/epochs2")).differences.map((d) => d.key)).toContain("protocol.epochs");
    expect(() => configDiff(join(out, "configs/epochs1"), join(out, "configs/epochs2/runs/soft-seed42"))).toThrow(/compare two runs or two comparisons/);
    // One writer per sweep folder: a resume while another holds the folder is refused, then finishes once it is free.
    rmSync(join(out, "sweep.json"));
    const release = lockFolder(out, "another sweep");
    await expect(resumeSweep(out)).rejects.toThrow(/is being written by process .*another sweep/);
    release();
    const resumed = await resumeSweep(out);
    expect(resumed.result.configurations.map((c) => c.metrics.f1_native!.byObjective.soft!.mean)).toEqual(
      result.configurations.map((c) => c.metrics.f1_native!.byObjective.soft!.mean),
    );
  });
});
