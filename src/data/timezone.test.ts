import { describe, expect, it } from "vitest";
import { TimeZone, TimeZoneError, formatOffset, timeZone } from "./timezone.js";

const HOUR = 3_600_000;
const wall = (iso: string): number => Date.parse(`${iso}Z`);

describe("TimeZone", () => {
  it("gives Intl's offsets, DST included, cached per day", () => {
    const chicago = timeZone("America/Chicago");
    expect(chicago.name).toBe("America/Chicago");
    expect(chicago.offsetAt(Date.parse("2024-01-15T12:00:00Z"))).toBe(-6 * HOUR);
    expect(chicago.offsetAt(Date.parse("2024-07-15T12:00:00Z"))).toBe(-5 * HOUR);
    // The change itself: 2024-03-10 02:00 CST = 08:00Z.
    expect(chicago.offsetAt(Date.parse("2024-03-10T07:59:59Z"))).toBe(-6 * HOUR);
    expect(chicago.offsetAt(Date.parse("2024-03-10T08:00:00Z"))).toBe(-5 * HOUR);
    expect(timeZone("Asia/Kolkata").offsetAt(Date.parse("2024-03-10T08:00:00Z"))).toBe(5.5 * HOUR);
    // Lord Howe Island changes by 30 minutes.
    const lordHowe = new TimeZone("Australia/Lord_Howe");
    expect(lordHowe.offsetAt(Date.parse("2024-01-15T00:00:00Z")) - lordHowe.offsetAt(Date.parse("2024-07-15T00:00:00Z"))).toBe(HOUR / 2);
    expect(timeZone("utc").isUtc).toBe(true);
    expect(timeZone("america/new_york").name).toBe("America/New_York");
  });

  it("converts local wall time to UTC: unique, nonexistent (spring forward), ambiguous (fall back)", () => {
    const chicago = timeZone("America/Chicago");
    expect(chicago.fromLocal(wall("2024-03-10T01:59:00"))).toEqual({ kind: "unique", utc: Date.parse("2024-03-10T07:59:00Z") });
    expect(chicago.fromLocal(wall("2024-03-10T03:00:00"))).toEqual({ kind: "unique", utc: Date.parse("2024-03-10T08:00:00Z") });
    expect(chicago.fromLocal(wall("2024-03-10T02:30:00"))).toEqual({ kind: "nonexistent", before: -6 * HOUR, after: -5 * HOUR });
    expect(chicago.fromLocal(wall("2024-11-03T01:30:00"))).toEqual({
      kind: "ambiguous",
      utc: Date.parse("2024-11-03T06:30:00Z"),
      later: Date.parse("2024-11-03T07:30:00Z"),
    });
    expect(chicago.fromLocal(wall("2024-11-03T02:00:00"))).toEqual({ kind: "unique", utc: Date.parse("2024-11-03T08:00:00Z") });
    const london = timeZone("Europe/London");
    expect(london.fromLocal(wall("2024-03-31T01:30:00")).kind).toBe("nonexistent");
    expect(london.fromLocal(wall("2024-06-01T09:00:00"))).toEqual({ kind: "unique", utc: Date.parse("2024-06-01T08:00:00Z") });
    // Round trip over a year of hours, both directions, through both changes.
    for (let utc = Date.parse("2024-01-01T00:00:00Z"); utc < Date.parse("2025-01-01T00:00:00Z"); utc += HOUR) {
      const local = chicago.toLocal(utc);
      const back = chicago.fromLocal(local);
      expect(back.kind === "nonexistent" ? Number.NaN : back.kind === "ambiguous" && back.later === utc ? back.later : back.utc).toBe(utc);
    }
  });

  it("names an unknown zone", () => {
    expect(() => timeZone("Mars/Olympus_Mons")).toThrow(TimeZoneError);
    expect(() => timeZone("Mars/Olympus_Mons")).toThrow(/unknown time zone "Mars\/Olympus_Mons" .*expected an IANA name such as America\/New_York/);
    expect(() => timeZone("")).toThrow(/unknown time zone/);
  });

  it("prints offsets", () => {
    expect(formatOffset(-6 * HOUR)).toBe("UTC−06:00");
    expect(formatOffset(5.5 * HOUR)).toBe("UTC+05:30");
    expect(formatOffset(0)).toBe("UTC");
  });
});
