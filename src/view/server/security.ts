/**
 * What keeps `spanlab view` from serving more than it should (docs/spec.md §14): loopback by default and a
 * random token otherwise, files only by catalog id and only when their real path lies inside a root, small
 * requests, JSON bodies only. Every refusal is an `HttpError` whose status and message the server sends as
 * `{ error }`.
 */
import { randomBytes, timingSafeEqual } from "node:crypto";
import { realpathSync } from "node:fs";
import type { IncomingMessage } from "node:http";
import { isAbsolute, relative, sep } from "node:path";

/** A refusal with its HTTP status; the message goes to the client as `{ error }`. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = "HttpError";
  }
}

/** Request bodies: 1 MiB (a review's edits take a few kB). */
export const MAX_BODY_BYTES = 1 << 20;
/** Request URLs, path and query: 8 KiB (every parameter is a 16-digit id or a number). */
export const MAX_URL_BYTES = 8 << 10;
/** An oversized body is read and dropped up to this much (so the client sees the 413), then the connection is cut. */
const MAX_DRAINED_BYTES = 16 << 20;

/** Whether `host` names this machine's loopback interface only (127.0.0.0/8, ::1, localhost). */
export function isLoopbackHost(host: string): boolean {
  const h = host
    .trim()
    .toLowerCase()
    .replace(/^\[|\]$/g, "");
  if (h === "localhost" || h === "::1" || h === "0:0:0:0:0:0:0:1") return true;
  const v4 = h.startsWith("::ffff:") ? h.slice(7) : h;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v4);
}

/** A new random token: 32 hex digits (128 bits). */
export function newToken(): string {
  return randomBytes(16).toString("hex");
}

/** The cookie that carries the token for the page's own requests (scripts, styles), set when a valid ?token= arrives. */
export function tokenCookieName(port: number): string {
  return `spanlab_view_${port}`;
}

function sameToken(given: string, token: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Checks the token of a request to a server bound beyond loopback: `?token=`, `Authorization: Bearer`, or
 * the cookie set from one of them. Returns whether it came in the query (so the server sets the cookie);
 * throws 403 naming what was missing or wrong, never the token.
 */
export function checkToken(request: IncomingMessage, url: URL, token: string, port: number): { fromQuery: boolean } {
  const query = url.searchParams.get("token");
  if (query !== null) {
    if (!sameToken(query, token)) throw new HttpError(403, "wrong token in ?token=; use the URL spanlab view printed");
    return { fromQuery: true };
  }
  const authorization = request.headers.authorization;
  if (authorization !== undefined) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (match === null || !sameToken(match[1]!, token))
      throw new HttpError(403, "wrong token in the Authorization header; expected Bearer <the printed token>");
    return { fromQuery: false };
  }
  const cookie = (request.headers.cookie ?? "")
    .split(";")
    .map((part) => part.trim().split("="))
    .find(([name]) => name === tokenCookieName(port));
  if (cookie !== undefined && sameToken(cookie[1] ?? "", token)) return { fromQuery: false };
  throw new HttpError(403, "this server needs its token: open the URL spanlab view printed (…?token=…) or send Authorization: Bearer <token>");
}

/** The host name of a Host header ("127.0.0.1:8080" → "127.0.0.1", "[::1]:80" → "::1"). */
function hostName(header: string): string {
  if (header.startsWith("[")) return header.slice(1, header.indexOf("]") > 0 ? header.indexOf("]") : undefined);
  const colon = header.lastIndexOf(":");
  return colon >= 0 ? header.slice(0, colon) : header;
}

/**
 * A loopback-bound server answers only requests addressed to a loopback name: a web page whose own host
 * name was re-pointed at 127.0.0.1 (DNS rebinding) sends its name in Host and is refused.
 */
export function checkHostHeader(request: IncomingMessage): void {
  const host = request.headers.host;
  if (host === undefined) return; // not a browser: rebinding needs one
  if (!isLoopbackHost(hostName(host))) {
    throw new HttpError(403, `Host ${JSON.stringify(host)} is not a loopback name; this server answers only http://127.0.0.1, localhost or [::1]`);
  }
}

/**
 * The one write must come from this server's own pages: a browser sends Origin (and Sec-Fetch-Site) with a
 * POST, and another site's must not be able to add annotations.
 */
export function checkSameOrigin(request: IncomingMessage): void {
  const site = request.headers["sec-fetch-site"];
  if (site !== undefined && site !== "same-origin" && site !== "none") throw new HttpError(403, `a ${site} request may not write (Sec-Fetch-Site)`);
  const origin = request.headers.origin;
  if (origin === undefined || origin === "null") {
    if (origin === "null") throw new HttpError(403, "a request with Origin null may not write");
    return;
  }
  let host: string;
  try {
    host = new URL(origin).host;
  } catch {
    throw new HttpError(403, `Origin ${JSON.stringify(origin)} is not a URL`);
  }
  if (host !== request.headers.host) throw new HttpError(403, `Origin ${JSON.stringify(origin)} is not this server (${request.headers.host ?? "no Host"})`);
}

/** The real path of a root folder (symlinks resolved once, at start). */
export function realRoot(root: string): string {
  return realpathSync(root);
}

/** Whether `path` (already a real path) is `root` or inside it. */
export function isInside(root: string, path: string): boolean {
  if (path === root) return true;
  const steps = relative(root, path);
  return steps !== "" && !steps.startsWith(`..${sep}`) && steps !== ".." && !isAbsolute(steps);
}

/**
 * The real path of `path`, which must lie inside the real `root`: a file swapped for a link out of the
 * roots after it was catalogued is refused (403), a file gone since is 404.
 */
export function containedRealPath(root: string, path: string): string {
  let real: string;
  try {
    real = realpathSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") throw new HttpError(404, `${relative(root, path) || "."} no longer exists under ${root}`);
    throw error;
  }
  if (!isInside(root, real)) throw new HttpError(403, `${relative(root, path)} resolves outside ${root}; spanlab view serves only files inside its folders`);
  return real;
}

/**
 * Refuses a query value that looks like a path: routes take catalog ids, never paths, so `..`, an absolute
 * path or a NUL byte in any parameter is an attempt to reach a file by name (already decoded once, so
 * `%2e%2e` arrives here as `..`).
 */
export function assertNotPath(name: string, value: string): void {
  const traversal = /(^|[\\/])\.\.([\\/]|$)/.test(value);
  const absolute = /^[\\/~]/.test(value) || /^[A-Za-z]:[\\/]/.test(value) || /^file:/i.test(value);
  if (traversal || absolute || value.includes("\0")) {
    throw new HttpError(400, `parameter ${name} = ${JSON.stringify(value.slice(0, 200))} looks like a path; routes take the ids GET /api/catalog lists`);
  }
}

/**
 * A JSON request body of at most {@link MAX_BODY_BYTES}: anything but `application/json` is 415, a longer
 * body 413 (read and dropped up to a bound, so the client gets the answer rather than a reset), bad JSON 400.
 */
export async function readJsonBody(request: IncomingMessage): Promise<unknown> {
  const type = (request.headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase();
  if (type !== "application/json") {
    drain(request);
    throw new HttpError(415, `the body must be application/json, got ${JSON.stringify(request.headers["content-type"] ?? "(no Content-Type)")}`);
  }
  const declared = Number(request.headers["content-length"] ?? Number.NaN);
  if (declared > MAX_BODY_BYTES) {
    drain(request);
    throw new HttpError(413, `the body is ${declared} bytes, over the ${MAX_BODY_BYTES}-byte limit`, { Connection: "close" });
  }
  // Events, not `for await`: leaving an async iterator early destroys the socket, and the client would see a
  // reset instead of the 413.
  const chunks: Buffer[] = await new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let length = 0;
    const onData = (chunk: Buffer) => {
      length += chunk.length;
      if (length <= MAX_BODY_BYTES) {
        parts.push(chunk);
        return;
      }
      request.off("data", onData);
      request.off("end", onEnd);
      drain(request, length);
      reject(new HttpError(413, `the body is over the ${MAX_BODY_BYTES}-byte limit`, { Connection: "close" }));
    };
    const onEnd = () => resolve(parts);
    request.on("data", onData);
    request.on("end", onEnd);
    request.on("error", reject);
  });
  const text = Buffer.concat(chunks).toString("utf8");
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new HttpError(400, `the body is not valid JSON (${(error as Error).message})`);
  }
}

/** Reads and drops the rest of a refused body, cutting the connection past a bound. */
function drain(request: IncomingMessage, already = 0): void {
  let dropped = already;
  request.on("data", (chunk: Buffer) => {
    dropped += chunk.length;
    if (dropped > MAX_DRAINED_BYTES) request.destroy();
  });
  request.resume();
}
