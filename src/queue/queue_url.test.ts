import { describe, expect, it } from "vitest";
import { parseQueueUrl } from "./queue_url.js";

describe("parseQueueUrl", () => {
  it("host, port, database, password (masked when printed), TLS for rediss://", () => {
    expect(parseQueueUrl("redis://127.0.0.1:6390")).toEqual({ display: "redis://127.0.0.1:6390", options: { host: "127.0.0.1", port: 6390, db: 0 } });
    const secret = parseQueueUrl("redis://:s3cr%40t@queue.example:6380/2");
    expect(secret.options).toEqual({ host: "queue.example", port: 6380, db: 2, password: "s3cr@t" });
    expect(secret.display).toBe("redis://:***@queue.example:6380/2");
    expect(secret.display).not.toContain("s3cr");
    const tls = parseQueueUrl("rediss://worker:pw@redis.internal");
    expect(tls.options).toEqual({ host: "redis.internal", port: 6379, db: 0, username: "worker", password: "pw", tls: { servername: "redis.internal" } });
    expect(tls.display).toBe("rediss://worker:***@redis.internal");
  });

  it("refuses what is not a Redis URL, naming what was expected", () => {
    expect(() => parseQueueUrl("localhost:6379")).toThrow(/scheme must be redis:\/\/ or rediss:\/\//);
    expect(() => parseQueueUrl("http://localhost:6379")).toThrow(/not http:\/\//);
    expect(() => parseQueueUrl("not a url")).toThrow(/expected a Redis URL/);
    expect(() => parseQueueUrl("redis://host:6379/16")).toThrow(/database number 0–15/);
    expect(() => parseQueueUrl("redis://host:6379/jobs")).toThrow(/database number/);
    expect(() => parseQueueUrl("redis://host:6379?db=1")).toThrow(/no query/);
  });
});
