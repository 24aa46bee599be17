import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readBars } from "../../data/bars.js";
import { BARS_MAGIC, MAX_BARS_PER_REQUEST, barsBufferBytes, decodeBars, encodeBars } from "./bars_binary.js";

const FIXTURES = join(import.meta.dirname, "../../../test/fixtures/bars");

describe("the SPBL bars buffer", () => {
  it.each(["fx_30m.csv", "equity_daily.csv", "futures_1m.csv"])(
    "%s: decode(encode) gives readBars' times in float64 seconds and prices rounded to float32",
    async (name) => {
      const series = await readBars(join(FIXTURES, name));
      const n = series.timestamps.length;
      const buffer = encodeBars(series, 0, n);
      expect(buffer.byteLength).toBe(16 + 24 * n);
      const header = new DataView(buffer);
      expect([header.getUint32(0, true), header.getUint32(4, true), header.getUint32(8, true), header.getUint32(12, true)]).toEqual([BARS_MAGIC, n, n, 0]);
      // "SPBL" in the first four bytes, little-endian.
      expect(String.fromCharCode(...new Uint8Array(buffer, 0, 4))).toBe("LBPS");
      const decoded = decodeBars(buffer);
      expect(decoded.count).toBe(n);
      expect(decoded.total).toBe(n);
      let roundedSomewhere = false;
      for (let i = 0; i < n; i++) {
        expect(decoded.times[i]).toBe(series.timestamps[i]! / 1000);
        expect(decoded.open[i]).toBe(Math.fround(series.open[i]!));
        expect(decoded.high[i]).toBe(Math.fround(series.high[i]!));
        expect(decoded.low[i]).toBe(Math.fround(series.low[i]!));
        expect(decoded.close[i]).toBe(Math.fround(series.close[i]!));
        if (decoded.close[i] !== series.close[i]) roundedSomewhere = true;
        expect(Math.abs(decoded.close[i]! - series.close[i]!)).toBeLessThanOrEqual(Math.abs(series.close[i]!) * 2 ** -24);
      }
      // The prices really are float32: decimals like 1.09489 or 128.83 are not exact in it, the futures'
      // quarter ticks are.
      expect(roundedSomewhere).toBe(name !== "futures_1m.csv");
      expect(decoded.times).toBeInstanceOf(Float64Array);
      expect(decoded.open).toBeInstanceOf(Float32Array);
    },
  );

  it("encodes any range: chunks decode to the same bars as the whole, and the header gives the file's total", async () => {
    const series = await readBars(join(FIXTURES, "futures_1m.csv"));
    const n = series.timestamps.length;
    const whole = decodeBars(encodeBars(series, 0, n));
    const chunk = 500;
    let seen = 0;
    for (let from = 0; from < n; from += chunk) {
      const count = Math.min(chunk, n - from);
      const part = decodeBars(encodeBars(series, from, count));
      expect(part.count).toBe(count);
      expect(part.total).toBe(n);
      expect(Array.from(part.times)).toEqual(Array.from(whole.times.subarray(from, from + count)));
      expect(Array.from(part.low)).toEqual(Array.from(whole.low.subarray(from, from + count)));
      seen += count;
    }
    expect(seen).toBe(n);
    expect(decodeBars(encodeBars(series, n, 0)).count).toBe(0);
    expect(() => encodeBars(series, n - 1, 2)).toThrow(/not a range of the 1437 bars/);
    expect(() => encodeBars(series, -1, 2)).toThrow(/not a range/);
    expect(barsBufferBytes(525_600)).toBe(12_614_416);
    expect(MAX_BARS_PER_REQUEST).toBe(2 ** 20);
  });

  it("decodes a Buffer at an odd offset of its pool, and refuses what is not a bars buffer", async () => {
    const series = await readBars(join(FIXTURES, "fx_30m.csv"));
    const bytes = new Uint8Array(encodeBars(series, 10, 20));
    const pool = Buffer.alloc(bytes.length + 3);
    pool.set(bytes, 3);
    const shifted = decodeBars(pool.subarray(3));
    expect(shifted.times[0]).toBe(series.timestamps[10]! / 1000);
    expect(shifted.close[19]).toBe(Math.fround(series.close[29]!));

    expect(() => decodeBars(new Uint8Array(8))).toThrow(/shorter than the 16-byte header/);
    const html = new TextEncoder().encode("<html><body>502 Bad Gateway</body></html>");
    expect(() => decodeBars(html)).toThrow(/magic 0x6d74683c; expected 0x5350424c/);
    const truncated = bytes.slice(0, bytes.length - 4);
    expect(() => decodeBars(truncated)).toThrow(/492 bytes; expected 496 for 20 bars/);
    const reserved = bytes.slice();
    new DataView(reserved.buffer).setUint32(12, 7, true);
    expect(() => decodeBars(reserved)).toThrow(/reserved header word is 7/);
    const counted = bytes.slice();
    new DataView(counted.buffer).setUint32(8, 5, true);
    expect(() => decodeBars(counted)).toThrow(/count 20 is more than the file's total 5/);
  });
});
