/**
 * Parquet window files in the reference column layout (what pandas + pyarrow write for the reference
 * DataFrame): `window_id`, `base_window_id`, `label` strings, `expansion_start`, `expansion_end` int64,
 * `features` list<list<double>> (105 bars × [open, high, low, close]), optional `volume` list<double>.
 * Reading is lenient about physical encodings other writers use (int32 or int64 indices, `features` as one
 * flat list of 420 numbers, typed arrays) and strict about everything else, which validation reports.
 */
import { parquetMetadata, parquetReadObjects, parquetSchema } from "hyparquet";
import type { SchemaElement } from "hyparquet";
import { parquetWriteBuffer } from "hyparquet-writer";
import type { ColumnSource } from "hyparquet-writer";
import type { Window } from "./window.js";
import { WINDOW_BARS } from "./window.js";
import { REQUIRED_COLUMNS } from "./schema.js";

const BAR_VALUES = 4;

const STRING = { type: "BYTE_ARRAY", converted_type: "UTF8", logical_type: { type: "STRING" } } as const;
const LIST = { converted_type: "LIST", logical_type: { type: "LIST" } } as const;

/** A pyarrow-style 3-level list of optional doubles, as nested `depth` times (1: list<double>). */
function listOfDoubles(name: string, depth: number): SchemaElement[] {
  const elements: SchemaElement[] = [{ name, repetition_type: "OPTIONAL", ...LIST, num_children: 1 }];
  for (let level = 0; level < depth; level++) {
    elements.push({ name: "list", repetition_type: "REPEATED", num_children: 1 });
    elements.push(
      level === depth - 1
        ? { name: "element", type: "DOUBLE", repetition_type: "OPTIONAL" }
        : { name: "element", repetition_type: "OPTIONAL", ...LIST, num_children: 1 },
    );
  }
  return elements;
}

/**
 * The exact schema spanlab writes. Column order, names, nullability and list nesting follow pyarrow's
 * conversion of the reference DataFrame, so pandas/pyarrow read our files as theirs and vice versa.
 */
export function windowParquetSchema(withVolume: boolean): SchemaElement[] {
  const columns: SchemaElement[][] = [
    [{ name: "window_id", repetition_type: "OPTIONAL", ...STRING }],
    [{ name: "base_window_id", repetition_type: "OPTIONAL", ...STRING }],
    [{ name: "label", repetition_type: "OPTIONAL", ...STRING }],
    [{ name: "expansion_start", type: "INT64", repetition_type: "OPTIONAL" }],
    [{ name: "expansion_end", type: "INT64", repetition_type: "OPTIONAL" }],
    listOfDoubles("features", 2),
  ];
  if (withVolume) columns.push(listOfDoubles("volume", 1));
  return [{ name: "schema", num_children: columns.length }, ...columns.flat()];
}

/**
 * Encode windows as Parquet bytes. Deterministic: no timestamps, a fixed `created_by`, fixed row-group
 * size, so identical windows give identical bytes. Indices are written as int64 (what pandas writes).
 */
export function encodeParquet(windows: readonly Window[]): Uint8Array {
  const withVolume = windows.some((w) => w.volume !== undefined);
  const columnData: ColumnSource[] = [
    { name: "window_id", data: windows.map((w) => w.window_id) },
    { name: "base_window_id", data: windows.map((w) => w.base_window_id) },
    { name: "label", data: windows.map((w) => w.label) },
    { name: "expansion_start", data: windows.map((w) => BigInt(w.expansion_start)) },
    { name: "expansion_end", data: windows.map((w) => BigInt(w.expansion_end)) },
    { name: "features", data: windows.map((w) => w.features) },
  ];
  if (withVolume) columnData.push({ name: "volume", data: windows.map((w) => w.volume ?? null) });
  const buffer = parquetWriteBuffer({
    columnData,
    schema: windowParquetSchema(withVolume),
    createdBy: "spanlab",
    rowGroupSize: 100_000,
  });
  return new Uint8Array(buffer);
}

function toPlainArray(value: unknown): unknown {
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) return Array.from(value as unknown as ArrayLike<unknown>);
  return value;
}

function toNumberIfSafe(value: unknown): unknown {
  if (typeof value === "bigint" && value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)) {
    return Number(value);
  }
  return value;
}

/**
 * Bring `features` to 105 × 4 plain arrays: typed arrays become plain, and a flat list of exactly
 * 105·4 numbers is reshaped row-major (bar by bar), the layout numpy's `.ravel()` gives. Anything else is
 * left as read so validation can report it precisely.
 */
function normalizeFeatures(value: unknown): unknown {
  const list = toPlainArray(value);
  if (!Array.isArray(list)) return list;
  const items = list.map(toPlainArray);
  if (items.length === WINDOW_BARS * BAR_VALUES && items.every((v) => typeof v === "number")) {
    const bars: number[][] = [];
    for (let bar = 0; bar < WINDOW_BARS; bar++) bars.push(items.slice(bar * BAR_VALUES, (bar + 1) * BAR_VALUES) as number[]);
    return bars;
  }
  return items.map((bar) => (Array.isArray(bar) ? bar.map(toNumberIfSafe) : bar));
}

/** Turn one hyparquet row into the plain JSON-like shape validation expects. */
function normalizeRow(row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(row)) {
    if (key === "features") out[key] = normalizeFeatures(value);
    else if (key === "volume") {
      const volume = toPlainArray(value);
      if (volume !== null && volume !== undefined) out[key] = Array.isArray(volume) ? volume.map(toNumberIfSafe) : volume;
    } else out[key] = toNumberIfSafe(value);
  }
  return out;
}

/**
 * Decode Parquet bytes into raw rows (not yet validated). A file that is not Parquet, is truncated, is
 * missing a required column or holds no rows is an error naming `file`.
 */
export async function decodeParquet(bytes: Uint8Array, file: string): Promise<Record<string, unknown>[]> {
  if (bytes.byteLength === 0) throw new Error(`${file}: the file is empty`);
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  let columns: string[];
  try {
    columns = parquetSchema(parquetMetadata(buffer)).children.map((child) => child.element.name);
  } catch (error) {
    throw new Error(`${file}: not a readable Parquet file, or truncated (${describe(error)})`);
  }
  const missing = REQUIRED_COLUMNS.filter((column) => !columns.includes(column));
  if (missing.length > 0) {
    throw new Error(`${file}: missing column(s) ${missing.join(", ")} (the file has: ${columns.join(", ")})`);
  }
  let rows: Record<string, unknown>[];
  try {
    rows = await parquetReadObjects({ file: buffer });
  } catch (error) {
    throw new Error(`${file}: Parquet data could not be decoded, the file may be damaged (${describe(error)})`);
  }
  if (rows.length === 0) throw new Error(`${file}: the file holds no windows`);
  return rows.map(normalizeRow);
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
