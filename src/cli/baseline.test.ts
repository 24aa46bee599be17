import { describe, expect, it } from "vitest";
import { runCli } from "../../test/helpers/cli.js";

describe("spanlab baseline", () => {
  it("scores the rule on the bundled data's seed-42 split with the models' metrics", async () => {
    const { stdout, exitCode } = await runCli(["baseline", "--json"]);
    expect(exitCode).toBe(0);
    const result = JSON.parse(stdout);
    expect(result.trainWindows + result.validationWindows).toBe(211);
    expect(result.pooled.f1).toBeGreaterThan(result.allPositive.f1);
    expect(result.spanLevel.windows).toBe(result.validationWindows);
    expect(result.rule.rangeZThreshold).toBeGreaterThan(0);
  });

  it("refuses a bad split name", async () => {
    await expect(runCli(["baseline", "--split", "random"])).rejects.toThrow(/--split must be auto, time, group or reference/);
  });
});
