/**
 * IANA time zones for naive timestamps (`--timezone America/Chicago`): the zone's UTC offset at an
 * instant, and local wall time → UTC, DST-correct, from the platform's `Intl` (Node 20 has no Temporal; no
 * DST rules are written here, so the answers are the tz database's that Node ships).
 *
 * Offsets come from `Intl.DateTimeFormat.formatToParts` (≈ 8 µs a call), so they are cached per UTC day:
 * the offsets at the day's two ends are compared, and when they differ the transition instant is found by
 * bisection to the second. A year of 1-minute bars then costs a few hundred Intl calls, not 400,000.
 *
 * Local → UTC is the standard two-candidate method: with o₋ the offset a day before and o₊ a day after the
 * wall time L, the candidates are L − o₋ and L − o₊, and a candidate u is valid when offset(u) = L − u.
 *  - one valid candidate: the answer (the usual case; o₋ = o₊ and it is cached per local day);
 *  - none: L does not exist (the hour skipped when clocks spring forward) — `nonexistent`;
 *  - two: L is ambiguous (the hour repeated when clocks fall back) — `ambiguous`, earlier first.
 * What to do with those is the caller's rule (src/data/timestamps.ts).
 */

const DAY = 86_400_000;

/** The answer of {@link TimeZone.fromLocal}: UTC instants, in ascending order. */
export type LocalConversion =
  | { kind: "unique"; utc: number }
  | { kind: "ambiguous"; utc: number; later: number }
  /** `before`/`after`: the offsets (ms) either side of the skipped interval. */
  | { kind: "nonexistent"; before: number; after: number };

/** Thrown for a zone name the platform does not know. */
export class TimeZoneError extends Error {
  constructor(
    readonly zone: string,
    reason: string,
  ) {
    super(`unknown time zone ${JSON.stringify(zone)} (${reason}); expected an IANA name such as America/New_York, Europe/London, Asia/Tokyo or UTC`);
    this.name = "TimeZoneError";
  }
}

interface DayOffsets {
  /** Offset (ms, local − UTC) from the day's start. */
  before: number;
  /** First instant of the other offset, or +Infinity when the day has no transition. */
  at: number;
  after: number;
}

export class TimeZone {
  /** The canonical IANA name (as Intl resolves it), e.g. "America/Chicago", "UTC". */
  readonly name: string;
  /** True for UTC and its aliases: conversions are the identity and skip Intl. */
  readonly isUtc: boolean;
  private readonly formatter: Intl.DateTimeFormat;
  private readonly utcDays = new Map<number, DayOffsets>();
  private lastUtcDay = Number.NaN;
  private lastUtcEntry: DayOffsets = { before: 0, at: Infinity, after: 0 };
  /** Local day → its single offset, or NaN when a transition is within reach (slow path). */
  private readonly localDays = new Map<number, number>();
  private lastLocalDay = Number.NaN;
  private lastLocalOffset = Number.NaN;

  constructor(zone: string) {
    let formatter: Intl.DateTimeFormat;
    try {
      formatter = new Intl.DateTimeFormat("en-US", {
        timeZone: zone,
        hourCycle: "h23",
        year: "numeric",
        month: "2-digit",
        day: "2-digit",
        hour: "2-digit",
        minute: "2-digit",
        second: "2-digit",
      });
    } catch (error) {
      throw new TimeZoneError(zone, (error as Error).message);
    }
    this.formatter = formatter;
    this.name = formatter.resolvedOptions().timeZone;
    this.isUtc = ["UTC", "Etc/UTC", "Etc/GMT", "GMT", "Etc/Universal", "Etc/Zulu", "Etc/UCT", "UCT", "Universal", "Zulu"].includes(this.name);
  }

  /** Offset from Intl itself (local − UTC, ms) at `utc`, to the second. */
  private rawOffset(utc: number): number {
    const floored = Math.floor(utc / 1000) * 1000;
    let year = 0;
    let month = 0;
    let day = 0;
    let hour = 0;
    let minute = 0;
    let second = 0;
    for (const part of this.formatter.formatToParts(new Date(floored))) {
      if (part.type === "year") year = Number(part.value);
      else if (part.type === "month") month = Number(part.value);
      else if (part.type === "day") day = Number(part.value);
      else if (part.type === "hour") hour = Number(part.value);
      else if (part.type === "minute") minute = Number(part.value);
      else if (part.type === "second") second = Number(part.value);
    }
    return Date.UTC(year, month - 1, day, hour, minute, second) - floored;
  }

  private utcDay(day: number): DayOffsets {
    let entry = this.utcDays.get(day);
    if (entry !== undefined) return entry;
    const start = day * DAY;
    const before = this.rawOffset(start);
    const after = this.rawOffset(start + DAY);
    if (before === after) entry = { before, at: Infinity, after };
    else {
      // One transition in the day: bisect to the second it happens.
      let lo = start;
      let hi = start + DAY;
      while (hi - lo > 1000) {
        const mid = Math.floor((lo + hi) / 2000) * 1000;
        if (this.rawOffset(mid) === before) lo = mid;
        else hi = mid;
      }
      entry = { before, at: hi, after };
    }
    this.utcDays.set(day, entry);
    return entry;
  }

  /** The zone's offset (local − UTC, ms) at the instant `utc` (ms since the epoch). */
  offsetAt(utc: number): number {
    if (this.isUtc) return 0;
    const day = Math.floor(utc / DAY);
    if (day !== this.lastUtcDay) {
      this.lastUtcEntry = this.utcDay(day);
      this.lastUtcDay = day;
    }
    const entry = this.lastUtcEntry;
    return utc < entry.at ? entry.before : entry.after;
  }

  /** The local wall time (ms, as if it were UTC) of the instant `utc`. */
  toLocal(utc: number): number {
    return utc + this.offsetAt(utc);
  }

  /** The UTC instant(s) of local wall time `wall` (ms of the wall-clock reading taken as if UTC). */
  fromLocal(wall: number): LocalConversion {
    if (this.isUtc) return { kind: "unique", utc: wall };
    const localDay = Math.floor(wall / DAY);
    if (localDay !== this.lastLocalDay) {
      let offset = this.localDays.get(localDay);
      if (offset === undefined) {
        // Offsets are within ±14 h, so wall − offset lies in [day − 1, day + 2): one offset across that span
        // means no transition can touch this local day.
        const early = this.offsetAt((localDay - 1) * DAY);
        const late = this.offsetAt((localDay + 2) * DAY);
        offset = early === late && this.offsetAt((localDay + 1) * DAY) === early ? early : Number.NaN;
        this.localDays.set(localDay, offset);
      }
      this.lastLocalDay = localDay;
      this.lastLocalOffset = offset;
    }
    if (!Number.isNaN(this.lastLocalOffset)) return { kind: "unique", utc: wall - this.lastLocalOffset };

    const before = this.offsetAt(wall - DAY);
    const after = this.offsetAt(wall + DAY);
    const first = wall - before;
    const second = wall - after;
    const firstValid = this.offsetAt(first) === before;
    const secondValid = this.offsetAt(second) === after;
    if (firstValid && secondValid && first !== second) {
      return { kind: "ambiguous", utc: Math.min(first, second), later: Math.max(first, second) };
    }
    if (firstValid) return { kind: "unique", utc: first };
    if (secondValid) return { kind: "unique", utc: second };
    return { kind: "nonexistent", before, after };
  }
}

const zones = new Map<string, TimeZone>();

/**
 * The zone named `name` (an IANA name; case-insensitive as Intl allows), shared so bars and annotations
 * read with the same zone share its offset cache. Throws {@link TimeZoneError} for an unknown name.
 */
export function timeZone(name: string): TimeZone {
  const key = name.trim();
  let zone = zones.get(key);
  if (zone === undefined) {
    if (key === "") throw new TimeZoneError(name, "empty");
    zone = new TimeZone(key);
    zones.set(key, zone);
  }
  return zone;
}

/** UTC, the default for naive timestamps. */
export const UTC_ZONE = timeZone("UTC");

/** `UTC−06:00`, `UTC+05:30`, `UTC`. */
export function formatOffset(offsetMs: number): string {
  if (offsetMs === 0) return "UTC";
  const sign = offsetMs < 0 ? "−" : "+";
  const minutes = Math.round(Math.abs(offsetMs) / 60_000);
  return `UTC${sign}${String(Math.floor(minutes / 60)).padStart(2, "0")}:${String(minutes % 60).padStart(2, "0")}`;
}

/** `2024-03-10 02:30:00` for a wall time (ms as if UTC). */
export function formatWallTime(wall: number): string {
  if (!Number.isFinite(wall)) return String(wall);
  return new Date(wall).toISOString().slice(0, 19).replace("T", " ");
}
