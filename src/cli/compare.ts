/**
 * `spanlab compare`: the compared objectives (every registered one unless `--objectives` lists two or more) over
 * paired seeds on worker threads, then the analysis bundle. A
 * progress display shows every run's epoch and current losses; `--json` prints a machine-readable summary.
 */
import { QUEUE_FLAG_HELP, withQueue } from "./queue_flag.js";
import type { Command } from "commander";
import { compareAndWriteBundle, resumeAndWriteBundle, tuneAndWriteBundle, type BundleOutcome } from "../app/compare.js";
import { DEFAULT_HALVING, DEFAULT_OUTER_FOLDS, DEFAULT_TUNE_BUDGET, parseSearchSpace } from "../compare/tune_space.js";
import { tuningLines } from "../report/tuning_section.js";
import { DEFAULT_FIRST_SEED, DEFAULT_SEEDS } from "../compare/compare.js";
import { TRAIN_DEFAULTS } from "../train/config.js";
import type { ObjectiveStatistics } from "../compare/types.js";
import { defaultDataPath } from "../util/package.js";
import { addLossSettingOptions, choiceFlag, integerFlag, numberFlag, objectivesFlag } from "./flags.js";
import { DEFAULT_COMPARED_OBJECTIVES, SPAN_OBJECTIVES } from "../model/heads/registry.js";
import { SPLIT_KINDS } from "../data/splits.js";
import { parsePosWeight } from "../train/pos_weight.js";
import { formatPosWeight } from "../report/format.js";
import { SENSITIVITY_LEVELS } from "../compare/sensitivity_runs.js";
import { primaryStatement } from "../report/model.js";
import { pointSetting } from "../report/sensitivity_section.js";
import { TASK_WEIGHTINGS } from "../model/jade_compact.js";
import { runProgress } from "./run_progress.js";
import { readJsonFile } from "../util/read_file.js";

interface CompareFlags {
  data?: string;
  objectives?: string;
  seeds: string;
  firstSeed: string;
  epochs: string;
  batchSize: string;
  lr: string;
  posWeight: string;
  weighting: string;
  sensitivity: string;
  sensitivitySeeds: string;
  clipGradNorm?: string;
  split: string;
  minRunLength: string;
  workers?: string;
  queue?: string;
  referenceProtocol: boolean;
  out?: string;
  resume?: string;
  json: boolean;
  tune: boolean;
  budget: string;
  halving: string;
  outerFolds: string;
  space?: string;
}

/** The search space of `--space FILE` (JSON), checked; the error names the file and the field. */
function readSearchSpace(path: string) {
  return parseSearchSpace(readJsonFile(path, "search space (--space)", "a JSON object of lists: {epochs, learningRate, position, posWeight}"), path);
}

/** The machine-readable summary `--json` prints: per metric, each objective's statistics under its name. */
export function jsonSummary(outcome: BundleOutcome): object {
  const { result } = outcome;
  const interval = (s: ObjectiveStatistics | null | undefined) => s && { mean: s.mean, low: s.low, high: s.high };
  return {
    bundle: outcome.bundleDirectory,
    recommendation: result.recommendation,
    protocol: result.protocol,
    data: result.data,
    metrics: result.metrics.map((m) => ({
      key: m.key,
      label: m.label,
      unit: m.unit,
      ...Object.fromEntries(result.protocol.objectives.map((objective) => [objective, interval(m.byObjective[objective])])),
      difference: m.difference,
      pairs: m.pairs,
      winner: m.winner,
    })),
    files: outcome.files,
  };
}

/** Which rule-baseline statistic sits beside which model metric. */
const RULE_COLUMN: Record<string, "f1" | "iou" | "strictF1" | "hit3"> = {
  f1_native: "f1",
  f1_threshold: "f1",
  iou_native: "iou",
  hit3_single_span: "hit3",
};

/** The table printed at the end of a compare: one column per objective (by name), the rule detector, the winner. */
export function headline(outcome: BundleOutcome): string {
  const { result } = outcome;
  const lines = [`bundle: ${outcome.bundleDirectory}`, result.recommendation.headline];
  for (const settings of result.settings) {
    lines.push(`  ${settings.objective}: pos_weight ${formatPosWeight(settings)} — ${settings.posWeight.why}`);
  }
  const width = 58;
  const show = (v: number | undefined, d = 3) => (v === undefined || !Number.isFinite(v) ? "n/a" : v.toFixed(d));
  const cell = (s: { mean: number; low: number; high: number } | null | undefined) =>
    !s ? "—" : result.protocol.seeds.length > 1 ? `${show(s.mean)} [${show(s.low)}, ${show(s.high)}]` : show(s.mean);
  const cellWithInterval = (s: { mean: number; low: number; high: number } | undefined) => (!s ? "—" : `${show(s.mean)} [${show(s.low)}, ${show(s.high)}]`);
  const objectives = result.protocol.objectives;
  lines.push(`${"metric".padEnd(width)}  ${objectives.map((o) => o.padEnd(22)).join("  ")}  ${"rule baseline".padEnd(22)}  winner`);
  for (const key of [
    "f1_native",
    "f1_threshold",
    "f1_single_span",
    "iou_native",
    "iou_single_span",
    "strict_f1_single_span",
    "hit3_single_span",
    "separation",
    "ece",
    "brier",
    "classification_accuracy",
    "classification_majority_baseline",
  ]) {
    const m = result.metrics.find((x) => x.key === key);
    if (!m) continue;
    const rule = RULE_COLUMN[key] ? result.ruleBaseline.metrics[RULE_COLUMN[key]] : null;
    const cells = objectives.map((o) => cell(m.byObjective[o]).padEnd(22)).join("  ");
    lines.push(`${m.label.slice(0, width).padEnd(width)}  ${cells}  ${cell(rule).padEnd(22)}  ${m.winner}`);
  }
  if (objectives.length > 2) {
    // More than two objectives: the primary metric's every pair, so the verdict's evidence is on screen.
    const primary = result.metrics.find((m) => m.role === "primary")!;
    lines.push(`paired differences of ${primary.shortLabel} (earlier − later objective):`);
    for (const pair of primary.pairs) {
      lines.push(`  ${`${pair.first} − ${pair.second}`.padEnd(width - 2)}  ${cell(pair.difference).padEnd(22)}  ${pair.winner}`);
    }
  }
  lines.push(primaryStatement(result));
  if (result.sensitivity) {
    lines.push(`sensitivity (span F1, own decoder; ${result.sensitivity.intervalMethod}):`);
    for (const point of result.sensitivity.points) {
      const what = pointSetting(point);
      const cells = objectives.map((o) => cellWithInterval(point.f1[o]).padEnd(22)).join("  ");
      lines.push(`  ${what.padEnd(width - 2)}  ${cells}  ${"".padEnd(22)}  ${point.winner}`);
    }
    lines.push(result.sensitivity.sentence);
    for (const line of result.sensitivity.notRun) lines.push(`  not run: ${line}`);
  }
  if (result.tuning) lines.push(...tuningLines(result));
  return lines.join("\n");
}

export function registerCompareCommand(program: Command): void {
  addLossSettingOptions(program.command("compare"))
    .description("train the span objectives (soft span loss, CRF, segment CRF; or --objectives) over paired seeds and write the analysis bundle")
    .option("--data <file>", "window file (.parquet or .jsonl); default: the bundled dataset")
    .option(
      "--objectives <list>",
      `span objectives to compare, two or more, comma-separated, in column order (${SPAN_OBJECTIVES.join(", ")}; default: ${DEFAULT_COMPARED_OBJECTIVES.join(",")})`,
    )
    .option("--seeds <n>", "seeds per objective (paired: every objective uses the same seeds and splits)", String(DEFAULT_SEEDS))
    .option("--first-seed <n>", "first seed; the others follow it", String(DEFAULT_FIRST_SEED))
    .option("--epochs <n>", "epochs per run", String(TRAIN_DEFAULTS.epochs))
    .option("--batch-size <n>", "windows per batch", String(TRAIN_DEFAULTS.batchSize))
    .option("--lr <rate>", "AdamW learning rate", String(TRAIN_DEFAULTS.learningRate))
    .option("--clip-grad-norm <norm>", "clip the global gradient norm (default: none)")
    .option(
      "--split <kind>",
      "auto (time when the windows carry bar times, else group), time (purged walk-forward), group (by base_window_id) or reference (row split)",
      TRAIN_DEFAULTS.split,
    )
    .option("--min-run-length <n>", "drop predicted runs shorter than this before scoring threshold decoders", "1")
    .option("--workers <n>", "worker threads (default: one per core)")
    .option("--queue <url>", QUEUE_FLAG_HELP)
    .option(
      "--sensitivity <level>",
      "extra runs of the sensitivity section: pos-weight (soft pos_weight 1 and 2×balanced, first seed), all (adds balanced/4, 100 and 200 epochs, equal task weights), none",
      "pos-weight",
    )
    .option("--sensitivity-seeds <n>", "seeds each sensitivity point trains on (the first n)", "1")
    .option("--tune", "nested selection: outer folds score, an inner search on each fold's training windows chooses each objective's settings", false)
    .option("--budget <n>", "--tune: configurations tried per objective and outer fold (successive halving over the epochs)", String(DEFAULT_TUNE_BUDGET))
    .option("--halving <n>", "--tune: after each epoch count the best 1/n of the configurations go on", String(DEFAULT_HALVING))
    .option("--outer-folds <n>", "--tune: outer folds, the paired units of the verdict (5 or more can name a winner)", String(DEFAULT_OUTER_FOLDS))
    .option("--space <file>", "--tune: the search space as JSON ({epochs, learningRate, position, posWeight}: lists; any left out keep their defaults)")
    .option("--reference-protocol", "reproduce the reference exactly: one seed, row split, pos_weight 1.0, 50 epochs, batch 32", false)
    .option("--out <dir>", "bundle folder to create (default: a new folder under comparisons/)")
    .option("--resume <dir>", "finish an interrupted comparison, reusing its completed runs")
    .option("--json", "print a machine-readable summary to stdout (progress goes to stderr)", false)
    .action(async (flags: CompareFlags, command: Command) => {
      if (flags.referenceProtocol) {
        // The reference protocol fixes these; a value given beside it would be silently ignored.
        const fixed = ["seeds", "epochs", "batchSize", "lr", "posWeight", "weighting", "clipGradNorm", "split"].filter(
          (name) => command.getOptionValueSource(name) === "cli",
        );
        if (fixed.length > 0) {
          const flagNames = fixed.map((name) => `--${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`);
          throw new Error(`--reference-protocol fixes ${flagNames.join(", ")}; drop ${fixed.length > 1 ? "them" : "it"} or drop --reference-protocol`);
        }
      }
      const given = (name: string) => command.getOptionValueSource(name) === "cli";
      if (flags.tune) {
        // Folds replace seeds, and the search replaces the sensitivity runs: a value given for them would be ignored.
        const refused = ["seeds", "epochs", "sensitivity", "sensitivitySeeds", "referenceProtocol"].filter(given);
        if (refused.length > 0)
          throw new Error(
            `--tune does not take ${refused.map((n) => `--${n.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`).join(", ")}: its outer folds replace seeds, its search space (--space) holds the epochs, and its search replaces the sensitivity runs`,
          );
      } else {
        const tuneOnly = ["budget", "halving", "outerFolds", "space"].filter(given);
        if (tuneOnly.length > 0)
          throw new Error(`${tuneOnly.map((n) => `--${n.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`).join(", ")} only apply with --tune`);
      }
      // A resumed comparison keeps the objectives it started with (compare_config.json).
      if (flags.resume !== undefined && flags.objectives !== undefined) throw new Error("--resume keeps the comparison's own objectives; drop --objectives");
      const objectives = flags.objectives === undefined ? {} : { objectives: objectivesFlag("objectives", flags.objectives) };
      const progress = runProgress(flags.json);
      let outcome: BundleOutcome;
      try {
        outcome = await withQueue(flags.queue, flags.workers !== undefined, progress.onMessage, async (queue) => {
          const workers = { ...(flags.workers === undefined ? {} : { workers: integerFlag("workers", flags.workers) }), ...queue };
          if (flags.resume !== undefined) {
            return await resumeAndWriteBundle(flags.resume, { ...workers, onRunEvent: progress.onRunEvent, onMessage: progress.onMessage });
          } else {
            // What both a tuned and an untuned compare take from the command line.
            const shared = {
              data: flags.data ?? defaultDataPath(),
              ...objectives,
              firstSeed: integerFlag("first-seed", flags.firstSeed),
              epochs: integerFlag("epochs", flags.epochs),
              batchSize: integerFlag("batch-size", flags.batchSize),
              learningRate: numberFlag("lr", flags.lr),
              posWeight: parsePosWeight(flags.posWeight),
              weighting: choiceFlag("weighting", flags.weighting, TASK_WEIGHTINGS),
              clipGradNorm: flags.clipGradNorm === undefined ? null : numberFlag("clip-grad-norm", flags.clipGradNorm),
              split: choiceFlag("split", flags.split, SPLIT_KINDS),
              minRunLength: integerFlag("min-run-length", flags.minRunLength),
              ...workers,
              ...(flags.out !== undefined ? { out: flags.out } : {}),
              onRunEvent: progress.onRunEvent,
              onMessage: progress.onMessage,
            };
            return flags.tune
              ? await tuneAndWriteBundle({
                  ...shared,
                  budget: integerFlag("budget", flags.budget),
                  halving: integerFlag("halving", flags.halving),
                  outerFolds: integerFlag("outer-folds", flags.outerFolds),
                  ...(flags.space !== undefined ? { space: readSearchSpace(flags.space) } : {}),
                })
              : await compareAndWriteBundle({
                  ...shared,
                  seeds: integerFlag("seeds", flags.seeds),
                  referenceProtocol: flags.referenceProtocol,
                  sensitivity: choiceFlag("sensitivity", flags.sensitivity, SENSITIVITY_LEVELS),
                  sensitivitySeeds: integerFlag("sensitivity-seeds", flags.sensitivitySeeds),
                });
          }
        });
      } finally {
        progress.stop();
      }
      if (flags.json) process.stdout.write(`${JSON.stringify(jsonSummary(outcome), null, 2)}\n`);
      else process.stdout.write(`${headline(outcome)}\n`);
    });
}
