/** `spanlab train`: one training run into a new run folder, or `--resume DIR` to continue one. */
import type { Command } from "commander";
import { SPAN_OBJECTIVES } from "../model/heads/registry.js";
import { TRAIN_DEFAULTS } from "../train/config.js";
import { describeSplit, resume, train, type TrainResult } from "../train/train.js";
import { defaultDataPath } from "../util/package.js";
import { createProgressDisplay } from "./progress.js";
import { addLossSettingOptions, choiceFlag, integerFlag, numberFlag } from "./flags.js";
import { SPLIT_KINDS } from "../data/splits.js";
import { parsePosWeight } from "../train/pos_weight.js";
import { TASK_WEIGHTINGS } from "../model/jade_compact.js";

interface TrainFlags {
  loss: string;
  data?: string;
  epochs: string;
  batchSize: string;
  lr: string;
  weightDecay: string;
  seed: string;
  posWeight: string;
  weighting: string;
  clipGradNorm?: string;
  split: string;
  embargo?: string;
  position: boolean;
  skipInvalid: boolean;
  out?: string;
  resume?: string;
}

function summary(result: TrainResult): string {
  const first = result.records[0];
  const last = result.records.at(-1);
  const lines = [`run folder: ${result.runDirectory}`, `split: ${describeSplit(result.split)}`];
  if (first && last) {
    const best = last.best_epoch;
    lines.push(
      `validation loss ${first.validation.unweighted.toFixed(4)} (epoch 1) → ${last.validation.unweighted.toFixed(4)} (epoch ${last.epoch}); ` +
        `best ${last.best_validation_loss.toFixed(4)} at epoch ${best}`,
    );
  }
  if (!result.complete) lines.push(`stopped after epoch ${last?.epoch ?? 0} of ${result.config.epochs}; continue with --resume ${result.runDirectory}`);
  return lines.join("\n");
}

export function registerTrainCommand(program: Command): void {
  addLossSettingOptions(program.command("train"))
    .description("train JadeCompact with the soft span loss or the CRF into a new run folder")
    .option("--loss <loss>", `span objective: ${SPAN_OBJECTIVES.join(" or ")}`, TRAIN_DEFAULTS.loss)
    .option("--data <file>", "window file (.parquet or .jsonl); default: the bundled dataset")
    .option("--epochs <n>", "epochs", String(TRAIN_DEFAULTS.epochs))
    .option("--batch-size <n>", "windows per batch", String(TRAIN_DEFAULTS.batchSize))
    .option("--lr <rate>", "AdamW learning rate", String(TRAIN_DEFAULTS.learningRate))
    .option("--weight-decay <wd>", "AdamW weight decay (all parameters)", String(TRAIN_DEFAULTS.weightDecay))
    .option("--seed <n>", "seed of the split, the initialisation, shuffling and dropout", String(TRAIN_DEFAULTS.seed))
    .option("--clip-grad-norm <norm>", "clip the global gradient norm (default: no clipping, as the reference)")
    .option(
      "--split <kind>",
      "auto (time when the windows carry bar times, else group), time (purged walk-forward: the latest events validate), group (by base_window_id) or reference (the reference's row split)",
      TRAIN_DEFAULTS.split,
    )
    .option("--embargo <bars>", "time split: bars after each validation window no training window may start in (default: 1% of the bar times)")
    .option("--position", "add the 13th feature, bar position", false)
    .option("--skip-invalid", "drop invalid windows (written to a rejects file) instead of refusing the data", false)
    .option("--out <dir>", "run folder to create (default: a new folder under runs/)")
    .option("--resume <dir>", "continue an interrupted run in its folder")
    .action(async (flags: TrainFlags) => {
      const display = createProgressDisplay(process.stderr);
      let result: TrainResult;
      try {
        if (flags.resume !== undefined) {
          result = await resume(flags.resume, { onEvent: (event) => display.onEvent(event) });
        } else {
          const loss = choiceFlag("loss", flags.loss, SPAN_OBJECTIVES);
          const split = choiceFlag("split", flags.split, SPLIT_KINDS);
          result = await train(
            {
              loss,
              data: flags.data ?? defaultDataPath(),
              epochs: integerFlag("epochs", flags.epochs, 1),
              batchSize: integerFlag("batch-size", flags.batchSize, 1),
              learningRate: numberFlag("lr", flags.lr),
              weightDecay: numberFlag("weight-decay", flags.weightDecay),
              seed: integerFlag("seed", flags.seed),
              posWeight: parsePosWeight(flags.posWeight),
              weighting: choiceFlag("weighting", flags.weighting, TASK_WEIGHTINGS),
              clipGradNorm: flags.clipGradNorm === undefined ? null : numberFlag("clip-grad-norm", flags.clipGradNorm),
              split,
              embargoBars: flags.embargo === undefined ? null : integerFlag("embargo", flags.embargo, 0),
              position: flags.position,
              skipInvalid: flags.skipInvalid,
            },
            {
              ...(flags.out !== undefined ? { runDirectory: flags.out } : {}),
              onEvent: (event) => display.onEvent(event),
            },
          );
        }
      } finally {
        display.stop();
      }
      process.stdout.write(`${summary(result)}\n`);
    });
}
