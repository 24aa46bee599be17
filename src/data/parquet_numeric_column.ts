/**
 * A column chunk of numbers (DOUBLE, INT64) written from shredded levels with typed loops.
 *
 * This is hyparquet-writer's `writeColumn` for the one case the window file's big list columns take —
 * no dictionary (its sample of prices and times rejects one), PLAIN values, data page v2, 1 MiB pages cut
 * at row starts, snappy as the writer is set, chunk statistics, an offset index when there are several
 * pages — decided and laid out exactly as `writeColumn` does, so the bytes are the same
 * (parquet_numeric_column.test.ts compares them). Where its dictionary sample would not reject a
 * dictionary, the chunk goes to `writeColumn` itself, so those bytes are its own too.
 *
 * Why: `writeColumn` handles every type through per-value generic calls (size estimates, comparisons,
 * `DataView` writes); on the 12.6 million prices of a year's cut that was seconds of the ≤ 5 s bound of
 * `data windows` (docs/spec.md §10, bench/windows.ts).
 */
import { endianness } from "node:os";
import type { ColumnChunk, OffsetIndex, SchemaElement } from "hyparquet";
import type { ParquetWriter } from "hyparquet-writer";
import { writeColumn } from "hyparquet-writer/src/column.js";
import { writePageHeader } from "hyparquet-writer/src/datapage.js";
import { writeRleBitPackedHybrid } from "hyparquet-writer/src/encoding.js";
import { ByteWriter } from "hyparquet-writer";
import type { ShreddedColumn } from "./parquet_levels.js";

type ColumnEncoder = Parameters<typeof writeColumn>[0]["column"];
type ColumnResult = ReturnType<typeof writeColumn>;
type Statistics = NonNullable<ColumnChunk["meta_data"]>["statistics"];
type Values = ShreddedColumn["values"];

/** `useDictionary`'s sample: at most 1,000 values spread over the chunk. */
const DICTIONARY_SAMPLE = 1000;
/** `useDictionary` rejects a dictionary when sampled distinct bytes exceed this share of sampled bytes. */
const DICTIONARY_REJECTION = 0.9;
/** Bytes of one DOUBLE or INT64 value (the page-size estimate and the PLAIN width). */
const VALUE_BYTES = 8;
const TWO_TO_32 = 2 ** 32;

/** Whether `useDictionary`'s sample rejects a dictionary for these 8-byte values (its rule, verbatim). */
function sampleRejectsDictionary(values: Values): boolean {
  const n = values.length;
  const sampleSize = Math.min(n, DICTIONARY_SAMPLE);
  // A Set compares as useDictionary's Map does (SameValueZero): +0 and -0 are one value, every NaN is one.
  const seen = new Set<number | undefined>();
  let distinctBytes = 0;
  let totalBytes = 0;
  for (let i = 0; i < sampleSize; i++) {
    const value = values[sampleSize === 1 ? 0 : Math.floor((i * (n - 1)) / (sampleSize - 1))];
    const size = value === undefined ? 0 : VALUE_BYTES;
    if (!seen.has(value)) {
      seen.add(value);
      distinctBytes += size;
    }
    totalBytes += size;
  }
  return totalBytes === 0 || distinctBytes / totalBytes > DICTIONARY_REJECTION;
}

/** Min, max and NaN count of a chunk with every value present (the typed fast path). */
function presentExtremes(values: Float64Array): { min: number | undefined; max: number | undefined; nans: number } {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  let nans = 0;
  let seen = false;
  for (let i = 0; i < values.length; i++) {
    const value = values[i]!;
    if (Number.isNaN(value)) nans++;
    else if (!seen) {
      min = value;
      max = value;
      seen = true;
    } else {
      if (value < min) min = value;
      if (value > max) max = value;
    }
  }
  return seen ? { min, max, nans } : { min: undefined, max: undefined, nans };
}

/**
 * Chunk statistics as `writeColumn` computes them: min and max skip nulls and NaN (the first of equal
 * values is kept), a zero min is -0 and a zero max +0 for doubles, NaNs are counted for doubles; INT64
 * bounds are bigints.
 */
export function numericStatistics(values: Values, type: "DOUBLE" | "INT64"): Statistics {
  let min: number | undefined;
  let max: number | undefined;
  let nans = 0;
  let nulls = 0;
  if (values instanceof Float64Array) ({ min, max, nans } = presentExtremes(values));
  else {
    for (const value of values) {
      if (value === undefined) nulls++;
      else if (Number.isNaN(value)) nans++;
      else {
        if (min === undefined || value < min) min = value;
        if (max === undefined || value > max) max = value;
      }
    }
  }
  if (type === "INT64") {
    return {
      min_value: min === undefined ? undefined : BigInt(min),
      max_value: max === undefined ? undefined : BigInt(max),
      null_count: BigInt(nulls),
    } as Statistics;
  }
  if (min === 0) min = -0;
  if (max === 0) max = 0;
  return { min_value: min, max_value: max, null_count: BigInt(nulls), nan_count: BigInt(nans) } as Statistics;
}

/**
 * Pages as `getPageBoundaries` cuts them: ≥ `pageBytes` of estimated values (`valueBytes` each, nulls
 * nothing), starting only at a row.
 */
function pageBoundaries(values: Values, repetitionLevels: Uint8Array, pageBytes: number, valueBytes: number): [number, number][] {
  if (!pageBytes) return [[0, values.length]];
  const pages: [number, number][] = [];
  let start = 0;
  if (values instanceof Float64Array) {
    // Every value weighs the same: a page is full at its (pageBytes / valueBytes)-th value, then runs to the next row.
    const full = Math.max(2, Math.ceil(pageBytes / valueBytes));
    for (let i = full - 1; i < values.length; i++) {
      if (repetitionLevels[i] !== 0) continue;
      pages.push([start, i]);
      start = i;
      i = start + full - 2;
    }
  } else {
    let bytes = 0;
    for (let i = 0; i < values.length; i++) {
      const size = values[i] === undefined ? 0 : valueBytes;
      bytes += size;
      if (bytes >= pageBytes && i > start && repetitionLevels[i] === 0) {
        pages.push([start, i]);
        start = i;
        bytes = size;
      }
    }
  }
  if (start < values.length) pages.push([start, values.length]);
  return pages;
}

/** The PLAIN bytes of the present values in `[start, end)`: little-endian doubles, or int64s from safe integers. */
function plainBytes(values: Values, start: number, end: number, present: number, type: "DOUBLE" | "INT64"): Uint8Array {
  if (type === "DOUBLE" && values instanceof Float64Array) return new Uint8Array(values.buffer.slice(start * VALUE_BYTES, end * VALUE_BYTES));
  const bytes = new Uint8Array(present * VALUE_BYTES);
  const doubles = new Float64Array(bytes.buffer);
  const words = new Int32Array(bytes.buffer);
  let k = 0;
  for (let i = start; i < end; i++) {
    const value = values[i];
    if (value === undefined) continue;
    if (type === "DOUBLE") doubles[k++] = value;
    else {
      if (!Number.isSafeInteger(value)) throw new RangeError(`parquet INT64 value is not a safe integer: ${value}`);
      // Two's complement halves: high = floor(v / 2^32), low = the rest (written as its int32 bit pattern).
      const high = Math.floor(value / TWO_TO_32);
      words[2 * k] = value - high * TWO_TO_32;
      words[2 * k + 1] = high;
      k++;
    }
  }
  return bytes;
}

/** A chunk's dictionary: distinct values in order of first appearance, and each slot's index (-1: null). */
interface Dictionary {
  values: number[];
  indexes: Int32Array;
}

/** Bytes of one dictionary index in `getPageBoundaries`' estimate (an INT32). */
const INDEX_BYTES = 4;

/**
 * The dictionary `useDictionary` builds once its sample accepts one, or undefined where its win check
 * refuses it (the dictionary and its bit-packed indexes must at most halve the PLAIN bytes).
 */
function buildDictionary(values: Values): Dictionary | undefined {
  const distinct: number[] = [];
  const indexes = new Int32Array(values.length).fill(-1);
  // A Map keys numbers as useDictionary's does (SameValueZero), so the same values share an entry.
  const position = new Map<number, number>();
  let present = 0;
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (value === undefined) continue;
    present++;
    let index = position.get(value);
    if (index === undefined) {
      index = distinct.length;
      distinct.push(value);
      position.set(value, index);
    }
    indexes[i] = index;
  }
  const indexBytes = Math.ceil((present * Math.ceil(Math.log2(distinct.length))) / 8);
  if (2 * (distinct.length * VALUE_BYTES + indexBytes) > present * VALUE_BYTES) return undefined;
  return { values: distinct, indexes };
}

/** The RLE_DICTIONARY bytes of a page: the indexes' bit width, then the indexes (nulls skipped) RLE/bit-packed. */
function dictionaryPageBytes(indexes: Int32Array, start: number, end: number, nulls: number): Uint8Array {
  const present = nulls === 0 ? indexes.subarray(start, end) : indexes.subarray(start, end).filter((index) => index >= 0);
  let largest = 0;
  for (let i = 0; i < present.length; i++) if (present[i]! > largest) largest = present[i]!;
  const bitWidth = Math.ceil(Math.log2(largest + 1));
  const page = new ByteWriter(16 + Math.ceil((present.length * (bitWidth + 1)) / 8));
  page.appendUint8(bitWidth);
  writeRleBitPackedHybrid(page, present as unknown as number[], bitWidth);
  return page.getBytes();
}

/** Bit width of levels up to `max` (`writeLevels`). */
const levelBits = (max: number): number => Math.ceil(Math.log2(max + 1));

/** The number of entries of `levels` in `[start, end)` with `test` true. */
function count(levels: Uint8Array, start: number, end: number, test: (level: number) => boolean): number {
  let n = 0;
  for (let i = start; i < end; i++) if (test(levels[i]!)) n++;
  return n;
}

/** The chunk through `writeColumn` itself (a dictionary is possible): INT64 values as the bigints it takes. */
function writeThroughLibrary(writer: ParquetWriter, column: ColumnEncoder, shredded: ShreddedColumn): ColumnResult {
  const int64 = column.element.type === "INT64";
  const values = Array.from(shredded.values, (v) => (v === undefined || !int64 ? v : BigInt(v)));
  const pageData = { ...shredded, values, definitionLevels: Array.from(shredded.definitionLevels), repetitionLevels: Array.from(shredded.repetitionLevels) };
  return writeColumn({ writer: writer.writer, column, pageData });
}

/**
 * Write one numeric leaf column chunk of `shredded` values at the writer's position (see the file's
 * comment). `maxRepetitionLevel` is the number of REPEATED levels above the leaf.
 */
export function writeNumericColumn(writer: ParquetWriter, column: ColumnEncoder, shredded: ShreddedColumn, maxRepetitionLevel: number): ColumnResult {
  const element: SchemaElement = column.element;
  const type = element.type;
  const { values, definitionLevels, repetitionLevels, maxDefinitionLevel } = shredded;
  // Typed views write the machine's byte order; Parquet's is little-endian.
  if ((type !== "DOUBLE" && type !== "INT64") || endianness() !== "LE") return writeThroughLibrary(writer, column, shredded);
  const dictionary = sampleRejectsDictionary(values) ? undefined : buildDictionary(values);
  const out = writer.writer;
  const chunkStart = out.offset;
  const statistics = column.stats ? numericStatistics(values, type) : undefined;
  const compress = column.compressors[column.codec];
  let uncompressedSize = 0;
  if (dictionary) {
    const bytes = plainBytes(dictionary.values, 0, dictionary.values.length, dictionary.values.length, type);
    const compressed = compress?.(bytes) ?? bytes;
    writePageHeader(out, {
      type: "DICTIONARY_PAGE",
      uncompressed_page_size: bytes.length,
      compressed_page_size: compressed.length,
      dictionary_page_header: { num_values: dictionary.values.length, encoding: "PLAIN" },
    });
    uncompressedSize += out.offset - chunkStart + bytes.length;
    out.appendBytes(compressed);
  }
  const dataStart = out.offset;
  const encoding = dictionary ? "RLE_DICTIONARY" : "PLAIN";
  const pages = pageBoundaries(values, repetitionLevels, column.pageSize, dictionary ? INDEX_BYTES : VALUE_BYTES);
  const offsetIndex: OffsetIndex | undefined = column.offsetIndex && pages.length > 1 ? { page_locations: [] } : undefined;
  let firstRow = 0n;
  let previousStart = 0;
  for (const [start, end] of pages) {
    const pageOffset = out.offset;
    const levels = new ByteWriter();
    const repetitionBytes = writeRleBitPackedHybrid(levels, repetitionLevels.subarray(start, end), levelBits(maxRepetitionLevel));
    const definitionBytes = writeRleBitPackedHybrid(levels, definitionLevels.subarray(start, end), levelBits(maxDefinitionLevel));
    const rows = count(repetitionLevels, start, end, (level) => level === 0);
    const nulls = values instanceof Float64Array ? 0 : count(definitionLevels, start, end, (level) => level < maxDefinitionLevel);
    const page = dictionary ? dictionaryPageBytes(dictionary.indexes, start, end, nulls) : plainBytes(values, start, end, end - start - nulls, type);
    const compressed = compress?.(page) ?? page;
    const headerStart = out.offset;
    writePageHeader(out, {
      type: "DATA_PAGE_V2",
      uncompressed_page_size: levels.offset + page.length,
      compressed_page_size: levels.offset + compressed.length,
      data_page_header_v2: {
        num_values: end - start,
        num_nulls: nulls,
        num_rows: rows,
        encoding,
        definition_levels_byte_length: definitionBytes,
        repetition_levels_byte_length: repetitionBytes,
        is_compressed: !!column.codec,
      },
    });
    uncompressedSize += out.offset - headerStart + levels.offset + page.length;
    out.appendBytes(levels.getBytes());
    out.appendBytes(compressed);
    if (offsetIndex) {
      firstRow += BigInt(count(repetitionLevels, previousStart + 1, start + 1, (level) => level === 0));
      offsetIndex.page_locations.push({ offset: BigInt(pageOffset), compressed_page_size: out.offset - pageOffset, first_row_index: firstRow });
    }
    previousStart = start;
  }
  return {
    chunk: {
      meta_data: {
        type,
        encodings: dictionary ? ["PLAIN", "RLE_DICTIONARY"] : ["PLAIN"],
        path_in_schema: column.schemaPath.slice(1).map((s) => s.name),
        codec: column.codec ?? "UNCOMPRESSED",
        num_values: BigInt(values.length),
        total_compressed_size: BigInt(out.offset - chunkStart),
        total_uncompressed_size: BigInt(uncompressedSize),
        data_page_offset: BigInt(dataStart),
        dictionary_page_offset: dictionary ? BigInt(chunkStart) : undefined,
        statistics,
        encoding_stats: column.stats
          ? [
              ...(dictionary ? [{ page_type: "DICTIONARY_PAGE" as const, encoding: "PLAIN" as const, count: 1 }] : []),
              { page_type: "DATA_PAGE_V2" as const, encoding, count: pages.length },
            ]
          : undefined,
      },
      file_offset: BigInt(chunkStart),
    },
    offsetIndex,
  };
}
