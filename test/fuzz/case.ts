import fc from "fast-check";
/**
 * One case of the fuzz corpus (test/fuzz/corpus.ts): the files a malformed input consists of, the spanlab
 * command run on it and what its error must name. Every case must end in a named error with a non-zero
 * exit, within the harness's time and memory bounds, writing nothing (test/fuzz/fuzz.test.ts).
 */

/**
 * A file of the case's folder: bytes or text, or a folder, a FIFO or a symbolic link where a file is
 * expected, or (in a copied folder) a file removed.
 */
export type CaseFile = Uint8Array | string | { directory: true } | { fifo: true } | { symlink: string } | { remove: true };

export interface FuzzCase {
  /** Unique, stable id (the folder the case runs in). */
  id: string;
  /** Which kind of input is malformed. */
  family: "windows" | "bars" | "annotations" | "checkpoint" | "state" | "config" | "options";
  /** The malformed input, in words. */
  description: string;
  /** The case's own files by relative path (shared valid inputs are referenced by absolute path in `args`). */
  files: Record<string, CaseFile>;
  /** Run folders or bundles copied into the case folder before its files are written: relative path → source folder. */
  folders?: Record<string, string>;
  /** spanlab's arguments; `@/` at the start of an argument stands for the case folder. */
  args: string[];
  /** Text the error must contain (a path, an option, a field): what makes the error "named". */
  names: string[];
}

/** The valid inputs the corpus's cases are mutated from, and a few shared files they use beside their own. */
export interface CorpusBase {
  /** JSONL text of a valid window file (a few synthetic windows). */
  windowsJsonl: string;
  /** A valid Parquet window file's bytes. */
  windowsParquet: Uint8Array;
  /** Path of a valid JSONL window file. */
  windowsPath: string;
  /** CSV text of valid bars, and the path of the valid annotations that fit them. */
  barsCsv: string;
  barsPath: string;
  annotationsCsv: string;
  annotationsPath: string;
  /** Path and bytes of a valid checkpoint. */
  checkpointPath: string;
  checkpoint: Uint8Array;
  /** A run folder interrupted after 2 of 3 epochs (resumable as it is). */
  runFolder: string;
  /** A comparison folder holding only its compare_config.json (resumable as it is). */
  comparisonFolder: string;
}

/** `count` distinct values drawn from `arbitrary` with fast-check (seeded: the same values every time). */
export function sampleDistinct<T>(arbitrary: import("fast-check").Arbitrary<T>, seed: number, count: number): T[] {
  const seen = new Set<string>();
  const values: T[] = [];
  for (const value of fc.sample(arbitrary, { seed, numRuns: count * 8 })) {
    const key = JSON.stringify(value);
    if (seen.has(key)) continue;
    seen.add(key);
    values.push(value);
    if (values.length === count) break;
  }
  return values;
}
