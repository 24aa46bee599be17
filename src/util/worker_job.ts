/**
 * One job on its own worker thread, with the protocol every spanlab worker speaks: any number of
 * progress messages, then exactly one `done` (with the result) or `error` (with a message). Training
 * runs (src/train/parallel.ts) and scan chunks (src/predict/scan_parallel.ts) both use it.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { packageRoot } from "./package.js";

/** What a worker posts: progress, or the end of the job. */
export type WorkerJobMessage<Result, Progress> = Progress | { type: "done"; result: Result } | { type: "error"; message: string };

/**
 * The compiled worker script beside `callerUrl` (the caller's `import.meta.url`), named `script` and
 * living in `src/<layer>/`. Worker threads run JavaScript only, so when the caller runs from the
 * TypeScript sources (under vitest) the script is taken from the build (`npm run build`).
 */
export function workerScript(callerUrl: string, layer: string, script: string): string {
  const here = fileURLToPath(callerUrl);
  const path = here.endsWith(".ts") ? join(packageRoot(), "dist", "src", layer, script) : join(here, "..", script);
  if (!existsSync(path)) throw new Error(`worker script ${path} is missing; run \`npm run build\``);
  return path;
}

/**
 * Runs `data` on a new worker thread running `script`; every message that is not `done` or `error`
 * goes to `onProgress`. `what` names the job in the error when the worker exits without finishing.
 */
export function runWorkerJob<Result, Progress extends { type: string }>(
  script: string,
  data: unknown,
  what: string,
  onProgress: (message: Progress) => void,
): Promise<Result> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(script, { workerData: data });
    let settled = false;
    worker.on("message", (message: WorkerJobMessage<Result, Progress>) => {
      if (message.type === "done") {
        settled = true;
        resolve((message as { result: Result }).result);
      } else if (message.type === "error") {
        settled = true;
        reject(new Error((message as { message: string }).message));
      } else onProgress(message as Progress);
    });
    worker.on("error", (error) => {
      settled = true;
      reject(error);
    });
    worker.on("exit", (code) => {
      if (!settled) reject(new Error(`${what} exited with code ${code} before finishing`));
    });
  });
}
