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
    const results = await runJobs(
      configs.map((config, i) => ({ kind: "train" as const, config, options: { runDirectory: join(dir, `worker-${i}`) } })),
      2,
      (index, event) => {
        if (event.kind === "epoch") events[index]!++;
      },
    );
    expect(events).toEqual([2, 2]);
    for (const [i, config] of configs.entries()) {
      const local = await train(config, { runDirectory: join(dir, `local-${i}`) });
      const bytes = (run: string) => readFileSync(join(run, RUN_FILES.last));
      expect(bytes(results[i]!.runDirectory).equals(bytes(local.runDirectory))).toBe(true);
    }
  });

  it("reports a failing run with its reason", async () => {
    await expect(runJobs([{ kind: "train", config: { loss: "soft", data: "/nonexistent.parquet" }, options: {} }], 1)).rejects.toThrow(
      /1 of 1 training runs failed[\s\S]*no such file/,
    );
  });
});
