/**
 * readBars on the files users have: non-decimal numbers refused by name, zones (offsets honoured, naive
 * times in --timezone across DST changes, mixed files refused), --columns, a first column of dates,
 * compact YYYYMMDD dates, --decimal.
 */
import { afterAll, describe, expect, it } from "vitest";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BarsError } from "./bar_validation.js";
import { readBars } from "./bars.js";
import type { ReadBarsOptions } from "./bars.js";
import { TimeZoneError } from "./timezone.js";
import type { Problem } from "./validate.js";

const FIXTURES = join(import.meta.dirname, "../../test/fixtures/bars");
const fixture = (name: string): string => join(FIXTURES, name);
const dir = mkdtempSync(join(tmpdir(), "spanlab-dialects-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const at = (iso: string): number => Date.parse(iso);

let counter = 0;
function write(text: string): string {
  const path = join(dir, `bars-${counter++}.csv`);
  writeFileSync(path, text);
  return path;
}

async function problemsOf(path: string, options: ReadBarsOptions = {}): Promise<Omit<Problem, "file">[]> {
  try {
    await readBars(path, options);
  } catch (error) {
    if (error instanceof BarsError) {
      expect(error.problems.every((p) => p.file === path)).toBe(true);
      return error.problems.map(({ file: _file, ...rest }) => rest);
    }
    throw error;
  }
  throw new Error(`${path} was accepted`);
}

/** 1-minute bars at the given naive or zoned times. */
const minutes = (times: readonly string[]): string => `${["timestamp,open,high,low,close", ...times.map((t) => `${t},100,101,99,100.5`)].join("\n")}\n`;

describe("numbers that are not plain decimals are refused with file, row, line, field, value and what was expected", () => {
  it("hex, binary and Infinity", async () => {
    expect(await problemsOf(fixture("bad_hex.csv"))).toEqual([
      { row: 1, line: 3, field: "open", value: '"0x3a98"', expected: "a plain decimal number (hexadecimal notation like 0x3a98 is not accepted)" },
      { row: 2, line: 4, field: "volume", value: '"0b101"', expected: "a plain decimal number (binary notation like 0b101 is not accepted)" },
      { row: 3, line: 5, field: "high", value: '"Infinity"', expected: "a finite number (a positive price)" },
    ]);
  });

  it("thousands separators, in either decimal mode", async () => {
    expect(await problemsOf(fixture("bad_thousands.csv"))).toEqual([
      {
        row: 0,
        line: 2,
        field: "Open",
        value: '"1,234.50"',
        expected: 'a number with one decimal mark and no thousands separator ("1,234.50" has both "." and ","), e.g. 1234.50',
      },
      {
        row: 0,
        line: 2,
        field: "Volume",
        value: '"1,200"',
        expected: "a number without thousands separators (decimal point: the file is comma-separated), e.g. 1200",
      },
      {
        row: 2,
        line: 4,
        field: "High",
        value: '"1,250.00"',
        expected: 'a number with one decimal mark and no thousands separator ("1,250.00" has both "." and ","), e.g. 1250.00',
      },
    ]);
    // A semicolon file with decimal commas: "1.234,5" is refused; "1240,00" on the same row decides the mark.
    const problems = await problemsOf(fixture("bad_thousands_decimal_comma.csv"));
    expect(problems).toEqual([
      {
        row: 0,
        line: 2,
        field: "open",
        value: '"1.234,5"',
        expected: 'a number with one decimal mark and no thousands separator ("1.234,5" has both "." and ","), e.g. 1234,5',
      },
    ]);
  });

  it("--decimal , needs a delimiter other than the comma; --decimal . refuses decimal commas", async () => {
    expect(await problemsOf(fixture("clean.csv"), { decimal: "," })).toEqual([
      {
        row: -1,
        line: 1,
        field: "(delimiter)",
        value: '","',
        expected: "a semicolon- or tab-separated file with --decimal , (a comma cannot separate both fields and decimals)",
      },
    ]);
    const semicolons = fixture("semicolon_daily.csv");
    expect((await readBars(semicolons, { decimal: "," })).open[0]).toBeCloseTo(171.4, 6);
    const refused = await problemsOf(semicolons, { decimal: "." });
    expect(refused[0]).toEqual({
      row: 0,
      line: 2,
      field: "Open",
      value: '"171,40"',
      expected:
        "a number with a decimal point (decimal point, --decimal .); a comma is not accepted (--decimal , reads decimal commas in a semicolon- or tab-separated file)",
    });
  });
});

describe("time zones", () => {
  it("a file mixing zoned and naive times is refused, naming each row that breaks the first row's convention", async () => {
    const problems = await problemsOf(fixture("bad_mixed_zones.csv"));
    expect(problems).toEqual([
      {
        row: 2,
        line: 4,
        field: "timestamp",
        value: '"2024-01-02 09:32:00"',
        expected: "an ISO-8601 timestamp with a zone (Z or ±HH:MM) like row 0: this one has none, and a file must not mix zoned and naive times",
      },
      {
        row: 4,
        line: 6,
        field: "timestamp",
        value: '"2024-01-02 09:34:00"',
        expected: "an ISO-8601 timestamp with a zone (Z or ±HH:MM) like row 0: this one has none, and a file must not mix zoned and naive times",
      },
    ]);
  });

  it("offsets are honoured and --timezone does not move them", async () => {
    const path = write(minutes(["2024-01-02T09:30:00-05:00", "2024-01-02T09:31:00-05:00"]));
    for (const options of [{}, { timezone: "Asia/Tokyo" }]) {
      const bars = await readBars(path, options);
      expect(Array.from(bars.timestamps)).toEqual([at("2024-01-02T14:30:00Z"), at("2024-01-02T14:31:00Z")]);
      expect(bars.timestampConvention).toBe("absolute");
    }
    expect((await readBars(path, { timezone: "Asia/Tokyo" })).mapping.timestampFormat).toBe(
      "ISO-8601 with zone (converted to UTC); --timezone Asia/Tokyo not applied: the times carry their own offsets",
    );
  });

  it("spring forward: 01:59 and 03:00 America/Chicago are consecutive minutes; 02:30 does not exist and is refused", async () => {
    const bars = await readBars(write(minutes(["2024-03-10 01:58:00", "2024-03-10 01:59:00", "2024-03-10 03:00:00", "2024-03-10 03:01:00"])), {
      timezone: "America/Chicago",
    });
    expect(Array.from(bars.timestamps)).toEqual(["07:58", "07:59", "08:00", "08:01"].map((t) => at(`2024-03-10T${t}:00Z`)));
    expect(bars.breaks.count).toBe(0);
    expect(bars.timezone).toBe("America/Chicago");
    expect(await problemsOf(fixture("dst_nonexistent.csv"), { timezone: "America/Chicago" })).toEqual([
      {
        row: 2,
        line: 4,
        field: "timestamp",
        value: '"2024-03-10 02:30:00"',
        expected:
          "a local time that exists in America/Chicago: 2024-03-10 02:30:00 falls in the time skipped when clocks sprang forward (UTC−06:00 → UTC−05:00); is the file in another zone?",
      },
    ]);
    // Read as UTC (the default), the same file is four valid bars.
    expect((await readBars(fixture("dst_nonexistent.csv"))).timestamps.length).toBe(4);
  });

  it("fall back: the repeated hour is read as its first occurrence, then — from the rows' order — as the second", async () => {
    const first = ["00:59", "01:00", "01:30", "01:59"];
    const second = ["01:00", "01:30", "01:59", "02:00"];
    const times = [...first, ...second].map((t) => `2024-11-03 ${t}:00`);
    const bars = await readBars(write(minutes(times)), { timezone: "America/Chicago" });
    expect(Array.from(bars.timestamps).map((t) => new Date(t).toISOString().slice(11, 16))).toEqual([
      "05:59",
      "06:00",
      "06:30",
      "06:59",
      "07:00",
      "07:30",
      "07:59",
      "08:00",
    ]);
    expect(bars.mapping.timestampFormat).toBe(
      "ISO-8601 without zone (read as America/Chicago local time, DST-aware; 3 ambiguous fall-back time(s) read as the first occurrence, 3 as the second (the rows' order shows the clock went back))",
    );
    // A third 01:30 has no occurrence left: the order check names both rows and shows the local time.
    const problems = await problemsOf(write(minutes(["2024-11-03 01:30:00", "2024-11-03 01:30:00", "2024-11-03 01:30:00"])), { timezone: "America/Chicago" });
    expect(problems).toEqual([
      {
        row: 2,
        line: 4,
        field: "timestamp",
        value: "2024-11-03T06:30:00Z (2024-11-03 01:30:00 America/Chicago)",
        expected: "a timestamp after row 1's 2024-11-03T07:30:00Z (2024-11-03 01:30:00 America/Chicago) (rows must be in time order; this row is earlier)",
      },
    ]);
  });

  it("an unknown zone is a named error", async () => {
    await expect(readBars(fixture("clean.csv"), { timezone: "Europe/Atlantis" })).rejects.toThrow(TimeZoneError);
    await expect(readBars(fixture("clean.csv"), { timezone: "Europe/Atlantis" })).rejects.toThrow(/unknown time zone "Europe\/Atlantis"/);
  });
});

describe("columns and date formats", () => {
  it("--columns maps other names (case-insensitively) and names a column that is not there", async () => {
    const text = "Datum;Eröffnung;Hoch;Tief;Schluss;Umsatz\n2024-01-02;100;101;99;100,5;10\n2024-01-03;100,5;102;100;101;12\n";
    const path = write(text);
    const columns = { timestamp: "datum", open: "Eröffnung", high: "HOCH", low: "Tief", close: "Schluss", volume: "Umsatz" };
    const bars = await readBars(path, { columns });
    expect(bars.mapping.columns).toEqual({ timestamp: "Datum", open: "Eröffnung", high: "Hoch", low: "Tief", close: "Schluss", volume: "Umsatz" });
    expect(Array.from(bars.close)).toEqual([100.5, 101]);
    expect(await problemsOf(path, { columns: { ...columns, close: "Letzter" } })).toEqual([
      {
        row: -1,
        line: 1,
        field: "--columns",
        value: "close=Letzter",
        expected: 'a column named "Letzter" (any case); columns found: "Datum", "Eröffnung", "Hoch", "Tief", "Schluss", "Umsatz"',
      },
    ]);
    // Without --columns: the first column holds dates, but no price column is recognised.
    const missing = await problemsOf(path);
    expect(missing.map((p) => p.field)).toEqual(["open", "high", "low", "close"]);
  });

  it("a first column whose values are not dates is not taken as the timestamp", async () => {
    const problems = await problemsOf(write("Bar,Open,High,Low,Close\n1,100,101,99,100\n"));
    expect(problems[0]).toMatchObject({ row: -1, field: "timestamp", value: "(missing)" });
  });

  it("compact YYYYMMDD dates and YYYYMMDD HHMMSS times, and epoch seconds still by magnitude", async () => {
    const daily = await readBars(write("Date,Open,High,Low,Close\n20240102,100,101,99,100\n20240103,100,101,99,100\n"));
    expect(Array.from(daily.timestamps)).toEqual([at("2024-01-02T00:00:00Z"), at("2024-01-03T00:00:00Z")]);
    expect(daily.mapping.timestampFormat).toBe("YYYYMMDD[ HHMMSS] without zone (read as UTC)");
    const intraday = await readBars(write("<DATE>,<OPEN>,<HIGH>,<LOW>,<CLOSE>\n20240102 093000,1,2,0.5,1\n20240102 093100,1,2,0.5,1\n"), {
      timezone: "America/New_York",
    });
    expect(Array.from(intraday.timestamps)).toEqual([at("2024-01-02T14:30:00Z"), at("2024-01-02T14:31:00Z")]);
    const pair = await readBars(write("Date,Time,Open,High,Low,Close\n20240102,0930,1,2,0.5,1\n20240102,0931,1,2,0.5,1\n"));
    expect(pair.timestamps[1]).toBe(at("2024-01-02T09:31:00Z"));
    const epoch = await readBars(write("time,open,high,low,close\n1704187800,1,2,0.5,1\n1704187860,1,2,0.5,1\n"));
    expect(epoch.timestamps[0]).toBe(at("2024-01-02T09:30:00Z"));
  });
});
