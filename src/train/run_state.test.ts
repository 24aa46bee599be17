/**
 * Resume reads nothing unchecked: each bad config.json, training state or checkpoint ends in an error
 * naming the file and the field (the folder's commit updated too, so the check under test is the one
 * that fires, not the commit's hash check).
 */
import { createHash } from "node:crypto";
import { execFileSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { writeWindows } from "../data/load.js";
import { DEFAULT_SYNTH_PARAMS, synthesizeWindows } from "../data/synth.js";
import { readSafetensorsFile, writeSafetensors } from "../model/safetensors.js";
import { Rng } from "../util/rng.js";
import { COMMIT_FILE } from "./run_commit.js";
import { RUN_FILES, resume, train } from "./train.js";

let dir: string;
let pristine: string;
let counter = 0;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "spanlab-state-"));
  const data = join(dir, "windows.parquet");
  writeWindows(data, synthesizeWindows({ ...DEFAULT_SYNTH_PARAMS, windows: 6 }, new Rng(4)));
  pristine = join(dir, "pristine");
  await train({ loss: "soft", data, epochs: 3, batchSize: 8, seed: 2 }, { runDirectory: pristine, stopAfterEpochs: 2 });
});

/** A copy of the 2-of-3-epoch run with `name` replaced by `content`, its commit hash updated to match. */
function runWith(name: string, content: string | Uint8Array): string {
  const run = join(dir, `case-${counter++}`);
  cpSync(pristine, run, { recursive: true });
  writeFileSync(join(run, name), content);
  const commitPath = join(run, COMMIT_FILE);
  const commit = JSON.parse(readFileSync(commitPath, "utf8")) as { files: Record<string, string> };
  if (name in commit.files) commit.files[name] = createHash("sha256").update(content).digest("hex");
  writeFileSync(commitPath, JSON.stringify(commit));
  return run;
}

/** The state file with metadata `changes` applied (null deletes a key) and tensors changed by `edit`. */
function stateWith(
  changes: Record<string, string | null>,
  edit?: (tensors: Map<string, { dtype: "F32"; shape: number[]; data: Float32Array }>) => void,
): Uint8Array {
  const file = readSafetensorsFile(join(pristine, RUN_FILES.state));
  const metadata: Record<string, string> = { ...file.metadata };
  for (const [key, value] of Object.entries(changes)) {
    if (value === null) delete metadata[key];
    else metadata[key] = value;
  }
  const tensors = new Map(
    [...file.tensors].map(([name, t]) => [name, { dtype: "F32" as const, shape: [...t.shape], data: Float32Array.from(t.data as Float32Array) }]),
  );
  edit?.(tensors);
  return writeSafetensors(tensors, metadata);
}

describe("resume refuses a bad run folder, naming file and field", () => {
  it.each([
    ["an empty config.json", RUN_FILES.config, "", "config.json: the run configuration (config.json) is empty; expected the run's configuration"],
    ["a config.json that is not JSON", RUN_FILES.config, "{oops", "config.json: the run configuration (config.json) is not valid JSON"],
    ["a config.json without its data hash", RUN_FILES.config, '{"config": {}, "data": {"path": "x"}}', "config.json: field data.sha256"],
    ["a config.json with a bad setting", RUN_FILES.config, null, "config.json: invalid training configuration:\n  epochs"],
  ])("%s", async (_what, name, content, message) => {
    let text = content;
    if (text === null) {
      const manifest = JSON.parse(readFileSync(join(pristine, RUN_FILES.config), "utf8"));
      manifest.config.epochs = -3;
      text = JSON.stringify(manifest);
    }
    await expect(resume(runWith(name, text))).rejects.toThrow(message);
  });

  it.each([
    ["no rng_state", { rng_state: null }, "metadata field rng_state"],
    ["an all-zero rng_state", { rng_state: "[0,0,0,0]" }, "metadata field rng_state: all zeros"],
    ["epoch 0", { epoch: "0" }, "metadata field epoch: the epoch: at least 1"],
    ["a hexadecimal epoch", { epoch: "0x2" }, "metadata field epoch: the epoch: a decimal integer"],
    ["a NaN best validation loss", { best_validation_loss: "NaN" }, "metadata field best_validation_loss: a finite number"],
    ["an unknown format", { format: "something-else" }, "metadata field format"],
    ["a best epoch after the epoch", { best_epoch: "9" }, "metadata field best_epoch: 9 is after the state's epoch 2"],
  ])("a training state with %s", async (_what, changes, message) => {
    await expect(resume(runWith(RUN_FILES.state, stateWith(changes)))).rejects.toThrow(`${RUN_FILES.state}: ${message}`);
  });

  it("a training state with NaN or negative moments, and weights with NaN", async () => {
    const nan = stateWith({}, (t) => {
      t.get("optimizer.first_moment")!.data[7] = Number.NaN;
    });
    await expect(resume(runWith(RUN_FILES.state, nan))).rejects.toThrow("optimizer.first_moment[7] is NaN; a saved optimizer state must be finite");
    const negative = stateWith({}, (t) => {
      t.get("optimizer.second_moment")!.data[3] = -1;
    });
    await expect(resume(runWith(RUN_FILES.state, negative))).rejects.toThrow("optimizer.second_moment[3] is -1; a second moment is never negative");
    const last = readSafetensorsFile(join(pristine, RUN_FILES.last));
    const [name, tensor] = [...last.tensors][0]!;
    const values = Float32Array.from(tensor.data as Float32Array);
    values[0] = Number.POSITIVE_INFINITY;
    const broken = writeSafetensors(
      new Map([...last.tensors].map(([n, t]) => [n, n === name ? { dtype: "F32" as const, shape: [...t.shape], data: values } : t])) as never,
      last.metadata,
    );
    await expect(resume(runWith(RUN_FILES.last, broken))).rejects.toThrow(`${RUN_FILES.last}: ${name}[0] is Infinity; a saved weight must be finite`);
  });

  it("a FIFO or a directory where config.json should be", async () => {
    const run = join(dir, "fifo");
    cpSync(pristine, run, { recursive: true });
    rmSync(join(run, RUN_FILES.config));
    execFileSync("mkfifo", [join(run, RUN_FILES.config)]);
    await expect(resume(run)).rejects.toThrow("config.json: the run configuration (config.json) is a FIFO (named pipe); expected a regular file");
    rmSync(join(run, RUN_FILES.config));
    cpSync(join(dir, "pristine"), join(run, RUN_FILES.config), { recursive: true });
    await expect(resume(run)).rejects.toThrow("config.json: the run configuration (config.json) is a directory; expected a regular file");
  });

  it("the pristine copy resumes (the cases above fail for their own reason)", async () => {
    const run = join(dir, "clean");
    cpSync(pristine, run, { recursive: true });
    expect((await resume(run)).records).toHaveLength(3);
  });
});
