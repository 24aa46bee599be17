/**
 * Cutting windows around annotated events (docs/spec.md §10):
 *
 * 1. Locate each event's bars (src/data/event_bars.ts). An annotation timestamp equal to a bar timestamp
 *    is that bar; one inside a bar snaps to it with a note (`snap: false` rejects instead); one before the
 *    data, after its end or inside a break names no bar and rejects the event. Annotations naming the same
 *    bars as another are an error naming both rows (BarsError); overlapping ones are reported and kept.
 * 2. Reject events whose span is longer than 105 bars, crosses a gap, or sits in a gap-free run shorter
 *    than 105 bars — always with the reason, never silently.
 * 3. Place the event's windows (src/data/placement.ts): by default `windowsPerEvent` (3) at seeded random
 *    offsets, the span anywhere in the window; with `referenceCut` the reference's centred window and ±52
 *    overlaps. All of an event's windows share `base_window_id` = the event id.
 * 4. Each window carries its bars (features, volume when present), each bar's time (`timestamps`) and
 *    every annotated span that intersects it (`spans`, clipped, the primary span among them). The windows
 *    of one cut share their bar arrays and time strings (read-only; see SharedBars).
 *
 * "Gaps" are the series' `gaps`: the breaks longer than `--max-gap` (src/data/breaks.ts). Without
 * `--max-gap` there are none: bars are a sequence and windows run across weekends, holidays and session
 * breaks, as the reference's windows did.
 */
import type { Rng } from "../util/rng.js";
import type { Window, Bar } from "./window.js";
import { WINDOW_BARS } from "./window.js";
import type { BarSeries } from "./bars.js";
import { BarsError } from "./bar_validation.js";
import { formatTimestamp } from "./timestamps.js";
import type { AnnotatedEvent, AnnotationSet } from "./annotations.js";
import { AnnotatedSpans, findAnnotationConflicts, locateEvent, type AnnotationOverlap, type LocatedEvent } from "./event_bars.js";
import { DEFAULT_WINDOWS_PER_EVENT, overlapShifts, randomPlacements, referencePlacements, type BarRun, type Placement } from "./placement.js";
import { BarTimeStrings } from "./window_time.js";

export { HALF_WINDOW, OVERLAP_SHIFT, overlapId, overlapShifts } from "./placement.js";

export interface CutOptions {
  /** The reference's centred windows and ±52 overlaps instead of random placement (default false). */
  referenceCut?: boolean;
  /** Windows per event under random placement (default 3). */
  windowsPerEvent?: number;
  /** The generator of the random offsets; required unless `referenceCut`. One fork per event, in order. */
  rng?: Rng;
  /** Reference cut: overlaps on each side, shifted by ±52·i (default 1). Ignored when `stride` is given. */
  overlaps?: number;
  /** Reference cut: shift overlaps by every multiple of `stride` bars (1..104) instead. */
  stride?: number;
  /** Fraction of the span's bars every window must show (default 0.3). */
  minVisible?: number;
  /** Snap annotation timestamps that are not bar timestamps to the bar containing them (default true). */
  snap?: boolean;
}

export interface CutReport {
  placement: "random" | "reference";
  /** Random placement: the windows asked for per event. */
  windowsPerEvent?: number;
  /** Events in the annotations. */
  events: number;
  /** Windows cut. */
  windows: number;
  /** Events that became windows (reference cut: one centred window each). */
  originals: number;
  /** Reference cut: overlaps kept and dropped. */
  overlapsKept: number;
  overlapsDropped: number;
  /** Random placement: events whose run or span left room for fewer windows than asked, and how many they got. */
  fewerWindows: { eventId: string; windows: number }[];
  eventsRejected: { eventId: string; row: number; reason: string }[];
  /** Per-event notes: snapped timestamps, windows moved off-centre at the data's edge or a gap. */
  notes: { eventId: string; note: string }[];
  /** Every reference overlap window dropped, with its reason. */
  dropped: { windowId: string; eventId: string; reason: string }[];
  /** How many windows have their primary span starting at each bar 0..104 (the position spread). */
  spanStartCounts: number[];
  /** Windows that hold at least one annotated span besides their primary one (all are in-span bars). */
  windowsWithOtherSpans: number;
  /** Annotations whose spans share bars without naming the same ones (kept). */
  annotationOverlaps: AnnotationOverlap[];
}

/** One window to cut: the event, its id and its first bar. */
export interface WindowPlan extends Placement {
  event: LocatedEvent;
}

/** Everything decided before a bar is copied: the windows to cut and the report. */
export interface CutPlan {
  plans: WindowPlan[];
  report: CutReport;
  /** Every located annotation's span, for the `spans` of each window. */
  spans: AnnotatedSpans;
}

export interface CutResult {
  windows: Window[];
  report: CutReport;
}

/** The contiguous run [first, last] of bars (between gaps) holding bar `index`. */
function runAround(bars: BarSeries, index: number): BarRun & { gapAfter?: number } {
  let first = 0;
  let last = bars.timestamps.length - 1;
  let gapAfter: number | undefined;
  for (const gap of bars.gaps) {
    if (gap.index <= index) first = Math.max(first, gap.index);
    else if (gapAfter === undefined || gap.index < gapAfter) gapAfter = gap.index;
  }
  if (gapAfter !== undefined) last = gapAfter - 1;
  return { first, last, ...(gapAfter !== undefined ? { gapAfter } : {}) };
}

/** Why no window can hold the located event, or undefined when one can (step 2). */
function unfit(bars: BarSeries, located: LocatedEvent, run: ReturnType<typeof runAround>): string | undefined {
  const { start: s, end: e } = located;
  const n = bars.timestamps.length;
  const length = e - s + 1;
  if (length > WINDOW_BARS) return `the span covers ${length} bars (${s}..${e}), more than a ${WINDOW_BARS}-bar window holds`;
  if (e > run.last) {
    const gap = bars.gaps.find((g) => g.index === run.gapAfter)!;
    return `the span (bars ${s}..${e}) crosses a gap of ${gap.missingBars} missing bar(s) before bar ${gap.index} (${formatTimestamp(gap.from)} → ${formatTimestamp(gap.to)})`;
  }
  const runLength = run.last - run.first + 1;
  if (runLength < WINDOW_BARS) {
    const where =
      bars.gaps.length === 0 || (run.first === 0 && run.last === n - 1)
        ? `the data has only ${n} bars`
        : `it sits in a run of only ${runLength} contiguous bars (bars ${run.first}..${run.last}, between gaps or the data's edge)`;
    return `no ${WINDOW_BARS}-bar window fits: ${where}`;
  }
  return undefined;
}

function eventsOf(annotations: readonly AnnotatedEvent[] | AnnotationSet): { events: readonly AnnotatedEvent[]; source: string } {
  if (Array.isArray(annotations)) return { events: annotations as readonly AnnotatedEvent[], source: "(annotations)" };
  const set = annotations as AnnotationSet;
  return { events: set.events, source: set.source };
}

/**
 * Decide every window (steps 1–3) without copying a bar: the plan `buildWindow` materialises. Throws a
 * BarsError naming both rows when two annotations name the same bars.
 */
export function planCut(bars: BarSeries, annotations: readonly AnnotatedEvent[] | AnnotationSet, options: CutOptions = {}): CutPlan {
  const { events, source } = eventsOf(annotations);
  const minVisible = options.minVisible ?? 0.3;
  if (!(minVisible >= 0 && minVisible <= 1)) throw new Error(`minVisible must be in [0, 1], got ${minVisible}`);
  const reference = options.referenceCut ?? false;
  const shifts = reference ? overlapShifts(options) : [];
  const perEvent = options.windowsPerEvent ?? DEFAULT_WINDOWS_PER_EVENT;
  if (!reference && (!Number.isInteger(perEvent) || perEvent < 1)) throw new Error(`windowsPerEvent must be an integer ≥ 1, got ${perEvent}`);
  if (!reference && options.rng === undefined)
    throw new Error("random placement needs options.rng (a seeded Rng); pass referenceCut: true for the centred cut");
  const snap = options.snap ?? true;
  const n = bars.timestamps.length;

  const report: CutReport = {
    placement: reference ? "reference" : "random",
    ...(reference ? {} : { windowsPerEvent: perEvent }),
    events: events.length,
    windows: 0,
    originals: 0,
    overlapsKept: 0,
    overlapsDropped: 0,
    fewerWindows: [],
    eventsRejected: [],
    notes: [],
    dropped: [],
    spanStartCounts: new Array<number>(WINDOW_BARS).fill(0),
    windowsWithOtherSpans: 0,
    annotationOverlaps: [],
  };
  const located: LocatedEvent[] = [];
  const plans: WindowPlan[] = [];
  for (const event of events) {
    // One fork per event, rejected or not, so an event's offsets do not depend on the events before it.
    const rng = reference ? undefined : options.rng!.fork();
    const found = locateEvent(bars, event, snap);
    if ("reason" in found) {
      report.eventsRejected.push({ eventId: event.eventId, row: event.row, reason: found.reason });
      continue;
    }
    located.push(found);
    if (found.snapNote !== undefined) report.notes.push({ eventId: event.eventId, note: found.snapNote });
    const run = runAround(bars, found.start);
    const reason = unfit(bars, found, run);
    if (reason !== undefined) {
      report.eventsRejected.push({ eventId: event.eventId, row: event.row, reason });
      continue;
    }
    report.originals++;
    if (reference) {
      const placed = referencePlacements(event.eventId, found.start, found.end, run, n, shifts, minVisible);
      if (placed.moved !== undefined) report.notes.push({ eventId: event.eventId, note: placed.moved });
      for (const p of placed.placements) plans.push({ ...p, event: found });
      report.overlapsKept += placed.placements.length - 1;
      report.overlapsDropped += placed.dropped.length;
      for (const d of placed.dropped) report.dropped.push({ ...d, eventId: event.eventId });
    } else {
      const placed = randomPlacements(event.eventId, found.start, found.end, run, perEvent, minVisible, rng!);
      if (placed.length < perEvent) report.fewerWindows.push({ eventId: event.eventId, windows: placed.length });
      for (const p of placed) plans.push({ ...p, event: found });
    }
  }
  const conflicts = findAnnotationConflicts(located, source, bars);
  if (conflicts.problems.length > 0) throw new BarsError(source, conflicts.problems, "annotations");
  report.annotationOverlaps = conflicts.overlaps;
  const spans = new AnnotatedSpans(located);
  for (const plan of plans) {
    report.spanStartCounts[Math.max(0, plan.event.start - plan.start)]!++;
    if (spans.within(plan.start, WINDOW_BARS).length > 1) report.windowsWithOtherSpans++;
  }
  report.windows = plans.length;
  return { plans, report, spans };
}

/**
 * Each bar as one [open, high, low, close] array, made once and shared by every window holding the bar:
 * neighbouring events' windows overlap (about 8 windows per bar in bench/windows.ts), so sharing saves most
 * of the allocation, and lets the JSONL writer format each bar once per chunk. Windows of one cut are
 * therefore read-only: a bar changed in one would change in every window holding it.
 */
export class SharedBars {
  private readonly arrays = new Map<number, Bar>();

  constructor(private readonly bars: BarSeries) {}

  at(i: number): Bar {
    let bar = this.arrays.get(i);
    if (bar === undefined) {
      const b = this.bars;
      bar = [b.open[i]!, b.high[i]!, b.low[i]!, b.close[i]!];
      this.arrays.set(i, bar);
    }
    return bar;
  }
}

/** The bars, times and spans one cut's windows are built from, each made once (see SharedBars). */
export interface WindowSources {
  bars: BarSeries;
  shared: SharedBars;
  times: BarTimeStrings;
  spans: AnnotatedSpans;
}

/** Copies the bars of one planned window (step 4). */
export function buildWindow(sources: WindowSources, plan: WindowPlan): Window {
  const { bars, shared, times, spans } = sources;
  const { start, event } = plan;
  const features: Bar[] = new Array(WINDOW_BARS);
  for (let k = 0; k < WINDOW_BARS; k++) features[k] = shared.at(start + k);
  const window: Window = {
    window_id: plan.windowId,
    base_window_id: event.event.eventId,
    label: event.event.label,
    expansion_start: Math.max(0, event.start - start),
    expansion_end: Math.min(WINDOW_BARS - 1, event.end - start),
    features,
  };
  if (bars.volume !== null) window.volume = Array.from(bars.volume.subarray(start, start + WINDOW_BARS));
  window.timestamps = times.slice(start, WINDOW_BARS);
  window.spans = spans.within(start, WINDOW_BARS);
  return window;
}

/**
 * The planned windows, `size` at a time, so a large cut never holds every window in memory at once; small
 * chunks die young, which keeps the collector's work small (bench/windows.ts).
 */
export function* windowChunks(bars: BarSeries, plan: CutPlan, size = 128): Generator<Window[]> {
  for (let i = 0; i < plan.plans.length; i += size) {
    // Shared within a chunk only, where neighbouring windows overlap; memory stays one chunk's worth.
    const sources: WindowSources = { bars, shared: new SharedBars(bars), times: new BarTimeStrings(bars.timestamps), spans: plan.spans };
    yield plan.plans.slice(i, i + size).map((p) => buildWindow(sources, p));
  }
}

/** Cut every window at once (see the module comment for the procedure). */
export function cutWindows(bars: BarSeries, annotations: readonly AnnotatedEvent[] | AnnotationSet, options: CutOptions = {}): CutResult {
  const plan = planCut(bars, annotations, options);
  const windows: Window[] = [];
  for (const chunk of windowChunks(bars, plan)) windows.push(...chunk);
  return { windows, report: plan.report };
}

/** min, median and max of the span start positions, and how many start in each fifth of the window. */
export function spanStartSpread(counts: readonly number[]): { min: number; median: number; max: number; fifths: number[] } | undefined {
  const total = counts.reduce((a, b) => a + b, 0);
  if (total === 0) return undefined;
  const positions: number[] = [];
  counts.forEach((count, position) => {
    for (let k = 0; k < count; k++) positions.push(position);
  });
  const fifths = [0, 0, 0, 0, 0];
  for (const p of positions) fifths[Math.min(4, Math.floor((p * 5) / WINDOW_BARS))]!++;
  return { min: positions[0]!, median: positions[(positions.length - 1) >> 1]!, max: positions[positions.length - 1]!, fifths };
}

/** The report as the CLI prints it: counts, the position spread, then each rejected event and note. */
export function describeCutReport(report: CutReport, seed?: number): string {
  const lines = [`events: ${report.events}, accepted: ${report.originals}, rejected: ${report.eventsRejected.length}`];
  if (report.placement === "reference") {
    lines.push(
      `windows: ${report.windows} (reference cut: ${report.originals} centred + ${report.overlapsKept} overlaps kept; ${report.overlapsDropped} overlaps dropped)`,
    );
  } else {
    const fewer = report.fewerWindows.length > 0 ? `; ${report.fewerWindows.length} event(s) had room for fewer` : "";
    lines.push(
      `windows: ${report.windows} (${report.windowsPerEvent} per event at seeded random offsets${seed !== undefined ? `, seed ${seed}` : ""}${fewer})`,
    );
  }
  const spread = spanStartSpread(report.spanStartCounts);
  if (spread !== undefined) {
    lines.push(
      `  span start in window: min ${spread.min}, median ${spread.median}, max ${spread.max}; ` +
        `by fifths (bars 0–20, 21–41, 42–62, 63–83, 84–104): ${spread.fifths.join(" / ")}`,
    );
  }
  lines.push(`  windows holding another annotated span too: ${report.windowsWithOtherSpans} (its bars are in-span targets as well)`);
  if (report.annotationOverlaps.length > 0) {
    lines.push(`  overlapping annotations (kept, all their bars in span): ${report.annotationOverlaps.length} pair(s)`);
    for (const o of report.annotationOverlaps.slice(0, 10)) {
      lines.push(
        `    rows ${o.first.row} and ${o.second.row} (events ${o.first.eventId}, ${o.second.eventId}) share ${o.sharedBars} bar(s): ` +
          `bars ${o.first.start}..${o.first.end} and ${o.second.start}..${o.second.end}`,
      );
    }
    if (report.annotationOverlaps.length > 10) lines.push(`    … and ${report.annotationOverlaps.length - 10} more`);
  }
  for (const rejected of report.eventsRejected) lines.push(`  rejected event ${rejected.eventId} (row ${rejected.row}): ${rejected.reason}`);
  for (const note of report.notes) lines.push(`  note: event ${note.eventId}: ${note.note}`);
  for (const f of report.fewerWindows)
    lines.push(`  note: event ${f.eventId}: room for ${f.windows} window(s) only (its run or span leaves fewer allowed starts)`);
  if (report.dropped.length > 0) {
    const byKind = new Map<string, number>();
    for (const d of report.dropped) {
      const kind = d.reason.startsWith("only")
        ? "too little of the span visible (min-visible)"
        : d.reason.replace(/^the shifted window would run /, "runs ").replace(/\d+/g, "N");
      byKind.set(kind, (byKind.get(kind) ?? 0) + 1);
    }
    for (const [kind, count] of byKind) lines.push(`  overlaps dropped: ${count} × ${kind}`);
  }
  return lines.join("\n");
}
