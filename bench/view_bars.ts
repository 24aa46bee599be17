/**
 * Load time of a year of 1-minute bars in `spanlab view` (docs/spec.md §14): writes 525,600 rows of CSV
 * (a seeded random walk, ISO timestamps, volume) to a temporary folder, starts the view server over it and
 * times `GET /api/bars` for the whole file — cold (the first request parses the CSV with readBars) and warm
 * (the parse cached; only the SPBL encoding and the transfer) — with the response's size and the client's
 * decode. Beside them, where the cold request's time goes: readBars and the encoding timed on their own.
 * Run with `npx tsc -p tsconfig.bench.json && node bench-dist/bench/view_bars.js [rows]`.
 */
import { once } from "node:events";
import { createWriteStream, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readBars } from "../src/data/bars.js";
import { Rng } from "../src/util/rng.js";
import { encodeBars, decodeBars } from "../src/view/shared/bars_binary.js";
import { startViewServer } from "../src/view/server/server.js";

const START = Date.UTC(2023, 0, 2);

/** `rows` 1-minute bars from a seeded random walk, streamed to `path`. */
export async function writeYear(path: string, rows: number, rng: Rng): Promise<void> {
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
    buffer += `${new Date(START + i * 60_000).toISOString()},${open.toFixed(2)},${high.toFixed(2)},${low.toFixed(2)},${close.toFixed(2)},${Math.floor(rng.next() * 1000)}\n`;
    if (buffer.length > 1 << 20) {
      if (!out.write(buffer)) await once(out, "drain");
      buffer = "";
    }
  }
  out.end(buffer);
  await once(out, "finish");
}

async function timed<T>(work: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const started = performance.now();
  const value = await work();
  return { ms: performance.now() - started, value };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1]!;

export async function runViewBarsBench(rows = 525_600): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "spanlab-bench-view-"));
  try {
    const file = join(dir, "year_1m.csv");
    await writeYear(file, rows, new Rng(2024));
    const csvMb = statSync(file).size / 1e6;
    const server = await startViewServer({ roots: [dir], port: 0, assets: join(dir, "no-client") });
    try {
      const catalog = await timed(async () => (await (await fetch(`${server.url}api/catalog`)).json()) as { items: { id: string; path: string }[] });
      const id = catalog.value.items.find((item) => item.path === "year_1m.csv")!.id;
      const request = async () => {
        const response = await fetch(`${server.url}api/bars?id=${id}`);
        if (response.status !== 200) throw new Error(`GET /api/bars: ${response.status} ${await response.text()}`);
        return await response.arrayBuffer();
      };
      const cold = await timed(request);
      const warm: number[] = [];
      for (let k = 0; k < 5; k++) warm.push((await timed(request)).ms);
      const decoded = await timed(async () => decodeBars(cold.value));
      if (decoded.value.count !== rows) throw new Error(`decoded ${decoded.value.count} bars, expected ${rows}`);
      // Where the cold request's time goes, each part on its own (JIT warm by now, so a little faster than in the request).
      const parse = await timed(() => readBars(file));
      const encode: number[] = [];
      for (let k = 0; k < 5; k++) encode.push((await timed(async () => encodeBars(parse.value, 0, rows))).ms);
      const mb = cold.value.byteLength / 1e6;
      const line = (label: string, ms: number, extra = "") => console.log(`  ${label.padEnd(40)} ${ms.toFixed(0).padStart(7)} ms${extra}`);
      console.log(`spanlab view: GET /api/bars of ${rows.toLocaleString("en")} 1-minute bars (CSV ${csvMb.toFixed(1)} MB → SPBL ${mb.toFixed(1)} MB)`);
      line("catalog walk (first GET /api/catalog)", catalog.ms);
      line("cold request (parse + encode + transfer)", cold.ms, `  (${(mb / (cold.ms / 1000)).toFixed(0)} MB/s)`);
      line("warm request, median of 5 (cached parse)", median(warm), `  (${(mb / (median(warm) / 1000)).toFixed(0)} MB/s)`);
      line("  readBars alone (second parse)", parse.ms, `  (${((rows / parse.ms) * 1000).toFixed(0)} rows/s)`);
      line("  encodeBars alone, median of 5", median(encode));
      line("client decodeBars", decoded.ms);
      if (cold.ms > 1500) console.log(`  the cold request took over 1.5 s: readBars' parse is ${((100 * parse.ms) / cold.ms).toFixed(0)}% of it`);
    } finally {
      await server.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const rows = process.argv[2] === undefined ? undefined : Number(process.argv[2]);
  await runViewBarsBench(rows);
}
