/**
 * Number and text formatting for every file of the analysis bundle, in one place so the CSV, the
 * markdown, the plain-text summary and report.html print the same value the same way: F1 / IoU /
 * probabilities with 3 decimals, losses and σ with 4 (as the training log prints them), percentages with
 * 1, bar counts with 2. Values read back from `comparison.json` may be `null` where a run produced NaN
 * (JSON has no NaN), so every formatter accepts both and prints "n/a".
 */
import type { ObjectiveSettings, ObjectiveStatistics, PairedDifferenceSummary, ValueKind } from "../compare/types.js";
import { posWeightSettingText } from "../train/pos_weight.js";

export type { ValueKind };

const DECIMALS: Record<ValueKind, number> = { score: 3, loss: 4, sigma: 4, percent: 1, bars: 2, epoch: 1, seconds: 1, count: 0 };

/** True for a finite number (false for NaN, ±∞, and the `null` JSON writes for NaN). */
export function isValue(value: number | null | undefined): value is number {
  return typeof value === "number" && Number.isFinite(value);
}

/** Fixed decimals, "n/a" for a missing value; −0 prints as 0 so a tiny negative does not read "-0.000". */
export function fixed(value: number | null | undefined, decimals: number): string {
  if (!isValue(value)) return "n/a";
  const text = value.toFixed(decimals);
  return /^-0(\.0*)?$/.test(text) ? text.slice(1) : text;
}

/** A value of `kind`: percentages get a "%" suffix; epochs and counts print as integers when they are. */
export function formatValue(value: number | null | undefined, kind: ValueKind): string {
  if (!isValue(value)) return "n/a";
  if ((kind === "epoch" || kind === "count") && Number.isInteger(value)) return String(value);
  const text = fixed(value, DECIMALS[kind]);
  return kind === "percent" ? `${text}%` : text;
}

/** Signed value (a difference): "+0.072", "−" is kept as ASCII "-" so the CSV stays machine-readable. */
export function formatSigned(value: number | null | undefined, kind: ValueKind): string {
  const text = formatValue(value, kind);
  return isValue(value) && !text.startsWith("-") && Number(fixed(value, DECIMALS[kind])) !== 0 ? `+${text}` : text;
}

/**
 * A threshold as the grid holds it: the shortest decimal that round-trips (the grid's values are exact
 * decimals, see eval/threshold.ts), with at least two places so a column of thresholds lines up.
 */
export function formatThreshold(value: number | null | undefined): string {
  if (!isValue(value)) return "n/a";
  const text = String(value);
  const decimals = text.includes(".") ? text.length - text.indexOf(".") - 1 : 0;
  return decimals >= 2 || text.includes("e") ? text : value.toFixed(2);
}

/**
 * Across-seed statistics as the bundle prints them: the plain value with one seed (there is no interval
 * to show), else "mean [low, high]" with the 95% bootstrap interval.
 */
export function formatStatistics(stats: ObjectiveStatistics | null, kind: ValueKind, seeds: number): string {
  if (!stats) return "n/a";
  if (seeds <= 1) return formatValue(stats.mean, kind);
  return `${formatValue(stats.mean, kind)} [${formatValue(stats.low, kind)}, ${formatValue(stats.high, kind)}]`;
}

/** A paired difference first − second: "+0.072 [0.065, 0.080]", or the plain signed value with one seed. */
export function formatDifference(difference: PairedDifferenceSummary | null, kind: ValueKind, seeds: number): string {
  if (!difference) return "n/a";
  if (seeds <= 1) return formatSigned(difference.mean, kind);
  return `${formatSigned(difference.mean, kind)} [${formatValue(difference.low, kind)}, ${formatValue(difference.high, kind)}]`;
}

/** Word-wraps `text` to `width` columns; continuation lines start with `indent`. Words longer than a line stay whole. */
export function wrap(text: string, width = 80, indent = "", firstIndent = indent): string {
  const lines: string[] = [];
  let line = firstIndent;
  let empty = true;
  for (const word of text.split(/\s+/).filter((w) => w !== "")) {
    if (!empty && line.length + 1 + word.length > width) {
      lines.push(line);
      line = indent + word;
    } else {
      line += (empty ? "" : " ") + word;
    }
    empty = false;
  }
  lines.push(line);
  return lines.join("\n");
}

/** Left-aligned fixed-width columns for plain text; the last column is not padded. */
export function textTable(rows: readonly (readonly string[])[], gap = 2): string {
  const widths: number[] = [];
  for (const row of rows) {
    for (const [i, cell] of row.entries()) widths[i] = Math.max(widths[i] ?? 0, [...cell].length);
  }
  return rows
    .map((row) =>
      row
        .map((cell, i) => (i === row.length - 1 ? cell : cell + " ".repeat(widths[i]! - [...cell].length + gap)))
        .join("")
        .trimEnd(),
    )
    .join("\n");
}

/** "1 seed", "5 seeds". */
export function plural(count: number, noun: string, pluralNoun = `${noun}s`): string {
  return `${count} ${count === 1 ? noun : pluralNoun}`;
}

/** A share as a percentage without decimals it does not have: 0.95 → "95%", 0.025 → "2.5%". */
export function formatShare(share: number): string {
  return `${Number((100 * share).toFixed(6))}%`;
}

/**
 * An objective's positive weight as the bundle prints it: "balanced → 13.21 (12.87–13.55 over 5 seeds;
 * π = 0.0703)", a given number, or "not used".
 */
export function formatPosWeight(settings: ObjectiveSettings): string {
  const { posWeight } = settings;
  if (!posWeight.used || posWeight.values === null) return "not used";
  const values = posWeight.values;
  if (posWeight.chosenPerFold) {
    return `chosen per fold: ${posWeight.chosenPerFold.map(posWeightSettingText).join(", ")} → ${fixed(values.min, 2)}–${fixed(values.max, 2)}`;
  }
  if (typeof posWeight.requested === "number") return String(posWeight.requested);
  const parts: string[] = [];
  if (values.count > 1) parts.push(`${fixed(values.min, 2)}–${fixed(values.max, 2)} over ${values.count} seeds`);
  if (posWeight.trainingInSpanRate) parts.push(`π = ${fixed(posWeight.trainingInSpanRate.mean, 4)}`);
  return `${posWeightSettingText(posWeight.requested)} → ${fixed(values.mean, 2)}${parts.length > 0 ? ` (${parts.join("; ")})` : ""}`;
}
