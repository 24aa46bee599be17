import { afterAll, describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parquetMetadata } from "hyparquet";
import { parquetWriteBuffer } from "hyparquet-writer";
import { encodeParquet } from "./parquet.js";
import { loadWindows, readWindows, writeWindows } from "./load.js";
import { validateWindows } from "./validate.js";
import type { Window } from "./window.js";
import { makeWindow, makeWindows } from "../../test/fixtures/data/windows.js";

const dir = mkdtempSync(join(tmpdir(), "spanlab-parquet-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Every float of every window as raw bytes: equal bytes means bit-exact, -0 and NaN payloads included. */
function floatBytes(windows: Window[]): Buffer {
  const values = windows.flatMap((w) => [...w.features.flat(), ...(w.volume ?? [])]);
  return Buffer.from(new Float64Array(values).buffer);
}

describe("Parquet window files", () => {
  it("round-trips windows bit-exactly and re-writes byte-identical files", async () => {
    const windows = [...makeWindows(5), makeWindow(5, { base: "b0" })];
    const first = join(dir, "a.parquet");
    writeWindows(first, windows);
    const loaded = await loadWindows(first);
    expect(loaded).toEqual(windows);
    expect(floatBytes(loaded).equals(floatBytes(windows))).toBe(true);

    const second = join(dir, "b.parquet");
    writeWindows(second, loaded);
    expect(readFileSync(second).equals(readFileSync(first))).toBe(true);
  });

  it("round-trips an optional volume column, absent rows stay absent", async () => {
    const windows = [makeWindow(0, { volume: true }), makeWindow(1), makeWindow(2, { volume: true })];
    const path = join(dir, "volume.parquet");
    writeWindows(path, windows);
    const loaded = await loadWindows(path);
    expect(loaded).toEqual(windows);
    expect("volume" in loaded[1]!).toBe(false);
    expect(floatBytes(loaded).equals(floatBytes(windows))).toBe(true);
  });

  it("writes the reference column layout (pyarrow's list<list<double>> for features, int64 indices)", () => {
    const schema = parquetMetadata(encodeParquet(makeWindows(2)).slice().buffer).schema;
    const summary = schema.map((e) => [e.name, e.type ?? null, e.repetition_type ?? null, e.converted_type ?? null]);
    expect(summary).toEqual([
      ["schema", null, null, null],
      ["window_id", "BYTE_ARRAY", "OPTIONAL", "UTF8"],
      ["base_window_id", "BYTE_ARRAY", "OPTIONAL", "UTF8"],
      ["label", "BYTE_ARRAY", "OPTIONAL", "UTF8"],
      ["expansion_start", "INT64", "OPTIONAL", null],
      ["expansion_end", "INT64", "OPTIONAL", null],
      ["features", null, "OPTIONAL", "LIST"],
      ["list", null, "REPEATED", null],
      ["element", null, "OPTIONAL", "LIST"],
      ["list", null, "REPEATED", null],
      ["element", "DOUBLE", "OPTIONAL", null],
    ]);
  });

  it("reads features stored as a flat list of 420 doubles and int32 indices", async () => {
    const windows = makeWindows(3);
    const bytes = parquetWriteBuffer({
      columnData: [
        { name: "window_id", data: windows.map((w) => w.window_id) },
        { name: "base_window_id", data: windows.map((w) => w.base_window_id) },
        { name: "label", data: windows.map((w) => w.label) },
        { name: "expansion_start", data: Int32Array.from(windows.map((w) => w.expansion_start)) },
        { name: "expansion_end", data: Int32Array.from(windows.map((w) => w.expansion_end)) },
        { name: "features", data: windows.map((w) => w.features.flat()) },
      ],
      schema: [
        { name: "schema", num_children: 6 },
        { name: "window_id", type: "BYTE_ARRAY", converted_type: "UTF8", repetition_type: "REQUIRED" },
        { name: "base_window_id", type: "BYTE_ARRAY", converted_type: "UTF8", repetition_type: "REQUIRED" },
        { name: "label", type: "BYTE_ARRAY", converted_type: "UTF8", repetition_type: "REQUIRED" },
        { name: "expansion_start", type: "INT32", repetition_type: "REQUIRED" },
        { name: "expansion_end", type: "INT32", repetition_type: "REQUIRED" },
        { name: "features", repetition_type: "OPTIONAL", converted_type: "LIST", num_children: 1 },
        { name: "list", repetition_type: "REPEATED", num_children: 1 },
        { name: "element", type: "DOUBLE", repetition_type: "REQUIRED" },
      ],
    });
    const path = join(dir, "flat.parquet");
    writeFileSync(path, new Uint8Array(bytes));
    const loaded = await loadWindows(path);
    expect(loaded).toEqual(windows);
    expect(floatBytes(loaded).equals(floatBytes(windows))).toBe(true);
  });

  it("reports bad values stored in a Parquet file at their row and field", async () => {
    const windows = makeWindows(4);
    windows[3]!.features[60]![3] = Number.NaN;
    windows[1]!.expansion_end = 300;
    const path = join(dir, "bad.parquet");
    writeFileSync(path, encodeParquet(windows));
    const raw = await readWindows(path);
    const problems = validateWindows(raw.rows, { file: path }).problems;
    expect(problems.map((p) => [p.row, p.windowId, p.field, p.value])).toEqual([
      [1, "w1", "expansion_end", "300"],
      [3, "w3", "features[60][3]", "NaN"],
    ]);
  });

  it("rejects a truncated file, naming it", async () => {
    const bytes = encodeParquet(makeWindows(4));
    const path = join(dir, "cut.parquet");
    writeFileSync(path, bytes.subarray(0, Math.floor(bytes.length / 2)));
    await expect(readWindows(path)).rejects.toThrow(`${path}: not a readable Parquet file, or truncated`);
  });

  it("rejects a file with a damaged middle, naming it", async () => {
    const bytes = encodeParquet(makeWindows(4)).slice();
    // Keep both PAR1 magics and the footer; wipe the data pages in between.
    bytes.fill(0xff, 4, Math.floor(bytes.length / 2));
    const path = join(dir, "damaged.parquet");
    writeFileSync(path, bytes);
    await expect(readWindows(path)).rejects.toThrow(`${path}: the data pages do not match the file's checksum`);
  });

  it("names a single flipped byte in a data page (a price one ulp off would otherwise pass)", async () => {
    const bytes = encodeParquet(makeWindows(4)).slice();
    bytes[Math.floor(bytes.length / 3)]! ^= 0x01;
    const path = join(dir, "flipped.parquet");
    writeFileSync(path, bytes);
    await expect(readWindows(path)).rejects.toThrow(
      /the data pages do not match the file's checksum \(sha256 [0-9a-f]{16}… instead of [0-9a-f]{16}…\): the file is damaged/,
    );
  });

  it("rejects an empty file and a file that is not Parquet", async () => {
    const empty = join(dir, "empty.parquet");
    writeFileSync(empty, "");
    await expect(readWindows(empty)).rejects.toThrow(`${empty}: the file is empty`);
    const text = join(dir, "text.parquet");
    writeFileSync(text, "window_id,label\nw1,consolidation\n");
    await expect(readWindows(text)).rejects.toThrow(`${text}: not a readable Parquet file`);
  });

  it("rejects a file missing a required column, listing what it has", async () => {
    const bytes = parquetWriteBuffer({ columnData: [{ name: "window_id", data: ["a"], type: "STRING" }] });
    const path = join(dir, "columns.parquet");
    writeFileSync(path, new Uint8Array(bytes));
    await expect(readWindows(path)).rejects.toThrow(
      `${path}: missing column(s) base_window_id, label, expansion_start, expansion_end, features (the file has: window_id)`,
    );
  });
});
