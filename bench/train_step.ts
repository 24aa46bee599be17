/**
 * Benchmark of one JadeCompact step at the reference shapes (B = 32, T = 105, F = 12, hidden 96):
 * forward (training mode), and a full train step (forward, losses, backward, AdamW), for every head side by
 * side; the segment CRF's step is also given as a multiple of the CRF's (its budget is 1.3×, docs/spec.md §13).
 */
import { Rng } from "../src/util/rng.js";
import { JadeCompact, type BatchTargets } from "../src/model/jade_compact.js";
import { adamWStep, createAdamWState } from "../src/nn/adamw.js";
import { spanHead } from "../src/model/heads/registry.js";

// V8 runs wasm in its baseline tier first; the optimised code takes over after a few calls.
const WARMUP = 8;

export interface StepTimings {
  forwardMs: number;
  trainStepMs: number;
  /** FLOPs of the BiLSTM forward+backward per step, and the rate they ran at within the train step. */
  lstmGflop: number;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** LSTM FLOPs of a forward (input projections + recurrent products) and a backward (twice that). */
export function lstmFlops(batch: number, bars: number, features: number, hidden: number): { forward: number; backward: number } {
  const gates = 4 * hidden;
  const perDirection = 2 * batch * bars * gates * (features + hidden);
  const forward = 2 * perDirection;
  return { forward, backward: 2 * forward };
}

export function benchTrainStep(loss: string, iterations = 20, batch = 32): StepTimings {
  const bars = 105;
  const features = 12;
  const model = new JadeCompact({ head: spanHead(loss), maxBatch: batch });
  const rng = new Rng(1);
  model.initialise(rng);
  const x = Float32Array.from({ length: batch * bars * features }, () => rng.normal());
  const targets: BatchTargets = {
    spanStart: Array.from({ length: batch }, () => 40 + rng.int(20)),
    spanEnd: [],
    label: Array.from({ length: batch }, () => rng.int(2)),
  };
  targets.spanEnd = Array.from(targets.spanStart, (s) => s + rng.int(10));
  const optimizer = createAdamWState(model.parameters.values.length);
  const forwardTimes: number[] = [];
  const stepTimes: number[] = [];
  for (let i = 0; i < iterations + WARMUP; i++) {
    const t0 = performance.now();
    model.forward(x, batch, { training: true, rng });
    const t1 = performance.now();
    model.trainStepGradients(x, targets, batch, rng);
    adamWStep(model.parameters.values, model.parameters.gradients, optimizer);
    const t2 = performance.now();
    if (i >= WARMUP) {
      forwardTimes.push(t1 - t0);
      stepTimes.push(t2 - t1);
    }
  }
  const flops = lstmFlops(batch, bars, features, 96);
  return { forwardMs: median(forwardTimes), trainStepMs: median(stepTimes), lstmGflop: (flops.forward + flops.backward) / 1e9 };
}

/** The objectives measured side by side, in registry order. */
export const BENCHED_OBJECTIVES = ["soft", "crf", "segment_crf"] as const;

if (import.meta.url === `file://${process.argv[1]}`) {
  const timings = new Map<string, StepTimings>();
  for (const loss of BENCHED_OBJECTIVES) {
    const t = benchTrainStep(loss);
    timings.set(loss, t);
    const versusCrf = loss === "segment_crf" ? ` (${(t.trainStepMs / timings.get("crf")!.trainStepMs).toFixed(2)}× the CRF's)` : "";
    console.log(`${loss}: forward ${t.forwardMs.toFixed(1)} ms, train step ${t.trainStepMs.toFixed(1)} ms${versusCrf}, LSTM ${t.lstmGflop.toFixed(2)} GFLOP`);
  }
}
