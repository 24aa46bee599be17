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
