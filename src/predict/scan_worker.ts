/**
 * Worker-thread entry of the chunked scans and of the boundary-interval pass (src/predict/scan_parallel.ts): rebuilds the model from its
 * parameter values, runs one chunk with the same function the calling thread uses, and posts progress
 * and the result back (the result's arrays are transferred, not copied).
 */
import { parentPort, workerData } from "node:worker_threads";
import { spanHead } from "../model/heads/registry.js";
import { JadeCompact } from "../model/jade_compact.js";
import { windowBoundaries } from "./boundary_intervals.js";
import { liveChunk } from "./live.js";
import type { ScanJob, ScanJobResult, ScanWorkerMessage } from "./scan_parallel.js";
import { scanHindsightChunk } from "./scan.js";

const job = workerData as ScanJob;
const post = (message: ScanWorkerMessage, transfer: ArrayBuffer[] = []) => parentPort!.postMessage(message, transfer);

try {
  const model = new JadeCompact({
    head: spanHead(job.model.head),
    dims: job.model.dims,
    bars: job.model.bars,
    maxBatch: job.batchSize,
    posWeight: job.model.posWeight,
  });
  model.parameters.values.set(job.model.values);
  const onBatch = (windows: number) => post({ type: "progress", windows });
  let result: ScanJobResult;
  let transfer: ArrayBuffer[];
  if (job.kind === "hindsight") {
    const chunk = scanHindsightChunk(
      model,
      job.prices,
      job.starts,
      { from: job.from, to: job.to, firstWindow: 0, lastWindow: job.starts.length },
      job.batchSize,
      onBatch,
    );
    result = { kind: "hindsight", chunk };
    transfer = [...chunk.series.map((values) => values.buffer as ArrayBuffer), chunk.classes.buffer as ArrayBuffer];
  } else if (job.kind === "boundaries") {
    const table = windowBoundaries(model, job.prices, job.starts, job.batchSize, onBatch);
    result = { kind: "boundaries", table };
    transfer = [table.buffer as ArrayBuffer];
  } else {
    const chunk = liveChunk(model, job.prices, job.starts, 0, job.starts.length, job.batchSize, onBatch);
    result = { kind: "live", chunk };
    transfer = [chunk.probabilities.buffer as ArrayBuffer, chunk.classes.buffer as ArrayBuffer];
  }
  post({ type: "done", result }, transfer);
} catch (error) {
  post({ type: "error", message: error instanceof Error ? error.message : String(error) });
}
