/**
 * Features of scan windows: each window's features come from its own bars exactly as in training
 * (docs/spec.md §2: range EMA, ATR and zigzag restart at the window's first bar) — never from a running
 * series-wide state, which the model has never seen. The window's bars and the batch's feature tensor
 * are allocated once and reused; only the feature builder's per-window result is allocated.
 */
import type { Bar } from "../data/window.js";
import { computeRelativityFeatures } from "../features/index.js";

/**
 * The bars a scan reads: a structural subset of `BarSeries` (src/data/bars.ts), so a series read from a
 * file and one built in memory both fit. Arrays are per bar, oldest first, all the same length.
 */
export interface ScanBars {
  /** Bar open times, milliseconds since the epoch (UTC); empty or null for none. */
  timestamps: ArrayLike<number> | null;
  open: ArrayLike<number>;
  high: ArrayLike<number>;
  low: ArrayLike<number>;
  close: ArrayLike<number>;
  /** Breaks no window may cross (BarSeries.gaps: longer than --max-gap): `index` is the first bar after each. Absent: none. */
  gaps?: readonly { index: number }[];
}

/** The four price columns of a stretch of bars; `offset` is the global index of element 0. */
export interface PriceColumns {
  open: ArrayLike<number>;
  high: ArrayLike<number>;
  low: ArrayLike<number>;
  close: ArrayLike<number>;
  offset: number;
}

/** Fills batches of window features from price columns. */
export class WindowFeatureFiller {
  private readonly windowBars: Bar[];
  readonly input: Float32Array;

  constructor(
    private readonly prices: PriceColumns,
    readonly length: number,
    readonly width: number,
    readonly batchSize: number,
    private readonly position: boolean,
  ) {
    this.windowBars = Array.from({ length }, () => [0, 0, 0, 0] as Bar);
    this.input = new Float32Array(batchSize * length * width);
  }

  /** Writes the features of the window starting at global bar `start` into batch slot `slot`. */
  fill(slot: number, start: number): void {
    const { open, high, low, close, offset } = this.prices;
    for (let t = 0; t < this.length; t++) {
      const bar = this.windowBars[t]!;
      const i = start + t - offset;
      bar[0] = open[i]!;
      bar[1] = high[i]!;
      bar[2] = low[i]!;
      bar[3] = close[i]!;
    }
    this.input.set(computeRelativityFeatures(this.windowBars, { position: this.position }), slot * this.length * this.width);
  }

  /** The features of the first `batch` slots. */
  batch(batch: number): Float32Array {
    return this.input.subarray(0, batch * this.length * this.width);
  }
}

/** Checks the series' arrays: equal lengths, finite prices (named by bar index). Returns the bar count. */
export function checkScanBars(bars: ScanBars): number {
  const n = bars.close.length;
  for (const [name, values] of [
    ["open", bars.open],
    ["high", bars.high],
    ["low", bars.low],
  ] as const) {
    if (values.length !== n) throw new Error(`bars: ${name} has ${values.length} values but close has ${n}`);
  }
  if (bars.timestamps !== null && bars.timestamps.length !== 0 && bars.timestamps.length !== n) {
    throw new Error(`bars: ${bars.timestamps.length} timestamps for ${n} bars`);
  }
  for (const [name, values] of [
    ["open", bars.open],
    ["high", bars.high],
    ["low", bars.low],
    ["close", bars.close],
  ] as const) {
    for (let i = 0; i < n; i++) {
      if (!Number.isFinite(values[i]!)) throw new Error(`bars: bar ${i} has a non-finite ${name} (${values[i]})`);
    }
  }
  return n;
}

/** The bars' timestamps when there is one per bar, else null. */
export function barTimestamps(bars: ScanBars): ArrayLike<number> | null {
  return bars.timestamps !== null && bars.timestamps.length === bars.close.length && bars.close.length > 0 ? bars.timestamps : null;
}

/** Copies of the price columns of global bars [from, to), for a worker thread. */
export function slicePrices(bars: ScanBars, from: number, to: number): { open: Float64Array; high: Float64Array; low: Float64Array; close: Float64Array } {
  const take = (values: ArrayLike<number>) => {
    const out = new Float64Array(to - from);
    for (let i = from; i < to; i++) out[i - from] = values[i]!;
    return out;
  };
  return { open: take(bars.open), high: take(bars.high), low: take(bars.low), close: take(bars.close) };
}
