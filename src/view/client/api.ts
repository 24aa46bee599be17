/**
 * Requests to the view server (docs/spec.md §14). Every route takes catalog ids, never paths. When the
 * server was started on a non-loopback host it printed a URL carrying `?token=`; the token is read from the
 * page's own URL once and sent on every request as `Authorization: Bearer`, so it never has to appear in
 * the hash routes the pages link to.
 */

/** One discovered item: the kinds of §14's discovery. */
export type ItemKind = "run" | "comparison" | "sweep" | "windows" | "bars" | "detections" | "annotations" | "predictions" | "probabilities";

export interface CatalogItem {
  kind: ItemKind;
  id: string;
  /** Relative to its root, "/"-separated. */
  path: string;
  root: string;
  /** File size in bytes (files only), as the catalog reports it. */
  bytes?: number;
}

/** A failed request: the status and the server's `{ error }` message. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const token = new URLSearchParams(location.search).get("token");

function url(route: string, params: Record<string, string | number | undefined>): string {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== undefined) query.set(key, String(value));
  const text = query.toString();
  return `${route}${text ? `?${text}` : ""}`;
}

function headers(extra: Record<string, string> = {}): Record<string, string> {
  return token === null ? extra : { ...extra, authorization: `Bearer ${token}` };
}

async function failure(response: Response): Promise<ApiError> {
  let message = `${response.status} ${response.statusText}`;
  try {
    const body = (await response.json()) as { error?: unknown };
    if (typeof body.error === "string") message = body.error;
  } catch {
    // Not JSON: the status line is all there is.
  }
  return new ApiError(response.status, message);
}

export async function getJson<T>(route: string, params: Record<string, string | number | undefined> = {}): Promise<T> {
  const response = await fetch(url(route, params), { headers: headers() });
  if (!response.ok) throw await failure(response);
  return (await response.json()) as T;
}

export async function getBinary(route: string, params: Record<string, string | number | undefined>): Promise<ArrayBuffer> {
  const response = await fetch(url(route, params), { headers: headers() });
  if (!response.ok) throw await failure(response);
  return await response.arrayBuffer();
}

export async function postJson<T>(route: string, params: Record<string, string | number | undefined>, body: unknown): Promise<T> {
  const response = await fetch(url(route, params), {
    method: "POST",
    headers: headers({ "content-type": "application/json" }),
    body: JSON.stringify(body),
  });
  if (!response.ok) throw await failure(response);
  return (await response.json()) as T;
}

/** `GET /api/catalog`: the items, and whether the walk stopped at its entry limit before seeing everything. */
export interface Catalog {
  roots: string[];
  items: CatalogItem[];
  entries: number;
  truncated: boolean;
  limit: number;
}

let catalog: Promise<Catalog> | null = null;

/** The catalog, fetched once per page load and shared by the pages (label review's save refetches it). */
export function getCatalogInfo(): Promise<Catalog> {
  catalog ??= getJson<Catalog>("/api/catalog");
  return catalog;
}

export async function getCatalog(): Promise<CatalogItem[]> {
  return (await getCatalogInfo()).items;
}

/** Forgets the catalog, so the next page lists files written since (label review's new files). */
export function invalidateCatalog(): void {
  catalog = null;
}

/** The folder an item lies in ("" at a root). */
export function folderOf(item: CatalogItem): string {
  const slash = item.path.lastIndexOf("/");
  return slash < 0 ? "" : item.path.slice(0, slash);
}

/** `fn` over `items` with at most `limit` requests in flight (a browser opens ~6 per host anyway). */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
