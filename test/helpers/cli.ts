/**
 * Runs `spanlab …` in-process for CLI tests: captures what the command writes to stdout and stderr (nothing
 * reaches the terminal while it runs) and the exit code it set. Each call starts from process.exitCode =
 * undefined and puts the previous value back afterwards, so one run's exit code never leaks into the next.
 * Commander's own errors (unknown option, missing argument) throw instead of exiting (exitOverride), and an
 * error thrown by a command's action rejects the returned promise, as `main` would report it.
 */
import { vi } from "vitest";
import { buildProgram } from "../../src/cli/main.js";

export interface CliResult {
  /** Everything written to process.stdout, decoded as UTF-8. */
  stdout: string;
  /** Everything written to process.stderr, decoded as UTF-8. */
  stderr: string;
  /** process.exitCode as the command left it (0 when it set none). */
  exitCode: number;
}

function capture(stream: NodeJS.WriteStream, append: (text: string) => void) {
  return vi.spyOn(stream, "write").mockImplementation((chunk: string | Uint8Array) => {
    append(typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8"));
    return true;
  });
}

export async function runCli(args: string[]): Promise<CliResult> {
  let stdout = "";
  let stderr = "";
  const spies = [capture(process.stdout, (text) => (stdout += text)), capture(process.stderr, (text) => (stderr += text))];
  const previousExitCode = process.exitCode;
  process.exitCode = undefined;
  try {
    const program = buildProgram().exitOverride();
    await program.parseAsync(args, { from: "user" });
    return { stdout, stderr, exitCode: Number(process.exitCode ?? 0) };
  } finally {
    for (const spy of spies) spy.mockRestore();
    process.exitCode = previousExitCode;
  }
}
