import { describe, expect, it } from "vitest";
import { datasetStatistics, formatDatasetStatistics } from "./statistics.js";
import { WINDOW_BARS, type Bar, type Label, type Window } from "./window.js";

const flatBars = (): Bar[] => Array.from({ length: WINDOW_BARS }, () => [100, 101, 99, 100] as Bar);
const window = (id: string, base: string, label: Label, start: number, end: number): Window => ({
  window_id: id,
  base_window_id: base,
  label,
  expansion_start: start,
  expansion_end: end,
  features: flatBars(),
});

describe("datasetStatistics", () => {
  // Spans of 1, 4 and 10 bars; two events (a, b), one overlap of a.
  const tiny = [window("a", "a", "consolidation", 0, 0), window("a-s+52", "a", "consolidation", 20, 23), window("b", "b", "retracement", 95, 104)];

  it("counts windows, events, overlaps and labels", () => {
    const stats = datasetStatistics(tiny);
    expect(stats.windows).toBe(3);
    expect(stats.baseWindows).toBe(2);
    expect(stats.overlapWindows).toBe(1);
    expect(stats.labels.consolidation).toEqual({ count: 2, fraction: 2 / 3 });
    expect(stats.labels.retracement).toEqual({ count: 1, fraction: 1 / 3 });
  });

  it("measures span lengths inclusively and the in-span bar share", () => {
    const stats = datasetStatistics(tiny);
    expect(stats.spanLength).toEqual({ mean: 5, median: 4, min: 1, max: 10 });
    expect(stats.bars).toBe(315);
    expect(stats.inSpanBarFraction).toBeCloseTo(15 / 315, 12);
  });

  it("takes the mean of the middle two lengths as the median of an even count", () => {
    const stats = datasetStatistics([...tiny, window("c", "c", "retracement", 50, 56)]);
    expect(stats.spanLength.median).toBe(5.5); // lengths 1, 4, 7, 10
  });

  it("describes an empty set without dividing by zero", () => {
    const stats = datasetStatistics([]);
    expect(stats.windows).toBe(0);
    expect(stats.labels.retracement.fraction).toBe(0);
    expect(stats.inSpanBarFraction).toBe(0);
    expect(Number.isNaN(stats.spanLength.mean)).toBe(true);
  });

  it("formats the figures for the CLI", () => {
    const text = formatDatasetStatistics(datasetStatistics(tiny));
    expect(text).toContain("windows           3 (2 base + 1 overlaps)");
    expect(text).toContain("consolidation 2 (66.7%), retracement 1 (33.3%)");
    expect(text).toContain("mean 5.00, median 4, min 1, max 10 bars");
    expect(text).toContain("4.8% of 315 bars");
  });
});
