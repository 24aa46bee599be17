/**
 * Writing a window file a chunk at a time: each chunk is validated (docs/spec.md §1: spanlab never writes
 * a file it would refuse to read), encoded and appended, and only a complete file is renamed into place.
 * `data windows` streams its windows through one of these, so a cut of 30,000 windows holds one chunk of
 * bars in memory, not all of them (the ≤ 300 MB bound of bench/windows.ts). Parquet chunks become row
 * groups (src/data/parquet.ts), so the file is the same whether written in one piece or in chunks.
 */
import { closeSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import type { Window } from "./window.js";
import { encodeJsonl } from "./jsonl.js";
import { ByteWriter } from "hyparquet-writer";
import { ParquetWindowEncoder, type OptionalColumns } from "./parquet.js";
import { summarizeProblems, validateWindows, formatValue } from "./validate.js";
import type { Problem } from "./validate.js";
import { assertWritable } from "../util/files.js";

export interface WindowSink {
  /** Validate and append `windows`; a problem aborts the file (nothing is left behind) and throws. */
  write(windows: readonly Window[]): void;
  /** Finish the file and rename it into place; returns how many windows it holds. */
  close(): number;
  /** Drop the unfinished file. */
  abort(): void;
}

let temporaryCounter = 0;

/** Write all of `data`: writeSync may write less than it was given. */
function writeFully(fd: number, data: Uint8Array | string): void {
  const bytes = typeof data === "string" ? Buffer.from(data, "utf8") : data;
  let done = 0;
  while (done < bytes.byteLength) done += writeSync(fd, bytes, done, bytes.byteLength - done);
}

/** Throws with every problem of `windows` (rows numbered from `firstRow`), checking ids against `seen`. */
function validateChunk(path: string, windows: readonly Window[], firstRow: number, seen: Map<string, number>): void {
  const problems: Problem[] = validateWindows(windows, { file: path }).problems.map((p) => ({ ...p, row: p.row + firstRow }));
  windows.forEach((w, k) => {
    const earlier = seen.get(w.window_id);
    if (earlier !== undefined && earlier < firstRow) {
      problems.push({
        file: path,
        row: firstRow + k,
        windowId: w.window_id,
        field: "window_id",
        value: formatValue(w.window_id),
        expected: `a unique id (row ${earlier} has the same window_id)`,
      });
    } else if (earlier === undefined) seen.set(w.window_id, firstRow + k);
  });
  if (problems.length > 0) {
    problems.sort((a, b) => a.row - b.row);
    throw new Error(`${path}: not written, ${problems.length} problem(s) in the windows:\n${summarizeProblems(problems)}`);
  }
}

/**
 * Parquet bytes that go to the file after every row group (ParquetWriter calls `flush` then), so the
 * encoder never holds more than one row group — the way hyparquet-writer's own file writer does it.
 */
class FileBytes extends ByteWriter {
  constructor(private readonly fd: number) {
    super(1 << 20);
  }

  flush(): void {
    writeFully(this.fd, new Uint8Array(this.buffer, 0, this.index));
    this.index = 0;
  }
}

/**
 * A sink writing `path` (format by extension: `.parquet`, or JSONL). `columns` fixes which optional
 * Parquet columns the file has; a window carrying a field its file has no column for is refused.
 */
export function openWindowSink(path: string, format: "parquet" | "jsonl", columns: OptionalColumns, options: { overwrite?: boolean } = {}): WindowSink {
  assertWritable(path, options.overwrite ?? false);
  const folder = dirname(path);
  mkdirSync(folder, { recursive: true });
  const temporary = join(folder, `.${basename(path)}.${process.pid}.${temporaryCounter++}.tmp`);
  const seen = new Map<string, number>();
  let count = 0;
  let finished = false;
  let fd: number | undefined = openSync(temporary, "wx");
  const parquet = format === "parquet" ? new ParquetWindowEncoder(columns, new FileBytes(fd)) : undefined;

  const abort = (): void => {
    if (finished) return;
    finished = true;
    if (fd !== undefined) closeSync(fd);
    fd = undefined;
    rmSync(temporary, { force: true });
  };
  return {
    write(windows) {
      if (finished) throw new Error(`${path}: the sink is closed`);
      try {
        validateChunk(path, windows, count, seen);
        if (parquet) parquet.add(windows);
        else if (windows.length > 0) writeFully(fd!, encodeJsonl(windows));
        count += windows.length;
      } catch (error) {
        abort();
        throw error;
      }
    },
    close() {
      if (finished) throw new Error(`${path}: the sink is closed`);
      try {
        if (count === 0) throw new Error(`${path}: refusing to write a window file with no windows`);
        // What is left after the last row group: the footer.
        if (parquet) writeFully(fd!, parquet.finish());
        closeSync(fd!);
        fd = undefined;
        renameSync(temporary, path);
        finished = true;
        return count;
      } catch (error) {
        abort();
        throw error;
      }
    },
    abort,
  };
}
