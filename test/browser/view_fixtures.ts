/**
 * The folder the browser test of `spanlab view` serves: a tiny paired comparison (soft vs CRF, 2 seeds, 2
 * epochs, on synthesized windows), a tiny sweep (epochs 1 and 2), and a bars folder holding the real-shaped
 * 30-minute FX fixture with its annotated events, the detections `predict --bars --live` writes on it, the
 * windows `data windows` cuts from it, and `predict --data`'s predictions on those windows. Those
 * predictions' checkpoint is outside the served folder; a copy of the windows in `posterior/` is predicted
 * by a checkpoint inside it, so the server can run it and the Window page draws the posterior's heat map.
 */
import { copyFileSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { compare } from "../../src/compare/compare.js";
import { sweep } from "../../src/compare/sweep.js";
import { readBars } from "../../src/data/bars.js";
import { writeWindows } from "../../src/data/load.js";
import { DEFAULT_SYNTH_PARAMS, synthesizeWindows } from "../../src/data/synth.js";
import { saveCheckpoint } from "../../src/model/checkpoint.js";
import { seededModel } from "../../src/predict/seeded.js";
import { Rng } from "../../src/util/rng.js";
import { runCli } from "../helpers/cli.js";

const FIXTURES = join(import.meta.dirname, "../fixtures/bars");

export interface ViewFixtures {
  root: string;
  bundle: string;
  sweep: string;
  bars: string;
  events: string;
  detections: string;
  /** The per-bar p and p_live `predict --bars --probabilities` writes beside the detections. */
  probabilities: string;
  /** Rows of the detections CSV (header not counted). */
  detectionRows: number;
  windows: string;
  predictions: string;
  /** The copy of `windows` whose predictions' checkpoint lies inside the served folder. */
  posteriorWindows: string;
  /** A comparison of `windows` (inside the served folder, so its ranked windows can be edited). */
  servedBundle: string;
}

async function cli(args: string[]): Promise<void> {
  const result = await runCli(args);
  if (result.exitCode !== 0) throw new Error(`spanlab ${args.join(" ")} exited ${result.exitCode}:\n${result.stderr}`);
}

export async function buildViewFixtures(root: string): Promise<ViewFixtures> {
  const scratch = join(root, "..", "scratch");
  mkdirSync(scratch, { recursive: true });
  const data = join(scratch, "windows.parquet");
  writeWindows(data, synthesizeWindows({ ...DEFAULT_SYNTH_PARAMS, windows: 10 }, new Rng(21)));
  const tiny = { epochs: 2, seeds: 2, batchSize: 8, workers: 2, bootstrapResamples: 50 } as const;
  const bundle = join(root, "bundle");
  await compare({ ...tiny, objectives: ["soft", "crf"], sensitivity: "none", data, out: bundle });
  const sweepDir = join(root, "sweep");
  await sweep({ data, grid: { epochs: [1, 2] }, seeds: 2, workers: 2, objectives: ["soft", "crf"], out: sweepDir });

  const barsDir = join(root, "bars");
  mkdirSync(barsDir, { recursive: true });
  const bars = join(barsDir, "fx_30m.csv");
  const events = join(barsDir, "fx_30m_events.jsonl");
  copyFileSync(join(FIXTURES, "fx_30m.csv"), bars);
  copyFileSync(join(FIXTURES, "fx_30m_events.jsonl"), events);
  // The model lives outside the served folder: the page needs its outputs, not the checkpoint.
  const checkpoint = join(scratch, "model.safetensors");
  saveCheckpoint(checkpoint, seededModel("soft", { reference: await readBars(bars) }));
  const detections = join(barsDir, "detections.csv");
  const probabilities = join(barsDir, "probabilities.csv");
  await cli([
    "predict",
    "--checkpoint",
    checkpoint,
    "--bars",
    bars,
    "--annotations",
    events,
    "--live",
    "--threshold",
    "0.5",
    "--out",
    detections,
    "--probabilities",
    probabilities,
  ]);
  const windows = join(barsDir, "windows.parquet");
  await cli(["data", "windows", "--bars", bars, "--annotations", events, "--out", windows]);
  const predictions = join(barsDir, "predictions.json");
  await cli(["predict", "--checkpoint", checkpoint, "--data", windows, "--out", predictions]);
  const detectionRows = readFileSync(detections, "utf8").trimEnd().split("\r\n").length - 1;
  const posteriorDir = join(root, "posterior");
  mkdirSync(posteriorDir, { recursive: true });
  const posteriorWindows = join(posteriorDir, "windows.parquet");
  copyFileSync(windows, posteriorWindows);
  const servedCheckpoint = join(posteriorDir, "model.safetensors");
  copyFileSync(checkpoint, servedCheckpoint);
  await cli(["predict", "--checkpoint", servedCheckpoint, "--data", posteriorWindows, "--out", join(posteriorDir, "predictions.json")]);
  // A comparison of the FX windows, which lie inside the served folder and carry bar times: its ranked
  // windows open in the review editor, where edits are written.
  const servedBundle = join(root, "fx_bundle");
  await compare({ ...tiny, epochs: 1, objectives: ["soft", "crf"], sensitivity: "none", data: windows, out: servedBundle });
  return { root, bundle, sweep: sweepDir, bars, events, detections, probabilities, detectionRows, windows, predictions, posteriorWindows, servedBundle };
}
