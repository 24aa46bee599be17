/**
 * What an objective's per-bar probabilities look like across its runs: separation statistics and every
 * decoder's scores as seed means, reliability bins pooled by count, the histograms summed — and the
 * calibration verdict.
 */
import { binIndex, type ReliabilityBin } from "../../eval/calibration.js";
import { mean } from "../../eval/statistics.js";
import type { DecoderScores } from "../evaluate.js";
import type { DecoderMeans, MetricComparison, ObjectiveDescription, ObjectiveProbabilities, ProbabilityHistogram, RunResult, Winner } from "../types.js";
import { decoderOrder } from "./objectives.js";

/** Seed mean of a decoder's value over runs (runs without the decoder are left out). */
function decoderMean(runs: readonly RunResult[], decoder: string, pick: (d: DecoderScores) => number): number {
  return mean(
    runs.map((r) => {
      const found = r.evaluation.decoders.find((d) => d.decoder === decoder);
      return found ? pick(found) : NaN;
    }),
  );
}

/** Seed means of the bar-level and span-level scores of every decoder the objective's runs have, in table order. */
export function decoderMeans(objective: ObjectiveDescription, runs: readonly RunResult[]): DecoderMeans[] {
  const present = runs[0]!.evaluation.decoders;
  const hit = (k: number) => (d: DecoderScores) => d.spanLevel.hitAt.find((h) => h.k === k)?.rate ?? NaN;
  return decoderOrder(objective)
    .filter((decoder) => present.some((d) => d.decoder === decoder))
    .map((decoder) => {
      const at = (pick: (d: DecoderScores) => number) => decoderMean(runs, decoder, pick);
      const threshold = at((d) => d.threshold ?? NaN);
      return {
        decoder,
        description: present.find((d) => d.decoder === decoder)!.description,
        threshold: Number.isFinite(threshold) ? threshold : null,
        precision: at((d) => d.pooled.precision),
        recall: at((d) => d.pooled.recall),
        f1: at((d) => d.pooled.f1),
        meanIoU: at((d) => d.spanLevel.meanIoU),
        hit1: at(hit(1)),
        hit3: at(hit(3)),
        hit5: at(hit(5)),
        startError: at((d) => d.spanLevel.meanStartError),
        endError: at((d) => d.spanLevel.meanEndError),
        strictPrecision: at((d) => d.spanLevel.precision),
        strictRecall: at((d) => d.spanLevel.recall),
        strictF1: at((d) => d.spanLevel.f1),
      };
    });
}

/** Reliability bins of an objective pooled over its runs: counts add, means are count-weighted. */
export function pooledReliability(runs: readonly RunResult[]): ReliabilityBin[] {
  return poolReliabilityBins(runs.map((run) => run.evaluation.calibration.bins));
}

/** Reliability diagrams of the same bins pooled: counts add, means are count-weighted. */
export function poolReliabilityBins(diagrams: readonly (readonly ReliabilityBin[])[]): ReliabilityBin[] {
  return diagrams[0]!.map((bin, b) => {
    let count = 0;
    let predicted = 0;
    let observed = 0;
    for (const diagram of diagrams) {
      const own = diagram[b]!;
      if (own.count > 0) {
        count += own.count;
        predicted += own.count * own.meanPredicted;
        observed += own.count * own.observedFrequency;
      }
    }
    return {
      lower: bin.lower,
      upper: bin.upper,
      count,
      meanPredicted: count > 0 ? predicted / count : NaN,
      observedFrequency: count > 0 ? observed / count : NaN,
    };
  });
}

/** A histogram from bin counts: group sizes and each bin's share of its group. */
export function histogramFromCounts(
  inSpan: readonly number[],
  outOfSpan: readonly number[],
  means: { inSpan: number | null; outOfSpan: number | null } = { inSpan: null, outOfSpan: null },
): ProbabilityHistogram {
  if (inSpan.length !== outOfSpan.length || inSpan.length === 0) throw new Error("histogram: bin counts must be two non-empty arrays of equal length");
  for (const c of [...inSpan, ...outOfSpan]) if (!(c >= 0) || !Number.isFinite(c)) throw new Error(`histogram: counts must be finite and ≥ 0, got ${c}`);
  const total = (counts: readonly number[]) => counts.reduce((a, b) => a + b, 0);
  const inSpanBars = total(inSpan);
  const outOfSpanBars = total(outOfSpan);
  return {
    bins: inSpan.length,
    inSpan: [...inSpan],
    outOfSpan: [...outOfSpan],
    inSpanBars,
    outOfSpanBars,
    inSpanShare: inSpan.map((c) => (inSpanBars > 0 ? c / inSpanBars : 0)),
    outOfSpanShare: outOfSpan.map((c) => (outOfSpanBars > 0 ? c / outOfSpanBars : 0)),
    inSpanMean: means.inSpan,
    outOfSpanMean: means.outOfSpan,
  };
}

/**
 * A histogram of raw per-bar probabilities in `bins` equal-width bins per group (binned as the
 * reliability diagram bins, see eval/calibration), with each group's mean p.
 */
export function histogramOfProbabilities(probabilities: ArrayLike<number>, targets: ArrayLike<number>, bins = 50): ProbabilityHistogram {
  if (!Number.isInteger(bins) || bins < 1) throw new Error(`histogram: bins must be a positive integer, got ${bins}`);
  if (probabilities.length !== targets.length) throw new Error(`histogram: ${probabilities.length} probabilities but ${targets.length} targets`);
  const counts = { inSpan: new Array<number>(bins).fill(0), outOfSpan: new Array<number>(bins).fill(0) };
  const sums = { inSpan: 0, outOfSpan: 0 };
  for (let i = 0; i < probabilities.length; i++) {
    const p = probabilities[i]!;
    const y = targets[i]!;
    if (!(p >= 0 && p <= 1)) throw new Error(`histogram: probability at index ${i} must be in [0, 1], got ${p}`);
    if (y !== 0 && y !== 1) throw new Error(`histogram: target at index ${i} must be 0 or 1, got ${y}`);
    const group = y === 1 ? "inSpan" : "outOfSpan";
    counts[group][binIndex(p, bins)]!++;
    sums[group] += p;
  }
  const nIn = counts.inSpan.reduce((a, b) => a + b, 0);
  const nOut = counts.outOfSpan.reduce((a, b) => a + b, 0);
  return histogramFromCounts(counts.inSpan, counts.outOfSpan, {
    inSpan: nIn > 0 ? sums.inSpan / nIn : null,
    outOfSpan: nOut > 0 ? sums.outOfSpan / nOut : null,
  });
}

/** The histograms of an objective's runs, summed. */
export function summedHistogram(runs: readonly RunResult[]): ProbabilityHistogram {
  const bins = runs[0]!.evaluation.histogram.bins;
  const inSpan = new Array<number>(bins).fill(0);
  const outOfSpan = new Array<number>(bins).fill(0);
  for (const run of runs) {
    run.evaluation.histogram.inSpan.forEach((c, i) => {
      inSpan[i]! += c;
    });
    run.evaluation.histogram.outOfSpan.forEach((c, i) => {
      outOfSpan[i]! += c;
    });
  }
  return histogramFromCounts(inSpan, outOfSpan);
}

export function objectiveProbabilities(objective: ObjectiveDescription, runs: readonly RunResult[]): ObjectiveProbabilities {
  const at = (pick: (run: RunResult) => number) => mean(runs.map(pick));
  return {
    separation: {
      inSpan: {
        mean: at((r) => r.evaluation.separation.inSpan.mean),
        std: at((r) => r.evaluation.separation.inSpan.std),
        median: at((r) => r.evaluation.separation.inSpan.median),
      },
      outOfSpan: {
        mean: at((r) => r.evaluation.separation.outOfSpan.mean),
        std: at((r) => r.evaluation.separation.outOfSpan.std),
        median: at((r) => r.evaluation.separation.outOfSpan.median),
      },
    },
    decoders: decoderMeans(objective, runs),
    reliability: pooledReliability(runs),
    histogram: summedHistogram(runs),
  };
}

/** Calibration verdict: an objective wins only when ECE and Brier both name it. */
export const CALIBRATION_RULE = "winner only when ECE's and Brier's paired intervals both name the same objective (lower is better)";

export function calibrationWinner(metrics: readonly MetricComparison[], objectives: readonly ObjectiveDescription[]): Winner {
  const ece = metrics.find((m) => m.key === "ece")!.winner;
  const brier = metrics.find((m) => m.key === "brier")!.winner;
  return ece === brier && objectives.some((o) => o.name === ece) ? ece : "not established";
}
