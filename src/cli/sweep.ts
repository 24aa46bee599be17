/**
 * `spanlab sweep`: a grid of configurations, each a paired comparison (docs/spec.md §7). Lists are
 * comma-separated: `--epochs 50,100,200 --position off,on`.
 */
import { QUEUE_FLAG_HELP, withQueue } from "./queue_flag.js";
import type { Command } from "commander";
import { resumeSweepAndWriteBundles, sweepAndWriteBundles, type SweepOutcome } from "../app/sweep.js";
import { TASK_WEIGHTINGS } from "../model/jade_compact.js";
import type { SweepGrid } from "../compare/sweep.js";
import { parsePosWeight } from "../train/pos_weight.js";
import { defaultDataPath } from "../util/package.js";
import { choiceFlag, integerFlag, numberFlag, objectivesFlag } from "./flags.js";
import { runProgress } from "./run_progress.js";
import { configDiff, formatConfigDiff } from "../compare/config_diff.js";

interface SweepFlags {
  data?: string;
  objectives?: string;
  epochs?: string;
  posWeight?: string;
  position?: string;
  lr?: string;
  batchSize?: string;
  weighting?: string;
  seeds: string;
  firstSeed: string;
  workers?: string;
  queue?: string;
  out?: string;
  resume?: string;
  json: boolean;
}

const list = (text: string) => text.split(",").map((part) => part.trim());

function onOff(flag: string, text: string): boolean {
  const value = text.toLowerCase();
  if (value === "on" || value === "true") return true;
  if (value === "off" || value === "false") return false;
  throw new Error(`--${flag}: expected on or off, got "${text}"`);
}

/** The grid from the flags: each listed setting's values, in the order given. */
export function gridFromFlags(flags: SweepFlags): SweepGrid {
  const grid: SweepGrid = {};
  if (flags.epochs !== undefined) grid.epochs = list(flags.epochs).map((v) => integerFlag("epochs", v));
  if (flags.posWeight !== undefined) grid.posWeight = list(flags.posWeight).map((v) => parsePosWeight(v));
  if (flags.position !== undefined) grid.position = list(flags.position).map((v) => onOff("position", v));
  if (flags.lr !== undefined) grid.learningRate = list(flags.lr).map((v) => numberFlag("lr", v));
  if (flags.batchSize !== undefined) grid.batchSize = list(flags.batchSize).map((v) => integerFlag("batch-size", v));
  if (flags.weighting !== undefined) grid.weighting = list(flags.weighting).map((v) => choiceFlag("weighting", v, TASK_WEIGHTINGS));
  return grid;
}

function table(outcome: SweepOutcome): string {
  const { result } = outcome;
  const lines = [
    `sweep: ${outcome.directory}`,
    `${result.configurations.length} configurations × ${result.seeds.length} paired seeds; span F1, own decoder (primary):`,
  ];
  const cell = (s: { mean: number; low: number; high: number } | null | undefined) =>
    s ? `${s.mean.toFixed(3)} [${s.low.toFixed(3)}, ${s.high.toFixed(3)}]` : "—";
  const width = Math.max(...result.configurations.map((c) => c.label.length), 13);
  lines.push(`${"configuration".padEnd(width)}  ${result.objectives.map((o) => o.padEnd(22)).join("  ")}  winner`);
  for (const c of result.configurations) {
    const m = c.metrics.f1_native;
    lines.push(`${c.label.padEnd(width)}  ${result.objectives.map((o) => cell(m?.byObjective[o]).padEnd(22)).join("  ")}  ${m?.winner ?? "—"}`);
  }
  for (const objective of result.objectives) {
    const best = result.best[objective];
    lines.push(`best ${objective}: ${best ? `${best.label} (${cell(best.f1)})` : "none"}`);
  }
  lines.push(`rule: ${result.bestRule}`);
  return lines.join("\n");
}

export function registerSweepCommand(program: Command): void {
  program
    .command("sweep")
    .description("run a grid of configurations, each a paired comparison of the objectives, and write a sweep bundle")
    .option("--data <file>", "window file (.parquet or .jsonl); default: the bundled dataset")
    .option(
      "--objectives <list>",
      "span objectives every configuration compares, two or more, comma-separated (default: compare's, every registered objective)",
    )
    .option("--epochs <list>", "epochs per run, e.g. 50,100,200")
    .option("--pos-weight <list>", "soft span loss pos_weight values: numbers, balanced, balanced*k")
    .option("--position <list>", "the 13th feature, bar position: off,on")
    .option("--lr <list>", "AdamW learning rates")
    .option("--batch-size <list>", "windows per batch")
    .option("--weighting <list>", "task weightings: kendall,equal")
    .option("--seeds <n>", "paired seeds per configuration", "5")
    .option("--first-seed <n>", "first seed; the others follow it", "42")
    .option("--workers <n>", "worker threads (default: one per core)")
    .option("--queue <url>", QUEUE_FLAG_HELP)
    .option("--out <dir>", "sweep folder to create (default: a new folder under sweeps/)")
    .option("--resume <dir>", "finish an interrupted sweep, keeping finished configurations")
    .option("--json", "print sweep.json's rows to stdout (progress goes to stderr)", false)
    .action(async (flags: SweepFlags) => {
      const progress = runProgress(flags.json);
      let outcome: SweepOutcome;
      try {
        outcome = await withQueue(flags.queue, flags.workers !== undefined, progress.onMessage, async (queue) => {
          const workers = { ...(flags.workers === undefined ? {} : { workers: integerFlag("workers", flags.workers) }), ...queue };
          return flags.resume !== undefined
            ? await resumeSweepAndWriteBundles(flags.resume, { ...workers, onRunEvent: progress.onRunEvent, onMessage: progress.onMessage })
            : await sweepAndWriteBundles({
                data: flags.data ?? defaultDataPath(),
                grid: gridFromFlags(flags),
                ...(flags.objectives !== undefined ? { objectives: objectivesFlag("objectives", flags.objectives) } : {}),
                seeds: integerFlag("seeds", flags.seeds),
                firstSeed: integerFlag("first-seed", flags.firstSeed),
                ...workers,
                ...(flags.out !== undefined ? { out: flags.out } : {}),
                onRunEvent: progress.onRunEvent,
                onMessage: progress.onMessage,
              });
        });
      } finally {
        progress.stop();
      }
      process.stdout.write(flags.json ? `${JSON.stringify(outcome.result, null, 2)}\n` : `${table(outcome)}\n`);
    });
  program
    .command("config-diff")
    .description("the settings that differ between two runs or comparisons (run folders, compare bundles or sweep configurations)")
    .argument("<a>", "a run folder (config.json) or a comparison folder (compare_config.json)")
    .argument("<b>", "another")
    .action((a: string, b: string) => {
      process.stdout.write(`${formatConfigDiff(configDiff(a, b))}\n`);
    });
}
