/**
 * What the bundle's markdown documents share: tables, plot embeds, the headline table's cells and the
 * protocol table — all read from the comparison model, none computed.
 */
import type { ComparisonResult, MetricComparison } from "../compare/types.js";
import { formatDifference, formatPosWeight, formatShare, formatStatistics, formatValue, plural } from "./format.js";
import type { BundleLayout, ManifestEntry, PlotEntry, PlotKey, RunFolder } from "./layout.js";
import { capitalised, differenceName, metricByKey, requireMetric, winnerName } from "./model.js";

/** What the documents link to besides the result. */
export interface DocumentContext {
  layout: BundleLayout;
  /** The plots actually rendered (the example page is absent without example windows). */
  plots: PlotEntry[];
  /** Every top-level file of the bundle with its one-line description. */
  manifest: ManifestEntry[];
  runFolders: RunFolder[];
}

/** A table cell: pipes escaped, line breaks flattened (a cell is one line in GitHub markdown). */
export function mdCell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\r?\n/g, " ");
}

/** A GitHub-flavoured markdown table; `align` per column ("r" for numbers). */
export function mdTable(header: readonly string[], rows: readonly (readonly string[])[], align: readonly ("l" | "r")[] = []): string {
  const line = (cells: readonly string[]) => `| ${cells.map(mdCell).join(" | ")} |`;
  const rule = `|${header.map((_, i) => (align[i] === "r" ? "---:" : "---")).join("|")}|`;
  return [line(header), rule, ...rows.map(line)].join("\n");
}

export function plotImage(context: DocumentContext, key: PlotKey): string {
  const plot = context.plots.find((p) => p.key === key);
  return plot
    ? `![${plot.title}](${plot.base}.png)\n\n*${plot.caption}* (Vector: [${plot.base}.svg](${plot.base}.svg); spec with data: [${plot.base}.vl.json](${plot.base}.vl.json).)`
    : "";
}

export function seedsOf(result: ComparisonResult): number {
  return result.protocol.seeds.length;
}

export function intervalWording(result: ComparisonResult): string {
  const seeds = seedsOf(result);
  return seeds === 1
    ? "one seed per objective: values are single runs, and a single run cannot establish a difference"
    : `mean [${formatShare(result.conventions.confidence)} percentile-bootstrap interval] over ${seeds} paired seeds (${result.protocol.bootstrapResamples} resamples)`;
}

/** The keys of the headline table, in order (F1 native, F1 single span, IoU, separation, ECE). */
export const HEADLINE_KEYS = ["f1_native", "f1_single_span", "iou_single_span", "separation", "ece"] as const;

/** Header of every metric table: metric, each objective, rule baseline, the difference, winner. */
export function metricHeader(result: ComparisonResult): string[] {
  return ["Metric", ...result.objectives.map((o) => capitalised(o.label)), "Rule baseline", capitalised(differenceName(result)), "Winner"];
}

export const METRIC_ALIGN = ["l", "r", "r", "r", "r", "l"] as const;

/** A metric as a table row: metric, each objective, rule baseline (where it has one), the difference, winner. */
export function metricCells(result: ComparisonResult, m: MetricComparison, label: string): string[] {
  const seeds = seedsOf(result);
  return [
    label,
    ...result.objectives.map((o) => formatStatistics(m.byObjective[o.name] ?? null, m.kind, seeds)),
    m.ruleBaseline ? formatStatistics(m.ruleBaseline, m.kind, seeds) : "—",
    formatDifference(m.difference, m.kind, seeds),
    winnerName(result, m.winner),
  ];
}

/** The headline metrics as table rows. */
export function headlineRows(result: ComparisonResult): string[][] {
  return HEADLINE_KEYS.map((key) => requireMetric(result, key)).map((m) => metricCells(result, m, m.shortLabel));
}

/** The named metrics (those the result has) as a table. */
export function metricTable(result: ComparisonResult, keys: readonly string[]): string {
  const rows = keys
    .map((k) => metricByKey(result, k))
    .filter((m): m is MetricComparison => m !== undefined)
    .map((m) => metricCells(result, m, m.label));
  return mdTable(metricHeader(result), rows, METRIC_ALIGN);
}

/** The split the runs used (`auto` resolved per data file), e.g. "time", "group", "reference". */
export function usedSplit(result: ComparisonResult): string {
  return result.data.split?.kind ?? result.protocol.split;
}

/** How the split kept validation apart from training, in words (docs/spec.md §5). */
function splitWords(result: ComparisonResult): string {
  const split = result.data.split;
  const tune = result.protocol.tune;
  if (tune) {
    const how = tune.outerKind === "time" ? "purged time k-fold with embargo (contiguous blocks of events)" : "group k-fold by base_window_id";
    return `${tune.folds.length} outer folds, ${how}, each fold's validation side scored once; inside each, a ${tune.folds[0]!.inner.kind} split of its training windows for the search`;
  }
  if (split?.kind === "time") {
    return (
      `purged walk-forward in time: the latest events validate; ${split.purgedWindows} training window(s) purged because they shared a bar (by timestamp) ` +
      `with a validation window or started within the ${split.embargoBars}-bar embargo after one, so no training window shares a bar with a validation window`
    );
  }
  return usedSplit(result) === "reference"
    ? "the reference's row split (overlapping windows can leak across it)"
    : "grouped by base_window_id (overlapping windows never straddle the split)";
}

export function protocolRows(result: ComparisonResult): string[][] {
  const p = result.protocol;
  const d = result.data;
  const tuned = p.tune !== undefined;
  return [
    tuned
      ? [
          "Outer folds",
          `${p.seeds.length}, with seeds ${p.seeds.join(", ")} — one final run per objective and fold (same fold ⇒ same split and seed for both); the verdict pairs them by fold`,
        ]
      : ["Seeds", `${p.seeds.join(", ")} — ${plural(p.seeds.length, "paired run")} per objective (same seed ⇒ same split and initialisation stream for both)`],
    ["Data", `\`${d.path}\` (sha256 ${d.sha256.slice(0, 16)}…): ${d.windows} windows`],
    [
      "Split",
      `${splitWords(result)}, validation fraction ${p.validationFraction}; ${tuned ? "first fold" : "first seed"}: ${d.trainWindows} training / ${d.validationWindows} validation windows, ${formatValue(100 * d.validationInSpanRate, "percent")} of validation bars in span`,
    ],
    [
      "Training",
      tuned
        ? `epochs, AdamW lr and the position feature chosen per fold by the nested search (its section); batch ${p.batchSize}, weight decay ${p.weightDecay}, grad-norm clip ${p.clipGradNorm ?? "none"}`
        : `${p.epochs} epochs, batch ${p.batchSize}, AdamW lr ${p.learningRate}, weight decay ${p.weightDecay}, grad-norm clip ${p.clipGradNorm ?? "none"}`,
    ],
    ...result.settings.map((settings): [string, string] => [
      `pos_weight, ${result.objectives.find((o) => o.name === settings.objective)!.label}`,
      `${formatPosWeight(settings)} — ${settings.posWeight.why}`,
    ]),
    ["Minimum predicted run length", p.minRunLength > 1 ? `${p.minRunLength} bars (shorter predicted runs removed before scoring)` : "1 (no filter)"],
    ["Thresholds chosen on", p.thresholdChosenOn],
    ["Evaluated checkpoint", p.evaluatedCheckpoint],
    ["Intervals", intervalWording(result)],
    ["Reference protocol", p.referenceProtocol ? "yes (--reference-protocol: one seed, reference split, the reference's settings)" : "no"],
  ];
}
