/**
 * `spanlab features [FILE] --out FILE.json`: the (windows × 105 × F) relativity feature tensor with window
 * ids, so it can be inspected or checked against another implementation.
 */
import type { Command } from "commander";
import { loadWindows } from "../data/load.js";
import { computeWindowFeatures, FEATURE_NAMES } from "../features/index.js";
import { assertWritable, writeFileAtomic } from "../util/files.js";
import { defaultDataPath } from "../util/package.js";

export interface FeatureFile {
  source: string;
  feature_names: string[];
  /** [windows, bars, features] */
  shape: [number, number, number];
  window_ids: string[];
  /** Nested [window][bar][feature], float32 values written exactly. */
  features: number[][][];
}

/** Computes the feature tensor of a window file in the JSON layout `spanlab features` writes. */
export async function featureFile(path: string, options: { position?: boolean; skipInvalid?: boolean } = {}): Promise<FeatureFile> {
  const windows = await loadWindows(path, { skipInvalid: options.skipInvalid ?? false });
  const { windowIds, tensor, shape } = computeWindowFeatures(windows, { position: options.position ?? false });
  const [count, bars, width] = shape;
  const features: number[][][] = [];
  for (let w = 0; w < count; w++) {
    const window: number[][] = [];
    for (let t = 0; t < bars; t++) {
      const offset = (w * bars + t) * width;
      window.push(Array.from(tensor.subarray(offset, offset + width)));
    }
    features.push(window);
  }
  return { source: path, feature_names: FEATURE_NAMES.slice(0, width), shape, window_ids: windowIds, features };
}

export function registerFeaturesCommand(program: Command): void {
  program
    .command("features")
    .description("write the (windows × 105 × 12) relativity feature tensor of a window file as JSON")
    .argument("[file]", "window file (.parquet or .jsonl); default: the bundled dataset")
    .requiredOption("--out <file>", "output JSON file")
    .option("--position", "add the 13th feature, bar position t/104", false)
    .option("--skip-invalid", "drop invalid windows (written to a rejects file) instead of refusing the file", false)
    .option("--force", "replace --out if it exists", false)
    .action(async (file: string | undefined, options: { out: string; position: boolean; skipInvalid: boolean; force: boolean }) => {
      assertWritable(options.out, options.force);
      const result = await featureFile(file ?? defaultDataPath(), options);
      writeFileAtomic(options.out, `${JSON.stringify(result)}\n`);
      const [windows, bars, width] = result.shape;
      process.stdout.write(`${options.out}: ${windows} windows × ${bars} bars × ${width} features from ${result.source}\n`);
    });
}
