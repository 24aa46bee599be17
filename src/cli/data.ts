/**
 * `spanlab data …`: the command group for window files. This module owns the group and `data validate`;
 * other modules add their sub-commands (e.g. `data synth`) to the group `dataCommand(program)` returns.
 */
import type { Command } from "commander";
import { readWindows } from "../data/load.js";
import { formatProblem, validateWindows } from "../data/validate.js";
import type { Window } from "../data/window.js";
import { parseBarTime } from "../data/window_time.js";

/**
 * The `data` command group of `program`, created on first use. Idempotent and order-independent, so
 * `registerDataCommands` and other modules' registrations can run in any order.
 */
export function dataCommand(program: Command): Command {
  const existing = program.commands.find((command) => command.name() === "data");
  if (existing) return existing;
  return program.command("data").description("check and create window files (Parquet or JSONL)");
}

/** What a valid file's optional fields hold: bar times and annotated spans (docs/spec.md §1), when any. */
function optionalFieldsSummary(windows: readonly Window[]): string[] {
  const lines: string[] = [];
  const timed = windows.filter((w) => w.timestamps !== undefined);
  if (timed.length > 0) {
    let first = Number.POSITIVE_INFINITY;
    let last = Number.NEGATIVE_INFINITY;
    let [firstText, lastText] = ["", ""];
    for (const w of timed) {
      const a = parseBarTime(w.timestamps![0]!);
      const b = parseBarTime(w.timestamps![w.timestamps!.length - 1]!);
      if (a < first) [first, firstText] = [a, w.timestamps![0]!];
      if (b > last) [last, lastText] = [b, w.timestamps![w.timestamps!.length - 1]!];
    }
    lines.push(`  bar times: ${timed.length} of ${windows.length} windows, ${firstText} … ${lastText}`);
  }
  const listed = windows.filter((w) => w.spans !== undefined);
  if (listed.length > 0) {
    const several = listed.filter((w) => w.spans!.length > 1).length;
    lines.push(`  annotated spans: ${listed.length} of ${windows.length} windows list them; ${several} hold more than one (all their bars are in span)`);
  }
  return lines;
}

/** Print every problem of a window file and a summary; exit code 1 when there is any problem. */
async function validateAction(file: string): Promise<void> {
  const raw = await readWindows(file);
  const result = validateWindows(raw.rows, { file, ...(raw.lines ? { lines: raw.lines } : {}) });
  const out: string[] = result.problems.map(formatProblem);
  const total = raw.rows.length;
  if (result.problems.length === 0) {
    const groups = new Set(result.windows.map((w) => w.base_window_id)).size;
    out.push(`${file}: ${total} windows (${groups} base windows), no problems`, ...optionalFieldsSummary(result.windows));
  } else {
    out.push(
      `${file}: ${result.problems.length} problem(s) in ${result.invalidRows.length} of ${total} rows ` +
        `(rows numbered from 0); ${result.windows.length} rows valid`,
    );
    process.exitCode = 1;
  }
  process.stdout.write(`${out.join("\n")}\n`);
}

/** Add the `data` group and `data validate` to `program`; returns the group for further sub-commands. */
export function registerDataCommands(program: Command): Command {
  const data = dataCommand(program);
  if (!data.commands.some((command) => command.name() === "validate")) {
    data
      .command("validate")
      .description("check a window file and print every problem (exit code 1 if any)")
      .argument("<file>", "window file: .parquet, .jsonl, .json-lines or .ndjson")
      .action(validateAction);
  }
  return data;
}
