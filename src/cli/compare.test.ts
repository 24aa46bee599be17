import { describe, expect, it } from "vitest";
import { runCli } from "../../test/helpers/cli.js";

describe("spanlab compare options", () => {
  it("refuses options that the reference protocol fixes, before any training", async () => {
    await expect(runCli(["compare", "--reference-protocol", "--epochs", "2", "--seeds", "3"])).rejects.toThrow(
      "--reference-protocol fixes --seeds, --epochs; drop them or drop --reference-protocol",
    );
  });

  it("refuses a bad split or seed count with the option named", async () => {
    await expect(runCli(["compare", "--split", "random"])).rejects.toThrow(/--split must be auto, time, group or reference/);
    await expect(runCli(["compare", "--seeds", "0"])).rejects.toThrow(/--seeds must be a positive integer|--seeds must be an integer/);
  });
});
