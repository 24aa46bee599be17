import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli } from "../../test/helpers/cli.js";
import { loadWindows } from "../data/load.js";
import { train } from "../train/train.js";

const FIXTURES = join(import.meta.dirname, "../../test/fixtures/bars");
const fixture = (name: string): string => join(FIXTURES, name);
const dir = mkdtempSync(join(tmpdir(), "spanlab-cli-windows-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => {
  process.exitCode = undefined;
  vi.restoreAllMocks();
});

describe("spanlab data windows", () => {
  it("bars CSV + annotations CSV → a window file that validates and trains", async () => {
    const out = join(dir, "windows.parquet");
    const result = await runCli(["data", "windows", "--bars", fixture("clean.csv"), "--annotations", fixture("events.csv"), "--out", out]);
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toBe("");
    const lines = result.stdout.trimEnd().split("\n");
    expect(lines.slice(0, 4)).toEqual([
      `${fixture("clean.csv")}: 300 bars (2024-01-02T09:30:00Z … 2024-01-02T14:29:00Z), interval 1m`,
      `  format: csv, delimiter ","`,
      `  columns: timestamp ← "timestamp", open ← "open", high ← "high", low ← "low", close ← "close", volume ← "volume"`,
      `  timestamps: ISO-8601 without zone (read as UTC)`,
    ]);
    expect(lines).toContain("windows: 12 (3 per event at seeded random offsets, seed 42)");
    expect(lines.at(-1)).toBe(`wrote 12 windows (4 base windows) to ${out}`);

    const validate = await runCli(["data", "validate", out]);
    expect(validate.exitCode).toBe(0);
    expect(validate.stdout.split("\n").slice(0, 2)).toEqual([
      `${out}: 12 windows (4 base windows), no problems`,
      "  bar times: 12 of 12 windows, 2024-01-02T09:30:00Z … 2024-01-02T14:05:00Z",
    ]);
    expect(validate.stdout).toMatch(/ {2}annotated spans: 12 of 12 windows list them; \d+ hold more than one \(all their bars are in span\)\n$/);
    const random = await loadWindows(out);
    expect(random.every((w) => w.timestamps?.length === 105 && w.spans!.some(([a, b]) => a === w.expansion_start && b === w.expansion_end))).toBe(true);
    // The same seed cuts the same windows; another seed other ones.
    const again = join(dir, "again.parquet");
    await runCli(["data", "windows", "--bars", fixture("clean.csv"), "--annotations", fixture("events.csv"), "--out", again]);
    expect(readFileSync(again)).toEqual(readFileSync(out));
    const other = join(dir, "other.jsonl");
    await runCli([
      "data",
      "windows",
      "--bars",
      fixture("clean.csv"),
      "--annotations",
      fixture("events.csv"),
      "--out",
      other,
      "--seed",
      "7",
      "--windows-per-event",
      "2",
    ]);
    const otherWindows = await loadWindows(other);
    expect(otherWindows).toHaveLength(8);
    expect(otherWindows.map((w) => w.window_id)).not.toEqual(random.slice(0, 8).map((w) => w.window_id));

    const referenceOut = join(dir, "reference.parquet");
    const reference = await runCli([
      "data",
      "windows",
      "--bars",
      fixture("clean.csv"),
      "--annotations",
      fixture("events.csv"),
      "--out",
      referenceOut,
      "--reference-cut",
    ]);
    expect(reference.stdout).toContain("windows: 8 (reference cut: 4 centred + 4 overlaps kept; 4 overlaps dropped)");
    const windows = await loadWindows(referenceOut);
    expect(windows.map((w) => [w.window_id, w.expansion_start, w.expansion_end])).toEqual([
      ["a", 48, 57],
      ["a-s+52", 0, 5],
      ["a-s-52", 100, 104],
      ["b", 20, 21],
      ["c", 38, 67],
      ["c-s-52", 90, 104],
      ["d", 50, 54],
      ["d-s+52", 0, 2],
    ]);

    const trained = await train({ loss: "soft", data: out, epochs: 1, batchSize: 8, seed: 3 }, { runDirectory: join(dir, "run") });
    expect(trained.complete).toBe(true);
    expect(trained.records).toHaveLength(1);
    expect(Number.isFinite(trained.records[0]!.validation.unweighted)).toBe(true);
  });

  it("refuses bad bars and bad annotations, printing every problem with file, row and field", async () => {
    const out = join(dir, "never.parquet");
    const result = await runCli(["data", "windows", "--bars", fixture("bad_price.csv"), "--annotations", fixture("events_unknown_label.csv"), "--out", out]);
    expect(result.exitCode).toBe(1);
    expect(existsSync(out)).toBe(false);
    expect(result.stdout).toBe("no window file written\n");
    expect(result.stderr.trimEnd().split("\n")).toEqual([
      `${fixture("bad_price.csv")}: row 1 (line 3): low = "-3"; expected a positive price`,
      `${fixture("bad_price.csv")}: row 2 (line 4): high = "NaN"; expected a finite number (a positive price)`,
      `${fixture("bad_price.csv")}: row 3 (line 5): close = ""; expected a finite number (a positive price)`,
      `${fixture("bad_price.csv")}: row 4 (line 6): open = "0"; expected a positive price`,
      `${fixture("bad_price.csv")}: 4 problem(s) (rows numbered from 0)`,
      `${fixture("events_unknown_label.csv")}: row 1 (line 3): label = "breakout"; expected one of "consolidation", "retracement"`,
      `${fixture("events_unknown_label.csv")}: 1 problem(s) (rows numbered from 0)`,
    ]);
  });

  it("crosses breaks by default (bars are a sequence); --max-gap stops windows at longer ones; --allow-gaps is a no-op", async () => {
    // clean.csv without its rows 100..109: a 10-minute break before bar 100.
    const lines = readFileSync(fixture("clean.csv"), "utf8").split("\n");
    const holed = join(dir, "holed.csv");
    writeFileSync(holed, [...lines.slice(0, 101), ...lines.slice(111)].join("\n"));
    const base = ["data", "windows", "--bars", holed, "--annotations", fixture("events.csv"), "--reference-cut"];
    const crossed = await runCli([...base, "--out", join(dir, "holed.jsonl")]);
    expect(crossed.exitCode).toBe(0);
    expect(crossed.stderr).toBe("");
    expect(crossed.stdout).toContain(
      "  breaks: 1 — 1 session (overnight/daily, < 24 h); longest 10m (2024-01-02T11:09:00Z → 2024-01-02T11:20:00Z, before row 100); days in UTC\n" +
        "  bars are a sequence: windows and scans run across breaks (--max-gap D stops them at breaks longer than D)\n",
    );
    expect(crossed.stdout).toContain("events: 4, accepted: 4, rejected: 0");
    const noOp = await runCli([...base, "--out", join(dir, "holed-allow.jsonl"), "--allow-gaps"]);
    expect(noOp.stdout.replaceAll("holed-allow.jsonl", "holed.jsonl")).toBe(crossed.stdout);

    // --max-gap 5m: bars 0..99 are 100 bars, too few for a window; a and c sit after the break.
    const capped = await runCli([...base, "--out", join(dir, "holed-capped.jsonl"), "--max-gap", "5m"]);
    expect(capped.exitCode).toBe(0);
    expect(capped.stdout).toContain("  --max-gap 5m: 1 break(s) longer (10 missing bars); windows and scans never cross them\n");
    expect(capped.stdout).toContain(
      "  rejected event b (row 1): no 105-bar window fits: it sits in a run of only 100 contiguous bars (bars 0..99, between gaps or the data's edge)",
    );
    expect(capped.stdout).toContain(
      "  rejected event d (row 3): no 105-bar window fits: it sits in a run of only 100 contiguous bars (bars 0..99, between gaps or the data's edge)",
    );
    // a is moved off the break (its −52 overlap would cross it: dropped); windows never cross it.
    expect(capped.stdout).toContain("  note: event a: too close to a gap before it to centre: window moved by 18 bar(s), span at [30, 39] instead of [48, 57]");
    expect(capped.stdout).toContain("  overlaps dropped: 1 × runs across the gap before bar N");
    expect((await loadWindows(join(dir, "holed-capped.jsonl"))).map((w) => w.window_id)).toEqual(["a", "c", "c-s-52"]);
    await expect(runCli([...base, "--out", join(dir, "x.jsonl"), "--max-gap", "5 minutes"])).rejects.toThrow(
      '--max-gap must be a duration like 4d, 90m, 2h, 30s or 1h30m (units ms, s, m, h, d, w), got "5 minutes"',
    );

    // gap.csv is no longer refused for its hole: its 5 bars are simply too few for a window.
    const out = join(dir, "gap.jsonl");
    await expect(runCli(["data", "windows", "--bars", fixture("gap.csv"), "--annotations", fixture("events.csv"), "--out", out])).rejects.toThrow(
      /no windows to write: every event was rejected/,
    );
    expect(existsSync(out)).toBe(false);
  });

  it("reports events at the data's edge, honours --stride, --min-visible and --force", async () => {
    const out = join(dir, "edge.jsonl");
    const args = ["data", "windows", "--bars", fixture("clean.csv"), "--annotations", fixture("events_edge.csv"), "--out", out, "--reference-cut"];
    const first = await runCli([...args, "--stride", "26", "--min-visible", "0.5"]);
    expect(first.exitCode).toBe(0);
    expect(first.stdout).toContain(
      "  rejected event early (row 0): start 2024-01-02T09:25:00Z is before the first bar (2024-01-02T09:30:00Z): the span is not all inside the data",
    );
    expect(first.stdout).toContain("  rejected event late (row 1): end 2024-01-02T14:31:00Z is after the last bar");
    // "ok": bars 150..153, centre 151 → start 99; stride 26 keeps shifts whose window shows ≥ 2 of 4 bars.
    expect((await loadWindows(out)).map((w) => w.window_id)).toEqual(["ok", "ok-s+26", "ok-s-26", "ok-s+52", "ok-s-52"]);
    await expect(runCli(args)).rejects.toThrow(/already exists; choose another --out or pass --force/);
    const forced = await runCli([...args, "--force", "--overlaps", "0"]);
    expect(forced.exitCode).toBe(0);
    expect((await loadWindows(out)).map((w) => w.window_id)).toEqual(["ok"]);
  });

  it("refuses contradictory or out-of-range options", async () => {
    const base = ["data", "windows", "--bars", fixture("clean.csv"), "--annotations", fixture("events.csv"), "--out", join(dir, "x.parquet")];
    await expect(runCli([...base, "--overlaps", "2", "--stride", "10"])).rejects.toThrow(/--overlaps and --stride are alternatives/);
    await expect(runCli([...base, "--reference-cut", "--stride", "105"])).rejects.toThrow(/--stride must be an integer in \[1, 104\]/);
    await expect(runCli([...base, "--min-visible", "1.5"])).rejects.toThrow(/--min-visible must be a number in \[0, 1\]/);
    await expect(runCli([...base, "--reference-cut", "--overlaps", "-1"])).rejects.toThrow(/--overlaps must be an integer/);
    await expect(runCli([...base, "--overlaps", "2"])).rejects.toThrow(/--overlaps and --stride shape the reference cut: add --reference-cut/);
    await expect(runCli([...base, "--reference-cut", "--windows-per-event", "2"])).rejects.toThrow(/--windows-per-event sets the random placement/);
    await expect(runCli([...base, "--windows-per-event", "0"])).rejects.toThrow(/--windows-per-event must be an integer in \[1, 100\]/);
    await expect(runCli([...base, "--seed", "x"])).rejects.toThrow(/--seed must be an integer/);
  });
});
