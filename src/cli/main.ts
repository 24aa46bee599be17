#!/usr/bin/env node
/**
 * The `spanlab` command. A thin shell: each sub-command module parses its arguments, calls the library
 * and prints; errors become one clear message and a non-zero exit code.
 */
import { Command } from "commander";
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
  registerBaselineCommand(program);
  registerDataCommands(program);
  registerWindowsCommand(program);
  registerSynthCommands(program);
  registerFeaturesCommand(program);
  registerModelCommand(program);
  return program;
}

async function main(): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(process.argv);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`spanlab: ${message}\n`);
    process.exitCode = process.exitCode && process.exitCode !== 0 ? process.exitCode : 1;
  }
}

// Run only when executed as the command (npx resolves the bin symlink), not when imported by tests.
if (process.argv[1] && fileURLToPath(import.meta.url) === realpathSync(process.argv[1])) {
  await main();
}
