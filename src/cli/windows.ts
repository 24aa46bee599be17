/**
 * `spanlab data windows --bars F --annotations F --out F`: raw bars + annotated events → a window file
 * (docs/spec.md §10, see src/data/cut.ts): by default 3 windows per event at seeded random offsets, each
 * with its bars' times and every annotated span it holds; `--reference-cut` keeps the reference's centred
 * ±52 windows. Prints the column mappings chosen, the breaks between bars and the cutting report (with the
 * spread of span positions); bad bars or annotations, and annotations naming the same bars, print every
 * problem (file, row, field) on stderr and exit 1. When the two files disagree — zone conventions,
 * annotation times on no bar or between bars (src/data/alignment.ts) — a WARNING goes to stderr, and
 * `--strict` refuses instead. Windows are written a chunk at a time (src/data/window_sink.ts).
 */
import type { Command } from "commander";
import { BarsError, formatBarsProblem } from "../data/bar_validation.js";
import { describeBars, readBars } from "../data/bars.js";
import type { BarSeries } from "../data/bars.js";
import { describeAnnotations, readAnnotations } from "../data/annotations.js";
import type { AnnotationSet } from "../data/annotations.js";
import { checkAlignment } from "../data/alignment.js";
import { describeCutReport, planCut, windowChunks, type CutPlan } from "../data/cut.js";
import { DEFAULT_WINDOWS_PER_EVENT } from "../data/placement.js";
import { BAR_READING_HELP, barReadingOptions } from "../data/read_options.js";
import { windowFormatOf, writeWindowChunks } from "../data/load.js";
import { Rng } from "../util/rng.js";
import { dataCommand } from "./data.js";

interface WindowsOptions {
  bars: string;
  annotations: string;
  out: string;
  overlaps?: string;
  stride?: string;
  minVisible: string;
  windowsPerEvent?: string;
  seed: string;
  referenceCut?: boolean;
  /** No effect (breaks are accepted); kept so old scripts still run. */
  allowGaps?: boolean;
  exactTimestamps?: boolean;
  force?: boolean;
  timezone?: string;
  columns?: string;
  decimal?: string;
  maxGap?: string;
  strict?: boolean;
}

function integer(name: string, text: string, min: number, max: number): number {
  const value = Number(text);
  if (!/^\s*-?\d+\s*$/.test(text) || !Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${name} must be an integer in [${min}, ${max}], got ${JSON.stringify(text)}`);
  }
  return value;
}

/** Print every problem of failed reads (or of conflicting annotations) and say nothing was written. */
function refuse(errors: readonly BarsError[]): void {
  const lines: string[] = [];
  for (const error of errors) {
    for (const problem of error.problems) lines.push(formatBarsProblem(problem));
    lines.push(`${error.file}: ${error.problems.length} problem(s) (rows numbered from 0)`);
  }
  if (errors.some((e) => e.problems.some((p) => p.row === -1 && p.value === "(missing)"))) {
    lines.push("--columns timestamp=NAME,open=NAME,high=NAME,low=NAME,close=NAME names the columns when the file spells them otherwise.");
  }
  process.stderr.write(`${lines.join("\n")}\n`);
  process.stdout.write("no window file written\n");
  process.exitCode = 1;
}

async function windowsAction(options: WindowsOptions): Promise<void> {
  if (options.overlaps !== undefined && options.stride !== undefined) {
    throw new Error("--overlaps and --stride are alternatives: --overlaps shifts by ±52·i, --stride by every multiple of N");
  }
  const reference = options.referenceCut ?? false;
  if (!reference && (options.overlaps !== undefined || options.stride !== undefined)) {
    throw new Error(`--overlaps and --stride shape the reference cut: add --reference-cut (the default places --windows-per-event windows at random offsets)`);
  }
  if (reference && options.windowsPerEvent !== undefined) {
    throw new Error("--windows-per-event sets the random placement; --reference-cut places the centred window and its ±52 overlaps");
  }
  const windowsPerEvent = options.windowsPerEvent === undefined ? DEFAULT_WINDOWS_PER_EVENT : integer("--windows-per-event", options.windowsPerEvent, 1, 100);
  const seed = integer("--seed", options.seed, -2147483648, 4294967295);
  windowFormatOf(options.out);
  const overlaps = options.overlaps === undefined ? 1 : integer("--overlaps", options.overlaps, 0, 100);
  const stride = options.stride === undefined ? undefined : integer("--stride", options.stride, 1, 104);
  const minVisible = Number(options.minVisible);
  if (!/^\s*[\d.]+\s*$/.test(options.minVisible) || !(minVisible >= 0 && minVisible <= 1)) {
    throw new Error(`--min-visible must be a number in [0, 1], got ${JSON.stringify(options.minVisible)}`);
  }

  const reading = barReadingOptions(options);

  // Read both inputs before failing so every problem of both files is printed at once.
  const errors: BarsError[] = [];
  let bars: BarSeries | undefined;
  let annotations: AnnotationSet | undefined;
  try {
    bars = await readBars(options.bars, reading);
  } catch (error) {
    if (!(error instanceof BarsError)) throw error;
    errors.push(error);
  }
  try {
    annotations = await readAnnotations(options.annotations, reading.timezone !== undefined ? { timezone: reading.timezone } : {});
  } catch (error) {
    if (!(error instanceof BarsError)) throw error;
    errors.push(error);
  }
  if (errors.length > 0) {
    refuse(errors);
    return;
  }

  const out: string[] = [describeBars(bars!), describeAnnotations(annotations!)];
  const alignment = checkAlignment(bars!, annotations!, reading.timezone);
  for (const note of alignment.notes) out.push(`note: ${note}`);
  if (alignment.warnings.length > 0) {
    const label = options.strict ? "error" : "WARNING";
    process.stderr.write(`${alignment.warnings.map((warning) => `${label}: ${warning}`).join("\n")}\n`);
    if (options.strict) {
      process.stdout.write(`${out.join("\n")}\nno window file written (--strict: the annotations do not fit the bars, see stderr)\n`);
      process.exitCode = 1;
      return;
    }
  }
  let plan: CutPlan;
  try {
    plan = planCut(bars!, annotations!, {
      ...(reference ? { referenceCut: true, ...(stride !== undefined ? { stride } : { overlaps }) } : { windowsPerEvent, rng: new Rng(seed) }),
      minVisible,
      snap: !(options.exactTimestamps ?? false),
    });
  } catch (error) {
    if (!(error instanceof BarsError)) throw error;
    process.stdout.write(`${out.join("\n")}\n`);
    refuse([error]);
    return;
  }
  out.push(describeCutReport(plan.report, reference ? undefined : seed));
  if (plan.plans.length === 0) {
    process.stdout.write(`${out.join("\n")}\n`);
    throw new Error(`no windows to write: every event was rejected (reasons above); ${options.out} not written`);
  }
  const written = writeWindowChunks(
    options.out,
    windowChunks(bars!, plan),
    { volume: bars!.volume !== null, timestamps: true, spans: true },
    {
      overwrite: options.force ?? false,
    },
  );
  const groups = new Set(plan.plans.map((p) => p.event.event.eventId)).size;
  out.push(`wrote ${written} windows (${groups} base windows) to ${options.out}`);
  process.stdout.write(`${out.join("\n")}\n`);
}

/** Add `data windows` to the `data` group of `program`. */
export function registerWindowsCommand(program: Command): Command {
  const data = dataCommand(program);
  if (data.commands.some((command) => command.name() === "windows")) return data;
  data
    .command("windows")
    .description("cut 105-bar windows around annotated events in raw bars (seeded random offsets, or --reference-cut; docs/spec.md §10)")
    .requiredOption("--bars <file>", "bars: .csv/.txt/.tsv (comma, semicolon or tab) or .parquet")
    .requiredOption("--annotations <file>", "events with start, end, label[, event_id]: .csv, .json or .jsonl")
    .requiredOption("--out <file>", "window file to write: .parquet or .jsonl")
    .option("--windows-per-event <n>", `windows per event at seeded random offsets, the span anywhere in the window (default ${DEFAULT_WINDOWS_PER_EVENT})`)
    .option("--seed <n>", "seed of the random offsets", "42")
    .option("--reference-cut", "the reference's windows instead: centred on each event, plus overlaps shifted by ±52 bars")
    .option("--overlaps <n>", "with --reference-cut: overlap windows on each side, shifted by ±52·i bars (default 1)")
    .option("--stride <n>", "with --reference-cut, instead of --overlaps: shift overlaps by every multiple of N bars (1..104)")
    .option("--min-visible <fraction>", "every window shows at least this fraction of its event's span", "0.3")
    .option("--timezone <zone>", BAR_READING_HELP.timezone)
    .option("--columns <mapping>", BAR_READING_HELP.columns)
    .option("--decimal <mark>", BAR_READING_HELP.decimal)
    .option("--max-gap <duration>", BAR_READING_HELP.maxGap)
    .option(
      "--strict",
      "refuse (exit 1) when bars and annotations differ in zone convention or annotation times fall on no bar or between bars (default: a WARNING)",
    )
    .option("--allow-gaps", BAR_READING_HELP.allowGaps)
    .option("--exact-timestamps", "reject events whose timestamps are not bar timestamps (default: snap to the bar containing them)")
    .option("--force", "replace an existing --out file")
    .action(windowsAction);
  return data;
}
