/**
 * The Bars page of `spanlab view` in Chromium on a year of 1-minute bars (525,600, written as
 * bench/view_bars.ts writes them: seeded random walk): time from navigation to candles drawn
 * (`window.__viewTimings.barsLoadedMs`) with the server cold (first request parses the CSV) and warm (parse
 * cached), then a zoom-in to full resolution and a pan, each timed to the second animation frame after it.
 * Needs /usr/bin/chromium and `npm run build` (the pages); run with
 * `npx tsc -p tsconfig.bench.json && node bench-dist/bench/view_browser.js [rows]`.
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type Page } from "playwright-core";
import { Rng } from "../src/util/rng.js";
import { startViewServer } from "../src/view/server/server.js";
import { writeYear } from "./view_bars.js";

const CHROMIUM = "/usr/bin/chromium";
const ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"];

/** Resolves in the page after two animation frames (one to lay out, one to draw). */
const twoFrames = (page: Page) =>
  page.evaluate(() => {
    // This file compiles without the DOM lib: the page's requestAnimationFrame, typed here.
    const raf = (globalThis as unknown as { requestAnimationFrame: (f: () => void) => void }).requestAnimationFrame;
    return new Promise<void>((r) => raf(() => raf(() => r())));
  });

interface Timings {
  barsLoadedMs: number;
  barsFetchMs: number;
}

async function load(page: Page, url: string): Promise<Timings> {
  await page.goto(url);
  await page.waitForSelector("[data-testid=bars-chart][data-detections]", { timeout: 120_000 });
  return await page.evaluate(() => (globalThis as unknown as { __viewTimings: Timings }).__viewTimings);
}

export async function runViewBrowserBench(rows = 525_600): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "spanlab-bench-view-browser-"));
  const root = join(dir, "root");
  mkdirSync(root);
  await writeYear(join(root, "year_1m.csv"), rows, new Rng(2024));
  const server = await startViewServer({ roots: [root], port: 0 });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const url = `${server.url}#/bars`;
    const cold = await load(page, url);
    const warm: Timings[] = [];
    for (let i = 0; i < 3; i++) {
      await page.goto("about:blank");
      warm.push(await load(page, url));
    }
    const chart = page.locator("[data-testid=bars-chart]");
    const box = (await chart.boundingBox())!;
    const x = box.x + box.width / 2;
    const y = box.y + box.height / 3;
    await page.mouse.move(x, y);
    // Zoom in: wheel notches until at most 4,000 bars are on screen (each notch's own redraw timed), then
    // the time from the last notch to the bars themselves painted (the 120 ms debounce included).
    const k = Number(await chart.getAttribute("data-resolution"));
    const onScreen = async () => k * (Number(await chart.getAttribute("data-visible-to")) - Number(await chart.getAttribute("data-visible-from")));
    const notchMs: number[] = [];
    while ((await onScreen()) > 4000 && notchMs.length < 200) {
      const started = performance.now();
      await page.mouse.wheel(0, -300);
      await twoFrames(page);
      notchMs.push(performance.now() - started);
    }
    const zoomStarted = performance.now();
    await page.waitForSelector("[data-testid=bars-chart][data-resolution='1']", { timeout: 10_000 });
    await twoFrames(page);
    const zoomMs = performance.now() - zoomStarted;
    const notches = notchMs.length;
    const swapMs = Number(await chart.getAttribute("data-swap-ms"));
    // Pan: a drag of half the pane, timed to its paint; then past the bars drawn, timed to the re-window.
    const pans: number[] = [];
    for (let i = 0; i < 5; i++) {
      const started = performance.now();
      await page.mouse.move(x, y);
      await page.mouse.down();
      await page.mouse.move(x - box.width / 2, y, { steps: 5 });
      await page.mouse.up();
      await twoFrames(page);
      pans.push(performance.now() - started);
    }
    const median = (v: number[]) => [...v].sort((a, b) => a - b)[v.length >> 1]!;
    const line = (label: string, ms: number, extra = "") => console.log(`  ${label.padEnd(52)} ${ms.toFixed(0).padStart(6)} ms${extra}`);
    console.log(`spanlab view, Bars page in Chromium: ${rows.toLocaleString("en")} 1-minute bars`);
    line("navigation → candles drawn, cold server", cold.barsLoadedMs, `  (of which the bars' requests ${cold.barsFetchMs.toFixed(0)} ms)`);
    line(
      "navigation → candles drawn, warm server (median of 3)",
      median(warm.map((w) => w.barsLoadedMs)),
      `  (${warm.map((w) => `${w.barsLoadedMs.toFixed(0)}, fetch ${w.barsFetchMs.toFixed(0)}`).join("; ")})`,
    );
    line(`a wheel notch on the buckets, to paint (median of ${notches})`, median(notchMs));
    line("last notch → full-resolution bars painted", zoomMs);
    line("  the swap itself (setData of the bars drawn + overlays)", swapMs);
    line(
      "pan by half the pane, to paint (median of 5)",
      median(pans),
      `  (${pans.map((p) => p.toFixed(0)).join(", ")}; resolution ${await chart.getAttribute("data-resolution")})`,
    );
  } finally {
    await browser.close();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const rows = process.argv[2] === undefined ? undefined : Number(process.argv[2]);
  await runViewBrowserBench(rows);
}
