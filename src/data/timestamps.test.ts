import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseIsoTimestamp } from "./timestamps.js";

describe("parseIsoTimestamp", () => {
  it("parses ISO-8601 variants exactly and rejects impossible dates", () => {
    expect(parseIsoTimestamp("2024-02-29T23:59:59.5Z")).toEqual({ ms: Date.UTC(2024, 1, 29, 23, 59, 59, 500), zoned: true });
    expect(parseIsoTimestamp("2024-02-29 23:59:59.123456")).toEqual({ ms: Date.UTC(2024, 1, 29, 23, 59, 59) + 123.456, zoned: false });
    expect(parseIsoTimestamp("2024/3/1 9:05")).toEqual({ ms: Date.UTC(2024, 2, 1, 9, 5), zoned: false });
    expect(parseIsoTimestamp("2024-03-01")).toEqual({ ms: Date.UTC(2024, 2, 1), zoned: false });
    expect(parseIsoTimestamp("2024-03-01T10:00:00+0200")).toEqual({ ms: Date.UTC(2024, 2, 1, 8), zoned: true });
    expect(parseIsoTimestamp("2024-03-01 10:00:00 UTC")).toEqual({ ms: Date.UTC(2024, 2, 1, 10), zoned: true });
    for (const bad of ["2023-02-29 00:00:00", "2024-04-31", "2024-01-01 24:00:00", "2024-01-01T10:60", "01/02/2024 10:00", "", "2024-01-01T10:00:00+25:00"]) {
      expect(parseIsoTimestamp(bad), bad).toBeUndefined();
    }
  });
});

describe("parseIsoTimestamp's fast layout (days counted by arithmetic, not Date.UTC)", () => {
  it("gives Date.UTC's milliseconds for every valid date and time of years 1000–9999", () => {
    const pad = (value: number, width: number) => String(value).padStart(width, "0");
    fc.assert(
      fc.property(
        fc.date({ min: new Date(Date.UTC(1000, 0, 1)), max: new Date(Date.UTC(9999, 11, 31, 23, 59, 59, 999)), noInvalidDate: true }),
        fc.constantFrom("T", " "),
        fc.boolean(),
        (date, separator, zoned) => {
          const text =
            `${pad(date.getUTCFullYear(), 4)}-${pad(date.getUTCMonth() + 1, 2)}-${pad(date.getUTCDate(), 2)}${separator}` +
            `${pad(date.getUTCHours(), 2)}:${pad(date.getUTCMinutes(), 2)}:${pad(date.getUTCSeconds(), 2)}.${pad(date.getUTCMilliseconds(), 3)}${zoned ? "Z" : ""}`;
          expect(parseIsoTimestamp(text)).toEqual({ ms: date.getTime(), zoned });
        },
      ),
      { numRuns: 3000 },
    );
  });

  it("leap days: 2000-02-29 and 2024-02-29 exist, 1900-02-29 and 2023-02-29 do not", () => {
    expect(parseIsoTimestamp("2000-02-29T00:00:00Z")?.ms).toBe(Date.UTC(2000, 1, 29));
    expect(parseIsoTimestamp("2024-02-29 23:59")?.ms).toBe(Date.UTC(2024, 1, 29, 23, 59));
    expect(parseIsoTimestamp("1900-02-29T00:00:00Z")).toBeUndefined();
    expect(parseIsoTimestamp("2023-02-29T00:00:00Z")).toBeUndefined();
    expect(parseIsoTimestamp("1970-01-01T00:00:00Z")?.ms).toBe(0);
    expect(parseIsoTimestamp("1969-12-31T23:59:59.999Z")?.ms).toBe(-1);
  });
});
