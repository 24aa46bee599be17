/**
 * `spanlab data windows` on the real-shaped fixtures (test/fixtures/bars/real_shapes.ts): each goes from
 * bars + annotations to validated windows and a 1-epoch training run with no flag, or only --timezone where
 * its timestamps are naive local time, printing the break summary worked out by hand in
 * src/data/real_shapes.test.ts. The windows carry their bars' times and every annotated span, their span
 * starts spread over the window, and the default split is the purged time split: no training window
 * shares a bar (by timestamp) with a validation window, and the purged windows are counted. Then the files
 * that disagree (zones, times on no bar) and the bad inputs.
 */
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli } from "../../test/helpers/cli.js";
import { loadWindows } from "../data/load.js";
import { train, runSplit } from "../train/train.js";

const FIXTURES = join(import.meta.dirname, "../../test/fixtures/bars");
const fixture = (name: string): string => join(FIXTURES, name);
const dir = mkdtempSync(join(tmpdir(), "spanlab-cli-real-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => {
  process.exitCode = undefined;
  vi.restoreAllMocks();
});

const CROSSED = "  bars are a sequence: windows and scans run across breaks (--max-gap D stops them at breaks longer than D)";

const shapes = [
  {
    name: "NYSE daily equity bars",
    bars: "equity_daily.csv",
    annotations: "equity_daily_events.csv",
    flags: [] as string[],
    events: 9,
    windows: 27,
    breaks: "  breaks: 80 — 65 weekend, 15 holiday (1–2 weekdays closed); longest 3d (2023-01-13T00:00:00Z → 2023-01-17T00:00:00Z, before row 9); days in UTC",
  },
  {
    name: "30-minute FX bars with weekend breaks",
    bars: "fx_30m.csv",
    annotations: "fx_30m_events.jsonl",
    flags: [] as string[],
    events: 8,
    windows: 24,
    breaks: "  breaks: 5 — 2 missing bars (≤ 5 bars, < 1 h), 3 weekend; longest 2d (2024-01-12T21:30:00Z → 2024-01-14T22:00:00Z, before row 240); days in UTC",
  },
  {
    name: "1-minute futures, naive Chicago time across the DST change, daily maintenance break",
    bars: "futures_1m.csv",
    annotations: "futures_1m_events.csv",
    flags: ["--timezone", "America/Chicago"],
    events: 10,
    windows: 30,
    breaks:
      "  breaks: 5 — 3 missing bars (≤ 5 bars, < 1 h), 1 session (overnight/daily, < 24 h), 1 weekend; longest 2d " +
      "(2024-03-08T22:59:00Z → 2024-03-10T23:00:00Z, before row 30); days in America/Chicago",
  },
  {
    name: 'semicolons, a quoted "%Y-%m-%d" date column and decimal commas',
    bars: "semicolon_daily.csv",
    annotations: "semicolon_daily_events.csv",
    flags: [] as string[],
    events: 9,
    windows: 27,
    breaks: "  breaks: 78 — 72 weekend, 6 holiday (1–2 weekdays closed); longest 4d (2023-04-06T00:00:00Z → 2023-04-11T00:00:00Z, before row 69); days in UTC",
  },
];

const spread: string[] = [];
const splitFigures = (split: { train_windows: number; validation_windows: number; purged_windows: number; embargo_bars: number | null }) =>
  `${split.train_windows} train / ${split.validation_windows} validation, ${split.purged_windows} purged (embargo ${split.embargo_bars} bars)`;

describe("spanlab data windows on real-shaped bars", () => {
  it.each(shapes)("$name: windows → validate → train 1 epoch", async ({ bars, annotations, flags, events, windows, breaks }) => {
    const out = join(dir, `${bars}.jsonl`);
    const result = await runCli(["data", "windows", "--bars", fixture(bars), "--annotations", fixture(annotations), "--out", out, ...flags]);
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toBe("");
    const lines = result.stdout.trimEnd().split("\n");
    expect(lines.slice(4, 6)).toEqual([breaks, CROSSED]);
    expect(lines).toContain(`events: ${events}, accepted: ${events}, rejected: 0`);
    expect(lines).toContain(`windows: ${windows} (3 per event at seeded random offsets, seed 42)`);
    expect(lines.at(-1)).toBe(`wrote ${windows} windows (${events} base windows) to ${out}`);

    const validate = await runCli(["data", "validate", out]);
    expect(validate.exitCode).toBe(0);
    expect(validate.stdout.split("\n")[0]).toBe(`${out}: ${windows} windows (${events} base windows), no problems`);
    expect(validate.stdout).toContain(`  bar times: ${windows} of ${windows} windows, `);

    // Spans sit anywhere in the window: the report's spread, and the windows themselves.
    const cut = await loadWindows(out);
    const starts = cut.map((w) => w.expansion_start).sort((a, b) => a - b);
    const fifths = [0, 1, 2, 3, 4].map((f) => starts.filter((p) => Math.floor((p * 5) / 105) === f).length);
    expect(lines).toContain(
      `  span start in window: min ${starts[0]}, median ${starts[(starts.length - 1) >> 1]}, max ${starts.at(-1)}; ` +
        `by fifths (bars 0–20, 21–41, 42–62, 63–83, 84–104): ${fifths.join(" / ")}`,
    );
    expect(fifths.every((count) => count > 0)).toBe(true);
    expect(starts.at(-1)! - starts[0]!).toBeGreaterThan(80);
    expect(cut.every((w) => w.timestamps!.length === 105 && w.spans!.some(([a, b]) => a === w.expansion_start && b === w.expansion_end))).toBe(true);

    const trained = await train({ loss: "crf", data: out, epochs: 1, batchSize: 8, seed: 5 }, { runDirectory: join(dir, `run-${bars}`) });
    expect(trained.complete).toBe(true);
    expect(Number.isFinite(trained.records[0]!.validation.unweighted)).toBe(true);
    // The default split is the purged time split, its purged windows counted in config.json and the log.
    expect(trained.split).toMatchObject({ kind: "time", requested: "auto", purged_windows: expect.any(Number) });
    const manifest = JSON.parse(readFileSync(join(trained.runDirectory, "config.json"), "utf8"));
    expect(manifest.split).toEqual(trained.split);
    expect(readFileSync(join(trained.runDirectory, "training.log"), "utf8")).toContain(`${trained.split.purged_windows} training window(s) purged`);
    expect(trained.split.train_windows + trained.split.validation_windows + trained.split.purged_windows).toBe(windows);
    // No training window shares a bar (by timestamp) with a validation window.
    const split = runSplit(cut, trained.config);
    expect(split.validation.map((i) => cut[i]!.window_id)).toEqual(manifest.split.validation_window_ids);
    const validationBars = new Set(split.validation.flatMap((i) => cut[i]!.timestamps!));
    const shared = split.train.filter((i) => cut[i]!.timestamps!.some((t) => validationBars.has(t)));
    expect(shared).toEqual([]);
    expect(split.train.length).toBeGreaterThan(0);
    spread.push(`${bars}: ${events} events → ${windows} windows; span starts ${fifths.join("/")} by fifths; ${splitFigures(trained.split)}`);
  });

  afterAll(() => {
    // The figures the issue asks for, per fixture (visible with --reporter verbose).
    console.log(spread.join("\n"));
  });

  it("the futures fixture's spans land on the same bars as with UTC annotations and --timezone", async () => {
    // The same events in UTC (CDT = UTC−5 on 10–11 March): with --timezone the naive bars meet them exactly.
    const text = readFileSync(fixture("futures_1m_events.csv"), "utf8").replace(/(\d{4}-\d\d-\d\d) (\d\d):(\d\d)/g, (_, day: string, h: string, m: string) => {
      const utc = new Date(Date.parse(`${day}T${h}:${m}:00Z`) + 5 * 3_600_000);
      return utc.toISOString().replace(".000Z", "Z");
    });
    const utcEvents = join(dir, "futures_events_utc.csv");
    writeFileSync(utcEvents, text);
    const zoned = join(dir, "futures-zoned.jsonl");
    const result = await runCli([
      "data",
      "windows",
      "--bars",
      fixture("futures_1m.csv"),
      "--annotations",
      utcEvents,
      "--out",
      zoned,
      "--timezone",
      "America/Chicago",
    ]);
    expect(result.stderr).toBe("");
    expect(result.stdout).toContain(
      `note: ${fixture("futures_1m.csv")} has naive times (no zone, read as America/Chicago local time) but ${utcEvents} has times with a zone (offset, Z or epoch); --timezone America/Chicago reconciles them`,
    );
    const naive = join(dir, "futures_1m.csv.jsonl");
    expect(await loadWindows(zoned)).toEqual(await loadWindows(naive));
  });
});

describe("spanlab data windows says loudly when bars and annotations disagree; --strict refuses", () => {
  it("naive bars with zoned annotations and no --timezone: a WARNING with the fix; --strict exits 1", async () => {
    const utcEvents = join(dir, "futures_events_utc.csv");
    const args = ["data", "windows", "--bars", fixture("futures_1m.csv"), "--annotations", utcEvents, "--out", join(dir, "mismatch.jsonl")];
    const warned = await runCli(args);
    expect(warned.exitCode).toBe(0);
    expect(warned.stderr).toContain(
      `WARNING: ${fixture("futures_1m.csv")} has naive times (no zone, read as UTC) but ${utcEvents} has times with a zone (offset, Z or epoch): ` +
        "if the naive times are local time, every span lands on the wrong bars; pass --timezone ZONE (e.g. America/New_York) to read them in their zone",
    );
    const strict = await runCli([...args, "--out", join(dir, "strict.jsonl"), "--strict"]);
    expect(strict.exitCode).toBe(1);
    expect(strict.stderr).toMatch(/^error: .* has naive times/);
    expect(strict.stdout).toContain("no window file written (--strict: the annotations do not fit the bars, see stderr)");
  });

  it("annotation times on no bar or between bars are counted", async () => {
    // The FX events' full hours moved by 15 minutes (8 times, inside bars) and event fx-1 onto a Saturday (no bar).
    const shifted = readFileSync(fixture("fx_30m_events.jsonl"), "utf8")
      .replace(/:00:00Z/g, ":15:00Z")
      .replaceAll("2024-01-09T", "2024-01-13T");
    const events = join(dir, "fx_shifted.jsonl");
    writeFileSync(events, shifted);
    const args = ["data", "windows", "--bars", fixture("fx_30m.csv"), "--annotations", events, "--out", join(dir, "fx-shifted.jsonl")];
    const result = await runCli(args);
    expect(result.stderr).toBe(
      "WARNING: 2 of 16 annotation times fall on no bar (2 inside a break between bars, 0 outside the data): their events are rejected; a zone or clock mismatch?\n" +
        "WARNING: 7 of 16 annotation times fall between bar timestamps (inside a bar; snapped to it): annotations usually name bar timestamps (a bar is named by its open time); a zone or clock mismatch?\n",
    );
    expect(result.stdout).toContain("  rejected event fx-1 (row 0): start 2024-01-13T04:30:00Z falls in a gap between bar 239");
    expect((await runCli([...args, "--strict", "--force"])).exitCode).toBe(1);
  });
});

describe("spanlab data windows refuses bad inputs, naming file, row, line, field, value and what was expected", () => {
  it.each([
    ["bad_hex.csv", [`row 1 (line 3): open = "0x3a98"; expected a plain decimal number (hexadecimal notation like 0x3a98 is not accepted)`]],
    [
      "bad_thousands.csv",
      [`row 0 (line 2): Open = "1,234.50"; expected a number with one decimal mark and no thousands separator ("1,234.50" has both "." and ","), e.g. 1234.50`],
    ],
    [
      "bad_mixed_zones.csv",
      [
        `row 2 (line 4): timestamp = "2024-01-02 09:32:00"; expected an ISO-8601 timestamp with a zone (Z or ±HH:MM) like row 0: this one has none, and a file must not mix zoned and naive times`,
      ],
    ],
  ])("%s", async (bars, expected) => {
    const result = await runCli(["data", "windows", "--bars", fixture(bars), "--annotations", fixture("events.csv"), "--out", join(dir, "never.jsonl")]);
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toBe("no window file written\n");
    for (const line of expected) expect(result.stderr).toContain(`${fixture(bars)}: ${line}\n`);
  });

  it("a nonexistent local time under --timezone, an unknown zone, bad --columns and --decimal values", async () => {
    const base = ["data", "windows", "--annotations", fixture("events.csv"), "--out", join(dir, "never.jsonl")];
    const dst = await runCli([...base, "--bars", fixture("dst_nonexistent.csv"), "--timezone", "America/Chicago"]);
    expect(dst.exitCode).toBe(1);
    expect(dst.stderr).toContain(
      `${fixture("dst_nonexistent.csv")}: row 2 (line 4): timestamp = "2024-03-10 02:30:00"; expected a local time that exists in America/Chicago: ` +
        "2024-03-10 02:30:00 falls in the time skipped when clocks sprang forward (UTC−06:00 → UTC−05:00); is the file in another zone?",
    );
    await expect(runCli([...base, "--bars", fixture("clean.csv"), "--timezone", "Eastern"])).rejects.toThrow(/--timezone: unknown time zone "Eastern"/);
    await expect(runCli([...base, "--bars", fixture("clean.csv"), "--columns", "stamp=Date"])).rejects.toThrow(/--columns takes canonical=header pairs/);
    await expect(runCli([...base, "--bars", fixture("clean.csv"), "--decimal", ";"])).rejects.toThrow(/--decimal must be "\." \(decimal point\) or ","/);
    // --columns names what the header spells otherwise: the file is read (and is too short for a window).
    await expect(runCli([...base, "--bars", fixture("missing_column.csv"), "--columns", "high=Hi,close=Low"])).rejects.toThrow(/no windows to write/);
  });
});
