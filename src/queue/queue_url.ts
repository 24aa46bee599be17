/**
 * `--queue redis://[user:password@]host:port[/db]` (or `rediss://` for TLS) → the connection options of
 * ioredis, and the URL as printed (password masked). Anything else is refused naming what was expected.
 */
import type { RedisOptions } from "ioredis";

export interface QueueAddress {
  /** What progress messages show: the URL with its password replaced by `***`. */
  display: string;
  options: RedisOptions;
}

export function parseQueueUrl(text: string): QueueAddress {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new Error(`--queue ${JSON.stringify(text)}: expected a Redis URL, redis://[:password@]host:port[/db] or rediss://… for TLS`);
  }
  if (url.protocol !== "redis:" && url.protocol !== "rediss:") {
    throw new Error(`--queue ${JSON.stringify(text)}: the scheme must be redis:// or rediss:// (TLS), not ${url.protocol}//`);
  }
  if (url.hostname === "") throw new Error(`--queue ${JSON.stringify(text)}: no host (expected redis://host:port)`);
  const port = url.port === "" ? 6379 : Number(url.port);
  const path = url.pathname.replace(/^\//, "");
  if (!/^\d*$/.test(path) || (path !== "" && Number(path) > 15)) {
    throw new Error(`--queue ${JSON.stringify(text)}: the path must be a database number 0–15 (redis://host:port/0), not /${path}`);
  }
  if (url.search !== "" || url.hash !== "") throw new Error(`--queue ${JSON.stringify(text)}: no query or fragment is accepted`);
  const options: RedisOptions = {
    host: url.hostname.replace(/^\[|\]$/g, ""),
    port,
    db: path === "" ? 0 : Number(path),
    ...(url.username !== "" ? { username: decodeURIComponent(url.username) } : {}),
    ...(url.password !== "" ? { password: decodeURIComponent(url.password) } : {}),
    ...(url.protocol === "rediss:" ? { tls: { servername: url.hostname } } : {}),
  };
  const credentials = url.password !== "" ? `${url.username}:***@` : url.username !== "" ? `${url.username}@` : "";
  return { display: `${url.protocol}//${credentials}${url.host}${path === "" ? "" : `/${path}`}`, options };
}
