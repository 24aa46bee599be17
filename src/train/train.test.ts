import { mkdtempSync, readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { writeWindows } from "../data/load.js";
import { DEFAULT_SYNTH_PARAMS, synthesizeWindows } from "../data/synth.js";
import { Rng } from "../util/rng.js";
import { parseMetrics, type EpochRecord } from "./records.js";
import { resume, RUN_FILES, train } from "./train.js";

let dir: string;
let data: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "spanlab-train-"));
  data = join(dir, "windows.parquet");
  writeWindows(data, synthesizeWindows({ ...DEFAULT_SYNTH_PARAMS, windows: 8 }, new Rng(3)));
});

const base = { data: "", epochs: 3, batchSize: 6, seed: 5 } as const;

function withoutWallTime(records: EpochRecord[]): Omit<EpochRecord, "wall_seconds">[] {
  return records.map(({ wall_seconds: _, ...rest }) => rest);
}

function read(run: string, name: keyof typeof RUN_FILES): Buffer {
  return readFileSync(join(run, RUN_FILES[name]));
}

describe.each(["soft", "crf"] as const)("train (%s head)", (loss) => {
  it("writes the whole run folder, and the same seed gives identical checkpoints and metrics", async () => {
    const config = { ...base, loss, data };
    const a = await train(config, { runDirectory: join(dir, `${loss}-a`) });
    const b = await train(config, { runDirectory: join(dir, `${loss}-b`) });
    expect(a.complete).toBe(true);
    expect(a.records).toHaveLength(3);
    for (const name of ["best", "last", "state"] as const) expect(read(a.runDirectory, name).equals(read(b.runDirectory, name))).toBe(true);
    const metrics = parseMetrics(read(a.runDirectory, "metrics").toString(), "a");
    expect(withoutWallTime(metrics)).toEqual(withoutWallTime(parseMetrics(read(b.runDirectory, "metrics").toString(), "b")));
    expect(metrics.map((r) => r.epoch)).toEqual([1, 2, 3]);
    for (const record of metrics) {
      for (const value of [record.train.weighted, record.validation.unweighted, record.span.f1, record.probability.separation]) {
        expect(Number.isFinite(value)).toBe(true);
      }
      expect(Object.values(record.task_weights).reduce((s, w) => s + w, 0)).toBeCloseTo(1, 10);
    }
    const log = read(a.runDirectory, "log").toString();
    expect(log).toMatch(/^Epoch 3\/3: train_loss=\d+\.\d{4}, val_loss=\d+\.\d{4}, span_F1=\d\.\d{3}, span_P=\d\.\d{3}, span_R=\d\.\d{3}$/m);
    expect(log).toContain(`val_loss=${metrics[2]!.validation.unweighted.toFixed(4)}`);
    const manifest = JSON.parse(read(a.runDirectory, "config").toString());
    expect(manifest.data.sha256).toMatch(/^[0-9a-f]{64}$/);
    // `auto` is a group split for windows without bar times; config.json records both.
    expect(manifest.config).toMatchObject({ loss, seed: 5, epochs: 3, batchSize: 6, split: "auto", posWeight: "balanced" });
    // balanced = (1 − π)/π of the training windows' in-span rate, resolved once and recorded.
    const rate = manifest.pos_weight.training_in_span_rate;
    expect(rate).toBeGreaterThan(0);
    expect(manifest.pos_weight.value).toBeCloseTo((1 - rate) / rate, 12);
    expect(manifest.split).toMatchObject({ kind: "group", requested: "auto", purged_windows: 0, embargo_bars: null });
    expect(manifest.split.train_windows + manifest.split.validation_windows).toBe(manifest.data.windows);
  });

  it("resumes an interrupted run to the same weights as an uninterrupted one", async () => {
    const config = { ...base, loss, data };
    const full = await train(config, { runDirectory: join(dir, `${loss}-full`) });
    const partial = await train(config, { runDirectory: join(dir, `${loss}-partial`), stopAfterEpochs: 1 });
    expect(partial.complete).toBe(false);
    expect(partial.records).toHaveLength(1);
    const resumed = await resume(partial.runDirectory);
    expect(resumed.complete).toBe(true);
    for (const name of ["best", "last", "state"] as const) {
      expect(read(resumed.runDirectory, name).equals(read(full.runDirectory, name)), name).toBe(true);
    }
    expect(withoutWallTime(resumed.records)).toEqual(withoutWallTime(full.records));
    const fullLog = read(full.runDirectory, "log").toString();
    expect(read(resumed.runDirectory, "log").toString()).toBe(fullLog);
  });
});

describe("train refuses", () => {
  it("to reuse a run folder that holds files", async () => {
    const run = join(dir, "taken");
    mkdirSync(run);
    writeFileSync(join(run, "notes.txt"), "keep me");
    await expect(train({ ...base, loss: "soft", data }, { runDirectory: run })).rejects.toThrow(/never reused/);
    expect(readFileSync(join(run, "notes.txt"), "utf8")).toBe("keep me");
  });

  it("a bad configuration, naming the field", async () => {
    await expect(train({ ...base, loss: "soft", data, epochs: 0 })).rejects.toThrow(/epochs/);
  });

  it("to resume when the data changed", async () => {
    const copy = join(dir, "copy.parquet");
    writeFileSync(copy, readFileSync(data));
    const run = await train({ ...base, loss: "soft", data: copy }, { runDirectory: join(dir, "changed"), stopAfterEpochs: 1 });
    writeWindows(copy, synthesizeWindows({ ...DEFAULT_SYNTH_PARAMS, windows: 8 }, new Rng(4)), { overwrite: true });
    await expect(resume(run.runDirectory)).rejects.toThrow(/changed since the run started/);
  });
});

describe("train on a split named by window id", () => {
  it("trains and validates on exactly the windows named, and refuses ids that are unknown or on both sides", async () => {
    const windows = synthesizeWindows({ ...DEFAULT_SYNTH_PARAMS, windows: 6 }, new Rng(3));
    const file = join(dir, "explicit.jsonl");
    writeWindows(file, windows);
    const ids = windows.map((w) => w.window_id);
    const validation = ids.filter((_, i) => i % 4 === 1);
    const trainIds = ids.filter((_, i) => i % 4 !== 1 && i % 4 !== 3);
    const run = await train({ ...base, epochs: 1, data: file, explicitSplit: { train: trainIds, validation } }, { runDirectory: join(dir, "explicit") });
    const manifest = JSON.parse(read(run.runDirectory, "config").toString());
    expect(manifest.split).toMatchObject({ kind: "explicit", train_windows: trainIds.length, validation_windows: validation.length, purged_windows: 0 });
    expect(manifest.split.validation_window_ids).toEqual(validation);
    await expect(train({ ...base, data: file, explicitSplit: { train: ["nope"], validation } }, { runDirectory: join(dir, "explicit-bad") })).rejects.toThrow(
      /train window id "nope" is not a window of the file/,
    );
    await expect(
      train({ ...base, data: file, explicitSplit: { train: [...trainIds, validation[0]!], validation } }, { runDirectory: join(dir, "explicit-both") }),
    ).rejects.toThrow(/is on both sides/);
  });
});
