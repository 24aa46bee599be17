import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { NumberReader, parseDecimalFlag, plainDecimalAt } from "./numbers.js";

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

describe("plainDecimalAt (the fast path for plain prices)", () => {
  it("gives exactly Number()'s double for every plain decimal of up to 15 digits", () => {
    const plain = fc
      .tuple(fc.boolean(), fc.stringMatching(/^\d{1,9}$/), fc.option(fc.stringMatching(/^\d{0,6}$/), { nil: undefined }))
      .map(([negative, whole, fraction]) => `${negative ? "-" : ""}${whole}${fraction === undefined ? "" : `.${fraction}`}`);
    fc.assert(
      fc.property(plain, fc.string({ maxLength: 3 }), (text, padding) => {
        // Read in place from inside a longer line, as the CSV reader does.
        const line = `${padding},${text},${padding}`;
        const start = padding.length + 1;
        expect(Object.is(plainDecimalAt(line, start, start + text.length), Number(text))).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it("hand-picked cases: the decimal point alone, trailing and leading points, negative zero", () => {
    expect(plainDecimalAt("15000.25", 0, 8)).toBe(15000.25);
    expect(plainDecimalAt("0.1", 0, 3)).toBe(0.1);
    expect(plainDecimalAt("5.", 0, 2)).toBe(5);
    expect(plainDecimalAt(".5", 0, 2)).toBe(0.5);
    expect(Object.is(plainDecimalAt("-0", 0, 2), -0)).toBe(true);
    expect(plainDecimalAt("123456789012345", 0, 15)).toBe(123456789012345);
  });

  it("declines (NaN) everything else, for the general reader to accept or name", () => {
    for (const text of ["", "-", ".", "+1", " 1", "1 ", "1e5", "0x1f", "1,5", "1.2.3", "Infinity", "1234567890123456", "--1", "١٢"]) {
      expect(plainDecimalAt(text, 0, text.length), JSON.stringify(text)).toBeNaN();
    }
  });
});
