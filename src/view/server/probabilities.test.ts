/**
 * `GET /api/probabilities` over what `predict --bars --probabilities` writes on the FX bars: the catalog
 * lists the CSV as `probabilities` tied to its bars (by the sidecar), and the buffer's values are the CSV's,
 * bar for bar, over any from/count — checked against predict's own reader.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readBars } from "../../data/bars.js";
import { saveCheckpoint } from "../../model/checkpoint.js";
import { readProbabilities } from "../../predict/detections_io.js";
import { seededModel } from "../../predict/seeded.js";
import { BARS_FIXTURES, fakeAssets, testServer } from "../../../test/helpers/view_fixture.js";
import { runCli } from "../../../test/helpers/cli.js";
import { decodeProbabilities, encodeProbabilities } from "../shared/probabilities_binary.js";
import type { CatalogItem } from "./catalog.js";
import { classifyFile } from "./classify.js";
import type { ViewServer } from "./server.js";

const dir = mkdtempSync(join(tmpdir(), "spanlab-view-probabilities-"));
const root = join(dir, "root");
const bars = join(root, "fx_30m.csv");
const probabilities = join(root, "fx_p.csv");
let server: ViewServer;
let items: CatalogItem[];

beforeAll(async () => {
  mkdirSync(root, { recursive: true });
  copyFileSync(join(BARS_FIXTURES, "fx_30m.csv"), bars);
  // Another bars file, shorter than the FX bars: probabilities of the FX bars cannot be aligned to it.
  writeFileSync(join(root, "short.csv"), `${readFileSync(bars, "utf8").split("\n").slice(0, 201).join("\n")}\n`);
  const checkpoint = join(dir, "model.safetensors");
  saveCheckpoint(checkpoint, seededModel("soft", { reference: await readBars(bars) }));
  const args = ["predict", "--checkpoint", checkpoint, "--bars", bars, "--live", "--threshold", "0.5"];
  const scanned = await runCli([...args, "--out", join(root, "fx_detections.csv"), "--probabilities", probabilities]);
  if (scanned.exitCode !== 0) throw new Error(`predict --bars failed: ${scanned.stderr}`);
  server = await testServer([root], { assets: fakeAssets(join(dir, "assets")) });
  items = ((await (await fetch(`${server.url}api/catalog`)).json()) as { items: CatalogItem[] }).items;
}, 120_000);
afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

const get = (path: string) => fetch(`${server.url}${path.replace(/^\//, "")}`);
const idOf = (path: string) => items.find((i) => i.path === path)!.id;
const same = (a: number, b: number) => (Number.isNaN(a) ? Number.isNaN(b) : Math.abs(a - b) < 1e-6);

describe("the probabilities kind", () => {
  it("is predict's per-bar CSV, with the bars its sidecar names; a CSV with other columns is not", async () => {
    expect(await classifyFile(probabilities)).toEqual({ kind: "probabilities", bars });
    const other = join(dir, "other.csv");
    writeFileSync(other, "bar_index,timestamp,p,q\n0,2024-01-01T00:00:00Z,0.5,1\n");
    expect(await classifyFile(other)).toBeNull();
    expect(items.find((i) => i.path === "fx_p.csv")?.kind).toBe("probabilities");
  });
});

describe("GET /api/probabilities", () => {
  it("answers p and p_live aligned to the bars file, over any range", async () => {
    const n = (await readBars(bars)).timestamps.length;
    const expected = await readProbabilities(probabilities, n);
    expect(expected.pLive).not.toBeNull();
    const id = idOf("fx_p.csv");
    const whole = await get(`/api/probabilities?id=${id}`);
    expect(whole.status).toBe(200);
    expect(whole.headers.get("content-type")).toBe("application/octet-stream");
    const all = decodeProbabilities(await whole.arrayBuffer());
    expect(all).toMatchObject({ count: n, total: n, hasLive: true });
    for (let i = 0; i < n; i++) {
      expect(same(all.p[i]!, expected.p[i]!), `p of bar ${i}`).toBe(true);
      expect(same(all.pLive[i]!, expected.pLive![i]!), `p_live of bar ${i}`).toBe(true);
    }
    // The first 104 bars have no live p (no window ends there yet); later ones do.
    expect(Number.isNaN(all.pLive[0]!)).toBe(true);
    expect(Number.isFinite(all.pLive[n - 1]!)).toBe(true);
    const part = decodeProbabilities(await (await get(`/api/probabilities?id=${id}&from=300&count=50&bars=${idOf("fx_30m.csv")}`)).arrayBuffer());
    expect(part.count).toBe(50);
    for (let i = 0; i < 50; i++) expect(same(part.p[i]!, expected.p[300 + i]!)).toBe(true);
  });

  it("refuses other kinds, and bars the file was not made on when it names bars past their end", async () => {
    const id = idOf("fx_p.csv");
    expect((await get(`/api/probabilities?id=${idOf("fx_30m.csv")}`)).status).toBe(400);
    expect((await get(`/api/probabilities?id=${id}&from=100000`)).status).toBe(400);
    const wrong = await get(`/api/probabilities?id=${id}&bars=${idOf("short.csv")}`);
    expect(wrong.status).toBeGreaterThanOrEqual(400);
    expect(((await wrong.json()) as { error: string }).error).toMatch(/bar_index/);
  });
});

describe("the SPPR buffer", () => {
  it("round-trips, NaN kept, and refuses a buffer of another kind", () => {
    const p = [0.1, Number.NaN, 0.9];
    const out = decodeProbabilities(encodeProbabilities(p, null, 1, 2));
    expect(out).toMatchObject({ count: 2, total: 3, hasLive: false });
    expect(Number.isNaN(out.p[0]!)).toBe(true);
    expect(out.p[1]).toBeCloseTo(0.9, 6);
    expect(Number.isNaN(out.pLive[1]!)).toBe(true);
    expect(() => decodeProbabilities(new Uint8Array(24))).toThrow(/magic/);
  });
});
