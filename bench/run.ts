/**
 * `npm run bench`: the kernel table, then one JadeCompact step at the reference shapes (B 32, T 105, F 12,
 * hidden 96) for both heads, beside PyTorch 1.13 on the same machine with the same thread count (one)
 * when the reference is installed (bench/reference/README.md), with the ratio.
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { runKernelBench } from "./kernels.js";
import { benchTrainStep, type StepTimings } from "./train_step.js";
import { runEpochBench } from "./epochs.js";
import { runScanBench } from "./scan.js";
import { runBarsBench } from "./bars.js";
import { runSpanPosteriorBench } from "./span_posterior.js";
import { packageRoot } from "../src/util/package.js";

interface TorchTimings {
  forward_ms: number;
  train_step_ms: number;
  epoch_s: number;
  run50_s?: number;
}

/** PyTorch figures from bench/reference/bench_torch.py, or why there are none. */
function torchTimings(threads: number): { soft: TorchTimings; crf: TorchTimings; version: string } | string {
  const python = "/usr/bin/python3";
  const probe = spawnSync(python, ["-c", "import torch"], { encoding: "utf8" });
  if (probe.status !== 0) return "PyTorch not installed for /usr/bin/python3 (see bench/reference/README.md)";
  const script = join(packageRoot(), "bench", "reference", "bench_torch.py");
  const run = spawnSync(python, [script, "--threads", String(threads), "--epochs-run"], { encoding: "utf8", maxBuffer: 1 << 24 });
  if (run.status !== 0) return `bench_torch.py failed: ${run.stderr.trim().split("\n").at(-1)}`;
  const parsed = JSON.parse(run.stdout) as { torch_version: string; soft: TorchTimings; crf: TorchTimings };
  return { soft: parsed.soft, crf: parsed.crf, version: parsed.torch_version };
}

function row(cells: string[], widths: number[]): string {
  return cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join("  ");
}

async function main(): Promise<void> {
  await runKernelBench();
  const threads = 1;
  const spanlab: Record<"soft" | "crf", StepTimings> = { soft: benchTrainStep("soft", 30), crf: benchTrainStep("crf", 30) };
  const torch = torchTimings(threads);
  const lstmGflop = spanlab.soft.lstmGflop;
  const widths = [34, 12, 14, 8];
  const lines = [
    "",
    `JadeCompact step, B 32 × T 105 × F 12, hidden 96, ${threads} thread (medians)`,
    row(["", "spanlab", typeof torch === "string" ? "PyTorch" : `PyTorch ${torch.version}`, "ratio"], widths),
  ];
  for (const loss of ["soft", "crf"] as const) {
    const ours = spanlab[loss];
    const theirs = typeof torch === "string" ? undefined : torch[loss];
    const cells = (label: string, mine: number, other: number | undefined, unit: string, higherIsBetter = false) =>
      row(
        [
          label,
          `${mine.toFixed(1)} ${unit}`,
          other === undefined ? "—" : `${other.toFixed(1)} ${unit}`,
          other === undefined ? "—" : `${(higherIsBetter ? mine / other : other / mine).toFixed(2)}×`,
        ],
        widths,
      );
    lines.push(cells(`${loss}: forward (training mode)`, ours.forwardMs, theirs?.forward_ms, "ms"));
    lines.push(cells(`${loss}: train step (fwd+bwd+AdamW)`, ours.trainStepMs, theirs?.train_step_ms, "ms"));
    lines.push(
      cells(
        `${loss}: LSTM GFLOP/s within the step`,
        lstmGflop / (ours.trainStepMs / 1000),
        theirs === undefined ? undefined : lstmGflop / (theirs.train_step_ms / 1000),
        "",
        true,
      ),
    );
  }
  // The segment CRF (docs/spec.md §13) has no PyTorch timing; its budget is 1.3× the CRF's step, so that is its ratio.
  const segment = benchTrainStep("segment_crf", 30);
  const segmentRatio = `${(segment.trainStepMs / spanlab.crf.trainStepMs).toFixed(2)}× CRF`;
  lines.push(row(["segment_crf: train step (fwd+bwd+AdamW)", `${segment.trainStepMs.toFixed(1)} ms`, "—", segmentRatio], widths));
  lines.push(`(ratio = how many times faster spanlab is; LSTM work per step: ${lstmGflop.toFixed(2)} GFLOP forward+backward)`);
  const runs = await runEpochBench(50);
  lines.push("", `Training runs on the bundled dataset (169 train / 42 validation windows), batch 32, ${runs.epochs} epochs`);
  lines.push(row(["", "spanlab", "PyTorch", "ratio"], widths));
  for (const loss of ["soft", "crf"] as const) {
    const theirs = typeof torch === "string" ? undefined : torch[loss];
    const seconds = (label: string, mine: number, other: number | undefined) =>
      row(
        [label, `${mine.toFixed(2)} s`, other === undefined ? "—" : `${other.toFixed(2)} s`, other === undefined ? "—" : `${(other / mine).toFixed(2)}×`],
        widths,
      );
    lines.push(seconds(`${loss}: one epoch`, runs[loss].epochSeconds, theirs?.epoch_s));
    lines.push(seconds(`${loss}: ${runs.epochs}-epoch run`, runs[loss].runSeconds, theirs?.run50_s));
  }
  lines.push(row(["both at once, one worker each", `${runs.bothInParallelSeconds.toFixed(2)} s`, "", ""], widths));
  if (typeof torch === "string") lines.push(`PyTorch: ${torch}`);
  console.log(lines.join("\n"));
  console.log("");
  await runBarsBench(400_000, true);
  console.log("");
  await runScanBench({ print: true });
  await runSpanPosteriorBench();
  await (await import("./windows.js")).runWindowsBench(); // data windows at 400,000 bars / 10,000 events (bench/windows.ts)
  console.log("");
  await (await import("./queue.js")).runQueueBench(20); // the Redis queue vs worker threads, when redis-server is installed (docs/distributed.md)
}

await main();
