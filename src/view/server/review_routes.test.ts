/**
 * `GET /api/review` and `GET /api/posterior` over real outputs: the tiny compare bundle and the seeded
 * predictions of test/helpers/view_fixture.ts, each answer checked against the library computing the same
 * thing directly, and the cases where the server must refuse: a window file or a checkpoint outside the
 * served folders, a path-like or unknown id. Needs `npm run build:ts` (compare trains on worker threads).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { predict } from "../../compare/evaluate.js";
import { examplePosteriors, windowLogPosterior } from "../../compare/example_posterior.js";
import { labelDisagreement } from "../../compare/label_disagreement.js";
import { loadWindows } from "../../data/load.js";
import { loadCheckpoint } from "../../model/checkpoint.js";
import { windowTensors } from "../../train/dataset.js";
import { type DataFixture, type TrainingFixture, buildDataFixture, buildTrainingFixture, fakeAssets, testServer } from "../../../test/helpers/view_fixture.js";
import type { CatalogItem } from "./catalog.js";
import type { ViewServer } from "./server.js";

const dir = mkdtempSync(join(tmpdir(), "spanlab-view-review-"));
const root = join(dir, "root");
let data: DataFixture;
let training: TrainingFixture;
let server: ViewServer;

beforeAll(async () => {
  data = await buildDataFixture(root);
  training = await buildTrainingFixture(root);
  server = await testServer([root], { assets: fakeAssets(join(dir, "assets")) });
}, 300_000);
afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function catalogOf(s: ViewServer): Promise<CatalogItem[]> {
  return ((await (await fetch(`${s.url}api/catalog`)).json()) as { items: CatalogItem[] }).items;
}
async function call(s: ViewServer, path: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${s.url}${path.replace(/^\//, "")}`);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}
async function idOf(s: ViewServer, path: string): Promise<string> {
  const item = (await catalogOf(s)).find((i) => i.path === path);
  if (item === undefined) throw new Error(`${path} is not in the catalog`);
  return item.id;
}

interface Review {
  comparison: { id: string; path: string };
  data: { id: string | null; path: string; reason: string | null };
  windows: { window_id: string; index: number; runs: string[]; pSpan: number; pLabel: number; spanScore: number; labelScore: number }[];
  unscored: { window_id: string }[];
}

describe("GET /api/review", () => {
  it("ranks every window of the comparison's data as the library does, the window file by its catalog id", async () => {
    const { status, body } = await call(server, `/api/review?id=${await idOf(server, "comparisons/tiny")}`);
    expect(status).toBe(200);
    const review = body as unknown as Review;
    expect(review.comparison.path).toBe("comparisons/tiny");
    expect(review.data).toEqual({ id: await idOf(server, "synthetic/synth_windows.parquet"), path: "synthetic/synth_windows.parquet", reason: null });
    const direct = await labelDisagreement(training.bundle, { dataPath: training.data });
    expect(review.windows).toEqual(JSON.parse(JSON.stringify(direct.windows)));
    expect(review.windows.length + review.unscored.length).toBe((await loadWindows(training.data)).length);
    expect(review.windows.length).toBeGreaterThan(0);
    for (let i = 1; i < review.windows.length; i++) {
      const [a, b] = [review.windows[i - 1]!, review.windows[i]!];
      expect(a.spanScore > b.spanScore || (a.spanScore === b.spanScore && a.labelScore >= b.labelScore)).toBe(true);
    }
    // Two seeds, each window validated by at most one seed's runs, of both objectives.
    for (const w of review.windows) expect(new Set(w.runs.map((r) => r.split("/")[1])).size).toBe(1);
  });

  it("refuses to rank a comparison whose window file is outside the served folders (nothing of it is read)", async () => {
    const logged: string[] = [];
    const narrow = await testServer([join(root, "comparisons")], { assets: fakeAssets(join(dir, "assets")), log: (line) => logged.push(line) });
    try {
      const { status, body } = await call(narrow, `/api/review?id=${await idOf(narrow, "tiny")}`);
      expect(status).toBe(403);
      expect(body.error).toMatch(/is not inside a folder spanlab view serves; serve its folder too/);
      expect(JSON.stringify(body)).not.toMatch(/window_id/);
      // And at start the server said which folder to add (in the background, after its first walk).
      for (let i = 0; i < 100 && logged.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
      expect(logged.join("\n")).toMatch(/tiny trained on .*, outside the folders served: add .* to review their labels/);
    } finally {
      await narrow.close();
    }
  });

  it("refuses a path-like, unknown or wrong-kind id", async () => {
    expect((await call(server, "/api/review?id=../comparisons/tiny")).status).toBe(400);
    expect((await call(server, "/api/review?id=0123456789abcdef")).status).toBe(404);
    expect((await call(server, `/api/review?id=${await idOf(server, "windows/fx_windows.jsonl")}`)).status).toBe(400);
    expect((await call(server, "/api/review")).status).toBe(400);
  });
});

describe("GET /api/posterior", () => {
  it("runs the recorded checkpoint on one window and answers the bundle's heat-map box", async () => {
    const windows = await loadWindows(data.windows);
    const window = windows[3]!;
    const { status, body } = await call(
      server,
      `/api/posterior?id=${await idOf(server, "windows/fx_predictions.json")}&window=${encodeURIComponent(window.window_id)}`,
    );
    expect(status).toBe(200);
    const { model } = loadCheckpoint(data.checkpoint, { maxBatch: 1 });
    const predictions = predict(model, windowTensors([window]), [0]);
    const truth = { start: window.expansion_start, end: window.expansion_end };
    const [expected] = examplePosteriors([windowLogPosterior(predictions, 0)], predictions.bars, [truth, predictions.singleSpans[0]!]);
    expect(body.posterior).toEqual(JSON.parse(JSON.stringify(expected)));
    expect(body.truth).toEqual(truth);
    expect(body.index).toBe(3);
    const box = expected!;
    expect(box.probabilities.length).toBe(Math.ceil((box.startRange[1] - box.startRange[0] + 1) / box.cellBars));
  });

  it("says why when the checkpoint is outside the served folders, and refuses an unknown window", async () => {
    const narrow = await testServer([join(root, "windows")], { assets: fakeAssets(join(dir, "assets")) });
    try {
      const window = (await loadWindows(data.windows))[0]!;
      const outside = await call(narrow, `/api/posterior?id=${await idOf(narrow, "fx_predictions.json")}&window=${encodeURIComponent(window.window_id)}`);
      expect(outside.status).toBe(404);
      expect(outside.body.error).toMatch(/lies outside the folders spanlab view serves/);
    } finally {
      await narrow.close();
    }
    const unknown = await call(server, `/api/posterior?id=${await idOf(server, "windows/fx_predictions.json")}&window=nope`);
    expect(unknown.status).toBe(404);
    expect((await call(server, "/api/posterior?id=/etc/passwd&window=a")).status).toBe(400);
  });
});
