/**
 * Writes the analysis bundle of a comparison (docs/spec.md §7) into its folder: every file the reference's
 * ANALYSIS_INDEX.md lists, under the same names, plus what the reference lacked — intervals over seeds,
 * every run's threshold sweep, calibration, the plots, and a self-contained report.html.
 *
 * Everything is a function of the `ComparisonResult` (and, for the example page, the example windows
 * the caller passes); the top-level logs are byte-for-byte copies of the first seed's run logs. Every
 * file is written atomically, so an interrupted write never leaves a half file under a final name, and
 * two writes of the same result give identical files except where the `created` time is printed.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import type { ComparisonResult, Objective, RunResult } from "../compare/types.js";
import { OBJECTIVES } from "../compare/types.js";
import { writeFileAtomic } from "../util/files.js";
import { baselineF1, firstRun, mean, pooledReliability, runsOf, summedHistogram, TASK_KEYS } from "./analysis.js";
import { resultsCsv, sweepsCsv, thresholdCsv } from "./csv.js";
import { formatThreshold, formatValue, objectiveName, plural } from "./format.js";
import { reportHtml, type EmbeddedPlot } from "./html.js";
import { bundleLayout, type BundleLayout, type ManifestEntry, type PlotEntry, type RunFolder } from "./layout.js";
import { analysisIndex, executiveSummary, finalComparison, thresholdAnalysis, type DocumentContext } from "./markdown.js";
import {
  candlestickPage,
  lossCurvesPlot,
  probabilityHistogramPlot,
  reliabilityPlot,
  sigmaTrajectoriesPlot,
  taskScalesPlot,
  thresholdCurvePlot,
  type LossPoint,
  type ReliabilityRow,
  type SigmaPoint,
  type TaskScaleRow,
  type ThresholdCurveRow,
  type ThresholdMarker,
} from "./plots.js";
import { writePlot } from "./render.js";
import type { TopLevelSpec } from "vega-lite";

/** A validation window to draw, with both objectives' output (the caller passes ~6 of the first seed). */
export interface ExampleWindow {
  windowId: string;
  /** [open, high, low, close] per bar. */
  bars: [number, number, number, number][];
  trueSpan: { start: number; end: number };
  predicted: { objective: Objective; span: { start: number; end: number } | null; probabilities: number[] }[];
}

export interface BundleExtras {
  examples: ExampleWindow[];
}

/** A plot to render: where it goes, what it shows, and its spec. */
interface PlotJob extends PlotEntry {
  spec: () => TopLevelSpec;
}

function seedText(result: ComparisonResult): string {
  return plural(result.protocol.seeds.length, "seed");
}

/** "mean and <band> over N seeds", or "one seed (no band)" when there is nothing to spread over. */
function spread(result: ComparisonResult, band: string): string {
  const seeds = result.protocol.seeds.length;
  return seeds > 1 ? `mean and ${band} over ${seeds} seeds` : "one seed (no band)";
}

/** Every plot of the bundle with its spec, from the result (the example page only with examples). */
function plotJobs(result: ComparisonResult, layout: BundleLayout, extras: BundleExtras): PlotJob[] {
  const seeds = result.protocol.seeds.length;
  const runs: Record<Objective, RunResult[]> = { soft: runsOf(result, "soft"), crf: runsOf(result, "crf") };
  const all = OBJECTIVES.flatMap((o) => runs[o]);
  const first = { soft: firstRun(result, "soft"), crf: firstRun(result, "crf") };
  const sweepRows = (list: readonly RunResult[]): ThresholdCurveRow[] =>
    list.flatMap((run) =>
      run.evaluation.thresholds[0]!.validationSweep.map((row) => ({
        objective: run.objective,
        seed: run.seed,
        threshold: row.threshold,
        f1: row.f1,
        precision: row.precision,
        recall: row.recall,
      })),
    );
  const baselineLines = (list: readonly RunResult[]) => {
    const b = baselineF1(list);
    const seedsShown = new Set(list.map((r) => r.seed));
    const rule = (result.ruleBaseline?.perSeed ?? []).filter((r) => seedsShown.has(r.seed)).map((r) => r.f1);
    return [
      { label: "all-positive", f1: mean(b.allPositive) },
      { label: "prior rate", f1: mean(b.priorRate) },
      ...(rule.length > 0 ? [{ label: "rule baseline", f1: mean(rule) }] : []),
    ];
  };
  const jobs: PlotJob[] = [
    {
      key: "lossCurves",
      base: layout.plots.lossCurves,
      title: "Training and validation loss",
      caption: `Unweighted loss sum per epoch for training and validation windows, ${spread(result, "min–max band")}; each objective on its own scale.`,
      spec: () =>
        lossCurvesPlot(
          all.flatMap((run) =>
            run.records.flatMap((r): LossPoint[] => [
              { objective: run.objective, seed: run.seed, epoch: r.epoch, split: "train", loss: r.train.unweighted },
              { objective: run.objective, seed: run.seed, epoch: r.epoch, split: "validation", loss: r.validation.unweighted },
            ]),
          ),
          {
            subtitle: [
              `Line: mean across ${seedText(result)}; band: min–max across seeds. Solid: train; dashed: validation.`,
              "Both splits show the unweighted sum L_type + L_ptr + L_span + L_cd (the logs' val_loss).",
              "Own y scale per panel: the CRF's span loss is an NLL summed over the bars, the soft one a per-bar mean.",
            ],
          },
        ),
    },
    {
      key: "sigma",
      base: layout.plots.sigma,
      title: "Task σ's and task weights",
      caption: `σ of each task's uncertainty weight and its share of the total weight per epoch, mean over ${seedText(result)}. Check the step-budget table before reading these as task importance.`,
      spec: () =>
        sigmaTrajectoriesPlot(
          all.flatMap((run) =>
            run.records.flatMap((r) =>
              TASK_KEYS.map((task): SigmaPoint => ({ objective: run.objective, seed: run.seed, epoch: r.epoch, task, sigma: r.sigma[task], taskWeight: r.task_weights[task] })),
            ),
          ),
        ),
    },
    {
      key: "taskScales",
      base: layout.plots.taskScales,
      title: "Each task's raw loss scale and effective weight",
      caption: `Unweighted validation loss of each task (log scale, each in its own units) and the effective weight 1/(2σ²) the Kendall objective multiplies it by, per epoch, mean over ${seedText(result)}; one column per objective.`,
      spec: () =>
        taskScalesPlot(
          all.flatMap((run) =>
            run.records.flatMap((r) =>
              TASK_KEYS.map((task): TaskScaleRow => ({
                objective: run.objective,
                seed: run.seed,
                epoch: r.epoch,
                task,
                rawLoss: r.validation[task],
                effectiveWeight: r.effective_weights[task],
              })),
            ),
          ),
        ),
    },
    {
      key: "reliability",
      base: layout.plots.reliability,
      title: "Reliability diagram",
      caption: `Observed in-span frequency against mean predicted p in 10 equal-width bins, bins pooled over ${seedText(result)} by count (CRF: posterior marginals).`,
      spec: () => reliabilityPlot(OBJECTIVES.flatMap((o) => pooledReliability(runs[o]).map((bin): ReliabilityRow => ({ ...bin, objective: o })))),
    },
    {
      key: "thresholdCurves",
      base: layout.plots.thresholdCurves,
      title: "Threshold–F1 curves, every seed",
      caption: `Pooled validation F1, precision and recall per threshold (soft: sigmoid; CRF: posterior marginals), ${spread(result, "F1 min–max band")}; points at the ${seeds > 1 ? "seed-mean " : ""}threshold chosen on training windows; grey rules: the trivial baselines and the rule detector${seeds > 1 ? " (seed means)" : ""}.`,
      spec: () =>
        thresholdCurvePlot(
          sweepRows(all),
          OBJECTIVES.map((o): ThresholdMarker => {
            const chosen = mean(runs[o].map((r) => r.evaluation.thresholds[0]!.threshold));
            return { objective: o, threshold: chosen, label: `${seeds > 1 ? "mean chosen" : "chosen"} t = ${formatValue(chosen, "score")}` };
          }),
          baselineLines(runs.soft),
          seeds > 1 ? { title: `Span F1 against the decision threshold (${seedText(result)})` } : {},
        ),
    },
    {
      key: "thresholdResults",
      base: layout.plots.thresholdResults,
      title: "Threshold optimisation, first seed",
      caption: `Seed ${result.protocol.seeds[0]}: the validation sweep of both objectives (the soft curve is ${layout.thresholdCsv}), with the thresholds chosen on training windows, the trivial baselines and the rule detector on the same validation bars.`,
      spec: () =>
        thresholdCurvePlot(
          sweepRows([first.soft, first.crf]),
          OBJECTIVES.map((o): ThresholdMarker => {
            const t = first[o].evaluation.thresholds[0]!.threshold;
            return { objective: o, threshold: t, label: `chosen on training: t = ${formatThreshold(t)}` };
          }),
          baselineLines([first.soft]),
          { title: `Span F1 against the decision threshold (seed ${result.protocol.seeds[0]})` },
        ),
    },
    ...OBJECTIVES.map((o): PlotJob => {
      const separation = result.metrics.find((m) => m.key === "separation")?.[o] ?? null;
      const inMean = result.metrics.find((m) => m.key === "in_span_mean")?.[o] ?? null;
      const outMean = result.metrics.find((m) => m.key === "out_of_span_mean")?.[o] ?? null;
      return {
        key: o === "soft" ? "histogramSoft" : "histogramCrf",
        base: o === "soft" ? layout.plots.histogramSoft : layout.plots.histogramCrf,
        title: `Span probability distribution, ${objectiveName(o)}`,
        caption: `50-bin histogram of validation p(in span)${o === "crf" ? " (posterior marginals)" : ""}, in-span vs out-of-span bars, counts summed over ${seedText(result)}.`,
        spec: () => {
          const counts = summedHistogram(runs[o]);
          return probabilityHistogramPlot(
            { inSpanCounts: counts.inSpan, outOfSpanCounts: counts.outOfSpan },
            {
              objective: o,
              title: `Span probability distribution: ${objectiveName(o)}${o === "crf" ? " (posterior marginals)" : ""}`,
              subtitle: [
                `Validation bars of ${seedText(result)}, 50 bins on [0, 1]; each group sums to 100%.`,
                `Mean p${seeds > 1 ? " (seed mean)" : ""}: in span ${formatValue(inMean?.mean, "score")}, out of span ${formatValue(outMean?.mean, "score")}; separation ${formatValue(separation?.mean, "score")}.`,
              ],
            },
          );
        },
      };
    }),
  ];
  if (extras.examples.length > 0) {
    jobs.push({
      key: "examples",
      base: layout.plots.examples,
      title: "Example validation windows",
      caption: `${plural(extras.examples.length, "validation window")} of seed ${result.protocol.seeds[0]}: candlesticks, the true span (gold), each objective's single-span prediction and its per-bar p.`,
      spec: () => candlestickPage(extras.examples),
    });
  }
  return jobs;
}

/** Top-level files of the bundle in manifest order, with what each holds. */
function manifest(result: ComparisonResult, layout: BundleLayout, plots: readonly PlotEntry[], bundleDirectory: string): ManifestEntry[] {
  const p = result.protocol;
  const first = p.seeds[0];
  const entries: ManifestEntry[] = [
    { path: layout.index, description: "this index: what was compared, the protocol, the decision, reading order per role, every file" },
    { path: layout.report, description: "one self-contained page (no network): decision, headline table, what is not established, every plot, all metrics" },
    { path: layout.summary, description: "the 5-minute executive summary (plain text): decision and why, headline table, baselines, caveats" },
    { path: layout.resultsCsv, description: "metric,soft_span_loss,crf,winner,notes — the reference's 21 rows in its order, then every other measured metric" },
    { path: layout.finalComparison, description: "the technical deep-dive: trajectories, σ's vs the step budget, loss scales, probabilities, calibration, span metrics, decision matrix" },
    { path: layout.thresholdAnalysis, description: "threshold method (chosen on training windows), chosen thresholds per run, validation oracle, baselines, contrast with the reference" },
    { path: layout.thresholdCsv, description: `threshold,f1,precision,recall,n_true,n_pred — the first seed's (${first}) soft-span run, its validation sweep (the reference's columns)` },
    { path: layout.sweepsCsv, description: "objective,seed,source,threshold,f1,precision,recall,n_true,n_pred — every run's validation sweep" },
    { path: layout.softLog, description: `training log of the soft-span run of seed ${first}, copied byte for byte from runs/soft-seed${first}/training.log` },
    { path: layout.crfLog, description: `training log of the CRF run of seed ${first}, copied byte for byte from runs/crf-seed${first}/training.log` },
  ];
  for (const plot of plots) {
    entries.push({ path: `${plot.base}.png`, description: `${plot.title} (PNG): ${plot.caption}` });
    entries.push({ path: `${plot.base}.svg`, description: `${plot.title}, the same plot as SVG` });
    entries.push({ path: `${plot.base}.vl.json`, description: `${plot.title}, the Vega-Lite spec with its data inline` });
  }
  const known = new Set(entries.map((e) => e.path));
  if (existsSync(join(bundleDirectory, layout.comparison))) {
    entries.push({ path: layout.comparison, description: "the whole ComparisonResult as JSON: every number of this bundle is read from it" });
    known.add(layout.comparison);
  }
  const foreign: Record<string, string> = { "compare_config.json": "the comparison's protocol and data hash, written first so an interrupted compare can resume" };
  for (const name of readdirSync(bundleDirectory).sort()) {
    if (known.has(name) || name.startsWith(".") || !statSync(join(bundleDirectory, name)).isFile()) continue;
    entries.push({ path: name, description: foreign[name] ?? "present in the bundle folder (not written by the bundle writer)" });
  }
  return entries;
}

/** The run folders under runs/ and their files, sorted (temporary files of atomic writes left out). */
function runFolders(result: ComparisonResult, bundleDirectory: string): RunFolder[] {
  return OBJECTIVES.flatMap((o) => runsOf(result, o)).map((run) => {
    const directory = run.runDirectory.split("\\").join("/");
    const path = join(bundleDirectory, run.runDirectory);
    const files = existsSync(path) ? readdirSync(path).filter((f) => !f.startsWith(".") && statSync(join(path, f)).isFile()).sort() : [];
    return { directory, files };
  });
}

/**
 * Writes every file of the analysis bundle into `bundleDirectory` (which already holds `runs/` and
 * `comparison.json`) and returns the paths written, in order. The plots are rendered first so the
 * documents and report.html can embed and link exactly what exists; the index goes last, listing
 * everything.
 */
export async function writeBundle(result: ComparisonResult, bundleDirectory: string, extras: BundleExtras): Promise<string[]> {
  const layout = bundleLayout(result.protocol.epochs);
  const written: string[] = [];
  const write = (relative: string, data: string | Uint8Array) => {
    const path = join(bundleDirectory, relative);
    writeFileAtomic(path, data);
    written.push(path);
  };

  // The logs first: if a run folder is missing its log, fail before rendering anything.
  for (const [objective, name] of [["soft", layout.softLog], ["crf", layout.crfLog]] as const) {
    const source = join(bundleDirectory, firstRun(result, objective).runDirectory, "training.log");
    if (!existsSync(source)) throw new Error(`${source} is missing: the bundle copies the first seed's training log of each objective`);
    write(name, readFileSync(source));
  }

  const jobs = plotJobs(result, layout, extras);
  const embedded: EmbeddedPlot[] = [];
  for (const job of jobs) {
    const files = await writePlot(join(bundleDirectory, job.base), job.spec());
    written.push(files.spec, files.svg, files.png);
    embedded.push({ key: job.key, base: job.base, title: job.title, caption: job.caption, png: readFileSync(files.png) });
  }
  const plots: PlotEntry[] = jobs.map(({ key, base, title, caption }) => ({ key, base, title, caption }));

  write(layout.resultsCsv, resultsCsv(result));
  write(layout.thresholdCsv, thresholdCsv(result));
  write(layout.sweepsCsv, sweepsCsv(result));

  const context: DocumentContext = { layout, plots, manifest: manifest(result, layout, plots, bundleDirectory), runFolders: runFolders(result, bundleDirectory) };
  write(layout.summary, executiveSummary(result, context));
  write(layout.finalComparison, finalComparison(result, context));
  write(layout.thresholdAnalysis, thresholdAnalysis(result, context));
  write(layout.report, reportHtml(result, context, embedded));
  write(layout.index, analysisIndex(result, context));
  return written;
}


