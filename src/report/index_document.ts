/**
 * ANALYSIS_INDEX.md: the entry page — what was compared, the protocol, the decision, reading order per
 * role, how the bundle differs from the reference's, and a manifest of every file. Rendered from the
 * comparison model; every figure is read from it.
 */
import type { ComparisonResult } from "../compare/types.js";
import { plural } from "./format.js";
import { histogramKey, RUN_FILE_DESCRIPTIONS, type PlotKey } from "./layout.js";
import { headlineTable, intervalWording, mdTable, protocolRows, seedsOf, usedSplit, type DocumentContext } from "./markdown.js";
import { capitalised, countWord, differenceName, lossScales, onePair, pairNames, readingsNames, say, titleCase } from "./model.js";

export function analysisIndex(result: ComparisonResult, context: DocumentContext): string {
  const { layout } = context;
  const p = result.protocol;
  const seeds = seedsOf(result);
  const plotPng = (key: PlotKey) => context.plots.find((x) => x.key === key);
  const out: string[] = [];
  out.push(`# ${result.objectives.map((o) => titleCase(o.label)).join(" vs ")} Analysis Index`);
  out.push(`## ${p.epochs}-epoch training comparison, ${plural(seeds, "paired seed")}`);
  out.push("");
  out.push(`**Created**: ${result.created} · spanlab ${result.spanlab_version}`);
  out.push("");
  out.push(`**Decision**: ${result.recommendation.headline}`);
  out.push("");
  const caution = result.statements.caution;
  if (caution) {
    out.push(`> ⚠️ ${say(result, caution)}`);
    out.push("");
  }
  out.push("---");
  out.push("");
  out.push("## What was compared");
  out.push("");
  out.push(
    `JadeCompact (a BiLSTM with class, pointer, per-bar span and countdown heads, Kendall uncertainty weighting) trained with ${countWord(result.objectives.length)} span objectives, ` +
      "everything else identical and paired by seed:",
  );
  out.push("");
  // Each objective in its own head's words, so a new objective is described without a change here.
  for (const o of result.objectives) {
    const threshold = o.nativeDecoder === o.thresholdDecoder.key ? " (the threshold chosen on the training windows)" : "";
    const readings = o.probabilityReadings.map((r) => `; also scored: ${r.description}`).join("");
    out.push(`- **${capitalised(o.label)}** — ${o.summary}${threshold}. Its per-bar p: ${o.probabilityDescription}${readings}.`);
  }
  out.push("");
  out.push("## Protocol");
  out.push("");
  out.push(mdTable(["", ""], protocolRows(result)));
  out.push("");
  out.push("## Quick start: read these first");
  out.push("");
  out.push("### 👔 For decision makers (10 minutes)");
  out.push(
    `1. **[${layout.report}](${layout.report})** ⭐ START HERE — one page: the decision, the headline table with intervals, what is not established, every plot.`,
  );
  out.push(`2. **[${layout.summary}](${layout.summary})** — the 5-minute executive summary as plain text: decision, why, baselines, caveats.`);
  out.push(`3. **[${layout.resultsCsv}](${layout.resultsCsv})** — every metric with its winner and the rule that named it (the reference's 21 rows first).`);
  out.push("");
  out.push("### 🔬 For ML engineers");
  out.push(
    `1. **[${layout.finalComparison}](${layout.finalComparison})** ⭐ — loss trajectories, σ and task weights against the step budget, raw loss scales, probability analysis, ${readingsNames(result)}, calibration, span-level metrics, the decision matrix.`,
  );
  out.push(
    `2. **[${layout.thresholdAnalysis}](${layout.thresholdAnalysis})** — how thresholds were chosen (training windows) and what they score on validation, against the validation oracle and the trivial baselines.`,
  );
  out.push(
    `3. **[${layout.technicalComparison}](${layout.technicalComparison})** — technical details: the architecture validated at run time (parameters by module, the PyTorch layout, determinism, a gradient check), the untrained-model baseline done the reference's way, the threshold method.`,
  );
  out.push(
    `4. The logs: ${result.objectives.map((o) => `[${layout.logs[o.name]}](${layout.logs[o.name]})`).join(" and ")} are the first seed's (${p.seeds[0]}) runs, copied byte for byte; ` +
      (seeds > 1 ? `the other seeds' logs are under \`runs/<objective>-seed<seed>/training.log\`.` : "they are the only runs."),
  );
  out.push(`5. [${layout.comparison}](${layout.comparison}) — the whole result as JSON: every number in this bundle is read from it.`);
  out.push("");
  out.push("### 📊 For data scientists");
  const histograms = result.objectives
    .map((o) => plotPng(histogramKey(o)))
    .filter((x) => x !== undefined)
    .map((x) => `[${x.base}.png](${x.base}.png)`);
  // Numbered as listed: a plot the bundle lacks (an older comparison, no example windows) leaves no gap.
  const readings: string[] = [
    `${layout.finalComparison} → "Probability analysis" and "Calibration": separation, in/out-of-span p distributions, ECE and Brier.`,
    `${histograms.join(" and ")} — 50-bin histograms of p, in-span vs out-of-span, summed over seeds.`,
  ];
  const plotLines: [PlotKey, string][] = [
    ["reliability", "reliability diagram, bins pooled over seeds by count."],
    ["examples", "example validation windows as candlesticks with the true span and each objective's span and per-bar p."],
    ["spanCalibration", "reliability of per-bar p and of the span confidence P(IoU ≥ ½) before and after calibration, with the ECE of each."],
    ["spanPosteriorHeatmap", "each objective's span posterior P(start, end) on the example windows as a heat map, the true, decoded and MBR spans marked."],
  ];
  for (const [key, description] of plotLines) {
    const plot = plotPng(key);
    if (plot) readings.push(`[${plot.base}.png](${plot.base}.png) — ${description}`);
  }
  readings.push(`[${layout.sweepsCsv}](${layout.sweepsCsv}) — every run's validation threshold sweep, long format.`);
  out.push(...readings.map((line, i) => `${i + 1}. ${line}`));
  out.push("");
  out.push("---");
  out.push("");
  out.push("## Key findings");
  out.push("");
  out.push(
    onePair(result)
      ? `Validation windows; ${intervalWording(result)}. Winners only where the paired interval of ${differenceName(result)} excludes 0.`
      : `Validation windows; ${intervalWording(result)}. Winners only where the paired intervals against every other objective exclude 0 (${pairNames(result)}).`,
  );
  out.push("");
  out.push(headlineTable(result));
  out.push("");
  out.push(`**${result.recommendation.headline}**`);
  out.push("");
  out.push("Evidence:");
  for (const reason of result.recommendation.reasons) out.push(`- ${reason}`);
  out.push("");
  out.push("Rules:");
  for (const [i, rule] of result.recommendation.rules.entries()) out.push(`${i + 1}. ${rule}`);
  out.push("");
  out.push("## How this bundle differs from the reference's");
  out.push("");
  out.push(...differencesFromReference(result).map((d) => `- ${d}`));
  out.push("");
  out.push("## File manifest");
  out.push("");
  out.push(
    mdTable(
      ["File", "What it holds"],
      context.manifest.map((m) => [`[${m.path}](${m.path})`, m.description]),
    ),
  );
  out.push("");
  out.push("### Run folders");
  out.push("");
  out.push(
    mdTable(
      ["Folder", "Files"],
      context.runFolders.map((f) => [`\`${f.directory}/\``, f.files.map((x) => `\`${x}\``).join(", ")]),
    ),
  );
  out.push("");
  out.push("What each run file holds:");
  out.push("");
  const kinds = [...new Set(context.runFolders.flatMap((f) => f.files))].sort();
  for (const name of kinds) out.push(`- \`${name}\` — ${RUN_FILE_DESCRIPTIONS[name] ?? "written by the run"}`);
  out.push("");
  out.push("## Reproducibility");
  out.push("");
  out.push(
    `spanlab ${result.spanlab_version}; data sha256 \`${result.data.sha256}\`. Every run folder's \`config.json\` holds its full configuration; ` +
      `rerunning \`spanlab compare\` with the same data, seeds and options reproduces every file of this bundle except the \`created\` time ` +
      "(and the wall-clock times in the logs and metrics).",
  );
  out.push("");
  return out.join("\n");
}

/** What the bundle does that the reference's did not (docs/spec.md §9), as it applies to this result. */
function differencesFromReference(result: ComparisonResult): string[] {
  const seeds = seedsOf(result);
  const tune = result.protocol.tune;
  return [
    tune
      ? `Nested selection: ${tune.folds.length} outer folds, each objective's settings chosen per fold by a search on that fold's training windows only, the verdict paired by fold with bootstrap intervals (the reference tuned nothing and ran one unseeded run each).`
      : seeds > 1
        ? `${seeds} paired seeds with bootstrap intervals; a winner is named only when the interval of the paired difference excludes 0 (the reference ran one unseeded run each).`
        : "One seed per objective, as in the reference: no difference can be established, and the bundle names no winner on any compared metric.",
    `Thresholds are chosen on each run's training windows and scored on its validation windows (the reference's came from an untrained model and were scored on the windows they were chosen on).`,
    usedSplit(result) === "time"
      ? "The split is in time: the latest events validate, and training windows that share a bar with a validation window are purged, so no bar is on both sides (the reference's row split leaks)."
      : usedSplit(result) === "group"
        ? "The split groups overlapping windows by base_window_id, so no event is in both training and validation (the reference's row split leaks)."
        : "This run uses the reference's row split, which leaks overlapping windows of the same event across training and validation: validation scores are optimistic.",
    "The CRF's per-bar probability is its posterior marginal; the reference's emission softmax (which ignores transitions) is scored beside it and Viterbi.",
    "Calibration is measured (reliability diagram, ECE, Brier), not only mean probabilities.",
    `Loss values and loss reductions are reported as descriptive only (${lossScales(result.objectives)}); the reference's "normalised reduction" is computed exactly and flagged, never used to decide.`,
    "The σ's are checked against the AdamW step budget, so a σ that merely ran out of steps is not read as task importance.",
    "The per-epoch F1 in the logs is per-window (macro) at p > 0.5, as the reference logs it; the threshold F1 is pooled (micro) over bars. Both are named where they appear.",
  ];
}
