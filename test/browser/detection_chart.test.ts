/**
 * The detection chart in a real browser: Debian's chromium driven by playwright-core. `predict --bars
 * --annotations --live --html` on the real-shaped 30-minute FX fixture writes the page; it must load from
 * file:// with no console error and no request beyond the page itself, draw its canvases (not blank),
 * and carry one marker per row of the detections CSV. A screenshot goes to the system temp folder.
 *
 * Without /usr/bin/chromium the test is skipped with a note — unless SPANLAB_REQUIRE_BROWSER=1 (as .ci/run
 * sets it, after installing chromium), where a missing browser fails.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type BrowserContext } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readBars } from "../../src/data/bars.js";
import { saveCheckpoint } from "../../src/model/checkpoint.js";
import { seededModel } from "../../src/predict/seeded.js";
import { runCli } from "../helpers/cli.js";
import { BROWSER_AVAILABLE, BROWSER_REQUIRED, CHROMIUM, LAUNCH_ARGS } from "../helpers/chromium.js";

const required = BROWSER_REQUIRED;
const available = BROWSER_AVAILABLE;
if (!available && !required) console.warn(`skipping the browser test: ${CHROMIUM} is missing (apt-get install -y chromium)`);

const FIXTURES = join(import.meta.dirname, "../fixtures/bars");
const dir = mkdtempSync(join(tmpdir(), "spanlab-browser-"));
let context: BrowserContext | undefined;

beforeAll(async () => {
  if (!available) return;
  // A new, empty profile every run (launchPersistentContext is how playwright takes --user-data-dir).
  context = await chromium.launchPersistentContext(join(dir, "profile"), {
    executablePath: CHROMIUM,
    headless: true,
    args: LAUNCH_ARGS,
    viewport: { width: 1400, height: 900 },
  });
});
afterAll(async () => {
  await context?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe.runIf(available || required)("the detection chart in Chromium", () => {
  it("loads offline with no console error, draws the chart and shows one marker per detection row", async () => {
    expect(available, `${CHROMIUM} is missing`).toBe(true);
    const barsFile = join(FIXTURES, "fx_30m.csv");
    const bars = await readBars(barsFile);
    const checkpoint = join(dir, "model.safetensors");
    saveCheckpoint(checkpoint, seededModel("soft", { reference: bars }));
    const html = join(dir, "chart.html");
    const csv = join(dir, "detections.csv");
    const result = await runCli([
      "predict",
      "--checkpoint",
      checkpoint,
      "--bars",
      barsFile,
      "--annotations",
      join(FIXTURES, "fx_30m_events.jsonl"),
      "--live",
      "--threshold",
      "0.5",
      "--html",
      html,
      "--out",
      csv,
    ]);
    expect(result.exitCode).toBe(0);
    const rows = readFileSync(csv, "utf8").trimEnd().split("\r\n").length - 1;
    expect(rows).toBeGreaterThan(5);

    const page = await context!.newPage();
    const errors: string[] = [];
    const requests: string[] = [];
    page.on("console", (message) => {
      if (message.type() === "error") errors.push(message.text());
    });
    page.on("pageerror", (error) => errors.push(String(error)));
    page.on("request", (request) => requests.push(request.url()));
    await page.goto(`file://${html}`);
    await page.waitForFunction(() => (globalThis as { spanlabChart?: unknown }).spanlabChart !== undefined, null, { timeout: 30_000 });
    await page.waitForTimeout(300);
    expect(errors).toEqual([]);
    expect(requests).toEqual([`file://${html}`]);

    const state = await page.evaluate(() => {
      const chart = (globalThis as unknown as { spanlabChart: { markers(): unknown[]; counts: Record<string, number> } }).spanlabChart;
      const doc = (globalThis as unknown as { document: { querySelectorAll(s: string): ArrayLike<unknown> } }).document;
      // The largest canvas is the main pane: count its distinct colours in a sample.
      const canvases = Array.from(doc.querySelectorAll("#chart canvas")) as {
        width: number;
        height: number;
        getContext(kind: string): { getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> } } | null;
      }[];
      const main = canvases.reduce((a, b) => (b.width * b.height > a.width * a.height ? b : a));
      const pixels = main.getContext("2d")!.getImageData(0, 0, main.width, main.height).data;
      const colours = new Set<number>();
      for (let i = 0; i < pixels.length; i += 4 * 97) colours.add((pixels[i]! << 16) | (pixels[i + 1]! << 8) | pixels[i + 2]!);
      return {
        markers: chart.markers().length,
        counts: chart.counts,
        canvases: canvases.length,
        colours: colours.size,
        width: main.width,
        height: main.height,
      };
    });
    expect(state.canvases).toBeGreaterThan(1);
    expect(state.width).toBeGreaterThan(500);
    expect(state.colours).toBeGreaterThan(10);
    expect(state.markers).toBe(rows);
    expect(state.counts.bars).toBe(bars.timestamps.length);
    expect(state.counts.events).toBe(8);
    await page.screenshot({ path: join(tmpdir(), "spanlab-detection-chart.png"), fullPage: true });
    await page.close();
  });
});
