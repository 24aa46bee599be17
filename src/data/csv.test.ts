import { describe, expect, it } from "vitest";
import { splitCsvLine } from "./csv.js";

describe("splitCsvLine", () => {
  it("splits quoted CSV fields with escaped quotes and reports an unterminated quote", () => {
    expect(splitCsvLine('a,"b,""c""",d', ",")).toEqual({ fields: ["a", 'b,"c"', "d"] });
    expect(splitCsvLine('a,"b', ",").error).toBe("an unterminated quoted field");
  });
});
