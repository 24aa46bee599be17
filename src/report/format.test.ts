import { parse } from "csv-parse/sync";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { convergence, pooledReliability } from "./analysis.js";
import { csvField, toCsv } from "./csv.js";
import { fixed, formatDifference, formatStatistics, formatThreshold, formatValue, kindOf, textTable, trajectoryEpochs, wrap } from "./format.js";
import type { RunResult } from "../compare/types.js";

const stats = (mean: number, low: number, high: number) => ({ values: [mean], mean, std: 0, low, high });

describe("number formatting", () => {
  it("prints each kind with its decimals, and n/a for NaN, null and infinities", () => {
    expect(formatValue(0.12345, "score")).toBe("0.123");
    expect(formatValue(17.68554, "loss")).toBe("17.6855");
    expect(formatValue(24.84, "percent")).toBe("24.8%");
    expect(formatValue(3.14159, "bars")).toBe("3.14");
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

  it("maps metric units to kinds", () => {
    expect(kindOf({ key: "x", unit: "loss" })).toBe("loss");
    expect(kindOf({ key: "x", unit: "%" })).toBe("percent");
    expect(kindOf({ key: "x", unit: "bars" })).toBe("bars");
    expect(kindOf({ key: "x", unit: "σ" })).toBe("sigma");
    expect(kindOf({ key: "x", unit: "F1 (0–1)" })).toBe("score");
  });

  it("prints grid thresholds as their exact decimals", () => {
    expect(formatThreshold(0.29)).toBe("0.29");
    expect(formatThreshold(0.5)).toBe("0.50");
    expect(formatThreshold(0.125)).toBe("0.125");
    expect(formatThreshold(NaN)).toBe("n/a");
  });

  it("scales the reference's trajectory epochs (1, 10, …, 50) to the run length", () => {
    expect(trajectoryEpochs(50)).toEqual([1, 10, 20, 30, 40, 50]);
    expect(trajectoryEpochs(100)).toEqual([1, 20, 40, 60, 80, 100]);
    expect(trajectoryEpochs(7)).toEqual([1, 3, 4, 6, 7]);
    expect(trajectoryEpochs(2)).toEqual([1, 2]);
    expect(trajectoryEpochs(1)).toEqual([1]);
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
    expect(textTable([["a", "bb", "c"], ["ddd", "e", "f"]], 1)).toBe("a   bb c\nddd e  f");
  });
});

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

describe("derived rules", () => {
  it("classifies a validation curve by the stated convergence rule", () => {
    expect(convergence([10, 9, 8]).pattern).toBe("monotone");
    // +1.1% at epoch 3: below the 2% noise bound.
    const smooth = convergence([10, 9, 9.1, 8]);
    expect(smooth.pattern).toBe("smooth");
    expect(smooth.largestRiseEpoch).toBe(3);
    expect(smooth.fallingShare).toBeCloseTo(2 / 3, 12);
    expect(convergence([10, 9, 9.5, 8]).pattern).toBe("noisy");
    expect(convergence([10, 9.95]).pattern).toBe("flat");
    expect(convergence([10, 11]).pattern).toBe("rising");
    expect(convergence([10]).pattern).toBe("single epoch");
  });

  it("pools reliability bins over runs weighting each bin by its count", () => {
    const run = (bins: { count: number; meanPredicted: number; observedFrequency: number }[]) =>
      ({ evaluation: { calibration: { bins: bins.map((b, i) => ({ lower: i / 2, upper: (i + 1) / 2, ...b })) } } }) as unknown as RunResult;
    const pooled = pooledReliability([
      run([{ count: 1, meanPredicted: 0.2, observedFrequency: 0 }, { count: 0, meanPredicted: NaN, observedFrequency: NaN }]),
      run([{ count: 3, meanPredicted: 0.4, observedFrequency: 1 }, { count: 0, meanPredicted: NaN, observedFrequency: NaN }]),
    ]);
    expect(pooled[0]!.count).toBe(4);
    expect(pooled[0]!.meanPredicted).toBeCloseTo((0.2 + 3 * 0.4) / 4, 12);
    expect(pooled[0]!.observedFrequency).toBeCloseTo(0.75, 12);
    expect(pooled[1]!.count).toBe(0);
    expect(Number.isNaN(pooled[1]!.meanPredicted)).toBe(true);
  });
});
