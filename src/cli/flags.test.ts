import { describe, expect, it } from "vitest";
import { choiceFlag, integerFlag, numberFlag, objectivesFlag } from "./flags.js";

describe("option values", () => {
  it("parses numbers and integers and names the option when refusing", () => {
    expect(numberFlag("lr", "1e-3")).toBe(0.001);
    expect(() => numberFlag("lr", "fast")).toThrow('--lr must be a plain decimal number, got "fast"');
    expect(() => numberFlag("epochs", "0x3a98")).toThrow('--epochs must be a plain decimal number, got "0x3a98"');
    expect(() => numberFlag("lr", " ")).toThrow(/--lr must be a plain decimal number/);
    expect(integerFlag("seeds", "5", 1)).toBe(5);
    expect(() => integerFlag("seeds", "2.5", 1)).toThrow('--seeds must be an integer ≥ 1, got "2.5"');
    expect(() => integerFlag("seeds", "0", 1)).toThrow(/≥ 1/);
  });

  it("accepts only the listed choices", () => {
    expect(choiceFlag("loss", "crf", ["soft", "crf"] as const)).toBe("crf");
    expect(() => choiceFlag("loss", "mse", ["soft", "crf"] as const)).toThrow('--loss must be soft or crf, got "mse"');
    expect(() => choiceFlag("split", "x", ["group", "reference"] as const)).toThrow("--split must be group or reference");
  });

  it("reads a list of objectives in the order given", () => {
    expect(objectivesFlag("objectives", "segment_crf, soft,crf")).toEqual(["segment_crf", "soft", "crf"]);
    expect(() => objectivesFlag("objectives", "soft,a,b")).toThrow('--objectives: unknown span objectives "a", "b"; known: soft, crf, segment_crf');
  });
});
