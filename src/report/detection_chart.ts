/**
 * The chart of every detection (docs/spec.md §11): one self-contained HTML page — no network — with the
 * candlesticks of the whole history, the annotated spans as shaded bands, the hindsight and live detections
 * as bands and one marker each (hindsight above the bar where it starts, live below the bar where it
 * became known), and the per-bar probability track in a pane below, with zoom (wheel, pinch), scroll
 * (drag) and previous/next-detection buttons.
 *
 * It uses TradingView's lightweight-charts: its standalone production build is read from the installed
 * package at run time and inlined into the page. Bars travel compactly — each column one base64 typed
 * array (timestamps as float64 seconds, prices and probabilities as float32) — and become the chart's
 * per-bar objects in the browser, so a year of 1-minute bars makes a page of about 12 MB that the chart
 * renders only where it is looked at.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { DetectionClass } from "../predict/merge.js";
import { DETECTION_CHART_SCRIPT } from "./detection_chart_script.js";

/** One span on the chart: inclusive bar indices and the bar whose close made it known. */
export interface ChartSpan {
  start: number;
  end: number;
  knownAt?: number;
  label?: DetectionClass | string | null;
}

export interface DetectionChartInput {
  title: string;
  /** Lines under the title: the bars file, the checkpoint, the decoding. */
  subtitle: string[];
  timestamps: ArrayLike<number>;
  open: ArrayLike<number>;
  high: ArrayLike<number>;
  low: ArrayLike<number>;
  close: ArrayLike<number>;
  events: readonly ChartSpan[];
  hindsight: readonly ChartSpan[];
  live: readonly ChartSpan[];
  /** Per-bar hindsight probability and live probability (NaN where none), or null. */
  probability: ArrayLike<number> | null;
  liveProbability: ArrayLike<number> | null;
  /** Threshold lines on the probability pane. */
  threshold: number | null;
  liveThreshold: number | null;
  /** The evaluation table as printed, or null. */
  evaluation: string | null;
  /** Notes printed under the chart (warnings, decoder counts). */
  notes: string[];
}

/** The standalone build of lightweight-charts from the installed package. */
export function lightweightChartsSource(): string {
  const manifest = createRequire(import.meta.url).resolve("lightweight-charts/package.json");
  const file = join(dirname(manifest), "dist", "lightweight-charts.standalone.production.js");
  try {
    return readFileSync(file, "utf8");
  } catch (error) {
    throw new Error(`cannot read lightweight-charts' standalone build ${file} (${(error as Error).message}); is the package installed (npm ci)?`);
  }
}

function base64(values: Float64Array | Float32Array): string {
  return Buffer.from(values.buffer, values.byteOffset, values.byteLength).toString("base64");
}

/**
 * Decimal places that show the bars' prices: the fewest that write a sample of them exactly, at most what
 * float32 (the page's price format) holds for their magnitude, and at most 8.
 */
export function pricePrecision(columns: readonly ArrayLike<number>[]): number {
  let decimals = 0;
  let largest = 0;
  for (const column of columns) {
    const step = Math.max(1, Math.floor(column.length / 2000));
    for (let i = 0; i < column.length; i += step) {
      const x = column[i]!;
      largest = Math.max(largest, Math.abs(x));
      const exact = (d: number) => Math.abs(x * 10 ** d - Math.round(x * 10 ** d)) < 1e-7 * Math.max(1, Math.abs(x * 10 ** d));
      while (decimals < 8 && !exact(decimals)) decimals++;
    }
  }
  const significant = largest > 0 ? Math.max(2, 7 - Math.floor(Math.log10(largest))) : 8;
  return Math.min(decimals, significant, 8);
}

const escapeHtml = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/** Spans as [start, end, knownAt, label] rows (compact JSON). */
function spanRows(spans: readonly ChartSpan[]): (number | string | null)[][] {
  return spans.map((span) => [span.start, span.end, span.knownAt ?? span.start, span.label ?? null]);
}

/** The page (see the module comment). */
export function detectionChartHtml(input: DetectionChartInput): string {
  const n = input.timestamps.length;
  for (const [name, column] of [
    ["open", input.open],
    ["high", input.high],
    ["low", input.low],
    ["close", input.close],
  ] as const) {
    if (column.length !== n) throw new Error(`chart: ${name} has ${column.length} values for ${n} timestamps`);
  }
  const seconds = new Float64Array(n);
  for (let i = 0; i < n; i++) seconds[i] = Math.floor(input.timestamps[i]! / 1000);
  for (let i = 1; i < n; i++) {
    if (!(seconds[i]! > seconds[i - 1]!)) throw new Error(`chart: bars ${i - 1} and ${i} fall in the same second; the chart needs one bar per second at most`);
  }
  const f32 = (column: ArrayLike<number>) => base64(Float32Array.from(column as ArrayLike<number>));
  const data = {
    n,
    t: base64(seconds),
    o: f32(input.open),
    h: f32(input.high),
    l: f32(input.low),
    c: f32(input.close),
    p: input.probability === null ? null : f32(input.probability),
    pLive: input.liveProbability === null ? null : f32(input.liveProbability),
    threshold: input.threshold,
    liveThreshold: input.liveThreshold,
    precision: pricePrecision([input.open, input.high, input.low, input.close]),
    events: spanRows(input.events),
    hindsight: spanRows(input.hindsight),
    live: spanRows(input.live),
  };
  // JSON inside <script>: "<" escaped so no "</script>" can end the block early.
  const json = JSON.stringify(data).replace(/</g, "\\u003c");
  const library = lightweightChartsSource();
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(input.title)}</title>
<style>
  body { font: 14px/1.4 system-ui, sans-serif; margin: 0; color: #1d2733; background: #fff; }
  header { padding: 10px 16px 4px; }
  h1 { font-size: 18px; margin: 0 0 4px; }
  .sub { color: #55606c; font-size: 12px; }
  .bar { display: flex; gap: 8px; align-items: center; padding: 6px 16px; flex-wrap: wrap; font-size: 13px; }
  button, select { font: inherit; padding: 2px 8px; }
  .key { display: inline-block; width: 14px; height: 10px; vertical-align: middle; margin: 0 3px 0 10px; }
  #chart { height: 72vh; min-height: 420px; margin: 0 8px; position: relative; }
  pre { font-size: 12px; background: #f6f8fa; padding: 10px 16px; margin: 8px 16px; overflow-x: auto; }
  .notes { color: #7a4b00; font-size: 12px; padding: 0 16px; }
</style>
</head>
<body>
<header>
  <h1>${escapeHtml(input.title)}</h1>
  ${input.subtitle.map((line) => `<div class="sub">${escapeHtml(line)}</div>`).join("\n  ")}
</header>
<div class="bar">
  <button id="prev" title="previous detection (p)">◀ previous</button>
  <select id="which"><option value="hindsight">hindsight detections</option><option value="live">live detections</option><option value="events">annotated events</option></select>
  <button id="next" title="next detection (n)">next ▶</button>
  <button id="fit" title="zoom out as far as stays smooth: the whole history when it fits, else ~5,000 bars (f)">zoom out</button>
  <span id="where"></span>
  <span><span class="key" style="background:rgba(255,193,7,.35)"></span>annotated
  <span class="key" style="background:#1f6feb"></span>hindsight ▼
  <span class="key" style="background:#8250df"></span>live ▲ (at known_at)
  <span class="key" style="background:#1f6feb;height:2px"></span>p
  <span class="key" style="background:#8250df;height:2px"></span>p_live</span>
</div>
<div id="chart"></div>
${input.notes.length > 0 ? `<div class="notes">${input.notes.map((note) => `<div>${escapeHtml(note)}</div>`).join("")}</div>` : ""}
${input.evaluation === null ? "" : `<pre>${escapeHtml(input.evaluation)}</pre>`}
<script>${library}</script>
<script type="application/json" id="spanlab-data">${json}</script>
<script>${DETECTION_CHART_SCRIPT}</script>
</body>
</html>
`;
}
