#!/usr/bin/env node
/**
 * The `spanlab` command. A thin shell: each sub-command module parses its arguments, calls the library
 * and prints; errors become one clear message and a non-zero exit code.
 */
import { Command, CommanderError } from "commander";
import { realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { registerModelCommand } from "./model.js";
import { registerDataCommands } from "./data.js";
import { registerWindowsCommand } from "./windows.js";
import { registerFeaturesCommand } from "./features.js";
import { registerPredictCommand } from "./predict.js";
import { registerSynthCommands } from "./synth.js";
import { registerTrainCommand } from "./train.js";
import { registerCompareCommand } from "./compare.js";
import { registerSweepCommand } from "./sweep.js";
import { registerBaselineCommand } from "./baseline.js";
import { registerEvaluateCommand } from "./evaluate.js";
import { registerViewCommand } from "./view.js";
import { registerWorkerCommand } from "./worker.js";
import { packageVersion } from "../util/package.js";

export function buildProgram(): Command {
  const program = new Command();
  program
    .name("spanlab")
    .description("Find expansion spans in windows of OHLC bars; compare a soft span loss with a linear-chain CRF.")
    .version(packageVersion());
  // Listed in --help in this order: the main job first, then the steps it is made of.
  registerCompareCommand(program);
  registerSweepCommand(program);
  registerTrainCommand(program);
  registerPredictCommand(program);
  registerEvaluateCommand(program);
  registerViewCommand(program);
  registerWorkerCommand(program);
  registerBaselineCommand(program);
  registerDataCommands(program);
  registerWindowsCommand(program);
  registerSynthCommands(program);
  registerFeaturesCommand(program);
  registerModelCommand(program);
  return program;
}

/**
 * Runs `spanlab ARGS` and returns its exit code. Every error becomes one line on stderr, `spanlab: MESSAGE`,
 * and a non-zero code; Commander's own errors (unknown option, bad argument) have printed themselves and
 * carry their code. The fuzz harness (test/fuzz) calls this in-process, so what it checks is what users get.
 */
export async function runSpanlab(args: readonly string[]): Promise<number> {
  const program = buildProgram().exitOverride();
  try {
    await program.parseAsync([...args], { from: "user" });
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`spanlab: ${message}\n`);
    return process.exitCode && process.exitCode !== 0 ? Number(process.exitCode) : 1;
  }
  return Number(process.exitCode ?? 0);
}

async function main(): Promise<void> {
  process.exitCode = await runSpanlab(process.argv.slice(2));
}

// Run only when executed as the command (npx resolves the bin symlink), not when imported by tests.
if (process.argv[1] && fileURLToPath(import.meta.url) === realpathSync(process.argv[1])) {
  await main();
}
