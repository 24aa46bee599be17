import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    // Two cores on CI: one worker per core keeps the numeric tests from starving each other.
    pool: "forks",
    maxWorkers: 2,
    testTimeout: 120_000,
  },
});
