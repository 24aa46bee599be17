/**
 * Redis restarted mid-compare, without persistence (everything it held is gone): the coordinator finds its
 * jobs unknown, enqueues them again with their blobs, the worker reconnects on its own, and the bundle has
 * the local run's figures. Skipped without /usr/bin/redis-server unless SPANLAB_REQUIRE_REDIS=1.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import { REDIS_AVAILABLE, REDIS_REQUIRED, startRedis, startWorker, type TestRedis, type WorkerProcess, withoutTimings } from "../helpers/redis.js";

describe.skipIf(!REDIS_AVAILABLE && !REDIS_REQUIRED)("a Redis restart mid-compare", () => {
  let dir: string;
  let redis: TestRedis;
  let worker: WorkerProcess | undefined;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "spanlab-queue-restart-"));
    redis = await startRedis();
  }, 30_000);
  afterAll(async () => {
    await worker?.kill();
    await redis?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("re-enqueues what Redis lost and writes the local run's figures", async () => {
    const flags = ["compare", "--objectives", "soft,crf", "--seeds", "2", "--epochs", "2", "--sensitivity", "none", "--first-seed", "11"];
    expect((await runCli([...flags, "--workers", "2", "--out", join(dir, "local")])).exitCode).toBe(0);
    worker = await startWorker(redis.url, join(dir, "cache"));
    const queued = runCli([...flags, "--queue", redis.url, "--out", join(dir, "queued")]);
    // Once the first run is trained (its result in Redis), Redis goes down and comes back empty.
    await worker.waitFor(/done in/);
    await redis.restart();
    const result = await queued;
    expect(result.exitCode).toBe(0);
    const read = (folder: string) => JSON.parse(readFileSync(join(dir, folder, "comparison.json"), "utf8"));
    expect(withoutTimings(read("queued"))).toEqual(withoutTimings(read("local")));
    // The coordinator saw its jobs gone and enqueued them again; the worker, reconnected, trained them.
    expect(result.stdout).toMatch(/no longer in Redis \(restarted\?\); enqueued again/);
    expect(worker.log()).toMatch(/connected again/);
    expect(worker.child.exitCode).toBeNull();
  }, 180_000);
});
