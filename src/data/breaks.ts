/**
 * Breaks in a bar series. Bars are a sequence: consecutive rows are consecutive bars whatever the clock
 * does between them (the reference system took consecutive bars too), so a break is never an error. It is
 * summarised by length class, and `--max-gap D` turns the breaks longer than D into the series' `gaps`,
 * which windows (src/data/cut.ts) and scans (src/predict/scan.ts) never cross.
 *
 * A break is a step between consecutive bars longer than 1.5 × the bar interval (the interval is the lower
 * median of the positive steps). Its length is the time no bar covers: step − interval (bar i covers
 * [tᵢ, tᵢ + interval)), so a daily Fri → Mon step is a 2-day break and an FX weekend from the 21:30 bar
 * to Sunday 22:00 is 48 h. Classes, in this order:
 *
 *  - `missing`: bars missing inside a session (nothing traded): ≤ 5 intervals and < 1 h — intraday only;
 *  - `session`: an overnight or daily session break: any other break < 24 h — intraday only;
 *  - `weekend`: every closed day is a Saturday or Sunday;
 *  - `holiday`: 1 or 2 closed weekdays (Mon–Fri), with or without a weekend (Good Friday, a Monday holiday);
 *  - `longer`: 3 or more closed weekdays, or a break of a day or more with no closed day (irregular).
 *
 * A closed day is a calendar day whose noon (in the zone the timestamps were read in, UTC by default) falls
 * inside the break — noon, so that daily bars stamped at midnight, at 05:00 UTC or at the close all count
 * the same days. Intraday data is data whose interval is below 20 h.
 */
import type { TimeZone } from "./timezone.js";
import { formatTimestamp } from "./timestamps.js";

const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;

export type BreakClass = "missing" | "session" | "weekend" | "holiday" | "longer";
export const BREAK_CLASSES: readonly BreakClass[] = ["missing", "session", "weekend", "holiday", "longer"];

/** What each class means, as printed in the predict JSON report and the docs. */
export const BREAK_CLASS_DEFINITIONS: Record<BreakClass, string> = {
  missing: "bars missing inside a session: a break of at most 5 bar intervals and under 1 h (intraday data)",
  session: "overnight or daily session break: any other break under 24 h (intraday data)",
  weekend: "every closed day is a Saturday or Sunday",
  holiday: "1 or 2 closed weekdays (Mon–Fri), with or without a weekend",
  longer: "3 or more closed weekdays, or a break of a day or more with no closed day",
};

/** One break: between bar index − 1 and bar index. */
export interface BarBreak {
  /** First bar after the break. */
  index: number;
  /** Timestamps of bars index − 1 and index, ms. */
  from: number;
  to: number;
  /** Time no bar covers: step − interval, ms. */
  durationMs: number;
  /** round(step / interval) − 1. */
  missingBars: number;
  kind: BreakClass;
}

export interface BreakSummary {
  intervalMs: number;
  /** Breaks (steps > 1.5 × interval). */
  count: number;
  classes: Record<BreakClass, number>;
  /** The longest break (the first, when several are as long), or null without breaks. */
  longest: BarBreak | null;
  /** `--max-gap` in ms, or null when not given (windows and scans cross every break). */
  maxGapMs: number | null;
  /** Breaks longer than `maxGapMs` (the series' gaps), 0 without --max-gap. */
  beyondMaxGap: number;
  /** Missing bars over those breaks. */
  missingBarsBeyondMaxGap: number;
  /** The zone whose calendar days decided weekend and holiday. */
  calendarZone: string;
}

/** Local calendar day of instant `utc` (days since 1970-01-01) and whether it is a weekday. */
function localDay(utc: number, zone: TimeZone): number {
  return Math.floor(zone.toLocal(utc) / DAY);
}

/** Day 0 (1970-01-01) was a Thursday: weekday 0 = Sunday … 6 = Saturday. */
function weekday(day: number): number {
  return (((day + 4) % 7) + 7) % 7;
}

/** Closed weekdays and weekend days: local days whose noon lies strictly inside (start, end). */
function closedDays(start: number, end: number, zone: TimeZone): { weekdays: number; weekend: number } {
  let weekdays = 0;
  let weekend = 0;
  const first = localDay(start, zone) - 1;
  const last = localDay(end, zone) + 1;
  // Long breaks (a data outage of years) are counted without walking every day.
  if (last - first > 62) return { weekdays: Math.floor(((last - first) * 5) / 7), weekend: Math.floor(((last - first) * 2) / 7) };
  for (let day = first; day <= last; day++) {
    const noonLocal = day * DAY + 12 * HOUR;
    // The instant of that local noon (the offset at noon ≈ the offset 12 h either side, good to the day).
    const noon = noonLocal - zone.offsetAt(noonLocal - zone.offsetAt(noonLocal));
    if (!(noon > start && noon < end)) continue;
    const w = weekday(day);
    if (w === 0 || w === 6) weekend++;
    else weekdays++;
  }
  return { weekdays, weekend };
}

export function classifyBreak(durationMs: number, intervalMs: number, start: number, end: number, zone: TimeZone): BreakClass {
  if (intervalMs < 20 * HOUR) {
    if (durationMs <= 5 * intervalMs && durationMs < HOUR) return "missing";
    if (durationMs < DAY) return "session";
  }
  const closed = closedDays(start, end, zone);
  if (closed.weekdays === 0 && closed.weekend > 0) return "weekend";
  if (closed.weekdays >= 1 && closed.weekdays <= 2) return "holiday";
  return "longer";
}

/**
 * The breaks of a sorted series (timestamps strictly increasing, no NaN) and its gaps: the breaks longer
 * than `maxGapMs` (none when it is null).
 */
export function findBreaks(
  timestamps: Float64Array,
  intervalMs: number,
  zone: TimeZone,
  maxGapMs: number | null,
): { summary: BreakSummary; breaks: BarBreak[]; gaps: BarBreak[] } {
  const classes: Record<BreakClass, number> = { missing: 0, session: 0, weekend: 0, holiday: 0, longer: 0 };
  const breaks: BarBreak[] = [];
  const gaps: BarBreak[] = [];
  let longest: BarBreak | null = null;
  let missingBarsBeyond = 0;
  if (Number.isFinite(intervalMs)) {
    const threshold = 1.5 * intervalMs;
    for (let i = 1; i < timestamps.length; i++) {
      const from = timestamps[i - 1]!;
      const to = timestamps[i]!;
      const step = to - from;
      if (!(step > threshold)) continue;
      const durationMs = step - intervalMs;
      const kind = classifyBreak(durationMs, intervalMs, from + intervalMs, to, zone);
      const found: BarBreak = { index: i, from, to, durationMs, missingBars: Math.round(step / intervalMs) - 1, kind };
      classes[kind]++;
      breaks.push(found);
      if (longest === null || durationMs > longest.durationMs) longest = found;
      if (maxGapMs !== null && durationMs > maxGapMs) {
        gaps.push(found);
        missingBarsBeyond += found.missingBars;
      }
    }
  }
  return {
    summary: {
      intervalMs,
      count: breaks.length,
      classes,
      longest,
      maxGapMs,
      beyondMaxGap: gaps.length,
      missingBarsBeyondMaxGap: missingBarsBeyond,
      calendarZone: zone.name,
    },
    breaks,
    gaps,
  };
}

// ───────────────────────────── durations ─────────────────────────────

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: MINUTE, h: HOUR, d: DAY, w: 7 * DAY };

/**
 * `--max-gap` values: a number and a unit (`30s`, `90m`, `2h`, `4d`, `1w`, `500ms`), several summed
 * (`1h30m`), or `0` (every break is a gap: windows cross none, as before bars were a sequence). Throws naming
 * the flag.
 */
export function parseDuration(text: string, flag = "--max-gap"): number {
  const trimmed = text.trim().toLowerCase();
  if (/^0+(?:\.0*)?$/.test(trimmed)) return 0;
  const parts = trimmed.match(/(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/g);
  if (parts === null || parts.join("") !== trimmed) {
    throw new Error(`${flag} must be a duration like 4d, 90m, 2h, 30s or 1h30m (units ms, s, m, h, d, w), got ${JSON.stringify(text)}`);
  }
  let total = 0;
  for (const part of parts) {
    const [, value, unit] = /^(\d+(?:\.\d+)?)(ms|s|m|h|d|w)$/.exec(part)!;
    total += Number(value) * UNITS[unit!]!;
  }
  return total;
}

/** `3d`, `2d 1h`, `48h` is printed `2d`, `1h 30m`, `45s`, `0s`. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return "unknown";
  if (ms === 0) return "0s";
  const parts: string[] = [];
  let rest = Math.round(ms);
  for (const [unit, size] of [
    ["d", DAY],
    ["h", HOUR],
    ["m", MINUTE],
    ["s", 1000],
  ] as const) {
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    }
  }
  if (rest > 0) parts.push(`${rest}ms`);
  return parts.join(" ");
}

const CLASS_WORDS: Record<BreakClass, string> = {
  missing: "missing bars (≤ 5 bars, < 1 h)",
  session: "session (overnight/daily, < 24 h)",
  weekend: "weekend",
  holiday: "holiday (1–2 weekdays closed)",
  longer: "longer",
};

/** The lines `data windows` and `predict --bars` print about the breaks (none when there are none and no --max-gap). */
export function describeBreaks(summary: BreakSummary): string[] {
  const lines: string[] = [];
  if (summary.count > 0) {
    const classes = BREAK_CLASSES.filter((kind) => summary.classes[kind] > 0).map((kind) => `${summary.classes[kind]} ${CLASS_WORDS[kind]}`);
    const longest = summary.longest!;
    lines.push(
      `  breaks: ${summary.count} — ${classes.join(", ")}; longest ${formatDuration(longest.durationMs)} ` +
        `(${formatTimestamp(longest.from)} → ${formatTimestamp(longest.to)}, before row ${longest.index}); ` +
        `days in ${summary.calendarZone}`,
    );
  }
  if (summary.maxGapMs === null) {
    if (summary.count > 0) lines.push("  bars are a sequence: windows and scans run across breaks (--max-gap D stops them at breaks longer than D)");
  } else {
    lines.push(
      `  --max-gap ${formatDuration(summary.maxGapMs)}: ${summary.beyondMaxGap} break(s) longer (${summary.missingBarsBeyondMaxGap} missing bars); ` +
        "windows and scans never cross them",
    );
  }
  return lines;
}

/** The break summary for JSON reports: ISO-8601 times, durations in words and in ms, the class definitions. */
export interface BreaksJson {
  count: number;
  classes: Record<BreakClass, number>;
  longest: { index: number; from: string; to: string; duration: string; duration_ms: number; kind: BreakClass } | null;
  /** `--max-gap` as given (normalised), or null. */
  max_gap: string | null;
  /** Breaks longer than --max-gap: windows and scans never cross them. */
  beyond_max_gap: number;
  /** The zone whose calendar days decided weekend and holiday. */
  calendar_zone: string;
  definitions: Record<BreakClass, string>;
}

export function breaksJson(summary: BreakSummary): BreaksJson {
  const iso = (ms: number): string => new Date(ms).toISOString();
  const longest = summary.longest;
  return {
    count: summary.count,
    classes: { ...summary.classes },
    longest:
      longest === null
        ? null
        : {
            index: longest.index,
            from: iso(longest.from),
            to: iso(longest.to),
            duration: formatDuration(longest.durationMs),
            duration_ms: longest.durationMs,
            kind: longest.kind,
          },
    max_gap: summary.maxGapMs === null ? null : formatDuration(summary.maxGapMs),
    beyond_max_gap: summary.beyondMaxGap,
    calendar_zone: summary.calendarZone,
    definitions: BREAK_CLASS_DEFINITIONS,
  };
}
