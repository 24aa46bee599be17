/**
 * `GET /api/bars`'s body: the requested range of a `BarSeries` as the SPBL buffer (layout and decoder in
 * src/view/shared/bars_binary.ts, which the pages import too), and the range read from `from`/`count`.
 */
import type { BarSeries } from "../../data/bars.js";
import { MAX_BARS_PER_REQUEST, encodeBars } from "../shared/bars_binary.js";
import { HttpError } from "./security.js";

export { decodeBars } from "../shared/bars_binary.js";

/**
 * The range `from`/`count` name in a file of `total` bars: `from` defaults to 0, `count` to every bar from
 * there (at most 2^20); a `count` running past the end is cut at the end (the header says how many came).
 */
export function barsRange(total: number, fromText: string | null, countText: string | null): { from: number; count: number } {
  const integer = (name: string, text: string): number => {
    if (!/^\d{1,10}$/.test(text)) throw new HttpError(400, `parameter ${name} = ${JSON.stringify(text)}; expected a whole number ≥ 0`);
    return Number(text);
  };
  const from = fromText === null ? 0 : integer("from", fromText);
  if (from > total) throw new HttpError(400, `parameter from = ${from}; the file has ${total} bars (from must be ≤ ${total})`);
  const asked = countText === null ? Math.min(total - from, MAX_BARS_PER_REQUEST) : integer("count", countText);
  if (asked > MAX_BARS_PER_REQUEST) throw new HttpError(400, `parameter count = ${asked}; at most ${MAX_BARS_PER_REQUEST} bars per request (ask in chunks)`);
  return { from, count: Math.min(asked, total - from) };
}

/** The SPBL buffer of bars `from … from + count − 1`, as a Node Buffer over the encoded bytes (no copy). */
export function encodeBarSeries(series: BarSeries, from: number, count: number): Buffer {
  return Buffer.from(encodeBars(series, from, count));
}
