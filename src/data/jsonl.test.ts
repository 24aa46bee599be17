import { afterAll, describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { formatJsonl } from "./jsonl.js";
import { loadWindows, loadWindowsReport, readWindows, writeWindows } from "./load.js";
import { validateWindows } from "./validate.js";
import type { Window } from "./window.js";
import { makeWindow, makeWindows } from "../../test/fixtures/data/windows.js";

const dir = mkdtempSync(join(tmpdir(), "spanlab-jsonl-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function floatBytes(windows: Window[]): Buffer {
  const values = windows.flatMap((w) => [...w.features.flat(), ...(w.volume ?? [])]);
  return Buffer.from(new Float64Array(values).buffer);
}

describe("JSONL window files", () => {
  it("round-trips windows bit-exactly and re-writes byte-identical files", async () => {
    const windows = [...makeWindows(4), makeWindow(4, { volume: true })];
    const first = join(dir, "a.jsonl");
    writeWindows(first, windows);
    const loaded = await loadWindows(first);
    expect(loaded).toEqual(windows);
    expect(floatBytes(loaded).equals(floatBytes(windows))).toBe(true);
    const second = join(dir, "b.json-lines");
    writeWindows(second, loaded);
    expect(readFileSync(second).equals(readFileSync(first))).toBe(true);
  });

  it("writes one object per line with keys in column order and a trailing newline", () => {
    const text = formatJsonl([makeWindow(0), makeWindow(1, { volume: true })]);
    const lines = text.split("\n");
    expect(lines).toHaveLength(3);
    expect(lines[2]).toBe("");
    expect(Object.keys(JSON.parse(lines[0]!))).toEqual(["window_id", "base_window_id", "label", "expansion_start", "expansion_end", "features"]);
    expect(Object.keys(JSON.parse(lines[1]!)).at(-1)).toBe("volume");
  });

  it("skips blank lines, accepts CRLF, and reports the source line of a bad row", async () => {
    const [a, b] = makeWindows(2).map((w) => JSON.stringify(w));
    const bad = JSON.stringify({ ...makeWindow(2), label: "breakout" });
    const path = join(dir, "lines.jsonl");
    writeFileSync(path, `${a}\r\n\r\n${b}\r\n\n${bad}\r\n`);
    const raw = await readWindows(path);
    expect(raw.lines).toEqual([1, 3, 5]);
    const problems = validateWindows(raw.rows, { file: path, lines: raw.lines! }).problems;
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ row: 2, line: 5, windowId: "w2", field: "label" });
  });

  it("reads Python-style NaN and Infinity tokens as numbers so validation names the field", async () => {
    const line = JSON.stringify(makeWindow(0)).replace(/^(\{.*?"features":\[\[[^,]+,)[^,]+/, "$1NaN");
    const withString = JSON.stringify({ ...makeWindow(1), base_window_id: "NaN Infinity" }).replace(/("expansion_end":)\d+/, "$1-Infinity");
    const path = join(dir, "python.jsonl");
    writeFileSync(path, `${line}\n${withString}\n`);
    const raw = await readWindows(path);
    const problems = validateWindows(raw.rows, { file: path }).problems;
    expect(problems.map((p) => [p.row, p.field, p.value])).toEqual([
      [0, "features[0][1]", "NaN"],
      [1, "expansion_end", "-Infinity"],
    ]);
    expect((raw.rows[1] as { base_window_id: string }).base_window_id).toBe("NaN Infinity");
  });

  it("reports every line that is not JSON beside the other rows' problems, and refuses to load the file", async () => {
    const [a, b] = makeWindows(2).map((w) => JSON.stringify(w));
    const badRow = JSON.stringify({ ...makeWindows(3)[2]!, label: "breakout" });
    const path = join(dir, "garbage.jsonl");
    writeFileSync(path, `${a}\nnot json\n${b}\n{"window_id":\n${badRow}\n`);
    const raw = await readWindows(path);
    const { problems } = validateWindows(raw.rows, { file: path, lines: raw.lines! });
    expect(problems.map((p) => [p.line, p.field])).toEqual([
      [2, "(line)"],
      [4, "(line)"],
      [5, "label"],
    ]);
    expect(problems[0]!.expected).toMatch(/^a JSON object \(/);
    expect(problems[0]!.value).toBe('"not json"');
    await expect(loadWindows(path)).rejects.toThrow(/3 problem/);
  });

  it("says a file cut in the middle of its last line may be truncated, naming the line", async () => {
    const text = formatJsonl(makeWindows(3));
    const path = join(dir, "cut.jsonl");
    writeFileSync(path, text.slice(0, Math.floor(text.length * 0.5)));
    const raw = await readWindows(path);
    const { problems } = validateWindows(raw.rows, { file: path, lines: raw.lines! });
    expect(problems).toHaveLength(1);
    expect(problems[0]!.line).toBe(2);
    expect(problems[0]!.expected).toContain("the file may be truncated");
  });

  it("keeps an unreadable line's text in the rejects file", async () => {
    const [a] = makeWindows(1).map((w) => JSON.stringify(w));
    const path = join(dir, "skip.jsonl");
    writeFileSync(path, `${a}\n{"window_id": "cut`);
    const report = await loadWindowsReport(path, { skipInvalid: true, log: () => {} });
    expect(report.windows).toHaveLength(1);
    const rejects = readFileSync(report.rejectsPath!, "utf8");
    expect(rejects).toContain('{\\"window_id\\": \\"cut');
  });

  it("rejects an empty or blank file", async () => {
    const path = join(dir, "empty.jsonl");
    writeFileSync(path, "\n  \n");
    await expect(readWindows(path)).rejects.toThrow(`${path}: the file holds no windows`);
  });
});
