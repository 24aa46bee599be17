import { afterAll, describe, expect, it } from "vitest";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { formatJsonl } from "./jsonl.js";
import { encodeParquet } from "./parquet.js";
import { loadWindows, loadWindowsReport, readWindows, windowFormatOf, writeWindows, WindowValidationError } from "./load.js";
import type { Window } from "./window.js";
import { makeWindow, makeWindows } from "../../test/fixtures/data/windows.js";

const dir = mkdtempSync(join(tmpdir(), "spanlab-load-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let counter = 0;
/** A new empty folder per test, so default rejects names never collide across tests. */
function freshDir(): string {
  const path = join(dir, `case-${counter++}`);
  mkdirSync(path);
  return path;
}

/** 6 windows; rows 1 and 4 are bad (a NaN close, a start after its end). */
function mixedWindows(): Window[] {
  const windows = makeWindows(6);
  windows[1]!.features[10]![3] = Number.NaN;
  windows[4]!.expansion_start = 90;
  windows[4]!.expansion_end = 80;
  return windows;
}

function writeRaw(path: string, windows: Window[]): void {
  writeFileSync(path, path.endsWith(".parquet") ? encodeParquet(windows) : formatJsonl(windows));
}

// biome-ignore lint/suspicious/noExplicitAny: the rows are read back to be checked field by field, whatever their shape
function readJsonl(path: string): any[] {
  return readFileSync(path, "utf8")
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line));
}

describe("window file formats by extension", () => {
  it("knows .parquet, .jsonl, .json-lines and .ndjson, case-insensitively", () => {
    expect(windowFormatOf("a/b.PARQUET")).toBe("parquet");
    expect(windowFormatOf("x.jsonl")).toBe("jsonl");
    expect(windowFormatOf("x.json-lines")).toBe("jsonl");
    expect(windowFormatOf("x.ndjson")).toBe("jsonl");
  });

  it("rejects an unknown extension clearly, for reading and writing", async () => {
    expect(() => windowFormatOf("data.csv")).toThrow('data.csv: unknown window file extension ".csv"; use one of .parquet');
    expect(() => writeWindows(join(dir, "w.csv"), makeWindows(1))).toThrow("unknown window file extension");
    await expect(readWindows(join(dir, "w.json"))).rejects.toThrow('unknown window file extension ".json"');
  });

  it("names a missing file", async () => {
    const path = join(dir, "absent.parquet");
    await expect(loadWindows(path)).rejects.toThrow(`${path}: no such file`);
  });
});

describe("writeWindows", () => {
  it("refuses invalid windows and an empty list, writing nothing", () => {
    const path = join(freshDir(), "w.parquet");
    expect(() => writeWindows(path, mixedWindows())).toThrow(/not written, 2 problem\(s\)[\s\S]*row 1 \(window_id w1\): features\[10\]\[3\] = NaN/);
    expect(() => writeWindows(path, [])).toThrow("no windows");
    expect(existsSync(path)).toBe(false);
  });

  it("never replaces an existing file unless asked to", async () => {
    const path = join(freshDir(), "w.jsonl");
    writeWindows(path, makeWindows(2));
    expect(() => writeWindows(path, makeWindows(3))).toThrow("already exists");
    expect(await loadWindows(path)).toHaveLength(2);
    writeWindows(path, makeWindows(3), { overwrite: true });
    expect(await loadWindows(path)).toHaveLength(3);
  });
});

describe("loadWindows", () => {
  for (const extension of [".parquet", ".jsonl"]) {
    it(`refuses a ${extension} file with invalid rows, listing every problem`, async () => {
      const folder = freshDir();
      const path = join(folder, `m${extension}`);
      writeRaw(path, mixedWindows());
      const error = await loadWindows(path).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(WindowValidationError);
      const { problems, message } = error as WindowValidationError;
      expect(problems.map((p) => [p.row, p.field])).toEqual([
        [1, "features[10][3]"],
        [4, "expansion_start"],
      ]);
      expect(message).toContain(`${path}: 2 problem(s) in 2 of 6 rows (rows numbered from 0)`);
      // JSON has no NaN: JSON.stringify wrote it as null, which is reported as such.
      const nan = extension === ".parquet" ? "NaN" : "null";
      expect(message).toContain(`features[10][3] = ${nan}; expected a finite number`);
      expect(message).toContain("expansion_start = 90; expected ≤ expansion_end");
      expect(existsSync(`${path}.rejects.jsonl`)).toBe(false);
    });
  }

  it("caps the listed problems in the error message and counts the rest", async () => {
    const windows = makeWindows(30);
    for (const w of windows) w.label = "other" as Window["label"];
    const path = join(freshDir(), "many.jsonl");
    writeRaw(path, windows);
    const error = (await loadWindows(path).catch((e: unknown) => e)) as WindowValidationError;
    expect(error.problems).toHaveLength(30);
    expect(error.message.match(/: label = "other"/g)).toHaveLength(20);
    expect(error.message).toContain("… and 10 more problem(s)");
  });

  it("with skipInvalid drops bad rows into a rejects file with their reasons, and says so", async () => {
    const path = join(freshDir(), "m.parquet");
    writeRaw(path, mixedWindows());
    const messages: string[] = [];
    const report = await loadWindowsReport(path, { skipInvalid: true, log: (m) => messages.push(m) });
    expect(report.windows.map((w) => w.window_id)).toEqual(["w0", "w2", "w3", "w5"]);
    expect(report.rows).toEqual([0, 2, 3, 5]);
    expect(report.dropped).toBe(2);
    expect(report.rejectsPath).toBe(`${path}.rejects.jsonl`);
    expect(messages).toEqual([`${path}: dropped 2 of 6 rows with 2 problem(s); they and their reasons are in ${path}.rejects.jsonl`]);

    const rejects = readJsonl(`${path}.rejects.jsonl`);
    expect(rejects.map((r) => [r.row, r.window_id])).toEqual([
      [1, "w1"],
      [4, "w4"],
    ]);
    expect(rejects[0].reasons).toEqual([{ field: "features[10][3]", value: "NaN", expected: "a finite number" }]);
    expect(rejects[0].data.features[10][3]).toBe("NaN");
    expect(rejects[1].reasons[0].field).toBe("expansion_start");
    expect(rejects[1].data.expansion_start).toBe(90);
  });

  it("never overwrites a rejects file: later runs get fresh names", async () => {
    const folder = freshDir();
    const path = join(folder, "m.jsonl");
    writeRaw(path, mixedWindows());
    const log = () => {};
    const first = await loadWindowsReport(path, { skipInvalid: true, log });
    const firstText = readFileSync(first.rejectsPath!, "utf8");
    const second = await loadWindowsReport(path, { skipInvalid: true, log });
    const third = await loadWindowsReport(path, { skipInvalid: true, log });
    expect([first.rejectsPath, second.rejectsPath, third.rejectsPath]).toEqual([`${path}.rejects.jsonl`, `${path}.rejects-2.jsonl`, `${path}.rejects-3.jsonl`]);
    expect(readFileSync(first.rejectsPath!, "utf8")).toBe(firstText);

    const nested = await loadWindowsReport(path, { skipInvalid: true, rejectsPath: join(folder, "new", "r.jsonl"), log });
    expect(readJsonl(nested.rejectsPath!)).toHaveLength(2);

    const chosen = join(folder, "mine.jsonl");
    writeFileSync(chosen, "keep me\n");
    const custom = await loadWindowsReport(path, { skipInvalid: true, rejectsPath: chosen, log });
    expect(custom.rejectsPath).toBe(join(folder, "mine-2.jsonl"));
    expect(readFileSync(chosen, "utf8")).toBe("keep me\n");
    expect(readJsonl(custom.rejectsPath!)).toHaveLength(2);
  });

  it("with skipInvalid drops a duplicate id, keeping the first row, and records the reason", async () => {
    const windows = makeWindows(3);
    windows.push({ ...makeWindow(9), window_id: "w0" });
    const path = join(freshDir(), "dup.jsonl");
    writeRaw(path, windows);
    const report = await loadWindowsReport(path, { skipInvalid: true, log: () => {} });
    expect(report.rows).toEqual([0, 1, 2]);
    const [reject] = readJsonl(report.rejectsPath!);
    expect(reject).toMatchObject({ row: 3, line: 4, window_id: "w0" });
    expect(reject.reasons[0].expected).toContain("row 0 has the same window_id");
  });

  it("with skipInvalid still fails when no row is valid, after writing the rejects", async () => {
    const windows = makeWindows(2).map((w) => ({ ...w, base_window_id: "" }));
    const path = join(freshDir(), "none.jsonl");
    writeRaw(path, windows);
    await expect(loadWindows(path, { skipInvalid: true, log: () => {} })).rejects.toThrow("every row is invalid");
    expect(readJsonl(`${path}.rejects.jsonl`)).toHaveLength(2);
  });

  it("returns clean files whole, with nothing dropped and no rejects file", async () => {
    const path = join(freshDir(), "clean.parquet");
    writeWindows(path, makeWindows(3));
    const report = await loadWindowsReport(path, {
      skipInvalid: true,
      log: () => {
        throw new Error("nothing to log");
      },
    });
    expect(report.dropped).toBe(0);
    expect(report.windows).toHaveLength(3);
    expect(existsSync(`${path}.rejects.jsonl`)).toBe(false);
  });
});
