import { describe, expect, it } from "vitest";
import { NumberReader, parseDecimalFlag } from "./numbers.js";

describe("NumberReader", () => {
  it("reads plain decimals and refuses what Number() would wrongly accept", () => {
    const reader = new NumberReader("auto", ",");
    for (const [text, value] of [
      ["1234.5", 1234.5],
      [" 17 ", 17],
      ["-0.25", -0.25],
      ["1e3", 1000],
      [".5", 0.5],
      ["12.", 12],
    ] as const) {
      expect(reader.parse(text, 0)).toBe(value);
      expect(reader.problem).toBeUndefined();
    }
    for (const [text, problem] of [
      ["0x3a98", /hexadecimal notation like 0x3a98 is not accepted/],
      ["0B101", /binary notation/],
      ["0o17", /octal notation/],
      ["-0x10", /not decimal notation/],
      ["1,234.5", /one decimal mark and no thousands separator .*e\.g\. 1234\.5/],
      ["1,234", /without thousands separators \(decimal point: the file is comma-separated\), e\.g\. 1234/],
      ["12abc", /a plain decimal number/],
    ] as const) {
      expect(reader.parse(text, 3), text).toBeNaN();
      expect(reader.problem, text).toMatch(problem);
    }
    // Not finite or empty: NaN/Infinity with no specific problem (the caller names them as not finite).
    expect(reader.parse("Infinity", 0)).toBe(Infinity);
    expect(reader.parse("", 0)).toBeNaN();
    expect(reader.problem).toBeUndefined();
    expect(reader.parse(42, 0)).toBe(42);
  });

  it("decimal comma: given, or detected from the first number with a mark; the other mark is refused", () => {
    const given = new NumberReader(",", ";");
    expect(given.parse("1234,5", 0)).toBe(1234.5);
    expect(given.parse("7", 0)).toBe(7);
    expect(given.parse("1.234,5", 1)).toBeNaN();
    expect(given.problem).toMatch(/has both "\." and ","/);
    expect(given.parse("1.5", 2)).toBeNaN();
    expect(given.problem).toBe('a number with a decimal comma (decimal comma, --decimal ,); "." is not accepted (a thousands separator? write 1234,5)');

    const detected = new NumberReader("auto", ";");
    expect(detected.decimalMark).toBeUndefined();
    expect(detected.parse("100", 0)).toBe(100);
    expect(detected.parse("100,25", 4)).toBe(100.25);
    expect(detected.decimalMark).toBe(",");
    expect(detected.detected).toBe(true);
    expect(detected.parse("100.5", 5)).toBeNaN();
    expect(detected.problem).toMatch(/decimal comma like row 4/);

    const point = new NumberReader(".", ";");
    expect(point.parse("100,5", 0)).toBeNaN();
    expect(point.problem).toMatch(/a number with a decimal point \(decimal point, --decimal \.\); a comma is not accepted/);
  });

  it("parses --decimal", () => {
    expect(parseDecimalFlag(undefined)).toBe("auto");
    expect(parseDecimalFlag(",")).toBe(",");
    expect(() => parseDecimalFlag(";")).toThrow('--decimal must be "." (decimal point) or "," (decimal comma), got ";"');
  });
});
