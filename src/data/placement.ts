/**
 * Where an event's windows start (docs/spec.md §10, cutting steps 3–4). Two placements:
 *
 *  - **random** (the default): `count` windows at seeded, independent offsets, uniform over every window
 *    start that keeps at least `minVisible` of the span (and at least one bar of it) inside and the window
 *    inside the span's gap-free run. The span then sits anywhere in the window, so a model cannot learn
 *    where spans start from the cutting rule (the reference's centred windows put every span start near
 *    bar 0, 52 or 104).
 *  - **reference** (`--reference-cut`): the reference's centred window, floor((s + e)/2) − 52, clamped into
 *    the run, plus overlaps shifted by ±52·i (or ±stride·i), each kept by the same visibility and run rules.
 */
import type { Rng } from "../util/rng.js";
import { WINDOW_BARS } from "./window.js";

/** Bars before the centre bar in a centred window: window start = center − HALF. */
export const HALF_WINDOW = Math.floor(WINDOW_BARS / 2); // 52
/** The reference overlap shift. */
export const OVERLAP_SHIFT = 52;
/** Windows per event under the random placement when none is given. */
export const DEFAULT_WINDOWS_PER_EVENT = 3;

/** The gap-free run of bars [first, last] holding a span. */
export interface BarRun {
  first: number;
  last: number;
}

export interface Placement {
  windowId: string;
  /** Index of the window's first bar in the series. */
  start: number;
}

/** Span bars `s`..`e` visible in the window starting at `start`. */
export function visibleBars(s: number, e: number, start: number): number {
  return Math.min(e, start + WINDOW_BARS - 1) - Math.max(s, start) + 1;
}

/** The fewest span bars a window must show: ≥ 1 and ≥ minVisible · length (to within rounding). */
export function minimumVisible(length: number, minVisible: number): number {
  return Math.max(1, Math.ceil(minVisible * length - 1e-9));
}

/** Every window start that keeps `minimumVisible` of span `s`..`e` inside and the window inside `run`. */
export function allowedStarts(s: number, e: number, run: BarRun, minVisible: number): { from: number; to: number } {
  const need = minimumVisible(e - s + 1, minVisible);
  // The window's last bar (start + 104) must reach s + need − 1, and its first bar must not pass e − need + 1.
  return { from: Math.max(run.first, s + need - WINDOW_BARS), to: Math.min(run.last - (WINDOW_BARS - 1), e - need + 1) };
}

/** `<event>-p<position>`: the window whose span starts at bar `position` (negative: before the window). */
export function randomWindowId(eventId: string, spanStart: number, windowStart: number): string {
  return `${eventId}-p${spanStart - windowStart}`;
}

/**
 * `count` distinct window starts drawn uniformly from {@link allowedStarts} with `rng` (a repeated draw is
 * drawn again, so no window is cut twice; an event with fewer allowed starts gets all of them), in
 * ascending order. The range is never empty: the centred window is always allowed.
 */
export function randomPlacements(eventId: string, s: number, e: number, run: BarRun, count: number, minVisible: number, rng: Rng): Placement[] {
  const { from, to } = allowedStarts(s, e, run, minVisible);
  const choices = to - from + 1;
  if (choices < 1) throw new Error(`event ${eventId}: no window start keeps ${minVisible} of bars ${s}..${e} inside bars ${run.first}..${run.last}`);
  const wanted = Math.min(count, choices);
  const drawn = new Set<number>();
  while (drawn.size < wanted) drawn.add(from + rng.int(choices));
  return [...drawn].sort((a, b) => a - b).map((start) => ({ windowId: randomWindowId(eventId, s, start), start }));
}

/** `<event>-s+52`, `<event>-s-52`. */
export function overlapId(eventId: string, shift: number): string {
  return `${eventId}-s${shift > 0 ? "+" : ""}${shift}`;
}

/** The reference overlap shifts in output order: +d, −d, +2d, −2d, … */
export function overlapShifts(options: { overlaps?: number; stride?: number } = {}): number[] {
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

export interface ReferencePlacements {
  placements: Placement[];
  /** Set when the centred window had to move to stay inside the run. */
  moved?: string;
  dropped: { windowId: string; reason: string }[];
}

/** The reference cut of span `s`..`e` in `run` (the data has `bars` bars): centred window, then overlaps. */
export function referencePlacements(
  eventId: string,
  s: number,
  e: number,
  run: BarRun,
  bars: number,
  shifts: readonly number[],
  minVisible: number,
): ReferencePlacements {
  const length = e - s + 1;
  const centred = Math.floor((s + e) / 2) - HALF_WINDOW;
  const start = Math.min(Math.max(centred, run.first), run.last - (WINDOW_BARS - 1));
  const out: ReferencePlacements = { placements: [{ windowId: eventId, start }], dropped: [] };
  if (start !== centred) {
    const edge = start > centred ? (run.first === 0 ? "the data's start" : "a gap before it") : run.last === bars - 1 ? "the data's end" : "a gap after it";
    out.moved = `too close to ${edge} to centre: window moved by ${start - centred} bar(s), span at [${s - start}, ${e - start}] instead of [${s - centred}, ${e - centred}]`;
  }
  for (const shift of shifts) {
    const windowId = overlapId(eventId, shift);
    const shifted = start + shift;
    const visible = visibleBars(s, e, shifted);
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
          : run.last === bars - 1
            ? "past the data's last bar"
            : `across the gap before bar ${run.last + 1}`;
      reason = `the shifted window would run ${past}`;
    }
    if (reason !== undefined) out.dropped.push({ windowId, reason });
    else out.placements.push({ windowId, start: shifted });
  }
  return out;
}
