/** Runs `spanlab …` in-process for CLI tests: captures stdout and the exit code the command set. */
import { vi } from "vitest";
import { buildProgram } from "../../src/cli/main.js";

export async function runCli(args: string[]): Promise<{ stdout: string; exitCode: number }> {
  let stdout = "";
  const spy = vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
    stdout += typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8");
    return true;
  });
  const previousExitCode = process.exitCode;
  process.exitCode = undefined;
  try {
    const program = buildProgram().exitOverride();
    await program.parseAsync(args, { from: "user" });
    return { stdout, exitCode: Number(process.exitCode ?? 0) };
  } finally {
    spy.mockRestore();
    process.exitCode = previousExitCode;
  }
}
