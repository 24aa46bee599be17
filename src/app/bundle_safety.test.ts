/**
 * Bundles complete or absent (docs/spec.md §7): a compare that cannot start leaves nothing; --out onto a
 * foreign folder is refused; a bundle killed after its model is re-rendered by --resume and called
 * complete only when every file matches its manifest; no write goes through a link; resume works from
 * another working directory.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { writeWindows } from "../data/load.js";
import { DEFAULT_SYNTH_PARAMS, synthesizeWindows } from "../data/synth.js";
import { BUNDLE_MANIFEST, bundleComplete } from "../report/bundle.js";
import { Rng } from "../util/rng.js";
import { compareAndWriteBundle, resumeAndWriteBundle } from "./compare.js";

let dir: string;
let data: string;
const tiny = { epochs: 1, seeds: 2, batchSize: 8, workers: 2, bootstrapResamples: 50, sensitivity: "none" } as const;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "spanlab-bundle-safety-"));
  data = join(dir, "windows.parquet");
  writeWindows(data, synthesizeWindows({ ...DEFAULT_SYNTH_PARAMS, windows: 8 }, new Rng(9)));
});

describe("bundles complete or absent", () => {
  it("a compare that fails on its data leaves no folder behind", async () => {
    const bad = join(dir, "bad.jsonl");
    writeFileSync(bad, '{"window_id": "w1"}\n');
    const root = join(dir, "roots");
    await expect(compareAndWriteBundle({ ...tiny, data: bad, root })).rejects.toThrow(bad);
    expect(existsSync(root) ? readdirSync(root) : []).toEqual([]);
    const out = join(dir, "bad-out");
    await expect(compareAndWriteBundle({ ...tiny, data: bad, out })).rejects.toThrow(bad);
    expect(existsSync(out)).toBe(false);
  });

  it("refuses --out onto a folder of someone else's files", async () => {
    const out = join(dir, "user-folder");
    mkdirSync(out);
    writeFileSync(join(out, "report.html"), "mine");
    await expect(compareAndWriteBundle({ ...tiny, data, out })).rejects.toThrow(`${out} is not empty and not a spanlab comparison`);
    expect(readdirSync(out)).toEqual(["report.html"]);
  });

  it("re-renders a bundle killed after comparison.json, and calls it complete only when every file matches its manifest", async () => {
    const out = join(dir, "bundle");
    const first = await compareAndWriteBundle({ ...tiny, data: relative(process.cwd(), data), out });
    expect(bundleComplete(out)).toBe(true);
    // Stored by absolute path, so resume works from anywhere.
    expect(first.result.data.path).toBe(data);
    // Killed before the documents: only runs/, compare_config.json and comparison.json are left.
    const documents = first.files.map((f) => relative(out, f));
    for (const name of documents) rmSync(join(out, name), { force: true });
    expect(bundleComplete(out)).toBe(false);
    const cwd = process.cwd();
    process.chdir(tmpdir());
    try {
      const again = await resumeAndWriteBundle(out);
      expect(again.files.map((f) => relative(out, f)).sort()).toEqual([...documents].sort());
    } finally {
      process.chdir(cwd);
    }
    expect(bundleComplete(out)).toBe(true);
    await expect(resumeAndWriteBundle(out)).rejects.toThrow(`this comparison is already complete (every file its ${BUNDLE_MANIFEST} names`);
    // One changed file makes it incomplete again, and resume rewrites it.
    writeFileSync(join(out, "report.html"), "changed");
    expect(bundleComplete(out)).toBe(false);
    await resumeAndWriteBundle(out);
    expect(bundleComplete(out)).toBe(true);
  });

  it("never writes through a link out of the bundle", async () => {
    const out = join(dir, "linked");
    const outside = join(dir, "outside");
    mkdirSync(outside);
    const first = await compareAndWriteBundle({ ...tiny, data, out });
    rmSync(join(out, "comparison.json"));
    const run = join(out, first.result.runs[0]!.runDirectory);
    rmSync(run, { recursive: true });
    symlinkSync(outside, run);
    await expect(resumeAndWriteBundle(out)).rejects.toThrow(`${run} is a symbolic link; spanlab never writes through a link out of ${out}`);
    expect(readdirSync(outside)).toEqual([]);
  });
});
