/**
 * Folders for the `spanlab view` server's tests, built with the library and the CLI the way a user would
 * make them: the real-shaped bars fixtures and their events copied in, windows cut from the FX bars with
 * `data windows`, predictions of them with `predict --data`, detections on the FX bars with `predict
 * --bars` (CSV and JSON), and — for the tests that need them — a compare bundle and a sweep trained with
 * tiny settings (worker threads: needs `npm run build:ts`). Also: a test server over a folder, and a raw
 * HTTP request that sends its path exactly as given (fetch would normalise `..` away).
 */
import { copyFileSync, mkdirSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { join } from "node:path";
import { readBars } from "../../src/data/bars.js";
import { writeWindows } from "../../src/data/load.js";
import { DEFAULT_SYNTH_PARAMS, synthesizeWindows } from "../../src/data/synth.js";
import { compare } from "../../src/compare/compare.js";
import { sweep } from "../../src/compare/sweep.js";
import { saveCheckpoint } from "../../src/model/checkpoint.js";
import { seededModel } from "../../src/predict/seeded.js";
import { Rng } from "../../src/util/rng.js";
import { startViewServer, type ViewServer, type ViewServerOptions } from "../../src/view/server/server.js";
import { runCli } from "./cli.js";

export const BARS_FIXTURES = join(import.meta.dirname, "../fixtures/bars");

export interface DataFixture {
  root: string;
  /** Paths inside root. */
  bars: { fx: string; equity: string; futures: string };
  events: { fx: string; equity: string; futures: string };
  windows: string;
  predictions: string;
  detectionsCsv: string;
  detectionsJson: string;
  checkpoint: string;
}

/** Copies the bars and events in, cuts windows, predicts on them and scans the FX bars. */
export async function buildDataFixture(root: string): Promise<DataFixture> {
  mkdirSync(join(root, "bars"), { recursive: true });
  mkdirSync(join(root, "windows"), { recursive: true });
  mkdirSync(join(root, "scans"), { recursive: true });
  mkdirSync(join(root, "models"), { recursive: true });
  const copy = (name: string) => {
    const to = join(root, "bars", name);
    copyFileSync(join(BARS_FIXTURES, name), to);
    return to;
  };
  const bars = { fx: copy("fx_30m.csv"), equity: copy("equity_daily.csv"), futures: copy("futures_1m.csv") };
  const events = { fx: copy("fx_30m_events.jsonl"), equity: copy("equity_daily_events.csv"), futures: copy("futures_1m_events.csv") };
  const windows = join(root, "windows", "fx_windows.jsonl");
  const cut = await runCli(["data", "windows", "--bars", bars.fx, "--annotations", events.fx, "--out", windows]);
  if (cut.exitCode !== 0) throw new Error(`data windows failed: ${cut.stderr}`);
  const checkpoint = join(root, "models", "seeded_soft.safetensors");
  saveCheckpoint(checkpoint, seededModel("soft", { reference: await readBars(bars.fx) }));
  const predictions = join(root, "windows", "fx_predictions.json");
  const predicted = await runCli(["predict", "--checkpoint", checkpoint, "--data", windows, "--out", predictions]);
  if (predicted.exitCode !== 0) throw new Error(`predict --data failed: ${predicted.stderr}`);
  const detectionsCsv = join(root, "scans", "fx_detections.csv");
  const detectionsJson = join(root, "scans", "fx_detections.json");
  for (const out of [detectionsCsv, detectionsJson]) {
    const scanned = await runCli(["predict", "--checkpoint", checkpoint, "--bars", bars.fx, "--live", "--threshold", "0.5", "--out", out]);
    if (scanned.exitCode !== 0) throw new Error(`predict --bars failed: ${scanned.stderr}`);
  }
  return { root, bars, events, windows, predictions, detectionsCsv, detectionsJson, checkpoint };
}

export interface TrainingFixture {
  bundle: string;
  sweepFolder: string;
  data: string;
}

/** A compare bundle and a two-configuration sweep (epochs 1 and 2) under `root`, trained with tiny settings. */
export async function buildTrainingFixture(root: string): Promise<TrainingFixture> {
  mkdirSync(join(root, "synthetic"), { recursive: true });
  const data = join(root, "synthetic", "synth_windows.parquet");
  writeWindows(data, synthesizeWindows({ ...DEFAULT_SYNTH_PARAMS, windows: 10 }, new Rng(21)));
  const tiny = { objectives: ["soft", "crf"], epochs: 1, seeds: 2, batchSize: 8, workers: 2, sensitivity: "none", bootstrapResamples: 50 } as const;
  const bundle = join(root, "comparisons", "tiny");
  await compare({ ...tiny, data, out: bundle });
  const sweepFolder = join(root, "sweeps", "tiny");
  await sweep({ data, grid: { epochs: [1, 2] }, seeds: 2, workers: 2, objectives: ["soft", "crf"], out: sweepFolder });
  return { bundle, sweepFolder, data };
}

/** An assets folder standing in for the client's build: an index.html and one script. */
export function fakeAssets(folder: string): string {
  mkdirSync(join(folder, "assets"), { recursive: true });
  writeFileSync(join(folder, "index.html"), "<!doctype html><title>spanlab view</title><script src=/assets/app.js></script>\n");
  writeFileSync(join(folder, "assets", "app.js"), "console.log('spanlab view');\n");
  return folder;
}

/** A server on a free port over `roots`. */
export function testServer(roots: string[], options: Partial<ViewServerOptions> = {}): Promise<ViewServer> {
  return startViewServer({ roots, port: 0, ...options });
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** One HTTP request whose path goes out byte for byte as given. */
export function rawRequest(
  port: number,
  path: string,
  options: { method?: string; headers?: Record<string, string>; body?: Buffer | string; host?: string } = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    // Node frames no body of a DELETE or OPTIONS by itself: give every body its length unless told otherwise.
    const headers = { ...options.headers };
    const framed = Object.keys(headers).some((name) => /^(content-length|transfer-encoding)$/i.test(name));
    if (options.body !== undefined && !framed) headers["content-length"] = String(Buffer.byteLength(options.body));
    const req = request({ host: options.host ?? "127.0.0.1", port, path, method: options.method ?? "GET", headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(options.body);
  });
}

/** The `{ error }` of a JSON error response. */
export function errorOf(response: RawResponse): string {
  return (JSON.parse(response.body.toString("utf8")) as { error: string }).error;
}
