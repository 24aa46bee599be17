import { describe, expect, it } from "vitest";
import { ByteWriter, ParquetWriter } from "hyparquet-writer";
import type { ColumnSource } from "hyparquet-writer";
import { parquetMetadata } from "hyparquet";
import { createHash } from "node:crypto";
import { CONTENT_HASH_KEY, ROW_GROUP_WINDOWS, encodeParquet, optionalColumnsOf, windowParquetSchema } from "./parquet.js";
import { parseBarTime } from "./window_time.js";
import type { Window } from "./window.js";
import { makeWindow, makeWindows } from "../../test/fixtures/data/windows.js";

/**
 * The file hyparquet-writer writes from the windows through its general path (`ParquetWriter.write`:
 * its own Dremel walk, `writeColumn`, bigint int64s): the bytes spanlab's typed writer must reproduce.
 */
function libraryBytes(windows: readonly Window[], kvMetadata: { key: string; value: string }[]): Uint8Array {
  const optional = optionalColumnsOf(windows);
  const bytes = new ByteWriter();
  const writer = new ParquetWriter({ writer: bytes, schema: windowParquetSchema(optional), createdBy: "spanlab", kvMetadata });
  const columnData: ColumnSource[] = [
    { name: "window_id", data: windows.map((w) => w.window_id) },
    { name: "base_window_id", data: windows.map((w) => w.base_window_id) },
    { name: "label", data: windows.map((w) => w.label) },
    { name: "expansion_start", data: windows.map((w) => BigInt(w.expansion_start)) },
    { name: "expansion_end", data: windows.map((w) => BigInt(w.expansion_end)) },
    { name: "features", data: windows.map((w) => w.features) },
  ];
  if (optional.volume) columnData.push({ name: "volume", data: windows.map((w) => w.volume ?? null) });
  if (optional.timestamps) columnData.push({ name: "timestamps", data: windows.map((w) => w.timestamps?.map((t) => BigInt(parseBarTime(t))) ?? null) });
  if (optional.spans) columnData.push({ name: "spans", data: windows.map((w) => w.spans?.map(([a, b]) => [BigInt(a), BigInt(b)]) ?? null) });
  writer.write({ columnData, rowGroupSize: ROW_GROUP_WINDOWS });
  writer.finish();
  return bytes.getBytes();
}

function expectSameBytes(windows: readonly Window[]): Uint8Array {
  const ours = encodeParquet(windows);
  // The content hash in our footer, given to the library's writer too: the files then agree byte for byte
  // only if it hashes what the library writes as the row groups.
  const kv = parquetMetadata(ours.slice().buffer as ArrayBuffer).key_value_metadata ?? [];
  expect(kv.map((entry) => entry.key)).toEqual([CONTENT_HASH_KEY]);
  const library = libraryBytes(windows, kv as { key: string; value: string }[]);
  const hashed = /bytes:(\d+)-(\d+)$/.exec(kv[0]!.value!)!;
  expect(
    createHash("sha256")
      .update(library.subarray(Number(hashed[1]), Number(hashed[2])))
      .digest("hex"),
  ).toBe(/sha256:([0-9a-f]+)/.exec(kv[0]!.value!)![1]);
  expect(Buffer.from(ours).equals(Buffer.from(library))).toBe(true);
  return ours;
}

/** Encodings of each column chunk of the first row group, by column path. */
function encodingsOf(bytes: Uint8Array): Record<string, string[]> {
  const meta = parquetMetadata(bytes.slice().buffer);
  return Object.fromEntries(meta.row_groups[0]!.columns.map((c) => [c.meta_data!.path_in_schema.join("."), c.meta_data!.encodings]));
}

describe("the typed numeric column writer gives hyparquet-writer's bytes", () => {
  it("for a file of several row groups with several pages each: plain prices and times, dictionary volume and spans", () => {
    // 600 windows: two row groups; 512 × 420 doubles is more than one 1 MiB page.
    const windows = makeWindows(600, { volume: true, timed: true, spans: true });
    for (const w of windows) w.volume = w.volume!.map(Math.floor);
    const bytes = expectSameBytes(windows);
    const encodings = encodingsOf(bytes);
    expect(encodings["features.list.element.list.element"]).toEqual(["PLAIN"]);
    expect(encodings["volume.list.element"]).toEqual(["PLAIN", "RLE_DICTIONARY"]);
    expect(encodings["spans.list.element.list.element"]).toEqual(["PLAIN", "RLE_DICTIONARY"]);
    const pages = parquetMetadata(bytes.slice().buffer).row_groups[0]!.columns[5]!.meta_data!.encoding_stats!;
    expect(pages.find((p) => p.page_type === "DATA_PAGE_V2")!.count).toBeGreaterThan(1);
  });

  it("for columns with null rows (windows without volume, times or spans) and a dictionary of prices", () => {
    const windows = makeWindows(40, { volume: true, timed: true, spans: true });
    for (const [k, w] of windows.entries()) {
      if (k % 3 === 0) delete w.volume;
      if (k % 4 === 1) delete w.timestamps;
      if (k % 5 === 2) delete w.spans;
      // Prices on a coarse grid: few distinct values, so the sample accepts a dictionary.
      w.features = w.features.map((bar) => bar.map((p) => Math.round(p / 50) * 50) as typeof bar);
    }
    windows[0]!.features[0] = [0, -0, 0, -0];
    const encodings = encodingsOf(expectSameBytes(windows));
    expect(encodings["features.list.element.list.element"]).toEqual(["PLAIN", "RLE_DICTIONARY"]);
  });

  it("for signed zeros and extreme prices in the statistics, a single window, and the bundled layout (features and volume)", () => {
    const zeros = makeWindow(0);
    zeros.features[3] = [-0, 1e308, -1e308, 0];
    expectSameBytes([zeros]);
    expectSameBytes(makeWindows(3, { volume: true }));
    expectSameBytes([makeWindow(7, { timed: true })]);
  });
});
