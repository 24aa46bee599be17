/**
 * Crash-safe runs by construction (docs/spec.md §5, "Run folders"): a simulated crash at every file
 * operation of a short run — each temporary file written (left half-written) and each rename — followed
 * by resume gives the same files as an uninterrupted run, byte for byte (wall-clock seconds aside).
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { writeWindows } from "../data/load.js";
import { DEFAULT_SYNTH_PARAMS, synthesizeWindows } from "../data/synth.js";
import { fileOperations, SimulatedCrash, simulateCrashAt } from "../util/files.js";
import { Rng } from "../util/rng.js";
import { COMMIT_FILE } from "./run_commit.js";
import { RUN_FILES, resume, train } from "./train.js";

let dir: string;
let data: string;
const config = () => ({ loss: "crf", data, epochs: 3, batchSize: 8, seed: 11 }) as const;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "spanlab-crash-"));
  data = join(dir, "windows.parquet");
  writeWindows(data, synthesizeWindows({ ...DEFAULT_SYNTH_PARAMS, windows: 6 }, new Rng(3)));
});

afterEach(() => simulateCrashAt(null));

/** Every file of a run folder, with the wall-clock seconds (and the commit's hashes of the files holding them) left out. */
function runFiles(runDirectory: string): Record<string, string> {
  const files: Record<string, string> = {};
  for (const name of readdirSync(runDirectory).sort()) {
    const text = readFileSync(join(runDirectory, name));
    if (name === RUN_FILES.metrics) files[name] = text.toString("utf8").replace(/"wall_seconds":[0-9.e+-]+/g, '"wall_seconds":0');
    else if (name === COMMIT_FILE) {
      const commit = JSON.parse(text.toString("utf8")) as { files: Record<string, string> };
      delete commit.files[RUN_FILES.metrics];
      files[name] = JSON.stringify(commit);
    } else files[name] = text.toString("base64");
  }
  return files;
}

describe("a run killed at any file operation", () => {
  it("resumes to the files of an uninterrupted run, at every write and rename of a 3-epoch run", async () => {
    const reference = join(dir, "reference");
    simulateCrashAt(null);
    await train(config(), { runDirectory: reference });
    const points = fileOperations();
    // config.json (write, rename), then per epoch 4–5 files as .next (write, rename each), the commit (write, rename) and 4–5 renames.
    expect(points).toBeGreaterThanOrEqual(2 + 3 * (2 * 4 + 2 + 4));
    const expected = runFiles(reference);
    const outcomes = { resumed: 0, restarted: 0 };
    for (let n = 1; n <= points; n++) {
      const run = join(dir, `crash-${n}`);
      simulateCrashAt(n);
      await expect(train(config(), { runDirectory: run })).rejects.toThrow(SimulatedCrash);
      simulateCrashAt(null);
      // Killed before config.json landed, the folder holds only a temporary file: train into it again.
      if (existsSync(join(run, RUN_FILES.config))) {
        await resume(run);
        outcomes.resumed++;
      } else {
        await train(config(), { runDirectory: run });
        outcomes.restarted++;
      }
      expect({ n, files: runFiles(run) }).toEqual({ n, files: expected });
    }
    expect(outcomes.restarted).toBe(2);
    expect(outcomes.resumed).toBe(points - 2);
  });

  it("refuses to resume a run whose committed file was changed outside spanlab, naming it", async () => {
    const run = join(dir, "tampered");
    await train({ ...config(), epochs: 2 }, { runDirectory: run, stopAfterEpochs: 1 });
    writeFileSync(join(run, RUN_FILES.last), "not a checkpoint");
    await expect(resume(run)).rejects.toThrow(`${join(run, RUN_FILES.last)}: its content does not match epoch 1 of commit.json`);
  });
});

describe("a run on a full disk", () => {
  it("fails naming the file, keeps its last whole epoch, and resumes to identical files once there is space", async (context) => {
    const mount = join(dir, "small-disk");
    mkdirSync(mount, { recursive: true });
    // A real full disk needs a small tmpfs, which needs root and mount rights; skip where the machine has neither.
    const mounted = spawnSync("mount", ["-t", "tmpfs", "-o", "size=2600k", "tmpfs", mount]).status === 0;
    if (!mounted) {
      console.warn("skipped: cannot mount a small tmpfs here (needs root and mount rights) to fill a disk for real");
      context.skip();
    }
    try {
      const reference = join(dir, "reference-full-disk");
      await train({ ...config(), epochs: 4 }, { runDirectory: reference });
      const run = join(mount, "run");
      // An epoch's files take about 1.6 MB and its .next copies as much again: the second epoch cannot commit.
      await expect(train({ ...config(), epochs: 4 }, { runDirectory: run })).rejects.toThrow(/^writing .*small-disk\/run\/.*ENOSPC.*the disk is full/);
      expect(JSON.parse(readFileSync(join(run, COMMIT_FILE), "utf8")).epoch).toBe(1);
      expect(spawnSync("mount", ["-o", "remount,size=64m", mount]).status).toBe(0);
      await resume(run);
      expect(runFiles(run)).toEqual(runFiles(reference));
    } finally {
      spawnSync("umount", [mount]);
    }
  });
});

describe("a run resumed from another working directory", () => {
  it("finds its data: config.json holds the data's absolute path", async () => {
    const cwd = process.cwd();
    process.chdir(dir);
    let run: string;
    try {
      run = (await train({ ...config(), data: "windows.parquet", epochs: 2 }, { runDirectory: join(dir, "relative"), stopAfterEpochs: 1 })).runDirectory;
    } finally {
      process.chdir(cwd);
    }
    expect(JSON.parse(readFileSync(join(run, RUN_FILES.config), "utf8")).config.data).toBe(data);
    expect((await resume(run)).records).toHaveLength(2);
  });
});
