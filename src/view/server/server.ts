/**
 * `spanlab view`'s HTTP server (docs/spec.md §14), on node:http: the API routes (routes.ts) under `/api/`,
 * the pages' files from `build/view/` (static.ts) for everything else. Each request passes the checks of
 * security.ts in order — URL length, Host (loopback servers), the token (servers bound beyond loopback),
 * the raw path — before any route sees it; every refusal and failure is JSON `{ error }` with its status.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { dirname } from "node:path";
import { Catalog } from "./catalog.js";
import { ViewReaders } from "./readers.js";
import { comparisonsWithUnservedData } from "./review_routes.js";
import { type RouteResult, routeApi } from "./routes.js";
import { HttpError, MAX_URL_BYTES, checkHostHeader, checkToken, isLoopbackHost, newToken, tokenCookieName } from "./security.js";
import { defaultAssetsFolder, pathSegments, staticAsset } from "./static.js";

export interface ViewServerOptions {
  /** Folders to serve (each must exist). */
  roots: readonly string[];
  /** 0 picks a free port. */
  port?: number;
  /** Default 127.0.0.1; anything but a loopback address makes every request carry the token. */
  host?: string;
  /** The client's build (default build/view/ of the package). */
  assets?: string;
  /** Bound of the parsed-file cache, in estimated bytes. */
  cacheBytes?: number;
  /** Where failures (500s) are reported beside the answer (default: nowhere). */
  log?: (message: string) => void;
}

export interface ViewServer {
  /** http://host:port/ (without the token). */
  url: string;
  /** The token every request must carry, or null on loopback. */
  token: string | null;
  port: number;
  host: string;
  /** The roots as served: real paths, nested ones folded into the outer. */
  roots: string[];
  close(): Promise<void>;
}

const COMMON_HEADERS = {
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "no-referrer",
  "X-Frame-Options": "DENY",
  "Cross-Origin-Resource-Policy": "same-origin",
};

function send(response: ServerResponse, head: boolean, status: number, type: string, body: Buffer, extra: Record<string, string> = {}): void {
  response.writeHead(status, { ...COMMON_HEADERS, "Content-Type": type, "Content-Length": String(body.length), ...extra });
  response.end(head ? undefined : body);
}

function sendResult(response: ServerResponse, head: boolean, result: RouteResult, extra: Record<string, string>): void {
  const headers = { "Cache-Control": "no-store", ...extra };
  if ("json" in result) send(response, head, result.status ?? 200, "application/json; charset=utf-8", Buffer.from(JSON.stringify(result.json)), headers);
  else send(response, head, result.status ?? 200, result.type, result.body, headers);
}

function sendError(response: ServerResponse, error: unknown, log: ((message: string) => void) | undefined): void {
  const known = error instanceof HttpError;
  const status = known ? error.status : 500;
  const message = error instanceof Error ? error.message : String(error);
  if (!known) log?.(`500: ${message}`);
  if (response.headersSent) {
    response.destroy();
    return;
  }
  send(response, false, status, "application/json; charset=utf-8", Buffer.from(JSON.stringify({ error: message })), {
    "Cache-Control": "no-store",
    ...(known ? error.headers : {}),
  });
}

/** `http://host:port/`, bracketing an IPv6 address. */
function baseUrl(host: string, port: number): string {
  return `http://${host.includes(":") ? `[${host}]` : host}:${port}/`;
}

/** Starts the server; resolves once it listens (rejects naming the host and port when it cannot). */
export async function startViewServer(options: ViewServerOptions): Promise<ViewServer> {
  const host = options.host ?? "127.0.0.1";
  const loopback = isLoopbackHost(host);
  const token = loopback ? null : newToken();
  const catalog = new Catalog(options.roots.length > 0 ? options.roots : ["."]);
  const readers = new ViewReaders(catalog, options.cacheBytes);
  const assets = options.assets ?? defaultAssetsFolder();
  let port = options.port ?? 0;

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const method = request.method ?? "GET";
    const head = method === "HEAD";
    try {
      const raw = request.url ?? "/";
      if (Buffer.byteLength(raw) > MAX_URL_BYTES) throw new HttpError(414, `the URL is ${Buffer.byteLength(raw)} bytes, over the ${MAX_URL_BYTES}-byte limit`);
      if (loopback) checkHostHeader(request);
      let url: URL;
      try {
        url = new URL(raw, "http://spanlab-view.invalid");
      } catch {
        throw new HttpError(400, `the URL ${JSON.stringify(raw.slice(0, 200))} does not parse`);
      }
      const extra: Record<string, string> = {};
      // The token before anything else: a client without it learns nothing about paths or routes.
      if (token !== null && checkToken(request, url, token, port).fromQuery) {
        // The page's own requests (scripts, styles, fetches without the header) carry it from here on.
        extra["Set-Cookie"] = `${tokenCookieName(port)}=${token}; HttpOnly; SameSite=Strict; Path=/`;
      }
      // The raw path, not url.pathname: URL parsing would already have resolved a `..` away.
      const segments = pathSegments(raw.split("?")[0]!);
      if (url.pathname.startsWith("/api/")) {
        sendResult(response, head, await routeApi(method, url.pathname, url, request, readers), extra);
        return;
      }
      if (method !== "GET" && method !== "HEAD")
        throw new HttpError(405, `${method} is not allowed on ${url.pathname}; the pages are GET only`, { Allow: "GET, HEAD" });
      const asset = staticAsset(assets, segments);
      send(response, head, 200, asset.type, asset.body, { "Cache-Control": "no-cache", ...extra });
    } catch (error) {
      sendError(response, error, options.log);
    }
  };

  const server = createServer((request, response) => {
    void handle(request, response);
  });
  await new Promise<void>((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      const why =
        error.code === "EADDRINUSE" ? "is in use; pass another --port" : error.code === "EADDRNOTAVAIL" ? "is not an address of this machine" : error.message;
      reject(new Error(`cannot listen on ${host}:${port}: ${error.code === "EADDRNOTAVAIL" ? `${host} ${why}` : why}`));
    };
    server.once("error", onError);
    server.listen(port, host, () => {
      server.off("error", onError);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;
  // In the background: the first walk of the folders (so the first page finds it done), and a word about
  // comparisons whose window file is not served, whose label review would otherwise only say 403.
  void comparisonsWithUnservedData(readers).then(
    (unserved) => {
      const byData = new Map<string, string[]>();
      for (const { comparison, data } of unserved) byData.set(data, [...(byData.get(data) ?? []), comparison]);
      for (const [data, comparisons] of byData) {
        const which =
          comparisons.length === 1
            ? comparisons[0]
            : `${comparisons.length} comparisons (${comparisons.slice(0, 3).join(", ")}${comparisons.length > 3 ? ", …" : ""})`;
        options.log?.(`${which} trained on ${data}, outside the folders served: add ${dirname(data)} to review their labels`);
      }
    },
    () => {},
  );
  return {
    url: baseUrl(host, port),
    token,
    port,
    host,
    roots: catalog.roots,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
