import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Redis } from "ioredis";
import { REDIS_AVAILABLE, REDIS_REQUIRED, startRedis, type TestRedis } from "../../test/helpers/redis.js";
import { BLOB_TTL_SECONDS, getBlob, putBlob, sha256Of } from "./blob_store.js";
import { KEY_PREFIX, openRedis } from "./connection.js";
import { parseQueueUrl } from "./queue_url.js";

// CI's Redis (SPANLAB_TEST_REDIS, started by .ci/run) on database 15, else a private one.
const shared = process.env.SPANLAB_TEST_REDIS;
describe.skipIf(shared === undefined && !REDIS_AVAILABLE && !REDIS_REQUIRED)("content-addressed blobs in Redis", () => {
  let server: TestRedis | undefined;
  let redis: Redis;
  beforeAll(async () => {
    if (shared === undefined) server = await startRedis();
    redis = await openRedis(parseQueueUrl(`${shared ?? server!.url}/15`), "blob test");
  });
  afterAll(async () => {
    redis?.disconnect();
    await server?.stop();
  });

  it("stores bytes under their SHA-256 once, renews the expiry, and reads them back checked", async () => {
    const bytes = new TextEncoder().encode(`windows ${Date.now()}`);
    const sha = await putBlob(redis, bytes, "test");
    expect(sha).toBe(sha256Of(bytes));
    expect(Buffer.compare(await getBlob(redis, sha, "test"), Buffer.from(bytes))).toBe(0);
    expect(await redis.ttl(`${KEY_PREFIX}:blob:${sha}`)).toBeGreaterThan(BLOB_TTL_SECONDS - 60);
    await redis.expire(`${KEY_PREFIX}:blob:${sha}`, 10);
    expect(await putBlob(redis, bytes, "test")).toBe(sha);
    expect(await redis.ttl(`${KEY_PREFIX}:blob:${sha}`)).toBeGreaterThan(BLOB_TTL_SECONDS - 60);
  });

  it("a missing blob and a corrupted one are errors naming what was asked for", async () => {
    await expect(getBlob(redis, "0".repeat(64), "window file w.parquet")).rejects.toThrow(/window file w.parquet: blob 0000000000000000… is not in Redis/);
    const sha = await putBlob(redis, new TextEncoder().encode("original"), "test");
    await redis.set(`${KEY_PREFIX}:blob:${sha}`, "tampered");
    await expect(getBlob(redis, sha, "run file best.safetensors")).rejects.toThrow(
      /run file best.safetensors: .* arrived with SHA-256 .*refusing corrupt bytes/,
    );
  });

  it("an unreachable Redis is one clear error at start", async () => {
    await expect(openRedis(parseQueueUrl("redis://127.0.0.1:1"), "--queue")).rejects.toThrow(
      /--queue: cannot reach Redis at redis:\/\/127.0.0.1:1 \(ECONNREFUSED\); is redis-server running there\?/,
    );
  });
});
