/**
 * `spanlab data synth` (write a seeded synthetic window file) and `spanlab data stats` (describe a window
 * file: the docs/spec.md §1 statistics and the rule baselines). Both hang off the `data` command group that
 * src/cli/data.ts owns; `registerSynthCommands(program)` adds them.
 */
import type { Command } from "commander";
import { statSync } from "node:fs";
import { dataCommand } from "./data.js";
import { loadWindows, writeWindows } from "../data/load.js";
import { datasetStatistics, formatDatasetStatistics } from "../data/statistics.js";
import { DEFAULT_SYNTH_PARAMS, resolveSynthParams, SYNTH_PARAM_NAMES, synthesizeWindows, type SynthParams } from "../data/synth.js";
import { formatRuleBaseline, ruleBaseline } from "../eval/rule_baseline.js";
import { assertWritable } from "../util/files.js";
import { defaultDataPath } from "../util/package.js";
import { Rng } from "../util/rng.js";

/** An integer option value, strictly: "12" yes; "12.5", "", "1e3", "abc" no. */
export function parseInteger(value: string, option: string): number {
  if (!/^[+-]?\d+$/.test(value.trim())) throw new Error(`${option} must be an integer, got ${JSON.stringify(value)}`);
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new Error(`${option} is out of range: ${value}`);
  return n;
}

/**
 * `["spanLengthMax=30", "decoyRate=1.5"]` → `{ spanLengthMax: 30, decoyRate: 1.5 }`. Every generator
 * parameter is a number; names are checked here so a typo is reported with the list of valid names.
 */
export function parseParamAssignments(assignments: readonly string[]): Partial<SynthParams> {
  const known = new Set<string>(SYNTH_PARAM_NAMES);
  const out: Record<string, number> = {};
  for (const assignment of assignments) {
    const match = /^([A-Za-z]\w*)=(.+)$/.exec(assignment.trim());
    if (!match) throw new Error(`--param expects key=value, got ${JSON.stringify(assignment)}`);
    const key = match[1]!;
    const text = match[2]!;
    if (!known.has(key)) throw new Error(`--param: unknown parameter "${key}"; known: ${SYNTH_PARAM_NAMES.join(", ")}`);
    const value = Number(text);
    if (text.trim() === "" || !Number.isFinite(value)) throw new Error(`--param ${key} must be a finite number, got ${JSON.stringify(text)}`);
    if (key in out) throw new Error(`--param ${key} is given twice`);
    out[key] = value;
  }
  return out as Partial<SynthParams>;
}

export interface SynthOptions {
  out: string;
  seed: number;
  windows?: number;
  params?: Partial<SynthParams>;
  force?: boolean;
}

/** Generate, write and describe a synthetic dataset; returns the text the command prints. */
export function runSynth(options: SynthOptions): string {
  // Refuse before spending time generating: an existing file is never replaced without --force.
  assertWritable(options.out, options.force ?? false);
  const overrides: Partial<SynthParams> = { ...options.params };
  if (options.windows !== undefined) {
    if (overrides.windows !== undefined && overrides.windows !== options.windows) {
      throw new Error(`--windows ${options.windows} and --param windows=${overrides.windows} disagree; give one`);
    }
    overrides.windows = options.windows;
  }
  const params = resolveSynthParams(overrides);
  const windows = synthesizeWindows(params, new Rng(options.seed));
  writeWindows(options.out, windows, { overwrite: options.force ?? false });
  const bytes = statSync(options.out).size;
  return [`wrote ${options.out} (${windows.length} windows, ${bytes} bytes, seed ${options.seed})`, formatDatasetStatistics(datasetStatistics(windows))].join(
    "\n",
  );
}

export interface StatsOptions {
  /** Seed of the rule baseline's group split. */
  seed?: number;
  /** Held-out share of the rule baseline's split. */
  heldOut?: number;
}

/** Load (validated) and describe a window file: statistics, then rule baselines when there are ≥ 2 events. */
export async function runStats(file: string, options: StatsOptions = {}): Promise<string> {
  const windows = await loadWindows(file);
  const stats = datasetStatistics(windows);
  const lines = [`${file}`, formatDatasetStatistics(stats)];
  if (stats.baseWindows < 2) {
    lines.push("rule baseline     needs windows from at least 2 base_window_ids to hold some out; skipped");
  } else {
    lines.push(formatRuleBaseline(ruleBaseline(windows, { seed: options.seed ?? 0, heldOutFraction: options.heldOut ?? 0.5 })));
  }
  return lines.join("\n");
}

const collect = (value: string, previous: string[]) => [...previous, value];

function parameterHelp(): string {
  const entries = SYNTH_PARAM_NAMES.map((name) => `${name}=${DEFAULT_SYNTH_PARAMS[name]}`);
  const lines: string[] = [];
  let line = " ";
  for (const entry of entries) {
    if (line.length + entry.length > 100) {
      lines.push(line);
      line = " ";
    }
    line += ` ${entry}`;
  }
  lines.push(line);
  return (
    "\nGenerator parameters (--param key=value) and their defaults; units and meaning are documented in\n" +
    "src/data/synth.ts (SynthParams) and data/README.md:\n" +
    lines.join("\n") +
    "\n"
  );
}

/** Add `data synth` and `data stats` to the `data` group of `program` (creating the group if needed). */
export function registerSynthCommands(program: Command): void {
  const data = dataCommand(program);
  if (!data.commands.some((command) => command.name() === "synth")) {
    data
      .command("synth")
      .description("write a seeded synthetic window file (Parquet or JSONL by extension) and print its statistics")
      .requiredOption("--out <file>", "output window file (.parquet or .jsonl)")
      .requiredOption("--seed <n>", "random seed (same seed + parameters → byte-identical file)")
      .option("--windows <n>", `base windows (events) before overlaps (default ${DEFAULT_SYNTH_PARAMS.windows})`)
      .option("--param <key=value>", "set a generator parameter (repeatable)", collect, [] as string[])
      .option("--force", "replace --out if it exists", false)
      .addHelpText("after", parameterHelp())
      .action((options: { out: string; seed: string; windows?: string; param: string[]; force: boolean }) => {
        const text = runSynth({
          out: options.out,
          seed: parseInteger(options.seed, "--seed"),
          ...(options.windows !== undefined ? { windows: parseInteger(options.windows, "--windows") } : {}),
          params: parseParamAssignments(options.param),
          force: options.force,
        });
        process.stdout.write(`${text}\n`);
      });
  }
  if (!data.commands.some((command) => command.name() === "stats")) {
    data
      .command("stats")
      .description("print a window file's statistics and the range_z rule baselines (default: the bundled dataset)")
      .argument("[file]", "window file (.parquet or .jsonl); default: spanlab's bundled data/default.parquet")
      .option("--seed <n>", "seed of the rule baseline's train / held-out group split", "0")
      .option("--held-out <fraction>", "share of windows held out to score the rules", "0.5")
      .action(async (file: string | undefined, options: { seed: string; heldOut: string }) => {
        const heldOut = Number(options.heldOut);
        if (!(heldOut > 0 && heldOut < 1)) throw new Error(`--held-out must be in (0, 1), got ${JSON.stringify(options.heldOut)}`);
        const text = await runStats(file ?? defaultDataPath(), { seed: parseInteger(options.seed, "--seed"), heldOut });
        process.stdout.write(`${text}\n`);
      });
  }
}
