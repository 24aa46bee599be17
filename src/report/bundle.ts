/**
 * Writes the analysis bundle of a comparison (docs/spec.md §7) into its folder: every file the reference's
 * ANALYSIS_INDEX.md lists, under the same names, plus what the reference lacked — intervals over seeds,
 * every run's threshold sweep, calibration, the plots, and a self-contained report.html.
 *
 * Everything is rendered from the comparison model (`ComparisonResult`, src/compare/types.ts), which
 * holds every figure; the top-level logs are byte-for-byte copies of the first seed's run logs. Every
 * file is written atomically, so an interrupted write never leaves a half file under a final name, and
 * two writes of the same result give identical files except where the `created` time is printed.
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import type { ComparisonResult } from "../compare/types.js";
import { assertNoLinkBetween, writeFileAtomic } from "../util/files.js";
import { finalComparison } from "./final_comparison.js";
import { reportHtml, type EmbeddedPlot } from "./html.js";
import { analysisIndex } from "./index_document.js";
import { BUNDLE_MANIFEST, bundleLayout, type PlotEntry } from "./layout.js";

export { BUNDLE_MANIFEST } from "./layout.js";
import type { DocumentContext } from "./markdown.js";
import { manifest, runFolders } from "./manifest.js";
import { firstRun } from "./model.js";
import { plotJobs } from "./plot_jobs.js";
import { writePlot } from "./render.js";
import { resultsCsv } from "./results_csv.js";
import { executiveSummary } from "./summary.js";
import { technicalComparison } from "./technical_comparison.js";
import { thresholdAnalysis } from "./threshold_analysis.js";
import { sweepsCsv, thresholdCsv } from "./threshold_csv.js";

/**
 * Writes every file of the analysis bundle into `bundleDirectory` (which already holds `runs/` and
 * `comparison.json`) and returns the paths written, in order. The plots are rendered first so the
 * documents and report.html can embed and link exactly what exists; the index goes last, listing
 * everything.
 */
export async function writeBundle(result: ComparisonResult, bundleDirectory: string): Promise<string[]> {
  const layout = bundleLayout(result.protocol.tune ? "tuned" : result.protocol.epochs, result.objectives);
  const written: string[] = [];
  const write = (relative: string, data: string | Uint8Array) => {
    const path = join(bundleDirectory, relative);
    assertNoLinkBetween(bundleDirectory, path);
    writeFileAtomic(path, data);
    written.push(path);
  };

  // The logs first: if a run folder is missing its log, fail before rendering anything.
  for (const objective of result.objectives) {
    const source = join(bundleDirectory, firstRun(result, objective.name).runDirectory, "training.log");
    if (!existsSync(source)) throw new Error(`${source} is missing: the bundle copies the first seed's training log of each objective`);
    write(layout.logs[objective.name]!, readFileSync(source));
  }

  const jobs = plotJobs(result, layout);
  const embedded: EmbeddedPlot[] = [];
  for (const job of jobs) {
    assertNoLinkBetween(bundleDirectory, join(bundleDirectory, job.base));
    const files = await writePlot(join(bundleDirectory, job.base), job.spec());
    written.push(files.spec, files.svg, files.png);
    embedded.push({ key: job.key, base: job.base, title: job.title, caption: job.caption, png: readFileSync(files.png) });
  }
  const plots: PlotEntry[] = jobs.map(({ key, base, title, caption }) => ({ key, base, title, caption }));

  write(layout.resultsCsv, resultsCsv(result));
  write(layout.thresholdCsv, thresholdCsv(result));
  write(layout.sweepsCsv, sweepsCsv(result));

  const context: DocumentContext = {
    layout,
    plots,
    manifest: manifest(result, layout, plots, bundleDirectory),
    runFolders: runFolders(result, bundleDirectory),
  };
  write(layout.summary, executiveSummary(result, context));
  write(layout.finalComparison, finalComparison(result, context));
  write(layout.thresholdAnalysis, thresholdAnalysis(result, context));
  write(layout.technicalComparison, technicalComparison(result, context));
  write(layout.report, reportHtml(result, context, embedded));
  write(layout.index, analysisIndex(result, context));
  // Last: the manifest of every file with its SHA-256. Its presence, every file matching it, is what
  // "complete" means; a bundle killed before it is re-rendered by --resume.
  const files = written.map((path) => ({ path: relative(bundleDirectory, path).split("\\").join("/"), sha256: sha256(readFileSync(path)) }));
  write(layout.bundleManifest, `${JSON.stringify({ format: "spanlab-bundle/1", files }, null, 1)}\n`);
  return written;
}

const sha256 = (data: Uint8Array) => createHash("sha256").update(data).digest("hex");

/** Whether a bundle is complete: its manifest exists and every file it names holds the content it names. */
export function bundleComplete(bundleDirectory: string): boolean {
  const path = join(bundleDirectory, BUNDLE_MANIFEST);
  if (!existsSync(path)) return false;
  try {
    const { files } = JSON.parse(readFileSync(path, "utf8")) as { files: { path: string; sha256: string }[] };
    return files.every((file) => existsSync(join(bundleDirectory, file.path)) && sha256(readFileSync(join(bundleDirectory, file.path))) === file.sha256);
  } catch {
    return false;
  }
}
