/**
 * Connections to the queue's Redis: opened eagerly, so an unreachable or refusing server is one clear error
 * at start ("cannot reach Redis at …: ECONNREFUSED; is redis-server running?") instead of a silent wait.
 * Later outages are reconnected by ioredis; the coordinator and the worker bound how long they wait.
 */
import { Redis } from "ioredis";
import type { QueueAddress } from "./queue_url.js";

/** Names shared by the coordinator and the workers (docs/distributed.md). */
export const QUEUE_NAME = "spanlab-train";
export const KEY_PREFIX = "spanlab";

export async function openRedis(address: QueueAddress, purpose: string): Promise<Redis> {
  const redis = new Redis({
    ...address.options,
    lazyConnect: true,
    connectTimeout: 5000,
    // BullMQ's blocking commands need this; outages are bounded by the callers instead.
    maxRetriesPerRequest: null,
    retryStrategy: (attempt) => Math.min(250 * attempt, 2000),
  });
  // Errors during reconnects are reported by the callers' own checks; without a listener ioredis prints them.
  // The socket's own error (ECONNREFUSED, ENOTFOUND, a TLS or auth failure) says more than connect()'s.
  let socketError: Error | undefined;
  redis.on("error", (error: Error) => {
    socketError ??= error;
  });
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    redis.disconnect();
    const cause = (socketError ?? error) as NodeJS.ErrnoException;
    const reason = cause.code ?? cause.message;
    throw new Error(`${purpose}: cannot reach Redis at ${address.display} (${reason}); is redis-server running there?`);
  }
  return redis;
}
