import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { parse } from "csv-parse/sync";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildComparisonFixture, type ComparisonFixture } from "../../test/fixtures/comparison/build.js";
import type { ComparisonResult, ObjectiveStatistics } from "../compare/types.js";
import { writeBundle } from "./bundle.js";

/** The reference's 21 rows of SOFT_SPAN_VS_CRF_RESULTS.csv, in its order (docs/spec.md §7). */
const REFERENCE_ROWS = [
  "Epochs",
  "Val Loss (Start)",
  "Val Loss (Final)",
  "Loss Reduction %",
  "Normalized Reduction",
  "Loss Scale Range",
  "Convergence Pattern",
  "Overfitting",
  "Pointer Weight %",
  "Span Weight %",
  "Classification Weight %",
  "Countdown Weight %",
  "Sigma Span",
  "In-Span Mean Prob",
  "Out-of-Span Mean Prob",
  "Probability Separation",
  "Inference Complexity",
  "Calibration",
  "Task Balance",
  "Production Readiness",
  "Recommendation",
];

/** Reference rows that print one `result.metrics` entry, and that entry's key. */
const REFERENCE_ROW_METRIC: Record<string, string> = {
  "Val Loss (Start)": "val_loss_first",
  "Val Loss (Final)": "val_loss_final",
  "Loss Reduction %": "loss_reduction",
  "Pointer Weight %": "weight_pointer",
  "Span Weight %": "weight_span",
  "Classification Weight %": "weight_type",
  "Countdown Weight %": "weight_countdown",
  "Sigma Span": "sigma_span",
  "In-Span Mean Prob": "in_span_mean",
  "Out-of-Span Mean Prob": "out_of_span_mean",
  "Probability Separation": "separation",
};

let root: string;
let multi: ComparisonFixture;
let single: ComparisonFixture;
let multiFiles: string[];
let singleFiles: string[];
/** Files each bundle folder held before the writer ran (runs/, comparison.json, compare_config.json). */
const before = new Map<ComparisonFixture, string[]>();

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "spanlab-bundle-"));
  multi = await buildComparisonFixture(join(root, "multi"), join(root, "data-multi"), { seeds: [1, 2, 3], epochs: 3, events: 10 });
  single = await buildComparisonFixture(join(root, "single"), join(root, "data-single"), { seeds: [7], epochs: 2 });
  before.set(multi, listFiles(multi.bundleDirectory));
  before.set(single, listFiles(single.bundleDirectory));
  multiFiles = await writeBundle(multi.result, multi.bundleDirectory);
  singleFiles = await writeBundle(single.result, single.bundleDirectory);
  // Training the fixtures' runs takes seconds, more on a loaded machine.
}, 300_000);

afterAll(() => rmSync(root, { recursive: true, force: true }));

function read(fixture: ComparisonFixture, name: string): string {
  return readFileSync(join(fixture.bundleDirectory, name), "utf8");
}

/** Every file under `directory`, relative to it, sorted. */
function listFiles(directory: string): string[] {
  const out: string[] = [];
  const walk = (folder: string) => {
    for (const name of readdirSync(folder)) {
      const path = join(folder, name);
      if (statSync(path).isDirectory()) walk(path);
      else out.push(relative(directory, path));
    }
  };
  walk(directory);
  return out.sort();
}

function parseCsv(text: string): string[][] {
  // Strict RFC 4180: CRLF records, no loose quotes, every record the header's width.
  return parse(text, { record_delimiter: "\r\n", relax_quotes: false, relax_column_count: false }) as string[][];
}

/** The numbers of a cell such as "0.087 [0.077, 0.105]" or "24.8% [20.0%, 30.1%]". */
function numbers(cell: string): number[] {
  return (cell.match(/-?\d+(?:\.\d+)?/g) ?? []).map(Number);
}

/** Checks a printed cell against statistics: within half a unit of the last printed decimal. */
function expectCellMatches(cell: string, stats: ObjectiveStatistics | null, seeds: number, label: string): void {
  if (!stats) {
    expect(cell, label).toBe("n/a");
    return;
  }
  const decimals = (cell.match(/\.(\d+)/)?.[1] ?? "").length;
  const tolerance = 0.5 * 10 ** -decimals + 1e-12;
  const printed = numbers(cell);
  const expected = seeds === 1 ? [stats.mean] : [stats.mean, stats.low, stats.high];
  expect(printed.length, `${label}: ${cell}`).toBe(expected.length);
  printed.forEach((value, i) => {
    expect(Math.abs(value - expected[i]!), `${label}: ${cell}`).toBeLessThanOrEqual(tolerance);
  });
}

/** The val_loss the log prints for `epoch`. */
function logValLoss(log: string, epoch: number): string {
  const match = new RegExp(`^Epoch ${epoch}/\\d+: .*val_loss=(\\d+\\.\\d+)`, "m").exec(log);
  if (!match) throw new Error(`no epoch ${epoch} line in the log`);
  return match[1]!;
}

const REFERENCE_FILES = (epochs: number) => [
  "ANALYSIS_INDEX.md",
  "TRAINING_ANALYSIS_SUMMARY.txt",
  "SOFT_SPAN_VS_CRF_RESULTS.csv",
  "FINAL_COMPARISON_SOFT_SPAN_VS_CRF.md",
  "THRESHOLD_OPTIMIZATION_ANALYSIS.md",
  "threshold_optimization_results.csv",
  "threshold_optimization_results.png",
  `training_soft_span_${epochs}.log`,
  `training_crf_${epochs}.log`,
  "artifacts/diagnostics/span_probs_soft.png",
  "artifacts/diagnostics/span_probs_crf.png",
];

describe("writeBundle", () => {
  it("writes every file the reference's index lists, the plots and report.html, and returns exactly what it wrote", () => {
    for (const [fixture, files] of [
      [multi, multiFiles],
      [single, singleFiles],
    ] as const) {
      const epochs = fixture.result.protocol.epochs;
      const existing = before.get(fixture)!;
      expect(existing).toContain("comparison.json");
      const all = listFiles(fixture.bundleDirectory);
      const onDisk = all.filter((f) => !existing.includes(f));
      expect([...files].map((f) => relative(fixture.bundleDirectory, f)).sort()).toEqual(onDisk);
      for (const name of [...REFERENCE_FILES(epochs), "report.html", "threshold_sweeps.csv"]) expect(onDisk, name).toContain(name);
      for (const plot of ["loss_curves", "sigma_task_weights", "task_scales", "reliability", "threshold_f1_curves", "example_windows"]) {
        for (const extension of ["png", "svg", "vl.json"]) expect(onDisk).toContain(`plots/${plot}.${extension}`);
      }
      for (const png of onDisk.filter((f) => f.endsWith(".png"))) {
        expect([...readFileSync(join(fixture.bundleDirectory, png)).subarray(0, 8)], png).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
      }
      // No temporary files of the atomic writes are left behind.
      expect(onDisk.filter((f) => f.split("/").pop()!.startsWith("."))).toEqual([]);
      // The index's manifest names every file of the bundle.
      const index = read(fixture, "ANALYSIS_INDEX.md");
      expect(index).toContain("| [plots/task_scales.png](plots/task_scales.png) |");
      for (const name of all.filter((f) => !f.startsWith("runs/"))) expect(index, name).toContain(`[${name}](${name})`);
      const runRows = index.split("\n").filter((line) => line.startsWith("| `runs/"));
      expect(runRows).toHaveLength(fixture.result.runs.length + (fixture.result.sensitivity?.points.flatMap((p) => p.runDirectories).length ?? 0));
      for (const name of all.filter((f) => f.startsWith("runs/"))) {
        const folder = name.slice(0, name.lastIndexOf("/") + 1);
        const file = name.slice(folder.length);
        expect(
          runRows.find((row) => row.startsWith(`| \`${folder}\``)),
          name,
        ).toContain(`\`${file}\``);
      }
    }
  });

  it("copies the first seed's training logs byte for byte, named after the epoch count", () => {
    for (const fixture of [multi, single]) {
      const { epochs, seeds } = fixture.result.protocol;
      for (const [objective, name] of [
        ["soft", `training_soft_span_${epochs}.log`],
        ["crf", `training_crf_${epochs}.log`],
      ] as const) {
        const copy = readFileSync(join(fixture.bundleDirectory, name));
        const original = readFileSync(join(fixture.bundleDirectory, "runs", `${objective}-seed${seeds[0]}`, "training.log"));
        expect(copy.equals(original)).toBe(true);
      }
    }
    expect(read(multi, "ANALYSIS_INDEX.md")).toContain("the other seeds' logs are under `runs/<objective>-seed<seed>/training.log`");
  });

  it("writes the results CSV with the exact header, the reference's 21 rows in order, then every other metric, matching the result", () => {
    for (const fixture of [multi, single]) {
      const result = fixture.result;
      const seeds = result.protocol.seeds.length;
      const text = read(fixture, "SOFT_SPAN_VS_CRF_RESULTS.csv");
      expect(text.split("\r\n").length - 1).toBeGreaterThan(21);
      const [header, ...rows] = parseCsv(text);
      expect(header).toEqual(["metric", "soft_span_loss", "crf", "winner", "notes"]);
      expect(rows.slice(0, 21).map((r) => r[0])).toEqual(REFERENCE_ROWS);
      const byName = new Map(rows.map((r) => [r[0]!, r]));
      const metric = (key: string) => result.metrics.find((m) => m.key === key)!;
      for (const [name, key] of Object.entries(REFERENCE_ROW_METRIC)) {
        const row = byName.get(name)!;
        expectCellMatches(row[1]!, metric(key).byObjective.soft!, seeds, `${name} soft`);
        expectCellMatches(row[2]!, metric(key).byObjective.crf!, seeds, `${name} crf`);
        expect(row[3], name).toBe(metric(key).winner);
      }
      expect(byName.get("Epochs")!.slice(1, 3)).toEqual([String(result.protocol.epochs), String(result.protocol.epochs)]);
      expect(byName.get("Recommendation")![3]).toBe(result.recommendation.decision);
      expect(byName.get("Recommendation")![4]).toContain(result.recommendation.headline);
      expect(byName.get("Normalized Reduction")![4]).toMatch(/REFERENCE HEURISTIC/);
      expect(numbers(byName.get("Normalized Reduction")![2]!)[0]).toBeCloseTo(100 * result.referenceHeuristic.normalised, 1);
      // The loss scale range is the min–max of the validation loss over every epoch of every run.
      for (const [column, objective] of [
        [1, "soft"],
        [2, "crf"],
      ] as const) {
        const losses = result.runs.filter((r) => r.objective === objective).flatMap((r) => r.records.map((e) => e.validation.unweighted));
        expect(byName.get("Loss Scale Range")![column]).toBe(`${Math.min(...losses).toFixed(4)}–${Math.max(...losses).toFixed(4)}`);
      }
      // After the reference rows: one row per metric they do not print, in the result's order, with its winner.
      const covered = new Set([...Object.values(REFERENCE_ROW_METRIC), "ece", "brier"]);
      const extra = result.metrics.filter((m) => !covered.has(m.key));
      expect(rows.slice(21).map((r) => r[0])).toEqual(extra.map((m) => m.label));
      for (const [i, m] of extra.entries()) {
        const row = rows[21 + i]!;
        expectCellMatches(row[1]!, m.byObjective.soft ?? null, seeds, `${m.key} soft`);
        expectCellMatches(row[2]!, m.byObjective.crf ?? null, seeds, `${m.key} crf`);
        expect(row[3]).toBe(m.winner);
      }
      // The rule detector stands beside the model metrics it has a counterpart for.
      const ruleF1 = /rule baseline ([^;(]+)/.exec(byName.get(metric("f1_native").label)![4]!);
      expect(ruleF1, "f1_native notes name the rule baseline").not.toBeNull();
      expectCellMatches(ruleF1![1]!.trim(), result.ruleBaseline.metrics.f1, seeds, "rule baseline F1");
    }
  });

  it("with one seed prints plain values equal to the log's printed val_loss, and names no winner", () => {
    const result = single.result;
    const epochs = result.protocol.epochs;
    const rows = new Map(
      parseCsv(read(single, "SOFT_SPAN_VS_CRF_RESULTS.csv"))
        .slice(1)
        .map((r) => [r[0]!, r]),
    );
    for (const [objective, column] of [
      ["soft", 1],
      ["crf", 2],
    ] as const) {
      const log = read(single, `training_${objective === "soft" ? "soft_span" : "crf"}_${epochs}.log`);
      expect(rows.get("Val Loss (Start)")![column]).toBe(logValLoss(log, 1));
      expect(rows.get("Val Loss (Final)")![column]).toBe(logValLoss(log, epochs));
      // And the same figures are in the run's metrics.jsonl.
      const records = readFileSync(join(single.bundleDirectory, "runs", `${objective}-seed7`, "metrics.jsonl"), "utf8")
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l));
      expect(rows.get("Val Loss (Start)")![column]).toBe(records[0].validation.unweighted.toFixed(4));
    }
    for (const row of rows.values()) {
      if (row[0] !== "Recommendation") expect(["n/a", "not established"], row[0]).toContain(row[3]);
      expect(row[1]!.includes("["), row[0]).toBe(false);
    }
    expect(result.recommendation.decision).toBe("undecided");
    expect(read(single, "TRAINING_ANALYSIS_SUMMARY.txt").replace(/\s+/g, " ")).toContain("a single run cannot establish a difference");
    expect(read(single, "report.html")).toContain("a single run cannot establish a difference");
  });

  it("writes the reference's threshold CSV for the first soft run and every run's sweep in long format", () => {
    const result = multi.result;
    const [header, ...rows] = parseCsv(read(multi, "threshold_optimization_results.csv"));
    expect(header).toEqual(["threshold", "f1", "precision", "recall", "n_true", "n_pred"]);
    const firstSoft = result.runs.find((r) => r.objective === "soft" && r.seed === result.protocol.seeds[0])!;
    const sweep = firstSoft.evaluation.thresholds[0]!.validationSweep;
    expect(rows.map((r) => Number(r[0]))).toEqual(sweep.map((s) => s.threshold));
    rows.forEach((row, i) => {
      expect(Number(row[1])).toBeCloseTo(sweep[i]!.f1, 6);
      expect(Number(row[4])).toBe(sweep[i]!.nTrue);
      expect(Number(row[5])).toBe(sweep[i]!.nPredicted);
    });
    expect(rows.map((r) => r[0]).slice(0, 3)).toEqual(["0.01", "0.02", "0.03"]);
    const [longHeader, ...long] = parseCsv(read(multi, "threshold_sweeps.csv"));
    expect(longHeader).toEqual(["objective", "seed", "source", "threshold", "f1", "precision", "recall", "n_true", "n_pred"]);
    const expected = result.runs.reduce((sum, r) => sum + r.evaluation.thresholds.reduce((s, t) => s + t.validationSweep.length, 0), 0);
    expect(long).toHaveLength(expected);
    expect(new Set(long.map((r) => r[2]))).toEqual(new Set(["sigmoid", "posterior_marginals", "emission_softmax"]));
  });

  it("writes a self-contained report.html: no network references, the decision, every plot embedded", () => {
    for (const [fixture, files] of [
      [multi, multiFiles],
      [single, singleFiles],
    ] as const) {
      const html = read(fixture, "report.html");
      expect(html).not.toMatch(/https?:\/\//);
      expect(html).not.toMatch(/<script|<link|@import|url\(/i);
      expect(html).toContain(fixture.result.recommendation.headline.replace(/'/g, "&#39;"));
      const images = [...html.matchAll(/<img src="data:image\/png;base64,([A-Za-z0-9+/=]+)"/g)].map((m) => Buffer.from(m[1]!, "base64"));
      const pngs = files.filter((f) => f.endsWith(".png"));
      expect(images).toHaveLength(pngs.length);
      // Each embedded image is byte-identical to a PNG of the bundle.
      const onDisk = pngs.map((f) => readFileSync(f));
      for (const image of images) expect(onDisk.some((png) => png.equals(image))).toBe(true);
      // Links to the other files are relative and point at files that exist; links within the page at an id it has.
      for (const [, href] of html.matchAll(/<a href="([^"]+)"/g)) {
        if (href!.startsWith("#")) expect(html, href).toContain(`id="${href!.slice(1)}"`);
        else expect(existsSync(join(fixture.bundleDirectory, href!)), href).toBe(true);
      }
    }
  });

  it("keeps the executive summary within 80 columns and every number in it traceable to the result", () => {
    const text = read(multi, "TRAINING_ANALYSIS_SUMMARY.txt");
    for (const line of text.split("\n")) expect([...line].length, line).toBeLessThanOrEqual(80);
    const f1 = multi.result.metrics.find((m) => m.key === "f1_native")!;
    expect(text).toContain(`${f1.byObjective.soft!.mean.toFixed(3)} [${f1.byObjective.soft!.low.toFixed(3)}, ${f1.byObjective.soft!.high.toFixed(3)}]`);
    expect(text).toContain(multi.result.protocol.thresholdChosenOn.split(" ").slice(0, 4).join(" "));
    for (const section of [
      "DECISION",
      "HEADLINE RESULTS",
      "SETTINGS",
      "DOES THE VERDICT DEPEND ON THE SETTINGS?",
      "IS THE CLASS TASK LEARNED?",
      "BASELINES",
      "WHAT IS NOT ESTABLISHED",
      "CAVEATS",
    ])
      expect(text).toContain(section);
    // The sensitivity sentence and the class-head finding are the model's, printed as they are.
    expect(text.replace(/\s+/g, " ")).toContain(multi.result.sensitivity!.sentence);
    expect(text.replace(/\s+/g, " ")).toContain(multi.result.classHead.sentence.slice(0, 60));
    const final = read(multi, "FINAL_COMPARISON_SOFT_SPAN_VS_CRF.md");
    expect(final).toContain("## 11. Does the verdict depend on the settings?");
    expect(final).toContain("### Is the class task learned?");
    // The class table prints each head's predicted-majority share as one percentage (formatValue adds the sign).
    const share = multi.result.classHead.byObjective.soft!.predictedMajorityShare.mean;
    expect(final).toContain(`| ${(100 * share).toFixed(1)}% |`);
    expect(final).not.toContain("%%");
    expect(final).toContain("](plots/sensitivity.png)");
  });

  it("writes the deep-dive with the trajectory epochs, the CRF's three readings and the step budget", () => {
    const text = read(multi, "FINAL_COMPARISON_SOFT_SPAN_VS_CRF.md");
    const soft = multi.result.runs.filter((r) => r.objective === "soft");
    // Epoch 2's seed-mean validation loss of the soft runs, as the trajectory table prints it.
    const mean = soft.reduce((s, r) => s + r.records[1]!.validation.unweighted, 0) / soft.length;
    expect(text).toMatch(new RegExp(`\\| 2 \\| [0-9.]+ \\| ${mean.toFixed(4).replace(".", "\\.")} \\|`));
    for (const decoder of ["viterbi", "marginal_threshold", "emission_softmax_threshold"]) expect(text).toContain(`\`${decoder}\``);
    expect(text).toContain("Step budget");
    expect(text).toContain("](plots/loss_curves.png)");
    // Section 3's per-epoch table: the CRF span task's seed-mean validation loss and 1/(2σ²) at epoch 2, from the records.
    const crf = multi.result.runs.filter((r) => r.objective === "crf");
    const atEpoch2 = crf.map((r) => r.records.find((e) => e.epoch === 2)!);
    const spanLoss = atEpoch2.reduce((s, e) => s + e.validation.span, 0) / crf.length;
    const spanWeight = atEpoch2.reduce((s, e) => s + e.effective_weights.span, 0) / crf.length;
    const section3 = text.slice(text.indexOf("## 3."), text.indexOf("## 4."));
    const rows = section3.split("\n").filter((line) => line.startsWith("| CRF | 2 |"));
    expect(rows, "one per-epoch task-scale row for CRF, epoch 2 in section 3").toHaveLength(1);
    // Columns: objective, epoch, then (val loss, 1/(2σ²)) for pointer, classification, span, countdown.
    const cells = rows[0]!
      .split("|")
      .slice(1, -1)
      .map((c) => c.trim());
    expect(cells).toHaveLength(10);
    expect(cells.slice(6, 8)).toEqual([spanLoss.toFixed(4), spanWeight.toFixed(4)]);
    expect(section3).toContain("![Each task's raw loss scale and effective weight](plots/task_scales.png)");
    expect(read(multi, "report.html")).toContain('<figure id="plot-taskScales">');
    const threshold = read(multi, "THRESHOLD_OPTIMIZATION_ANALYSIS.md");
    for (const rule of multi.result.ruleBaseline.perSeed) expect(threshold).toContain(`| ${rule.seed} | ${rule.rangeZThreshold.toFixed(2)} |`);
    for (const run of multi.result.runs)
      expect(threshold).toContain(
        `| ${run.seed} | ${run.objective === "soft" ? "sigmoid" : "posterior_marginals"} | ${String(run.evaluation.thresholds[0]!.threshold)}`,
      );
  });

  it("writes identical files for the same result in two folders, except where the created time is printed", async () => {
    const other = join(root, "multi-again");
    cpSync(join(multi.bundleDirectory, "runs"), join(other, "runs"), { recursive: true });
    for (const name of ["comparison.json", "compare_config.json"]) cpSync(join(multi.bundleDirectory, name), join(other, name));
    const created = "2031-02-03T04:05:06.789Z";
    const result: ComparisonResult = { ...multi.result, created };
    const files = await writeBundle(result, other);
    const names = files.map((f) => relative(other, f)).sort();
    expect(names).toEqual(multiFiles.map((f) => relative(multi.bundleDirectory, f)).sort());
    let differing = 0;
    for (const name of names) {
      // The manifest's hashes follow the files' content, so it differs where they do.
      if (name === "bundle_manifest.json") continue;
      const a = readFileSync(join(multi.bundleDirectory, name));
      const b = readFileSync(join(other, name));
      if (a.equals(b)) continue;
      differing++;
      // Only the created time may differ.
      expect(b.toString("utf8").replaceAll(created, multi.result.created), name).toBe(a.toString("utf8"));
    }
    expect(differing).toBeGreaterThan(0);
  });
});
