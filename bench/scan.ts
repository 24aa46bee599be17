/**
 * Throughput of `spanlab predict --bars`: a year of 1-minute bars (400,000 bars of a seeded random walk,
 * built in memory) scanned with the default stride (26 → 15,381 windows), soft and CRF heads (seeded,
 * untrained weights: the cost does not depend on the weights), each with its default decoder. Reports
 * windows per second and total seconds; the issue asks for well under a minute on 2 cores. A last row
 * runs what `spanlab predict --bars` does end to end: the same bars written to a CSV, read back with
 * readBars, then scanned (soft head).
 *
 * Run alone with `node dist/bench/scan.js [bars]`, or through {@link runScanBench}.
 */
import { mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readBars } from "../src/data/bars.js";
import { fileURLToPath } from "node:url";
import { JadeCompact } from "../src/model/jade_compact.js";
import { spanHead } from "../src/model/heads/registry.js";
import { DEFAULT_STRIDE, scanBars, type ScanBars } from "../src/predict/scan.js";
import { Rng } from "../src/util/rng.js";

/** A year of 1-minute bars, give or take (365 × 24 × 60 = 525,600 minutes; ~400,000 traded). */
export const YEAR_OF_MINUTE_BARS = 400_000;

export interface ScanBenchRow {
  loss: string;
  decoder: string;
  windows: number;
  seconds: number;
  windowsPerSecond: number;
  detections: number;
}

export interface ScanBenchResult {
  bars: number;
  stride: number;
  rows: ScanBenchRow[];
  /** The soft scan from a CSV file: reading it, scanning it, and both. */
  fromCsv: { readSeconds: number; scanSeconds: number; totalSeconds: number; windowsPerSecond: number };
}

/** A seeded random-walk series of `count` 1-minute bars from 2024-01-01T00:00Z. */
export function randomWalkBars(count: number, seed = 7): ScanBars {
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

/**
 * Scans `bars` (default 400,000) with both heads on the main thread (one core: measured at ~12 s per head
 * for 400,000 bars on a loaded 2-core machine, so the scan needs no worker threads). Prints a table and
 * returns the figures.
 */
export async function runScanBench(options: { bars?: number; print?: boolean } = {}): Promise<ScanBenchResult> {
  const count = options.bars ?? YEAR_OF_MINUTE_BARS;
  const series = randomWalkBars(count);
  const rows: ScanBenchRow[] = [];
  for (const loss of ["soft", "crf"] as const) {
    const model = new JadeCompact({ head: spanHead(loss), maxBatch: 32 });
    model.initialise(new Rng(loss === "soft" ? 1 : 2));
    const single = scanBars(model, series);
    rows.push({
      loss,
      decoder: single.decoder,
      windows: single.windows,
      seconds: single.seconds,
      windowsPerSecond: single.windowsPerSecond,
      detections: single.detections.length,
    });
  }
  const fromCsv = await scanFromCsv(series);
  const result = { bars: count, stride: DEFAULT_STRIDE, rows, fromCsv };
  if (options.print ?? true) console.log(formatScanBench(result));
  return result;
}

/** Writes `series` as a CSV, then times readBars + scanBars (soft) on it. */
async function scanFromCsv(series: ScanBars): Promise<ScanBenchResult["fromCsv"]> {
  const folder = mkdtempSync(join(tmpdir(), "spanlab-bench-scan-"));
  try {
    const file = join(folder, "bars.csv");
    const lines = ["timestamp,open,high,low,close"];
    for (let i = 0; i < series.close.length; i++) {
      lines.push(`${new Date(series.timestamps![i]!).toISOString()},${series.open[i]},${series.high[i]},${series.low[i]},${series.close[i]}`);
    }
    writeFileSync(file, `${lines.join("\n")}\n`);
    const model = new JadeCompact({ head: spanHead("soft"), maxBatch: 32 });
    model.initialise(new Rng(1));
    const started = performance.now();
    const bars = await readBars(file);
    const readSeconds = (performance.now() - started) / 1000;
    const scan = scanBars(model, bars);
    const totalSeconds = (performance.now() - started) / 1000;
    return { readSeconds, scanSeconds: scan.seconds, totalSeconds, windowsPerSecond: scan.windowsPerSecond };
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

/** The bench table. */
export function formatScanBench(result: ScanBenchResult): string {
  const lines = [
    "",
    `Scan of ${result.bars.toLocaleString("en-US")} 1-minute bars (a year), stride ${result.stride}, batch 32 — spanlab predict --bars`,
    `${"head / decoder".padEnd(22)}${"windows".padStart(10)}${"windows/s".padStart(11)}${"seconds".padStart(10)}${"detections".padStart(12)}`,
  ];
  for (const row of result.rows) {
    lines.push(
      `${`${row.loss} / ${row.decoder}`.padEnd(22)}${String(row.windows).padStart(10)}` +
        `${row.windowsPerSecond.toFixed(0).padStart(11)}${row.seconds.toFixed(2).padStart(10)}${String(row.detections).padStart(12)}`,
    );
  }
  const csv = result.fromCsv;
  lines.push(
    `${"soft, from a CSV file".padEnd(22)}${"".padStart(10)}${csv.windowsPerSecond.toFixed(0).padStart(11)}${csv.totalSeconds.toFixed(2).padStart(10)}` +
      `   (readBars ${csv.readSeconds.toFixed(2)} s + scan ${csv.scanSeconds.toFixed(2)} s)`,
  );
  const slowest = Math.max(csv.totalSeconds, ...result.rows.map((row) => row.seconds));
  lines.push(`(one thread; the issue's bound for a year of 1-minute bars is well under 60 s on 2 cores: slowest ${slowest.toFixed(1)} s)`);
  return lines.join("\n");
}

if (process.argv[1] && fileURLToPath(import.meta.url) === realpathSync(process.argv[1])) {
  const bars = process.argv[2] ? Number(process.argv[2]) : undefined;
  await runScanBench(bars !== undefined ? { bars } : {});
}
