/**
 * The pages' files, served only from `build/view/` (the client's Vite build, docs/spec.md §14): a request
 * path is split and decoded segment by segment, `..` (plain or percent-encoded) is refused before any file
 * is looked up, and the file's real path must lie inside the assets folder, so a link in the build cannot
 * serve anything else either. A path without an extension that names no file is the app's own route and
 * gets index.html.
 */
import { existsSync, readFileSync, realpathSync, statSync } from "node:fs";
import { extname, join } from "node:path";
import { packageRoot } from "../../util/package.js";
import { HttpError, isInside } from "./security.js";

/** Where `npm run build` puts the client. */
export function defaultAssetsFolder(): string {
  return join(packageRoot(), "build", "view");
}

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".woff2": "font/woff2",
  ".txt": "text/plain; charset=utf-8",
  ".wasm": "application/wasm",
};

/**
 * The decoded segments of a raw request path (before any URL normalisation, which would silently resolve
 * `..`): 400 for a segment that is `.` or `..` once decoded, holds a separator or NUL, or does not decode.
 */
export function pathSegments(rawPath: string): string[] {
  if (!rawPath.startsWith("/")) throw new HttpError(400, `request path ${JSON.stringify(rawPath.slice(0, 200))} must start with /`);
  return rawPath
    .split("/")
    .slice(1)
    .map((segment) => {
      let decoded: string;
      try {
        decoded = decodeURIComponent(segment);
      } catch {
        throw new HttpError(400, `request path segment ${JSON.stringify(segment.slice(0, 200))} is not valid percent-encoding`);
      }
      if (decoded === "." || decoded === ".." || /[\\/\0]/.test(decoded)) {
        throw new HttpError(400, `request path ${JSON.stringify(rawPath.slice(0, 200))} leaves its folder (segment ${JSON.stringify(segment)}); refused`);
      }
      return decoded;
    });
}

/** The bytes and type of the asset `segments` name (index.html for `/` and for the app's routes). */
export function staticAsset(assets: string, segments: readonly string[]): { body: Buffer; type: string } {
  if (!existsSync(join(assets, "index.html"))) {
    throw new HttpError(500, `the web app is not built: ${assets} has no index.html; run npm run build (it builds the client into build/view/)`);
  }
  const root = realpathSync(assets);
  const parts = segments.filter((s) => s !== "");
  const last = parts.at(-1) ?? "";
  let candidate = parts.length === 0 ? join(root, "index.html") : join(root, ...parts);
  if (!existsSync(candidate) && extname(last) === "") candidate = join(root, "index.html");
  let real: string;
  try {
    real = realpathSync(candidate);
  } catch {
    throw new HttpError(404, `no file /${parts.join("/")} in the web app`);
  }
  if (!isInside(root, real)) throw new HttpError(403, `/${parts.join("/")} resolves outside the web app's folder; refused`);
  if (!statSync(real).isFile()) throw new HttpError(404, `no file /${parts.join("/")} in the web app`);
  return { body: readFileSync(real), type: TYPES[extname(real).toLowerCase()] ?? "application/octet-stream" };
}
