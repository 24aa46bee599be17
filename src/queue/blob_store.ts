/**
 * Content-addressed bytes in Redis: the window file a comparison trains on, the files of a run folder to
 * resume, and the files a worker sends back. A blob's key is its SHA-256, so a file is uploaded once however
 * many jobs name it, and every read is checked against the hash it was asked for (docs/distributed.md).
 */
import { createHash } from "node:crypto";
import type { Redis } from "ioredis";
import { KEY_PREFIX } from "./connection.js";

/** Blobs expire a week after their last upload: long enough for a coordinator's `--resume`. */
export const BLOB_TTL_SECONDS = 7 * 24 * 3600;
/** Redis holds at most 512 MB in one value. */
export const MAX_BLOB_BYTES = 512 * 1024 * 1024;

export function sha256Of(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

const blobKey = (sha256: string) => `${KEY_PREFIX}:blob:${sha256}`;

/**
 * Stores `bytes` and returns their SHA-256. Bytes Redis already holds are not sent again (only their
 * expiry renewed), so a window file crosses the network once however many runs name it.
 */
export async function putBlob(redis: Redis, bytes: Uint8Array, what: string): Promise<string> {
  if (bytes.length > MAX_BLOB_BYTES)
    throw new Error(`${what}: ${bytes.length} bytes; the queue carries files up to ${MAX_BLOB_BYTES} bytes (a Redis value's limit)`);
  const sha256 = sha256Of(bytes);
  if ((await redis.expire(blobKey(sha256), BLOB_TTL_SECONDS)) === 1) return sha256;
  await redis.set(blobKey(sha256), Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length), "EX", BLOB_TTL_SECONDS);
  return sha256;
}

/** Shortens (or renews) how long a blob stays: the coordinator keeps collected results only briefly. */
export async function expireBlob(redis: Redis, sha256: string, seconds: number): Promise<void> {
  await redis.expire(blobKey(sha256), seconds);
}

/** A blob Redis does not hold (expired, or lost in a restart): the job that made it must run again. */
export class MissingBlobError extends Error {}

/** The bytes of blob `sha256`, checked against it; an error names `what` when missing or corrupt. */
export async function getBlob(redis: Redis, sha256: string, what: string): Promise<Buffer> {
  const bytes = await redis.getBuffer(blobKey(sha256));
  if (bytes === null) throw new MissingBlobError(`${what}: blob ${sha256.slice(0, 16)}… is not in Redis (expired, or Redis restarted without persistence)`);
  const actual = sha256Of(bytes);
  if (actual !== sha256) throw new Error(`${what}: blob ${sha256.slice(0, 16)}… arrived with SHA-256 ${actual.slice(0, 16)}…; refusing corrupt bytes`);
  return bytes;
}
