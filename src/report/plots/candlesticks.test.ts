import { describe, expect, it } from "vitest";
import { barTimeLabels, candlestickPage } from "./candlesticks.js";

describe("candlestick time labels", () => {
  it("shows dates for daily bars, times within one day, month-day and time otherwise", () => {
    expect(barTimeLabels(["2024-01-02T00:00:00Z", "2024-01-03T00:00:00Z"])).toEqual(["2024-01-02", "2024-01-03"]);
    expect(barTimeLabels(["2024-01-02T09:30:00Z", "2024-01-02T09:31:00Z"])).toEqual(["09:30", "09:31"]);
    expect(barTimeLabels(["2024-01-02T23:59:00Z", "2024-01-03T00:00:00Z"])).toEqual(["01-02 23:59", "01-03 00:00"]);
  });

  it("refuses a window whose times do not match its bars", () => {
    const bars = Array.from({ length: 105 }, () => [10, 11, 9, 10.5] as const);
    const timestamps = Array.from({ length: 104 }, (_, k) => new Date(Date.UTC(2024, 0, 2) + k * 60_000).toISOString());
    const objectives = [{ name: "soft", label: "soft span loss", colour: "#1f77b4" }];
    expect(() => candlestickPage(objectives, [{ windowId: "w", bars, trueSpan: { start: 1, end: 2 }, timestamps, predicted: [] }])).toThrow(
      /window w has 104 timestamps for 105 bars/,
    );
  });
});
