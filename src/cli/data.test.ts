import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Command } from "commander";
import { dataCommand, registerDataCommands } from "./data.js";
import { formatJsonl } from "../data/jsonl.js";
import { encodeParquet } from "../data/parquet.js";
import { writeWindows } from "../data/load.js";
import { makeWindows } from "../../test/fixtures/data/windows.js";
import { runCli } from "../../test/helpers/cli.js";

const dir = mkdtempSync(join(tmpdir(), "spanlab-cli-data-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => {
  process.exitCode = undefined;
  vi.restoreAllMocks();
});

describe("spanlab data validate", () => {
  it("exits 0 on a clean file and prints a summary", async () => {
    const path = join(dir, "clean.parquet");
    writeWindows(path, makeWindows(3));
    const { stdout, exitCode } = await runCli(["data", "validate", path]);
    expect(exitCode).toBe(0);
    expect(stdout).toBe(`${path}: 3 windows (3 base windows), no problems\n`);
  });

  it("prints every problem, one line each, then a count, and exits 1", async () => {
    const windows = makeWindows(5);
    windows[1]!.features[17]![1] = 0.5;
    windows[3]!.label = "breakout" as never;
    windows[4]!.window_id = "w0";
    const path = join(dir, "bad.parquet");
    writeFileSync(path, encodeParquet(windows));
    const { stdout, exitCode } = await runCli(["data", "validate", path]);
    expect(exitCode).toBe(1);
    const lines = stdout.trimEnd().split("\n");
    expect(lines).toHaveLength(5);
    const [open, , low, close] = windows[1]!.features[17]!;
    expect(lines.slice(0, 2)).toEqual([
      `${path}: row 1 (window_id w1): features[17][1] = 0.5; expected high ≥ max(open, close) = ${Math.max(open, close)}`,
      `${path}: row 1 (window_id w1): features[17] = [${open}, 0.5, ${low}, ${close}]; expected high ≥ low (high 0.5 < low ${low})`,
    ]);
    expect(lines.slice(2, 4)).toEqual([
      `${path}: row 3 (window_id w3): label = "breakout"; expected one of "consolidation", "retracement"`,
      `${path}: row 4 (window_id w0): window_id = "w0"; expected a unique id (row 0 has the same window_id)`,
    ]);
    expect(lines[4]).toBe(`${path}: 4 problem(s) in 3 of 5 rows (rows numbered from 0); 2 rows valid`);
  });

  it("prints the JSONL line of each problem", async () => {
    const windows = makeWindows(2);
    windows[1]!.expansion_start = 104;
    windows[1]!.expansion_end = 3;
    const path = join(dir, "bad.jsonl");
    writeFileSync(path, formatJsonl(windows));
    const { stdout, exitCode } = await runCli(["data", "validate", path]);
    expect(exitCode).toBe(1);
    expect(stdout.split("\n")[0]).toBe(
      `${path}: row 1 (line 2, window_id w1): expansion_start = 104; expected ≤ expansion_end (the span is inclusive: start ≤ end)`,
    );
  });

  it("fails with a clear error naming an unreadable file", async () => {
    const path = join(dir, "cut.parquet");
    const bytes = encodeParquet(makeWindows(2));
    writeFileSync(path, bytes.subarray(0, 100));
    await expect(runCli(["data", "validate", path])).rejects.toThrow(`${path}: not a readable Parquet file`);
  });
});

describe("the data command group", () => {
  it("is shared: registration in any order yields one `data` group other modules can extend", () => {
    const program = new Command();
    const early = dataCommand(program);
    early.command("synth");
    const group = registerDataCommands(program);
    expect(group).toBe(early);
    expect(registerDataCommands(program)).toBe(group);
    expect(program.commands.filter((c) => c.name() === "data")).toHaveLength(1);
    expect(group.commands.map((c) => c.name()).sort()).toEqual(["synth", "validate"]);
  });
});
