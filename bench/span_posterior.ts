/**
 * Speed of the exact span posteriors (docs/spec.md §12) on the bundled dataset (211 windows × T 105): the
 * head's span log-posterior over the 5,565 spans of each window, then every summary predict writes — start
 * and end marginals and 90% intervals, the top 5 spans, the exact minimum-Bayes-risk span (O(T³)) and
 * P(IoU ≥ ½) — for the committed checkpoints of every head (test/fixtures/checkpoints; the segment CRF's is
 * the last.safetensors of the default compare's segment_crf-seed42 run: 50 epochs on the bundled data). The forward pass is
 * outside the timing: its cost is the scan bench's. One core; bound ≤ 0.5 s per head.
 *
 * Run alone with `node bench-dist/bench/span_posterior.js` (after `npm run build:bench`), or through
 * {@link runSpanPosteriorBench} from `npm run bench`.
 */
import { realpathSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { loadWindows } from "../src/data/load.js";
import { computeWindowFeatures } from "../src/features/index.js";
import { loadCheckpoint } from "../src/model/checkpoint.js";
import { spanCount } from "../src/model/span_index.js";
import { MinimumRiskWorkspace, summariseSpanPosterior } from "../src/model/span_posterior_summary.js";
import { evaluateSpanCalibration, fitSpanCalibration } from "../src/predict/calibration.js";
import { usesPositionFeature } from "../src/predict/inference_defaults.js";
import { defaultDataPath, packageRoot } from "../src/util/package.js";

export const SPAN_POSTERIOR_BOUND_SECONDS = 0.5;

export interface SpanPosteriorBenchRow {
  loss: string;
  windows: number;
  /** Median seconds over repetitions of posterior + summaries for every window. */
  seconds: number;
  /** Of which the head's span log-posterior alone. */
  posteriorSeconds: number;
  /** One compare run's calibration: fitted on 169 windows, scored on the other 42 (src/predict/calibration.ts). */
  calibrationSeconds: number;
  temperature: number;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[sorted.length >> 1]!;
}

export async function runSpanPosteriorBench(print = true, repetitions = 7): Promise<SpanPosteriorBenchRow[]> {
  const windows = await loadWindows(defaultDataPath());
  const rows: SpanPosteriorBenchRow[] = [];
  for (const loss of ["soft", "crf", "segment_crf"]) {
    const { model } = loadCheckpoint(join(packageRoot(), "test", "fixtures", "checkpoints", `spanlab_${loss}.safetensors`), { maxBatch: windows.length });
    const { tensor } = computeWindowFeatures(windows, { position: usesPositionFeature(model) });
    const outputs = model.forward(tensor, windows.length, { training: false });
    const scores = outputs.spanScores.slice();
    const context = model.headContext(windows.length);
    const probabilities = model.head.probabilities(scores, context);
    const bars = model.bars;
    const count = spanCount(bars);
    // One workspace for the run, as the inference path keeps one per batch.
    const workspace = new MinimumRiskWorkspace(bars);
    const totals: number[] = [];
    const posteriors: number[] = [];
    let checksum = 0;
    for (let repetition = 0; repetition < repetitions + 2; repetition++) {
      const started = performance.now();
      const logPosterior = model.head.spanLogPosterior(scores, probabilities, context);
      const posteriorDone = performance.now();
      for (let w = 0; w < windows.length; w++) {
        checksum += summariseSpanPosterior(logPosterior.subarray(w * count, (w + 1) * count), bars, {}, workspace).mbr.expectedIoU;
      }
      const done = performance.now();
      // The first two repetitions warm the JIT up.
      if (repetition >= 2) {
        totals.push((done - started) / 1000);
        posteriors.push((posteriorDone - started) / 1000);
      }
    }
    if (!Number.isFinite(checksum)) throw new Error(`span posterior bench (${loss}): non-finite expected IoU`);
    // A compare run's split of the bundled data: 169 training windows to fit on, 42 to score.
    const inference = { windows: windows.length, bars, spanScores: scores, probabilities };
    const part = (from: number, to: number) => ({
      context: { ...context, batch: to - from },
      scored: {
        windows: to - from,
        bars,
        spanScores: scores.subarray(from * bars * model.head.width, to * bars * model.head.width),
        probabilities: probabilities.subarray(from * bars, to * bars),
      },
      truth: windows.slice(from, to).map((w) => [{ start: w.expansion_start, end: w.expansion_end }]),
    });
    const fit = part(0, 169);
    const score = part(169, inference.windows);
    const calibrationTimes: number[] = [];
    let temperature = Number.NaN;
    for (let repetition = 0; repetition < 3; repetition++) {
      const started = performance.now();
      const calibration = fitSpanCalibration(model.head, fit.context, fit.scored, fit.truth);
      evaluateSpanCalibration(calibration, model.head, score.context, score.scored, score.truth);
      calibrationTimes.push((performance.now() - started) / 1000);
      temperature = calibration.temperature.temperature;
    }
    rows.push({
      loss,
      windows: windows.length,
      seconds: median(totals),
      posteriorSeconds: median(posteriors),
      calibrationSeconds: median(calibrationTimes),
      temperature,
    });
  }
  if (print) console.log(formatSpanPosteriorBench(rows));
  return rows;
}

export function formatSpanPosteriorBench(rows: readonly SpanPosteriorBenchRow[]): string {
  return [
    "",
    "Span posteriors (docs/spec.md §12): log-posterior over 5,565 spans + marginals, 90% intervals, top 5, exact MBR, P(IoU ≥ ½); one core (medians)",
    ...rows.map(
      (row) =>
        `${`${row.loss}: ${row.windows} windows × T 105`.padEnd(34)}${`${row.seconds.toFixed(3)} s`.padStart(9)}  (posterior ${row.posteriorSeconds.toFixed(3)} s)  ` +
        `${row.seconds <= SPAN_POSTERIOR_BOUND_SECONDS ? "within" : "OVER"} the bound ≤ ${SPAN_POSTERIOR_BOUND_SECONDS} s`,
    ),
    ...rows.map(
      (row) =>
        `${`${row.loss}: calibration of one run`.padEnd(34)}${`${row.calibrationSeconds.toFixed(3)} s`.padStart(9)}  (fit on 169 windows, scored on ${row.windows - 169}; T = ${row.temperature.toFixed(3)})`,
    ),
  ].join("\n");
}

if (process.argv[1] && fileURLToPath(import.meta.url) === realpathSync(process.argv[1])) {
  await runSpanPosteriorBench();
}
