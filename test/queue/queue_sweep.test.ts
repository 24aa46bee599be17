/**
 * `spanlab sweep --queue` (every configuration's comparison on the queue at once, src/compare/sweep.ts) and
 * `spanlab compare --tune --queue` (successive halving continues shorter runs: resume jobs carrying their run
 * folder's files), on two `spanlab worker` processes, each with the figures and weights of a local run.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeWindows } from "../../src/data/load.js";
import { DEFAULT_SYNTH_PARAMS, synthesizeWindows } from "../../src/data/synth.js";
import { Rng } from "../../src/util/rng.js";
import { runCli } from "../helpers/cli.js";
import { REDIS_AVAILABLE, REDIS_REQUIRED, startRedis, startWorker, type TestRedis, type WorkerProcess, withoutTimings } from "../helpers/redis.js";

describe.skipIf(!REDIS_AVAILABLE && !REDIS_REQUIRED)("sweep and tune through the queue", () => {
  let dir: string;
  let data: string;
  let redis: TestRedis;
  const workers: WorkerProcess[] = [];
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "spanlab-queue-sweep-"));
    data = join(dir, "windows.jsonl");
    writeWindows(data, synthesizeWindows({ ...DEFAULT_SYNTH_PARAMS, windows: 24 }, new Rng(5)));
    redis = await startRedis();
    for (let i = 0; i < 2; i++) workers.push(await startWorker(redis.url, join(dir, `cache-${i}`)));
  }, 60_000);
  afterAll(async () => {
    for (const worker of workers) await worker.kill();
    await redis?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("writes the sweep a local run writes, every configuration's runs trained once on the workers", async () => {
    const flags = ["sweep", "--data", data, "--epochs", "1,2", "--seeds", "1", "--objectives", "soft,crf"];
    const local = await runCli([...flags, "--workers", "2", "--out", join(dir, "local")]);
    expect(local.exitCode).toBe(0);
    const queued = await runCli([...flags, "--queue", redis.url, "--out", join(dir, "queued")]);
    expect(queued.exitCode).toBe(0);
    const read = (folder: string) => JSON.parse(readFileSync(join(dir, folder, "sweep.json"), "utf8"));
    expect(withoutTimings(read("queued"))).toEqual(withoutTimings(read("local")));
    for (const configuration of ["epochs1", "epochs2"]) {
      const comparison = (folder: string) => JSON.parse(readFileSync(join(dir, folder, "configs", configuration, "comparison.json"), "utf8"));
      expect(withoutTimings(comparison("queued"))).toEqual(withoutTimings(comparison("local")));
    }
    // 2 configurations × 2 objectives × 1 seed, each trained once across the two workers.
    const trained = workers.flatMap((worker) => worker.log().match(/job run-[0-9a-f]+: train /g) ?? []);
    expect(trained).toHaveLength(4);
  }, 240_000);

  it("tunes as a local run does, the continued rungs resumed on the workers from the files they carry", async () => {
    const space = join(dir, "space.json");
    writeFileSync(space, JSON.stringify({ epochs: [1, 2], learningRate: [0.001, 0.003] }));
    const flags = ["compare", "--tune", "--data", data, "--objectives", "soft,crf", "--budget", "2", "--halving", "2", "--outer-folds", "2", "--space", space];
    expect((await runCli([...flags, "--workers", "2", "--out", join(dir, "tune-local")])).exitCode).toBe(0);
    const before = workers.map((worker) => worker.log().length);
    expect((await runCli([...flags, "--queue", redis.url, "--out", join(dir, "tune-queued")])).exitCode).toBe(0);
    const read = (folder: string) => JSON.parse(readFileSync(join(dir, folder, "comparison.json"), "utf8"));
    expect(withoutTimings(read("tune-queued"))).toEqual(withoutTimings(read("tune-local")));
    const resumed = workers.flatMap(
      (worker, i) =>
        worker
          .log()
          .slice(before[i])
          .match(/job run-[0-9a-f]+: resume /g) ?? [],
    );
    expect(resumed.length).toBeGreaterThan(0);
    const weights = (folder: string) =>
      readdirSync(join(dir, folder, "runs"), { recursive: true, encoding: "utf8" })
        .filter((path) => path.endsWith("best.safetensors"))
        .sort();
    expect(weights("tune-queued")).toEqual(weights("tune-local"));
    for (const path of weights("tune-local")) {
      expect(Buffer.compare(readFileSync(join(dir, "tune-queued", "runs", path)), readFileSync(join(dir, "tune-local", "runs", path))), path).toBe(0);
    }
  }, 240_000);
});
