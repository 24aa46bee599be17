/**
 * Bars aggregated into buckets of k consecutive bars, for the Bars page's zoomed-out view: lightweight-charts
 * spends ~1.2 s in `setData` on a year of 1-minute bars (525,600 candles) and as long again painting them,
 * so the chart is never handed more than `MAX_CANDLES`; the full columns stay in typed arrays and a window
 * of them at full resolution replaces the buckets when zoomed in (src/view/client/pages/bars.ts).
 *
 * Pure (no DOM, no chart): bucket j holds bars from + j·k … from + (j+1)·k − 1 (the last one may be shorter);
 * its time is its first bar's, open the first bar's, high the greatest, low the least, close the last bar's
 * — exactly the candle a chart of k-bar candles would draw.
 */

/** The most candles the chart gets at once: ~20,000 draw in well under 100 ms per frame and set in ~50 ms. */
export const MAX_CANDLES = 20_000;

export interface Columns {
  times: ArrayLike<number>;
  open: ArrayLike<number>;
  high: ArrayLike<number>;
  low: ArrayLike<number>;
  close: ArrayLike<number>;
}

export interface Buckets {
  /** Bars per bucket. */
  k: number;
  /** The first bar of bucket 0. */
  from: number;
  times: Float64Array;
  open: Float32Array;
  high: Float32Array;
  low: Float32Array;
  close: Float32Array;
}

/** The fewest bars per bucket that put `total` bars into at most `max` buckets (1 when they fit as they are). */
export function bucketSize(total: number, max = MAX_CANDLES): number {
  if (!Number.isInteger(max) || max < 1) throw new Error(`max = ${max}; expected a whole number ≥ 1`);
  return Math.max(1, Math.ceil(total / max));
}

/** Buckets of `k` bars over bars from … to − 1 of `bars`. */
export function aggregate(bars: Columns, k: number, from = 0, to = bars.open.length): Buckets {
  if (!Number.isInteger(k) || k < 1) throw new Error(`k = ${k}; expected a whole number ≥ 1`);
  if (!(Number.isInteger(from) && Number.isInteger(to) && 0 <= from && from <= to && to <= bars.open.length)) {
    throw new Error(`bars ${from} … ${to} are not a range of the ${bars.open.length} bars`);
  }
  const n = Math.ceil((to - from) / k);
  const out: Buckets = {
    k,
    from,
    times: new Float64Array(n),
    open: new Float32Array(n),
    high: new Float32Array(n),
    low: new Float32Array(n),
    close: new Float32Array(n),
  };
  for (let j = 0; j < n; j++) {
    const a = from + j * k;
    const b = Math.min(to, a + k);
    let high = bars.high[a]!;
    let low = bars.low[a]!;
    for (let i = a + 1; i < b; i++) {
      const hi = bars.high[i]!;
      const lo = bars.low[i]!;
      if (hi > high) high = hi;
      if (lo < low) low = lo;
    }
    out.times[j] = bars.times[a]!;
    out.open[j] = bars.open[a]!;
    out.high[j] = high;
    out.low[j] = low;
    out.close[j] = bars.close[b - 1]!;
  }
  return out;
}

/** The bucket (display index) holding bar `bar`, for buckets of `k` bars from `from`. */
export function bucketOf(bar: number, k: number, from = 0): number {
  return Math.floor((bar - from) / k);
}

/** A span of bars as the span of buckets holding its first and last bar (so a one-bar span still shows). */
export function bucketSpan(span: { start: number; end: number }, k: number, from = 0): { start: number; end: number } {
  return { start: bucketOf(span.start, k, from), end: bucketOf(span.end, k, from) };
}

/**
 * A per-bar series (probabilities; NaN where none) over the same buckets: each bucket's greatest finite
 * value, NaN when it has none — the greatest rather than the mean so a short spike above a threshold stays
 * visible when zoomed out.
 */
export function aggregateMax(values: ArrayLike<number>, k: number, from = 0, to = values.length): Float32Array {
  const n = Math.ceil((to - from) / k);
  const out = new Float32Array(n);
  for (let j = 0; j < n; j++) {
    const a = from + j * k;
    const b = Math.min(to, a + k);
    let best = Number.NaN;
    for (let i = a; i < b; i++) {
      const v = values[i]!;
      if (Number.isFinite(v) && !(v <= best)) best = v;
    }
    out[j] = best;
  }
  return out;
}
