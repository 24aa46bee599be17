/**
 * The optional window fields of docs/spec.md §1 — `timestamps` and `spans` — in both file formats, their
 * validation, the bar-time strings, and writing a file a chunk at a time.
 */
import { afterAll, describe, expect, it } from "vitest";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { encodeJsonl, formatJsonl, formatWindowLine, windowRecord } from "./jsonl.js";
import { loadWindows, writeWindowChunks, writeWindows } from "./load.js";
import { encodeParquet, optionalColumnsOf } from "./parquet.js";
import { synthesizeWindows, DEFAULT_SYNTH_PARAMS } from "./synth.js";
import { validateWindows } from "./validate.js";
import { windowSpans, type Window } from "./window.js";
import { formatBarTime, parseBarTime } from "./window_time.js";
import { Rng } from "../util/rng.js";
import { defaultDataPath } from "../util/package.js";
import { makeWindow, makeWindows, rawCopy } from "../../test/fixtures/data/windows.js";

const dir = mkdtempSync(join(tmpdir(), "spanlab-fields-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("bar times", () => {
  it("format as Date#toISOString without .000, and parse back, for any millisecond in years 1900–2199", () => {
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(1900, 0, 1), max: Date.UTC(2199, 11, 31, 23, 59, 59, 999) }), (ms) => {
        const text = formatBarTime(ms);
        expect(text).toBe(new Date(ms).toISOString().replace(".000Z", "Z"));
        expect(parseBarTime(text)).toBe(ms);
      }),
      { numRuns: 2000, seed: 3 },
    );
  });

  it("read Z and +00:00 and any fraction; refuse other zones, naive times and impossible dates", () => {
    expect(parseBarTime("2024-01-02T09:30:00+00:00")).toBe(Date.UTC(2024, 0, 2, 9, 30));
    expect(parseBarTime("2024-01-02T09:30:00.123456Z")).toBe(Date.UTC(2024, 0, 2, 9, 30, 0, 123));
    expect(parseBarTime("2024-02-29T00:00:00Z")).toBe(Date.UTC(2024, 1, 29));
    for (const bad of [
      "2024-01-02T09:30:00",
      "2024-01-02T09:30:00+01:00",
      "2024-01-02 09:30:00Z",
      "2023-02-29T00:00:00Z",
      "2024-13-01T00:00:00Z",
      "2024-01-02T24:00:00Z",
      "",
    ]) {
      expect(parseBarTime(bad), bad).toBeNaN();
    }
  });
});

describe("timestamps and spans in window files", () => {
  const windows = [makeWindow(0, { timed: true, spans: true, volume: true }), makeWindow(1, { timed: true, spans: true }), makeWindow(2)];

  it.each([".jsonl", ".parquet"])("round-trip through %s, and windows without them stay without", async (extension) => {
    const path = join(dir, `fields${extension}`);
    writeWindows(path, windows);
    const loaded = await loadWindows(path);
    expect(loaded).toEqual(windows);
    expect(loaded[2]).not.toHaveProperty("timestamps");
    expect(loaded[2]).not.toHaveProperty("spans");
    expect(windowSpans(loaded[2]!)).toEqual([{ start: loaded[2]!.expansion_start, end: loaded[2]!.expansion_end }]);
  });

  it("JSONL lines are byte for byte JSON.stringify of the record, for valid windows and broken ones alike", () => {
    const broken = { ...rawCopy(makeWindow(5, { timed: true })), volume: null, window_id: 'a "quoted" id' } as unknown as Window;
    const nan = rawCopy(makeWindow(6)) as unknown as Window;
    nan.features[3]![1] = Number.NaN;
    // Numbers whose text is not plain: −0, exponents.
    const odd = makeWindow(8, { volume: true });
    odd.volume![0] = -0;
    odd.volume![1] = 1e21;
    odd.features[0] = [1e-7, 2e-7, 1e-7, 1.5e-7];
    const all = [...windows, broken, nan, odd, makeWindow(7, { volume: true, timed: true, spans: true })];
    for (const window of all) expect(formatWindowLine(window)).toBe(JSON.stringify(windowRecord(window)));
    // The byte encoder (with its per-call caches of shared bars and times) writes the same bytes.
    const sharing = { ...all[0]!, window_id: "shares-bars", features: [...all[0]!.features.slice(1), all[0]!.features[0]!] };
    const unicode = { ...all[1]!, window_id: "événement ✓" };
    const many = [...all, sharing, unicode, all[0]!];
    expect(Buffer.from(encodeJsonl(many)).equals(Buffer.from(formatJsonl(many), "utf8"))).toBe(true);
  });

  it("writes the bundled data exactly as it is on disk: no new columns, one row group", () => {
    const bundled = synthesizeWindows(DEFAULT_SYNTH_PARAMS, new Rng(42));
    expect(optionalColumnsOf(bundled)).toEqual({ volume: true, timestamps: false, spans: false });
    expect(Buffer.from(encodeParquet(bundled)).equals(readFileSync(defaultDataPath()))).toBe(true);
  });

  it("validation names bad times and spans with their field", () => {
    const row = rawCopy(makeWindow(0, { timed: true, spans: true })) as Record<string, unknown> & { timestamps: string[]; spans: number[][] };
    row.timestamps[7] = "2024-01-02 09:37:00";
    row.timestamps[9] = row.timestamps[8]!;
    row.spans = [
      [50, 60],
      [10, 12],
      [3, 1],
    ];
    const problems = validateWindows([row]).problems.map((p) => `${p.field} = ${p.value}; expected ${p.expected}`);
    expect(problems).toEqual([
      'timestamps[7] = "2024-01-02 09:37:00"; expected an ISO-8601 UTC time like 2024-01-02T09:30:00Z',
      `timestamps[9] = "${row.timestamps[8]}"; expected a time after timestamps[8] = ${row.timestamps[8]} (bars are in time order)`,
      "spans[2][0] = 3; expected ≤ the span's end 1 (spans are inclusive: start ≤ end)",
      "spans[1] = [10, 12]; expected a span after spans[0] = [50, 60] (spans are sorted by start, then end, each listed once)",
      "spans[2] = [3, 1]; expected a span after spans[1] = [10, 12] (spans are sorted by start, then end, each listed once)",
      `spans = a list of 3 lists (first has 2 values); expected a list holding the primary span [${row.expansion_start}, ${row.expansion_end}] (expansion_start, expansion_end)`,
    ]);
  });
});

describe("writing a window file in chunks", () => {
  const windows = makeWindows(7, { timed: true, spans: true, volume: true });
  const columns = { volume: true, timestamps: true, spans: true };

  it.each([".jsonl", ".parquet"])("gives the same %s file as writing it in one piece", (extension) => {
    const whole = join(dir, `whole${extension}`);
    const chunked = join(dir, `chunked${extension}`);
    writeWindows(whole, windows);
    expect(writeWindowChunks(chunked, [windows.slice(0, 3), windows.slice(3, 4), windows.slice(4)], columns)).toBe(7);
    expect(readFileSync(chunked).equals(readFileSync(whole))).toBe(true);
    expect(formatJsonl(windows)).toBe(readFileSync(join(dir, "whole.jsonl"), "utf8"));
  });

  it("refuses a bad chunk, a duplicate id across chunks or nothing at all, leaving no file and no temporary", () => {
    const bad = rawCopy(windows[5]!) as unknown as Window;
    bad.expansion_end = 105;
    for (const [name, chunks, message] of [
      ["bad.jsonl", [windows.slice(0, 3), [bad]], /bad\.jsonl: not written, 1 problem\(s\)[\s\S]*row 3 \(window_id w5\): expansion_end = 105/],
      [
        "dup.parquet",
        [windows.slice(0, 3), windows.slice(2, 4)],
        /row 3 \(window_id w2\): window_id = "w2"; expected a unique id \(row 2 has the same window_id\)/,
      ],
      ["none.jsonl", [], /refusing to write a window file with no windows/],
    ] as const) {
      expect(() => writeWindowChunks(join(dir, name), chunks as readonly Window[][], columns)).toThrow(message);
      expect(existsSync(join(dir, name))).toBe(false);
    }
    expect(readdirSync(dir).filter((f) => f.endsWith(".tmp"))).toEqual([]);
    expect(() => writeWindowChunks(join(dir, "whole.jsonl"), [windows], columns)).toThrow(/already exists/);
  });
});
