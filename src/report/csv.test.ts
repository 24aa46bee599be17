import { parse } from "csv-parse/sync";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { csvField, toCsv } from "./csv.js";

describe("CSV (RFC 4180)", () => {
  it("quotes a field only when it holds a comma, a quote or a line break, doubling quotes", () => {
    expect(csvField("plain")).toBe("plain");
    expect(csvField("0.5 [0.4, 0.6]")).toBe('"0.5 [0.4, 0.6]"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField("two\nlines")).toBe('"two\nlines"');
    expect(csvField(3)).toBe("3");
  });

  it("round-trips any fields through a strict RFC 4180 parser, CRLF line ends", () => {
    fc.assert(
      fc.property(fc.array(fc.array(fc.string(), { minLength: 3, maxLength: 3 }), { maxLength: 8 }), (rows) => {
        const text = toCsv(["a", "b", "c"], rows);
        expect(text.endsWith("\r\n")).toBe(true);
        const parsed = parse(text, { record_delimiter: "\r\n", relax_quotes: false, relax_column_count: false }) as string[][];
        expect(parsed).toEqual([["a", "b", "c"], ...rows]);
      }),
    );
  });

  it("refuses a row with the wrong number of fields", () => {
    expect(() => toCsv(["a", "b"], [["1"]])).toThrow(/1 fields for 2 columns/);
  });
});
