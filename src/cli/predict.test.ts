/**
 * `spanlab predict` in-process. On windows (--data): the JSON it writes agrees with the library on the
 * same checkpoint and windows, an existing --out is never replaced without --force, and the bundled data
 * is the default. On bars (--bars): the CSV (with its column sidecar) and JSON detections agree with the
 * library's scans, hindsight and live; the threshold comes from a compare bundle beside the checkpoint;
 * the per-bar probabilities file is causal in its live column; breaks are crossed unless --max-gap; the
 * report says when a decoder finds nothing and when detections cluster at window offsets; conflicting or
 * bad flags are refused before anything is written.
 */
import { spanHead } from "../model/heads/registry.js";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { makeWindows } from "../../test/fixtures/data/windows.js";
import { runCli } from "../../test/helpers/cli.js";
import { readBars } from "../data/bars.js";
import { writeWindows } from "../data/load.js";
import type { Bar } from "../data/window.js";
import { computeRelativityFeatures } from "../features/index.js";
import { loadCheckpoint, saveCheckpoint } from "../model/checkpoint.js";
import { JadeCompact } from "../model/jade_compact.js";
import { DETECTION_COLUMNS } from "../predict/detections_io.js";
import type { Detection } from "../predict/merge.js";
import { scanLive } from "../predict/live.js";
import { offsetHistogram } from "../predict/offsets.js";
import { predictWindows, type PredictionReport } from "../predict/predict.js";
import { scanBars } from "../predict/scan.js";
import { defaultDataPath, packageRoot } from "../util/package.js";
import { Rng } from "../util/rng.js";
import { DETECTION_CSV_HEADER, formatScanSummary, type DetectionReport } from "./predict.js";

/** Runs `spanlab …` in-process; returns what it printed. */
async function run(args: string[]): Promise<string> {
  return (await runCli(args)).stdout;
}

afterEach(() => vi.restoreAllMocks());

/** A folder with a seeded checkpoint and a 3-window JSONL file. */
function setup(loss: string) {
  const folder = mkdtempSync(join(tmpdir(), "spanlab-predict-"));
  const model = new JadeCompact({ head: spanHead(loss), maxBatch: 1 });
  model.initialise(new Rng(21));
  const checkpoint = join(folder, "model.safetensors");
  saveCheckpoint(checkpoint, model, { epoch: 1 });
  const windows = makeWindows(3);
  const data = join(folder, "windows.jsonl");
  writeWindows(data, windows);
  return { folder, checkpoint, data, windows };
}

describe("spanlab predict", () => {
  it("writes every window's prediction as the library computes it, with a summary line", async () => {
    const { folder, checkpoint, data, windows } = setup("crf");
    const out = join(folder, "predictions.json");
    const stdout = await run(["predict", "--checkpoint", checkpoint, "--data", data, "--out", out, "--threshold", "0.4"]);

    const report = JSON.parse(readFileSync(out, "utf8")) as PredictionReport;
    expect(report.checkpoint).toBe(checkpoint);
    expect(report.data).toBe(data);
    expect(report.loss_type).toBe("crf");
    expect(report.decoding.threshold).toBe(0.4);
    expect(report.decoding.viterbi_path).toMatch(/Viterbi/);
    expect(report.windows.map((w) => w.window_id)).toEqual(["w0", "w1", "w2"]);
    const { model } = loadCheckpoint(checkpoint, { maxBatch: 3 });
    // JSON keeps every float exactly, so the file equals the library's output.
    expect(report.windows).toEqual(predictWindows(model, windows, { threshold: 0.4 }));
    const hits = report.windows.filter((w) => w.span_iou >= 0.5).length;
    expect(report.summary.span_hits).toBe(hits);
    expect(stdout).toBe(
      `${out}: 3 windows, crf head, mean p in span ${report.summary.mean_in_span_probability.toFixed(3)} ` +
        `(out of span ${report.summary.mean_out_of_span_probability.toFixed(3)}), decoded span IoU ≥ 0.5 in ${hits}/3 windows\n`,
    );
  });

  it("refuses to replace an existing --out without --force, and replaces it with --force", async () => {
    const { folder, checkpoint, data } = setup("soft");
    const out = join(folder, "predictions.json");
    await run(["predict", "--checkpoint", checkpoint, "--data", data, "--out", out, "--threshold", "0.9"]);
    const first = readFileSync(out, "utf8");
    await expect(run(["predict", "--checkpoint", checkpoint, "--data", data, "--out", out])).rejects.toThrow(
      `${out} already exists; choose another --out or pass --force to replace it`,
    );
    expect(readFileSync(out, "utf8")).toBe(first);
    await run(["predict", "--checkpoint", checkpoint, "--data", data, "--out", out, "--force"]);
    const replaced = JSON.parse(readFileSync(out, "utf8")) as PredictionReport;
    expect(replaced.decoding.threshold).toBe(0.5);
    expect(readdirSync(folder).filter((name) => name.endsWith(".tmp"))).toEqual([]);
  });

  it("refuses bad flags and a bad checkpoint before writing anything", async () => {
    const { folder, checkpoint, data } = setup("soft");
    const out = join(folder, "predictions.json");
    await expect(run(["predict", "--checkpoint", checkpoint, "--data", data, "--out", out, "--threshold", "1.5"])).rejects.toThrow(
      '--threshold must be a number in [0, 1], got "1.5"',
    );
    await expect(run(["predict", "--checkpoint", checkpoint, "--data", data, "--out", out, "--batch-size", "0"])).rejects.toThrow(
      '--batch-size must be a positive integer, got "0"',
    );
    await expect(run(["predict", "--checkpoint", data, "--data", data, "--out", out])).rejects.toThrow(`${data}: invalid safetensors`);
    expect(existsSync(out)).toBe(false);
  });

  it("uses the bundled dataset when no --data is given", async () => {
    const { folder, checkpoint } = setup("soft");
    const out = join(folder, "predictions.json");
    const stdout = await run(["predict", "--checkpoint", checkpoint, "--out", out]);
    const report = JSON.parse(readFileSync(out, "utf8")) as PredictionReport;
    expect(report.data).toBe(defaultDataPath());
    expect(report.windows.length).toBeGreaterThan(100);
    expect(report.summary.windows).toBe(report.windows.length);
    expect(stdout).toMatch(new RegExp(`^${out}: ${report.windows.length} windows, soft head`));
  });
});

describe("spanlab predict: span_posterior", () => {
  const fixtures = join(packageRoot(), "test", "fixtures", "checkpoints");

  it.each(["soft", "crf"])("writes a well-formed span posterior per window for the committed %s checkpoint, --top-k spans of it", async (loss) => {
    const { folder, data } = setup(loss);
    const checkpoint = join(fixtures, `spanlab_${loss}.safetensors`);
    const out = join(folder, "predictions.json");
    await run(["predict", "--checkpoint", checkpoint, "--data", data, "--out", out, "--top-k", "3"]);
    const report = JSON.parse(readFileSync(out, "utf8")) as PredictionReport;
    expect(report.decoding.top_k).toBe(3);
    expect(report.decoding.span_posterior).toMatch(/equal-tailed 90% credible intervals .*at most 5% of the mass on each side/);
    const inWindow = (bar: number) => Number.isInteger(bar) && bar >= 0 && bar <= 104;
    for (const window of report.windows) {
      const posterior = window.span_posterior;
      expect(posterior.top).toHaveLength(3);
      let total = 0;
      posterior.top.forEach((span, i) => {
        expect(inWindow(span.start) && inWindow(span.end) && span.start <= span.end).toBe(true);
        expect(span.probability > 0 && span.probability <= 1).toBe(true);
        if (i > 0) expect(span.probability).toBeLessThanOrEqual(posterior.top[i - 1]!.probability);
        total += span.probability;
      });
      expect(total).toBeLessThanOrEqual(1 + 1e-12);
      // The single-span decoders pick the posterior's mode (their logits here are far from the soft clamp).
      expect({ start: posterior.top[0]!.start, end: posterior.top[0]!.end }).toEqual({ start: window.span.start, end: window.span.end });
      for (const [lo, hi] of [posterior.start_interval, posterior.end_interval]) expect(inWindow(lo) && inWindow(hi) && lo <= hi).toBe(true);
      const { mbr } = posterior;
      expect(inWindow(mbr.start) && inWindow(mbr.end) && mbr.start <= mbr.end).toBe(true);
      expect(mbr.exact).toBe(true);
      expect(mbr.expected_iou > 0 && mbr.expected_iou <= 1 + 1e-12).toBe(true);
      expect(posterior.p_iou_at_least_half >= 0 && posterior.p_iou_at_least_half <= 1 + 1e-12).toBe(true);
    }
  });

  it("lists 5 spans by default and refuses a --top-k that is not a positive integer, naming it", async () => {
    const { folder, checkpoint, data } = setup("crf");
    const out = join(folder, "predictions.json");
    for (const bad of ["0", "-2", "2.5", "five"]) {
      await expect(run(["predict", "--checkpoint", checkpoint, "--data", data, "--out", out, "--top-k", bad])).rejects.toThrow(
        `--top-k must be a positive integer, got ${JSON.stringify(bad)}`,
      );
    }
    expect(existsSync(out)).toBe(false);
    await run(["predict", "--checkpoint", checkpoint, "--data", data, "--out", out]);
    const report = JSON.parse(readFileSync(out, "utf8")) as PredictionReport;
    expect(report.windows.every((window) => window.span_posterior.top.length === 5)).toBe(true);
  });
});

/**
 * A seeded model whose per-bar probabilities vary (fresh weights give p ≈ 0.51 everywhere): span and
 * class heads scaled ×10, span bias centred on the first window of `bars`.
 */
function variedModel(loss: string, open: number[], high: number[], low: number[], close: number[]): JadeCompact {
  const model = new JadeCompact({ head: spanHead(loss), maxBatch: 1 });
  model.initialise(new Rng(loss === "soft" ? 31 : 32));
  for (const name of ["expansion_span_emission.1.weight", "classifier.1.weight"]) {
    const w = model.parameters.value(name);
    for (let i = 0; i < w.length; i++) w[i]! *= 10;
  }
  const window: Bar[] = Array.from({ length: 105 }, (_, t) => [open[t]!, high[t]!, low[t]!, close[t]!]);
  const out = model.forward(computeRelativityFeatures(window), 1, { training: false });
  const bias = model.parameters.value("expansion_span_emission.1.bias");
  let mean = 0;
  for (let t = 0; t < 105; t++) mean += (model.head.width === 1 ? out.spanScores[t]! : out.spanScores[2 * t + 1]! - out.spanScores[2 * t]!) / 105;
  if (model.head.width === 1) bias[0]! -= mean;
  else {
    bias[1]! -= mean / 2;
    bias[0]! += mean / 2;
  }
  return model;
}

/**
 * A folder with a bars CSV (`count` 1-minute bars of a seeded random walk from 2024-03-04T14:30Z, ISO
 * timestamps, optional missing minutes after bar `gapAfter`) and a checkpoint of a seeded model — inside a
 * fake compare bundle (runs/<loss>-seed42/last.safetensors + comparison.json) when `comparison` is given.
 */
function barsSetup(loss: string, options: { count?: number; gapAfter?: number; comparison?: { threshold: number; minRunLength: number } } = {}) {
  const folder = mkdtempSync(join(tmpdir(), "spanlab-predict-bars-"));
  const count = options.count ?? 300;
  const rng = new Rng(77);
  const [open, high, low, close]: [number[], number[], number[], number[]] = [[], [], [], []];
  const lines = ["timestamp,open,high,low,close,volume"];
  let price = 17000;
  let minute = 0;
  for (let i = 0; i < count; i++) {
    const sigma = 1 + 4 * Math.abs(Math.sin(i / 30));
    const o = price;
    price += rng.normal(0, sigma);
    const h = Math.max(o, price) + rng.uniform(0, sigma);
    const l = Math.min(o, price) - rng.uniform(0, sigma);
    open.push(o);
    high.push(h);
    low.push(l);
    close.push(price);
    lines.push(`${new Date(Date.UTC(2024, 2, 4, 14, 30) + minute * 60_000).toISOString()},${o},${h},${l},${price},${rng.int(100)}`);
    minute += options.gapAfter === i ? 30 : 1;
  }
  const bars = join(folder, "bars.csv");
  writeFileSync(bars, `${lines.join("\n")}\n`);
  const model = variedModel(loss, open, high, low, close);
  let checkpoint = join(folder, "model.safetensors");
  if (options.comparison) {
    const run = join(folder, "bundle", "runs", `${loss}-seed42`);
    mkdirSync(run, { recursive: true });
    checkpoint = join(run, "last.safetensors");
    const entry = {
      objective: loss,
      seed: 42,
      runDirectory: `runs/${loss}-seed42`,
      evaluation: { minRunLength: options.comparison.minRunLength, thresholds: [{ source: "probabilities", threshold: options.comparison.threshold }] },
    };
    writeFileSync(join(folder, "bundle", "comparison.json"), JSON.stringify({ runs: [entry] }));
  }
  saveCheckpoint(checkpoint, model, { epoch: 3 });
  return { folder, bars, checkpoint };
}

/** A parsed CSV (no quoted fields in the detections file): header and rows of strings. */
function parseCsv(text: string): { header: string[]; rows: string[][] } {
  expect(text.endsWith("\r\n")).toBe(true);
  const [header, ...rows] = text
    .trimEnd()
    .split("\r\n")
    .map((line) => line.split(","));
  return { header: header!, rows };
}

const csvRow = (d: Detection) =>
  [
    d.start_index,
    d.end_index,
    d.start_time,
    d.end_time,
    d.length,
    d.mode,
    d.decoder,
    d.score,
    d.threshold,
    d.confidence,
    d.peak,
    d.predicted_class,
    d.class_probabilities.consolidation,
    d.class_probabilities.retracement,
    d.windows_covering,
    d.known_at_index,
    d.known_at_time,
    ...(d.start_interval_index ?? ["", ""]),
    ...(d.end_interval_index ?? ["", ""]),
    ...(d.start_interval_time ?? ["", ""]),
    ...(d.end_interval_time ?? ["", ""]),
    d.interval_window_start ?? "",
    d.interval_mbr_iou ?? "",
    d.interval_unavailable ?? "",
  ].map(String);

describe("spanlab predict --bars", () => {
  it("writes one CSV row per detection, as the library's scan finds them, a sidecar defining the columns, and the summary", async () => {
    const { folder, bars, checkpoint } = barsSetup("soft");
    const out = join(folder, "detections.csv");
    const stdout = await run(["predict", "--checkpoint", checkpoint, "--bars", bars, "--out", out]);

    const { model } = loadCheckpoint(checkpoint, { maxBatch: 32 });
    const expected = scanBars(model, await readBars(bars), { threshold: 0.5 });
    expect(expected.detections.length).toBeGreaterThan(1);
    const { header, rows } = parseCsv(readFileSync(out, "utf8"));
    expect(header).toEqual([...DETECTION_CSV_HEADER]);
    expect(rows).toEqual(expected.detections.map(csvRow));
    const sidecar = readFileSync(`${out}.md`, "utf8");
    for (const [name] of DETECTION_COLUMNS) expect(sidecar).toContain(`| \`${name}\` |`);
    expect(sidecar).toContain(`- bars: ${bars}, 300 bars`);
    // 300 bars, stride 35: windows at 0, 35, …, 175 and one aligned to the end at 195.
    expect(expected.windows).toBe(7);
    expect(stdout).toContain('columns: timestamp ← "timestamp", open ← "open", high ← "high", low ← "low", close ← "close", volume ← "volume"');
    expect(stdout).toContain(
      "decoding: soft head, stride 35, min run length 1, threshold decoder: combined p > 0.5 (threshold from: default 0.5 (no comparison.json two folders above the checkpoint",
    );
    expect(stdout).toMatch(/scanned 7 windows over 300 bars \(1 segment\(s\)\) on 1 thread\(s\) in \d+\.\d\d s: \d+ windows\/s\n/);
    expect(stdout).toContain(`detections by decoder on the combined series: threshold ${expected.detections.length} (p > 0.5), single-span `);
    expect(stdout).toContain("detection starts modulo the stride 35 (offsets 0…34): ");
    expect(stdout).toContain(`${out}: ${expected.detections.length} detection(s) written (${expected.detections.length} hindsight, 0 live)\n`);
  });

  it("writes JSON with the bars, the decoding and the threshold of the checkpoint's compare run", async () => {
    const { folder, bars, checkpoint } = barsSetup("crf", { comparison: { threshold: 0.42, minRunLength: 2 } });
    const out = join(folder, "detections.json");
    const stdout = await run(["predict", "--checkpoint", checkpoint, "--bars", bars, "--out", out, "--decoder", "threshold", "--stride", "21"]);
    const report = JSON.parse(readFileSync(out, "utf8")) as DetectionReport;
    expect(report).toMatchObject({ checkpoint, loss_type: "crf", live_detections: null, evaluation: null });
    expect(report.bars).toMatchObject({
      source: bars,
      count: 300,
      from: "2024-03-04T14:30:00.000Z",
      to: "2024-03-04T19:29:00.000Z",
      interval: "1m",
      gaps: 0,
      skipped_segments: [],
    });
    expect(report.decoding).toMatchObject({
      decoder: "threshold",
      threshold: 0.42,
      probability_threshold: 0.42,
      min_run_length: 2,
      stride: 21,
      window_bars: 105,
      windows: 11,
      segments: 1,
      batch_size: 32,
    });
    expect(report.decoding.threshold_source).toMatch(
      /^compare run runs\/crf-seed42 in .*comparison\.json \(chosen by best pooled F1 on that run's training windows\)$/,
    );
    expect(report.decoding.min_run_length_source).toMatch(/compare run/);
    expect(Object.keys(report.columns)).toEqual([...DETECTION_CSV_HEADER]);
    const { model } = loadCheckpoint(checkpoint, { maxBatch: 32 });
    const expected = scanBars(model, await readBars(bars), { decoder: "threshold", threshold: 0.42, minRunLength: 2, stride: 21 });
    expect(expected.detections.length).toBeGreaterThan(0);
    expect(report.detections).toEqual(expected.detections);
    expect(report.decoding.decoder_counts).toEqual(expected.decoderCounts);
    expect(stdout).toContain(
      "decoding: crf head, stride 21, min run length 2, threshold decoder: combined p > 0.42 (threshold from: compare run runs/crf-seed42",
    );

    // The CRF's default decoder is Viterbi: the windows' paths vote, a detection where more than half agree.
    const viterbiOut = join(folder, "viterbi.json");
    const printed = await run(["predict", "--checkpoint", checkpoint, "--bars", bars, "--out", viterbiOut]);
    const viterbi = JSON.parse(readFileSync(viterbiOut, "utf8")) as DetectionReport;
    expect(viterbi.decoding).toMatchObject({ decoder: "viterbi", threshold: 0.5, probability_threshold: 0.42 });
    expect(viterbi.detections.every((d) => d.decoder === "viterbi" && d.score === "vote")).toBe(true);
    expect(printed).toContain("viterbi decoder: combined vote of the windows' viterbi paths > 0.5");
  });

  it("--live adds the causal detections; --probabilities writes the per-bar series, whose live column ignores later bars", async () => {
    const { folder, bars, checkpoint } = barsSetup("soft", { count: 420 });
    const out = join(folder, "both.csv");
    const probabilities = join(folder, "p.csv");
    const stdout = await run(["predict", "--checkpoint", checkpoint, "--bars", bars, "--out", out, "--live", "--probabilities", probabilities]);
    const { model } = loadCheckpoint(checkpoint, { maxBatch: 32 });
    const series = await readBars(bars);
    const hindsight = scanBars(model, series, { threshold: 0.5 });
    const live = scanLive(model, series, { threshold: 0.5 });
    expect(live.detections.length).toBeGreaterThan(0);
    expect(parseCsv(readFileSync(out, "utf8")).rows).toEqual([...hindsight.detections, ...live.detections].map(csvRow));
    expect(stdout).toContain(`live: ${live.detections.length} detection(s), p_live > 0.5, min run length 1; each known at known_at_index`);
    const lines = readFileSync(probabilities, "utf8").trimEnd().split("\r\n");
    expect(lines[0]).toBe("bar_index,timestamp,p,p_live");
    expect(lines.length).toBe(421);
    expect(lines[1]).toMatch(/^0,2024-03-04T14:30:00\.000Z,0\.\d+,$/);
    expect(lines[106]!.split(",")[3]).toBe(String(Math.round(live.probabilities[105]! * 1e6) / 1e6));
    expect(readFileSync(`${probabilities}.md`, "utf8")).toContain("| `p_live` |");

    // Causality through the files: the same bars cut at T = 300 give the same live column before T.
    const cut = join(folder, "cut.csv");
    writeFileSync(cut, `${readFileSync(bars, "utf8").split("\n").slice(0, 301).join("\n")}\n`);
    const cutProbabilities = join(folder, "p-cut.csv");
    await run(["predict", "--checkpoint", checkpoint, "--bars", cut, "--out", join(folder, "cut-out.csv"), "--live", "--probabilities", cutProbabilities]);
    const liveColumn = (file: string) =>
      readFileSync(file, "utf8")
        .trimEnd()
        .split("\r\n")
        .slice(1, 301)
        .map((line) => line.split(",")[3]);
    expect(liveColumn(cutProbabilities)).toEqual(liveColumn(probabilities));
  });

  it("says when the chosen decoder finds nothing, what the others find, and when detections cluster at window offsets", async () => {
    const { folder, bars, checkpoint } = barsSetup("soft");
    const stdout = await run(["predict", "--checkpoint", checkpoint, "--bars", bars, "--out", join(folder, "none.csv"), "--threshold", "1"]);
    expect(stdout).toMatch(
      /note: the threshold decoder found no detection in 300 bars; the other decoders on the same combined series find: single-span \d+ \(--decoder NAME to use one\)/,
    );
    const { model } = loadCheckpoint(checkpoint, { maxBatch: 32 });
    const result = scanBars(model, await readBars(bars), { threshold: 0.5 });
    const piled = { ...result, offsets: offsetHistogram([0, 35, 70, 105, 140, 175, 210, 245, 3, 9], 35, []) };
    expect(formatScanSummary("x.csv", piled, "--threshold")).toMatch(
      /\nWARNING: detections cluster at window offsets — detection starts modulo the stride 35 \(offsets 0…34\): 8 0 0 1 /,
    );
  });

  it("refuses to replace an existing --out (or its sidecar) without --force, and replaces them with --force", async () => {
    const { folder, bars, checkpoint } = barsSetup("soft");
    const out = join(folder, "detections.csv");
    await run(["predict", "--checkpoint", checkpoint, "--bars", bars, "--out", out, "--threshold", "0.9"]);
    const first = readFileSync(out, "utf8");
    await expect(run(["predict", "--checkpoint", checkpoint, "--bars", bars, "--out", out])).rejects.toThrow(
      `${out} already exists; choose another --out or pass --force to replace it`,
    );
    expect(readFileSync(out, "utf8")).toBe(first);
    const other = join(folder, "other.csv");
    writeFileSync(`${other}.md`, "mine");
    await expect(run(["predict", "--checkpoint", checkpoint, "--bars", bars, "--out", other])).rejects.toThrow(`${other}.md already exists`);
    await run(["predict", "--checkpoint", checkpoint, "--bars", bars, "--out", out, "--threshold", "0.1", "--force"]);
    expect(readFileSync(out, "utf8")).not.toBe(first);
    expect(readdirSync(folder).filter((name) => name.endsWith(".tmp"))).toEqual([]);
  });

  it("refuses --data with --bars, bars-only flags on windows, and bad flags, before writing anything", async () => {
    const { folder, bars, checkpoint } = barsSetup("soft");
    const data = join(folder, "windows.jsonl");
    writeWindows(data, makeWindows(2));
    const out = join(folder, "out.json");
    const refusals: [string[], string][] = [
      [["--data", data, "--bars", bars], "--data and --bars are different inputs (a window file vs raw bars to scan); give one of them"],
      [["--data", data, "--stride", "10"], "--stride applies to --bars (scanning raw bars), not to windows"],
      [["--data", data, "--live"], "--live applies to --bars (scanning raw bars), not to windows"],
      [["--data", data, "--html", "x.html"], "--html applies to --bars (scanning raw bars), not to windows"],
      [["--data", data, "--allow-gaps"], "--allow-gaps applies to --bars (scanning raw bars), not to windows"],
      [["--data", data, "--max-gap", "1d"], "--max-gap applies to --bars (scanning raw bars), not to windows"],
      [["--data", data, "--timezone", "UTC"], "--timezone applies to --bars (scanning raw bars), not to windows"],
      [["--bars", bars, "--max-gap", "soon"], '--max-gap must be a duration like 4d, 90m, 2h, 30s or 1h30m (units ms, s, m, h, d, w), got "soon"'],
      [["--bars", bars, "--timezone", "Nowhere/City"], '--timezone: unknown time zone "Nowhere/City"'],
      [["--bars", bars, "--columns", "open"], "--columns takes canonical=header pairs"],
      [["--bars", bars, "--decimal", "x"], '--decimal must be "." (decimal point) or "," (decimal comma), got "x"'],
      [["--bars", bars, "--decoder", "viterbi"], "the viterbi decoder needs a CRF checkpoint; this checkpoint has the soft span loss head"],
      [["--bars", bars, "--decoder", "beam"], '--decoder must be one of threshold, viterbi, semi_markov_viterbi, single-span, got "beam"'],
      [["--bars", bars, "--stride", "106"], '--stride must be an integer in [1, 105], got "106"'],
      [["--bars", bars, "--min-run-length", "0"], '--min-run-length must be an integer in [1, 105], got "0"'],
      [["--bars", bars, "--workers", "0"], '--workers must be an integer in [1, 256], got "0"'],
      [["--bars", bars, "--iou", "0"], '--iou must be a number in (0, 1], got "0"'],
      [["--bars", bars, "--rule-thresholds", "1"], '--rule-thresholds must be a,b (range_z > a, |expansion_proxy| > b; e.g. 1.2,0.3), got "1"'],
      [["--bars", bars, "--html", "x.png"], '--html must end in .html, got "x.png"'],
      [["--bars", bars, "--probabilities", "p.txt"], '--probabilities must end in .csv, got "p.txt"'],
      [
        ["--bars", bars, "--decoder", "single-span", "--threshold", "0.3"],
        "--threshold applies to the threshold decoder and to --live; the single-span decoder does not threshold p",
      ],
      [["--bars", bars, "--skip-invalid"], "--skip-invalid applies to --data"],
      [["--bars", bars, "--top-k", "3"], "--top-k applies to --data (each window's span posterior)"],
    ];
    for (const [flags, message] of refusals) {
      await expect(run(["predict", "--checkpoint", checkpoint, ...flags, "--out", out])).rejects.toThrow(message);
    }
    await expect(run(["predict", "--checkpoint", checkpoint, "--bars", bars, "--out", join(folder, "out.txt")])).rejects.toThrow(
      "--out must end in .csv (one detection per row) or .json",
    );
    expect(readdirSync(folder).sort()).toEqual(["bars.csv", "model.safetensors", "windows.jsonl"]);
  });

  it("crosses breaks by default (one segment, the break summarised); --max-gap stops scans at longer ones; --allow-gaps is a no-op", async () => {
    const { folder, bars, checkpoint } = barsSetup("soft", { count: 320, gapAfter: 149 });
    const scan = async (name: string, flags: string[]) => {
      const out = join(folder, name);
      const stdout = await run(["predict", "--checkpoint", checkpoint, "--bars", bars, "--out", out, "--threshold", "0", ...flags]);
      return { stdout, report: JSON.parse(readFileSync(out, "utf8")) as DetectionReport };
    };
    const crossed = await scan("crossed.json", []);
    expect(crossed.report.bars.gaps).toBe(0);
    expect(crossed.report.bars.timezone).toBe("UTC");
    expect(crossed.report.bars.breaks).toMatchObject({
      count: 1,
      classes: { missing: 0, session: 1, weekend: 0, holiday: 0, longer: 0 },
      longest: { index: 150, from: "2024-03-04T16:59:00.000Z", to: "2024-03-04T17:29:00.000Z", duration: "29m", duration_ms: 29 * 60_000, kind: "session" },
      max_gap: null,
      beyond_max_gap: 0,
    });
    expect(crossed.report.decoding.segments).toBe(1);
    expect(crossed.report.detections.map((d) => [d.start_index, d.end_index])).toEqual([[0, 319]]);
    expect(crossed.stdout).toContain(
      "  breaks: 1 — 1 session (overnight/daily, < 24 h); longest 29m (2024-03-04T16:59:00Z → 2024-03-04T17:29:00Z, before row 150); days in UTC\n",
    );
    const noOp = await scan("allow.json", ["--allow-gaps"]);
    expect(noOp.report.detections).toEqual(crossed.report.detections);

    const capped = await scan("capped.json", ["--max-gap", "10m"]);
    expect(capped.report.bars.gaps).toBe(1);
    expect(capped.report.decoding.segments).toBe(2);
    expect(capped.report.detections.map((d) => [d.start_index, d.end_index])).toEqual([
      [0, 149],
      [150, 319],
    ]);
    expect(capped.report.detections[1]!.start_time).toBe("2024-03-04T17:29:00.000Z");
    expect(capped.stdout).toContain("  --max-gap 10m: 1 break(s) longer (29 missing bars); windows and scans never cross them\n");

    const zoned = await scan("zoned.json", ["--timezone", "America/New_York"]);
    expect(zoned.report.detections).toEqual(crossed.report.detections);
    expect(zoned.report.bars.timezone).toBe("America/New_York");
  });
});
