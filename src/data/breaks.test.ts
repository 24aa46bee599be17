import { describe, expect, it } from "vitest";
import { classifyBreak, findBreaks, formatDuration, parseDuration } from "./breaks.js";
import { UTC_ZONE, timeZone } from "./timezone.js";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const at = (iso: string): number => Date.parse(iso);

/** Class of the break between two bar timestamps. */
function kind(from: string, to: string, interval: number, zone = UTC_ZONE): string {
  const step = at(to) - at(from);
  return classifyBreak(step - interval, interval, at(from) + interval, at(to), zone);
}

describe("break classes", () => {
  it("intraday: missing bars, session breaks, weekends, holidays, longer", () => {
    expect(kind("2024-01-02T10:00:00Z", "2024-01-02T10:04:00Z", MINUTE)).toBe("missing"); // 3 bars
    expect(kind("2024-01-02T10:00:00Z", "2024-01-02T10:07:00Z", MINUTE)).toBe("session"); // 6 bars > 5
    expect(kind("2024-01-02T10:00:00Z", "2024-01-02T11:00:00Z", 30 * MINUTE)).toBe("missing"); // one 30-minute bar
    // US equities, New York time: overnight 16:00 → 09:30, weekend Fri → Mon, Wednesday holiday, a Monday holiday.
    const ny = timeZone("America/New_York");
    expect(kind("2024-01-02T20:55:00Z", "2024-01-03T14:30:00Z", 5 * MINUTE, ny)).toBe("session");
    expect(kind("2024-01-05T20:55:00Z", "2024-01-08T14:30:00Z", 5 * MINUTE, ny)).toBe("weekend");
    expect(kind("2024-06-18T19:55:00Z", "2024-06-20T13:30:00Z", 5 * MINUTE, ny)).toBe("holiday");
    expect(kind("2024-01-12T20:55:00Z", "2024-01-16T14:30:00Z", 5 * MINUTE, ny)).toBe("holiday");
    expect(kind("2024-01-05T20:55:00Z", "2024-01-15T14:30:00Z", 5 * MINUTE, ny)).toBe("longer");
  });

  it("daily bars, stamped at midnight or at 05:00 UTC (New York midnight read as UTC), count the same closed days", () => {
    for (const hour of ["00", "05"]) {
      expect(kind(`2024-01-05T${hour}:00:00Z`, `2024-01-08T${hour}:00:00Z`, DAY)).toBe("weekend");
      expect(kind(`2024-07-03T${hour}:00:00Z`, `2024-07-05T${hour}:00:00Z`, DAY)).toBe("holiday"); // 4 July
      expect(kind(`2024-03-28T${hour}:00:00Z`, `2024-04-02T${hour}:00:00Z`, DAY)).toBe("holiday"); // Good Friday + Easter Monday
      expect(kind(`2024-03-25T${hour}:00:00Z`, `2024-04-02T${hour}:00:00Z`, DAY)).toBe("longer"); // 4 weekdays closed
    }
  });

  it("findBreaks: counts, the longest, and the gaps beyond --max-gap", () => {
    const timestamps = Float64Array.from(
      ["2024-01-05T00:00:00Z", "2024-01-08T00:00:00Z", "2024-01-09T00:00:00Z", "2024-01-10T00:00:00Z", "2024-01-12T00:00:00Z"].map(at),
    );
    const { summary, gaps } = findBreaks(timestamps, DAY, UTC_ZONE, DAY);
    expect(summary).toMatchObject({ count: 2, classes: { weekend: 1, holiday: 1 }, beyondMaxGap: 1, maxGapMs: DAY, calendarZone: "UTC" });
    expect(summary.longest).toMatchObject({ index: 1, durationMs: 2 * DAY, kind: "weekend" });
    expect(gaps.map((g) => g.index)).toEqual([1]);
    expect(findBreaks(timestamps, DAY, UTC_ZONE, null).gaps).toEqual([]);
  });
});

describe("durations", () => {
  it("parses --max-gap values and refuses others, naming the flag", () => {
    expect(parseDuration("4d")).toBe(4 * DAY);
    expect(parseDuration("90m")).toBe(90 * MINUTE);
    expect(parseDuration("2h")).toBe(2 * HOUR);
    expect(parseDuration("30s")).toBe(30_000);
    expect(parseDuration("1h30m")).toBe(90 * MINUTE);
    expect(parseDuration("1.5h")).toBe(90 * MINUTE);
    expect(parseDuration("0")).toBe(0);
    for (const bad of ["", "4", "4 days", "-1d", "d", "4x"]) {
      expect(() => parseDuration(bad), bad).toThrow(
        `--max-gap must be a duration like 4d, 90m, 2h, 30s or 1h30m (units ms, s, m, h, d, w), got ${JSON.stringify(bad)}`,
      );
    }
  });

  it("prints durations", () => {
    expect(formatDuration(3 * DAY)).toBe("3d");
    expect(formatDuration(2 * DAY + HOUR)).toBe("2d 1h");
    expect(formatDuration(90 * MINUTE)).toBe("1h 30m");
    expect(formatDuration(0)).toBe("0s");
  });
});
