/**
 * Cutting windows around annotated events — the reference procedure of docs/spec.md §1, made explicit:
 *
 * 1. Locate the event's bars. An annotation timestamp equal to a bar timestamp is that bar. Otherwise
 *    (default `snap: true`) it is snapped to the bar that contains it — bar i covers
 *    [timestamps[i], timestamps[i] + interval) — and a per-event note says so; with `snap: false` such an
 *    event is rejected. A timestamp before the first bar, after the last bar's end, or inside a gap is in
 *    no bar: the event is rejected with that reason (its span is not all inside the data).
 * 2. The original window is centred on the span: center = floor((s + e) / 2), window start = center − 52,
 *    then clipped to stay inside the contiguous run of bars holding the event (the data, or the run
 *    between two gaps). Clipping never cuts the span (a span of ≤ 105 bars always fits), but it moves the
 *    span off-centre; a note says by how much. Events whose span is longer than 105 bars, crosses a gap,
 *    or sits in a run of fewer than 105 contiguous bars are rejected with the reason — never skipped
 *    silently.
 * 3. Overlaps: the original window shifted by ±52·i bars for i = 1..overlaps (default 1), or by ±stride·i
 *    for every i with stride·i ≤ 104 when `stride` is given. A shifted window is kept only when at least
 *    `minVisible` (default 0.3) of the span's bars — and at least one — stay inside it (span indices
 *    clipped to [0, 104]), and when it stays inside the same contiguous run of bars (it would otherwise
 *    run past the data's edge or across a gap). Every dropped window is listed with its reason.
 *    Overlaps share `base_window_id` = the event id; ids are `<event>`, `<event>-s+52`, `<event>-s-52`, …
 *
 * "Gaps" here are the series' `gaps`: the breaks longer than `--max-gap` (src/data/breaks.ts). Without
 * `--max-gap` there are none — bars are a sequence and windows run across weekends, holidays and session
 * breaks, as the reference's windows did. A timestamp inside any break (no bar covers it) is still in no bar.
 */
import type { Window, Bar } from "./window.js";
import { WINDOW_BARS } from "./window.js";
import type { BarSeries } from "./bars.js";
import { formatTimestamp } from "./timestamps.js";
import type { AnnotatedEvent, AnnotationSet } from "./annotations.js";

/** Bars before the centre bar in a centred window: window start = center − HALF. */
export const HALF_WINDOW = Math.floor(WINDOW_BARS / 2); // 52
/** The reference overlap shift. */
export const OVERLAP_SHIFT = 52;

export interface CutOptions {
  /** Overlaps on each side, shifted by ±52·i (default 1). Ignored when `stride` is given. */
  overlaps?: number;
  /** Shift overlaps by every multiple of `stride` bars (1..104) instead. */
  stride?: number;
  /** Fraction of the span's bars a shifted window must keep (default 0.3). */
  minVisible?: number;
  /** Snap annotation timestamps that are not bar timestamps to the bar containing them (default true). */
  snap?: boolean;
}

export interface CutReport {
  /** Events in the annotations. */
  events: number;
  /** Windows cut (originals + kept overlaps). */
  windows: number;
  /** Original (centred) windows, one per accepted event. */
  originals: number;
  overlapsKept: number;
  overlapsDropped: number;
  eventsRejected: { eventId: string; row: number; reason: string }[];
  /** Per-event notes: snapped timestamps, windows moved off-centre at the data's edge or a gap. */
  notes: { eventId: string; note: string }[];
  /** Every overlap window dropped, with its reason. */
  dropped: { windowId: string; eventId: string; reason: string }[];
}

export interface CutResult {
  windows: Window[];
  report: CutReport;
}

/** Largest i with timestamps[i] ≤ t, or −1. */
function lastAtOrBefore(timestamps: Float64Array, t: number): number {
  let lo = 0;
  let hi = timestamps.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (timestamps[mid]! <= t) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

type Located = { index: number; snapped: boolean } | { reason: string };

/** The bar holding timestamp `t`, or why there is none. */
function locate(bars: BarSeries, t: number, which: "start" | "end", snap: boolean): Located {
  const { timestamps, intervalMs } = bars;
  const n = timestamps.length;
  const i = lastAtOrBefore(timestamps, t);
  const when = formatTimestamp(t);
  if (i < 0) {
    return { reason: `${which} ${when} is before the first bar (${formatTimestamp(timestamps[0]!)}): the span is not all inside the data` };
  }
  if (timestamps[i] === t) return { index: i, snapped: false };
  const width = Number.isFinite(intervalMs) ? intervalMs : 0;
  if (t >= timestamps[i]! + width) {
    if (i === n - 1) {
      return { reason: `${which} ${when} is after the last bar (${formatTimestamp(timestamps[i]!)}): the span is not all inside the data` };
    }
    return {
      reason: `${which} ${when} falls in a gap between bar ${i} (${formatTimestamp(timestamps[i]!)}) and bar ${i + 1} (${formatTimestamp(timestamps[i + 1]!)})`,
    };
  }
  if (!snap) {
    return { reason: `${which} ${when} is not a bar timestamp (it falls inside bar ${i}, ${formatTimestamp(timestamps[i]!)}; snapping is off)` };
  }
  return { index: i, snapped: true };
}

/** The contiguous run [first, last] of bars (between gaps) holding bar `index`. */
function runAround(bars: BarSeries, index: number): { first: number; last: number; gapAfter?: number } {
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

function makeWindow(bars: BarSeries, event: AnnotatedEvent, windowId: string, start: number, s: number, e: number): Window {
  const features: Bar[] = new Array(WINDOW_BARS);
  for (let k = 0; k < WINDOW_BARS; k++) {
    const i = start + k;
    features[k] = [bars.open[i]!, bars.high[i]!, bars.low[i]!, bars.close[i]!];
  }
  const window: Window = {
    window_id: windowId,
    base_window_id: event.eventId,
    label: event.label,
    expansion_start: Math.max(0, s - start),
    expansion_end: Math.min(WINDOW_BARS - 1, e - start),
    features,
  };
  if (bars.volume !== null) window.volume = Array.from(bars.volume.subarray(start, start + WINDOW_BARS));
  return window;
}

/** `<event>-s+52`, `<event>-s-52`. */
export function overlapId(eventId: string, shift: number): string {
  return `${eventId}-s${shift > 0 ? "+" : ""}${shift}`;
}

/** The overlap shifts in output order: +d, −d, +2d, −2d, … */
export function overlapShifts(options: CutOptions = {}): number[] {
  const shifts: number[] = [];
  if (options.stride !== undefined) {
    const stride = options.stride;
    if (!Number.isInteger(stride) || stride < 1 || stride > WINDOW_BARS - 1) {
      throw new Error(`stride must be an integer in [1, ${WINDOW_BARS - 1}], got ${stride}`);
    }
    for (let d = stride; d <= WINDOW_BARS - 1; d += stride) shifts.push(d, -d);
    return shifts;
  }
  const overlaps = options.overlaps ?? 1;
  if (!Number.isInteger(overlaps) || overlaps < 0) throw new Error(`overlaps must be an integer ≥ 0, got ${overlaps}`);
  for (let i = 1; i <= overlaps; i++) shifts.push(OVERLAP_SHIFT * i, -OVERLAP_SHIFT * i);
  return shifts;
}

/** Cut the windows for every event (see the module comment for the procedure). */
export function cutWindows(bars: BarSeries, annotations: readonly AnnotatedEvent[] | AnnotationSet, options: CutOptions = {}): CutResult {
  const events = Array.isArray(annotations) ? (annotations as readonly AnnotatedEvent[]) : (annotations as AnnotationSet).events;
  const minVisible = options.minVisible ?? 0.3;
  if (!(minVisible >= 0 && minVisible <= 1)) throw new Error(`minVisible must be in [0, 1], got ${minVisible}`);
  const shifts = overlapShifts(options);
  const snap = options.snap ?? true;
  const n = bars.timestamps.length;

  const windows: Window[] = [];
  const report: CutReport = {
    events: events.length,
    windows: 0,
    originals: 0,
    overlapsKept: 0,
    overlapsDropped: 0,
    eventsRejected: [],
    notes: [],
    dropped: [],
  };
  const reject = (event: AnnotatedEvent, reason: string): void => {
    report.eventsRejected.push({ eventId: event.eventId, row: event.row, reason });
  };

  for (const event of events) {
    const first = locate(bars, event.start, "start", snap);
    const last = locate(bars, event.end, "end", snap);
    const reasons = [first, last].filter((l): l is { reason: string } => "reason" in l).map((l) => l.reason);
    if (reasons.length > 0) {
      reject(event, reasons.join("; "));
      continue;
    }
    const s = (first as { index: number; snapped: boolean }).index;
    const e = (last as { index: number; snapped: boolean }).index;
    const snapped: string[] = [];
    if ((first as { snapped: boolean }).snapped) snapped.push(`start ${formatTimestamp(event.start)} → bar ${s} (${formatTimestamp(bars.timestamps[s]!)})`);
    if ((last as { snapped: boolean }).snapped) snapped.push(`end ${formatTimestamp(event.end)} → bar ${e} (${formatTimestamp(bars.timestamps[e]!)})`);
    if (snapped.length > 0) report.notes.push({ eventId: event.eventId, note: `snapped to the bars containing them: ${snapped.join(", ")}` });

    const length = e - s + 1;
    if (length > WINDOW_BARS) {
      reject(event, `the span covers ${length} bars (${s}..${e}), more than a ${WINDOW_BARS}-bar window holds`);
      continue;
    }
    const run = runAround(bars, s);
    if (e > run.last) {
      const gap = bars.gaps.find((g) => g.index === run.gapAfter)!;
      reject(
        event,
        `the span (bars ${s}..${e}) crosses a gap of ${gap.missingBars} missing bar(s) before bar ${gap.index} (${formatTimestamp(gap.from)} → ${formatTimestamp(gap.to)})`,
      );
      continue;
    }
    const runLength = run.last - run.first + 1;
    if (runLength < WINDOW_BARS) {
      const where =
        bars.gaps.length === 0 || (run.first === 0 && run.last === n - 1)
          ? `the data has only ${n} bars`
          : `it sits in a run of only ${runLength} contiguous bars (bars ${run.first}..${run.last}, between gaps or the data's edge)`;
      reject(event, `no ${WINDOW_BARS}-bar window fits: ${where}`);
      continue;
    }

    const center = Math.floor((s + e) / 2);
    const centred = center - HALF_WINDOW;
    const start = Math.min(Math.max(centred, run.first), run.last - (WINDOW_BARS - 1));
    if (start !== centred) {
      const edge = start > centred ? (run.first === 0 ? "the data's start" : "a gap before it") : run.last === n - 1 ? "the data's end" : "a gap after it";
      report.notes.push({
        eventId: event.eventId,
        note: `too close to ${edge} to centre: window moved by ${start - centred} bar(s), span at [${s - start}, ${e - start}] instead of [${s - centred}, ${e - centred}]`,
      });
    }
    windows.push(makeWindow(bars, event, event.eventId, start, s, e));
    report.originals++;

    for (const shift of shifts) {
      const windowId = overlapId(event.eventId, shift);
      const shifted = start + shift;
      const visible = Math.min(e, shifted + WINDOW_BARS - 1) - Math.max(s, shifted) + 1;
      let reason: string | undefined;
      if (visible < 1 || visible < minVisible * length - 1e-9) {
        const shown = Math.max(0, visible);
        reason = `only ${shown} of ${length} span bar(s) visible (${((100 * shown) / length).toFixed(0)}% < min-visible ${(100 * minVisible).toFixed(0)}%)`;
      } else if (shifted < run.first || shifted + WINDOW_BARS - 1 > run.last) {
        const past =
          shifted < run.first
            ? run.first === 0
              ? "before the data's first bar"
              : `across the gap before bar ${run.first}`
            : run.last === n - 1
              ? "past the data's last bar"
              : `across the gap before bar ${run.last + 1}`;
        reason = `the shifted window would run ${past}`;
      }
      if (reason !== undefined) {
        report.overlapsDropped++;
        report.dropped.push({ windowId, eventId: event.eventId, reason });
        continue;
      }
      windows.push(makeWindow(bars, event, windowId, shifted, s, e));
      report.overlapsKept++;
    }
  }
  report.windows = windows.length;
  return { windows, report };
}

/** The report as the CLI prints it: counts, then each rejected event and note, then drop reasons counted. */
export function describeCutReport(report: CutReport): string {
  const lines = [
    `events: ${report.events}, accepted: ${report.originals}, rejected: ${report.eventsRejected.length}`,
    `windows: ${report.windows} (${report.originals} centred + ${report.overlapsKept} overlaps kept; ${report.overlapsDropped} overlaps dropped)`,
  ];
  for (const rejected of report.eventsRejected) lines.push(`  rejected event ${rejected.eventId} (row ${rejected.row}): ${rejected.reason}`);
  for (const note of report.notes) lines.push(`  note: event ${note.eventId}: ${note.note}`);
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
