/**
 * The random detector (docs/spec.md §11): as many detections as the model made, with the same lengths,
 * placed at random on the same bars — the score a detector with the model's detection rate and length
 * distribution gets by chance. One draw shuffles the lengths (Fisher–Yates) and places them in that
 * order, non-overlapping and at least one bar apart, with the free bars N − Σ lengths − (k − 1) split
 * by k sorted uniform integer draws from [0, free] (detection i starts at draw_i + the lengths and gaps
 * before it). Everything comes from the one seeded generator passed in (`--seed`).
 */
import type { BarInterval } from "../eval/range_scores.js";
import type { Rng } from "../util/rng.js";

/** One random placement of intervals with `lengths` over `barCount` bars. */
export function randomDetections(lengths: readonly number[], barCount: number, rng: Rng): BarInterval[] {
  const k = lengths.length;
  if (k === 0) return [];
  const order = [...lengths];
  for (let i = k - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const total = order.reduce((sum, length) => sum + length, 0);
  const free = barCount - total - (k - 1);
  if (free < 0) throw new Error(`${k} detections of ${total} bars in all do not fit apart in ${barCount} bars`);
  const draws = Float64Array.from({ length: k }, () => rng.int(free + 1)).sort();
  const out: BarInterval[] = [];
  let used = 0;
  for (let i = 0; i < k; i++) {
    const start = draws[i]! + used + i;
    out.push({ start, end: start + order[i]! - 1 });
    used += order[i]!;
  }
  return out;
}
