/**
 * The detections and probabilities files: the CSV has one row per detection in the documented columns,
 * its sidecar defines every column, and readDetections reads back what detectionsCsv writes — refusing
 * rows that do not fit the bars, naming file, row, field, value and what was expected.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  columnsSidecar,
  DETECTION_COLUMNS,
  DETECTION_CSV_HEADER,
  detectionsCsv,
  probabilitiesCsv,
  readDetections,
  readProbabilities,
} from "./detections_io.js";
import { detectionsFromScores, isoTime, noBoundaryIntervals } from "./merge.js";

const dir = mkdtempSync(join(tmpdir(), "spanlab-detections-io-"));
const timestamps = Float64Array.from({ length: 12 }, (_, i) => Date.UTC(2024, 0, 2) + i * 1_800_000);
const detections = [
  ...detectionsFromScores([0.1, 0.7, 0.8, 0.2, 0.1, 0.9, 0.95, 0.9, 0.1, 0.1, 0.1, 0.1], {
    mode: "hindsight",
    decoder: "threshold",
    scoreName: "p",
    threshold: 0.5,
    minRunLength: 1,
    segmentStarts: new Set(),
    timestamps,
    classes: () => [0.7, 0.3],
    windowsCovering: () => 3,
    knownAt: (t) => Math.min(11, t + 4),
    boundaryIntervals: (k) =>
      k === 0
        ? {
            start_interval_index: [0, 2],
            end_interval_index: [1, 3],
            start_interval_time: [isoTime(timestamps[0]!), isoTime(timestamps[2]!)],
            end_interval_time: [isoTime(timestamps[1]!), isoTime(timestamps[3]!)],
            interval_window_start: 0,
            interval_mbr_iou: 0.5,
            interval_unavailable: null,
          }
        : noBoundaryIntervals("no_window_contains"),
  }),
  ...detectionsFromScores([0, 0, 0, 0, 0, 0, 0.6, 0.6, 0.2, 0, 0, 0], {
    mode: "live",
    decoder: "threshold",
    scoreName: "p_live",
    threshold: 0.5,
    minRunLength: 1,
    segmentStarts: new Set(),
    timestamps,
    classes: () => [0.2, 0.8],
    windowsCovering: (a, b) => b - a + 1,
    knownAt: (t) => t,
  }),
];

describe("detections CSV", () => {
  it("writes the documented columns, and reads back what it wrote", async () => {
    const text = detectionsCsv(detections);
    const lines = text.split("\r\n");
    expect(lines[0]).toBe(DETECTION_CSV_HEADER.join(","));
    expect(lines[1]).toBe(
      "1,2,2024-01-02T00:30:00.000Z,2024-01-02T01:00:00.000Z,2,hindsight,threshold,p,0.5,0.75,0.8,consolidation,0.7,0.3,3,5,2024-01-02T02:30:00.000Z," +
        "0,2,1,3,2024-01-02T00:00:00.000Z,2024-01-02T01:00:00.000Z,2024-01-02T00:30:00.000Z,2024-01-02T01:30:00.000Z,0,0.5,",
    );
    expect(lines[2]!.endsWith(",9,2024-01-02T04:30:00.000Z,,,,,,,,,,,no_window_contains")).toBe(true);
    expect(lines[3]).toBe(
      "6,7,2024-01-02T03:00:00.000Z,2024-01-02T03:30:00.000Z,2,live,threshold,p_live,0.5,0.6,0.6,retracement,0.2,0.8,2,6,2024-01-02T03:00:00.000Z,,,,,,,,,,,live",
    );
    const file = join(dir, "detections.csv");
    writeFileSync(file, text);
    const read = await readDetections(file, 12, timestamps);
    expect(read.map(({ start, end, mode, knownAt, predictedClass }) => [start, end, mode, knownAt, predictedClass])).toEqual([
      [1, 2, "hindsight", 5, "consolidation"],
      [5, 7, "hindsight", 9, "consolidation"],
      [6, 7, "live", 6, "retracement"],
    ]);
    // A file written before the interval columns existed reads the same.
    const old = join(dir, "detections_before_intervals.csv");
    writeFileSync(
      old,
      text
        .split("\r\n")
        .map((line) => line.split(",").slice(0, 17).join(","))
        .join("\r\n"),
    );
    expect(await readDetections(old, 12, timestamps)).toEqual(read.map((d) => ({ ...d, where: d.where.replace(file, old) })));
    const sidecar = columnsSidecar("Columns of detections.csv", DETECTION_COLUMNS, ["bars: x.csv"]);
    for (const name of DETECTION_CSV_HEADER) expect(sidecar).toContain(`| \`${name}\` |`);
  });

  it("reads predict's JSON report, hindsight and live", async () => {
    const file = join(dir, "detections.json");
    writeFileSync(file, JSON.stringify({ detections: detections.slice(0, 2), live_detections: detections.slice(2) }));
    expect((await readDetections(file, 12, timestamps)).map((d) => d.mode)).toEqual(["hindsight", "hindsight", "live"]);
  });

  it("refuses rows that do not fit the bars, naming file, row, field, value and what was expected", async () => {
    const file = join(dir, "bad.csv");
    const rows = detectionsCsv(detections).split("\r\n");
    rows[1] = rows[1]!.replace(/^1,2,/, "1,x,");
    rows[2] = rows[2]!.replace(/^5,7,/, "5,40,");
    rows[3] = rows[3]!.replace("2024-01-02T03:00:00.000Z", "2024-01-09T03:00:00.000Z").replace(",live,", ",later,");
    writeFileSync(file, rows.join("\r\n"));
    await expect(readDetections(file, 12, timestamps)).rejects.toThrow(
      [
        `${file}: 4 problem(s) in the detections file:`,
        `  ${file} row 0 (line 2): field end_index = "x"; expected a bar index, an integer in [0, 11] (the bars have 12 rows)`,
        `  ${file} row 1 (line 3): field end_index = "40"; expected a bar index, an integer in [0, 11] (the bars have 12 rows)`,
        `  ${file} row 2 (line 4): field mode = "later"; expected hindsight or live`,
        `  ${file} row 2 (line 4): field start_time = "2024-01-09T03:00:00.000Z"; expected 2024-01-02T03:00:00.000Z, the timestamp of bar 6 — were these detections made on other bars?`,
      ].join("\n"),
    );
    const headerless = join(dir, "headerless.csv");
    writeFileSync(headerless, "a,b\n1,2\n");
    await expect(readDetections(headerless, 12, timestamps)).rejects.toThrow(`${headerless} line 1: no start_index column`);
  });
});

describe("probabilities CSV", () => {
  it("writes p and p_live per bar (empty where none) and reads them back", async () => {
    const text = probabilitiesCsv(timestamps.subarray(0, 3), [0.1234567, Number.NaN, 1], [Number.NaN, 0.5, 0.25]);
    expect(text).toBe(
      "bar_index,timestamp,p,p_live\r\n0,2024-01-02T00:00:00.000Z,0.123457,\r\n1,2024-01-02T00:30:00.000Z,,0.5\r\n2,2024-01-02T01:00:00.000Z,1,0.25\r\n",
    );
    const file = join(dir, "p.csv");
    writeFileSync(file, text);
    const read = await readProbabilities(file, 3);
    expect(Array.from(read.p)).toEqual([0.123457, Number.NaN, 1]);
    expect(Array.from(read.pLive!)).toEqual([Number.NaN, 0.5, 0.25]);
  });
});
