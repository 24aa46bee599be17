/**
 * A compare killed at any of its own file operations (compare_config.json, comparison.json, every file
 * of the bundle; the runs' own writes are src/train/crash_safety.test.ts's) is finished by --resume (or,
 * killed before compare_config.json landed, by the same compare again) into a complete bundle whose model
 * is the uninterrupted one's, wall-clock times aside.
 */
import { cpSync, linkSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { writeWindows } from "../data/load.js";
import { DEFAULT_SYNTH_PARAMS, synthesizeWindows } from "../data/synth.js";
import { bundleComplete } from "../report/bundle.js";
import { fileOperations, SimulatedCrash, simulateCrashAt } from "../util/files.js";
import { Rng } from "../util/rng.js";
import { compareAndWriteBundle, resumeAndWriteBundle } from "./compare.js";

let dir: string;
let data: string;
// The reference pair keeps the crash points few (every objective adds its runs' write points); compare_objectives.test.ts covers three.
const tiny = { objectives: ["soft", "crf"], epochs: 1, seeds: 2, batchSize: 8, workers: 2, bootstrapResamples: 50, sensitivity: "none" } as const;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "spanlab-compare-crash-"));
  data = join(dir, "windows.parquet");
  writeWindows(data, synthesizeWindows({ ...DEFAULT_SYNTH_PARAMS, windows: 8 }, new Rng(9)));
});

afterEach(() => simulateCrashAt(null));

/** comparison.json without what differs between two honest compares: the time it was made and wall-clock seconds. */
function model(bundle: string): unknown {
  const result = JSON.parse(readFileSync(join(bundle, "comparison.json"), "utf8"));
  delete result.created;
  result.metrics = result.metrics.filter((m: { key: string }) => m.key !== "train_seconds");
  result.resultRows = result.resultRows.filter((r: { key?: string }) => r.key !== "train_seconds");
  for (const run of result.runs) {
    delete run.headline.train_seconds;
    delete run.training.wallSeconds;
    for (const record of run.records) delete record.wall_seconds;
  }
  return result;
}

/** Hard links of every file under `from` (the bundle writer only reads the runs, and writes nothing in place). */
function linkTree(from: string, to: string): void {
  mkdirSync(to, { recursive: true });
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    if (entry.isDirectory()) linkTree(join(from, entry.name), join(to, entry.name));
    else linkSync(join(from, entry.name), join(to, entry.name));
  }
}

/** Every file of a bundle folder (runs/ aside), by relative path. */
function files(bundle: string): string[] {
  return readdirSync(bundle, { recursive: true, encoding: "utf8" })
    .filter((name) => !name.startsWith("runs") && statSync(join(bundle, name)).isFile())
    .map((name) => relative(bundle, join(bundle, name)))
    .sort();
}

describe("a compare killed at any of its file operations", () => {
  it("is finished into a complete bundle: killed while writing its state, the same model; killed while writing its bundle, the same files", async () => {
    const reference = join(dir, "reference");
    simulateCrashAt(null);
    await compareAndWriteBundle({ ...tiny, data, out: reference });
    const points = fileOperations();
    const expectedModel = model(reference);
    const expectedFiles = files(reference);

    // Its state: compare_config.json (a write and a rename), then comparison.json (the same), before the bundle.
    for (let n = 1; n <= 4; n++) {
      const out = join(dir, `state-crash-${n}`);
      simulateCrashAt(n);
      await expect(compareAndWriteBundle({ ...tiny, data, out })).rejects.toThrow(SimulatedCrash);
      simulateCrashAt(null);
      expect(bundleComplete(out)).toBe(false);
      if (n <= 2) await compareAndWriteBundle({ ...tiny, data, out });
      else await resumeAndWriteBundle(out);
      expect({ n, complete: bundleComplete(out), files: files(out) }).toEqual({ n, complete: true, files: expectedFiles });
      expect(model(out)).toEqual(expectedModel);
    }

    // Its bundle: every write and rename of every document, plot and the manifest, from the reference's
    // runs and model, so the finished files must equal the reference's byte for byte.
    const bundlePoints = points - 4;
    expect(bundlePoints).toBeGreaterThan(60);
    const expectedBytes = Object.fromEntries(expectedFiles.map((name) => [name, readFileSync(join(reference, name)).toString("base64")]));
    for (let n = 1; n <= bundlePoints; n++) {
      const out = join(dir, `bundle-crash-${n}`);
      linkTree(join(reference, "runs"), join(out, "runs"));
      for (const name of ["compare_config.json", "comparison.json"]) cpSync(join(reference, name), join(out, name));
      simulateCrashAt(n);
      await expect(resumeAndWriteBundle(out)).rejects.toThrow(SimulatedCrash);
      simulateCrashAt(null);
      expect(bundleComplete(out)).toBe(false);
      await resumeAndWriteBundle(out);
      const bytes = Object.fromEntries(files(out).map((name) => [name, readFileSync(join(out, name)).toString("base64")]));
      expect({ n, same: JSON.stringify(bytes) === JSON.stringify(expectedBytes) }).toEqual({ n, same: true });
    }
  }, 900_000);
});
