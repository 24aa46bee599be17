/**
 * What the bundle's markdown documents share: tables, plot embeds, the headline table's cells and the
 * protocol table — all read from the comparison model, none computed.
 */
import type { ComparisonResult, MetricComparison, PairComparison } from "../compare/types.js";
import { formatDifference, formatPosWeight, formatShare, formatStatistics, formatValue, plural } from "./format.js";
import type { BundleLayout, ManifestEntry, PlotEntry, PlotKey, RunFolder } from "./layout.js";
import { capitalised, countWord, differenceName, metricByKey, onePair, pairName, requireMetric, winnerName } from "./model.js";

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

/**
 * Header of every metric table: metric, each objective, rule baseline, the difference (two objectives:
 * their one pair; with more, the pairs get a table of their own, {@link pairTable}), winner.
 */
export function metricHeader(result: ComparisonResult): string[] {
  return [
    "Metric",
    ...result.objectives.map((o) => capitalised(o.label)),
    "Rule baseline",
    ...(onePair(result) ? [capitalised(differenceName(result))] : []),
    "Winner",
  ];
}

/** Column alignment of {@link metricHeader}'s tables. */
export function metricAlign(result: ComparisonResult): ("l" | "r")[] {
  return ["l", ...result.objectives.map(() => "r" as const), "r", ...(onePair(result) ? ["r" as const] : []), "l"];
}

/** A metric as a table row: metric, each objective, rule baseline (where it has one), the difference (one pair), winner. */
export function metricCells(result: ComparisonResult, m: MetricComparison, label: string): string[] {
  const seeds = seedsOf(result);
  return [
    label,
    ...result.objectives.map((o) => formatStatistics(m.byObjective[o.name] ?? null, m.kind, seeds)),
    m.ruleBaseline ? formatStatistics(m.ruleBaseline, m.kind, seeds) : "—",
    ...(onePair(result) ? [formatDifference(m.difference, m.kind, seeds)] : []),
    winnerName(result, m.winner),
  ];
}

/** A pair's difference with the pair's own verdict: "+0.012 [0.003, 0.020], soft ahead" or "…, not established". */
export function pairCell(result: ComparisonResult, m: MetricComparison, pair: PairComparison): string {
  const difference = formatDifference(pair.difference, m.kind, seedsOf(result));
  const ahead = result.objectives.find((o) => o.name === pair.winner);
  return `${difference}${ahead ? `, ${ahead.shortLabel} ahead` : pair.winner === "n/a" ? "" : `, ${pair.winner}`}`;
}

/** Header of the paired-difference table: metric, one column per pair (earlier − later objective), winner over all. */
export function pairHeader(result: ComparisonResult): string[] {
  return ["Metric", ...requireMetric(result, "f1_native").pairs.map((pair) => capitalised(pairName(result, pair))), "Winner (against every other)"];
}

/** A metric's paired differences as a table row. */
export function pairCells(result: ComparisonResult, m: MetricComparison, label: string): string[] {
  return [label, ...m.pairs.map((pair) => pairCell(result, m, pair)), winnerName(result, m.winner)];
}

/** The paired differences of the named metrics, one row per metric and a column per pair. */
export function pairTable(result: ComparisonResult, keys: readonly string[], label: (m: MetricComparison) => string = (m) => m.label): string {
  const rows = keys
    .map((k) => metricByKey(result, k))
    .filter((m): m is MetricComparison => m !== undefined)
    .map((m) => pairCells(result, m, label(m)));
  const header = pairHeader(result);
  return mdTable(
    header,
    rows,
    header.map((_, i) => (i === 0 || i === header.length - 1 ? "l" : "r")),
  );
}

/** The headline metrics as table rows. */
export function headlineRows(result: ComparisonResult): string[][] {
  return HEADLINE_KEYS.map((key) => requireMetric(result, key)).map((m) => metricCells(result, m, m.shortLabel));
}

/** The headline table (short labels); with more than two objectives, the headline metrics' paired differences after it. */
export function headlineTable(result: ComparisonResult): string {
  const table = mdTable(metricHeader(result), headlineRows(result), metricAlign(result));
  return onePair(result)
    ? table
    : `${table}\n\nPaired differences (same seeds, same splits; earlier − later objective):\n\n${pairTable(result, HEADLINE_KEYS, (m) => m.shortLabel)}`;
}

/** The named metrics (those the result has) as a table; with more than two objectives, their paired differences after it. */
export function metricTable(result: ComparisonResult, keys: readonly string[]): string {
  const rows = keys
    .map((k) => metricByKey(result, k))
    .filter((m): m is MetricComparison => m !== undefined)
    .map((m) => metricCells(result, m, m.label));
  const table = mdTable(metricHeader(result), rows, metricAlign(result));
  return onePair(result)
    ? table
    : `${table}

Paired differences (same seeds, same splits):

${pairTable(result, keys)}`;
}

/** "both" for two objectives, "all three" for three: how the protocol rows name the compared objectives together. */
function bothOrAll(result: ComparisonResult): string {
  return onePair(result) ? "both" : `all ${countWord(result.objectives.length)}`;
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
          `${p.seeds.length}, with seeds ${p.seeds.join(", ")} — one final run per objective and fold (same fold ⇒ same split and seed for ${bothOrAll(result)}); the verdict pairs them by fold`,
        ]
      : [
          "Seeds",
          `${p.seeds.join(", ")} — ${plural(p.seeds.length, "paired run")} per objective (same seed ⇒ same split and initialisation stream for ${bothOrAll(result)})`,
        ],
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
