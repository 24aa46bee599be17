/**
 * `spanlab predict --checkpoint F [--data F] --out F.json`: run a checkpoint over a window file and write,
 * per window, the per-bar span probabilities, the decoded paths and span, class probabilities and
 * pointers (see src/predict/predict.ts), with a one-line summary on stdout.
 */
import type { Command } from "commander";
import { DEFAULT_PREDICT_BATCH, DEFAULT_THRESHOLD, predictFile, type PredictionReport } from "../predict/predict.js";
import { assertWritable, writeFileAtomic } from "../util/files.js";
import { defaultDataPath } from "../util/package.js";

interface PredictFlags {
  checkpoint: string;
  data?: string;
  out: string;
  threshold: string;
  batchSize: string;
  skipInvalid: boolean;
  force: boolean;
}

/** The summary line: windows, head, mean in-span probability and decoded spans hitting the truth. */
export function formatPredictionSummary(out: string, report: PredictionReport): string {
  const s = report.summary;
  const mean = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : "n/a");
  return (
    `${out}: ${s.windows} windows, ${report.loss_type} head, mean p in span ${mean(s.mean_in_span_probability)} ` +
    `(out of span ${mean(s.mean_out_of_span_probability)}), decoded span IoU ≥ 0.5 in ${s.span_hits}/${s.windows} windows`
  );
}

export function registerPredictCommand(program: Command): void {
  program
    .command("predict")
    .description("predict the expansion span of every window with a checkpoint; write per-bar probabilities and decoded spans as JSON")
    .requiredOption("--checkpoint <file>", "model checkpoint (.safetensors: spanlab's, or a PyTorch state dict)")
    .option("--data <file>", "window file (.parquet or .jsonl); default: the bundled dataset")
    .requiredOption("--out <file>", "output JSON file")
    .option("--threshold <p>", "threshold path: bars with probability > p", String(DEFAULT_THRESHOLD))
    .option("--batch-size <n>", "windows per forward pass", String(DEFAULT_PREDICT_BATCH))
    .option("--skip-invalid", "drop invalid windows (written to a rejects file) instead of refusing the file", false)
    .option("--force", "replace --out if it exists", false)
    .action(async (flags: PredictFlags) => {
      const threshold = Number(flags.threshold);
      if (flags.threshold.trim() === "" || !(threshold >= 0 && threshold <= 1)) {
        throw new Error(`--threshold must be a number in [0, 1], got ${JSON.stringify(flags.threshold)}`);
      }
      const batchSize = Number(flags.batchSize);
      if (!Number.isInteger(batchSize) || batchSize < 1) {
        throw new Error(`--batch-size must be a positive integer, got ${JSON.stringify(flags.batchSize)}`);
      }
      // Refuse before the work, so a long run never ends in a refusal.
      assertWritable(flags.out, flags.force);
      const report = await predictFile({
        checkpoint: flags.checkpoint,
        data: flags.data ?? defaultDataPath(),
        threshold,
        batchSize,
        skipInvalid: flags.skipInvalid,
      });
      writeFileAtomic(flags.out, JSON.stringify(report) + "\n");
      process.stdout.write(formatPredictionSummary(flags.out, report) + "\n");
    });
}
