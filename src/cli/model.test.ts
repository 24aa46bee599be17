import { describe, expect, it } from "vitest";
import { formatParameterTable } from "./model.js";

describe("spanlab model", () => {
  it("prints the exact totals with thousands separators", () => {
    expect(formatParameterTable("soft", 12).split("\n").at(-1)).toBe("97,547 parameters");
    expect(formatParameterTable("crf", 12).split("\n").at(-1)).toBe("97,748 parameters");
  });

  it("lists every tensor with its shape", () => {
    const table = formatParameterTable("crf", 12);
    expect(table).toMatch(/lstm\.weight_ih_l0\s+\(384, 12\)\s+4,608/);
    expect(table).toMatch(/crf\.transitions\s+\(2, 2\)\s+4/);
    expect(table).toMatch(/log_sigma_countdown\s+\(\)\s+1/);
  });

  it("grows the input weights with a 13th feature", () => {
    expect(formatParameterTable("soft", 13).split("\n").at(-1)).toBe("98,315 parameters");
  });
});
