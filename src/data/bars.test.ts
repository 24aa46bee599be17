import { afterAll, describe, expect, it } from "vitest";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parquetWriteBuffer } from "hyparquet-writer";
import type { ColumnSource } from "hyparquet-writer";
import { BarsError, formatBarsProblem } from "./bar_validation.js";
import { barSeriesFromColumns, describeBars, readBars } from "./bars.js";
import type { BarSeries, ReadBarsOptions } from "./bars.js";
import type { Problem } from "./validate.js";
import { FIXTURE_BARS, FIXTURE_START, MINUTE, barsToCsv, makeBars } from "../../test/fixtures/bars/make.js";
import type { CsvLayout, RawBar } from "../../test/fixtures/bars/make.js";

const FIXTURES = join(import.meta.dirname, "../../test/fixtures/bars");
const fixture = (name: string): string => join(FIXTURES, name);
const dir = mkdtempSync(join(tmpdir(), "spanlab-bars-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let counter = 0;
function write(text: string, extension = "csv"): string {
  const path = join(dir, `bars-${counter++}.${extension}`);
  writeFileSync(path, text);
  return path;
}

/** The problems `readBars` throws with (fails the test when it does not throw). */
async function problemsOf(path: string, options: ReadBarsOptions = {}): Promise<Problem[]> {
  try {
    await readBars(path, options);
  } catch (error) {
    if (error instanceof BarsError) return error.problems;
    throw error;
  }
  throw new Error(`${path} was accepted`);
}

function expectSameBars(series: BarSeries, bars: readonly RawBar[], withVolume = true): void {
  expect(series.timestamps.length).toBe(bars.length);
  expect(Array.from(series.timestamps)).toEqual(bars.map((b) => b.t));
  expect(Array.from(series.open)).toEqual(bars.map((b) => b.open));
  expect(Array.from(series.high)).toEqual(bars.map((b) => b.high));
  expect(Array.from(series.low)).toEqual(bars.map((b) => b.low));
  expect(Array.from(series.close)).toEqual(bars.map((b) => b.close));
  if (withVolume) expect(Array.from(series.volume!)).toEqual(bars.map((b) => b.volume));
  else expect(series.volume).toBeNull();
}

describe("readBars on the clean fixture", () => {
  it("reads every bar, the mapping, the interval and no breaks", async () => {
    const series = await readBars(fixture("clean.csv"));
    expectSameBars(series, makeBars(FIXTURE_BARS));
    expect(series.source).toBe(fixture("clean.csv"));
    expect(series.mapping).toEqual({
      columns: { timestamp: "timestamp", open: "open", high: "high", low: "low", close: "close", volume: "volume" },
      timestampFormat: "ISO-8601 without zone (read as UTC)",
      format: "csv",
      delimiter: ",",
    });
    expect(series.intervalMs).toBe(MINUTE);
    expect(series.gaps).toEqual([]);
    expect(series.breaks.count).toBe(0);
    expect(series.timezone).toBe("UTC");
    expect(series.timestampConvention).toBe("naive");
    expect(describeBars(series)).toBe(
      [
        `${fixture("clean.csv")}: 300 bars (2024-01-02T09:30:00Z … 2024-01-02T14:29:00Z), interval 1m`,
        `  format: csv, delimiter ","`,
        `  columns: timestamp ← "timestamp", open ← "open", high ← "high", low ← "low", close ← "close", volume ← "volume"`,
        `  timestamps: ISO-8601 without zone (read as UTC)`,
      ].join("\n"),
    );
  });

  it("streams a file larger than one read chunk without losing or splitting lines", async () => {
    const bars = makeBars(5000, { seed: 9 });
    const text = barsToCsv(bars).replaceAll("\n", "\r\n");
    expect(text.length).toBeGreaterThan(3 * 65536);
    const series = await readBars(write(`\uFEFF${text}`));
    expectSameBars(series, bars);
  });
});

describe("readBars: every defect is reported with its row, line and field", () => {
  it("unsorted timestamps name the row and the previous timestamp", async () => {
    const problems = await problemsOf(fixture("unsorted.csv"));
    expect(problems).toEqual([
      {
        file: fixture("unsorted.csv"),
        row: 3,
        line: 5,
        field: "timestamp",
        value: "2024-01-02T09:32:00Z",
        expected: "a timestamp after row 2's 2024-01-02T09:33:00Z (rows must be in time order; this row is earlier)",
      },
    ]);
    expect(formatBarsProblem(problems[0]!)).toBe(
      `${fixture("unsorted.csv")}: row 3 (line 5): timestamp = 2024-01-02T09:32:00Z; expected a timestamp after row 2's 2024-01-02T09:33:00Z (rows must be in time order; this row is earlier)`,
    );
  });

  it("duplicate timestamps", async () => {
    const problems = await problemsOf(fixture("duplicate.csv"));
    expect(problems).toEqual([
      {
        file: fixture("duplicate.csv"),
        row: 2,
        line: 4,
        field: "timestamp",
        value: "2024-01-02T09:31:00Z",
        expected: "a timestamp after row 1's 2024-01-02T09:31:00Z (duplicate timestamp)",
      },
    ]);
  });

  it("gaps are breaks, not problems: summarised by class; --max-gap makes the longer ones the series' gaps", async () => {
    // Bars are a sequence: a 3-bar hole inside a session is counted, never refused (allowGaps is a no-op).
    const series = await readBars(fixture("gap.csv"));
    expect(series.intervalMs).toBe(MINUTE);
    expect(series.gaps).toEqual([]);
    expect(series.breaks).toMatchObject({ count: 1, classes: { missing: 1, session: 0, weekend: 0, holiday: 0, longer: 0 }, maxGapMs: null, beyondMaxGap: 0 });
    expect(series.breaks.longest).toEqual({
      index: 3,
      from: Date.UTC(2024, 0, 2, 9, 32),
      to: Date.UTC(2024, 0, 2, 9, 36),
      durationMs: 3 * MINUTE,
      missingBars: 3,
      kind: "missing",
    });
    expect(describeBars(series)).toContain(
      "  breaks: 1 — 1 missing bars (≤ 5 bars, < 1 h); longest 3m (2024-01-02T09:32:00Z → 2024-01-02T09:36:00Z, before row 3); days in UTC",
    );
    expect(await readBars(fixture("gap.csv"), { allowGaps: true })).toMatchObject({ gaps: [], breaks: { count: 1 } });
    // The old behaviour, opt-in: a break longer than --max-gap is a gap that windows and scans never cross.
    const capped = await readBars(fixture("gap.csv"), { maxGapMs: 2 * MINUTE });
    expect(capped.gaps).toEqual([
      { index: 3, from: Date.UTC(2024, 0, 2, 9, 32), to: Date.UTC(2024, 0, 2, 9, 36), durationMs: 3 * MINUTE, missingBars: 3, kind: "missing" },
    ]);
    expect(describeBars(capped)).toContain("  --max-gap 2m: 1 break(s) longer (3 missing bars); windows and scans never cross them");
    expect((await readBars(fixture("gap.csv"), { maxGapMs: 3 * MINUTE })).gaps).toEqual([]);
  });

  it("non-finite, empty, zero and negative prices", async () => {
    const problems = await problemsOf(fixture("bad_price.csv"));
    expect(problems.map(({ row, line, field, value, expected }) => ({ row, line, field, value, expected }))).toEqual([
      { row: 1, line: 3, field: "low", value: '"-3"', expected: "a positive price" },
      { row: 2, line: 4, field: "high", value: '"NaN"', expected: "a finite number (a positive price)" },
      { row: 3, line: 5, field: "close", value: '""', expected: "a finite number (a positive price)" },
      { row: 4, line: 6, field: "open", value: '"0"', expected: "a positive price" },
    ]);
  });

  it("high below low (and below open/close, low above them)", async () => {
    const problems = await problemsOf(fixture("high_below_low.csv"));
    expect(problems.map(({ row, line, field, expected }) => ({ row, line, field, expected }))).toEqual([
      { row: 1, line: 3, field: "high", expected: "high ≥ max(open, close) = 100.8" },
      { row: 1, line: 3, field: "low", expected: "low ≤ min(open, close) = 100.5" },
      { row: 1, line: 3, field: "(row)", expected: "high ≥ low (high 99.5 < low 100.9)" },
    ]);
  });

  it("a missing column names the columns found", async () => {
    const problems = await problemsOf(fixture("missing_column.csv"));
    expect(problems).toEqual([
      {
        file: fixture("missing_column.csv"),
        row: -1,
        line: 1,
        field: "high",
        value: "(missing)",
        expected: 'a column named high|h (any case); columns found: "Date", "Open", "Hi", "Low", "Volume"',
      },
      {
        file: fixture("missing_column.csv"),
        row: -1,
        line: 1,
        field: "close",
        value: "(missing)",
        expected: 'a column named close|c|last|price_close (any case); columns found: "Date", "Open", "Hi", "Low", "Volume"',
      },
    ]);
    expect(formatBarsProblem(problems[0]!)).toMatch(/missing_column\.csv: header \(line 1\): high = \(missing\); expected a column named high\|h/);
  });

  it("unparseable timestamps (impossible dates included)", async () => {
    const problems = await problemsOf(fixture("bad_timestamp.csv"));
    expect(problems.map(({ row, line, field, value, expected }) => ({ row, line, field, value, expected }))).toEqual([
      { row: 1, line: 3, field: "timestamp", value: '"2024-13-02 09:31:00"', expected: "an ISO-8601 timestamp like row 0 (e.g. 2024-01-02T09:30:00Z)" },
      { row: 2, line: 4, field: "timestamp", value: '"yesterday"', expected: "an ISO-8601 timestamp like row 0 (e.g. 2024-01-02T09:30:00Z)" },
    ]);
  });

  it("rows with the wrong number of fields, an empty file, a header without rows, a missing file", async () => {
    const ragged = await problemsOf(write("timestamp,open,high,low,close\n2024-01-02 09:30:00,1,2,0.5\n2024-01-02 09:31:00,1,2,0.5,1.5,7\n"));
    expect(ragged.map(({ row, line, field, value }) => ({ row, line, field, value }))).toEqual([
      { row: 0, line: 2, field: "(row)", value: "4 field(s)" },
      { row: 1, line: 3, field: "(row)", value: "6 field(s)" },
    ]);
    expect((await problemsOf(write("")))[0]).toMatchObject({ row: -1, field: "(header)", value: "(empty file)" });
    expect((await problemsOf(write("timestamp,open,high,low,close\n")))[0]).toMatchObject({ row: -1, field: "(rows)", value: "0 rows" });
    await expect(readBars(join(dir, "absent.csv"))).rejects.toThrow(/absent\.csv: no such file/);
    await expect(readBars(join(dir, "bars.xlsx"))).rejects.toThrow(/unknown bars file extension ".xlsx"/);
  });

  it("lists every problem of a file, not only the first, in row order", async () => {
    const bars = makeBars(30);
    const text = barsToCsv(bars).split("\n");
    text[3] = `${text[3]!.split(",")[0]},100,99.5,100.9,100.8,5`; // high below low on row 2
    text[11] = "2024-01-02 09:30:00,1,2,0.5,1.5,3"; // row 10 goes back in time
    text[21] = text[21]!.replace(/^[^,]+/, "soon"); // row 20 unparseable
    const problems = await problemsOf(write(text.join("\n")));
    expect(problems.map((p) => [p.row, p.field])).toEqual([
      [2, "high"],
      [2, "low"],
      [2, "(row)"],
      [10, "timestamp"],
      [20, "timestamp"],
    ]);
    // Row 11 follows row 10 (which went back to 09:30) 11 minutes later: a break, which is not a problem.
  });
});

describe("readBars: header spellings and timestamp formats", () => {
  const bars = makeBars(8, { seed: 4 });
  const cases: { name: string; layout: CsvLayout; format: string; columns: Record<string, string>; shift?: number; volume?: boolean }[] = [
    {
      name: "Date/Time;O;H;L;Last;Vol with semicolons, ISO with a +01:00 zone",
      layout: {
        delimiter: ";",
        columns: [
          { name: "Date/Time", value: "t" },
          { name: "O", value: "open" },
          { name: "H", value: "high" },
          { name: "L", value: "low" },
          { name: "Last", value: "close" },
          { name: "Vol", value: "volume" },
        ],
        time: (t) => `${new Date(t + 3_600_000).toISOString().slice(0, 19)}+01:00`,
      },
      format: "ISO-8601 with zone (converted to UTC)",
      columns: { timestamp: "Date/Time", open: "O", high: "H", low: "L", close: "Last", volume: "Vol" },
    },
    {
      name: "tab-separated Date + Time pair, no volume",
      layout: {
        delimiter: "\t",
        columns: [
          { name: "Date", value: "date" },
          { name: "Time", value: "time" },
          { name: "Open", value: "open" },
          { name: "High", value: "high" },
          { name: "Low", value: "low" },
          { name: "Close", value: "close" },
        ],
      },
      format: "date + time columns, ISO-8601 without zone (read as UTC)",
      columns: { timestamp: "Date + Time", open: "Open", high: "High", low: "Low", close: "Close" },
      volume: false,
    },
    {
      name: "ts,o,h,l,c,v in epoch seconds",
      layout: {
        columns: [
          { name: "ts", value: "t" },
          { name: "o", value: "open" },
          { name: "h", value: "high" },
          { name: "l", value: "low" },
          { name: "c", value: "close" },
          { name: "v", value: "volume" },
        ],
        time: (t) => String(t / 1000),
      },
      format: "epoch seconds (detected from magnitude)",
      columns: { timestamp: "ts", open: "o", high: "h", low: "l", close: "c", volume: "v" },
    },
    {
      name: "TIME,OPEN,HIGH,LOW,PRICE_CLOSE,VOLUME in epoch milliseconds",
      layout: {
        columns: [
          { name: "TIME", value: "t" },
          { name: "OPEN", value: "open" },
          { name: "HIGH", value: "high" },
          { name: "LOW", value: "low" },
          { name: "PRICE_CLOSE", value: "close" },
          { name: "VOLUME", value: "volume" },
        ],
        time: (t) => String(t),
      },
      format: "epoch milliseconds (detected from magnitude)",
      columns: { timestamp: "TIME", open: "OPEN", high: "HIGH", low: "LOW", close: "PRICE_CLOSE", volume: "VOLUME" },
    },
    {
      name: "date_time in epoch microseconds",
      layout: { columns: [{ name: "date_time", value: "t" }, ...defaultPrices()], time: (t) => `${t}000` },
      format: "epoch microseconds (detected from magnitude)",
      columns: { timestamp: "date_time", open: "open", high: "high", low: "low", close: "close", volume: "volume" },
    },
    {
      name: "Datetime in epoch nanoseconds (exact integer ms)",
      layout: { columns: [{ name: "Datetime", value: "t" }, ...defaultPrices()], time: (t) => `${t}000000` },
      format: "epoch nanoseconds (detected from magnitude)",
      columns: { timestamp: "Datetime", open: "open", high: "high", low: "low", close: "close", volume: "volume" },
    },
    {
      name: "Timestamp in ISO with Z and milliseconds",
      layout: { columns: [{ name: "Timestamp", value: "t" }, ...defaultPrices()], time: (t) => new Date(t).toISOString() },
      format: "ISO-8601 with zone (converted to UTC)",
      columns: { timestamp: "Timestamp", open: "open", high: "high", low: "low", close: "close", volume: "volume" },
    },
    {
      name: "<DATE> MetaTrader-style brackets, ISO with a -05:30 zone and a T",
      layout: {
        columns: [{ name: "<DATE>", value: "t" }, ...defaultPrices().map((c) => ({ ...c, name: `<${c.name.toUpperCase()}>` }))],
        time: (t) => `${new Date(t - 5.5 * 3_600_000).toISOString().slice(0, 16)}-05:30`,
      },
      format: "ISO-8601 with zone (converted to UTC)",
      columns: { timestamp: "<DATE>", open: "<OPEN>", high: "<HIGH>", low: "<LOW>", close: "<CLOSE>", volume: "<VOLUME>" },
    },
  ];

  function defaultPrices(): NonNullable<CsvLayout["columns"]> {
    return [
      { name: "open", value: "open" },
      { name: "high", value: "high" },
      { name: "low", value: "low" },
      { name: "close", value: "close" },
      { name: "volume", value: "volume" },
    ];
  }

  it.each(cases)("$name", async ({ layout, format, columns, volume }) => {
    const series = await readBars(write(barsToCsv(bars, layout)));
    expectSameBars(series, bars, volume ?? true);
    expect(series.mapping.columns).toEqual(columns);
    expect(series.mapping.timestampFormat).toBe(format);
    expect(series.mapping.delimiter).toBe(layout.delimiter ?? ",");
  });

  it("quoted fields and a decimal comma under a semicolon delimiter", async () => {
    const text = 'Date;"Open";"High";Low;Close\n"2024-01-02 09:30:00";"100,5";101;99,25;100\n2024-01-02 09:31:00;100;"101,75";99;101\n';
    const series = await readBars(write(text));
    expect(Array.from(series.open)).toEqual([100.5, 100]);
    expect(Array.from(series.high)).toEqual([101, 101.75]);
    expect(Array.from(series.low)).toEqual([99.25, 99]);
    expect(series.mapping.columns.open).toBe("Open");
  });

  it("refuses a timestamp in another epoch unit than the rest of the column", async () => {
    const text = `timestamp,open,high,low,close\n${FIXTURE_START},1,2,0.5,1.5\n${(FIXTURE_START + MINUTE) / 1000},1,2,0.5,1.5\n`;
    const problems = await problemsOf(write(text));
    expect(problems[0]).toMatchObject({ row: 1, line: 3, field: "timestamp", expected: "epoch milliseconds like row 0 (this value looks like epoch seconds)" });
  });
});

describe("readBars on Parquet", () => {
  const bars = makeBars(250, { seed: 12 });
  const prices = (rows: readonly RawBar[]): ColumnSource[] => [
    { name: "Open", data: rows.map((b) => b.open), type: "DOUBLE" },
    { name: "High", data: rows.map((b) => b.high), type: "DOUBLE" },
    { name: "Low", data: rows.map((b) => b.low), type: "DOUBLE" },
    { name: "Close", data: rows.map((b) => b.close), type: "DOUBLE" },
    { name: "Volume", data: rows.map((b) => b.volume), type: "DOUBLE" },
  ];
  const writeParquet = (columnData: ColumnSource[], rowGroupSize = 64): string =>
    write(new Uint8Array(parquetWriteBuffer({ columnData, rowGroupSize })) as unknown as string, "parquet");

  it("a TIMESTAMP column, read one row group at a time", async () => {
    const path = writeParquet([{ name: "Datetime", data: bars.map((b) => new Date(b.t)), type: "TIMESTAMP" }, ...prices(bars)]);
    const series = await readBars(path);
    expectSameBars(series, bars);
    expect(series.mapping.timestampFormat).toBe("Parquet TIMESTAMP(MILLIS, UTC)");
    expect(series.mapping.columns).toEqual({ timestamp: "Datetime", open: "Open", high: "High", low: "Low", close: "Close", volume: "Volume" });
    expect(series.mapping.format).toBe("parquet");
  });

  it("a pandas-style TIMESTAMP(NANOS) column without zone, read as UTC, to exact milliseconds", async () => {
    const schema = [
      { name: "schema", num_children: 5 },
      { name: "timestamp", type: "INT64", repetition_type: "OPTIONAL", logical_type: { type: "TIMESTAMP", isAdjustedToUTC: false, unit: "NANOS" } },
      ...["open", "high", "low", "close"].map((name) => ({ name, type: "DOUBLE", repetition_type: "OPTIONAL" })),
    ] as Parameters<typeof parquetWriteBuffer>[0]["schema"];
    const columnData: ColumnSource[] = [
      { name: "timestamp", data: bars.map((b) => BigInt(b.t) * 1_000_000n) },
      ...prices(bars)
        .slice(0, 4)
        .map((c) => ({ name: c.name.toLowerCase(), data: c.data })),
    ];
    const path = write(new Uint8Array(parquetWriteBuffer({ schema, columnData, rowGroupSize: 100 })) as unknown as string, "parquet");
    const series = await readBars(path);
    expectSameBars(series, bars, false);
    expect(series.mapping.timestampFormat).toBe("Parquet TIMESTAMP(NANOS, no zone, read as UTC)");
  });

  it("an INT64 epoch-milliseconds column and an ISO string column", async () => {
    const int64 = await readBars(writeParquet([{ name: "ts", data: bars.map((b) => BigInt(b.t)), type: "INT64" }, ...prices(bars)]));
    expectSameBars(int64, bars);
    expect(int64.mapping.timestampFormat).toBe("epoch milliseconds (detected from magnitude)");
    const text = await readBars(writeParquet([{ name: "time", data: bars.map((b) => new Date(b.t).toISOString()), type: "STRING" }, ...prices(bars)], 1000));
    expectSameBars(text, bars);
    expect(text.mapping.timestampFormat).toBe("ISO-8601 with zone (converted to UTC)");
  });

  it("reports problems with 0-based rows across row groups", async () => {
    const broken = bars.map((b) => ({ ...b }));
    broken[70]!.low = -1;
    broken[130]!.t = broken[129]!.t;
    const problems = await problemsOf(writeParquet([{ name: "timestamp", data: broken.map((b) => BigInt(b.t)), type: "INT64" }, ...prices(broken)]));
    expect(problems.map(({ row, field, line }) => ({ row, field, line }))).toEqual([
      { row: 70, field: "Low", line: undefined },
      { row: 130, field: "timestamp", line: undefined },
    ]);
    expect(problems[1]!.expected).toContain("(duplicate timestamp)");
    // Row 131 then follows after 2 minutes: a missing bar, a break, not a problem.
  });
});

describe("barSeriesFromColumns", () => {
  it("builds and checks a series in memory like a file", () => {
    const bars = makeBars(20);
    const columns = {
      timestamps: bars.map((b) => b.t),
      open: bars.map((b) => b.open),
      high: bars.map((b) => b.high),
      low: bars.map((b) => b.low),
      close: bars.map((b) => b.close),
    };
    const series = barSeriesFromColumns(columns);
    expectSameBars(series, bars, false);
    expect(series.intervalMs).toBe(MINUTE);
    columns.timestamps[5] = columns.timestamps[4]!;
    expect(() => barSeriesFromColumns(columns, { source: "mem" })).toThrow(/mem: row 5: timestamp = .*duplicate timestamp/);
  });
});

describe("readBars: the fast path for plain lines changes speed, never a value or a problem", () => {
  // Quoting every field sends each line to the general path (split, then NumberReader), so the two
  // files must read to the same series — or to the same problems, word for word, row for row.
  const quoteAll = (text: string) =>
    text
      .split("\n")
      .map((line, i) =>
        i === 0 || line === ""
          ? line
          : line
              .split(",")
              .map((cell) => `"${cell}"`)
              .join(","),
      )
      .join("\n");
  const rows = (faults: Record<number, string>) => {
    const lines = ["timestamp,open,high,low,close,volume"];
    for (let i = 0; i < 300; i++) {
      const t = new Date(Date.UTC(2024, 2, 1) + i * 60_000).toISOString();
      const open = (100 + Math.sin(i / 7) * 3).toFixed(i % 3 === 0 ? 2 : 5);
      const close = (100 + Math.sin((i + 1) / 7) * 3).toFixed(4);
      const high = (Math.max(Number(open), Number(close)) + 0.25).toFixed(3);
      const low = (Math.min(Number(open), Number(close)) - 0.125).toFixed(3);
      lines.push(faults[i] ?? `${t},${open},${high},${low},${close},${i * 17}`);
    }
    return `${lines.join("\n")}\n`;
  };
  it("a clean file: identical columns either way", async () => {
    const text = rows({});
    const fast = await readBars(write(text));
    const general = await readBars(write(quoteAll(text)));
    for (const key of ["timestamps", "open", "high", "low", "close", "volume"] as const) expect(fast[key]).toEqual(general[key]);
  });
  it("faulty rows of every kind: identical problems either way", async () => {
    const t = (i: number) => new Date(Date.UTC(2024, 2, 1) + i * 60_000).toISOString();
    const text = rows({
      3: `${t(3)},0x10,101,99,100,5`,
      10: `${t(10)},100,99,101,100,5`,
      17: `${t(17)}, 100,101,99,100,5`,
      25: `${t(25)},100,101,99,100,-1`,
      40: `${t(40)},-100,101,99,100,5`,
      41: `${t(41)},100,101,99,1e2,5`,
      55: `2024-13-01T00:00:00Z,100,101,99,100,5`,
      60: `${t(60)},100,101,99,100`,
      61: `${t(61)},100,101,99,100,5,6`,
      70: `${t(70)},1234567890123456,1234567890123457,99,1234567890123456,5`,
      80: `${t(79)},100,101,99,100,5`,
    });
    const fast = await problemsOf(write(text));
    const general = await problemsOf(write(quoteAll(text)));
    expect(fast.length).toBeGreaterThanOrEqual(10);
    const shown = (problems: Problem[]) => problems.map((p) => formatBarsProblem({ ...p, file: "bars.csv" }));
    expect(shown(fast)).toEqual(shown(general));
  });
});
