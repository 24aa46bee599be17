/**
 * One row group of a window file, from columns already shredded into levels (src/data/parquet_levels.ts).
 *
 * hyparquet-writer's `ParquetWriter.write` shreds every column itself; this does the same row-group
 * bookkeeping around the same column writer (`writeColumn`), with the same options `write` uses by default
 * (offset index on, column index off, 1 MiB pages, statistics as the writer is set), so a file is the
 * same bytes either way. The writer's `finish` then writes the indexes and footer as usual.
 * Shredded numeric columns go to src/data/parquet_numeric_column.ts, which writes them as `writeColumn`
 * would, with typed loops.
 */
import type { SchemaElement, SchemaTree } from "hyparquet";
import type { ParquetWriter } from "hyparquet-writer";
import { writeColumn } from "hyparquet-writer/src/column.js";
import { encodeNestedValues } from "hyparquet-writer/src/dremel.js";
import { schemaPathResolver } from "hyparquet-writer/src/schema.js";
import type { ShreddedColumn } from "./parquet_levels.js";
import { writeNumericColumn } from "./parquet_numeric_column.js";

/** hyparquet-writer's default page size (`ParquetWriter.write`'s `pageSize`). */
const PAGE_BYTES = 1 << 20;

/** A top-level column of one row group: its rows as given, or its leaf already shredded. */
export type RowGroupColumn = { name: string; rows: unknown[] } | { name: string; shredded: ShreddedColumn };

/** The path from the root to the one leaf under `name` (every window-file column has one leaf). */
export function leafPath(resolve: (path: string[]) => SchemaTree[], name: string): SchemaTree[] {
  const path = resolve([name]);
  let node = path[path.length - 1]!;
  while (node.children.length > 0) {
    if (node.children.length !== 1) throw new Error(`parquet column ${name}: more than one leaf`);
    node = node.children[0]!;
    path.push(node);
  }
  return path;
}

const resolvers = new WeakMap<SchemaElement[], (path: string[]) => SchemaTree[]>();

/**
 * Append one row group of `rowCount` rows to `writer`, hand its bytes to `onBytes` (the file's content
 * hash), then let its byte sink flush.
 */
export function writeRowGroup(writer: ParquetWriter, columns: readonly RowGroupColumn[], rowCount: number, onBytes?: (bytes: Uint8Array) => void): void {
  let resolve = resolvers.get(writer.schema);
  if (!resolve) {
    resolve = schemaPathResolver(writer.schema);
    resolvers.set(writer.schema, resolve);
  }
  const groupStart = writer.writer.offset;
  // hyparquet-writer's ByteWriter: `index` is where the next byte goes in `buffer` (reset when it flushes).
  const sink = writer.writer as unknown as { index: number; buffer: ArrayBuffer };
  const startIndex = sink.index;
  const chunks = [];
  for (const column of columns) {
    const tree = leafPath(resolve, column.name);
    const schemaPath = tree.map((node) => node.element);
    const element = schemaPath[schemaPath.length - 1]!;
    const encoder = {
      columnName: schemaPath
        .slice(1)
        .map((element) => element.name)
        .join("."),
      element,
      schemaPath,
      codec: writer.codec,
      compressors: writer.compressors,
      stats: writer.statistics,
      statisticsTruncateLength: writer.statisticsTruncateLength,
      pageSize: PAGE_BYTES,
      columnIndex: false,
      offsetIndex: true,
    };
    const repeatedLevels = schemaPath.filter((e) => e.repetition_type === "REPEATED").length;
    const result =
      "shredded" in column
        ? writeNumericColumn(writer, encoder, column.shredded, repeatedLevels)
        : writeColumn({ writer: writer.writer, column: encoder, pageData: encodeNestedValues(tree, column.rows) });
    chunks.push(result.chunk);
    writer.pendingIndexes.push(result);
  }
  let totalBytes = 0n;
  for (const { meta_data } of chunks) totalBytes += meta_data?.total_uncompressed_size ?? 0n;
  writer.num_rows += BigInt(rowCount);
  writer.row_groups.push({
    columns: chunks,
    total_byte_size: totalBytes,
    num_rows: BigInt(rowCount),
    total_compressed_size: BigInt(writer.writer.offset - groupStart),
  });
  onBytes?.(new Uint8Array(sink.buffer, startIndex, sink.index - startIndex));
  void writer.writer.flush?.();
}
