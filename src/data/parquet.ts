/**
 * Parquet window files in the reference column layout (what pandas + pyarrow write for the reference
 * DataFrame): `window_id`, `base_window_id`, `label` strings, `expansion_start`, `expansion_end` int64,
 * `features` list<list<double>> (105 bars × [open, high, low, close]), optional `volume` list<double>,
 * then spanlab's optional columns (docs/spec.md §1): `timestamps` list<timestamp[ms, UTC]> (int64
 * milliseconds, what pandas writes for a list of UTC datetimes) and `spans` list<list<int64>>.
 * Reading is lenient about physical encodings other writers use (int32 or int64 indices, `features` as one
 * flat list of 420 numbers, typed arrays) and strict about everything else, which validation reports.
 */
import { createHash } from "node:crypto";
import { parquetMetadata, parquetReadObjects, parquetSchema } from "hyparquet";
import type { SchemaElement } from "hyparquet";
import { ByteWriter, ParquetWriter } from "hyparquet-writer";
import { shredList, shredListOfLists } from "./parquet_levels.js";
import { type RowGroupColumn, writeRowGroup } from "./parquet_row_group.js";
import type { Window } from "./window.js";
import { WINDOW_BARS } from "./window.js";
import { REQUIRED_COLUMNS } from "./schema.js";
import { formatBarTime, parseBarTime } from "./window_time.js";

const BAR_VALUES = 4;

const STRING = { type: "BYTE_ARRAY", converted_type: "UTF8", logical_type: { type: "STRING" } } as const;
const LIST = { converted_type: "LIST", logical_type: { type: "LIST" } } as const;

const DOUBLE: Partial<SchemaElement> = { type: "DOUBLE" };
const INT64: Partial<SchemaElement> = { type: "INT64" };
const UTC_MILLIS: Partial<SchemaElement> = {
  type: "INT64",
  converted_type: "TIMESTAMP_MILLIS",
  logical_type: { type: "TIMESTAMP", isAdjustedToUTC: true, unit: "MILLIS" },
};

/** A pyarrow-style 3-level list of optional `leaf` values, nested `depth` times (1: list<leaf>). */
function listOf(name: string, depth: number, leaf: Partial<SchemaElement>): SchemaElement[] {
  const elements: SchemaElement[] = [{ name, repetition_type: "OPTIONAL", ...LIST, num_children: 1 }];
  for (let level = 0; level < depth; level++) {
    elements.push({ name: "list", repetition_type: "REPEATED", num_children: 1 });
    elements.push(
      level === depth - 1
        ? { name: "element", ...leaf, repetition_type: "OPTIONAL" }
        : { name: "element", repetition_type: "OPTIONAL", ...LIST, num_children: 1 },
    );
  }
  return elements;
}

/** Which optional columns a file has: each is written when any window has the field. */
export interface OptionalColumns {
  volume: boolean;
  timestamps: boolean;
  spans: boolean;
}

/** The optional columns `windows` need. */
export function optionalColumnsOf(windows: readonly Window[]): OptionalColumns {
  return {
    volume: windows.some((w) => w.volume !== undefined),
    timestamps: windows.some((w) => w.timestamps !== undefined),
    spans: windows.some((w) => w.spans !== undefined),
  };
}

/**
 * The exact schema spanlab writes. Column order, names, nullability and list nesting follow pyarrow's
 * conversion of the reference DataFrame, so pandas/pyarrow read our files as theirs and vice versa.
 */
export function windowParquetSchema(optional: boolean | OptionalColumns): SchemaElement[] {
  const columnsWanted = typeof optional === "boolean" ? { volume: optional, timestamps: false, spans: false } : optional;
  const columns: SchemaElement[][] = [
    [{ name: "window_id", repetition_type: "OPTIONAL", ...STRING }],
    [{ name: "base_window_id", repetition_type: "OPTIONAL", ...STRING }],
    [{ name: "label", repetition_type: "OPTIONAL", ...STRING }],
    [{ name: "expansion_start", type: "INT64", repetition_type: "OPTIONAL" }],
    [{ name: "expansion_end", type: "INT64", repetition_type: "OPTIONAL" }],
    listOf("features", 2, DOUBLE),
  ];
  if (columnsWanted.volume) columns.push(listOf("volume", 1, DOUBLE));
  if (columnsWanted.timestamps) columns.push(listOf("timestamps", 1, UTC_MILLIS));
  if (columnsWanted.spans) columns.push(listOf("spans", 2, INT64));
  return [{ name: "schema", num_children: columns.length }, ...columns.flat()];
}

/**
 * The key of the file's content hash: `sha256:<hex>;bytes:<start>-<end>`, the SHA-256 of its row groups'
 * bytes (every data page). A reader verifies it when present, so a flipped byte in a page is named
 * instead of read as a price one ulp off; files without it (other writers) are read unchecked.
 */
export const CONTENT_HASH_KEY = "spanlab.content_sha256";

/** Refuses a file whose row groups do not hash to the value its metadata holds. */
function verifyContentHash(bytes: Uint8Array, metadata: { key_value_metadata?: { key: string; value?: string }[] }, file: string): void {
  const entry = metadata.key_value_metadata?.find((kv) => kv.key === CONTENT_HASH_KEY);
  if (!entry?.value) return;
  const match = /^sha256:([0-9a-f]{64});bytes:(\d+)-(\d+)$/.exec(entry.value);
  if (!match) throw new Error(`${file}: metadata ${CONTENT_HASH_KEY} = ${JSON.stringify(entry.value)}; expected sha256:<hex>;bytes:<start>-<end>`);
  const [start, end] = [Number(match[2]), Number(match[3])];
  if (end > bytes.length || start > end)
    throw new Error(`${file}: metadata ${CONTENT_HASH_KEY} covers bytes ${start}–${end} of a ${bytes.length}-byte file; the file is damaged`);
  const actual = createHash("sha256").update(bytes.subarray(start, end)).digest("hex");
  if (actual !== match[1]) {
    throw new Error(
      `${file}: the data pages do not match the file's checksum (sha256 ${actual.slice(0, 16)}… instead of ${match[1]!.slice(0, 16)}…): the file is damaged`,
    );
  }
}

/** Windows per Parquet row group: a file of fewer is one row group, as the bundled data is. */
export const ROW_GROUP_WINDOWS = 512;

/**
 * Parquet bytes built a row group at a time, so a large cut is encoded without holding every window.
 * Deterministic: no timestamps in the metadata, a fixed `created_by` and row-group size, so identical
 * windows give identical bytes. Indices are written as int64 (what pandas writes).
 */
export class ParquetWindowEncoder {
  private readonly writer: ParquetWriter;
  /** SHA-256 of the row groups' bytes, in the file's metadata under {@link CONTENT_HASH_KEY} for readers to verify. */
  private readonly hash = createHash("sha256");
  private hashedBytes = 0;
  /** Windows of the row group not yet full: groups are cut by count, so chunking never changes the bytes. */
  private pending: Window[] = [];
  private finished = false;

  /**
   * `bytes` receives the file; by default it is held in memory. A writer whose `flush` empties its buffer
   * (src/data/window_sink.ts) lets a large file go to disk a row group at a time.
   */
  constructor(
    readonly columns: OptionalColumns,
    private readonly bytes: ByteWriter = new ByteWriter(),
  ) {
    this.writer = new ParquetWriter({ writer: this.bytes, schema: windowParquetSchema(columns), createdBy: "spanlab" });
  }

  /** Append `windows` (already validated) as row groups; a field the file has no column for is refused. */
  add(windows: readonly Window[]): void {
    if (this.finished) throw new Error("ParquetWindowEncoder: already finished");
    for (const field of ["volume", "timestamps", "spans"] as const) {
      const k = windows.findIndex((w) => w[field] !== undefined);
      if (!this.columns[field] && k >= 0) throw new Error(`window ${windows[k]!.window_id} has ${field} but the file has no ${field} column`);
    }
    for (const window of windows) {
      this.pending.push(window);
      if (this.pending.length === ROW_GROUP_WINDOWS) this.flush();
    }
  }

  private flush(): void {
    if (this.pending.length === 0) return;
    writeRowGroup(this.writer, windowColumnData(this.pending, this.columns), this.pending.length, (bytes) => {
      this.hash.update(bytes);
      this.hashedBytes += bytes.length;
    });
    this.pending = [];
  }

  /** The file's bytes (a view of the encoder's buffer; what is left in it, when the writer flushes). */
  finish(): Uint8Array {
    if (!this.finished) {
      this.flush();
      // Read by finish(): the row groups follow the 4-byte magic, so they are bytes [4, 4 + n).
      this.writer.kvMetadata = [{ key: CONTENT_HASH_KEY, value: `sha256:${this.hash.digest("hex")};bytes:4-${4 + this.hashedBytes}` }];
      this.writer.finish();
    }
    this.finished = true;
    return this.bytes.getBytes();
  }
}

/** Encode windows as Parquet bytes (see {@link ParquetWindowEncoder}). */
export function encodeParquet(windows: readonly Window[]): Uint8Array {
  const encoder = new ParquetWindowEncoder(optionalColumnsOf(windows));
  encoder.add(windows);
  return encoder.finish();
}

/**
 * The columns of `windows` in schema order: flat ones as rows for the writer to shred, list ones
 * shredded here from their known shapes (src/data/parquet_levels.ts).
 */
export function windowColumnData(windows: readonly Window[], optional: OptionalColumns): RowGroupColumn[] {
  const columnData: RowGroupColumn[] = [
    { name: "window_id", rows: windows.map((w) => w.window_id) },
    { name: "base_window_id", rows: windows.map((w) => w.base_window_id) },
    { name: "label", rows: windows.map((w) => w.label) },
    { name: "expansion_start", rows: windows.map((w) => BigInt(w.expansion_start)) },
    { name: "expansion_end", rows: windows.map((w) => BigInt(w.expansion_end)) },
    { name: "features", shredded: shredListOfLists(windows.map((w) => w.features)) },
  ];
  if (optional.volume) columnData.push({ name: "volume", shredded: shredList(windows.map((w) => w.volume ?? null)) });
  if (optional.timestamps) {
    // Overlapping windows repeat each bar's time: convert each distinct one once.
    const millis = new Map<string, number>();
    const toMillis = (t: string): number => {
      let value = millis.get(t);
      if (value === undefined) {
        value = parseBarTime(t);
        millis.set(t, value);
      }
      return value;
    };
    columnData.push({ name: "timestamps", shredded: shredList(windows.map((w) => (w.timestamps === undefined ? null : w.timestamps.map(toMillis)))) });
  }
  if (optional.spans) {
    columnData.push({
      name: "spans",
      shredded: shredListOfLists(windows.map((w) => (w.spans === undefined ? null : w.spans))),
    });
  }
  return columnData;
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

function normalizeList(value: unknown): unknown {
  const list = toPlainArray(value);
  return Array.isArray(list) ? list.map(toNumberIfSafe) : list;
}

/**
 * A stored bar time as the window's ISO string: hyparquet gives a TIMESTAMP column as Dates, and other
 * writers' list<int64> of epoch milliseconds or list<string> of ISO times read the same. Anything else is
 * left for validation to name.
 */
function toBarTime(value: unknown): unknown {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? value.toString() : formatBarTime(value.getTime());
  if (typeof value === "bigint") return formatBarTime(Number(value));
  return value;
}

/** Turn one hyparquet row into the plain JSON-like shape validation expects. */
function normalizeRow(row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(row)) {
    if (key === "features") out[key] = normalizeFeatures(value);
    else if (key === "volume") {
      const volume = toPlainArray(value);
      if (volume !== null && volume !== undefined) out[key] = Array.isArray(volume) ? volume.map(toNumberIfSafe) : volume;
    } else if (key === "timestamps") {
      const times = toPlainArray(value);
      if (times !== null && times !== undefined) out[key] = Array.isArray(times) ? times.map(toBarTime) : times;
    } else if (key === "spans") {
      const spans = toPlainArray(value);
      if (spans !== null && spans !== undefined) out[key] = Array.isArray(spans) ? spans.map((span) => normalizeList(span)) : spans;
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
  let metadata: ReturnType<typeof parquetMetadata>;
  try {
    metadata = parquetMetadata(buffer);
    columns = parquetSchema(metadata).children.map((child) => child.element.name);
  } catch (error) {
    throw new Error(`${file}: not a readable Parquet file, or truncated (${describe(error)})`);
  }
  verifyContentHash(bytes, metadata, file);
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
