/**
 * `spanlab baseline`: the transparent rule detector tuned on a run's training windows and scored on its
 * validation windows with the models' metrics — the bar a network has to clear.
 */
import type { Command } from "commander";
import { loadWindows } from "../data/load.js";
import { WINDOW_BARS, windowSpans } from "../data/window.js";
import { SPLIT_KINDS } from "../data/splits.js";
import { evaluateRuleOnSplit } from "../eval/rule_split.js";
import { allPositiveScores } from "../eval/threshold.js";
import { describeSplit, runSplit } from "../train/train.js";
import { defaultDataPath } from "../util/package.js";
import { choiceFlag, integerFlag } from "./flags.js";

export function registerBaselineCommand(program: Command): void {
  program
    .command("baseline")
    .description("score the rule detector (range_z and expansion_proxy thresholds) with the models' metrics")
    .option("--data <file>", "window file (.parquet or .jsonl); default: the bundled dataset")
    .option("--seed <n>", "seed of the split (the same split `spanlab train --seed` uses)", "42")
    .option("--split <kind>", "auto (time when the windows carry bar times, else group), time, group or reference, as `spanlab train`", "auto")
    .option("--json", "print the result as JSON", false)
    .action(async (flags: { data?: string; seed: string; split: string; json: boolean }) => {
      const seed = integerFlag("seed", flags.seed);
      const requested = choiceFlag("split", flags.split, SPLIT_KINDS);
      const data = flags.data ?? defaultDataPath();
      const windows = await loadWindows(data);
      const split = runSplit(windows, { seed, split: requested, validationFraction: 0.2, data });
      const kind = split.kind;
      const result = evaluateRuleOnSplit(windows, split.train, split.validation);
      // Per-bar: every annotated span of a window is in span.
      const allPositive = allPositiveScores(
        split.validation.map((i) => windowSpans(windows[i]!)),
        WINDOW_BARS,
      );
      if (flags.json) {
        process.stdout.write(
          `${JSON.stringify(
            {
              data,
              seed,
              split: kind,
              trainWindows: split.train.length,
              validationWindows: split.validation.length,
              purgedWindows: split.purged.length,
              ...result,
              allPositive,
            },
            null,
            2,
          )}\n`,
        );
        return;
      }
      const f = (v: number) => v.toFixed(3);
      const hit3 = result.spanLevel.hitAt.find((h) => h.k === 3)!.rate;
      process.stdout.write(
        `${[
          `${data}: ${describeSplit(split)}, seed ${seed}`,
          `rule: range_z > ${result.rule.rangeZThreshold.toFixed(2)} && |expansion_proxy| > ${result.rule.expansionProxyThreshold.toFixed(2)} (tuned on training windows, F1 ${f(result.trainingF1)})`,
          `validation, pooled bars: F1 ${f(result.pooled.f1)} (P ${f(result.pooled.precision)}, R ${f(result.pooled.recall)})`,
          `validation, longest run per window: mean IoU ${f(result.spanLevel.meanIoU)}, strict span F1 ${f(result.spanLevel.f1)}, hit@3 ${f(hit3)}`,
          `all bars in-span: F1 ${f(allPositive.f1)}`,
        ].join("\n")}\n`,
      );
    });
}
