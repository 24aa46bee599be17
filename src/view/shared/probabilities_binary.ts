/**
 * The buffer `GET /api/probabilities` answers: the per-bar p and p_live that `predict --bars
 * --probabilities F.csv` writes, aligned to the bars file they were made on, so bar i of an SPBL buffer
 * (src/view/shared/bars_binary.ts) and value i of this one are the same bar when both start at `from`.
 * Shared by the view server (encoder) and the Bars page (decoder): no Node import.
 *
 * Layout, little-endian: a 16-byte header (u32 magic 0x53505052 "SPPR", u32 count, u32 total bars of the
 * bars file, u32 flags — bit 0 set when the file has a p_live column), then `count` float32 p, then
 * `count` float32 p_live; NaN where the CSV's cell is empty (and every p_live when the column is absent).
 * float32 because a chart line needs no more, and 8 bytes a bar keeps a year of 1-minute bars at 4.2 MB.
 */

export const PROBABILITIES_MAGIC = 0x53505052;
export const PROBABILITIES_HEADER_BYTES = 16;

export interface DecodedProbabilities {
  count: number;
  total: number;
  hasLive: boolean;
  p: Float32Array;
  pLive: Float32Array;
}

/** Encodes values from … from + count − 1 of `p` and `pLive` (each as long as the bars file). */
export function encodeProbabilities(p: ArrayLike<number>, pLive: ArrayLike<number> | null, from: number, count: number): ArrayBuffer {
  const total = p.length;
  if (!(Number.isInteger(from) && Number.isInteger(count) && from >= 0 && count >= 0 && from + count <= total)) {
    throw new Error(`values ${from} … ${from + count - 1} are not a range of the ${total} bars`);
  }
  const buffer = new ArrayBuffer(PROBABILITIES_HEADER_BYTES + 8 * count);
  const view = new DataView(buffer);
  view.setUint32(0, PROBABILITIES_MAGIC, true);
  view.setUint32(4, count, true);
  view.setUint32(8, total, true);
  view.setUint32(12, pLive === null ? 0 : 1, true);
  const base = PROBABILITIES_HEADER_BYTES;
  for (let i = 0; i < count; i++) {
    view.setFloat32(base + 4 * i, p[from + i]!, true);
    view.setFloat32(base + 4 * (count + i), pLive === null ? Number.NaN : pLive[from + i]!, true);
  }
  return buffer;
}

/** Decodes a buffer from `GET /api/probabilities`, refusing anything else (length, magic) with the reason. */
export function decodeProbabilities(data: ArrayBuffer | ArrayBufferView): DecodedProbabilities {
  const bytes = data instanceof ArrayBuffer ? new Uint8Array(data) : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (bytes.byteLength < PROBABILITIES_HEADER_BYTES) throw new Error(`probabilities buffer: ${bytes.byteLength} bytes, shorter than the header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0, true);
  if (magic !== PROBABILITIES_MAGIC)
    throw new Error(`probabilities buffer: magic 0x${magic.toString(16)}; expected 0x${PROBABILITIES_MAGIC.toString(16)} ("SPPR")`);
  const count = view.getUint32(4, true);
  const total = view.getUint32(8, true);
  const flags = view.getUint32(12, true);
  const expected = PROBABILITIES_HEADER_BYTES + 8 * count;
  if (bytes.byteLength !== expected) throw new Error(`probabilities buffer: ${bytes.byteLength} bytes; expected ${expected} for ${count} bars`);
  const p = new Float32Array(count);
  const pLive = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    p[i] = view.getFloat32(PROBABILITIES_HEADER_BYTES + 4 * i, true);
    pLive[i] = view.getFloat32(PROBABILITIES_HEADER_BYTES + 4 * (count + i), true);
  }
  return { count, total, hasLive: (flags & 1) === 1, p, pLive };
}
