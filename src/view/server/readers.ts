/**
 * Every file the app shows, read through the library's own reader (docs/spec.md §14: no second parser) —
 * `readBars`, `loadWindows`, `readAnnotations`, `readDetections` (with predict's own CSV writer giving
 * JSON reports the CSV's columns), `readComparisonModel`, `parseMetrics` — from a catalog entry whose real
 * path is checked against its root first, and kept in the parse cache while the file is unchanged.
 */
import { basename, dirname, isAbsolute, join } from "node:path";
import { realpathSync, statSync } from "node:fs";
import { type AnnotationSet, readAnnotations } from "../../data/annotations.js";
import { type BarSeries, readBars } from "../../data/bars.js";
import { forEachLine, splitCsvLine } from "../../data/csv.js";
import { loadWindows } from "../../data/load.js";
import { formatTimestamp } from "../../data/timestamps.js";
import type { Label, Window } from "../../data/window.js";
import { readComparisonModel } from "../../compare/read_comparison.js";
import type { ComparisonResult } from "../../compare/types.js";
import type { SweepResult } from "../../compare/sweep_types.js";
import { COMPARISON_FILE } from "../../compare/compare.js";
import { SWEEP_FILE } from "../../compare/sweep.js";
import { detectionsCsv, readDetections } from "../../predict/detections_io.js";
import type { Detection } from "../../predict/merge.js";
import type { PredictionReport, WindowPrediction } from "../../predict/predict.js";
import { type EpochRecord, parseMetrics } from "../../train/records.js";
import { RUN_FILES } from "../../train/train.js";
import { readJsonFile, readTextFile } from "../../util/read_file.js";
import { ParseCache } from "./cache.js";
import type { Catalog, CatalogEntry } from "./catalog.js";
import type { ItemKind } from "./classify.js";
import { HttpError, containedRealPath } from "./security.js";

/** An event as the routes give it: ISO-8601 UTC times. */
export interface ViewEvent {
  event_id: string;
  start: string;
  end: string;
  label: Label;
  /** Its row in the annotations file, or the first window of that event in a window file. */
  row: number;
}

/** The events of an annotations file, or of a window file (one per base window id, from its primary span's bar times). */
export interface EventsOf {
  source: "annotations" | "windows";
  events: ViewEvent[];
  /** naive: the file's times had no zone (read as UTC wall times, and written back without one). */
  convention: "naive" | "absolute";
  annotations?: AnnotationSet;
  windows?: Window[];
}

export interface DetectionRows {
  columns: string[];
  rows: Record<string, string | number | null>[];
}

/** Columns of the detections CSV that hold text; every other one is a number (or empty). */
const TEXT_COLUMNS = new Set(["start_time", "end_time", "mode", "decoder", "score", "predicted_class", "known_at_time", "interval_unavailable"]);

export class ViewReaders {
  readonly cache: ParseCache;

  constructor(
    readonly catalog: Catalog,
    cacheBytes?: number,
  ) {
    this.cache = new ParseCache(cacheBytes);
  }

  /** The entry of `id`, which must be one of `kinds` (400 naming what it is otherwise, 404 when unknown). */
  async entry(id: string, kinds: readonly ItemKind[], parameter = "id"): Promise<CatalogEntry> {
    if (!/^[0-9a-f]{16}$/.test(id))
      throw new HttpError(400, `parameter ${parameter} = ${JSON.stringify(id.slice(0, 100))}; expected an id from GET /api/catalog (16 hex digits)`);
    const entry = await this.catalog.find(id);
    if (entry === undefined) throw new HttpError(404, `no item with id ${id} in the catalog (GET /api/catalog lists them)`);
    if (!kinds.includes(entry.kind)) throw new HttpError(400, `${entry.path} (${parameter} ${id}) is ${entry.kind}; this route takes ${kinds.join(" or ")}`);
    return entry;
  }

  /** The real path of a file of `entry` (the entry itself, or `name` inside its folder), inside its root. */
  path(entry: CatalogEntry, name?: string): string {
    return containedRealPath(entry.root, name === undefined ? entry.absolute : join(entry.absolute, name));
  }

  private sizeOf(path: string): number {
    try {
      return statSync(path).size;
    } catch {
      return 0;
    }
  }

  bars(entry: CatalogEntry): Promise<BarSeries> {
    const path = this.path(entry);
    return this.cache.get(
      "bars",
      [path],
      () => readBars(path),
      (s) => s.timestamps.length * 8 * (s.volume === null ? 5 : 6),
    );
  }

  windows(entry: CatalogEntry): Promise<Window[]> {
    const path = this.path(entry);
    return this.cache.get(
      "windows",
      [path],
      () => loadWindows(path),
      () => 4 * this.sizeOf(path),
    );
  }

  /** predict --data's report, with its windows by id. */
  predictions(entry: CatalogEntry): Promise<{ report: PredictionReport; byWindow: Map<string, WindowPrediction> }> {
    const path = this.path(entry);
    return this.cache.get(
      "predictions",
      [path],
      async () => {
        const report = readJsonFile(path, "predictions file", "the JSON spanlab predict --data --out writes") as PredictionReport;
        if (!Array.isArray(report.windows)) throw new Error(`${path}: field windows is not an array; expected predict --data's per-window predictions`);
        return { report, byWindow: new Map(report.windows.map((w) => [w.window_id, w])) };
      },
      () => 3 * this.sizeOf(path),
    );
  }

  /** The events of an annotations file or a window file (see {@link EventsOf}). */
  async events(entry: CatalogEntry): Promise<EventsOf> {
    if (entry.kind === "windows") return eventsOfWindows(await this.windows(entry), entry.path);
    const path = this.path(entry);
    return this.cache.get(
      "annotations",
      [path],
      async () => {
        const annotations = await readAnnotations(path);
        const events = annotations.events.map((e) => ({
          event_id: e.eventId,
          start: formatTimestamp(e.start),
          end: formatTimestamp(e.end),
          label: e.label,
          row: e.row,
        }));
        return { source: "annotations" as const, events, convention: annotations.timestampConvention === "naive" ? "naive" : "absolute", annotations };
      },
      () => 4 * this.sizeOf(path),
    );
  }

  /** Rows of a detections CSV (or of predict's JSON report, in the CSV's columns), checked by `readDetections`. */
  detections(entry: CatalogEntry): Promise<DetectionRows> {
    const path = this.path(entry);
    return this.cache.get(
      "detections",
      [path],
      async () => {
        // The bars are not known here: indices are checked for order and form, not against a bar count.
        await readDetections(path, Number.MAX_SAFE_INTEGER, null);
        if (path.toLowerCase().endsWith(".json")) {
          const report = readJsonFile(path, "detections file", "predict --bars --out F.json's report") as {
            detections?: Detection[];
            live_detections?: Detection[] | null;
          };
          return csvRows(detectionsCsv([...(report.detections ?? []), ...(report.live_detections ?? [])].map(withIntervalFields)));
        }
        const lines: string[] = [];
        await forEachLine(path, (text) => lines.push(text), "detections file");
        return csvRows(lines.join("\n"));
      },
      () => 4 * this.sizeOf(path),
    );
  }

  run(entry: CatalogEntry): Promise<{ config: unknown; records: EpochRecord[] }> {
    const config = this.path(entry, RUN_FILES.config);
    const metrics = this.path(entry, RUN_FILES.metrics);
    return this.cache.get(
      "run",
      [config, metrics],
      async () => ({
        config: readJsonFile(config, "run configuration", "a run's config.json as spanlab writes it"),
        records: parseMetrics(readTextFile(metrics, "metrics log"), metrics),
      }),
      () => 3 * (this.sizeOf(config) + this.sizeOf(metrics)),
    );
  }

  comparison(entry: CatalogEntry): Promise<ComparisonResult> {
    const path = this.path(entry, COMPARISON_FILE);
    return this.cache.get(
      "comparison",
      [path],
      async () => readComparisonModel(path),
      () => 3 * this.sizeOf(path),
    );
  }

  sweep(entry: CatalogEntry): Promise<SweepResult> {
    const path = this.path(entry, SWEEP_FILE);
    return this.cache.get(
      "sweep",
      [path],
      async () => {
        const model = readJsonFile(path, "sweep model", "the sweep.json spanlab sweep writes") as SweepResult;
        if (!Array.isArray(model?.configurations))
          throw new Error(`${path}: field configurations is not an array; expected the sweep model spanlab sweep writes`);
        return model;
      },
      () => 3 * this.sizeOf(path),
    );
  }

  /**
   * The catalogued file of `kind` that `recorded` names (a path as predict wrote it: absolute, or relative
   * to where it ran — tried beside `entry`, in its root and in the working folder), or undefined.
   */
  relatedEntry(entry: CatalogEntry, recorded: string | undefined, kind: ItemKind): CatalogEntry | undefined {
    if (recorded === undefined) return undefined;
    const candidates = isAbsolute(recorded) ? [recorded] : [join(dirname(entry.absolute), recorded), join(entry.root, recorded), join(process.cwd(), recorded)];
    const real = new Set<string>();
    for (const candidate of candidates) {
      try {
        real.add(realpathSync(candidate));
      } catch {
        // not there
      }
    }
    const sameKind = this.catalog.entries().filter((other) => other.kind === kind);
    return sameKind.find((other) => real.has(other.absolute));
  }

  /** The predictions files beside a window file that were made on it (by recorded path, or by its file name). */
  predictionsBeside(windowsEntry: CatalogEntry): CatalogEntry[] {
    const folder = dirname(windowsEntry.absolute);
    return this.catalog
      .entries()
      .filter((other) => other.kind === "predictions" && dirname(other.absolute) === folder)
      .filter((other) => {
        const data = other.related?.data;
        if (data === undefined) return false;
        return basename(data) === basename(windowsEntry.absolute) || this.relatedEntry(other, data, "windows")?.id === windowsEntry.id;
      });
  }
}

/** Old JSON reports lack the boundary-interval fields; the CSV writer needs every field present. */
function withIntervalFields(detection: Detection): Detection {
  const defaults: Record<string, null> = {
    start_interval_index: null,
    end_interval_index: null,
    start_interval_time: null,
    end_interval_time: null,
    interval_window_start: null,
    interval_mbr_iou: null,
    interval_unavailable: null,
  };
  return { ...defaults, ...detection } as Detection;
}

/** The rows of detections CSV text as objects, numbers as numbers and empty cells as null. */
function csvRows(text: string): DetectionRows {
  const lines = text.split(/\r?\n/).filter((line) => line.trim() !== "");
  const columns = splitCsvLine((lines[0] ?? "").replace(/^\uFEFF/, ""), ",").fields.map((name) => name.trim());
  const rows = lines.slice(1).map((line) => {
    const fields = splitCsvLine(line, ",").fields;
    return Object.fromEntries(
      columns.map((name, k) => {
        const raw = fields[k] ?? "";
        if (raw === "") return [name, null];
        return [name, TEXT_COLUMNS.has(name) || !/^[+-]?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(raw) ? raw : Number(raw)];
      }),
    );
  });
  return { columns, rows };
}

/** A window file's events: one per base window id, its primary span's first and last bar times. */
function eventsOfWindows(windows: readonly Window[], where: string): EventsOf {
  const events: ViewEvent[] = [];
  const seen = new Set<string>();
  windows.forEach((w, row) => {
    if (seen.has(w.base_window_id)) return;
    if (w.timestamps === undefined) {
      throw new HttpError(
        400,
        `${where}: window ${w.window_id} has no timestamps, so its span has no times to write as an event (cut windows from bars with spanlab data windows)`,
      );
    }
    seen.add(w.base_window_id);
    const time = (bar: number) => formatTimestamp(Date.parse(w.timestamps![bar]!));
    events.push({ event_id: w.base_window_id, start: time(w.expansion_start), end: time(w.expansion_end), label: w.label, row });
  });
  return { source: "windows", events, convention: "absolute", windows: [...windows] };
}
