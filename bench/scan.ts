/**
 * Speed of `spanlab predict --bars` and `spanlab evaluate` (docs/spec.md §11), on seeded bars built in
 * memory (the cost does not depend on the weights, so the models are seeded, untrained):
 *  - hindsight scan of a year of 1-minute bars (400,000; default stride 35 → 11,427 windows), soft and CRF
 *    heads with their default decoders, on 2 worker threads, and the soft head on the calling thread;
 *  - the same from a CSV file: readBars, then the scan; each hindsight row's time includes the
 *    boundary-interval pass (the span posteriors of the windows containing a detection), shown beneath it;
 *  - live scan of 100,000 bars (one window per bar: 99,896 windows) on 2 worker threads;
 *  - evaluate on a year of bars with 10,000 annotated events: the model's detections (hindsight and
 *    live), the rule detector (its own scan of features) and 20 random placements per mode.
 * Bounds (the issue's): hindsight ≤ 6 s and live ≤ 60 s on 2 cores, evaluate ≤ 2 s.
 *
 * Run alone with `node bench-dist/bench/scan.js [--bars N] [--live-bars N] [--workers N] [--only hindsight,live,evaluate]`
 * (`npm run bench:scan` builds first), or through {@link runScanBench} from `npm run bench`.
 */
import { mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { AnnotatedEvent } from "../src/data/annotations.js";
import { readBars } from "../src/data/bars.js";
import { spanHead } from "../src/model/heads/registry.js";
import { JadeCompact } from "../src/model/jade_compact.js";
import { evaluateDetections } from "../src/predict/evaluate.js";
import { randomDetections } from "../src/predict/random_detector.js";
import { scanBars, type ScanBars } from "../src/predict/scan.js";
import { scanBarsParallel, scanLiveParallel } from "../src/predict/scan_parallel.js";
import { DEFAULT_STRIDE } from "../src/predict/scan_plan.js";
import type { SeededBars } from "../src/predict/seeded.js";
import { Rng } from "../src/util/rng.js";

/** A year of 1-minute bars, give or take (365 × 24 × 60 = 525,600 minutes; ~400,000 traded). */
export const YEAR_OF_MINUTE_BARS = 400_000;

export interface ScanBenchRow {
  what: string;
  windows: number;
  seconds: number;
  windowsPerSecond: number;
  detections: number;
  bound?: number;
  /** Hindsight scans: the boundary-interval pass within `seconds` (windows re-run for their span posterior). */
  intervals?: { windows: number; workers: number; seconds: number };
}

export interface ScanBenchOptions {
  bars?: number;
  liveBars?: number;
  workers?: number;
  only?: readonly ("hindsight" | "live" | "evaluate")[];
  print?: boolean;
}

/** A seeded random-walk series of `count` 1-minute bars from 2024-01-01T00:00Z. */
export function randomWalkBars(count: number, seed = 7): SeededBars {
  const rng = new Rng(seed);
  const open = new Float64Array(count);
  const high = new Float64Array(count);
  const low = new Float64Array(count);
  const close = new Float64Array(count);
  const timestamps = new Float64Array(count);
  const t0 = Date.UTC(2024, 0, 1);
  let price = 15000;
  for (let i = 0; i < count; i++) {
    // Volatility regimes, so that some stretches look like expansions.
    const sigma = 2 + 6 * Math.abs(Math.sin(i / 500));
    open[i] = price;
    price += rng.normal(0, sigma);
    close[i] = price;
    high[i] = Math.max(open[i]!, price) + rng.uniform(0, sigma / 2);
    low[i] = Math.min(open[i]!, price) - rng.uniform(0, sigma / 2);
    timestamps[i] = t0 + i * 60_000;
  }
  return { timestamps, open, high, low, close };
}

function model(loss: string): JadeCompact {
  const m = new JadeCompact({ head: spanHead(loss), maxBatch: 32 });
  m.initialise(new Rng(loss === "soft" ? 1 : 2));
  return m;
}

/** Writes `series` as a CSV, then times readBars + the parallel hindsight scan (soft) on it. */
async function scanFromCsv(series: ScanBars & { timestamps: Float64Array }, workers: number): Promise<ScanBenchRow> {
  const folder = mkdtempSync(join(tmpdir(), "spanlab-bench-scan-"));
  try {
    const file = join(folder, "bars.csv");
    const lines = ["timestamp,open,high,low,close"];
    for (let i = 0; i < series.close.length; i++) {
      lines.push(`${new Date(series.timestamps[i]!).toISOString()},${series.open[i]},${series.high[i]},${series.low[i]},${series.close[i]}`);
    }
    writeFileSync(file, `${lines.join("\n")}\n`);
    const started = performance.now();
    const bars = await readBars(file);
    const scan = await scanBarsParallel(model("soft"), bars, { workers });
    const seconds = (performance.now() - started) / 1000;
    return {
      what: `soft, from a CSV file (readBars + scan), ${workers} workers`,
      windows: scan.windows,
      seconds,
      windowsPerSecond: scan.windows / seconds,
      detections: scan.detections.length,
      intervals: scan.intervals,
    };
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

/** 10,000 annotated events of 2–20 bars at random over `bars`, and detections like them. */
function benchEvents(
  bars: ScanBars & { timestamps: Float64Array },
  count: number,
): { events: AnnotatedEvent[]; hindsight: { start: number; end: number }[]; live: { start: number; end: number; knownAt: number }[] } {
  const rng = new Rng(11);
  const n = bars.close.length;
  const lengths = Array.from({ length: count }, () => 2 + rng.int(19));
  const events = randomDetections(lengths, n, rng).map(({ start, end }, row) => ({
    eventId: `e${row}`,
    start: bars.timestamps[start]!,
    end: bars.timestamps[end]!,
    label: "consolidation" as const,
    row,
  }));
  const hindsight = randomDetections(lengths, n, rng);
  const live = randomDetections(lengths, n, rng).map((d) => ({ ...d, knownAt: d.start }));
  return { events, hindsight, live };
}

/** Runs the benches asked for; prints a table and returns the rows. */
export async function runScanBench(options: ScanBenchOptions = {}): Promise<ScanBenchRow[]> {
  const count = options.bars ?? YEAR_OF_MINUTE_BARS;
  const liveCount = options.liveBars ?? 100_000;
  const workers = options.workers ?? 2;
  const only = new Set(options.only ?? ["hindsight", "live", "evaluate"]);
  const series = randomWalkBars(count);
  const rows: ScanBenchRow[] = [];
  const add = (
    what: string,
    result: { windows: number; seconds: number; detections: unknown[]; intervals?: { windows: number; workers: number; seconds: number } },
    bound?: number,
  ) =>
    rows.push({
      what,
      windows: result.windows,
      seconds: result.seconds,
      windowsPerSecond: result.windows / result.seconds,
      detections: result.detections.length,
      ...(bound ? { bound } : {}),
      ...(result.intervals ? { intervals: result.intervals } : {}),
    });
  if (only.has("hindsight")) {
    for (const loss of ["soft", "crf"] as const) {
      const result = await scanBarsParallel(model(loss), series, { workers });
      add(`hindsight ${loss} / ${result.decoder}, ${result.workers} workers`, result, 6);
    }
    add("hindsight soft / threshold, calling thread", scanBars(model("soft"), series));
    rows.push(await scanFromCsv(series, workers));
  }
  if (only.has("live")) {
    const live =
      series.close.length >= liveCount
        ? {
            ...series,
            timestamps: series.timestamps.subarray(0, liveCount),
            open: series.open.subarray(0, liveCount),
            high: series.high.subarray(0, liveCount),
            low: series.low.subarray(0, liveCount),
            close: series.close.subarray(0, liveCount),
          }
        : randomWalkBars(liveCount);
    const result = await scanLiveParallel(model("soft"), live, { workers });
    add(`live soft, ${live.close.length.toLocaleString("en-US")} bars, ${result.workers} workers`, result, 60);
  }
  if (only.has("evaluate")) {
    const { events, hindsight, live } = benchEvents(series, 10_000);
    const started = performance.now();
    const report = evaluateDetections(series, 60_000, events, { hindsight, live });
    const seconds = (performance.now() - started) / 1000;
    rows.push({
      what: `evaluate, ${events.length.toLocaleString("en-US")} events, model ×2 + rule + 2×20 random`,
      windows: 0,
      seconds,
      windowsPerSecond: Number.NaN,
      detections: report.rows[0]!.scores.detections,
      bound: 2,
    });
  }
  if (options.print ?? true) console.log(formatScanBench(count, rows));
  return rows;
}

/** The bench table. */
export function formatScanBench(bars: number, rows: readonly ScanBenchRow[]): string {
  const lines = [
    "",
    `Scans and evaluation on ${bars.toLocaleString("en-US")} 1-minute bars (a year), stride ${DEFAULT_STRIDE}, batch 32 — spanlab predict --bars, spanlab evaluate`,
    `${"".padEnd(62)}${"windows".padStart(9)}${"windows/s".padStart(11)}${"seconds".padStart(9)}${"bound".padStart(8)}${"detections".padStart(12)}`,
  ];
  for (const row of rows) {
    lines.push(
      `${row.what.padEnd(62)}${(row.windows > 0 ? String(row.windows) : "").padStart(9)}${(Number.isFinite(row.windowsPerSecond) ? row.windowsPerSecond.toFixed(0) : "").padStart(11)}` +
        `${row.seconds.toFixed(2).padStart(9)}${(row.bound ? `≤ ${row.bound}` : "").padStart(8)}${String(row.detections).padStart(12)}`,
    );
    if (row.intervals) {
      lines.push(
        `  of which boundary intervals: span posteriors of ${row.intervals.windows} windows containing a detection on ${row.intervals.workers} thread(s), ${row.intervals.seconds.toFixed(2)} s`,
      );
    }
  }
  return lines.join("\n");
}

if (process.argv[1] && fileURLToPath(import.meta.url) === realpathSync(process.argv[1])) {
  const arg = (name: string) => {
    const k = process.argv.indexOf(name);
    return k >= 0 ? process.argv[k + 1] : undefined;
  };
  const number = (name: string) => (arg(name) === undefined ? undefined : Number(arg(name)));
  const only = arg("--only")?.split(",") as ScanBenchOptions["only"];
  await runScanBench({
    ...(number("--bars") !== undefined ? { bars: number("--bars")! } : {}),
    ...(number("--live-bars") !== undefined ? { liveBars: number("--live-bars")! } : {}),
    ...(number("--workers") !== undefined ? { workers: number("--workers")! } : {}),
    ...(only ? { only } : {}),
  });
}
