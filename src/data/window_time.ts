/**
 * Bar times as window files store them (docs/spec.md §1, `timestamps`): ISO-8601 UTC strings,
 * `YYYY-MM-DDTHH:MM:SSZ`, with `.sss` only when the milliseconds are not zero. Formatting and parsing are
 * hand-rolled because a window file of 30,000 windows holds 3 million of them: `Date#toISOString` and
 * `Date.parse` cost about a microsecond each, these about a tenth of that (bench/windows.ts).
 */

const DAY_MS = 86_400_000;

/**
 * Days from 1970-01-01 to year-month-day (month 1–12; proleptic Gregorian; H. Hinnant's days_from_civil:
 * years counted from March, so the leap day is the last of its year). Also src/data/timestamps.ts's.
 */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : `${n}`;
}

/**
 * `ms` (since the epoch, UTC) as `YYYY-MM-DDTHH:MM:SS[.sss]Z`. Years outside 0000–9999 fall back to
 * `Date#toISOString`'s extended form, which the parser below does not read back (no bar lives there).
 */
export function formatBarTime(ms: number): string {
  const days = Math.floor(ms / DAY_MS);
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  if (!Number.isFinite(ms) || year < 0 || year > 9999) return Number.isFinite(ms) ? new Date(ms).toISOString() : String(ms);
  let rest = ms - days * DAY_MS;
  const hours = Math.floor(rest / 3_600_000);
  rest -= hours * 3_600_000;
  const minutes = Math.floor(rest / 60_000);
  rest -= minutes * 60_000;
  const seconds = Math.floor(rest / 1000);
  const millis = rest - seconds * 1000;
  const yyyy = year < 1000 ? String(year).padStart(4, "0") : String(year);
  const fraction = millis === 0 ? "" : `.${String(millis).padStart(3, "0")}`;
  return `${yyyy}-${pad2(month)}-${pad2(day)}T${pad2(hours)}:${pad2(minutes)}:${pad2(seconds)}${fraction}Z`;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function isLeap(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

/** The digits at `from`..`from + count` of `text` as a number, or −1 if any is not a digit. */
function digits(text: string, from: number, count: number): number {
  let value = 0;
  for (let i = from; i < from + count; i++) {
    const c = text.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    value = value * 10 + c;
  }
  return value;
}

/**
 * Milliseconds since the epoch of an ISO-8601 UTC time `YYYY-MM-DDTHH:MM:SS[.f…]` followed by `Z` or
 * `+00:00` (what pandas writes), or NaN when `text` is anything else (another offset, a naive time, a
 * 30 February). Digits past the milliseconds are cut off: bars are never that fine.
 */
export function parseBarTime(text: string): number {
  if (typeof text !== "string" || text.length < 20) return Number.NaN;
  const year = digits(text, 0, 4);
  const month = digits(text, 5, 2);
  const day = digits(text, 8, 2);
  const hours = digits(text, 11, 2);
  const minutes = digits(text, 14, 2);
  const seconds = digits(text, 17, 2);
  if (text[4] !== "-" || text[7] !== "-" || text[10] !== "T" || text[13] !== ":" || text[16] !== ":") return Number.NaN;
  if (year < 0 || month < 1 || month > 12 || day < 1 || hours < 0 || hours > 23 || minutes < 0 || minutes > 59 || seconds < 0 || seconds > 59) {
    return Number.NaN;
  }
  if (day > (month === 2 && isLeap(year) ? 29 : DAYS_IN_MONTH[month - 1]!)) return Number.NaN;
  let at = 19;
  let millis = 0;
  if (text[at] === ".") {
    at++;
    const start = at;
    while (at < text.length && text.charCodeAt(at) >= 48 && text.charCodeAt(at) <= 57) at++;
    const count = at - start;
    if (count === 0 || count > 9) return Number.NaN;
    millis = digits(`${text.slice(start, Math.min(at, start + 3))}00`, 0, 3);
  }
  const zone = text.slice(at);
  if (zone !== "Z" && zone !== "+00:00") return Number.NaN;
  return daysFromCivil(year, month, day) * DAY_MS + hours * 3_600_000 + minutes * 60_000 + seconds * 1000 + millis;
}

/** What a bar time must look like, for validation messages. */
export const BAR_TIME_EXPECTED = "an ISO-8601 UTC time like 2024-01-02T09:30:00Z";

/**
 * ISO strings of bar times, formatted once per bar and shared by every window (of a chunk) that holds the
 * bar: the windows of neighbouring events overlap, each bar's time appearing in about eight of them.
 */
export class BarTimeStrings {
  private readonly strings = new Map<number, string>();

  constructor(private readonly timestamps: Float64Array) {}

  /** The bars `start`..`start + count − 1` as strings. */
  slice(start: number, count: number): string[] {
    const out = new Array<string>(count);
    for (let k = 0; k < count; k++) {
      const i = start + k;
      let text = this.strings.get(i);
      if (text === undefined) {
        text = formatBarTime(this.timestamps[i]!);
        this.strings.set(i, text);
      }
      out[k] = text;
    }
    return out;
  }
}
