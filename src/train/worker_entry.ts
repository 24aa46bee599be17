/**
 * Worker-thread entry of {@link trainInWorker}: runs one training (or resume) and posts its progress
 * events and result back. Each worker owns its own kernel arena, so runs share nothing but the CPU.
 */
import { parentPort, workerData } from "node:worker_threads";
import { resume, train, type TrainEvent } from "./train.js";
import type { WorkerJob, WorkerMessage } from "./parallel.js";

const job = workerData as WorkerJob;
const post = (message: WorkerMessage) => parentPort!.postMessage(message);
const onEvent = (event: TrainEvent) => post({ type: "event", event });

try {
  const result =
    job.kind === "resume"
      ? await resume(job.runDirectory, {
          onEvent,
          ...(job.stopAfterEpochs !== undefined ? { stopAfterEpochs: job.stopAfterEpochs } : {}),
          ...(job.dataFile !== undefined ? { dataFile: job.dataFile } : {}),
        })
      : await train(job.config, { ...job.options, onEvent });
  post({ type: "done", result });
} catch (error) {
  post({ type: "error", message: error instanceof Error ? error.message : String(error) });
}
