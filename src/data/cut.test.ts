import { describe, expect, it } from "vitest";
import { join } from "node:path";
import fc from "fast-check";
import { barSeriesFromColumns, readBars } from "./bars.js";
import type { BarSeries } from "./bars.js";
import { readAnnotations } from "./annotations.js";
import type { AnnotatedEvent } from "./annotations.js";
import { cutWindows as cut, describeCutReport, overlapShifts } from "./cut.js";
import type { CutOptions } from "./cut.js";
import { validateWindows } from "./validate.js";
import type { Window } from "./window.js";
import { MINUTE, makeBars } from "../../test/fixtures/bars/make.js";

const FIXTURES = join(import.meta.dirname, "../../test/fixtures/bars");

/** These tests pin the reference cut (centred + ±52 overlaps); src/data/cut_random.test.ts tests the default. */
const cutWindows = (bars: BarSeries, annotations: Parameters<typeof cut>[1], options: CutOptions = {}) =>
  cut(bars, annotations, { referenceCut: true, ...options });

/**
 * `n` 1-minute bars; `gaps` inserts `missing` bars of silence before bar `index`. Read with --max-gap 0,
 * so every such break is a gap that windows never cross (without --max-gap they would be crossed).
 */
function series(n: number, gaps: { index: number; missing: number }[] = [], seed = 1): BarSeries {
  const bars = makeBars(n, { seed });
  let shift = 0;
  const timestamps = bars.map((bar, i) => {
    for (const gap of gaps) if (gap.index === i) shift += gap.missing * MINUTE;
    return bar.t + shift;
  });
  return barSeriesFromColumns(
    {
      timestamps,
      open: bars.map((b) => b.open),
      high: bars.map((b) => b.high),
      low: bars.map((b) => b.low),
      close: bars.map((b) => b.close),
      volume: bars.map((b) => b.volume),
    },
    { maxGapMs: 0 },
  );
}

function event(bars: BarSeries, eventId: string, s: number, e: number, label: AnnotatedEvent["label"] = "consolidation", row = 0): AnnotatedEvent {
  return { eventId, start: bars.timestamps[s]!, end: bars.timestamps[e]!, label, row };
}

/** Window start in the series, found from its first bar's values (checks the bars are a contiguous slice). */
function placement(bars: BarSeries, window: Window): number {
  for (let start = 0; start + 105 <= bars.timestamps.length; start++) {
    if (
      window.features.every(
        (bar, k) => bar[0] === bars.open[start + k] && bar[1] === bars.high[start + k] && bar[2] === bars.low[start + k] && bar[3] === bars.close[start + k],
      )
    ) {
      return start;
    }
  }
  return -1;
}

function summary(bars: BarSeries, windows: Window[]): [string, string, number, number, number][] {
  return windows.map((w) => [w.window_id, w.base_window_id, placement(bars, w), w.expansion_start, w.expansion_end]);
}

describe("cutWindows: the reference procedure on exact indices", () => {
  it("centres each event, clips at the data's edges, keeps overlaps by min-visible and bounds", async () => {
    const bars = await readBars(join(FIXTURES, "clean.csv"));
    const annotations = await readAnnotations(join(FIXTURES, "events.csv"));
    const { windows, report } = cutWindows(bars, annotations);
    // [window_id, base, window start in the bars, expansion_start, expansion_end]
    expect(summary(bars, windows)).toEqual([
      // a: bars 140..149, centre 144 → start 92; ±52 both keep ≥ 30% of the 10-bar span.
      ["a", "a", 92, 48, 57],
      ["a-s+52", "a", 144, 0, 5],
      ["a-s-52", "a", 40, 100, 104],
      // b: bars 20..21, centre 20 → start −32, clipped to 0 (span off-centre, noted).
      ["b", "b", 0, 20, 21],
      // c: bars 200..229, centre 214 → start 162; +52 would run past bar 299.
      ["c", "c", 162, 38, 67],
      ["c-s-52", "c", 110, 90, 104],
      // d: bars 60..64, centre 62 → start 10; −52 would start before bar 0.
      ["d", "d", 10, 50, 54],
      ["d-s+52", "d", 62, 0, 2],
    ]);
    expect(windows.map((w) => w.label)).toEqual([
      "consolidation",
      "consolidation",
      "consolidation",
      "retracement",
      "retracement",
      "retracement",
      "consolidation",
      "consolidation",
    ]);
    expect(windows.every((w) => w.volume?.length === 105)).toBe(true);
    expect(windows[0]!.volume![0]).toBe(bars.volume![92]);
    expect(validateWindows(windows).problems).toEqual([]);
    expect(report).toMatchObject({
      placement: "reference",
      events: 4,
      windows: 8,
      originals: 4,
      overlapsKept: 4,
      overlapsDropped: 4,
      eventsRejected: [],
      notes: [{ eventId: "b", note: "too close to the data's start to centre: window moved by 32 bar(s), span at [20, 21] instead of [52, 53]" }],
      dropped: [
        { windowId: "b-s+52", eventId: "b", reason: "only 0 of 2 span bar(s) visible (0% < min-visible 30%)" },
        { windowId: "b-s-52", eventId: "b", reason: "the shifted window would run before the data's first bar" },
        { windowId: "c-s+52", eventId: "c", reason: "the shifted window would run past the data's last bar" },
        { windowId: "d-s-52", eventId: "d", reason: "the shifted window would run before the data's first bar" },
      ],
      fewerWindows: [],
      windowsWithOtherSpans: 6,
      annotationOverlaps: [],
    });
    // The reference cut's position prior: overlaps put span starts at bar 0 or near 52 and 104.
    expect(report.spanStartCounts.flatMap((count, position) => (count > 0 ? [[position, count]] : []))).toEqual([
      [0, 2],
      [20, 1],
      [38, 1],
      [48, 1],
      [50, 1],
      [90, 1],
      [100, 1],
    ]);
    // Every annotated span a window holds, clipped: the events are closer than a window.
    expect(windows.map((w) => w.spans)).toEqual([
      [[48, 57]],
      [
        [0, 5],
        [56, 85],
      ],
      [
        [20, 24],
        [100, 104],
      ],
      [
        [20, 21],
        [60, 64],
      ],
      [[38, 67]],
      [
        [30, 39],
        [90, 104],
      ],
      [
        [10, 11],
        [50, 54],
      ],
      [
        [0, 2],
        [78, 87],
      ],
    ]);
    expect(windows[0]!.timestamps![0]).toBe("2024-01-02T11:02:00Z");
    expect(describeCutReport(report)).toBe(
      [
        "events: 4, accepted: 4, rejected: 0",
        "windows: 8 (reference cut: 4 centred + 4 overlaps kept; 4 overlaps dropped)",
        "  span start in window: min 0, median 38, max 100; by fifths (bars 0–20, 21–41, 42–62, 63–83, 84–104): 3 / 1 / 2 / 0 / 2",
        "  windows holding another annotated span too: 6 (its bars are in-span targets as well)",
        "  note: event b: too close to the data's start to centre: window moved by 32 bar(s), span at [20, 21] instead of [52, 53]",
        "  overlaps dropped: 1 × too little of the span visible (min-visible)",
        "  overlaps dropped: 2 × runs before the data's first bar",
        "  overlaps dropped: 1 × runs past the data's last bar",
      ].join("\n"),
    );
  });

  it("min-visible is inclusive at its threshold, on every stride-1 shift", () => {
    const bars = series(300);
    const ids = (minVisible: number): Set<string> =>
      new Set(cutWindows(bars, [event(bars, "a", 140, 149)], { stride: 1, minVisible }).windows.map((w) => w.window_id));
    // 10-bar span in window start 92: shift +d keeps 58 − d bars, shift −d keeps 57 − d.
    const at30 = ids(0.3);
    expect(at30.size).toBe(1 + 55 + 54);
    expect([at30.has("a-s+55"), at30.has("a-s+56"), at30.has("a-s-54"), at30.has("a-s-55")]).toEqual([true, false, true, false]);
    const at31 = ids(0.31);
    expect([at31.has("a-s+54"), at31.has("a-s+55"), at31.has("a-s-53"), at31.has("a-s-54")]).toEqual([true, false, true, false]);
    // min-visible 0 still needs one visible span bar.
    const at0 = ids(0);
    expect([at0.has("a-s+57"), at0.has("a-s+58"), at0.has("a-s-56"), at0.has("a-s-57")]).toEqual([true, false, true, false]);
  });

  it("--overlaps 2 shifts by ±52 and ±104; --overlaps 0 keeps only the centred windows", () => {
    const bars = series(400);
    const events = [event(bars, "e", 200, 259)];
    const two = cutWindows(bars, events, { overlaps: 2 });
    // 60-bar span 200..259, centre 229 → start 177; ±104 leave none of it visible.
    expect(summary(bars, two.windows)).toEqual([
      ["e", "e", 177, 23, 82],
      ["e-s+52", "e", 229, 0, 30],
      ["e-s-52", "e", 125, 75, 104],
    ]);
    expect(two.report.dropped.map((d) => d.windowId)).toEqual(["e-s+104", "e-s-104"]);
    expect(cutWindows(bars, events, { overlaps: 0 }).windows.map((w) => w.window_id)).toEqual(["e"]);
    expect(overlapShifts({ overlaps: 2 })).toEqual([52, -52, 104, -104]);
    expect(overlapShifts({ stride: 40, overlaps: 5 })).toEqual([40, -40, 80, -80]);
    expect(() => overlapShifts({ stride: 0 })).toThrow(/stride/);
    expect(() => overlapShifts({ overlaps: -1 })).toThrow(/overlaps/);
  });
});

describe("cutWindows: annotation timestamps and rejected events", () => {
  it("snaps timestamps inside a bar to that bar and says so; refuses them with snap off", () => {
    const bars = series(300);
    const inexact: AnnotatedEvent = { eventId: "s", start: bars.timestamps[140]! + 30_000, end: bars.timestamps[149]! + 59_999, label: "retracement", row: 3 };
    const snapped = cutWindows(bars, [inexact]);
    const exact = cutWindows(bars, [event(bars, "s", 140, 149, "retracement")]);
    expect(snapped.windows).toEqual(exact.windows);
    expect(snapped.report.notes).toEqual([
      {
        eventId: "s",
        note: "snapped to the bars containing them: start 2024-01-02T11:50:30Z → bar 140 (2024-01-02T11:50:00Z), end 2024-01-02T11:59:59.999Z → bar 149 (2024-01-02T11:59:00Z)",
      },
    ]);
    const refused = cutWindows(bars, [inexact], { snap: false });
    expect(refused.windows).toEqual([]);
    expect(refused.report.eventsRejected).toEqual([
      {
        eventId: "s",
        row: 3,
        reason:
          "start 2024-01-02T11:50:30Z is not a bar timestamp (it falls inside bar 140, 2024-01-02T11:50:00Z; snapping is off); end 2024-01-02T11:59:59.999Z is not a bar timestamp (it falls inside bar 149, 2024-01-02T11:59:00Z; snapping is off)",
      },
    ]);
  });

  it("reports events at the data's edge (the fixture) instead of skipping them", async () => {
    const bars = await readBars(join(FIXTURES, "clean.csv"));
    const { windows, report } = cutWindows(bars, await readAnnotations(join(FIXTURES, "events_edge.csv")));
    expect(report.eventsRejected).toEqual([
      { eventId: "early", row: 0, reason: "start 2024-01-02T09:25:00Z is before the first bar (2024-01-02T09:30:00Z): the span is not all inside the data" },
      { eventId: "late", row: 1, reason: "end 2024-01-02T14:31:00Z is after the last bar (2024-01-02T14:29:00Z): the span is not all inside the data" },
    ]);
    expect(windows.map((w) => w.base_window_id)).toEqual(["ok", "ok", "ok"]);
    expect(describeCutReport(report)).toContain("  rejected event early (row 0): start 2024-01-02T09:25:00Z is before the first bar");
  });

  it("rejects spans longer than a window, too little data, and timestamps in a gap", () => {
    const bars = series(300);
    const long = cutWindows(bars, [event(bars, "long", 10, 115), event(bars, "fits", 10, 114)]);
    expect(long.report.eventsRejected).toEqual([{ eventId: "long", row: 0, reason: "the span covers 106 bars (10..115), more than a 105-bar window holds" }]);
    expect(summary(bars, long.windows)).toEqual([
      ["fits", "fits", 10, 0, 104],
      ["fits-s+52", "fits", 62, 0, 52],
    ]);

    const short = series(100);
    expect(cutWindows(short, [event(short, "x", 40, 45)]).report.eventsRejected).toEqual([
      { eventId: "x", row: 0, reason: "no 105-bar window fits: the data has only 100 bars" },
    ]);

    const gappy = series(300, [{ index: 150, missing: 10 }]);
    const inGap = { eventId: "g", start: gappy.timestamps[149]! + 5 * MINUTE, end: gappy.timestamps[150]!, label: "consolidation" as const, row: 0 };
    expect(cutWindows(gappy, [inGap]).report.eventsRejected[0]!.reason).toBe(
      "start 2024-01-02T12:04:00Z falls in a gap between bar 149 (2024-01-02T11:59:00Z) and bar 150 (2024-01-02T12:10:00Z)",
    );
  });

  it("without --max-gap, bars are a sequence: windows run across breaks as if the bars were consecutive", () => {
    const bars = makeBars(350);
    const shift = (i: number): number => (i >= 120 ? 30 * MINUTE : 0) + (i >= 300 ? 5 * MINUTE : 0);
    const columns = {
      timestamps: bars.map((b, i) => b.t + shift(i)),
      open: bars.map((b) => b.open),
      high: bars.map((b) => b.high),
      low: bars.map((b) => b.low),
      close: bars.map((b) => b.close),
    };
    const crossing = barSeriesFromColumns(columns);
    expect(crossing.gaps).toEqual([]);
    expect(crossing.breaks.count).toBe(2);
    const { windows, report } = cutWindows(crossing, [event(crossing, "across", 115, 125), event(crossing, "tail", 310, 312)]);
    expect(report.eventsRejected).toEqual([]);
    // centre 120 → start 68, across the break before bar 120; tail: clipped to the data's end only
    // (its −52 overlap shows none of the span).
    expect(summary(crossing, windows)).toEqual([
      ["across", "across", 68, 47, 57],
      ["across-s+52", "across", 120, 0, 5],
      ["across-s-52", "across", 16, 99, 104],
      ["tail", "tail", 245, 65, 67],
    ]);
  });

  it("never lets a window cross a gap: clips to the run, drops crossing overlaps, rejects crossing spans and short runs", () => {
    // Gaps before bars 120 and 300: runs 0..119, 120..299 (180 bars), 300..349 (50 bars).
    const bars = series(350, [
      { index: 120, missing: 30 },
      { index: 300, missing: 5 },
    ]);
    expect(bars.gaps.map((g) => [g.index, g.missingBars])).toEqual([
      [120, 30],
      [300, 5],
    ]);
    const { windows, report } = cutWindows(bars, [
      event(bars, "near", 125, 130),
      event(bars, "across", 115, 125),
      event(bars, "tail", 310, 312),
      event(bars, "mid", 200, 205),
    ]);
    expect(summary(bars, windows)).toEqual([
      // centre 127 → start 75, clipped to the run's first bar 120; +52 shows none of the span.
      ["near", "near", 120, 5, 10],
      // centre 202 → start 150; both overlaps would cross a gap.
      ["mid", "mid", 150, 50, 55],
    ]);
    expect(report.eventsRejected).toEqual([
      {
        eventId: "across",
        row: 0,
        reason: "the span (bars 115..125) crosses a gap of 30 missing bar(s) before bar 120 (2024-01-02T11:29:00Z → 2024-01-02T12:00:00Z)",
      },
      {
        eventId: "tail",
        row: 0,
        reason: "no 105-bar window fits: it sits in a run of only 50 contiguous bars (bars 300..349, between gaps or the data's edge)",
      },
    ]);
    expect(report.notes).toEqual([
      { eventId: "near", note: "too close to a gap before it to centre: window moved by 45 bar(s), span at [5, 10] instead of [50, 55]" },
    ]);
    expect(report.dropped).toEqual([
      { windowId: "near-s+52", eventId: "near", reason: "only 0 of 6 span bar(s) visible (0% < min-visible 30%)" },
      { windowId: "near-s-52", eventId: "near", reason: "the shifted window would run across the gap before bar 120" },
      { windowId: "mid-s+52", eventId: "mid", reason: "the shifted window would run across the gap before bar 300" },
      { windowId: "mid-s-52", eventId: "mid", reason: "the shifted window would run across the gap before bar 120" },
    ]);
  });
});

describe("cutWindows: property", () => {
  /** Brute force: is [start, start + 104] inside the data with no gap inside? */
  const contiguous = (bars: BarSeries, start: number): boolean =>
    start >= 0 && start + 104 < bars.timestamps.length && !bars.gaps.some((g) => g.index > start && g.index <= start + 104);

  it("windows cut from random valid bars always validate, are exact slices, and follow the rules (brute-force oracle)", () => {
    const arbitrary = fc.record({
      n: fc.oneof(fc.integer({ min: 60, max: 110 }), fc.integer({ min: 105, max: 500 })),
      seed: fc.integer({ min: 1, max: 1_000_000 }),
      events: fc.array(
        fc.record({
          s: fc.nat(),
          length: fc.oneof(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 120 })),
          label: fc.constantFrom("consolidation" as const, "retracement" as const),
        }),
        { minLength: 1, maxLength: 6 },
      ),
      overlaps: fc.integer({ min: 0, max: 3 }),
      stride: fc.option(fc.integer({ min: 1, max: 104 }), { nil: undefined }),
      minVisible: fc.integer({ min: 0, max: 100 }).map((p) => p / 100),
      gap: fc.option(fc.integer({ min: 1, max: 499 }), { nil: undefined, freq: 2 }),
    });
    let overlapsKept = 0;
    let overlapsDropped = 0;
    fc.assert(
      fc.property(arbitrary, ({ n, seed, events, overlaps, stride, minVisible, gap }) => {
        const bars = series(n, gap !== undefined && gap < n ? [{ index: gap, missing: 3 }] : [], seed);
        // Two annotations naming the same bars are an error (tested in cut_random.test.ts): keep the first.
        const seen = new Set<string>();
        const annotated = events
          .map(({ s, length, label }, i) => {
            const start = s % n;
            return event(bars, `ev${i}`, start, Math.min(n - 1, start + length - 1), label, i);
          })
          .filter((ev) => {
            const key = `${ev.start}/${ev.end}`;
            if (seen.has(key)) return false;
            seen.add(key);
            return true;
          });
        const options = { overlaps, ...(stride !== undefined ? { stride } : {}), minVisible };
        const { windows, report } = cutWindows(bars, annotated, options);
        overlapsKept += report.overlapsKept;
        overlapsDropped += report.overlapsDropped;
        expect(validateWindows(windows).problems).toEqual([]);
        expect(report.windows).toBe(windows.length);
        expect(report.originals + report.overlapsKept).toBe(windows.length);

        const rejected = new Set(report.eventsRejected.map((r) => r.eventId));
        for (const ev of annotated) {
          const s = bars.timestamps.indexOf(ev.start);
          const e = bars.timestamps.indexOf(ev.end);
          const length = e - s + 1;
          // An event is rejected exactly when no contiguous window holds its whole span.
          const holders: number[] = [];
          for (let start = e - 104; start <= s; start++) if (contiguous(bars, start)) holders.push(start);
          expect(rejected.has(ev.eventId), ev.eventId).toBe(holders.length === 0);
          if (holders.length === 0) continue;
          // The original: the holder nearest the centred start.
          const centred = Math.floor((s + e) / 2) - 52;
          const nearest = holders.reduce((best, h) => (Math.abs(h - centred) < Math.abs(best - centred) ? h : best));
          const own = windows.filter((w) => w.base_window_id === ev.eventId);
          const original = own.find((w) => w.window_id === ev.eventId)!;
          expect(placement(bars, original)).toBe(nearest);
          // Overlaps: exactly the shifts that keep ≥ minVisible (and ≥ 1) span bars and stay contiguous.
          const expected = overlapShifts(options)
            .filter((d) => {
              const start = nearest + d;
              const visible = Math.min(e, start + 104) - Math.max(s, start) + 1;
              return visible >= 1 && visible >= minVisible * length - 1e-9 && contiguous(bars, start);
            })
            .map((d) => `${ev.eventId}-s${d > 0 ? "+" : ""}${d}`);
          expect(own.filter((w) => w !== original).map((w) => w.window_id)).toEqual(expected);
          for (const window of own) {
            const start = placement(bars, window);
            expect(contiguous(bars, start)).toBe(true);
            expect(window.label).toBe(ev.label);
            expect(window.expansion_start).toBe(Math.max(0, s - start));
            expect(window.expansion_end).toBe(Math.min(104, e - start));
            // spans: every annotation touching the window, clipped, sorted, once each (brute force).
            const touching = annotated
              .map((other) => [bars.timestamps.indexOf(other.start), bars.timestamps.indexOf(other.end)] as const)
              .filter(([a, b]) => a <= start + 104 && b >= start)
              .map(([a, b]) => `${Math.max(a, start) - start}-${Math.min(b, start + 104) - start}`);
            const expectedSpans = [...new Set(touching)].sort((x, y) => {
              const [xa, xb] = x.split("-").map(Number) as [number, number];
              const [ya, yb] = y.split("-").map(Number) as [number, number];
              return xa - ya || xb - yb;
            });
            expect(window.spans!.map(([a, b]) => `${a}-${b}`)).toEqual(expectedSpans);
            expect(window.timestamps).toEqual(Array.from(bars.timestamps.subarray(start, start + 105), (t) => new Date(t).toISOString().replace(".000Z", "Z")));
          }
        }
      }),
      { numRuns: 80, seed: 20240102 },
    );
    // The runs exercise the rule both ways.
    expect(overlapsKept).toBeGreaterThan(100);
    expect(overlapsDropped).toBeGreaterThan(100);
  });
});
