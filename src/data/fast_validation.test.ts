/**
 * The fast validation path accepts exactly the rows the schema accepts, and builds the same window: on
 * valid rows of every shape and on rows broken one field at a time.
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { acceptValidWindow } from "./fast_validation.js";
import { windowSchema } from "./schema.js";
import { validateWindows } from "./validate.js";
import { makeWindow, rawCopy } from "../../test/fixtures/data/windows.js";

// biome-ignore lint/suspicious/noExplicitAny: a raw row is corrupted field by field into any shape
type Raw = Record<string, any>;

/** Ways to break (or keep valid) one row: each is applied to a deep copy. */
const MUTATIONS: ((row: Raw, k: number) => void)[] = [
  () => {},
  (r) => {
    r.volume = null;
    r.timestamps = null;
    r.spans = null;
  },
  (r) => delete r.window_id,
  (r) => (r.window_id = ""),
  (r) => (r.label = "breakout"),
  (r) => (r.expansion_start = r.expansion_end + 1),
  (r) => (r.expansion_end = 105),
  (r) => (r.expansion_start = 1.5),
  (r, k) => (r.features[k % 105][k % 4] = Number.NaN),
  (r, k) => (r.features[k % 105][1] = r.features[k % 105][2] - 1),
  (r, k) => (r.features[k % 105] = [1, 2, 3]),
  (r) => r.features.pop(),
  (r) => (r.features = "x"),
  (r) => (r.volume = r.volume ? r.volume.slice(1) : [1]),
  (r, k) => (r.volume = r.volume ? r.volume.map((v: number, i: number) => (i === k % 105 ? -1 : v)) : null),
  (r, k) => (r.timestamps = r.timestamps?.map((t: string, i: number) => (i === k % 105 ? t.replace("Z", "+01:00") : t))),
  (r, k) => (r.timestamps = r.timestamps?.map((t: string, i: number, all: string[]) => (i === (k % 104) + 1 ? all[i - 1] : t))),
  (r) => (r.timestamps = r.timestamps?.slice(0, 104)),
  (r) => (r.timestamps = r.timestamps?.map((t: string) => t.replace("-01-", "-13-"))),
  (r) => (r.spans = []),
  (r) => (r.spans = r.spans ? [...r.spans].reverse() : [[0, 1]]),
  (r) =>
    (r.spans = [
      [r.expansion_start, r.expansion_end],
      [r.expansion_start, r.expansion_end],
    ]),
  (r) => (r.spans = [[r.expansion_end, r.expansion_start]]),
  (r) => (r.spans = [[0, 105]]),
  (r) => (r.spans = [[r.expansion_start, r.expansion_end, 0]]),
  (r) => (r.extra = "ignored"),
];

describe("acceptValidWindow", () => {
  it("agrees with the schema on valid rows and on rows broken one field at a time", () => {
    fc.assert(
      fc.property(
        fc.record({
          index: fc.nat(50),
          volume: fc.boolean(),
          timed: fc.boolean(),
          spans: fc.boolean(),
          mutation: fc.nat(MUTATIONS.length - 1),
          k: fc.nat(1000),
        }),
        ({ index, volume, timed, spans, mutation, k }) => {
          const row = rawCopy(makeWindow(index, { volume, timed, spans })) as Raw;
          MUTATIONS[mutation]!(row, k);
          const schema = windowSchema.safeParse(row);
          const fast = acceptValidWindow(row);
          // Exactly the rows the schema accepts, built as the schema builds them.
          expect(fast !== undefined).toBe(schema.success);
          if (fast !== undefined && schema.success) {
            const { volume: v, timestamps: t, spans: sp, ...rest } = schema.data;
            expect(fast).toEqual({
              ...rest,
              ...(v != null ? { volume: v } : {}),
              ...(t != null ? { timestamps: t } : {}),
              ...(sp != null ? { spans: sp } : {}),
            });
          }
          // Whatever the path, validation's verdict is the schema's.
          expect(validateWindows([row]).problems.length === 0).toBe(schema.success);
        },
      ),
      { numRuns: 600, seed: 7 },
    );
  });

  it("returns the fields in column order and drops null optional fields, as the schema path does", () => {
    const row = rawCopy(makeWindow(3, { volume: true, timed: true, spans: true })) as Raw;
    expect(Object.keys(acceptValidWindow(row)!)).toEqual([
      "window_id",
      "base_window_id",
      "label",
      "expansion_start",
      "expansion_end",
      "features",
      "volume",
      "timestamps",
      "spans",
    ]);
    const nulls = { ...row, volume: null, timestamps: null, spans: null };
    expect(Object.keys(acceptValidWindow(nulls)!)).toEqual(["window_id", "base_window_id", "label", "expansion_start", "expansion_end", "features"]);
  });
});
