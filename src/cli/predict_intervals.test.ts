/**
 * `spanlab predict --bars` boundary intervals, end to end on the committed fixtures (trained soft and CRF
 * checkpoints, 1,437 one-minute futures bars): every hindsight detection carries the 90% intervals of its
 * start and end (CSV: flat columns described in the sidecar; JSON: [lo, hi] pairs) with lo ≤ hi, inside
 * its supporting window, which contains the whole detection, and the timestamps of those bars — or says
 * why it has none (live detections, detections longer than a window); and a scan on 2 worker threads
 * writes byte for byte what one thread writes.
 */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { runCli } from "../../test/helpers/cli.js";
import { readBars } from "../data/bars.js";
import { DETECTION_COLUMNS } from "../predict/detections_io.js";
import type { Detection } from "../predict/merge.js";
import { packageRoot } from "../util/package.js";
import type { DetectionReport } from "./predict.js";

afterEach(() => vi.restoreAllMocks());

const fixture = (...parts: string[]) => join(packageRoot(), "test", "fixtures", ...parts);
const barsFile = fixture("bars", "futures_1m.csv");
const checkpoint = (loss: string) => fixture("checkpoints", `spanlab_${loss}.safetensors`);
const INTERVAL_COLUMNS = [
  "start_interval_lo_index",
  "start_interval_hi_index",
  "end_interval_lo_index",
  "end_interval_hi_index",
  "start_interval_lo_time",
  "start_interval_hi_time",
  "end_interval_lo_time",
  "end_interval_hi_time",
  "interval_window_start",
  "interval_mbr_iou",
  "interval_unavailable",
];

/** Runs predict --bars on the futures fixture; returns what it printed. */
async function predict(loss: string, out: string, extra: string[] = []): Promise<string> {
  return (await runCli(["predict", "--checkpoint", checkpoint(loss), "--bars", barsFile, "--out", out, ...extra])).stdout;
}

/** A detections CSV as one record per row (no quoted fields in it). */
function csvRecords(text: string): Record<string, string>[] {
  const [header, ...rows] = text
    .trimEnd()
    .split("\r\n")
    .map((line) => line.split(","));
  return rows.map((row) => Object.fromEntries(header!.map((name, k) => [name, row[k]!])));
}

describe("spanlab predict --bars: boundary intervals", () => {
  it("gives every hindsight detection intervals inside its supporting window, on the bars' timestamps, in CSV and JSON", async () => {
    const folder = mkdtempSync(join(tmpdir(), "spanlab-predict-intervals-"));
    const bars = await readBars(barsFile);
    const iso = (index: number) => new Date(bars.timestamps[index]!).toISOString();
    const csv = join(folder, "crf.csv");
    const stdout = await predict("crf", csv);
    expect(stdout).toMatch(
      /boundary intervals \(90%, each detection's supporting window\): span posteriors of \d+ window\(s\) containing a detection on 1 thread\(s\) in \d+\.\d\d s\n/,
    );
    const text = readFileSync(csv, "utf8");
    expect(text.split("\r\n")[0]!.split(",").slice(-INTERVAL_COLUMNS.length)).toEqual(INTERVAL_COLUMNS);
    const sidecar = readFileSync(`${csv}.md`, "utf8");
    for (const name of INTERVAL_COLUMNS) expect(sidecar).toContain(`| \`${name}\` |`);
    expect(DETECTION_COLUMNS.map(([name]) => name).slice(-INTERVAL_COLUMNS.length)).toEqual(INTERVAL_COLUMNS);

    const records = csvRecords(text);
    const hindsight = records.filter((r) => r.mode === "hindsight");
    expect(hindsight.length).toBeGreaterThan(2);
    const withIntervals = hindsight.filter((r) => r.interval_unavailable === "");
    expect(withIntervals.length).toBeGreaterThan(2);
    for (const r of withIntervals) {
      const [startLo, startHi, endLo, endHi, windowStart] = [
        r.start_interval_lo_index,
        r.start_interval_hi_index,
        r.end_interval_lo_index,
        r.end_interval_hi_index,
        r.interval_window_start,
      ].map(Number) as [number, number, number, number, number];
      expect(startLo).toBeLessThanOrEqual(startHi);
      expect(endLo).toBeLessThanOrEqual(endHi);
      // The supporting window holds the whole detection and both intervals.
      expect(windowStart).toBeLessThanOrEqual(Math.min(Number(r.start_index), startLo, endLo));
      expect(windowStart + 104).toBeGreaterThanOrEqual(Math.max(Number(r.end_index), startHi, endHi));
      expect([r.start_interval_lo_time, r.start_interval_hi_time, r.end_interval_lo_time, r.end_interval_hi_time]).toEqual(
        [startLo, startHi, endLo, endHi].map(iso),
      );
      expect(Number(r.interval_mbr_iou)).toBeGreaterThanOrEqual(0);
      expect(Number(r.interval_mbr_iou)).toBeLessThanOrEqual(1);
    }

    // JSON: the same detections, the intervals as [lo, hi] pairs.
    const json = join(folder, "crf.json");
    await predict("crf", json);
    const report = JSON.parse(readFileSync(json, "utf8")) as DetectionReport;
    expect(report.detections.length).toBe(hindsight.length);
    report.detections.forEach((d: Detection, k) => {
      const r = hindsight[k]!;
      expect(d.start_index).toBe(Number(r.start_index));
      expect(d.interval_unavailable ?? "").toBe(r.interval_unavailable);
      if (d.interval_unavailable !== null) return;
      expect(d.start_interval_index).toEqual([Number(r.start_interval_lo_index), Number(r.start_interval_hi_index)]);
      expect(d.end_interval_index).toEqual([Number(r.end_interval_lo_index), Number(r.end_interval_hi_index)]);
      expect(d.start_interval_time).toEqual(d.start_interval_index!.map(iso));
      expect(d.end_interval_time).toEqual(d.end_interval_index!.map(iso));
      expect(d.interval_window_start).toBe(Number(r.interval_window_start));
      expect(d.interval_mbr_iou).toBe(Number(r.interval_mbr_iou));
    });
    expect(report.columns.interval_unavailable).toMatch(/longer_than_window/);

    // The soft fixture finds one run longer than a window: no window holds it, so no intervals; nor has a live detection.
    const soft = join(folder, "soft.csv");
    await predict("soft", soft, ["--live"]);
    const softRecords = csvRecords(readFileSync(soft, "utf8"));
    const unavailable = (mode: string) => softRecords.filter((r) => r.mode === mode).map((r) => [Number(r.length) > 105, r.interval_unavailable]);
    expect(unavailable("hindsight").length).toBeGreaterThan(0);
    expect(unavailable("hindsight")).toEqual(unavailable("hindsight").map(([longer]) => [longer, longer ? "longer_than_window" : ""]));
    expect(unavailable("live").length).toBeGreaterThan(0);
    for (const r of softRecords.filter((r) => r.mode === "live")) expect(INTERVAL_COLUMNS.map((name) => r[name])).toEqual([...Array(10).fill(""), "live"]);
  });

  it("writes the same bytes on 2 worker threads as on one", async () => {
    const folder = mkdtempSync(join(tmpdir(), "spanlab-predict-intervals-workers-"));
    // Stride 1: 1,333 windows, enough for 2 workers (512 each at least).
    for (const format of ["csv", "json"]) {
      const one = join(folder, `one.${format}`);
      const two = join(folder, `two.${format}`);
      expect(await predict("crf", one, ["--stride", "1", "--workers", "1"])).toContain("on 1 thread(s)");
      expect(await predict("crf", two, ["--stride", "1", "--workers", "2"])).toContain("on 2 thread(s)");
      expect(readFileSync(two, "utf8")).toBe(readFileSync(one, "utf8"));
      if (format === "csv") expect(csvRecords(readFileSync(one, "utf8")).some((r) => r.interval_unavailable === "")).toBe(true);
    }
  });
});
