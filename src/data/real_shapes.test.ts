/**
 * The real-shaped fixtures (test/fixtures/bars/real_shapes.ts): the committed files are the generator's
 * output, and reading them gives the break summaries worked out by hand from the calendars — not from the
 * code under test.
 */
import { describe, expect, it } from "vitest";
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { readAnnotations } from "./annotations.js";
import { readBars } from "./bars.js";
import { realShapeFiles } from "../../test/fixtures/bars/real_shapes.js";

const FIXTURES = join(import.meta.dirname, "../../test/fixtures/bars");
const fixture = (name: string): string => join(FIXTURES, name);
const at = (iso: string): number => Date.parse(iso);

describe("real-shaped fixtures", () => {
  const files = realShapeFiles();
  if (process.env.SPANLAB_WRITE_FIXTURES === "1") for (const [name, text] of Object.entries(files)) writeFileSync(fixture(name), text);

  it.each(Object.keys(files))("%s is the generator's output and small", (name) => {
    expect(readFileSync(fixture(name), "utf8")).toBe(files[name]);
    expect(statSync(fixture(name)).size).toBeLessThan(75_000);
  });

  it("NYSE daily bars: 374 sessions, 65 plain weekends and 15 holiday closures", async () => {
    // 2023-01-03 (Tue) … 2024-06-28 (Fri): 78 Mon–Fri weeks from 2023-01-02 = 390 weekdays, minus Monday
    // 2023-01-02 (before the first bar) and the 15 holidays in range = 374 bars. Saturdays from 2023-01-07
    // to 2024-06-22: 52 + 24 + 1 = 77 weekends; 10 Monday holidays and 2 Good Fridays sit on a weekend,
    // so 77 − 12 = 65 breaks are plain weekends and 15 (1 closed weekday each) are holidays.
    const bars = await readBars(fixture("equity_daily.csv"));
    expect(bars.timestamps.length).toBe(374);
    expect(bars.intervalMs).toBe(86_400_000);
    expect(bars.breaks.classes).toEqual({ missing: 0, session: 0, weekend: 65, holiday: 15, longer: 0 });
    expect(bars.gaps).toEqual([]);
    // The first 3-day break: Fri 2023-01-13 → Tue 2023-01-17 (MLK day); 2023-01-17 is the 10th session.
    expect(bars.breaks.longest).toMatchObject({
      index: 9,
      from: at("2023-01-13T00:00:00Z"),
      to: at("2023-01-17T00:00:00Z"),
      durationMs: 3 * 86_400_000,
      kind: "holiday",
    });
    expect(bars.mapping.columns).toEqual({ timestamp: "Date", open: "Open", high: "High", low: "Low", close: "Close", volume: "Volume" });
    // --max-gap 2d: weekends (2 days without a bar) and the 3 mid-week holidays (2023-07-04, 2023-11-23,
    // 2024-06-19: 1 day) are crossed; the 12 holidays next to a weekend (3 days) are not.
    const capped = await readBars(fixture("equity_daily.csv"), { maxGapMs: 2 * 86_400_000 });
    expect(capped.gaps.length).toBe(12);
    expect(capped.gaps.every((gap) => gap.kind === "holiday")).toBe(true);
  });

  it("FX 30-minute bars: 3 weekends of 48 h and 2 missing bars", async () => {
    const bars = await readBars(fixture("fx_30m.csv"));
    // 4 weeks × 5 days × 48 bars − 2 missing.
    expect(bars.timestamps.length).toBe(958);
    expect(bars.intervalMs).toBe(30 * 60_000);
    expect(bars.breaks.classes).toEqual({ missing: 2, session: 0, weekend: 3, holiday: 0, longer: 0 });
    // Friday's last bar opens 21:30 and ends 22:00; Sunday opens 22:00: 48 h without a bar. Week 1 has 240 bars.
    expect(bars.breaks.longest).toMatchObject({ index: 240, from: at("2024-01-12T21:30:00Z"), to: at("2024-01-14T22:00:00Z"), durationMs: 48 * 3_600_000 });
    expect(bars.timestampConvention).toBe("absolute");
    const events = await readAnnotations(fixture("fx_30m_events.jsonl"));
    expect(events.events).toHaveLength(8);
  });

  it("1-minute futures in naive Chicago time across the DST change: the weekend is 48 h in UTC, 49 h on the wall clock", async () => {
    const bars = await readBars(fixture("futures_1m.csv"), { timezone: "America/Chicago" });
    // Friday 16:30–16:59 (30) + Sunday 18:00 → Monday 16:59 (1380) + Monday 18:00–18:29 (30) − 3 missing.
    expect(bars.timestamps.length).toBe(1437);
    expect(bars.breaks.classes).toEqual({ missing: 3, session: 1, weekend: 1, holiday: 0, longer: 0 });
    // Friday 16:59 CST (UTC−6) = 22:59Z; Sunday 18:00 CDT (UTC−5) = 23:00Z.
    expect(bars.timestamps[29]).toBe(at("2024-03-08T22:59:00Z"));
    expect(bars.timestamps[30]).toBe(at("2024-03-10T23:00:00Z"));
    expect(bars.breaks.longest).toMatchObject({ index: 30, durationMs: 48 * 3_600_000, kind: "weekend" });
    expect(bars.mapping.timestampFormat).toBe("date + time columns, ISO-8601 without zone (read as America/Chicago local time, DST-aware)");
    // Read as UTC (no --timezone), the wall-clock weekend is an hour longer: DST is what makes it 48 h.
    const naive = await readBars(fixture("futures_1m.csv"));
    expect(naive.breaks.longest!.durationMs).toBe(49 * 3_600_000);
  });

  it("semicolon file with a quoted %Y-%m-%d date column and decimal commas: 72 weekends, 6 holiday closures", async () => {
    const bars = await readBars(fixture("semicolon_daily.csv"));
    // 2023-01-02 (Mon) … 2024-06-28 (Fri): 78 weeks = 390 weekdays, minus 9 closures (2023: Good Friday,
    // Easter Monday, 1 May, 25 and 26 Dec; 2024: 1 Jan, Good Friday, Easter Monday, 1 May) = 381.
    expect(bars.timestamps.length).toBe(381);
    expect(bars.mapping).toMatchObject({
      columns: { timestamp: "%Y-%m-%d", open: "Open", high: "High", low: "Low", close: "Close", volume: "Volume" },
      delimiter: ";",
      decimal: ",",
    });
    expect(bars.mapping.timestampFormat).toBe("first column (its values are dates; no column is named like a timestamp), ISO-8601 without zone (read as UTC)");
    // 77 Saturdays (2023-01-07 … 2024-06-22). Five weekends are part of a holiday break (both Easters,
    // 1 May 2023, Christmas 2023, New Year 2024); 1 May 2024 (a Wednesday) is a break of its own: 72 + 6.
    expect(bars.breaks.classes).toEqual({ missing: 0, session: 0, weekend: 72, holiday: 6, longer: 0 });
    // The first 4-day break: Thu 2023-04-06 → Tue 2023-04-11; 11 Apr is session 22 + 20 + 23 + 4 = 69 (0-based).
    expect(bars.breaks.longest).toMatchObject({ index: 69, from: at("2023-04-06T00:00:00Z"), to: at("2023-04-11T00:00:00Z"), durationMs: 4 * 86_400_000 });
    expect(bars.open[0]).toBeCloseTo(171.4, 6);
    const events = await readAnnotations(fixture("semicolon_daily_events.csv"));
    expect(events.mapping.columns).toEqual({ start: "start", end: "end", label: "label", event_id: "event_id" });
  });
});
