import { describe, expect, it } from "vitest";
import { formatProblem, validateWindows } from "./validate.js";
import { makeWindow, makeWindows, rawCopy } from "../../test/fixtures/data/windows.js";

// biome-ignore lint/suspicious/noExplicitAny: a raw row is corrupted field by field into any shape
type Raw = Record<string, any>;

/** Rows 0..3 valid except row 2, corrupted by `mutate`. */
function withCorruptRow(mutate: (row: Raw) => void): unknown[] {
  const rows: unknown[] = makeWindows(4).map(rawCopy);
  mutate(rows[2] as Raw);
  return rows;
}

/** A bar of row 2 set to explicit values, so the expected message is exact. */
function setBar(row: Raw, bar: number, values: unknown[]): void {
  row.features[bar] = values;
}

const cases: { name: string; mutate: (row: Raw) => void; field: string; value: string; expected: RegExp }[] = [
  { name: "too few bars", mutate: (r) => r.features.pop(), field: "features", value: "a list of 104 lists (first has 4 values)", expected: /exactly 105 bars/ },
  {
    name: "too many bars",
    mutate: (r) => r.features.push([1, 2, 0.5, 1]),
    field: "features",
    value: "a list of 106 lists (first has 4 values)",
    expected: /exactly 105 bars/,
  },
  { name: "bar of 3 values", mutate: (r) => setBar(r, 17, [10, 11, 9]), field: "features[17]", value: "[10, 11, 9]", expected: /4 numbers/ },
  { name: "bar not a list", mutate: (r) => setBar(r, 5, "x" as never), field: "features[5]", value: '"x"', expected: /4 numbers/ },
  { name: "NaN price", mutate: (r) => setBar(r, 17, [10, NaN, 9, 10]), field: "features[17][1]", value: "NaN", expected: /finite number/ },
  { name: "Infinity price", mutate: (r) => setBar(r, 3, [10, 11, 9, Infinity]), field: "features[3][3]", value: "Infinity", expected: /finite number/ },
  { name: "string price", mutate: (r) => setBar(r, 3, [10, "11", 9, 10]), field: "features[3][1]", value: '"11"', expected: /finite number/ },
  { name: "zero price", mutate: (r) => setBar(r, 0, [10, 11, 0, 10]), field: "features[0][2]", value: "0", expected: /positive price/ },
  { name: "negative price", mutate: (r) => setBar(r, 104, [-1, 11, 9, 10]), field: "features[104][0]", value: "-1", expected: /positive price/ },
  { name: "high below open", mutate: (r) => setBar(r, 40, [12, 11, 9, 10]), field: "features[40][1]", value: "11", expected: /high ≥ max\(open, close\) = 12/ },
  {
    name: "low above close",
    mutate: (r) => setBar(r, 41, [10, 11, 9.5, 9]),
    field: "features[41][2]",
    value: "9.5",
    expected: /low ≤ min\(open, close\) = 9$/,
  },
  {
    name: "start after end",
    mutate: (r) => {
      r.expansion_start = 50;
      r.expansion_end = 40;
    },
    field: "expansion_start",
    value: "50",
    expected: /≤ expansion_end/,
  },
  {
    name: "end past the last bar",
    mutate: (r) => {
      r.expansion_end = 105;
    },
    field: "expansion_end",
    value: "105",
    expected: /integer in \[0, 104\]/,
  },
  {
    name: "negative start",
    mutate: (r) => {
      r.expansion_start = -1;
    },
    field: "expansion_start",
    value: "-1",
    expected: /integer in \[0, 104\]/,
  },
  {
    name: "fractional index",
    mutate: (r) => {
      r.expansion_end = 7.5;
    },
    field: "expansion_end",
    value: "7.5",
    expected: /integer in \[0, 104\]/,
  },
  {
    name: "index as string",
    mutate: (r) => {
      r.expansion_start = "3";
    },
    field: "expansion_start",
    value: '"3"',
    expected: /integer in \[0, 104\]/,
  },
  {
    name: "unknown label",
    mutate: (r) => {
      r.label = "breakout";
    },
    field: "label",
    value: '"breakout"',
    expected: /"consolidation", "retracement"/,
  },
  {
    name: "missing label",
    mutate: (r) => {
      delete r.label;
    },
    field: "label",
    value: "(missing)",
    expected: /"consolidation"/,
  },
  {
    name: "missing features",
    mutate: (r) => {
      delete r.features;
    },
    field: "features",
    value: "(missing)",
    expected: /list of 105 bars/,
  },
  {
    name: "window_id not a string",
    mutate: (r) => {
      r.window_id = 7;
    },
    field: "window_id",
    value: "7",
    expected: /non-empty string/,
  },
  {
    name: "empty base_window_id",
    mutate: (r) => {
      r.base_window_id = "";
    },
    field: "base_window_id",
    value: '""',
    expected: /non-empty string/,
  },
  {
    name: "volume too short",
    mutate: (r) => {
      r.volume = [1, 2, 3];
    },
    field: "volume",
    value: "[1, 2, 3]",
    expected: /exactly 105 volumes/,
  },
  {
    name: "negative volume",
    mutate: (r) => {
      r.volume = Array(105).fill(1);
      r.volume[9] = -4;
    },
    field: "volume[9]",
    value: "-4",
    expected: /volume ≥ 0/,
  },
];

describe("validateWindows: one defect per row", () => {
  for (const c of cases) {
    it(`reports ${c.name} at the exact row and field`, () => {
      const result = validateWindows(withCorruptRow(c.mutate), { file: "x.jsonl" });
      expect(result.problems).toHaveLength(1);
      const [problem] = result.problems;
      expect(problem).toMatchObject({ file: "x.jsonl", row: 2, field: c.field, value: c.value });
      expect(problem!.expected).toMatch(c.expected);
      expect(result.invalidRows).toEqual([2]);
      expect(result.validRows).toEqual([0, 1, 3]);
      expect(result.windows.map((w) => w.window_id)).toEqual(["w0", "w1", "w3"]);
    });
  }
});

describe("validateWindows", () => {
  it("accepts valid windows and returns them typed, volume kept, null volume dropped", () => {
    const withVolume = makeWindow(0, { volume: true });
    const nullVolume = { ...rawCopy(makeWindow(1)), volume: null };
    const result = validateWindows([withVolume, nullVolume]);
    expect(result.problems).toEqual([]);
    expect(result.windows[0]).toEqual(withVolume);
    expect("volume" in result.windows[1]!).toBe(false);
  });

  it("reports every problem of a row, not only the first", () => {
    const rows = withCorruptRow((r) => {
      setBar(r, 1, [10, NaN, 9, 10]);
      setBar(r, 2, [10, 9, 11, 10]);
      r.label = "x";
      r.expansion_end = 200;
    });
    const fields = validateWindows(rows).problems.map((p) => p.field);
    expect(fields).toEqual(["label", "expansion_end", "features[1][1]", "features[2][1]", "features[2][2]", "features[2]"]);
  });

  it("reports high below low on the bar as well as the two wick checks", () => {
    const rows = withCorruptRow((r) => setBar(r, 2, [10, 9, 11, 10]));
    const bar = validateWindows(rows).problems.find((p) => p.field === "features[2]");
    expect(bar?.expected).toMatch(/high ≥ low \(high 9 < low 11\)/);
  });

  it("does not compare start with an out-of-range end", () => {
    const rows = withCorruptRow((r) => {
      r.expansion_start = 50;
      r.expansion_end = 300;
    });
    expect(validateWindows(rows).problems.map((p) => p.field)).toEqual(["expansion_end"]);
  });

  it("reports a row that is not an object", () => {
    const result = validateWindows([42, rawCopy(makeWindow(1))]);
    expect(result.problems).toHaveLength(1);
    expect(result.problems[0]).toMatchObject({ row: 0, field: "(row)", value: "42" });
    expect(result.problems[0]!.windowId).toBeUndefined();
  });

  it("reports a duplicate window_id on the repeat, naming both rows", () => {
    const rows = makeWindows(5).map(rawCopy);
    rows[4]!.window_id = "w1";
    const result = validateWindows(rows, { file: "d.parquet" });
    expect(result.problems).toHaveLength(1);
    expect(result.problems[0]).toMatchObject({ row: 4, windowId: "w1", field: "window_id", value: '"w1"' });
    expect(result.problems[0]!.expected).toMatch(/row 1 has the same window_id/);
    expect(result.validRows).toEqual([0, 1, 2, 3]);
  });

  it("collects problems across many rows in row order", () => {
    const rows = makeWindows(6).map(rawCopy);
    rows[1]!.label = "bad";
    rows[4]!.expansion_start = 104;
    rows[4]!.expansion_end = 0;
    rows[5]!.window_id = "w1";
    const result = validateWindows(rows);
    expect(result.problems.map((p) => [p.row, p.field])).toEqual([
      [1, "label"],
      [4, "expansion_start"],
      [5, "window_id"],
    ]);
    expect(result.invalidRows).toEqual([1, 4, 5]);
  });

  it("formats one line per problem with file, row, line, window_id, field, value and expectation", () => {
    const rows = withCorruptRow((r) => setBar(r, 17, [10, 11, 9, NaN]));
    const [problem] = validateWindows(rows, { file: "f.jsonl", lines: [1, 2, 4, 5] }).problems;
    expect(formatProblem(problem!)).toBe("f.jsonl: row 2 (line 4, window_id w2): features[17][3] = NaN; expected a finite number");
  });
});
