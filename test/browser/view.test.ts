/**
 * `spanlab view`'s pages in a real browser: Debian's chromium driven by playwright-core, against
 * `startViewServer` on a free port over a folder holding a tiny comparison, a tiny sweep, and the 30-minute
 * FX bars with their events, detections, windows and predictions (test/browser/view_fixtures.ts). Every
 * page must load with no console error and no failed request; the Runs page draws two loss lines per run
 * (train and validation) — `[data-testid=curve]` counts them; the Bars page draws one marker per row of
 * the detections CSV (`data-detections`) and a click on a detection opens the Window page; the Window
 * page shows the span posterior; on the Label review page a drag across bars with the mouse and "save"
 * write a new annotations file holding exactly those bars, read back with the library's events reader.
 * The Bars page also draws the fixture's per-bar probabilities in a second pane (`data-panes`), and on a
 * year of 1-minute bars (written as bench/view_bars.ts writes it, to its own server) it draws at most 20,000
 * candles zoomed out (`data-resolution` 27) and the bars themselves once wheeled in (`data-resolution` 1);
 * timings are printed, never asserted (bench/view_browser.ts measures them).
 * A screenshot of each page goes to <tmp>/spanlab-view-screens/.
 *
 * The Label review page ranks the comparison's windows (`GET /api/review`): one row per scored window, the
 * highest score first; a comparison whose window file lies outside the served folder is refused with its reason.
 * The Window page draws the start × end heat map when the server can run the predictions' checkpoint.
 *
 * Two refusals are expected, not failed: `GET /api/posterior` answers 404 with its reason for predictions
 * whose checkpoint lies outside the served folder (bars/predictions.json), and the Window page asks it for
 * every prediction it shows; `GET /api/review` answers 403 for the "bundle" comparison, whose window file
 * lies outside it, and the Label review page asks it for the comparison it lists first (Chromium logs each
 * as a console error, so exactly those are let through).
 *
 * Without /usr/bin/chromium the test is skipped with a note — unless SPANLAB_REQUIRE_BROWSER=1, where a
 * missing browser fails. The pages come from build/view/ (npm run build).
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readAnnotations } from "../../src/data/annotations.js";
import { readBars } from "../../src/data/bars.js";
import { packageRoot } from "../../src/util/package.js";
import { Rng } from "../../src/util/rng.js";
import { writeYear } from "../../bench/view_bars.js";
import { startViewServer, type ViewServer } from "../../src/view/server/server.js";
import { buildViewFixtures, type ViewFixtures } from "./view_fixtures.js";
import { BROWSER_AVAILABLE, BROWSER_REQUIRED, CHROMIUM, LAUNCH_ARGS } from "../helpers/chromium.js";

const required = BROWSER_REQUIRED;
const available = BROWSER_AVAILABLE;
if (!available && !required) console.warn(`skipping the browser test of spanlab view: ${CHROMIUM} is missing (apt-get install -y chromium)`);

const SCREENS = join(tmpdir(), "spanlab-view-screens");
const dir = mkdtempSync(join(tmpdir(), "spanlab-view-browser-"));
let context: BrowserContext | undefined;
let server: ViewServer | undefined;
let fixtures: ViewFixtures;
let items: { kind: string; id: string; path: string }[] = [];

/** What the Bars page leaves on `window.__viewTimings` (this file compiles without the DOM lib, hence the casts below). */
interface Timings {
  barsLoadedMs?: number;
  barsFetchMs?: number;
  bars?: number;
}

interface Item {
  kind: string;
  id: string;
  path: string;
}

const idOf = (kind: string, path: string) => {
  const item = items.find((i) => i.kind === kind && i.path === path);
  if (item === undefined) throw new Error(`the catalog lists no ${kind} ${path}: ${items.map((i) => `${i.kind} ${i.path}`).join(", ")}`);
  return item.id;
};

beforeAll(async () => {
  if (!available) return;
  const assets = join(packageRoot(), "build", "view", "index.html");
  if (!existsSync(assets)) throw new Error(`${assets} is missing: run npm run build (it builds the pages with Vite)`);
  const root = join(dir, "served");
  mkdirSync(root);
  fixtures = await buildViewFixtures(root);
  server = await startViewServer({ roots: [root], port: 0 });
  items = ((await (await fetch(`${server.url}api/catalog`)).json()) as { items: Item[] }).items;
  context = await chromium.launchPersistentContext(join(dir, "profile"), {
    executablePath: CHROMIUM,
    headless: true,
    args: LAUNCH_ARGS,
    viewport: { width: 1400, height: 900 },
  });
  mkdirSync(SCREENS, { recursive: true });
}, 300_000);

afterAll(async () => {
  await context?.close();
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A page that records console errors and failed requests (the two designed refusals aside). */
async function open(route: string): Promise<{ page: Page; problems: string[] }> {
  const page = await context!.newPage();
  const problems: string[] = [];
  const refusedReview = `/api/review?id=${idOf("comparison", "bundle")}`;
  const refusal = (url: string): number | null => {
    const parsed = new URL(url);
    if (parsed.pathname === "/api/posterior") return 404;
    return parsed.pathname + parsed.search === refusedReview ? 403 : null;
  };
  const expected = (url: string) => refusal(url) !== null;
  page.on("console", (message) => {
    if (message.type() === "error" && !expected(message.location().url || "http://x/")) problems.push(`console: ${message.text()}`);
  });
  page.on("pageerror", (error) => problems.push(`page error: ${String(error)}`));
  page.on("requestfailed", (request) => problems.push(`request failed: ${request.url()} (${request.failure()?.errorText})`));
  page.on("response", (response) => {
    if (response.status() >= 400 && response.status() !== refusal(response.url())) problems.push(`HTTP ${response.status()}: ${response.url()}`);
  });
  await page.goto(`${server!.url}${route}`);
  return { page, problems };
}

async function screenshot(page: Page, name: string): Promise<void> {
  const path = join(SCREENS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  console.log(`screenshot: ${path}`);
}

/** The centre of the chart's main pane (its largest canvas) in page coordinates, and its width. */
async function mainPane(page: Page, chart: string): Promise<{ x: number; y: number; width: number; height: number }> {
  const boxes = await page.locator(`${chart} canvas`).evaluateAll((canvases) =>
    canvases.map((c) => {
      const r = c.getBoundingClientRect();
      return { x: r.x, y: r.y, width: r.width, height: r.height };
    }),
  );
  return boxes.reduce((a, b) => (b.width * b.height > a.width * a.height ? b : a));
}

describe.runIf(available || required)("spanlab view in Chromium", () => {
  it("Runs: every run's train and validation loss lines, the sweep table sorts, the config diff lists differences", async () => {
    expect(available, `${CHROMIUM} is missing`).toBe(true);
    const runs = items.filter((i) => i.kind === "run");
    // 2 objectives × 2 seeds in each comparison (bundle, fx_bundle) and in each of the sweep's 2 configurations.
    expect(runs).toHaveLength(16);
    const { page, problems } = await open("#/runs");
    await page.waitForSelector("[data-runs]", { timeout: 60_000 });
    expect(await page.locator("[data-testid=curve]").count()).toBe(2 * runs.length);
    expect(await page.locator("[data-runs]").getAttribute("data-runs")).toBe(String(runs.length));
    // Sorting the sweep's table by the soft F1 column, twice: descending.
    const header = page.locator("table.sortable thead tr:nth-child(2) th").first();
    await header.click();
    await header.click();
    expect(await page.locator("table.sortable").getAttribute("data-sort")).toBe("soft descending");
    const f1 = await page.locator("table.sortable tbody tr").evaluateAll((rows) => rows.map((r) => r.children[2]!.textContent ?? ""));
    const means = f1.map((text) => Number(text.split(" ")[0]));
    expect(means).toEqual([...means].sort((a, b) => b - a));
    // The diff of a run of each configuration: their epochs differ.
    const pickers = page.locator(".diff select");
    await pickers.nth(0).selectOption(idOf("run", "sweep/configs/epochs1/runs/soft-seed42"));
    await pickers.nth(1).selectOption(idOf("run", "sweep/configs/epochs2/runs/soft-seed42"));
    await page.getByRole("button", { name: "show differences" }).click();
    await page.waitForSelector("[data-testid=diff]");
    expect(await page.locator("[data-testid=diff] tbody td:first-child").allTextContents()).toContain("config.epochs");
    await page.evaluate(() => (globalThis as unknown as { scrollTo(x: number, y: number): void }).scrollTo(0, 0));
    await screenshot(page, "runs");
    expect(problems).toEqual([]);
    await page.close();
  });

  it("Bars: one marker per detection row, navigation, and a click on a detection opens its window", async () => {
    const route = `#/bars?id=${idOf("bars", "bars/fx_30m.csv")}&detections=${idOf("detections", "bars/detections.csv")}&annotations=${idOf("annotations", "bars/fx_30m_events.jsonl")}`;
    const { page, problems } = await open(route);
    await page.waitForSelector("[data-detections]", { timeout: 60_000 });
    expect(Number(await page.locator("[data-detections]").getAttribute("data-detections"))).toBe(fixtures.detectionRows);
    const timings = await page.evaluate(() => (globalThis as { __viewTimings?: Timings }).__viewTimings);
    expect(timings?.bars).toBe((await readBars(fixtures.bars)).timestamps.length);
    console.log(
      `bars page: ${timings?.bars} bars, candles drawn ${timings?.barsLoadedMs?.toFixed(0)} ms after navigation (fetch ${timings?.barsFetchMs?.toFixed(0)} ms)`,
    );
    await screenshot(page, "bars");
    // The probabilities file beside the bars (predict --probabilities): hindsight p and live p in the lower pane.
    expect(await page.locator("[data-testid=bars-chart]").getAttribute("data-probabilities")).toBe("2");
    expect(await page.locator("[data-testid=bars-chart]").getAttribute("data-panes")).toBe("2");
    await screenshot(page, "bars-probabilities");
    await page.getByRole("button", { name: "next missed event" }).click();
    expect(await page.locator(".where").textContent()).toMatch(/^missed 1\/\d+ event fx-\d/);
    await page.getByRole("button", { name: "next ▶" }).click();
    const where = (await page.locator(".where").textContent()) ?? "";
    expect(where).toMatch(/^hindsight 1\/\d+ threshold decoder · bars (\d+)–(\d+)/);
    // "next" puts the detection in the middle of the pane (unless it is near an end of the bars): click it.
    const [, first, last] = /bars (\d+)–(\d+)/.exec(where)!;
    const chart = page.locator("[data-testid=bars-chart]");
    await page.waitForTimeout(100);
    const from = Number(await chart.getAttribute("data-visible-from"));
    const to = Number(await chart.getAttribute("data-visible-to"));
    const pane = await mainPane(page, "[data-testid=bars-chart]");
    // The pane spans the visible logical range: bar i's centre is at (i − from) / (to − from) of its width.
    const bar = (Number(first) + Number(last)) / 2;
    await page.mouse.click(pane.x + ((bar - from) / (to - from)) * pane.width, pane.y + pane.height / 2);
    await page.waitForURL(/#\/window\?/, { timeout: 30_000 });
    await page.waitForSelector(".card", { timeout: 30_000 });
    expect(problems).toEqual([]);
    await page.close();
  });

  it("Bars, a year of 1-minute bars: at most 20,000 candles zoomed out, the bars themselves zoomed in", async () => {
    const yearRoot = join(dir, "year");
    mkdirSync(yearRoot);
    await writeYear(join(yearRoot, "year_1m.csv"), 525_600, new Rng(2024));
    const yearServer = await startViewServer({ roots: [yearRoot], port: 0 });
    try {
      const page = await context!.newPage();
      const problems: string[] = [];
      page.on("pageerror", (error) => problems.push(`page error: ${String(error)}`));
      page.on("console", (message) => {
        if (message.type() === "error") problems.push(`console: ${message.text()}`);
      });
      await page.goto(`${yearServer.url}#/bars`);
      const chart = page.locator("[data-testid=bars-chart]");
      await page.waitForSelector("[data-testid=bars-chart][data-detections]", { timeout: 60_000 });
      const timings = await page.evaluate(() => (globalThis as { __viewTimings?: Timings }).__viewTimings);
      expect(timings?.bars).toBe(525_600);
      console.log(`bars page, a year of 1-minute bars: candles drawn ${timings?.barsLoadedMs?.toFixed(0)} ms after navigation (cold server)`);
      expect(await chart.getAttribute("data-resolution")).toBe("27");
      expect(Number(await chart.getAttribute("data-candles"))).toBeLessThanOrEqual(20_000);
      // The whole history on screen.
      expect(Number(await chart.getAttribute("data-visible-to")) - Number(await chart.getAttribute("data-visible-from"))).toBeGreaterThan(19_000);
      await screenshot(page, "bars-year-zoomed-out");
      // Wheel in at the middle of the pane until the chart swaps in the bars themselves.
      const pane = await mainPane(page, "[data-testid=bars-chart]");
      await page.mouse.move(pane.x + pane.width / 2, pane.y + pane.height / 2);
      // On the way, the middle levels (buckets of 16, 8, 4, 2 bars): each keeps at most 4,000 candles on screen
      // once settled, and every candle it draws starts at a multiple of its k.
      const levelsSeen = new Set<number>();
      for (let i = 0; i < 60 && (await chart.getAttribute("data-resolution")) !== "1"; i++) {
        await page.mouse.wheel(0, -600);
        await page.waitForTimeout(200);
        const k = Number(await chart.getAttribute("data-resolution"));
        if (k > 1 && k < 27) {
          if (!levelsSeen.has(k)) await screenshot(page, `bars-year-level-${k}`);
          levelsSeen.add(k);
          expect(Number(await chart.getAttribute("data-first-bar")) % k).toBe(0);
          expect(Number(await chart.getAttribute("data-candles"))).toBeLessThanOrEqual(20_000);
        }
      }
      await page.waitForSelector("[data-testid=bars-chart][data-resolution='1']", { timeout: 10_000 });
      expect(levelsSeen.size).toBeGreaterThan(0);
      expect([...levelsSeen].every((k) => [2, 4, 8, 16].includes(k))).toBe(true);
      const candles = Number(await chart.getAttribute("data-candles"));
      const firstBar = Number(await chart.getAttribute("data-first-bar"));
      expect(candles).toBeLessThanOrEqual(20_000);
      // Zoomed in around the middle of the year, not at its start.
      expect(firstBar).toBeGreaterThan(100_000);
      expect(firstBar + candles).toBeLessThan(500_000);
      await page.waitForTimeout(200);
      await screenshot(page, "bars-year-zoomed-in");
      // "zoom out" goes back to the buckets.
      await page.getByRole("button", { name: "zoom out" }).click();
      expect(await chart.getAttribute("data-resolution")).toBe("27");
      expect(problems).toEqual([]);
      await page.close();
    } finally {
      await yearServer.close();
    }
  }, 60_000);

  it("Window: candles, each prediction's probability and its span posterior summary", async () => {
    const { page, problems } = await open(`#/window?id=${idOf("windows", "bars/windows.parquet")}`);
    await page.waitForSelector(".card", { timeout: 60_000 });
    const card = (await page.locator(".card").first().textContent()) ?? "";
    for (const text of ["MBR span", "start, 90% interval", "end, 90% interval", "Most probable spans"]) expect(card).toContain(text);
    // Two panes: the candles and the probability track below.
    const canvases = await page.locator("[data-testid=window-chart] canvas").count();
    expect(canvases).toBeGreaterThan(4);
    await page.getByRole("button", { name: "▶" }).click();
    await page.waitForFunction(
      () =>
        (globalThis as unknown as { document: { querySelector(s: string): { textContent: string | null } | null } }).document
          .querySelector(".meta")
          ?.textContent?.startsWith("window 2 of"),
      null,
      { timeout: 30_000 },
    );
    await page.waitForSelector(".card");
    await screenshot(page, "window");
    expect(problems).toEqual([]);
    await page.close();
  });

  it("Window: the start × end heat map of the posterior when the predictions' checkpoint is served", async () => {
    const { page, problems } = await open(`#/window?id=${idOf("windows", "posterior/windows.parquet")}`);
    const canvas = page.locator("[data-testid=posterior-heatmap]").first();
    await canvas.waitFor({ timeout: 60_000 });
    // Drawn, not blank: count the pixels that differ from the canvas's background corner.
    const painted = await canvas.evaluate((element) => {
      const c = element as unknown as {
        width: number;
        height: number;
        getContext(k: "2d"): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } };
      };
      const pixels = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
      let differing = 0;
      for (let i = 0; i < pixels.length; i += 4) if (pixels[i] !== pixels[0] || pixels[i + 1] !== pixels[1] || pixels[i + 2] !== pixels[2]) differing++;
      return { differing, total: pixels.length / 4 };
    });
    expect(painted.differing).toBeGreaterThan(painted.total / 10);
    expect((await page.locator("figure.heatmap figcaption").first().textContent()) ?? "").toMatch(/annotated \[\d+, \d+\].*MBR \[\d+, \d+\]/);
    await canvas.scrollIntoViewIfNeeded();
    await screenshot(page, "window-heatmap");
    expect(problems).toEqual([]);
    await page.close();
  });

  it("Label review, ranked: one row per scored window, the highest score first; a window file outside the folder refused", async () => {
    // The "bundle" comparison's windows live outside the served folder (view_fixtures.ts): refused, nothing read.
    const outside = await fetch(`${server!.url}api/review?id=${idOf("comparison", "bundle")}`);
    expect(outside.status).toBe(403);
    const comparison = idOf("comparison", "fx_bundle");
    const review = (await (await fetch(`${server!.url}api/review?id=${comparison}`)).json()) as {
      data: { id: string | null; reason: string };
      windows: { window_id: string; spanScore: number }[];
    };
    expect(review.windows.length).toBeGreaterThan(0);
    const { page, problems } = await open(`#/review?comparison=${comparison}`);
    await page.waitForSelector("[data-testid=review-row]", { timeout: 60_000 });
    const rows = page.locator("[data-testid=review-row]");
    expect(await rows.count()).toBe(review.windows.length);
    const top = Math.max(...review.windows.map((w) => w.spanScore));
    expect(Number(await rows.first().getAttribute("data-span-score"))).toBe(top);
    expect(await rows.first().getAttribute("data-window")).toBe(review.windows[0]!.window_id);
    expect(review.data.id).toBe(idOf("windows", "bars/windows.parquet"));
    await screenshot(page, "review-ranked");
    expect(problems).toEqual([]);
    await page.close();
  });

  it("Label review, ranked and editable: a click opens the window in the editor and its accept is saved", async () => {
    const comparison = idOf("comparison", "fx_bundle");
    const review = (await (await fetch(`${server!.url}api/review?id=${comparison}`)).json()) as {
      data: { id: string | null };
      windows: { window_id: string }[];
    };
    expect(review.data.id).toBe(idOf("windows", "bars/windows.parquet"));
    const { page, problems } = await open(`#/review?comparison=${comparison}`);
    await page.waitForSelector("[data-testid=review-row]", { timeout: 60_000 });
    expect(await page.locator("[data-testid=review-row]").count()).toBe(review.windows.length);
    await page.locator("[data-testid=review-row]").first().click();
    // The editor below now shows that window; its one event is the window's primary span.
    await page.waitForSelector(`[data-testid=review-row][data-window="${review.windows[0]!.window_id}"].selected`, { timeout: 30_000 });
    await page.waitForSelector("[data-testid=review-chart] canvas");
    await page.getByRole("button", { name: "accept" }).first().click();
    await page.locator("ol.edits li[data-action=accept]").waitFor();
    await screenshot(page, "review-ranked-edit");
    await page.locator("[data-testid=save]").click();
    await page.waitForSelector("[data-testid=reply][data-path]", { timeout: 30_000 });
    expect(await page.locator("[data-testid=reply]").getAttribute("data-path")).toMatch(/^bars\/windows\.reviewed-\d{8}T\d{6}(-\d+)?\.csv$/);
    expect(problems).toEqual([]);
    await page.close();
  });

  it("Label review: a drag across bars and save write a new annotations file with those bars; the original is unchanged", async () => {
    const events = idOf("annotations", "bars/fx_30m_events.jsonl");
    const hash = () => createHash("sha256").update(readFileSync(fixtures.events)).digest("hex");
    const before = hash();
    const { page, problems } = await open(`#/review?id=${events}&bars=${idOf("bars", "bars/fx_30m.csv")}`);
    await page.waitForSelector("[data-testid=review-chart] canvas", { timeout: 60_000 });
    await page.waitForSelector("[data-testid=save]");
    // The ranked list sits above the editor: bring the chart into the viewport before dragging on it.
    await page.locator("[data-testid=review-chart]").scrollIntoViewIfNeeded();
    const pane = await mainPane(page, "[data-testid=review-chart]");
    const y = pane.y + pane.height / 2;
    await page.mouse.move(pane.x + pane.width * 0.4, y);
    await page.mouse.down();
    await page.mouse.move(pane.x + pane.width * 0.45, y, { steps: 6 });
    await page.mouse.move(pane.x + pane.width * 0.5, y, { steps: 6 });
    await page.mouse.up();
    const edit = page.locator("ol.edits li[data-action=add]");
    await edit.waitFor();
    const startBar = Number(await edit.getAttribute("data-start-bar"));
    const endBar = Number(await edit.getAttribute("data-end-bar"));
    expect(endBar).toBeGreaterThan(startBar);
    await page.evaluate(() => (globalThis as unknown as { scrollTo(x: number, y: number): void }).scrollTo(0, 0));
    await screenshot(page, "review");
    await page.locator("[data-testid=save]").click();
    await page.waitForSelector("[data-testid=reply][data-path]", { timeout: 30_000 });
    const written = (await page.locator("[data-testid=reply]").getAttribute("data-path"))!;
    expect(written).toMatch(/^bars\/fx_30m_events\.reviewed-\d{8}T\d{6}(-\d+)?\.csv$/);
    const file = join(fixtures.root, written);
    expect(existsSync(file)).toBe(true);
    const bars = await readBars(fixtures.bars);
    const saved = await readAnnotations(file);
    const original = await readAnnotations(fixtures.events);
    expect(saved.events).toHaveLength(original.events.length + 1);
    const added = saved.events.find((e) => !original.events.some((o) => o.eventId === e.eventId))!;
    expect([added.start, added.end, added.label]).toEqual([bars.timestamps[startBar], bars.timestamps[endBar], "consolidation"]);
    expect(hash()).toBe(before);
    await page.evaluate(() => (globalThis as unknown as { scrollTo(x: number, y: number): void }).scrollTo(0, 0));
    await screenshot(page, "review-saved");
    expect(problems).toEqual([]);
    await page.close();
  });
});
