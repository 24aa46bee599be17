/**
 * Benchmark of whole training runs at the reference sizes (the bundled dataset: 169 train / 42 validation
 * windows, batch 32, 50 epochs): per objective alone on the main thread, and both objectives at once on two
 * worker threads (one each), as `spanlab compare` runs them.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { train } from "../src/train/train.js";
import { runJobs } from "../src/train/parallel.js";
import { defaultDataPath } from "../src/util/package.js";

export interface EpochBenchResult {
  epochs: number;
  soft: { runSeconds: number; epochSeconds: number };
  crf: { runSeconds: number; epochSeconds: number };
  /** Both 50-epoch runs at the same time, one worker thread each. */
  bothInParallelSeconds: number;
}

export async function runEpochBench(epochs = 50): Promise<EpochBenchResult> {
  const dir = mkdtempSync(join(tmpdir(), "spanlab-bench-"));
  try {
    const config = (loss: "soft" | "crf") => ({ loss, data: defaultDataPath(), epochs });
    const timed = async (loss: "soft" | "crf") => {
      const started = performance.now();
      await train(config(loss), { runDirectory: join(dir, `${loss}-alone`) });
      const runSeconds = (performance.now() - started) / 1000;
      return { runSeconds, epochSeconds: runSeconds / epochs };
    };
    const soft = await timed("soft");
    const crf = await timed("crf");
    const started = performance.now();
    await runJobs(
      (["soft", "crf"] as const).map((loss) => ({ kind: "train" as const, config: config(loss), options: { runDirectory: join(dir, `${loss}-parallel`) } })),
      2,
    );
    return { epochs, soft, crf, bothInParallelSeconds: (performance.now() - started) / 1000 };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
