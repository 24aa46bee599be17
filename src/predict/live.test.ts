/**
 * The live scan: the probability of bar t is the last-bar probability of the window ending at t (checked
 * against predictWindows), nothing after t is read — the live probabilities of bars before T are
 * bitwise identical whether or not the series goes on after T — detections open when p_live crosses the
 * threshold and close when it falls back, each known at its first bar + minRunLength − 1, and the first
 * 104 bars of each segment have no live probability.
 */
import { describe, expect, it } from "vitest";
import type { Window } from "../data/window.js";
import { runsFromMask } from "../model/span_decoding.js";
import { scanLive } from "./live.js";
import { predictWindows } from "./predict.js";
import { barsAt, randomWalkBars, seededModel } from "./seeded.js";
import type { ScanBars } from "./window_features.js";

const windowAt = (bars: ScanBars, start: number): Window => ({
  window_id: `at${start}`,
  base_window_id: `at${start}`,
  label: "consolidation",
  expansion_start: 0,
  expansion_end: 0,
  features: barsAt(bars, start),
});

const head = <T extends ScanBars & { timestamps: Float64Array; open: Float64Array; high: Float64Array; low: Float64Array; close: Float64Array }>(
  bars: T,
  n: number,
) => ({
  timestamps: bars.timestamps.slice(0, n),
  open: bars.open.slice(0, n),
  high: bars.high.slice(0, n),
  low: bars.low.slice(0, n),
  close: bars.close.slice(0, n),
});

describe("scanLive", () => {
  it("reads bar t's probability off the last bar of the window ending at t", () => {
    const bars = randomWalkBars(400, 21);
    for (const loss of ["soft", "crf"] as const) {
      const model = seededModel(loss);
      const live = scanLive(model, bars, { threshold: 0.5 });
      expect(live.windows).toBe(400 - 104);
      for (let t = 0; t < 104; t++) expect(Number.isNaN(live.probabilities[t]!)).toBe(true);
      for (const t of [104, 105, 200, 399]) {
        const [prediction] = predictWindows(model, [windowAt(bars, t - 104)]);
        expect(live.probabilities[t]).toBe(prediction!.probabilities[104]);
      }
    }
  });

  it("is causal: live probabilities of bars before T are bitwise identical with and without the bars after T", () => {
    const bars = randomWalkBars(600, 22);
    const model = seededModel("crf");
    const full = scanLive(model, bars, { threshold: 0.5 });
    for (const T of [105, 250, 431]) {
      const cut = scanLive(model, head(bars, T), { threshold: 0.5 });
      for (let t = 0; t < T; t++) expect(Object.is(cut.probabilities[t], full.probabilities[t])).toBe(true);
      // Every detection that closed before T was emitted identically.
      const closed = full.detections.filter((d) => d.end_index < T - 1);
      expect(cut.detections.slice(0, closed.length)).toEqual(closed);
    }
  });

  it("opens a detection when p_live crosses the threshold and closes it when it falls back; known at start + min run − 1", () => {
    const bars = randomWalkBars(700, 23);
    const model = seededModel("soft");
    const live = scanLive(model, bars, { threshold: 0.5, minRunLength: 3 });
    const mask = Uint8Array.from(live.probabilities, (p) => (p > 0.5 ? 1 : 0));
    const runs = runsFromMask(mask).filter(([s, e]) => e - s + 1 >= 3);
    expect(runs.length).toBeGreaterThanOrEqual(2);
    expect(live.detections.map((d) => [d.start_index, d.end_index])).toEqual(runs);
    for (const d of live.detections) {
      expect(d).toMatchObject({ mode: "live", decoder: "threshold", score: "p_live", threshold: 0.5, windows_covering: d.length });
      expect(d.known_at_index).toBe(d.start_index + 2);
      expect(d.known_at_time).toBe(new Date(bars.timestamps[d.start_index + 2]!).toISOString());
      expect(d.class_probabilities.retracement).toBeCloseTo(live.classes[2 * d.known_at_index + 1]!, 6);
    }
  });

  it("restarts after a gap: the first 104 bars of each segment have no live probability", () => {
    const bars = { ...randomWalkBars(400, 24), gaps: [{ index: 200 }] };
    const live = scanLive(seededModel("soft"), bars, { threshold: 0.5 });
    expect(live.windows).toBe(2 * (200 - 104));
    for (let t = 200; t < 304; t++) expect(Number.isNaN(live.probabilities[t]!)).toBe(true);
    expect(Number.isNaN(live.probabilities[304]!)).toBe(false);
  });
});
