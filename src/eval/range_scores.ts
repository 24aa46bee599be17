/**
 * Range-based precision and recall for time series (Tatbul, Lee, Zdonik, Alam & Gottschlich, "Precision
 * and Recall for Time Series", NeurIPS 2018), with a FLAT positional bias δ(i, ℓ) = 1 and cardinality
 * factor γ = 1, as docs/spec.md §11 states:
 *
 *     Recall_T  = (1/N_r) Σ_i [ α · Existence(R_i, P) + (1 − α) · |R_i ∩ ∪_j P_j| / |R_i| ]
 *     Precision_T = (1/N_p) Σ_j |P_j ∩ ∪_i R_i| / |P_j|
 *
 * over real ranges R_i (annotated events) and predicted ranges P_j (detections), with Existence = 1 when
 * R_i overlaps any P_j. With a flat bias and γ = 1 the overlap reward is the covered fraction of the range;
 * taking the union on the other side equals Tatbul's Σ_j over ranges that do not overlap one another (the
 * usual case: detections never overlap, annotations rarely) and never counts a bar twice when they do.
 * α = 0 by default (pure overlap): the existence reward is what the event-level hit figures report already.
 * Lengths are in bars (inclusive intervals).
 */

/** An inclusive bar interval. */
export interface BarInterval {
  start: number;
  end: number;
}

export interface RangeScores {
  /** NaN when there are no detections. */
  precision: number;
  /** NaN when there are no events. */
  recall: number;
  /** Harmonic mean; 0 when both are 0, NaN when either is NaN. */
  f1: number;
  alpha: number;
}

/**
 * Positions of `items` sorted by start, then end, then position: one numeric sort of the three packed
 * into a float64 key (exact below 2^53, i.e. for series up to ~400 million bars × items), else a
 * comparator sort.
 */
export function sortedOrder(items: readonly BarInterval[]): Int32Array {
  const n = items.length;
  const scale = n + 1;
  const span = 2 ** 21;
  let largest = 0;
  for (const { start } of items) largest = Math.max(largest, start);
  if ((largest + 1) * span * scale >= 2 ** 53) {
    return Int32Array.from(items.map((_, k) => k).sort((x, y) => items[x]!.start - items[y]!.start || items[x]!.end - items[y]!.end || x - y));
  }
  const keys = new Float64Array(n);
  for (let k = 0; k < n; k++) keys[k] = (items[k]!.start * span + Math.min(items[k]!.end - items[k]!.start, span - 1)) * scale + k;
  keys.sort();
  return Int32Array.from(keys, (key) => key % scale);
}

/** Sorted, merged union of intervals (touching ones merge); `order` from {@link sortedOrder} if known. */
export function unionOf(intervals: readonly BarInterval[], order: ArrayLike<number> = sortedOrder(intervals)): BarInterval[] {
  const out: BarInterval[] = [];
  for (let j = 0; j < order.length; j++) {
    const k = order[j]!;
    const { start, end } = intervals[k]!;
    const last = out[out.length - 1];
    if (last !== undefined && start <= last.end + 1) last.end = Math.max(last.end, end);
    else out.push({ start, end });
  }
  return out;
}

/**
 * For each interval of `items` (any order), the number of its bars inside the disjoint sorted `union`.
 * O((n + m) log m).
 */
export function coveredBars(items: readonly BarInterval[], union: readonly BarInterval[]): Float64Array {
  const out = new Float64Array(items.length);
  // Prefix sums of the union's lengths, to sum whole intervals in O(1).
  const prefix = new Float64Array(union.length + 1);
  for (let k = 0; k < union.length; k++) prefix[k + 1] = prefix[k]! + union[k]!.end - union[k]!.start + 1;
  const firstEndingAtOrAfter = (x: number) => {
    let lo = 0;
    let hi = union.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (union[mid]!.end < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  items.forEach(({ start, end }, i) => {
    const first = firstEndingAtOrAfter(start);
    let last = first;
    while (last < union.length && union[last]!.start <= end) last++;
    // Intervals first … last − 1 overlap [start, end]; only the two ends can stick out.
    if (last === first) return;
    let covered = prefix[last]! - prefix[first]!;
    covered -= Math.max(0, start - union[first]!.start);
    covered -= Math.max(0, union[last - 1]!.end - end);
    out[i] = covered;
  });
  return out;
}

/**
 * Range-based precision and recall of `detections` against `events` (see the module comment); `unions`
 * passes both sides' unions when the caller has them already.
 */
export function rangeScores(
  events: readonly BarInterval[],
  detections: readonly BarInterval[],
  alpha = 0,
  unions: { events: readonly BarInterval[]; detections: readonly BarInterval[] } = { events: unionOf(events), detections: unionOf(detections) },
): RangeScores {
  if (!(alpha >= 0 && alpha <= 1)) throw new Error(`alpha must be in [0, 1], got ${alpha}`);
  const detectionUnion = unions.detections;
  const eventUnion = unions.events;
  const eventCovered = coveredBars(events, detectionUnion);
  const detectionCovered = coveredBars(detections, eventUnion);
  let recallSum = 0;
  events.forEach((event, i) => {
    const fraction = eventCovered[i]! / (event.end - event.start + 1);
    recallSum += alpha * (eventCovered[i]! > 0 ? 1 : 0) + (1 - alpha) * fraction;
  });
  let precisionSum = 0;
  detections.forEach((detection, j) => {
    precisionSum += detectionCovered[j]! / (detection.end - detection.start + 1);
  });
  const precision = detections.length > 0 ? precisionSum / detections.length : Number.NaN;
  const recall = events.length > 0 ? recallSum / events.length : Number.NaN;
  const f1 = Number.isNaN(precision) || Number.isNaN(recall) ? Number.NaN : precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
  return { precision, recall, f1, alpha };
}
