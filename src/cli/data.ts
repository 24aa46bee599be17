/**
 * `spanlab data …`: the command group for window files. This module owns the group and `data validate`;
 * other modules add their sub-commands (e.g. `data synth`) to the group `dataCommand(program)` returns.
 */
import type { Command } from "commander";
import { readWindows } from "../data/load.js";
import { formatProblem, validateWindows } from "../data/validate.js";

/**
 * The `data` command group of `program`, created on first use. Idempotent and order-independent, so
 * `registerDataCommands` and other modules' registrations can run in any order.
 */
export function dataCommand(program: Command): Command {
  const existing = program.commands.find((command) => command.name() === "data");
  if (existing) return existing;
  return program.command("data").description("check and create window files (Parquet or JSONL)");
}

/** Print every problem of a window file and a summary; exit code 1 when there is any problem. */
async function validateAction(file: string): Promise<void> {
  const raw = await readWindows(file);
  const result = validateWindows(raw.rows, { file, ...(raw.lines ? { lines: raw.lines } : {}) });
  const out: string[] = result.problems.map(formatProblem);
  const total = raw.rows.length;
  if (result.problems.length === 0) {
    const groups = new Set(result.windows.map((w) => w.base_window_id)).size;
    out.push(`${file}: ${total} windows (${groups} base windows), no problems`);
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
