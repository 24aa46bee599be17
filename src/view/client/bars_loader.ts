/**
 * Loads a whole bars file from `GET /api/bars` in chunks of 2^18 bars (docs/spec.md §14's SPBL buffer,
 * decoded by src/view/shared/bars_binary.ts): the first chunk says how many bars the file has, the rest
 * are fetched two at a time and copied into one set of columns. Why chunks: a year of 1-minute bars is
 * 12.6 MB, and smaller responses start arriving (and decoding) sooner, and let the page show progress.
 */
import { decodeBars } from "../shared/bars_binary.js";
import { getBinary, mapLimit } from "./api.js";

export const CHUNK_BARS = 1 << 18;

export interface LoadedBars {
  /** Seconds since the epoch, as the server sent them. */
  times: Float64Array;
  open: Float32Array;
  high: Float32Array;
  low: Float32Array;
  close: Float32Array;
  total: number;
  /** Requests made. */
  chunks: number;
}

export async function loadBars(id: string, onProgress?: (loaded: number, total: number) => void): Promise<LoadedBars> {
  const first = decodeBars(await getBinary("/api/bars", { id, from: 0, count: CHUNK_BARS }));
  const total = first.total;
  const out: LoadedBars = {
    times: new Float64Array(total),
    open: new Float32Array(total),
    high: new Float32Array(total),
    low: new Float32Array(total),
    close: new Float32Array(total),
    total,
    chunks: 1,
  };
  let loaded = 0;
  const place = (from: number, chunk: ReturnType<typeof decodeBars>) => {
    out.times.set(chunk.times, from);
    out.open.set(chunk.open, from);
    out.high.set(chunk.high, from);
    out.low.set(chunk.low, from);
    out.close.set(chunk.close, from);
    loaded += chunk.count;
    onProgress?.(loaded, total);
  };
  place(0, first);
  const starts: number[] = [];
  for (let from = first.count; from < total; from += CHUNK_BARS) starts.push(from);
  await mapLimit(starts, 2, async (from) => {
    const chunk = decodeBars(await getBinary("/api/bars", { id, from, count: Math.min(CHUNK_BARS, total - from) }));
    if (chunk.total !== total) throw new Error(`the bars file changed while loading: ${chunk.total} bars, was ${total}; reload the page`);
    place(from, chunk);
  });
  out.chunks = 1 + starts.length;
  return out;
}
