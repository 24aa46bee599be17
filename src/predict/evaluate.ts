/**
 * Detections scored against annotated events, beside the baselines (docs/spec.md §11): the model's
 * hindsight and live detections, the rule detector on windows scanned the same way
 * (src/predict/rule_detector.ts) and a random detector with each model mode's detection count and lengths
 * (src/predict/random_detector.ts, the mean of `randomDraws` seeded draws), every one scored by
 * src/eval/detections.ts on the same bars. `spanlab evaluate` and `predict --annotations` both call this.
 */
import type { AnnotatedEvent } from "../data/annotations.js";
import { PreparedEvents, scoreDetections, type DetectionScores, type ScoredDetection } from "../eval/detections.js";
import { eventsOnBars, type EventPlacement } from "../eval/event_bars.js";
import type { TwoFeatureRule } from "../eval/rule_baseline.js";
import { Rng } from "../util/rng.js";
import { randomDetections } from "./random_detector.js";
import { ruleDetector } from "./rule_detector.js";
import { DEFAULT_STRIDE } from "./scan_plan.js";
import type { ScanBars } from "./window_features.js";

export interface EvaluateOptions {
  iou?: number;
  tolerance?: number;
  /** Seed of the random detector (default 42). */
  seed?: number;
  /** Random placements averaged (default 20). */
  randomDraws?: number;
  /** Stride of the rule detector's scan (default the model scan's default). */
  stride?: number;
  /** Rule thresholds; absent: tuned on the first half's annotations. */
  rule?: TwoFeatureRule;
}

export interface EvaluationRow {
  /** Column name in the table. */
  name: string;
  detector: "model" | "rule" | "random";
  mode: "hindsight" | "live" | null;
  scores: DetectionScores;
}

export interface EvaluationReport {
  bars: number;
  events: { total: number; scored: number; snappedTimes: number; unplaced: EventPlacement["unplaced"] };
  iou: number;
  tolerance: number;
  rule: { rangeZThreshold: number; expansionProxyThreshold: number; source: string };
  random: { seed: number; draws: number };
  rows: EvaluationRow[];
  seconds: number;
}

export interface DetectionsByMode {
  hindsight: ScoredDetection[] | null;
  live: ScoredDetection[] | null;
}

/** The mean of each number over `list` (same shape), recursively. */
function meanOf<T>(list: readonly T[]): T {
  const first = list[0]!;
  if (typeof first === "number") return ((list as readonly number[]).reduce((a, b) => a + b, 0) / list.length) as T;
  if (typeof first !== "object" || first === null) return first;
  return Object.fromEntries(Object.keys(first).map((key) => [key, meanOf(list.map((item) => (item as Record<string, unknown>)[key]))])) as T;
}

/**
 * Refuses annotations none of whose events lies on the bars: every score against them would be 0 or
 * undefined, which reads as a detector that finds nothing rather than as the zone or file mismatch it is.
 */
export function assertEventsOnBars(
  annotationsFile: string,
  bars: { timestamps: ArrayLike<number>; source?: string },
  intervalMs: number,
  events: readonly AnnotatedEvent[],
): void {
  const placement = eventsOnBars(bars.timestamps, intervalMs, events);
  if (placement.placed.length > 0 || events.length === 0) return;
  const first = placement.unplaced[0];
  throw new Error(
    `${annotationsFile}: none of its ${events.length} events lies on the bars${bars.source ? ` of ${bars.source}` : ""}, so there is nothing to score against${first ? ` (event ${first.eventId}: ${first.reason})` : ""}; a zone or file mismatch?`,
  );
}

/** Scores the detections and the baselines on `bars` against `events`. */
export function evaluateDetections(
  bars: ScanBars & { timestamps: ArrayLike<number> },
  intervalMs: number,
  events: readonly AnnotatedEvent[],
  detections: DetectionsByMode,
  options: EvaluateOptions = {},
): EvaluationReport {
  const started = performance.now();
  const barCount = bars.close.length;
  const placement = eventsOnBars(bars.timestamps, intervalMs, events);
  const intervals = placement.placed.map(({ start, end }) => ({ start, end }));
  const prepared = new PreparedEvents(intervals);
  const score = (found: readonly ScoredDetection[]) => scoreDetections(prepared, found, barCount, options);
  const rows: EvaluationRow[] = [];
  for (const mode of ["hindsight", "live"] as const) {
    const found = detections[mode];
    if (found !== null) rows.push({ name: `model, ${mode}`, detector: "model", mode, scores: score(found) });
  }
  const rule = ruleDetector(bars, intervals, { stride: options.stride ?? DEFAULT_STRIDE, ...(options.rule ? { rule: options.rule } : {}) });
  rows.push({ name: "rule", detector: "rule", mode: null, scores: score(rule.detections) });
  const seed = options.seed ?? 42;
  const draws = options.randomDraws ?? 20;
  if (!Number.isInteger(draws) || draws < 1) throw new Error(`randomDraws must be a positive integer, got ${draws}`);
  const rng = new Rng(seed);
  for (const mode of ["hindsight", "live"] as const) {
    const found = detections[mode];
    if (found === null) continue;
    const lengths = found.map((d) => d.end - d.start + 1);
    const scores = Array.from({ length: draws }, () => score(randomDetections(lengths, barCount, rng)));
    rows.push({ name: `random, as ${mode}`, detector: "random", mode, scores: meanOf(scores) });
  }
  return {
    bars: barCount,
    events: { total: events.length, scored: intervals.length, snappedTimes: placement.snapped, unplaced: placement.unplaced },
    iou: options.iou ?? 0.5,
    tolerance: options.tolerance ?? 3,
    rule: { ...rule.rule, source: rule.source },
    random: { seed, draws },
    rows,
    seconds: (performance.now() - started) / 1000,
  };
}

const f3 = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : "—");
const f1 = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : "—");

/** The report as a table: one column per detector, one row per figure, then how each baseline was made. */
export function formatEvaluation(report: EvaluationReport): string {
  const k = report.tolerance;
  const lines: [string, (s: DetectionScores) => string][] = [
    ["detections", (s) => (Number.isInteger(s.detections) ? String(s.detections) : f1(s.detections))],
    [`events matched (IoU ≥ ${report.iou})`, (s) => (Number.isInteger(s.matched) ? String(s.matched) : f1(s.matched))],
    ["event precision", (s) => f3(s.precision)],
    ["event recall", (s) => f3(s.recall)],
    ["event F1", (s) => f3(s.f1)],
    [`hit rate, both ends ±${k} bars`, (s) => f3(s.boundaryHitRate)],
    ["per-bar precision (pooled)", (s) => f3(s.pooled.precision)],
    ["per-bar recall (pooled)", (s) => f3(s.pooled.recall)],
    ["per-bar F1 (pooled)", (s) => f3(s.pooled.f1)],
    ["range precision (Tatbul, flat)", (s) => f3(s.range.precision)],
    ["range recall (Tatbul, flat, α 0)", (s) => f3(s.range.recall)],
    ["events detected (any overlap)", (s) => (Number.isInteger(s.delay.detected) ? String(s.delay.detected) : f1(s.delay.detected))],
    ["delay, bars: median", (s) => f1(s.delay.median)],
    ["delay, bars: p90", (s) => f1(s.delay.p90)],
    ["delay from known_at: median", (s) => f1(s.knownDelay.median)],
    ["delay from known_at: p90", (s) => f1(s.knownDelay.p90)],
    ["false alarms per 1,000 bars", (s) => f3(s.falseAlarmsPer1000Bars)],
  ];
  const names = report.rows.map((row) => row.name);
  const first = Math.max(...lines.map(([label]) => label.length)) + 2;
  const widths = names.map((name) => Math.max(name.length, 8) + 2);
  const table = [
    "".padEnd(first) + names.map((name, c) => name.padStart(widths[c]!)).join(""),
    ...lines.map(([label, cell]) => label.padEnd(first) + report.rows.map((row, c) => cell(row.scores).padStart(widths[c]!)).join("")),
  ];
  const header =
    `evaluation on ${report.bars} bars against ${report.events.scored} annotated event(s)` +
    (report.events.unplaced.length > 0 ? ` (${report.events.unplaced.length} of ${report.events.total} on no bar, left out)` : "");
  const notes = [
    `rule: range_z > ${report.rule.rangeZThreshold.toFixed(2)} && |expansion_proxy| > ${report.rule.expansionProxyThreshold.toFixed(2)}, windows scanned and combined like the model's; thresholds ${report.rule.source}`,
    `random: each model mode's detection count and lengths placed at random on the same bars, mean of ${report.random.draws} draws (seed ${report.random.seed})`,
    "delay: bars from an event's first bar to its first bar inside a detection; known_at: when the detection was known (live: as it happened; hindsight: after the windows it needs)",
  ];
  for (const unplaced of report.events.unplaced.slice(0, 5)) notes.push(`left out: event ${unplaced.eventId} (row ${unplaced.row}): ${unplaced.reason}`);
  if (report.events.unplaced.length > 5) notes.push(`left out: … and ${report.events.unplaced.length - 5} more`);
  return [header, ...table, ...notes].join("\n");
}
