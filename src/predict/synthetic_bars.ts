/**
 * Long synthetic bar series with annotated expansions at random times, for scan tests, benches and
 * hands-on runs: the synthetic generator's event paths (src/data/synth.ts simulateEvent: consolidation,
 * expansion span, aftermath, decoys) laid end to end. Each path is trimmed by a random number of bars at
 * both ends, so spans fall at uniformly random positions modulo any stride, and rescaled so it opens at
 * the previous path's close (features are price-relative, so the scale changes nothing the model sees).
 * Timestamps follow a calendar: continuous 1-minute bars, or 30-minute FX bars from Sunday 22:00 UTC to
 * Friday 22:00 UTC with the weekend break.
 */
import { DEFAULT_SYNTH_PARAMS, simulateEvent } from "../data/synth.js";
import type { Label } from "../data/window.js";
import type { Rng } from "../util/rng.js";

export interface SyntheticEvent {
  /** Inclusive bar indices of the span. */
  start: number;
  end: number;
  label: Label;
}

export interface SyntheticSeries {
  timestamps: Float64Array;
  open: Float64Array;
  high: Float64Array;
  low: Float64Array;
  close: Float64Array;
  events: SyntheticEvent[];
}

export type SyntheticCalendar = "minutes" | "fx30m";

/** `count` bar timestamps of `calendar` from `first` (ms, UTC). */
export function calendarTimes(count: number, calendar: SyntheticCalendar, first: number): Float64Array {
  const out = new Float64Array(count);
  if (calendar === "minutes") {
    for (let i = 0; i < count; i++) out[i] = first + i * 60_000;
    return out;
  }
  // FX week: open Sunday 22:00 UTC, 240 half-hours to the Friday 22:00 close.
  const date = new Date(first);
  if (date.getUTCDay() !== 0 || date.getUTCHours() !== 22 || first % 3_600_000 !== 0) {
    throw new Error(`the fx30m calendar starts on a Sunday at 22:00 UTC, got ${date.toISOString()}`);
  }
  const week = 7 * 86_400_000;
  for (let i = 0; i < count; i++) out[i] = first + Math.floor(i / 240) * week + (i % 240) * 1_800_000;
  return out;
}

/** A series of about `events` event paths (see the module comment), drawn from `rng`. */
export function syntheticSeries(events: number, rng: Rng, options: { calendar?: SyntheticCalendar; first?: number; trim?: number } = {}): SyntheticSeries {
  const params = { ...DEFAULT_SYNTH_PARAMS };
  const trim = options.trim ?? params.shiftBars;
  const open: number[] = [];
  const high: number[] = [];
  const low: number[] = [];
  const close: number[] = [];
  const spans: SyntheticEvent[] = [];
  let previousClose = 10_000;
  for (let k = 0; k < events; k++) {
    const path = simulateEvent(params, rng);
    const from = rng.int(trim + 1);
    const to = path.bars.length - rng.int(trim + 1);
    const scale = previousClose / path.bars[from]![0];
    const offset = open.length - from;
    for (let t = from; t < to; t++) {
      const [o, h, l, c] = path.bars[t]!;
      open.push(o * scale);
      high.push(h * scale);
      low.push(l * scale);
      close.push(c * scale);
    }
    previousClose = close[close.length - 1]!;
    if (path.spanStart >= from && path.spanEnd < to) spans.push({ start: path.spanStart + offset, end: path.spanEnd + offset, label: path.label });
  }
  const first = options.first ?? Date.UTC(2024, 0, 7, 22, 0);
  return {
    timestamps: calendarTimes(open.length, options.calendar ?? "minutes", first),
    open: Float64Array.from(open),
    high: Float64Array.from(high),
    low: Float64Array.from(low),
    close: Float64Array.from(close),
    events: spans,
  };
}
