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

  it("refuses with --tune what its folds and search replace, and tuning options without --tune", async () => {
    await expect(runCli(["compare", "--tune", "--seeds", "3", "--sensitivity", "all"])).rejects.toThrow(
      "--tune does not take --seeds, --sensitivity: its outer folds replace seeds, its search space (--space) holds the epochs, and its search replaces the sensitivity runs",
    );
    await expect(runCli(["compare", "--tune", "--epochs", "20"])).rejects.toThrow("--tune does not take --epochs");
    await expect(runCli(["compare", "--budget", "4", "--outer-folds", "3"])).rejects.toThrow("--budget, --outer-folds only apply with --tune");
    await expect(runCli(["compare", "--tune", "--space", "/nonexistent/space.json"])).rejects.toThrow(
      "/nonexistent/space.json: no such file (the search space (--space))",
    );
  });

  it("takes --objectives as a comma list of two or more different known objectives", async () => {
    await expect(runCli(["compare", "--objectives", "soft,mse"])).rejects.toThrow('--objectives: unknown span objective "mse"; known: soft, crf, segment_crf');
    await expect(runCli(["compare", "--objectives", "crf,soft,crf"])).rejects.toThrow("--objectives names crf more than once; list each objective once");
    await expect(runCli(["compare", "--objectives", "crf"])).rejects.toThrow("--objectives needs at least two objectives to compare, got only crf");
    await expect(runCli(["compare", "--objectives", "soft,,crf"])).rejects.toThrow(/--objectives must be a comma list of span objectives/);
    await expect(runCli(["compare", "--resume", "/nonexistent", "--objectives", "soft,crf"])).rejects.toThrow("--resume keeps the comparison's own objectives");
  });
});
