import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { writeWindows } from "../data/load.js";
import { DEFAULT_SYNTH_PARAMS, synthesizeWindows } from "../data/synth.js";
import { Rng } from "../util/rng.js";
import { runJobs } from "./parallel.js";
import { RUN_FILES, train } from "./train.js";

describe("training on worker threads", () => {
  it("gives the same checkpoints as training in-process, for several runs at once", async () => {
    const dir = mkdtempSync(join(tmpdir(), "spanlab-parallel-"));
    const data = join(dir, "windows.jsonl");
    writeWindows(data, synthesizeWindows({ ...DEFAULT_SYNTH_PARAMS, windows: 6 }, new Rng(8)));
    const configs = (["soft", "crf"] as const).map((loss) => ({ loss, data, epochs: 2, batchSize: 8, seed: 2 }));
    const events: number[] = [0, 0];
    const done: number[] = [];
    const results = await runJobs(
      configs.map((config, i) => ({ kind: "train" as const, config, options: { runDirectory: join(dir, `worker-${i}`) } })),
      2,
      (index, event) => {
        if (event.kind === "epoch") events[index]!++;
      },
      // Hears of each job once, after its run is complete on disk.
      (index) => {
        expect(events[index]).toBe(2);
        expect(readFileSync(join(dir, `worker-${index}`, RUN_FILES.last)).length).toBeGreaterThan(0);
        done.push(index);
      },
    );
    expect(events).toEqual([2, 2]);
    expect(done.sort()).toEqual([0, 1]);
    for (const [i, config] of configs.entries()) {
      const local = await train(config, { runDirectory: join(dir, `local-${i}`) });
      const bytes = (run: string) => readFileSync(join(run, RUN_FILES.last));
      expect(bytes(results[i]!.runDirectory).equals(bytes(local.runDirectory))).toBe(true);
    }
  });

  it("fails the batch when what follows a finished job throws, naming the job", async () => {
    const dir = mkdtempSync(join(tmpdir(), "spanlab-parallel-"));
    const data = join(dir, "windows.jsonl");
    writeWindows(data, synthesizeWindows({ ...DEFAULT_SYNTH_PARAMS, windows: 6 }, new Rng(8)));
    const job = { kind: "train" as const, config: { loss: "soft" as const, data, epochs: 1, batchSize: 8 }, options: { runDirectory: join(dir, "run") } };
    await expect(
      runJobs([job], 1, undefined, () => {
        throw new Error("the evaluation failed");
      }),
    ).rejects.toThrow(/1 of 1 training runs failed[\s\S]*job 1, after it trained: the evaluation failed/);
  });

  it("reports a failing run with its reason", async () => {
    await expect(runJobs([{ kind: "train", config: { loss: "soft", data: "/nonexistent.parquet" }, options: {} }], 1)).rejects.toThrow(
      /1 of 1 training runs failed[\s\S]*no such file/,
    );
  });
});
