/**
 * Calibration of per-bar span probabilities (docs/spec.md §6): the reference only compared mean probabilities;
 * a reliability diagram, the expected calibration error and the Brier score say whether "p = 0.3" means
 * "in-span 30% of the time".
 *
 * Probabilities must lie in [0, 1] and targets be 0/1; both are flat arrays of the same length (any
 * shape — typically (W, T) bars, with targets from {@link spanTargetsMask}). A Float32Array is binned by
 * the exact double value of each float32 (Float32(0.7) = 0.69999998… falls in [0.6, 0.7)).
 */

import { checkProbabilities } from "./metrics.js";
import { checkTruth, truthMask, type WindowTruth } from "./truth.js";

/**
 * The (W, T) 0/1 target mask of the true spans: entry [w, t] = 1 iff bar t lies in one of window w's
 * annotated spans (start ≤ t ≤ end; docs/spec.md §4, §6).
 */
export function spanTargetsMask(spans: readonly WindowTruth[], bars: number): Uint8Array {
  checkTruth("spanTargetsMask", spans, bars);
  return truthMask(spans, bars);
}

/** One equal-width bin of a reliability diagram. */
export interface ReliabilityBin {
  /** Lower bound b/bins (inclusive). */
  lower: number;
  /** Upper bound (b + 1)/bins: exclusive, except the last bin, which includes 1.0. */
  upper: number;
  /** Number of probabilities in the bin. */
  count: number;
  /** Mean predicted probability of the bin (NaN when empty). */
  meanPredicted: number;
  /** Share of the bin's targets that are 1 (NaN when empty). */
  observedFrequency: number;
}

function checkCalibrationInputs(name: string, probabilities: ArrayLike<number>, targets: ArrayLike<number>): void {
  if (probabilities.length !== targets.length) {
    throw new Error(`${name}: ${probabilities.length} probabilities but ${targets.length} targets`);
  }
  checkProbabilities(name, probabilities);
  for (let i = 0; i < targets.length; i++) {
    const y = targets[i]!;
    if (y !== 0 && y !== 1) throw new Error(`${name}: target at index ${i} must be 0 or 1, got ${y}`);
  }
}

/**
 * Bin of p among `bins` equal-width bins: b with b/bins ≤ p < (b + 1)/bins, p = 1 in the last bin.
 * The edges are the doubles b/bins, so p exactly at an edge (0.3 with 10 bins) goes to the bin it opens.
 */
export function binIndex(p: number, bins: number): number {
  let b = Math.min(bins - 1, Math.floor(p * bins));
  // p·bins can round across an edge; settle against the edges as doubles.
  if (b > 0 && p < b / bins) b--;
  else if (b < bins - 1 && p >= (b + 1) / bins) b++;
  return b;
}

/**
 * Reliability diagram with `bins` equal-width bins [0, 1/bins), [1/bins, 2/bins), …, [(bins−1)/bins, 1]:
 * per bin the count, the mean predicted probability and the observed frequency of 1s.
 *
 * @param probabilities per-bar p(in span), in [0, 1]
 * @param targets 0/1 per bar, same length
 * @param bins number of bins (positive integer); default 10
 */
export function reliabilityDiagram(probabilities: ArrayLike<number>, targets: ArrayLike<number>, bins = 10): ReliabilityBin[] {
  if (!Number.isInteger(bins) || bins < 1) throw new Error(`reliabilityDiagram: bins must be a positive integer, got ${bins}`);
  checkCalibrationInputs("reliabilityDiagram", probabilities, targets);
  const counts = new Float64Array(bins);
  const sumP = new Float64Array(bins);
  const sumY = new Float64Array(bins);
  for (let i = 0; i < probabilities.length; i++) {
    const b = binIndex(probabilities[i]!, bins);
    counts[b]!++;
    sumP[b]! += probabilities[i]!;
    sumY[b]! += targets[i]!;
  }
  return Array.from({ length: bins }, (_, b) => ({
    lower: b / bins,
    upper: (b + 1) / bins,
    count: counts[b]!,
    meanPredicted: counts[b]! > 0 ? sumP[b]! / counts[b]! : NaN,
    observedFrequency: counts[b]! > 0 ? sumY[b]! / counts[b]! : NaN,
  }));
}

/**
 * Expected calibration error over the bins of {@link reliabilityDiagram}:
 * ECE = Σ_b (n_b / N)·|meanPredicted_b − observedFrequency_b|; empty bins contribute 0. In [0, 1];
 * NaN when N = 0.
 */
export function expectedCalibrationError(probabilities: ArrayLike<number>, targets: ArrayLike<number>, bins = 10): number {
  const diagram = reliabilityDiagram(probabilities, targets, bins);
  const n = probabilities.length;
  if (n === 0) return NaN;
  let ece = 0;
  for (const bin of diagram) {
    if (bin.count > 0) ece += (bin.count / n) * Math.abs(bin.meanPredicted - bin.observedFrequency);
  }
  return ece;
}

/** Brier score: mean over bars of (p − y)². In [0, 1], lower is better; NaN when there are no bars. */
export function brierScore(probabilities: ArrayLike<number>, targets: ArrayLike<number>): number {
  checkCalibrationInputs("brierScore", probabilities, targets);
  const n = probabilities.length;
  if (n === 0) return NaN;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += (probabilities[i]! - targets[i]!) ** 2;
  return sum / n;
}
