/**
 * Benchmark of `readBars` on a year of 1-minute bars (400,000 rows, ~25 MB CSV): seconds, rows per second
 * and peak RSS growth while reading; beside it the same file parsed with csv-parse's streaming API into
 * the same typed arrays, which is why readBars uses a hand-rolled line splitter. Also a Parquet copy, and
 * the same bars as naive America/Chicago wall times read with `--timezone America/Chicago` (DST-correct,
 * across the 2023-03-12 change, whose skipped hour the wall times never show).
 * Each reader runs in a fresh Node process so the RSS figures do not hide each other. Run alone with
 * `node dist/bench/bars.js [rows]` after `npm run build`.
 */
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { once } from "node:events";
import { spawnSync } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { realpathSync } from "node:fs";
import { parse } from "csv-parse";
import { parquetWriteBuffer } from "hyparquet-writer";
import { readBars } from "../src/data/bars.js";
import { formatWallTime, timeZone } from "../src/data/timezone.js";
import { Rng } from "../src/util/rng.js";

export interface BarsBenchFigures {
  seconds: number;
  rowsPerSecond: number;
  /** Peak RSS during the read minus RSS before it, MB. */
  peakRssDeltaMb: number;
}

export interface BarsBenchResult {
  rows: number;
  csvMb: number;
  readBars: BarsBenchFigures;
  csvParse: BarsBenchFigures;
  parquet: BarsBenchFigures;
  /** The same bars as naive America/Chicago times, read with --timezone America/Chicago. */
  timezone: BarsBenchFigures;
}

const BENCH_ZONE = "America/Chicago";

const START = Date.UTC(2023, 0, 2);

/**
 * Write `rows` 1-minute bars (random walk, ISO timestamps with Z, volume) as CSV, streamed; with `zone`,
 * the timestamps are that zone's naive wall times ("2023-01-01 18:00:00") of the same instants.
 */
async function writeCsv(path: string, rows: number, rng: Rng, zone?: string): Promise<void> {
  const local = zone === undefined ? undefined : timeZone(zone);
  const out = createWriteStream(path);
  out.write("timestamp,open,high,low,close,volume\n");
  let price = 15000;
  let buffer = "";
  for (let i = 0; i < rows; i++) {
    const open = price;
    const close = Math.max(1, open + (rng.next() - 0.5) * 10);
    const high = Math.max(open, close) + rng.next() * 3;
    const low = Math.max(0.5, Math.min(open, close) - rng.next() * 3);
    price = close;
    const t = START + i * 60_000;
    buffer += `${local === undefined ? new Date(t).toISOString() : formatWallTime(local.toLocal(t))},${open.toFixed(2)},${high.toFixed(2)},${low.toFixed(2)},${close.toFixed(2)},${Math.floor(rng.next() * 1000)}\n`;
    if (buffer.length > 1 << 20) {
      if (!out.write(buffer)) await once(out, "drain");
      buffer = "";
    }
  }
  out.end(buffer);
  await once(out, "finish");
}

/** Time `work` and sample RSS every 2 ms (and at the end) for its peak. */
async function measure(rows: number, work: () => Promise<unknown>): Promise<BarsBenchFigures> {
  (globalThis as { gc?: () => void }).gc?.();
  const before = process.memoryUsage.rss();
  let peak = before;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 2);
  const started = performance.now();
  await work();
  const seconds = (performance.now() - started) / 1000;
  clearInterval(timer);
  peak = Math.max(peak, process.memoryUsage.rss());
  return { seconds, rowsPerSecond: rows / seconds, peakRssDeltaMb: (peak - before) / 2 ** 20 };
}

/** The alternative considered: csv-parse's stream into growable typed arrays (timestamps via Date.parse). */
async function readWithCsvParse(path: string): Promise<number> {
  let capacity = 1024;
  let columns = Array.from({ length: 6 }, () => new Float64Array(capacity));
  let n = 0;
  const parser = createReadStream(path).pipe(parse({ from_line: 2 }));
  for await (const record of parser as AsyncIterable<string[]>) {
    if (n === capacity) {
      capacity *= 2;
      columns = columns.map((c) => {
        const bigger = new Float64Array(capacity);
        bigger.set(c);
        return bigger;
      });
    }
    columns[0]![n] = Date.parse(record[0]!);
    for (let k = 1; k < 6; k++) columns[k]![n] = Number(record[k]);
    n++;
  }
  return n;
}

type Reader = "readBars" | "csv-parse" | "readBars-timezone";

/** Read `path` with `reader` and check the row count, in this process. */
async function measureHere(reader: Reader, path: string, rows: number): Promise<BarsBenchFigures> {
  let read = 0;
  const figures = await measure(rows, async () => {
    if (reader === "csv-parse") read = await readWithCsvParse(path);
    else {
      const series = await readBars(path, reader === "readBars-timezone" ? { timezone: BENCH_ZONE } : {});
      read = series.timestamps.length;
      // The naive wall times must come back as the instants they were written from.
      if (series.timestamps[read - 1] !== START + (rows - 1) * 60_000)
        throw new Error(`${reader}: last timestamp ${series.timestamps[read - 1]} is not the written instant`);
    }
  });
  if (read !== rows) throw new Error(`${reader} read ${read} of ${rows} rows from ${path}`);
  return figures;
}

/**
 * Measure in a fresh Node process (compiled bench only), so one reader's heap growth does not hide the
 * next one's peak RSS; in-process otherwise.
 */
async function measureIsolated(reader: Reader, path: string, rows: number): Promise<BarsBenchFigures> {
  const self = fileURLToPath(import.meta.url);
  if (!self.endsWith(".js")) return measureHere(reader, path, rows);
  const child = spawnSync(process.execPath, ["--expose-gc", self, "--measure", reader, path, String(rows)], { encoding: "utf8" });
  if (child.status !== 0) throw new Error(`bench child failed: ${child.stderr}`);
  return JSON.parse(child.stdout.trim().split("\n").at(-1)!) as BarsBenchFigures;
}

function line(label: string, f: BarsBenchFigures): string {
  return `${label.padEnd(44)} ${f.seconds.toFixed(2).padStart(6)} s  ${Math.round(f.rowsPerSecond).toLocaleString("en-US").padStart(11)} rows/s  peak RSS +${f.peakRssDeltaMb.toFixed(0)} MB`;
}

export async function runBarsBench(rows = 400_000, print = true): Promise<BarsBenchResult> {
  const dir = mkdtempSync(join(tmpdir(), "spanlab-bars-bench-"));
  try {
    const csv = join(dir, "bars.csv");
    await writeCsv(csv, rows, new Rng(1));
    const csvMb = statSync(csv).size / 2 ** 20;

    // The same bars as Parquet (TIMESTAMP(MILLIS) column, row groups of 100k).
    const series = await readBars(csv);
    const parquet = join(dir, "bars.parquet");
    writeFileSync(
      parquet,
      new Uint8Array(
        parquetWriteBuffer({
          columnData: [
            { name: "timestamp", data: Array.from(series.timestamps, (t) => new Date(t)), type: "TIMESTAMP" },
            { name: "open", data: series.open, type: "DOUBLE" },
            { name: "high", data: series.high, type: "DOUBLE" },
            { name: "low", data: series.low, type: "DOUBLE" },
            { name: "close", data: series.close, type: "DOUBLE" },
          ],
          rowGroupSize: 100_000,
        }),
      ),
    );

    const naive = join(dir, "bars-chicago.csv");
    await writeCsv(naive, rows, new Rng(1), BENCH_ZONE);

    const ours = await measureIsolated("readBars", csv, rows);
    const alternative = await measureIsolated("csv-parse", csv, rows);
    const parquetFigures = await measureIsolated("readBars", parquet, rows);
    const zoned = await measureIsolated("readBars-timezone", naive, rows);
    const result = { rows, csvMb, readBars: ours, csvParse: alternative, parquet: parquetFigures, timezone: zoned };
    if (print) {
      console.log(
        [
          "",
          `Reading bars: ${rows.toLocaleString("en-US")} 1-minute bars, CSV ${csvMb.toFixed(1)} MB (typed arrays hold ${((rows * 6 * 8) / 2 ** 20).toFixed(0)} MB)`,
          line("readBars (CSV, line splitter)", ours),
          line("csv-parse stream (alternative)", alternative),
          line("readBars (Parquet)", parquetFigures),
          line(`readBars (CSV, --timezone ${BENCH_ZONE})`, zoned),
        ].join("\n"),
      );
    }
    return result;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === realpathSync(process.argv[1])) {
  if (process.argv[2] === "--measure") {
    const figures = await measureHere(process.argv[3] as Reader, process.argv[4]!, Number(process.argv[5]));
    console.log(JSON.stringify(figures));
  } else {
    await runBarsBench(process.argv[2] ? Number(process.argv[2]) : 400_000);
  }
}
