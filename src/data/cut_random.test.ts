/**
 * The default cut (docs/spec.md §10): windows at seeded random offsets, so spans sit anywhere in the
 * window; every annotated span a window holds in its `spans`; annotations naming the same bars refused.
 */
import { describe, expect, it } from "vitest";
import { barSeriesFromColumns } from "./bars.js";
import type { BarSeries } from "./bars.js";
import type { AnnotatedEvent, AnnotationSet } from "./annotations.js";
import { BarsError } from "./bar_validation.js";
import { cutWindows, describeCutReport, planCut } from "./cut.js";
import { allowedStarts, visibleBars } from "./placement.js";
import { validateWindows } from "./validate.js";
import { Rng } from "../util/rng.js";
import { makeBars } from "../../test/fixtures/bars/make.js";

function series(n: number, seed = 1): BarSeries {
  const bars = makeBars(n, { seed });
  return barSeriesFromColumns({
    timestamps: bars.map((b) => b.t),
    open: bars.map((b) => b.open),
    high: bars.map((b) => b.high),
    low: bars.map((b) => b.low),
    close: bars.map((b) => b.close),
  });
}

function event(bars: BarSeries, eventId: string, s: number, e: number, label: AnnotatedEvent["label"] = "consolidation", row = 0): AnnotatedEvent {
  return { eventId, start: bars.timestamps[s]!, end: bars.timestamps[e]!, label, row };
}

describe("random placement", () => {
  it("cuts 3 distinct windows per event, each showing ≥ min-visible of the span, deterministic for a seed", () => {
    const bars = series(600);
    const events = [event(bars, "a", 100, 109), event(bars, "b", 300, 340, "retracement", 1)];
    const one = cutWindows(bars, events, { rng: new Rng(7) });
    expect(cutWindows(bars, events, { rng: new Rng(7) })).toEqual(one);
    expect(cutWindows(bars, events, { rng: new Rng(8) }).windows.map((w) => w.window_id)).not.toEqual(one.windows.map((w) => w.window_id));
    expect(one.windows.map((w) => w.base_window_id)).toEqual(["a", "a", "a", "b", "b", "b"]);
    expect(validateWindows(one.windows).problems).toEqual([]);
    for (const w of one.windows) {
      const [s, e] = w.base_window_id === "a" ? [100, 109] : [300, 340];
      const start = bars.timestamps.indexOf(Date.parse(w.timestamps![0]!));
      expect(w.window_id).toBe(`${w.base_window_id}-p${s - start}`);
      expect(visibleBars(s, e, start)).toBeGreaterThanOrEqual(Math.ceil(0.3 * (e - s + 1)));
      expect(w.expansion_start).toBe(Math.max(0, s - start));
      expect(w.expansion_end).toBe(Math.min(104, e - start));
    }
    expect(one.report).toMatchObject({ placement: "random", windowsPerEvent: 3, events: 2, windows: 6, originals: 2, fewerWindows: [] });
    expect(describeCutReport(one.report, 7)).toContain("windows: 6 (3 per event at seeded random offsets, seed 7)");
  });

  it("draws uniformly over the allowed starts, which span the whole window and stay inside the run", () => {
    const bars = series(400);
    const s = 200;
    const e = 209;
    const { from, to } = allowedStarts(s, e, { first: 0, last: 399 }, 0.3);
    // 10-bar span, ≥ 3 bars visible: the span may start anywhere from bar −7 to bar 102 of the window.
    expect([s - to, s - from]).toEqual([-7, 102]);
    const counts = new Map<number, number>();
    const draws = 400;
    for (let seed = 0; seed < draws; seed++) {
      for (const w of cutWindows(bars, [event(bars, "x", s, e)], { rng: new Rng(seed), windowsPerEvent: 1 }).windows) {
        const start = bars.timestamps.indexOf(Date.parse(w.timestamps![0]!));
        counts.set(start, (counts.get(start) ?? 0) + 1);
      }
    }
    expect(Math.min(...counts.keys())).toBeGreaterThanOrEqual(from);
    expect(Math.max(...counts.keys())).toBeLessThanOrEqual(to);
    // Chi-square against uniform over the 110 allowed starts: 109 degrees of freedom, 99.9th percentile ≈ 160.
    const expected = draws / (to - from + 1);
    let chi = 0;
    for (let start = from; start <= to; start++) chi += ((counts.get(start) ?? 0) - expected) ** 2 / expected;
    expect(chi).toBeLessThan(160);
  });

  it("gives an event squeezed by the data's edges the windows it has room for, and says so", () => {
    const bars = series(105);
    const { report, windows } = cutWindows(bars, [event(bars, "tight", 50, 55)], { rng: new Rng(1), windowsPerEvent: 4 });
    expect(windows.map((w) => w.window_id)).toEqual(["tight-p50"]);
    expect(report.fewerWindows).toEqual([{ eventId: "tight", windows: 1 }]);
    expect(describeCutReport(report)).toContain("  note: event tight: room for 1 window(s) only");
  });

  it("draws each event from its own fork: a rejected event before it does not move its windows", () => {
    const bars = series(600);
    const kept = event(bars, "k", 300, 310, "consolidation", 1);
    const windowsOfK = (first: AnnotatedEvent) => cutWindows(bars, [first, kept], { rng: new Rng(3) }).windows.filter((w) => w.base_window_id === "k");
    const rejected: AnnotatedEvent = { ...event(bars, "r", 10, 10), start: bars.timestamps[0]! - 3_600_000 };
    expect(windowsOfK(rejected)).toEqual(windowsOfK(event(bars, "r", 100, 104)));
  });

  it("needs a generator, and refuses a bad windows-per-event", () => {
    const bars = series(300);
    expect(() => cutWindows(bars, [event(bars, "a", 100, 105)])).toThrow(/random placement needs options.rng/);
    expect(() => cutWindows(bars, [event(bars, "a", 100, 105)], { rng: new Rng(1), windowsPerEvent: 0 })).toThrow(/windowsPerEvent/);
  });
});

describe("no position prior: span starts are spread evenly over the window", () => {
  /** Span lengths like the bundled data's (log-normal, median ≈ 5, at most 40 bars), 8,000 events. */
  function manyEvents(bars: BarSeries, count: number, rng: Rng): AnnotatedEvent[] {
    const events: AnnotatedEvent[] = [];
    const spacing = Math.floor((bars.timestamps.length - 400) / count);
    for (let k = 0; k < count; k++) {
      const length = Math.min(40, Math.max(1, Math.round(5.3 * Math.exp(0.85 * rng.normal()))));
      const s = 200 + k * spacing;
      events.push(event(bars, `e${k}`, s, s + length - 1, "consolidation", k));
    }
    return events;
  }

  it("on 8,000 events no position holds more than 6% of the windows, bars 1..99 are uniform (0.5–1.6% each, chi-square)", () => {
    const bars = series(8000 * 50 + 400, 5);
    const events = manyEvents(bars, 8000, new Rng(11));
    const shares = (counts: readonly number[]) => {
      const total = counts.reduce((a, b) => a + b, 0);
      return counts.map((c) => c / total);
    };
    const random = shares(planCut(bars, events, { rng: new Rng(42) }).report.spanStartCounts);
    const reference = shares(planCut(bars, events, { referenceCut: true }).report.spanStartCounts);
    // Bar 0 gathers every window that cuts the span's start (≈ 4.6% for these lengths); no other bar stands out.
    expect(Math.max(...random)).toBeLessThan(0.06);
    expect(random.indexOf(Math.max(...random))).toBe(0);
    for (let position = 1; position <= 99; position++) {
      expect(random[position], `bar ${position}`).toBeGreaterThan(0.005);
      expect(random[position], `bar ${position}`).toBeLessThan(0.016);
    }
    // Chi-square of bars 1..99 against uniform: 98 degrees of freedom, 99.9th percentile ≈ 143 (seen: 76).
    const inner = random.slice(1, 100);
    const mean = inner.reduce((a, b) => a + b, 0) / inner.length;
    const windows = 3 * 8000;
    expect(inner.reduce((chi, share) => chi + (windows * (share - mean)) ** 2 / (windows * mean), 0)).toBeLessThan(143);
    // The reference cut piles spans at bar 0 and just before the centre.
    expect(Math.max(...reference)).toBeGreaterThan(0.2);
  });
});

describe("every annotated span a window holds is listed; annotations naming the same bars are refused", () => {
  it("lists overlapping and nearby annotations in each window's spans, clipped, and reports the overlaps", () => {
    const bars = series(400);
    const events = [
      event(bars, "a", 150, 160, "consolidation", 0),
      event(bars, "b", 155, 170, "retracement", 1),
      event(bars, "c", 230, 240, "consolidation", 2),
    ];
    const { windows, report } = cutWindows(bars, events, { referenceCut: true, overlaps: 0 });
    // a: centred start 103 → bars 103..207 hold a, b (overlapping) and not c.
    expect(windows.find((w) => w.window_id === "a")!.spans).toEqual([
      [47, 57],
      [52, 67],
    ]);
    // c: start 183 → bars 183..287: b's tail is not inside (b ends at 170), c is.
    expect(windows.find((w) => w.window_id === "c")!.spans).toEqual([[47, 57]]);
    expect(report.annotationOverlaps).toEqual([
      { first: { eventId: "a", row: 0, start: 150, end: 160 }, second: { eventId: "b", row: 1, start: 155, end: 170 }, sharedBars: 6 },
    ]);
    expect(describeCutReport(report)).toContain("  overlapping annotations (kept, all their bars in span): 1 pair(s)");
    expect(validateWindows(windows).problems).toEqual([]);
  });

  it("refuses identical and contradicting annotations, naming both rows", () => {
    const bars = series(400);
    const same = [event(bars, "a", 150, 160, "consolidation", 0), event(bars, "a2", 150, 160, "consolidation", 4)];
    const contradicting = [event(bars, "a", 150, 160, "consolidation", 0), event(bars, "z", 150, 160, "retracement", 2)];
    const messages = (events: AnnotatedEvent[]) => {
      try {
        const set: AnnotationSet = {
          source: "events.csv",
          events,
          mapping: { columns: {}, timestampFormat: "ISO-8601 with zone", format: "csv" },
          timestampConvention: "absolute",
          timezone: "UTC",
        };
        cutWindows(bars, set, { rng: new Rng(1) });
      } catch (error) {
        expect(error).toBeInstanceOf(BarsError);
        return (error as BarsError).problems.map((p) => `row ${p.row}: ${p.field}: expected ${p.expected}`);
      }
      return [];
    };
    expect(messages(same)).toEqual(["row 4: start, end: expected bars no other annotation names: row 0 (event a) is identical (same bars, same label)"]);
    expect(messages(contradicting)).toEqual([
      "row 2: start, end: expected bars no other annotation names: row 0 (event a) names the same bars as consolidation (contradicting labels)",
    ]);
  });
});
