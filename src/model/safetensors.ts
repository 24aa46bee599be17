/**
 * The safetensors format (Hugging Face), read and written strictly — used for spanlab checkpoints and for
 * the PyTorch parity fixtures (`test/fixtures/parity/*.safetensors`, made by bench/reference/make_fixtures.py).
 *
 * Layout: 8 bytes N (little-endian u64) · N bytes of UTF-8 JSON header · the data buffer. The header maps
 * each tensor name to `{"dtype", "shape", "data_offsets": [begin, end]}` (offsets into the data buffer, end
 * exclusive) and may hold `"__metadata__"`: a string → string map. Data is little-endian, C order, packed.
 *
 * The writer produces what the reference implementation (safetensors/src/tensor.rs `serialize`) produces:
 * compact JSON with `__metadata__` first (keys sorted here, for determinism), tensors laid out by descending
 * dtype (wider alignment first) then by name (UTF-8 byte order) — with one dtype simply sorted name order —
 * and the header padded with spaces to a multiple of 8 bytes, so every tensor is aligned in the file.
 *
 * The reader checks everything before it trusts it (header length, UTF-8, JSON, dtypes, shapes, offsets in
 * range, no overlap, no gap, the buffer covered exactly) and names the source and the problem on failure.
 * Tensor data is copied out into fresh, aligned typed arrays: the input buffer may start anywhere.
 */
import { readFileSync, statSync } from "node:fs";
import { endianness } from "node:os";
import { assertRegularFile, writeFileAtomic } from "../util/files.js";
import { jsonNestedDeeperThan } from "../util/text.js";

/** The element types spanlab reads and writes. */
export type SafetensorsDtype = "F32" | "F64" | "I32" | "I64" | "U8";

export interface TensorDataByDtype {
  F32: Float32Array;
  F64: Float64Array;
  I32: Int32Array;
  I64: BigInt64Array;
  U8: Uint8Array;
}

/** One tensor of a given dtype. `shape` [] is a scalar (one element). */
export interface TypedTensor<D extends SafetensorsDtype> {
  dtype: D;
  shape: number[];
  data: TensorDataByDtype[D];
}

/** A tensor of any supported dtype (a union discriminated by `dtype`). */
export type Tensor = { [D in SafetensorsDtype]: TypedTensor<D> }[SafetensorsDtype];

/** The contents of a safetensors file. */
export interface SafetensorsFile {
  tensors: Map<string, Tensor>;
  metadata: Record<string, string>;
  /** Where it was read from (a path or a name given by the caller), for error messages. */
  source: string;
}

/** A tensor given to the writer; `dtype` may be left out and is then taken from the typed array. */
export type TensorInput = Tensor | { dtype?: undefined; shape: number[]; data: TensorDataByDtype[SafetensorsDtype] };

/** Any format error, naming the file (or buffer) it came from. */
export class SafetensorsError extends Error {
  constructor(
    readonly source: string,
    readonly problem: string,
  ) {
    super(`${source}: invalid safetensors: ${problem}`);
    this.name = "SafetensorsError";
  }
}

const ELEMENT_SIZE: Record<SafetensorsDtype, number> = { F32: 4, F64: 8, I32: 4, I64: 8, U8: 1 };

/** Rank in safetensors' Dtype enum (declared in increasing alignment); the writer sorts by it, descending. */
const DTYPE_RANK: Record<SafetensorsDtype, number> = { U8: 1, I32: 9, F32: 11, F64: 12, I64: 13 };

/** dtypes the format defines that spanlab does not read. */
const OTHER_FORMAT_DTYPES = new Set([
  "BOOL",
  "I8",
  "I16",
  "U16",
  "U32",
  "U64",
  "F16",
  "BF16",
  "C64",
  "F8_E5M2",
  "F8_E4M3",
  "F8_E8M0",
  "F6_E2M3",
  "F6_E3M2",
  "F4",
]);

/** The reference implementation refuses headers above 100 MB; so do we. */
export const MAX_HEADER_BYTES = 100_000_000;

const LITTLE_ENDIAN_HOST = endianness() === "LE";

function isSupportedDtype(value: string): value is SafetensorsDtype {
  return Object.hasOwn(ELEMENT_SIZE, value);
}

function allocate(dtype: SafetensorsDtype, length: number): TensorDataByDtype[SafetensorsDtype] {
  switch (dtype) {
    case "F32":
      return new Float32Array(length);
    case "F64":
      return new Float64Array(length);
    case "I32":
      return new Int32Array(length);
    case "I64":
      return new BigInt64Array(length);
    case "U8":
      return new Uint8Array(length);
  }
}

function dtypeOfArray(data: unknown): SafetensorsDtype | undefined {
  if (data instanceof Float32Array) return "F32";
  if (data instanceof Float64Array) return "F64";
  if (data instanceof Int32Array) return "I32";
  if (data instanceof BigInt64Array) return "I64";
  if (data instanceof Uint8Array) return "U8";
  return undefined;
}

/** Reverse each `size`-byte group in place (only needed on a big-endian host). */
function swapBytes(bytes: Uint8Array, size: number): void {
  if (size === 1) return;
  for (let i = 0; i < bytes.length; i += size) bytes.subarray(i, i + size).reverse();
}

const utf8 = new TextEncoder();

/** Compare strings by their UTF-8 bytes (Rust's `String` order, which the reference writer sorts by). */
function compareUtf8(a: string, b: string): number {
  const x = utf8.encode(a);
  const y = utf8.encode(b);
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return x.length - y.length;
}

function elementCount(shape: readonly number[]): number {
  let count = 1;
  for (const d of shape) count *= d;
  return count;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isNonNegativeInteger(value: unknown): value is number {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 0;
}

function describe(value: unknown): string {
  const text = JSON.stringify(value);
  return text === undefined ? String(value) : text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

interface HeaderEntry {
  name: string;
  dtype: SafetensorsDtype;
  shape: number[];
  begin: number;
  end: number;
}

/** Parse and check a safetensors file held in `bytes`. `source` names it in errors (a path, usually). */
export function readSafetensors(bytes: Uint8Array, source = "<buffer>"): SafetensorsFile {
  const fail = (problem: string): never => {
    throw new SafetensorsError(source, problem);
  };
  if (bytes.length < 8) {
    fail(`file truncated: ${bytes.length} bytes, shorter than the 8-byte header length field`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const declared = view.getBigUint64(0, true);
  const available = BigInt(bytes.length - 8);
  if (declared > available) {
    fail(`header length ${declared} runs beyond the end of the file (${bytes.length} bytes, ${available} after the length field)`);
  }
  if (declared > BigInt(MAX_HEADER_BYTES)) {
    fail(`header length ${declared} exceeds the ${MAX_HEADER_BYTES}-byte limit`);
  }
  const headerLength = Number(declared);
  if (headerLength === 0) fail("header is empty (length 0); expected a JSON object");

  let text = "";
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(8, 8 + headerLength));
  } catch {
    fail("header is not valid UTF-8");
  }
  let header: unknown;
  // A header is an object of tensor entries, each holding a shape list: 3 levels; more is not a header.
  if (jsonNestedDeeperThan(text, 8)) fail("header is nested more than 8 levels deep; expected an object of tensor entries");
  try {
    header = JSON.parse(text);
  } catch (error) {
    fail(`malformed JSON header (${(error as Error).message})`);
  }
  if (!isPlainObject(header)) fail(`header is not a JSON object but ${describe(header)}`);
  const headerObject = header as Record<string, unknown>;

  let metadata: Record<string, string> = {};
  const entries: HeaderEntry[] = [];
  for (const [name, info] of Object.entries(headerObject)) {
    if (name === "__metadata__") {
      if (!isPlainObject(info)) fail(`__metadata__ must be an object of strings, got ${describe(info)}`);
      const pairs = Object.entries(info as Record<string, unknown>);
      for (const [key, value] of pairs) {
        if (typeof value !== "string") fail(`__metadata__ value for "${key}" is not a string: ${describe(value)}`);
      }
      metadata = Object.fromEntries(pairs) as Record<string, string>;
      continue;
    }
    const where = `tensor "${name}"`;
    if (!isPlainObject(info)) fail(`${where}: entry is not an object: ${describe(info)}`);
    const { dtype, shape, data_offsets: offsets } = info as Record<string, unknown>;
    if (typeof dtype !== "string") fail(`${where}: dtype missing or not a string: ${describe(dtype)}`);
    const dtypeName = dtype as string;
    if (!isSupportedDtype(dtypeName)) {
      if (OTHER_FORMAT_DTYPES.has(dtypeName)) {
        fail(`${where}: dtype ${dtypeName} is not supported by spanlab (supported: ${Object.keys(ELEMENT_SIZE).join(", ")})`);
      }
      fail(`${where}: unknown dtype ${describe(dtype)}`);
    }
    if (!Array.isArray(shape) || !shape.every(isNonNegativeInteger)) {
      fail(`${where}: shape must be an array of non-negative integers, got ${describe(shape)}`);
    }
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isNonNegativeInteger)) {
      fail(`${where}: data_offsets must be [begin, end] non-negative integers, got ${describe(offsets)}`);
    }
    const [begin, end] = offsets as [number, number];
    if (end < begin) fail(`${where}: data_offsets [${begin}, ${end}] end before begin`);
    const count = elementCount(shape as number[]);
    const size = ELEMENT_SIZE[dtypeName as SafetensorsDtype];
    if (!Number.isSafeInteger(count * size)) fail(`${where}: shape ${describe(shape)} is too large`);
    if (count * size !== end - begin) {
      fail(
        `${where}: shape ${describe(shape)} × ${dtypeName} (${size} bytes) = ${count * size} bytes but data_offsets ` +
          `[${begin}, ${end}] span ${end - begin} bytes`,
      );
    }
    entries.push({ name, dtype: dtypeName as SafetensorsDtype, shape: (shape as number[]).slice(), begin, end });
  }

  const dataStart = 8 + headerLength;
  const dataLength = bytes.length - dataStart;
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let covered = 0;
  let previous: HeaderEntry | undefined;
  for (const entry of entries) {
    const where = `tensor "${entry.name}"`;
    if (entry.end > dataLength) {
      fail(
        `${where}: data_offsets [${entry.begin}, ${entry.end}] run past the end of the data buffer ` +
          `(${dataLength} bytes): offsets out of range or file truncated`,
      );
    }
    if (entry.begin < covered) {
      fail(`${where}: data_offsets [${entry.begin}, ${entry.end}] overlap tensor "${previous?.name}" (ends at ${covered})`);
    }
    if (entry.begin > covered) {
      fail(`data offsets do not cover the data buffer: bytes [${covered}, ${entry.begin}) before ${where} belong to no tensor`);
    }
    covered = entry.end;
    previous = entry;
  }
  if (covered !== dataLength) {
    fail(
      `data offsets do not cover the data buffer: tensors end at byte ${covered} but the buffer holds ${dataLength} bytes ` +
        `(${dataLength - covered} trailing bytes)`,
    );
  }

  const tensors = new Map<string, Tensor>();
  for (const entry of entries) {
    const count = elementCount(entry.shape);
    const data = allocate(entry.dtype, count);
    const raw = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    raw.set(bytes.subarray(dataStart + entry.begin, dataStart + entry.end));
    if (!LITTLE_ENDIAN_HOST) swapBytes(raw, ELEMENT_SIZE[entry.dtype]);
    tensors.set(entry.name, { dtype: entry.dtype, shape: entry.shape, data } as Tensor);
  }
  return { tensors, metadata, source };
}

/**
 * The largest safetensors file read (a JadeCompact checkpoint is about 0.4 MB, its training state 0.8 MB;
 * the declared-size limits of src/model/checkpoint.ts stay far below this). Checked before reading, so a
 * huge or endless input is refused at once instead of filling memory.
 */
export const MAX_SAFETENSORS_BYTES = 256 * 1024 * 1024;

/** Read and check a safetensors file from disk (a regular file of at most {@link MAX_SAFETENSORS_BYTES}). */
export function readSafetensorsFile(path: string): SafetensorsFile {
  assertRegularFile(path, "safetensors file");
  const size = statSync(path).size;
  if (size > MAX_SAFETENSORS_BYTES) {
    throw new Error(`${path}: ${size} bytes, over the ${MAX_SAFETENSORS_BYTES}-byte limit for a spanlab checkpoint or state; not read`);
  }
  const buffer = readFileSync(path);
  return readSafetensors(new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength), path);
}

/**
 * Serialize tensors (a Map or a plain object of name → tensor) and string metadata. The output depends only
 * on the contents, never on insertion order.
 */
export function writeSafetensors(tensors: Map<string, TensorInput> | Record<string, TensorInput>, metadata: Record<string, string> = {}): Uint8Array {
  const fail = (problem: string): never => {
    throw new Error(`writeSafetensors: ${problem}`);
  };
  const list = tensors instanceof Map ? [...tensors.entries()] : Object.entries(tensors);
  const prepared: { name: string; dtype: SafetensorsDtype; shape: number[]; data: TensorDataByDtype[SafetensorsDtype] }[] = [];
  for (const [name, tensor] of list) {
    if (name === "__metadata__") fail(`"__metadata__" is reserved and cannot name a tensor`);
    const actual = dtypeOfArray(tensor.data);
    if (actual === undefined) fail(`tensor "${name}": data must be a Float32Array, Float64Array, Int32Array, BigInt64Array or Uint8Array`);
    const dtype = tensor.dtype ?? (actual as SafetensorsDtype);
    if (dtype !== actual) fail(`tensor "${name}": dtype ${dtype} does not match its ${tensor.data.constructor.name}`);
    if (!Array.isArray(tensor.shape) || !tensor.shape.every(isNonNegativeInteger)) {
      fail(`tensor "${name}": shape must be an array of non-negative integers, got ${describe(tensor.shape)}`);
    }
    const count = elementCount(tensor.shape);
    if (count !== tensor.data.length) {
      fail(`tensor "${name}": shape ${describe(tensor.shape)} holds ${count} elements but data has ${tensor.data.length}`);
    }
    prepared.push({ name, dtype, shape: tensor.shape.slice(), data: tensor.data });
  }
  prepared.sort((a, b) => DTYPE_RANK[b.dtype] - DTYPE_RANK[a.dtype] || compareUtf8(a.name, b.name));

  const parts: string[] = [];
  const metadataKeys = Object.keys(metadata).sort(compareUtf8);
  if (metadataKeys.length > 0) {
    const fields = metadataKeys.map((key) => {
      const value = metadata[key];
      if (typeof value !== "string") fail(`metadata value for "${key}" is not a string`);
      return `${JSON.stringify(key)}:${JSON.stringify(value)}`;
    });
    parts.push(`"__metadata__":{${fields.join(",")}}`);
  }
  let offset = 0;
  for (const t of prepared) {
    const end = offset + t.data.byteLength;
    parts.push(`${JSON.stringify(t.name)}:{"dtype":"${t.dtype}","shape":[${t.shape.join(",")}],"data_offsets":[${offset},${end}]}`);
    offset = end;
  }
  const json = utf8.encode(`{${parts.join(",")}}`);
  const headerLength = Math.ceil(json.length / 8) * 8;

  const out = new Uint8Array(8 + headerLength + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerLength), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerLength);
  let position = 8 + headerLength;
  for (const t of prepared) {
    const raw = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
    out.set(raw, position);
    if (!LITTLE_ENDIAN_HOST) swapBytes(out.subarray(position, position + raw.length), ELEMENT_SIZE[t.dtype]);
    position += raw.length;
  }
  return out;
}

/** Serialize and write atomically (temporary file + rename). */
export function writeSafetensorsFile(
  path: string,
  tensors: Map<string, TensorInput> | Record<string, TensorInput>,
  metadata: Record<string, string> = {},
): void {
  writeFileAtomic(path, writeSafetensors(tensors, metadata));
}

/**
 * The tensor `name` of `file`, checked to have `dtype` (and `shape` when given); throws naming the file and
 * the tensor otherwise.
 */
export function requireTensor<D extends SafetensorsDtype>(file: SafetensorsFile, name: string, dtype: D, shape?: readonly number[]): TypedTensor<D> {
  const tensor = file.tensors.get(name);
  if (tensor === undefined) throw new Error(`${file.source}: no tensor named "${name}"`);
  if (tensor.dtype !== dtype) throw new Error(`${file.source}: tensor "${name}" is ${tensor.dtype}, expected ${dtype}`);
  if (shape !== undefined && (shape.length !== tensor.shape.length || shape.some((d, i) => d !== tensor.shape[i]))) {
    throw new Error(`${file.source}: tensor "${name}" has shape [${tensor.shape.join(",")}], expected [${shape.join(",")}]`);
  }
  return tensor as unknown as TypedTensor<D>;
}
