/**
 * The bundle's manifest — every top-level file in the order the index lists it, with what it holds — and
 * the run folders under runs/ with their files.
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import type { ComparisonResult } from "../compare/types.js";
import type { BundleLayout, ManifestEntry, PlotEntry, RunFolder } from "./layout.js";
import { firstRun, runsOf } from "./model.js";
import { resultsHeader } from "./results_csv.js";

/** A run folder as the documents print it (forward slashes on every system). */
function folderName(runDirectory: string): string {
  return runDirectory.split("\\").join("/");
}

/** Top-level files of the bundle in manifest order, with what each holds. */
export function manifest(result: ComparisonResult, layout: BundleLayout, plots: readonly PlotEntry[], bundleDirectory: string): ManifestEntry[] {
  const p = result.protocol;
  const first = p.seeds[0];
  const firstObjective = result.objectives[0]!;
  const entries: ManifestEntry[] = [
    { path: layout.index, description: "this index: what was compared, the protocol, the decision, reading order per role, every file" },
    { path: layout.report, description: "one self-contained page (no network): decision, headline table, what is not established, every plot, all metrics" },
    { path: layout.summary, description: "the 5-minute executive summary (plain text): decision and why, headline table, baselines, caveats" },
    { path: layout.resultsCsv, description: `${resultsHeader(result).join(",")} — the reference's 21 rows in its order, then every other measured metric` },
    {
      path: layout.finalComparison,
      description: "the technical deep-dive: trajectories, σ's vs the step budget, loss scales, probabilities, calibration, span metrics, decision matrix",
    },
    {
      path: layout.thresholdAnalysis,
      description: "threshold method (chosen on training windows), chosen thresholds per run, validation oracle, baselines, contrast with the reference",
    },
    {
      path: layout.technicalComparison,
      description:
        "technical details: architecture validation (parameters by module, PyTorch layout, determinism, gradient check), the untrained-model threshold baseline, the threshold method",
    },
    {
      path: layout.thresholdCsv,
      description: `threshold,f1,precision,recall,n_true,n_pred — the first seed's (${first}) ${firstObjective.runLabel} run, its validation sweep (the reference's columns)`,
    },
    { path: layout.sweepsCsv, description: "objective,seed,source,threshold,f1,precision,recall,n_true,n_pred — every run's validation sweep" },
    ...result.objectives.map((o) => ({
      path: layout.logs[o.name]!,
      description: `training log of the ${o.runLabel} run of seed ${first}, copied byte for byte from ${folderName(firstRun(result, o.name).runDirectory)}/training.log`,
    })),
  ];
  for (const plot of plots) {
    entries.push({ path: `${plot.base}.png`, description: `${plot.title} (PNG): ${plot.caption}` });
    entries.push({ path: `${plot.base}.svg`, description: `${plot.title}, the same plot as SVG` });
    entries.push({ path: `${plot.base}.vl.json`, description: `${plot.title}, the Vega-Lite spec with its data inline` });
  }
  entries.push({
    path: layout.bundleManifest,
    description:
      "every file above that the bundle writer wrote, with its SHA-256, written last: the bundle is complete when every file matches it (`compare --resume` rewrites what does not)",
  });
  const known = new Set(entries.map((e) => e.path));
  if (existsSync(join(bundleDirectory, layout.comparison))) {
    entries.push({ path: layout.comparison, description: "the whole ComparisonResult as JSON: every number of this bundle is read from it" });
    known.add(layout.comparison);
  }
  const foreign: Record<string, string> = {
    "compare_config.json": "the comparison's protocol and data hash, written first so an interrupted compare can resume",
  };
  for (const name of readdirSync(bundleDirectory).sort()) {
    if (known.has(name) || name.startsWith(".") || !statSync(join(bundleDirectory, name)).isFile()) continue;
    entries.push({ path: name, description: foreign[name] ?? "present in the bundle folder (not written by the bundle writer)" });
  }
  return entries;
}

/** The run folders under runs/ and their files, sorted (temporary files of atomic writes left out). */
export function runFolders(result: ComparisonResult, bundleDirectory: string): RunFolder[] {
  const directories = [
    ...result.objectives.flatMap((o) => runsOf(result, o.name)).map((run) => run.runDirectory),
    ...(result.sensitivity?.points.flatMap((point) => point.runDirectories) ?? []),
  ];
  return directories.map((runDirectory) => {
    const path = join(bundleDirectory, runDirectory);
    const files = existsSync(path)
      ? readdirSync(path)
          .filter((f) => !f.startsWith(".") && statSync(join(path, f)).isFile())
          .sort()
      : [];
    return { directory: folderName(runDirectory), files };
  });
}
