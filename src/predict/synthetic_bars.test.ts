/**
 * Long synthetic series: event paths laid end to end with their spans on the right bars, prices continuous
 * from path to path, deterministic by seed, and FX-calendar timestamps that skip the weekend.
 */
import { describe, expect, it } from "vitest";
import { Rng } from "../util/rng.js";
import { calendarTimes, syntheticSeries } from "./synthetic_bars.js";

describe("syntheticSeries", () => {
  it("lays event paths end to end with their spans inside the bars, seeded", () => {
    const series = syntheticSeries(30, new Rng(9));
    expect(series.events.length).toBeGreaterThan(20);
    expect(series.close.length).toBeGreaterThan(30 * 105);
    for (const { start, end } of series.events) {
      expect(start).toBeGreaterThanOrEqual(0);
      expect(end).toBeLessThan(series.close.length);
      expect(end).toBeGreaterThanOrEqual(start);
    }
    for (let i = 0; i < series.close.length; i++) {
      expect(series.high[i]).toBeGreaterThanOrEqual(Math.max(series.open[i]!, series.close[i]!) - 1e-9);
      expect(series.low[i]).toBeLessThanOrEqual(Math.min(series.open[i]!, series.close[i]!) + 1e-9);
    }
    expect(syntheticSeries(30, new Rng(9))).toEqual(series);
  });

  it("follows the FX week: Sunday 22:00 to Friday 22:00 UTC in 30-minute bars", () => {
    const times = calendarTimes(481, "fx30m", Date.UTC(2024, 0, 7, 22));
    expect(new Date(times[239]!).toISOString()).toBe("2024-01-12T21:30:00.000Z");
    expect(new Date(times[240]!).toISOString()).toBe("2024-01-14T22:00:00.000Z");
    expect(() => calendarTimes(10, "fx30m", Date.UTC(2024, 0, 8, 22))).toThrow(
      "the fx30m calendar starts on a Sunday at 22:00 UTC, got 2024-01-08T22:00:00.000Z",
    );
    expect(calendarTimes(3, "minutes", 0)).toEqual(Float64Array.from([0, 60_000, 120_000]));
  });
});
