/**
 * The fuzz corpus: spanlab's own collection of malformed windows, bars, annotations, checkpoints, run
 * states and configurations (docs/spec.md §1, §10, §11 say what valid ones are). Generated, not stored:
 * `buildCorpus` derives every case from a few valid inputs and one seed (fast-check draws the positions
 * and values), so the same seed always gives the same cases. test/fuzz/fuzz.test.ts writes each case into
 * a folder and runs it; `SPANLAB_FUZZ_DIR=DIR npm run fuzz` keeps those folders in DIR for reading.
 */
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { writeWindows } from "../../src/data/load.js";
import { formatJsonl } from "../../src/data/jsonl.js";
import { encodeParquet } from "../../src/data/parquet.js";
import { DEFAULT_SYNTH_PARAMS, synthesizeWindows } from "../../src/data/synth.js";
import { createComparisonFolder, resolveProtocol } from "../../src/compare/compare.js";
import { train } from "../../src/train/train.js";
import { Rng } from "../../src/util/rng.js";
import type { CorpusBase, FuzzCase } from "./case.js";
import { windowCases } from "./corpus_windows.js";
import { annotationCases, barCases } from "./corpus_bars.js";
import { checkpointCases, stateCases } from "./corpus_models.js";
import { configCases } from "./corpus_configs.js";

/** The corpus's seed: change it to draw a different corpus (every case must still end in a named error). */
export const CORPUS_SEED = 20261202;

const FIXTURES = join(import.meta.dirname, "..", "fixtures");

/** The valid inputs every case is mutated from, written under `directory`. */
export async function buildBase(directory: string): Promise<CorpusBase> {
  mkdirSync(directory, { recursive: true });
  const windows = synthesizeWindows({ ...DEFAULT_SYNTH_PARAMS, windows: 4 }, new Rng(CORPUS_SEED));
  const windowsPath = join(directory, "windows.jsonl");
  writeWindows(windowsPath, windows);
  const runFolder = join(directory, "run");
  await train({ loss: "soft", data: windowsPath, epochs: 3, batchSize: 8, seed: 2 }, { runDirectory: runFolder, stopAfterEpochs: 2 });
  const comparisonFolder = join(directory, "comparison");
  createComparisonFolder({ out: comparisonFolder, data: windowsPath }, resolveProtocol({ data: windowsPath, seeds: 1, epochs: 1, workers: 1 }));
  const barsPath = join(FIXTURES, "bars", "clean.csv");
  const annotationsPath = join(FIXTURES, "bars", "events.csv");
  const checkpointPath = join(FIXTURES, "checkpoints", "spanlab_soft.safetensors");
  return {
    windowsJsonl: formatJsonl(windows),
    windowsParquet: encodeParquet(windows),
    windowsPath,
    barsCsv: readFileSync(barsPath, "utf8"),
    barsPath,
    annotationsCsv: readFileSync(annotationsPath, "utf8"),
    annotationsPath,
    checkpointPath,
    checkpoint: readFileSync(checkpointPath),
    runFolder,
    comparisonFolder,
  };
}

/** Every case of the corpus, in a fixed order, ids unique. */
export function buildCorpus(base: CorpusBase, seed = CORPUS_SEED): FuzzCase[] {
  const cases = [
    ...windowCases(base, seed),
    ...barCases(base, seed),
    ...annotationCases(base, seed),
    ...checkpointCases(base, seed),
    ...stateCases(base),
    ...configCases(base),
  ];
  const ids = new Set<string>();
  for (const fuzzCase of cases) {
    if (ids.has(fuzzCase.id)) throw new Error(`fuzz corpus: case id ${fuzzCase.id} is used twice`);
    ids.add(fuzzCase.id);
  }
  return cases;
}
