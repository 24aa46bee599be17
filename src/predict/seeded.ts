/**
 * Seeded bars and models for the scan's tests and benches: a random walk of 1-minute bars with changing
 * volatility, and a seeded JadeCompact whose outputs respond to the bars (freshly initialised weights give
 * p ≈ 0.51 on every bar, so the span and class heads are scaled up ×10 and their biases centred on a
 * reference window: p about half above, half below 0.5, runs of many lengths, both classes).
 */
import type { Bar } from "../data/window.js";
import { computeRelativityFeatures } from "../features/index.js";
import { spanHead } from "../model/heads/registry.js";
import { JadeCompact } from "../model/jade_compact.js";
import { Rng } from "../util/rng.js";
import type { ScanBars } from "./window_features.js";

export interface SeededBars extends ScanBars {
  timestamps: Float64Array;
  open: Float64Array;
  high: Float64Array;
  low: Float64Array;
  close: Float64Array;
}

/** A seeded random walk of `n` 1-minute bars from `first` (ms UTC) with volatility cycling every ~2π·period bars. */
export function randomWalkBars(n: number, seed = 3, options: { first?: number; price?: number; period?: number } = {}): SeededBars {
  const rng = new Rng(seed);
  const open = new Float64Array(n);
  const high = new Float64Array(n);
  const low = new Float64Array(n);
  const close = new Float64Array(n);
  const timestamps = new Float64Array(n);
  const first = options.first ?? Date.UTC(2024, 2, 4, 14, 30);
  const period = options.period ?? 40;
  let price = options.price ?? 18000;
  for (let i = 0; i < n; i++) {
    const sigma = 1 + 5 * Math.abs(Math.sin(i / period));
    open[i] = price;
    price += rng.normal(0, sigma);
    close[i] = price;
    high[i] = Math.max(open[i]!, price) + rng.uniform(0, sigma);
    low[i] = Math.min(open[i]!, price) - rng.uniform(0, sigma);
    timestamps[i] = first + i * 60_000;
  }
  return { timestamps, open, high, low, close };
}

/** The bars [start, start + length) as feature rows' input. */
export function barsAt(bars: ScanBars, start: number, length = 105): Bar[] {
  return Array.from({ length }, (_, t) => [bars.open[start + t]!, bars.high[start + t]!, bars.low[start + t]!, bars.close[start + t]!]);
}

/** The seeded model of the module comment, its biases centred on the first 105 bars of `reference`. */
export function seededModel(loss: string, options: { maxBatch?: number; reference?: ScanBars; seed?: number } = {}): JadeCompact {
  const model = new JadeCompact({ head: spanHead(loss), maxBatch: options.maxBatch ?? 32 });
  model.initialise(new Rng(options.seed ?? (loss === "soft" ? 11 : 12)));
  for (const name of ["expansion_span_emission.1.weight", "classifier.1.weight"]) {
    const w = model.parameters.value(name);
    for (let i = 0; i < w.length; i++) w[i]! *= 10;
  }
  const reference = options.reference ?? randomWalkBars(105, 99);
  const out = model.forward(computeRelativityFeatures(barsAt(reference, 0)), 1, { training: false });
  const spanBias = model.parameters.value("expansion_span_emission.1.bias");
  let mean = 0;
  for (let t = 0; t < 105; t++) mean += (model.head.width === 1 ? out.spanScores[t]! : out.spanScores[2 * t + 1]! - out.spanScores[2 * t]!) / 105;
  if (model.head.width === 1) spanBias[0]! -= mean;
  else {
    spanBias[1]! -= mean / 2;
    spanBias[0]! += mean / 2;
  }
  const classBias = model.parameters.value("classifier.1.bias");
  const d = out.classLogits[1]! - out.classLogits[0]!;
  classBias[1]! -= d / 2;
  classBias[0]! += d / 2;
  return model;
}
