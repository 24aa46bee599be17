/**
 * The window record of docs/spec.md §1 as a zod schema: the one definition of what a valid window is. Every
 * reader hands its raw rows to `validateWindows`, which runs this schema and turns each zod issue into a
 * `Problem` naming the field, the value and what was expected — so each check's message is written here,
 * beside the check, as the "expected …" text a user reads.
 */
import { z } from "zod";
import { LABELS, WINDOW_BARS } from "./window.js";
import { BAR_TIME_EXPECTED, parseBarTime } from "./window_time.js";

/** Highest valid bar index in a window. */
export const LAST_BAR = WINDOW_BARS - 1;

/**
 * Column (and JSON field) names in storage order. `volume`, `timestamps` and `spans` are optional and
 * written only when present; they come last, so files written before they existed read as they were.
 */
export const WINDOW_COLUMNS = [
  "window_id",
  "base_window_id",
  "label",
  "expansion_start",
  "expansion_end",
  "features",
  "volume",
  "timestamps",
  "spans",
] as const;

/** The columns a file may leave out. */
export const OPTIONAL_COLUMNS = ["volume", "timestamps", "spans"] as const;

/** Columns a file must have. */
export const REQUIRED_COLUMNS = WINDOW_COLUMNS.filter((c) => !(OPTIONAL_COLUMNS as readonly string[]).includes(c));

const INDEX_EXPECTED = `an integer in [0, ${LAST_BAR}]`;

function isBarIndex(value: unknown): value is number {
  return typeof value === "number" && Number.isInteger(value) && value >= 0 && value <= LAST_BAR;
}

const nonEmptyString = z.string({ error: "a non-empty string" }).min(1, { error: "a non-empty string" });

const barIndex = z.number({ error: INDEX_EXPECTED }).int({ error: INDEX_EXPECTED }).min(0, { error: INDEX_EXPECTED }).max(LAST_BAR, { error: INDEX_EXPECTED });

/** A price: zod 4's number already rejects NaN and ±Infinity, so one message covers all three. */
const price = z.number({ error: "a finite number" }).gt(0, { error: "a positive price" });

/**
 * One bar [open, high, low, close]. The OHLC consistency checks only run once all four values are valid
 * prices, so a NaN or a negative price is reported once, as itself, not again as a "high below open".
 */
export const barSchema = z.tuple([price, price, price, price], { error: "a bar of 4 numbers [open, high, low, close]" }).superRefine((bar, ctx) => {
  // A non-positive price is reported by its own check (zod still runs this refinement after it).
  if (!bar.every((v) => Number.isFinite(v) && v > 0)) return;
  const [open, high, low, close] = bar;
  if (high < Math.max(open, close)) {
    ctx.addIssue({ code: "custom", path: [1], message: `high ≥ max(open, close) = ${Math.max(open, close)}` });
  }
  if (low > Math.min(open, close)) {
    ctx.addIssue({ code: "custom", path: [2], message: `low ≤ min(open, close) = ${Math.min(open, close)}` });
  }
  if (high < low) {
    ctx.addIssue({ code: "custom", path: [], message: `high ≥ low (high ${high} < low ${low})` });
  }
});

const barTime = z.string({ error: BAR_TIME_EXPECTED }).refine((text) => !Number.isNaN(parseBarTime(text)), { error: BAR_TIME_EXPECTED });

const SPAN_EXPECTED = `a span [start, end] of two integers in [0, ${LAST_BAR}]`;

/** One listed span [start, end]; start ≤ end is checked once both are indices. */
const listedSpan = z.tuple([barIndex, barIndex], { error: SPAN_EXPECTED }).superRefine(([start, end], ctx) => {
  if (start > end) ctx.addIssue({ code: "custom", path: [0], message: `≤ the span's end ${end} (spans are inclusive: start ≤ end)` });
});

/** Every timestamp strictly after the one before it (bars are in time order, none repeated). */
function checkTimeOrder(timestamps: readonly string[], ctx: z.RefinementCtx): void {
  let previous = Number.NEGATIVE_INFINITY;
  timestamps.forEach((text, i) => {
    const t = parseBarTime(text);
    // An unreadable time is reported by its own check; the order is judged between readable ones.
    if (Number.isNaN(t)) return;
    if (!(t > previous)) {
      ctx.addIssue({ code: "custom", path: [i], message: `a time after timestamps[${i - 1}] = ${timestamps[i - 1]} (bars are in time order)` });
    }
    previous = t;
  });
}

/** Spans sorted by (start, end), each listed once. */
function checkSpanOrder(spans: readonly (readonly [number, number])[], ctx: z.RefinementCtx): void {
  for (let i = 1; i < spans.length; i++) {
    const [a, b] = spans[i - 1]!;
    const [c, d] = spans[i]!;
    if (c < a || (c === a && d <= b)) {
      ctx.addIssue({
        code: "custom",
        path: [i],
        message: `a span after spans[${i - 1}] = [${a}, ${b}] (spans are sorted by start, then end, each listed once)`,
      });
    }
  }
}

function isSpanPair(value: unknown): value is [number, number] {
  return Array.isArray(value) && value.length === 2 && isBarIndex(value[0]) && isBarIndex(value[1]);
}

/** The docs/spec.md §1 window record. Unknown extra fields (e.g. a pandas index column) are ignored. */
export const windowSchema = z
  .object(
    {
      window_id: nonEmptyString,
      base_window_id: nonEmptyString,
      label: z.enum(LABELS, { error: `one of ${LABELS.map((l) => `"${l}"`).join(", ")}` }),
      expansion_start: barIndex,
      expansion_end: barIndex,
      features: z.array(barSchema, { error: `a list of ${WINDOW_BARS} bars` }).length(WINDOW_BARS, { error: `exactly ${WINDOW_BARS} bars` }),
      // pandas writes a missing optional value as null; null and absent both mean "no volume".
      volume: z
        .array(z.number({ error: "a finite number" }).nonnegative({ error: "a volume ≥ 0" }), {
          error: `a list of ${WINDOW_BARS} volumes, or absent`,
        })
        .length(WINDOW_BARS, { error: `exactly ${WINDOW_BARS} volumes, or absent` })
        .nullish(),
      timestamps: z
        .array(barTime, { error: `a list of ${WINDOW_BARS} ISO-8601 UTC times, or absent` })
        .length(WINDOW_BARS, { error: `exactly ${WINDOW_BARS} times, or absent` })
        .superRefine(checkTimeOrder)
        .nullish(),
      spans: z
        .array(listedSpan, { error: "a list of [start, end] spans, or absent" })
        .min(1, { error: "at least the primary span, or absent" })
        .superRefine(checkSpanOrder)
        .nullish(),
    },
    { error: "an object with the window fields" },
  )
  .refine((w) => w.expansion_start <= w.expansion_end, {
    path: ["expansion_start"],
    message: "≤ expansion_end (the span is inclusive: start ≤ end)",
    // Compare only two valid indices: an out-of-range end is already reported on its own.
    when: (payload) => {
      const value = payload.value as { expansion_start?: unknown; expansion_end?: unknown } | null;
      return typeof value === "object" && value !== null && isBarIndex(value.expansion_start) && isBarIndex(value.expansion_end);
    },
  })
  .refine((w) => w.spans == null || w.spans.some(([start, end]) => start === w.expansion_start && end === w.expansion_end), {
    path: ["spans"],
    error: (issue) => {
      const w = issue.input as { expansion_start: number; expansion_end: number };
      return `a list holding the primary span [${w.expansion_start}, ${w.expansion_end}] (expansion_start, expansion_end)`;
    },
    // Look for the primary span whenever both it and the listed pairs are readable, whatever else is wrong.
    when: (payload) => {
      const value = payload.value as { expansion_start?: unknown; expansion_end?: unknown; spans?: unknown } | null;
      return (
        typeof value === "object" &&
        value !== null &&
        isBarIndex(value.expansion_start) &&
        isBarIndex(value.expansion_end) &&
        Array.isArray(value.spans) &&
        value.spans.every(isSpanPair)
      );
    },
  });

/** What the schema yields for a valid row, before `volume: null` is dropped. */
export type ParsedWindow = z.infer<typeof windowSchema>;
