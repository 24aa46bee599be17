import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fixed, formatDifference, formatShare, formatStatistics, formatThreshold, formatValue, textTable, wrap } from "./format.js";

const stats = (mean: number, low: number, high: number) => ({ values: [mean], mean, std: 0, low, high });

describe("number formatting", () => {
  it("prints each kind with its decimals, and n/a for NaN, null and infinities", () => {
    expect(formatValue(0.12345, "score")).toBe("0.123");
    expect(formatValue(17.68554, "loss")).toBe("17.6855");
    expect(formatValue(24.84, "percent")).toBe("24.8%");
    expect(formatValue(3.14259, "bars")).toBe("3.14");
    expect(formatValue(12, "epoch")).toBe("12");
    expect(formatValue(12.5, "epoch")).toBe("12.5");
    expect(formatValue(NaN, "score")).toBe("n/a");
    expect(formatValue(null, "score")).toBe("n/a");
    expect(formatValue(Infinity, "loss")).toBe("n/a");
    // A tiny negative must not print as "-0.000".
    expect(fixed(-0.0001, 3)).toBe("0.000");
    expect(fixed(-0.0006, 3)).toBe("-0.001");
  });

  it("prints a plain value with one seed and mean [low, high] with several", () => {
    expect(formatStatistics(stats(0.5, 0.4, 0.6), "score", 1)).toBe("0.500");
    expect(formatStatistics(stats(0.5, 0.4, 0.6), "score", 3)).toBe("0.500 [0.400, 0.600]");
    expect(formatStatistics(stats(24.81, 20, 30.06), "percent", 5)).toBe("24.8% [20.0%, 30.1%]");
    expect(formatStatistics(null, "score", 3)).toBe("n/a");
    expect(formatDifference({ mean: 0.25, low: 0.1, high: 0.4, established: true }, "score", 3)).toBe("+0.250 [0.100, 0.400]");
    expect(formatDifference({ mean: -0.25, low: -0.4, high: -0.1, established: true }, "score", 1)).toBe("-0.250");
    expect(formatDifference({ mean: 0.00001, low: 0, high: 0, established: false }, "score", 1)).toBe("0.000");
  });

  it("prints grid thresholds as their exact decimals", () => {
    expect(formatThreshold(0.29)).toBe("0.29");
    expect(formatThreshold(0.5)).toBe("0.50");
    expect(formatThreshold(0.125)).toBe("0.125");
    expect(formatThreshold(NaN)).toBe("n/a");
  });

  it("prints a share as a percentage with only the decimals it has", () => {
    expect(formatShare(0.95)).toBe("95%");
    expect(formatShare(0.025)).toBe("2.5%");
  });

  it("wraps text to the width without losing words", () => {
    fc.assert(
      fc.property(fc.array(fc.stringMatching(/^[a-z]{1,12}$/), { maxLength: 60 }), (words) => {
        const text = wrap(words.join(" "), 40, "  ", "- ");
        for (const line of text.split("\n")) expect([...line].length).toBeLessThanOrEqual(40);
        expect(text.split(/\s+/).filter((w) => w !== "" && w !== "-")).toEqual(words);
      }),
    );
  });

  it("lines up plain-text columns", () => {
    expect(
      textTable(
        [
          ["a", "bb", "c"],
          ["ddd", "e", "f"],
        ],
        1,
      ),
    ).toBe("a   bb c\nddd e  f");
  });
});
