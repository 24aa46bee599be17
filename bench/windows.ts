/**
 * Benchmark of `spanlab data windows` (docs/spec.md §10) at the size: 400,000 one-minute bars (a
 * year) and 10,000 annotated events, cut with the defaults (3 windows per event at seeded random offsets:
 * 30,000 windows, each with its bar times and every annotated span it holds), written as JSONL and as
 * Parquet. Each run is the whole command — reading both files, checking, cutting, validating, encoding,
 * writing — in a fresh Node process, which reports its wall time and its peak RSS (the whole process,
 * Node itself included). The bound: ≤ 5 s and ≤ 300 MB on one core.
 *
 * Run alone with `npm run build:bench && node bench-dist/bench/windows.js [bars] [events]`.
 */
import { createWriteStream, mkdtempSync, realpathSync, rmSync, statSync } from "node:fs";
import { once } from "node:events";
import { spawnSync } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { buildProgram } from "../src/cli/main.js";
import { Rng } from "../src/util/rng.js";

const START = Date.UTC(2023, 0, 2);
const MINUTE = 60_000;

export interface WindowsBenchFigures {
  /** Seconds the command took inside its process (from parsing the arguments to the file in place). */
  seconds: number;
  /** Seconds of the whole process, Node's start-up included. */
  processSeconds: number;
  /** Peak resident set size of the process, MB. */
  peakRssMb: number;
  outputMb: number;
}

export interface WindowsBenchResult {
  bars: number;
  events: number;
  windows: number;
  jsonl: WindowsBenchFigures;
  parquet: WindowsBenchFigures;
}

const iso = (t: number): string => new Date(t).toISOString().replace(".000Z", "Z");

/** `rows` 1-minute bars (random walk, 2-decimal prices, volume), streamed to a CSV file. */
async function writeBars(path: string, rows: number, rng: Rng): Promise<void> {
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
    buffer += `${iso(START + i * MINUTE)},${open.toFixed(2)},${high.toFixed(2)},${low.toFixed(2)},${close.toFixed(2)},${Math.floor(rng.next() * 1000)}\n`;
    if (buffer.length > 1 << 20) {
      if (!out.write(buffer)) await once(out, "drain");
      buffer = "";
    }
  }
  out.end(buffer);
  await once(out, "finish");
}

/** `count` events spread evenly over the bars, spans of 1–40 bars (log-normal, median ≈ 5, as the bundled data). */
async function writeEvents(path: string, rows: number, count: number, rng: Rng): Promise<void> {
  const lines = ["event_id,start,end,label"];
  const spacing = Math.floor((rows - 400) / count);
  for (let k = 0; k < count; k++) {
    const length = Math.min(40, Math.max(1, Math.round(5.3 * Math.exp(0.85 * rng.normal()))));
    const first = 200 + k * spacing + rng.int(Math.max(1, spacing - 40));
    lines.push(`ev-${k + 1},${iso(START + first * MINUTE)},${iso(START + (first + length - 1) * MINUTE)},${k % 3 === 0 ? "retracement" : "consolidation"}`);
  }
  const out = createWriteStream(path);
  out.end(`${lines.join("\n")}\n`);
  await once(out, "finish");
}

/** Run the command in this process (the child): its time and the process's peak RSS. */
async function measureHere(barsPath: string, eventsPath: string, out: string): Promise<Omit<WindowsBenchFigures, "processSeconds">> {
  const started = performance.now();
  const writes = process.stdout.write.bind(process.stdout);
  let report = "";
  // The command's report is kept, not printed: the parent reads one JSON line.
  process.stdout.write = ((chunk: string | Uint8Array) => {
    report += typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8");
    return true;
  }) as typeof process.stdout.write;
  try {
    await buildProgram().parseAsync(["data", "windows", "--bars", barsPath, "--annotations", eventsPath, "--out", out], { from: "user" });
  } finally {
    process.stdout.write = writes;
  }
  if (!/wrote \d+ windows/.test(report)) throw new Error(`data windows wrote nothing:\n${report}`);
  const seconds = (performance.now() - started) / 1000;
  return { seconds, peakRssMb: process.resourceUsage().maxRSS / 1024, outputMb: statSync(out).size / 2 ** 20 };
}

/** One run in a fresh Node process, so every run's peak RSS is its own. */
function measureIsolated(barsPath: string, eventsPath: string, out: string): WindowsBenchFigures {
  const self = fileURLToPath(import.meta.url);
  const started = performance.now();
  const child = spawnSync(process.execPath, [self, "--measure", barsPath, eventsPath, out], { encoding: "utf8" });
  const processSeconds = (performance.now() - started) / 1000;
  if (child.status !== 0) throw new Error(`bench child failed: ${child.stderr}`);
  return { ...(JSON.parse(child.stdout.trim().split("\n").at(-1)!) as Omit<WindowsBenchFigures, "processSeconds">), processSeconds };
}

function line(label: string, f: WindowsBenchFigures): string {
  const verdict = f.seconds <= 5 && f.peakRssMb <= 300 ? "within" : "OVER";
  return (
    `${label.padEnd(22)} ${f.seconds.toFixed(2).padStart(6)} s (process ${f.processSeconds.toFixed(2)} s)  peak RSS ${f.peakRssMb.toFixed(0).padStart(4)} MB  ` +
    `output ${f.outputMb.toFixed(0).padStart(4)} MB  ${verdict} the bound`
  );
}

export async function runWindowsBench(bars = 400_000, events = 10_000, print = true): Promise<WindowsBenchResult> {
  const dir = mkdtempSync(join(tmpdir(), "spanlab-windows-bench-"));
  try {
    const barsPath = join(dir, "bars.csv");
    const eventsPath = join(dir, "events.csv");
    const rng = new Rng(1);
    await writeBars(barsPath, bars, rng.fork());
    await writeEvents(eventsPath, bars, events, rng.fork());
    const jsonl = measureIsolated(barsPath, eventsPath, join(dir, "windows.jsonl"));
    const parquet = measureIsolated(barsPath, eventsPath, join(dir, "windows.parquet"));
    const result = { bars, events, windows: 3 * events, jsonl, parquet };
    if (print) {
      console.log(
        [
          "",
          `spanlab data windows: ${bars.toLocaleString("en-US")} 1-minute bars, ${events.toLocaleString("en-US")} events → ${(3 * events).toLocaleString("en-US")} windows ` +
            "(3 per event, bar times and spans); one core; bound ≤ 5 s and ≤ 300 MB",
          line("--out windows.jsonl", jsonl),
          line("--out windows.parquet", parquet),
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
    console.log(JSON.stringify(await measureHere(process.argv[3]!, process.argv[4]!, process.argv[5]!)));
  } else {
    await runWindowsBench(process.argv[2] ? Number(process.argv[2]) : 400_000, process.argv[3] ? Number(process.argv[3]) : 10_000);
  }
}
