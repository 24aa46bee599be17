/**
 * The SPBL bars buffer of docs/spec.md §14, shared by the view server (which encodes it) and the browser
 * pages (which decode it): no Node import, so Vite bundles this file as it is.
 *
 * Layout, little-endian: a 16-byte header (u32 magic 0x5350424C "SPBL", u32 count, u32 total bars in the
 * file, u32 0), then `count` float64 times in seconds since the Unix epoch, then open, high, low, close as
 * `count` float32 each. Why this shape: a year of 1-minute bars is 12.6 MB instead of ~40 MB of JSON, the
 * times stay exact (float64 seconds hold millisecond bars), prices need no more than float32 for a chart,
 * and every column is aligned (16 + 8·count is a multiple of 4 and 8) so the decoder can view the columns
 * in place without copying.
 */

/** "SPBL" read as a little-endian u32. */
export const BARS_MAGIC = 0x5350424c;
export const BARS_HEADER_BYTES = 16;
/** The most bars one request may ask for (2^20; a year of 1-minute bars fits in one). */
export const MAX_BARS_PER_REQUEST = 1 << 20;

/** Bars in memory as the encoder takes them: timestamps in milliseconds (as `readBars` gives them), prices as read. */
export interface BarColumnsMs {
  timestamps: ArrayLike<number>;
  open: ArrayLike<number>;
  high: ArrayLike<number>;
  low: ArrayLike<number>;
  close: ArrayLike<number>;
}

/** A decoded buffer: bars `from … from + count − 1` of a file of `total` bars. */
export interface DecodedBars {
  count: number;
  total: number;
  /** Seconds since the Unix epoch, UTC (float64: exact for whole milliseconds to within rounding of the division). */
  times: Float64Array;
  open: Float32Array;
  high: Float32Array;
  low: Float32Array;
  close: Float32Array;
}

/** Bytes of a buffer holding `count` bars. */
export function barsBufferBytes(count: number): number {
  return BARS_HEADER_BYTES + count * (8 + 4 * 4);
}

// Typed arrays use the platform's byte order; every platform Node and browsers ship on is little-endian,
// but the format is little-endian by definition, so a big-endian platform goes through a DataView.
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * Encodes bars `from … from + count − 1` of `bars` (whose length is the file's total). The caller checks the
 * range; this throws on one that does not fit, naming it.
 */
export function encodeBars(bars: BarColumnsMs, from: number, count: number): ArrayBuffer {
  const total = bars.timestamps.length;
  if (!Number.isInteger(from) || !Number.isInteger(count) || from < 0 || count < 0 || from + count > total || count > MAX_BARS_PER_REQUEST) {
    throw new Error(`bars ${from} … ${from + count - 1} are not a range of the ${total} bars (at most ${MAX_BARS_PER_REQUEST} per buffer)`);
  }
  const buffer = new ArrayBuffer(barsBufferBytes(count));
  const header = new DataView(buffer, 0, BARS_HEADER_BYTES);
  header.setUint32(0, BARS_MAGIC, true);
  header.setUint32(4, count, true);
  header.setUint32(8, total, true);
  header.setUint32(12, 0, true);
  const timesOffset = BARS_HEADER_BYTES;
  const priceOffset = (k: number) => BARS_HEADER_BYTES + 8 * count + 4 * count * k;
  const prices = [bars.open, bars.high, bars.low, bars.close];
  if (LITTLE_ENDIAN) {
    const times = new Float64Array(buffer, timesOffset, count);
    for (let i = 0; i < count; i++) times[i] = bars.timestamps[from + i]! / 1000;
    prices.forEach((column, k) => {
      const out = new Float32Array(buffer, priceOffset(k), count);
      for (let i = 0; i < count; i++) out[i] = column[from + i]!;
    });
  } else {
    const view = new DataView(buffer);
    for (let i = 0; i < count; i++) view.setFloat64(timesOffset + 8 * i, bars.timestamps[from + i]! / 1000, true);
    prices.forEach((column, k) => {
      for (let i = 0; i < count; i++) view.setFloat32(priceOffset(k) + 4 * i, column[from + i]!, true);
    });
  }
  return buffer;
}

/**
 * Decodes a buffer from `GET /api/bars`. Refuses anything that is not one, saying what is wrong (length,
 * magic, reserved word): a proxy's HTML error page or a truncated download must not become bars.
 */
export function decodeBars(data: ArrayBuffer | ArrayBufferView): DecodedBars {
  let bytes = data instanceof ArrayBuffer ? new Uint8Array(data) : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (bytes.byteLength < BARS_HEADER_BYTES) throw new Error(`bars buffer: ${bytes.byteLength} bytes, shorter than the ${BARS_HEADER_BYTES}-byte header`);
  // Views need aligned offsets (a Node Buffer may sit at any offset of its pool): copy when it does not.
  if (bytes.byteOffset % 8 !== 0) bytes = bytes.slice();
  const header = new DataView(bytes.buffer, bytes.byteOffset, BARS_HEADER_BYTES);
  const magic = header.getUint32(0, true);
  if (magic !== BARS_MAGIC) throw new Error(`bars buffer: magic 0x${magic.toString(16).padStart(8, "0")}; expected 0x${BARS_MAGIC.toString(16)} ("SPBL")`);
  const count = header.getUint32(4, true);
  const total = header.getUint32(8, true);
  const reserved = header.getUint32(12, true);
  if (reserved !== 0) throw new Error(`bars buffer: reserved header word is ${reserved}; expected 0`);
  if (count > total) throw new Error(`bars buffer: count ${count} is more than the file's total ${total}`);
  const expected = barsBufferBytes(count);
  if (bytes.byteLength !== expected) throw new Error(`bars buffer: ${bytes.byteLength} bytes; expected ${expected} for ${count} bars`);
  const base = bytes.byteOffset + BARS_HEADER_BYTES;
  const priceOffset = (k: number) => base + 8 * count + 4 * count * k;
  if (LITTLE_ENDIAN) {
    return {
      count,
      total,
      times: new Float64Array(bytes.buffer, base, count),
      open: new Float32Array(bytes.buffer, priceOffset(0), count),
      high: new Float32Array(bytes.buffer, priceOffset(1), count),
      low: new Float32Array(bytes.buffer, priceOffset(2), count),
      close: new Float32Array(bytes.buffer, priceOffset(3), count),
    };
  }
  const view = new DataView(bytes.buffer);
  const times = new Float64Array(count);
  for (let i = 0; i < count; i++) times[i] = view.getFloat64(base + 8 * i, true);
  const column = (k: number) => {
    const out = new Float32Array(count);
    for (let i = 0; i < count; i++) out[i] = view.getFloat32(priceOffset(k) + 4 * i, true);
    return out;
  };
  return { count, total, times, open: column(0), high: column(1), low: column(2), close: column(3) };
}
