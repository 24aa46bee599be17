/**
 * `spanlab predict` in-process: the JSON it writes agrees with the library on the same checkpoint and
 * windows, an existing --out is never replaced without --force, and the bundled data is the default.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { makeWindows } from "../../test/fixtures/data/windows.js";
import { writeWindows } from "../data/load.js";
import { loadCheckpoint, saveCheckpoint } from "../model/checkpoint.js";
import { JadeCompact } from "../model/jade_compact.js";
import type { SpanLoss } from "../model/parameters.js";
import { predictWindows, type PredictionReport } from "../predict/predict.js";
import { defaultDataPath } from "../util/package.js";
import { Rng } from "../util/rng.js";
import { buildProgram } from "./main.js";

/** Runs `spanlab …` in-process; returns what it printed. */
async function run(args: string[]): Promise<string> {
  let stdout = "";
  vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
    stdout += typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8");
    return true;
  });
  try {
    await buildProgram().parseAsync(["node", "spanlab", ...args]);
  } finally {
    vi.restoreAllMocks();
  }
  return stdout;
}

afterEach(() => vi.restoreAllMocks());

/** A folder with a seeded checkpoint and a 3-window JSONL file. */
function setup(loss: SpanLoss) {
  const folder = mkdtempSync(join(tmpdir(), "spanlab-predict-"));
  const model = new JadeCompact({ loss, maxBatch: 1 });
  model.initialise(new Rng(21));
  const checkpoint = join(folder, "model.safetensors");
  saveCheckpoint(checkpoint, model, { epoch: 1 });
  const windows = makeWindows(3);
  const data = join(folder, "windows.jsonl");
  writeWindows(data, windows);
  return { folder, checkpoint, data, windows };
}

describe("spanlab predict", () => {
  it("writes every window's prediction as the library computes it, with a summary line", async () => {
    const { folder, checkpoint, data, windows } = setup("crf");
    const out = join(folder, "predictions.json");
    const stdout = await run(["predict", "--checkpoint", checkpoint, "--data", data, "--out", out, "--threshold", "0.4"]);

    const report = JSON.parse(readFileSync(out, "utf8")) as PredictionReport;
    expect(report.checkpoint).toBe(checkpoint);
    expect(report.data).toBe(data);
    expect(report.loss_type).toBe("crf");
    expect(report.decoding.threshold).toBe(0.4);
    expect(report.decoding.viterbi_path).toMatch(/Viterbi/);
    expect(report.windows.map((w) => w.window_id)).toEqual(["w0", "w1", "w2"]);
    const { model } = loadCheckpoint(checkpoint, { maxBatch: 3 });
    // JSON keeps every float exactly, so the file equals the library's output.
    expect(report.windows).toEqual(predictWindows(model, windows, { threshold: 0.4 }));
    const hits = report.windows.filter((w) => w.span_iou >= 0.5).length;
    expect(report.summary.span_hits).toBe(hits);
    expect(stdout).toBe(
      `${out}: 3 windows, crf head, mean p in span ${report.summary.mean_in_span_probability.toFixed(3)} ` +
        `(out of span ${report.summary.mean_out_of_span_probability.toFixed(3)}), decoded span IoU ≥ 0.5 in ${hits}/3 windows\n`,
    );
  });

  it("refuses to replace an existing --out without --force, and replaces it with --force", async () => {
    const { folder, checkpoint, data } = setup("soft");
    const out = join(folder, "predictions.json");
    await run(["predict", "--checkpoint", checkpoint, "--data", data, "--out", out, "--threshold", "0.9"]);
    const first = readFileSync(out, "utf8");
    await expect(run(["predict", "--checkpoint", checkpoint, "--data", data, "--out", out])).rejects.toThrow(
      `${out} already exists; choose another --out or pass --force to replace it`,
    );
    expect(readFileSync(out, "utf8")).toBe(first);
    await run(["predict", "--checkpoint", checkpoint, "--data", data, "--out", out, "--force"]);
    const replaced = JSON.parse(readFileSync(out, "utf8")) as PredictionReport;
    expect(replaced.decoding.threshold).toBe(0.5);
    expect(readdirSync(folder).filter((name) => name.endsWith(".tmp"))).toEqual([]);
  });

  it("refuses bad flags and a bad checkpoint before writing anything", async () => {
    const { folder, checkpoint, data } = setup("soft");
    const out = join(folder, "predictions.json");
    await expect(run(["predict", "--checkpoint", checkpoint, "--data", data, "--out", out, "--threshold", "1.5"])).rejects.toThrow(
      '--threshold must be a number in [0, 1], got "1.5"',
    );
    await expect(run(["predict", "--checkpoint", checkpoint, "--data", data, "--out", out, "--batch-size", "0"])).rejects.toThrow(
      '--batch-size must be a positive integer, got "0"',
    );
    await expect(run(["predict", "--checkpoint", data, "--data", data, "--out", out])).rejects.toThrow(`${data}: invalid safetensors`);
    expect(existsSync(out)).toBe(false);
  });

  it("uses the bundled dataset when no --data is given", async () => {
    const { folder, checkpoint } = setup("soft");
    const out = join(folder, "predictions.json");
    const stdout = await run(["predict", "--checkpoint", checkpoint, "--out", out]);
    const report = JSON.parse(readFileSync(out, "utf8")) as PredictionReport;
    expect(report.data).toBe(defaultDataPath());
    expect(report.windows.length).toBeGreaterThan(100);
    expect(report.summary.windows).toBe(report.windows.length);
    expect(stdout).toMatch(new RegExp(`^${out}: ${report.windows.length} windows, soft head`));
  });
});
