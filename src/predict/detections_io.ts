import { forEachLine, splitCsvLine } from "../data/csv.js";
import { DETECTION_CLASSES, type Detection, type DetectionClass, type DetectionMode } from "./merge.js";
import { readJsonFile } from "../util/read_file.js";

/** Every column of the detections CSV, in order, with its definition. */
export const DETECTION_COLUMNS = [
  ["start_index", "first bar of the detection: 0-based row of the bars file in time order (header not counted), inclusive"],
  ["end_index", "last bar, inclusive"],
  ["start_time", "timestamp of the first bar, ISO-8601 UTC"],
  ["end_time", "timestamp of the last bar, ISO-8601 UTC"],
  ["length", "bars in the detection: end_index − start_index + 1"],
  ["mode", "hindsight (every window covering a bar, including bars after it, combined) or live (only bars up to each bar: the window ending at it)"],
  ["decoder", "threshold (the combined probability above the threshold), a path decoder such as viterbi or single-span (their combined vote above ½)"],
  [
    "score",
    "the per-bar quantity thresholded: p = the head's probability combined over covering windows with Hann weights; vote = the weighted share of covering windows whose decoded path has the bar in a span; p_live = the head's probability at the last bar of the window ending at the bar",
  ],
  ["threshold", "the threshold applied to that score: every bar of the detection has score > threshold"],
  ["confidence", "mean of the score over the detection's bars (so ≥ threshold)"],
  ["peak", "max of the score over the detection's bars"],
  ["predicted_class", "consolidation or retracement: the larger of p_consolidation and p_retracement (consolidation on a tie)"],
  [
    "p_consolidation",
    "two-way softmax of the label logits, hindsight: averaged over the covering windows weighted by the weight each gives the detection's bars; live: the window ending at known_at_index",
  ],
  ["p_retracement", "1 − p_consolidation"],
  ["windows_covering", "windows containing at least one bar of the detection (live: one per bar)"],
  [
    "known_at_index",
    "the bar at whose close the detection is first known: live, its first bar + min_run_length − 1; hindsight, the last bar of the last window covering that bar",
  ],
  ["known_at_time", "timestamp of that bar, ISO-8601 UTC"],
  [
    "start_interval_lo_index",
    "hindsight: first bar of the 90% credible interval of the detection's start bar (equal-tailed, from the exact span posterior of its supporting window: the window containing the whole detection whose minimum-Bayes-risk span has the highest IoU with it; in JSON, start_interval_index [lo, hi]); empty when interval_unavailable says why",
  ],
  ["start_interval_hi_index", "last bar of that interval (inclusive; ≥ start_interval_lo_index)"],
  ["end_interval_lo_index", "first bar of the 90% credible interval of the detection's end bar, from the same window (in JSON, end_interval_index [lo, hi])"],
  ["end_interval_hi_index", "last bar of that interval (inclusive)"],
  [
    "start_interval_lo_time",
    "timestamp of start_interval_lo_index, ISO-8601 UTC (in JSON, start_interval_time [lo, hi]); empty when the bars have no timestamps",
  ],
  ["start_interval_hi_time", "timestamp of start_interval_hi_index, ISO-8601 UTC"],
  ["end_interval_lo_time", "timestamp of end_interval_lo_index, ISO-8601 UTC (in JSON, end_interval_time [lo, hi])"],
  ["end_interval_hi_time", "timestamp of end_interval_hi_index, ISO-8601 UTC"],
  ["interval_window_start", "first bar of the supporting window: the four intervals lie in [interval_window_start, interval_window_start + 104]"],
  [
    "interval_mbr_iou",
    "IoU of the supporting window's minimum-Bayes-risk span with the detection (1 = that window's best single span is exactly this detection)",
  ],
  [
    "interval_unavailable",
    "empty when the intervals are given; else why not: longer_than_window (the detection has more bars than a window), no_window_contains (no scanned window holds all of its bars: longer than the stride leaves room for), live (live detections carry no intervals)",
  ],
] as const;

export const DETECTION_CSV_HEADER: readonly string[] = DETECTION_COLUMNS.map(([name]) => name);

/** Every column of the per-bar probabilities CSV. */
export const PROBABILITY_COLUMNS = [
  ["bar_index", "0-based row of the bars file in time order"],
  ["timestamp", "the bar's timestamp, ISO-8601 UTC"],
  ["p", "hindsight: the head's per-bar probability combined over every window covering the bar (Hann weights); empty when no window covers it"],
  ["p_live", "live (with --live): the head's probability at the last bar of the window ending at this bar; empty for the first 104 bars of a segment"],
] as const;

/** One field, quoted when RFC 4180 requires it. */
function field(value: string | number | null): string {
  const text = value === null ? "" : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** The detections as CSV rows (header first, CRLF). */
export function detectionsCsv(detections: readonly Detection[]): string {
  const lines = [DETECTION_CSV_HEADER.join(",")];
  for (const d of detections) {
    lines.push(
      [
        d.start_index,
        d.end_index,
        d.start_time,
        d.end_time,
        d.length,
        d.mode,
        d.decoder,
        d.score,
        d.threshold,
        d.confidence,
        d.peak,
        d.predicted_class,
        d.class_probabilities.consolidation,
        d.class_probabilities.retracement,
        d.windows_covering,
        d.known_at_index,
        d.known_at_time,
        ...(d.start_interval_index ?? [null, null]),
        ...(d.end_interval_index ?? [null, null]),
        ...(d.start_interval_time ?? [null, null]),
        ...(d.end_interval_time ?? [null, null]),
        d.interval_window_start,
        d.interval_mbr_iou,
        d.interval_unavailable,
      ]
        .map(field)
        .join(","),
    );
  }
  return `${lines.join("\r\n")}\r\n`;
}

/** The per-bar probabilities as CSV: p rounded to 6 decimals, empty where there is none. */
export function probabilitiesCsv(timestamps: ArrayLike<number> | null, p: ArrayLike<number>, live: ArrayLike<number> | null): string {
  const header = live === null ? "bar_index,timestamp,p" : "bar_index,timestamp,p,p_live";
  const value = (x: number) => (Number.isFinite(x) ? String(Math.round(x * 1e6) / 1e6) : "");
  const lines: string[] = [header];
  for (let i = 0; i < p.length; i++) {
    const time = timestamps === null ? "" : new Date(timestamps[i]!).toISOString();
    lines.push(live === null ? `${i},${time},${value(p[i]!)}` : `${i},${time},${value(p[i]!)},${value(live[i]!)}`);
  }
  return `${lines.join("\r\n")}\r\n`;
}

/** The sidecar that defines a CSV's columns, with lines of context (what was scanned, how). */
export function columnsSidecar(title: string, columns: readonly (readonly [string, string])[], context: readonly string[]): string {
  return [
    `# ${title}`,
    "",
    ...context.map((line) => `- ${line}`),
    "",
    "| column | definition |",
    "| --- | --- |",
    ...columns.map(([name, definition]) => `| \`${name}\` | ${definition.replace(/\|/g, "\\|")} |`),
    "",
  ].join("\n");
}

/** The sidecar's path: `<file>.md`. */
export function sidecarPath(path: string): string {
  return `${path}.md`;
}

/** A detection as evaluate needs it: bars, mode and when it was known. */
export interface ReadDetection {
  start: number;
  end: number;
  mode: DetectionMode;
  knownAt: number | null;
  predictedClass: DetectionClass | null;
  /** Where it came from, for messages: "file row r (line l)". */
  where: string;
}

/** Problems reading a detections file, each naming file, row, field, value and what was expected. */
export class DetectionsFileError extends Error {
  constructor(
    readonly path: string,
    readonly problems: string[],
  ) {
    super(
      `${path}: ${problems.length} problem(s) in the detections file:\n  ${problems.slice(0, 20).join("\n  ")}${problems.length > 20 ? `\n  … and ${problems.length - 20} more` : ""}`,
    );
  }
}

/**
 * Reads predict's detections: its CSV (the columns above; `start_index` and `end_index` required, `mode`
 * defaulting to hindsight) or its JSON report (`detections` and `live_detections`). Checks each row
 * against the bars it will be scored on: indices inside [0, barCount), end ≥ start, and — when the file
 * has times and the bars have timestamps — `start_time`/`end_time` equal to those bars' timestamps.
 * Columns are found by name and the others are not read, so files written before a column was added (e.g.
 * the boundary intervals) read as before.
 */
export async function readDetections(path: string, barCount: number, timestamps: ArrayLike<number> | null): Promise<ReadDetection[]> {
  const problems: string[] = [];
  const out: ReadDetection[] = [];
  const check = (where: string, values: Record<string, unknown>) => {
    const index = (name: string, required: boolean): number | null => {
      const raw = values[name];
      if (raw === undefined || raw === null || raw === "") {
        if (required) problems.push(`${where}: field ${name} is missing; expected a bar index`);
        return null;
      }
      const n = typeof raw === "number" ? raw : /^\s*\d+\s*$/.test(String(raw)) ? Number(raw) : Number.NaN;
      if (!Number.isSafeInteger(n) || n < 0 || n >= barCount) {
        problems.push(
          `${where}: field ${name} = ${JSON.stringify(raw)}; expected a bar index, an integer in [0, ${barCount - 1}] (the bars have ${barCount} rows)`,
        );
        return null;
      }
      return n;
    };
    const start = index("start_index", true);
    const end = index("end_index", true);
    const knownAt = index("known_at_index", false);
    const rawMode = values.mode ?? "hindsight";
    const mode = rawMode === "" ? "hindsight" : rawMode;
    if (mode !== "hindsight" && mode !== "live") problems.push(`${where}: field mode = ${JSON.stringify(rawMode)}; expected hindsight or live`);
    const rawClass = values.predicted_class;
    const predictedClass = (DETECTION_CLASSES as readonly unknown[]).includes(rawClass) ? (rawClass as DetectionClass) : null;
    if (start === null || end === null) return;
    if (end < start) {
      problems.push(`${where}: field end_index = ${end} is before start_index = ${start}; expected end_index ≥ start_index`);
      return;
    }
    if (timestamps !== null) {
      for (const [name, bar] of [
        ["start_time", start],
        ["end_time", end],
      ] as const) {
        const raw = values[name];
        if (raw === undefined || raw === null || raw === "") continue;
        const expected = new Date(timestamps[bar]!).toISOString();
        if (Date.parse(String(raw)) !== timestamps[bar]) {
          problems.push(
            `${where}: field ${name} = ${JSON.stringify(raw)}; expected ${expected}, the timestamp of bar ${bar} — were these detections made on other bars?`,
          );
        }
      }
    }
    if (mode === "hindsight" || mode === "live") out.push({ start, end, mode, knownAt, predictedClass, where });
  };

  if (path.toLowerCase().endsWith(".json")) {
    let parsed: { detections?: unknown; live_detections?: unknown };
    try {
      parsed = readJsonFile(path, "detections file", "predict --bars --out F.json's report") as typeof parsed;
    } catch (error) {
      throw new DetectionsFileError(path, [(error as Error).message]);
    }
    for (const key of ["detections", "live_detections"] as const) {
      const list = parsed[key];
      if (list === undefined) continue;
      if (!Array.isArray(list)) {
        problems.push(`field ${key} is not an array; expected a list of detections`);
        continue;
      }
      list.forEach((entry, row) => {
        check(`${path} ${key}[${row}]`, (entry ?? {}) as Record<string, unknown>);
      });
    }
  } else {
    let header: string[] | null = null;
    await forEachLine(
      path,
      (text, line) => {
        if (header === null) {
          header = splitCsvLine(text.replace(/^\uFEFF/, ""), ",").fields.map((name) => name.trim());
          for (const required of ["start_index", "end_index"]) {
            if (!header.includes(required))
              problems.push(`${path} line 1: no ${required} column; expected the header of predict --bars --out F.csv (${DETECTION_CSV_HEADER.join(",")})`);
          }
          return;
        }
        if (text.trim() === "") return;
        const { fields, error } = splitCsvLine(text, ",");
        const where = `${path} row ${line - 2} (line ${line})`;
        if (error) {
          problems.push(`${where}: ${error}`);
          return;
        }
        if (fields.length !== header.length) {
          problems.push(`${where}: ${fields.length} fields; expected ${header.length}, one per header column`);
          return;
        }
        check(where, Object.fromEntries(header.map((name, k) => [name, fields[k]!])));
      },
      "detections file",
    );
    if (header === null) problems.push(`${path}: empty file; expected a header line`);
  }
  if (problems.length > 0) throw new DetectionsFileError(path, problems);
  return out;
}

/** Reads a per-bar probabilities CSV back (for `evaluate --html`): p and p_live per bar, NaN where empty. */
export async function readProbabilities(path: string, barCount: number): Promise<{ p: Float64Array; pLive: Float64Array | null }> {
  const p = new Float64Array(barCount).fill(Number.NaN);
  let pLive: Float64Array | null = null;
  const problems: string[] = [];
  let columns: { index: number; p: number; live: number } | null = null;
  await forEachLine(
    path,
    (text, line) => {
      if (columns === null) {
        const header = text.replace(/^\uFEFF/, "").split(",");
        columns = { index: header.indexOf("bar_index"), p: header.indexOf("p"), live: header.indexOf("p_live") };
        if (columns.index < 0 || columns.p < 0)
          problems.push(`${path} line 1: expected the header bar_index,timestamp,p[,p_live], got ${JSON.stringify(text)}`);
        if (columns.live >= 0) pLive = new Float64Array(barCount).fill(Number.NaN);
        return;
      }
      if (text === "" || problems.length > 20) return;
      const fields = text.split(",");
      const index = Number(fields[columns.index]);
      if (!Number.isInteger(index) || index < 0 || index >= barCount) {
        problems.push(
          `${path} row ${line - 2} (line ${line}): field bar_index = ${JSON.stringify(fields[columns.index])}; expected a bar index in [0, ${barCount - 1}]`,
        );
        return;
      }
      const value = (k: number, into: Float64Array) => {
        const raw = fields[k] ?? "";
        if (raw === "") return;
        const x = Number(raw);
        if (!(x >= 0 && x <= 1))
          problems.push(`${path} row ${line - 2} (line ${line}): value ${JSON.stringify(raw)}; expected a probability in [0, 1] or empty`);
        else into[index] = x;
      };
      value(columns.p, p);
      if (pLive !== null) value(columns.live, pLive);
    },
    "detections file",
  );
  if (problems.length > 0) throw new DetectionsFileError(path, problems);
  return { p, pLive };
}
