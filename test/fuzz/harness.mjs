// The fuzz harness: a child process that runs spanlab cases in-process, one at a time, as the command
// would (src/cli/main.ts runSpanlab: the same error handling and exit codes), and reports each case's exit
// code, output, wall time and the process's peak resident memory. The parent (fuzz.test.ts) bounds each
// case's time by killing this process, and its memory by the peak it reports.
import { performance } from "node:perf_hooks";
import { runSpanlab } from "../../dist/src/cli/main.js";

let captured = { stdout: "", stderr: "" };
process.stdout.write = (chunk) => ((captured.stdout += String(chunk)), true);
process.stderr.write = (chunk) => ((captured.stderr += String(chunk)), true);
process.exit = (code) => {
  throw new Error(`process.exit(${code}) called inside a command`);
};
let unhandled = [];
process.on("unhandledRejection", (reason) => unhandled.push(String(reason?.stack ?? reason)));
process.on("uncaughtException", (error) => unhandled.push(String(error?.stack ?? error)));

process.on("message", async (job) => {
  captured = { stdout: "", stderr: "" };
  unhandled = [];
  process.chdir(job.cwd);
  process.exitCode = undefined;
  const started = performance.now();
  let exitCode;
  let thrown = null;
  try {
    exitCode = await runSpanlab(job.args);
  } catch (error) {
    thrown = String(error?.stack ?? error);
  }
  const milliseconds = performance.now() - started;
  process.exitCode = undefined;
  process.send({ id: job.id, exitCode, thrown, unhandled, ...captured, milliseconds, maxRssKiB: process.resourceUsage().maxRSS });
});
process.send({ ready: true });
