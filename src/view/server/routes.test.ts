/**
 * Every GET route of docs/spec.md §14 over real outputs: a compare bundle and a sweep trained with tiny
 * settings, windows cut by `data windows`, predictions by `predict --data`, detections by `predict --bars`,
 * and the bars fixtures — each answer checked against what the library's own reader makes of the file.
 * Needs `npm run build:ts` (compare trains on worker threads).
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { configDiff } from "../../compare/config_diff.js";
import { readComparisonModel } from "../../compare/read_comparison.js";
import { readAnnotations } from "../../data/annotations.js";
import { readBars } from "../../data/bars.js";
import { loadWindows } from "../../data/load.js";
import { DETECTION_CSV_HEADER } from "../../predict/detections_io.js";
import type { PredictionReport } from "../../predict/predict.js";
import { parseMetrics } from "../../train/records.js";
import { type DataFixture, type TrainingFixture, buildDataFixture, buildTrainingFixture, fakeAssets, testServer } from "../../../test/helpers/view_fixture.js";
import { decodeBars } from "../shared/bars_binary.js";
import type { CatalogItem } from "./catalog.js";
import type { ViewServer } from "./server.js";

const dir = mkdtempSync(join(tmpdir(), "spanlab-view-routes-"));
const root = join(dir, "root");
let data: DataFixture;
let training: TrainingFixture;
let server: ViewServer;
let items: CatalogItem[];

beforeAll(async () => {
  data = await buildDataFixture(root);
  training = await buildTrainingFixture(root);
  server = await testServer([root], { assets: fakeAssets(join(dir, "assets")) });
  items = ((await (await fetch(`${server.url}api/catalog`)).json()) as { items: CatalogItem[] }).items;
}, 300_000);
afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

const get = (path: string) => fetch(`${server.url}${path.replace(/^\//, "")}`);
async function json<T = Record<string, unknown>>(path: string): Promise<T> {
  const response = await get(path);
  expect(response.status, `${path}: ${response.status}`).toBe(200);
  expect(response.headers.get("content-type")).toBe("application/json; charset=utf-8");
  return (await response.json()) as T;
}
async function status(path: string): Promise<[number, string]> {
  const response = await get(path);
  return [response.status, ((await response.json()) as { error: string }).error];
}
const idOf = (path: string) => {
  const item = items.find((i) => i.path === path);
  if (item === undefined) throw new Error(`${path} is not in the catalog: ${items.map((i) => i.path).join(", ")}`);
  return item.id;
};

describe("GET /api/catalog", () => {
  it("lists the bundle, its runs, the sweep, and every window, bars, detections, annotations and predictions file", async () => {
    const body = await json<{ roots: string[]; items: CatalogItem[]; truncated: boolean; entries: number }>("/api/catalog");
    const kinds = Object.fromEntries(body.items.map((item) => [item.path, item.kind]));
    expect(kinds).toMatchObject({
      "bars/fx_30m.csv": "bars",
      "bars/equity_daily.csv": "bars",
      "bars/futures_1m.csv": "bars",
      "bars/fx_30m_events.jsonl": "annotations",
      "bars/equity_daily_events.csv": "annotations",
      "bars/futures_1m_events.csv": "annotations",
      "windows/fx_windows.jsonl": "windows",
      "windows/fx_predictions.json": "predictions",
      "synthetic/synth_windows.parquet": "windows",
      "scans/fx_detections.csv": "detections",
      "scans/fx_detections.json": "detections",
      "comparisons/tiny": "comparison",
      "comparisons/tiny/runs/soft-seed42": "run",
      "comparisons/tiny/runs/crf-seed43": "run",
      "sweeps/tiny": "sweep",
      "sweeps/tiny/configs/epochs1": "comparison",
      "sweeps/tiny/configs/epochs1/runs/soft-seed42": "run",
    });
    expect(body.items.filter((i) => i.kind === "run")).toHaveLength(12);
    expect(body.items.filter((i) => i.kind === "comparison")).toHaveLength(3);
    // Nothing else: checkpoints, logs, sidecars and spanlab's own JSON are parts of their folders, not items.
    expect(body.items).toHaveLength(11 + 12 + 3 + 1);
    expect(body.roots).toEqual([server.roots[0]]);
    expect(body.truncated).toBe(false);
    const run = body.items.find((i) => i.path === "comparisons/tiny/runs/soft-seed42")!;
    expect(run.parent).toBe(idOf("comparisons/tiny"));
    expect(Object.keys(run).sort()).toEqual(["id", "kind", "parent", "path", "root"]);
  });
});

describe("GET /api/run, /api/comparison, /api/sweep, /api/diff", () => {
  it("gives a run's config.json and its metrics.jsonl records", async () => {
    const folder = join(training.bundle, "runs", "crf-seed43");
    const body = await json(`/api/run?id=${idOf("comparisons/tiny/runs/crf-seed43")}`);
    expect(body).toEqual({
      config: JSON.parse(readFileSync(join(folder, "config.json"), "utf8")),
      records: parseMetrics(readFileSync(join(folder, "metrics.jsonl"), "utf8"), "metrics"),
    });
    expect((body.records as unknown[]).length).toBe(1);
  });

  it("gives the comparison model as readComparisonModel reads it, and the sweep model as written", async () => {
    const model = await json(`/api/comparison?id=${idOf("comparisons/tiny")}`);
    expect(model).toEqual(JSON.parse(JSON.stringify(readComparisonModel(join(training.bundle, "comparison.json")))));
    expect((model.protocol as { objectives: string[] }).objectives).toEqual(["soft", "crf"]);
    const sweepModel = await json(`/api/sweep?id=${idOf("sweeps/tiny")}`);
    expect(sweepModel).toEqual(JSON.parse(readFileSync(join(training.sweepFolder, "sweep.json"), "utf8")));
    expect((sweepModel.configurations as { label: string }[]).map((c) => c.label)).toEqual(["epochs 1", "epochs 2"]);
  });

  it("diffs two runs or two comparisons as configDiff does, naming them by catalog path; refuses a run against a comparison", async () => {
    const a = "comparisons/tiny/runs/soft-seed42";
    const b = "comparisons/tiny/runs/soft-seed43";
    const diff = await json<{ a: string; b: string; differences: { key: string }[]; same: number }>(`/api/diff?a=${idOf(a)}&b=${idOf(b)}`);
    const expected = configDiff(join(training.bundle, "runs", "soft-seed42"), join(training.bundle, "runs", "soft-seed43"));
    expect(diff).toEqual(JSON.parse(JSON.stringify({ ...expected, a, b })));
    expect(diff.differences.map((d) => d.key)).toContain("config.seed");
    const bundles = await json<{ differences: { key: string }[] }>(`/api/diff?a=${idOf("comparisons/tiny")}&b=${idOf("sweeps/tiny/configs/epochs1")}`);
    expect(bundles.differences.length).toBeGreaterThan(0);
    expect(await status(`/api/diff?a=${idOf(a)}&b=${idOf("comparisons/tiny")}`)).toEqual([
      400,
      "a is a run and b a comparison: compare two runs or two comparisons",
    ]);
    expect((await status(`/api/diff?a=${idOf(a)}`))[0]).toBe(400);
  });

  it("refuses an id of another kind (400), an unknown id (404) and a missing id (400)", async () => {
    const [code, message] = await status(`/api/run?id=${idOf("bars/fx_30m.csv")}`);
    expect([code, message]).toEqual([400, `bars/fx_30m.csv (id ${idOf("bars/fx_30m.csv")}) is bars; this route takes run`]);
    expect(await status("/api/comparison?id=0123456789abcdef")).toEqual([404, "no item with id 0123456789abcdef in the catalog (GET /api/catalog lists them)"]);
    expect(await status("/api/sweep")).toEqual([400, "parameter id is missing"]);
    expect((await status("/api/sweep?id=XYZ"))[0]).toBe(400);
  });
});

describe("GET /api/bars", () => {
  it("sends the whole file as one SPBL buffer equal to readBars' bars (float64 seconds, float32 prices)", async () => {
    for (const name of ["fx", "equity", "futures"] as const) {
      const series = await readBars(data.bars[name]);
      const response = await get(`/api/bars?id=${idOf(`bars/${name === "fx" ? "fx_30m" : name === "equity" ? "equity_daily" : "futures_1m"}.csv`)}`);
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toBe("application/octet-stream");
      const bars = decodeBars(await response.arrayBuffer());
      const n = series.timestamps.length;
      expect([bars.count, bars.total]).toEqual([n, n]);
      expect(Array.from(bars.times)).toEqual(Array.from(series.timestamps, (ms) => ms / 1000));
      expect(Array.from(bars.open)).toEqual(Array.from(series.open, Math.fround));
      expect(Array.from(bars.high)).toEqual(Array.from(series.high, Math.fround));
      expect(Array.from(bars.low)).toEqual(Array.from(series.low, Math.fround));
      expect(Array.from(bars.close)).toEqual(Array.from(series.close, Math.fround));
    }
  });

  it("sends chunks from/count (cut at the end of the file), and refuses a range it cannot send", async () => {
    const series = await readBars(data.bars.fx);
    const n = series.timestamps.length;
    const id = idOf("bars/fx_30m.csv");
    const chunk = async (query: string) => decodeBars(await (await get(`/api/bars?id=${id}&${query}`)).arrayBuffer());
    const middle = await chunk("from=100&count=50");
    expect([middle.count, middle.total]).toEqual([50, n]);
    expect(middle.times[0]).toBe(series.timestamps[100]! / 1000);
    expect(middle.close[49]).toBe(Math.fround(series.close[149]!));
    const tail = await chunk(`from=${n - 10}&count=1000`);
    expect(tail.count).toBe(10);
    expect(tail.times[9]).toBe(series.timestamps[n - 1]! / 1000);
    expect((await chunk(`from=${n}`)).count).toBe(0);
    expect((await chunk("from=900")).count).toBe(n - 900);
    // Chunks of 256 cover the file exactly.
    const pieces = [];
    for (let from = 0; from < n; from += 256) pieces.push(...(await chunk(`from=${from}&count=256`)).open);
    expect(pieces).toEqual(Array.from(series.open, Math.fround));

    expect(await status(`/api/bars?id=${id}&from=${n + 1}`)).toEqual([400, `parameter from = ${n + 1}; the file has ${n} bars (from must be ≤ ${n})`]);
    expect(await status(`/api/bars?id=${id}&count=${2 ** 20 + 1}`)).toEqual([
      400,
      `parameter count = ${2 ** 20 + 1}; at most ${2 ** 20} bars per request (ask in chunks)`,
    ]);
    expect(await status(`/api/bars?id=${id}&from=-1`)).toEqual([400, 'parameter from = "-1"; expected a whole number ≥ 0']);
    expect((await status(`/api/bars?id=${id}&count=1e3`))[0]).toBe(400);
    expect((await status(`/api/bars?id=${idOf("bars/fx_30m_events.jsonl")}`))[0]).toBe(400);
  });
});

describe("GET /api/detections and /api/annotations", () => {
  it("gives the rows of predict's detections CSV, its JSON report in the same columns, and the bars they were made on", async () => {
    const csv = await json<{ columns: string[]; rows: Record<string, string | number | null>[]; bars: string | null }>(
      `/api/detections?id=${idOf("scans/fx_detections.csv")}`,
    );
    const lines = readFileSync(data.detectionsCsv, "utf8").trimEnd().split("\r\n");
    expect(csv.columns).toEqual([...DETECTION_CSV_HEADER]);
    expect(csv.rows).toHaveLength(lines.length - 1);
    expect(csv.rows.length).toBeGreaterThan(5);
    const first = lines[1]!.split(",");
    expect(csv.rows[0]!.start_index).toBe(Number(first[0]));
    expect(csv.rows[0]!.start_time).toBe(first[2]);
    expect(typeof csv.rows[0]!.confidence).toBe("number");
    expect(new Set(csv.rows.map((r) => r.mode))).toEqual(new Set(["hindsight", "live"]));
    expect(csv.rows.find((r) => r.mode === "live")!.start_interval_lo_index).toBeNull();
    expect(csv.bars).toBe(idOf("bars/fx_30m.csv"));
    const report = await json(`/api/detections?id=${idOf("scans/fx_detections.json")}`);
    expect(report).toEqual(csv);
  });

  it("gives an annotations file's events as readAnnotations reads them, and a window file's events per base window", async () => {
    const body = await json<{ source: string; convention: string; events: { event_id: string; start: string; end: string; label: string; row: number }[] }>(
      `/api/annotations?id=${idOf("bars/fx_30m_events.jsonl")}`,
    );
    const read = await readAnnotations(data.events.fx);
    expect(body.source).toBe("annotations");
    expect(body.convention).toBe("absolute");
    expect(body.events).toEqual(
      read.events.map((e) => ({
        event_id: e.eventId,
        start: new Date(e.start).toISOString().replace(".000Z", "Z"),
        end: new Date(e.end).toISOString().replace(".000Z", "Z"),
        label: e.label,
        row: e.row,
      })),
    );
    expect((await json<{ convention: string }>(`/api/annotations?id=${idOf("bars/equity_daily_events.csv")}`)).convention).toBe("naive");
    const fromWindows = await json<{ source: string; events: { event_id: string; start: string }[] }>(
      `/api/annotations?id=${idOf("windows/fx_windows.jsonl")}`,
    );
    expect(fromWindows.source).toBe("windows");
    expect(fromWindows.events.map((e) => [e.event_id, e.start])).toEqual(body.events.map((e) => [e.event_id, e.start]));
  });
});

describe("GET /api/window", () => {
  it("lists a window file's windows with their first and last bar times, and the predictions made on it", async () => {
    const windows = await loadWindows(data.windows);
    const listing = await json<{ count: number; windows: Record<string, unknown>[]; predictions: string[] }>(
      `/api/window?id=${idOf("windows/fx_windows.jsonl")}`,
    );
    expect(listing.count).toBe(windows.length);
    expect(listing.windows[3]).toEqual({
      index: 3,
      window_id: windows[3]!.window_id,
      base_window_id: windows[3]!.base_window_id,
      label: windows[3]!.label,
      expansion_start: windows[3]!.expansion_start,
      expansion_end: windows[3]!.expansion_end,
      first_time: windows[3]!.timestamps![0],
      last_time: windows[3]!.timestamps![104],
    });
    expect(listing.predictions).toEqual([idOf("windows/fx_predictions.json")]);
  });

  it("gives one window's bars, spans and times, and the prediction of it found beside the file or given", async () => {
    const windows = await loadWindows(data.windows);
    const report = JSON.parse(readFileSync(data.predictions, "utf8")) as PredictionReport;
    const target = windows[5]!;
    const id = idOf("windows/fx_windows.jsonl");
    const body = await json<Record<string, unknown> & { predictions: Record<string, unknown>[] }>(
      `/api/window?id=${id}&window=${encodeURIComponent(target.window_id)}`,
    );
    expect(body).toMatchObject({
      index: 5,
      count: windows.length,
      window_id: target.window_id,
      base_window_id: target.base_window_id,
      label: target.label,
      expansion_start: target.expansion_start,
      expansion_end: target.expansion_end,
      bars: target.features,
      timestamps: target.timestamps,
      volume: null,
    });
    expect(body.spans).toEqual((target.spans ?? [[target.expansion_start, target.expansion_end]]).map((s) => [...s]));
    expect(body.predictions).toHaveLength(1);
    const expected = report.windows.find((w) => w.window_id === target.window_id)!;
    const prediction = body.predictions[0]!;
    expect(prediction).toMatchObject({ id: idOf("windows/fx_predictions.json"), path: "windows/fx_predictions.json", loss_type: "soft" });
    expect(prediction.probabilities).toEqual(expected.probabilities);
    expect(prediction.span_posterior).toEqual(expected.span_posterior);
    expect(prediction.label).toBeUndefined();
    const given = await json<{ predictions: unknown[] }>(`/api/window?id=${id}&window=${target.window_id}&predictions=${idOf("windows/fx_predictions.json")}`);
    expect(given.predictions).toEqual(body.predictions);

    expect(await status(`/api/window?id=${id}&window=nope`)).toEqual([404, 'no window "nope" in windows/fx_windows.jsonl']);
    const synthetic = await loadWindows(training.data);
    const bare = await json<{ predictions: unknown[]; timestamps: unknown }>(
      `/api/window?id=${idOf("synthetic/synth_windows.parquet")}&window=${synthetic[0]!.window_id}`,
    );
    expect(bare).toMatchObject({ predictions: [], timestamps: null });
    const wrong = await status(
      `/api/window?id=${idOf("synthetic/synth_windows.parquet")}&window=${synthetic[0]!.window_id}&predictions=${idOf("windows/fx_predictions.json")}`,
    );
    expect(wrong).toEqual([400, `windows/fx_predictions.json holds no prediction of window ${synthetic[0]!.window_id}`]);
  });
});

describe("the rest of the server", () => {
  it("answers 404 for unknown routes (GET /api/review is tested in review_routes.test.ts)", async () => {
    expect(await status("/api/nothing")).toEqual([404, "no route /api/nothing"]);
  });

  it("serves the client's files from its build, index.html for the app's own routes", async () => {
    const index = await get("/");
    expect(index.status).toBe(200);
    expect(index.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(await index.text()).toContain("<title>spanlab view</title>");
    expect(await (await get("/runs/compare")).text()).toContain("<title>spanlab view</title>");
    const script = await get("/assets/app.js");
    expect(script.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect(await script.text()).toContain("spanlab view");
    expect(await status("/assets/missing.js")).toEqual([404, "no file /assets/missing.js in the web app"]);
  });

  it("says to run npm run build when the client is not built", async () => {
    const bare = await testServer([root], { assets: join(dir, "no-build") });
    try {
      const response = await fetch(bare.url);
      expect(response.status).toBe(500);
      expect(((await response.json()) as { error: string }).error).toMatch(/the web app is not built: .*no-build has no index\.html; run npm run build/);
      // The API works without the pages.
      expect((await fetch(`${bare.url}api/catalog`)).status).toBe(200);
    } finally {
      await bare.close();
    }
  });
});
