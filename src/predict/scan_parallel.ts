/**
 * Scans on worker threads (docs/spec.md §11). The kernels are single-threaded by design, so a long scan
 * uses every core by splitting its windows into one chunk per worker:
 *  - hindsight: contiguous chunks of bars with the windows touching them (src/predict/scan_plan.ts
 *    chunkPlan), so windows at a chunk boundary are run by both neighbours and every bar's weighted
 *    combination sees the same windows in the same order as a single-thread scan — bit-for-bit equal;
 *  - live: contiguous runs of windows (one window per bar, no overlap needed);
 *  - the hindsight scan's boundary-interval pass (the span posteriors of the windows containing a
 *    detection, after the chunks are combined and decoded): contiguous runs of those windows.
 * Each worker builds its own copy of the model from the parameter values (the kernels' arena is per
 * thread) and gets only the bars its windows read. Small scans stay on the calling thread: starting a
 * worker costs more than a few hundred windows.
 */
import { availableParallelism } from "node:os";
import type { ModelDimensions } from "../model/parameters.js";
import type { JadeCompact } from "../model/jade_compact.js";
import { runWorkerJob, type WorkerJobMessage, workerScript } from "../util/worker_job.js";
import { finishLive, prepareLive, scanLive, type LiveChunkResult, type LiveOptions, type LiveResult } from "./live.js";
import { neededWindows } from "./boundary_intervals.js";
import {
  assembleChunks,
  type CombinedScan,
  detectionRuns,
  finishScan,
  type HindsightChunkResult,
  type PrecomputedBoundaries,
  prepareScan,
  scanBars,
  type ScanOptions,
  type ScanResult,
  type ScanSetup,
} from "./scan.js";
import { chunkPlan } from "./scan_plan.js";
import { slicePrices, type ScanBars } from "./window_features.js";

/** Fewer windows than this per worker and a scan is not worth a worker thread. */
export const MIN_WINDOWS_PER_WORKER = 512;

/** What a worker needs to rebuild the model. */
export interface ModelSpec {
  head: string;
  dims: ModelDimensions;
  bars: number;
  posWeight: number;
  values: Float32Array;
}

interface JobPrices {
  open: Float64Array;
  high: Float64Array;
  low: Float64Array;
  close: Float64Array;
  offset: number;
}

export type ScanJob =
  | { kind: "hindsight"; model: ModelSpec; prices: JobPrices; starts: Float64Array; from: number; to: number; batchSize: number }
  | { kind: "live"; model: ModelSpec; prices: JobPrices; starts: Float64Array; batchSize: number }
  | { kind: "boundaries"; model: ModelSpec; prices: JobPrices; starts: Float64Array; batchSize: number };

export type ScanJobResult =
  | { kind: "hindsight"; chunk: HindsightChunkResult }
  | { kind: "live"; chunk: LiveChunkResult }
  | { kind: "boundaries"; table: Int32Array };

export type ScanWorkerMessage = WorkerJobMessage<ScanJobResult, { type: "progress"; windows: number }>;

export interface ParallelOptions {
  /** Worker threads (default: the machine's available parallelism); 1 scans on the calling thread. */
  workers?: number;
  /** Windows a worker must have at least (default {@link MIN_WINDOWS_PER_WORKER}; tests lower it). */
  minWindowsPerWorker?: number;
}

export function modelSpec(model: JadeCompact): ModelSpec {
  return { head: model.head.name, dims: { ...model.dims }, bars: model.bars, posWeight: model.posWeight, values: model.parameters.values.slice() };
}

/** The compiled worker script (worker threads run JavaScript: under vitest it is taken from the build). */
function runJob(job: ScanJob, onProgress: (windows: number) => void): Promise<ScanJobResult> {
  return runWorkerJob<ScanJobResult, { type: "progress"; windows: number }>(
    workerScript(import.meta.url, "predict", "scan_worker.js"),
    job,
    "scan worker",
    (message) => onProgress(message.windows),
  );
}

/** How many workers a scan of `windows` windows gets. */
export function workerCount(windows: number, options: ParallelOptions): number {
  const requested = options.workers ?? availableParallelism();
  if (!Number.isInteger(requested) || requested < 1) throw new Error(`workers must be a positive integer, got ${requested}`);
  const minimum = options.minWindowsPerWorker ?? MIN_WINDOWS_PER_WORKER;
  return Math.max(1, Math.min(requested, Math.floor(windows / Math.max(1, minimum))));
}

function jobPrices(bars: ScanBars, from: number, to: number): JobPrices {
  return { ...slicePrices(bars, from, to), offset: from };
}

/** {@link scanBars} with its windows split over worker threads; the same result, bit for bit. */
export async function scanBarsParallel(model: JadeCompact, bars: ScanBars, options: ScanOptions & ParallelOptions = {}): Promise<ScanResult> {
  const started = performance.now();
  const setup = prepareScan(model, bars, options);
  const { plan, barCount } = setup;
  const workers = workerCount(plan.starts.length, options);
  if (workers === 1) return scanBars(model, bars, options);
  const spec = modelSpec(model);
  const length = model.bars;
  const chunks = chunkPlan(barCount, plan.starts, length, workers);
  // Windows at chunk boundaries run twice: progress counts the work, so it ends at its total.
  const work = chunks.reduce((sum, chunk) => sum + chunk.lastWindow - chunk.firstWindow, 0);
  let done = 0;
  const progress = (windows: number) => {
    done += windows;
    options.onProgress?.(done, work);
  };
  const results = await Promise.all(
    chunks.map(async (chunk) => {
      const starts = Float64Array.from(plan.starts.slice(chunk.firstWindow, chunk.lastWindow));
      const result = await runJob(
        {
          kind: "hindsight",
          model: spec,
          prices: jobPrices(bars, starts[0]!, starts[starts.length - 1]! + length),
          starts,
          from: chunk.from,
          to: chunk.to,
          batchSize: setup.options.batchSize,
        },
        progress,
      );
      if (result.kind !== "hindsight") throw new Error("scan worker answered a hindsight job with a live result");
      return { ...result.chunk, firstWindow: chunk.firstWindow };
    }),
  );
  const combined = assembleChunks(model.head, barCount, plan.starts.length, results);
  return finishScan(model, bars, setup, combined, started, workers, await boundariesParallel(spec, bars, setup, combined, length, options));
}

/**
 * The boundary table of the windows containing a detection (src/predict/boundary_intervals.ts), split into
 * contiguous runs of windows over worker threads (each window's numbers do not depend on its batch, so the
 * table is the calling thread's); undefined — finishScan computes it — when too few windows for workers.
 */
async function boundariesParallel(
  spec: ModelSpec,
  bars: ScanBars,
  setup: ScanSetup,
  combined: CombinedScan,
  length: number,
  options: ParallelOptions,
): Promise<PrecomputedBoundaries | undefined> {
  const started = performance.now();
  const needed = neededWindows(setup.plan.starts, detectionRuns(setup, combined), length);
  const workers = workerCount(needed.length, options);
  if (workers === 1) return undefined;
  const parts = await Promise.all(
    Array.from({ length: workers }, async (_, k) => {
      const starts = Float64Array.from(
        needed.slice(Math.floor((k * needed.length) / workers), Math.floor(((k + 1) * needed.length) / workers)),
        (w) => setup.plan.starts[w]!,
      );
      const result = await runJob(
        {
          kind: "boundaries",
          model: spec,
          prices: jobPrices(bars, starts[0]!, starts[starts.length - 1]! + length),
          starts,
          batchSize: setup.options.batchSize,
        },
        () => {},
      );
      if (result.kind !== "boundaries") throw new Error(`scan worker answered a boundaries job with a ${result.kind} result`);
      return result.table;
    }),
  );
  const table = new Int32Array(parts.reduce((sum, part) => sum + part.length, 0));
  let at = 0;
  for (const part of parts) {
    table.set(part, at);
    at += part.length;
  }
  return { table, workers, seconds: (performance.now() - started) / 1000 };
}

/** {@link scanLive} with its windows split over worker threads; the same result, bit for bit. */
export async function scanLiveParallel(model: JadeCompact, bars: ScanBars, options: LiveOptions & ParallelOptions = {}): Promise<LiveResult> {
  const started = performance.now();
  const setup = prepareLive(model, bars, options);
  const windows = setup.plan.starts.length;
  const workers = workerCount(windows, options);
  if (workers === 1) return scanLive(model, bars, options);
  const spec = modelSpec(model);
  let done = 0;
  const progress = (count: number) => {
    done += count;
    options.onProgress?.(done, windows);
  };
  const results = await Promise.all(
    Array.from({ length: workers }, async (_, k) => {
      const first = Math.floor((k * windows) / workers);
      const last = Math.floor(((k + 1) * windows) / workers);
      const starts = Float64Array.from(setup.plan.starts.slice(first, last));
      const result = await runJob(
        {
          kind: "live",
          model: spec,
          prices: jobPrices(bars, starts[0]!, starts[starts.length - 1]! + model.bars),
          starts,
          batchSize: setup.batchSize,
        },
        progress,
      );
      if (result.kind !== "live") throw new Error("scan worker answered a live job with a hindsight result");
      return { ...result.chunk, firstWindow: first };
    }),
  );
  return finishLive(model, bars, setup, results, started, workers);
}
