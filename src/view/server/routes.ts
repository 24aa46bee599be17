/**
 * The API of docs/spec.md §14: the GET routes (catalog, run, comparison, sweep, diff, bars, detections,
 * annotations, window) and the one POST (label review's write). Every route takes catalog ids, never
 * paths; every file is read through src/view/server/readers.ts. `GET /api/review` and `GET /api/posterior`
 * are in review_routes.ts.
 */
import type { IncomingMessage } from "node:http";
import { configDiff } from "../../compare/config_diff.js";
import { windowSpans } from "../../data/window.js";
import { barsRange, encodeBarSeries } from "./bars_binary.js";
import { publicItem } from "./catalog.js";
import { MAX_CATALOG_ENTRIES } from "./catalog.js";
import { parseEdits, writeReview } from "./label_review.js";
import { posteriorRoute, reviewRoute } from "./review_routes.js";
import { probabilitiesRoute } from "./probabilities.js";
import type { ViewReaders } from "./readers.js";
import { HttpError, assertNotPath, checkSameOrigin, readJsonBody } from "./security.js";

/** What a route answers: JSON, or bytes of a content type. */
export type RouteResult = { status?: number; json: unknown } | { status?: number; body: Buffer; type: string };

type Handler = (query: URLSearchParams, readers: ViewReaders, request: IncomingMessage) => Promise<RouteResult>;

/** A required parameter. */
function param(query: URLSearchParams, name: string): string {
  const value = query.get(name);
  if (value === null || value === "") throw new HttpError(400, `parameter ${name} is missing`);
  return value;
}

const GET: Record<string, Handler> = {
  "/api/catalog": async (_query, readers) => {
    const snapshot = await readers.catalog.refresh();
    return {
      json: {
        roots: snapshot.roots,
        items: snapshot.items.map(publicItem),
        entries: snapshot.entries,
        truncated: snapshot.truncated,
        limit: MAX_CATALOG_ENTRIES,
      },
    };
  },

  "/api/run": async (query, readers) => ({ json: await readers.run(await readers.entry(param(query, "id"), ["run"])) }),

  "/api/comparison": async (query, readers) => ({ json: await readers.comparison(await readers.entry(param(query, "id"), ["comparison"])) }),

  "/api/sweep": async (query, readers) => ({ json: await readers.sweep(await readers.entry(param(query, "id"), ["sweep"])) }),

  "/api/diff": async (query, readers) => {
    const a = await readers.entry(param(query, "a"), ["run", "comparison"], "a");
    const b = await readers.entry(param(query, "b"), ["run", "comparison"], "b");
    if (a.kind !== b.kind) throw new HttpError(400, `a is a ${a.kind} and b a ${b.kind}: compare two runs or two comparisons`);
    const diff = configDiff(readers.path(a), readers.path(b));
    // The client knows items by their catalog paths; the absolute paths stay on the server.
    return { json: { ...diff, a: a.path, b: b.path } };
  },

  "/api/bars": async (query, readers) => {
    const series = await readers.bars(await readers.entry(param(query, "id"), ["bars"]));
    const { from, count } = barsRange(series.timestamps.length, query.get("from"), query.get("count"));
    return { body: encodeBarSeries(series, from, count), type: "application/octet-stream" };
  },

  "/api/probabilities": probabilitiesRoute,

  "/api/detections": async (query, readers) => {
    const entry = await readers.entry(param(query, "id"), ["detections"]);
    const rows = await readers.detections(entry);
    const bars = readers.relatedEntry(entry, entry.related?.bars, "bars");
    return { json: { ...rows, bars: bars?.id ?? null } };
  },

  "/api/annotations": async (query, readers) => {
    const entry = await readers.entry(param(query, "id"), ["annotations", "windows"]);
    const { source, events, convention, annotations } = await readers.events(entry);
    return {
      json: {
        source,
        events,
        convention,
        ...(annotations !== undefined ? { mapping: annotations.mapping, timezone: annotations.timezone } : {}),
      },
    };
  },

  "/api/window": async (query, readers) => {
    const entry = await readers.entry(param(query, "id"), ["windows"]);
    const windows = await readers.windows(entry);
    const wanted = query.get("window");
    if (wanted === null) {
      // No window named: the file's windows, for a list to pick from.
      return {
        json: {
          count: windows.length,
          windows: windows.map((w, index) => ({
            index,
            window_id: w.window_id,
            base_window_id: w.base_window_id,
            label: w.label,
            expansion_start: w.expansion_start,
            expansion_end: w.expansion_end,
            // The first and last bar times, so a list can place windows on a time axis without fetching each.
            first_time: w.timestamps?.[0] ?? null,
            last_time: w.timestamps?.at(-1) ?? null,
          })),
          predictions: readers.predictionsBeside(entry).map((p) => p.id),
        },
      };
    }
    const index = windows.findIndex((w) => w.window_id === wanted);
    if (index < 0) throw new HttpError(404, `no window ${JSON.stringify(wanted.slice(0, 200))} in ${entry.path}`);
    const window = windows[index]!;
    const given = query.get("predictions");
    const sources = given === null ? readers.predictionsBeside(entry) : [await readers.entry(given, ["predictions"], "predictions")];
    const predictions = [];
    for (const source of sources) {
      const { report, byWindow } = await readers.predictions(source);
      const prediction = byWindow.get(window.window_id);
      if (prediction === undefined) {
        if (given !== null) throw new HttpError(400, `${source.path} holds no prediction of window ${window.window_id}`);
        continue;
      }
      const { window_id: _id, label: _label, true_span: _span, true_spans: _spans, timestamps: _times, ...fields } = prediction;
      predictions.push({ id: source.id, path: source.path, loss_type: report.loss_type, checkpoint: report.checkpoint, ...fields });
    }
    return {
      json: {
        index,
        count: windows.length,
        window_id: window.window_id,
        base_window_id: window.base_window_id,
        label: window.label,
        expansion_start: window.expansion_start,
        expansion_end: window.expansion_end,
        spans: windowSpans(window).map((s) => [s.start, s.end]),
        bars: window.features,
        volume: window.volume ?? null,
        timestamps: window.timestamps ?? null,
        predictions,
      },
    };
  },

  "/api/review": reviewRoute,

  "/api/posterior": posteriorRoute,
};

const POST: Record<string, Handler> = {
  "/api/annotations": async (query, readers, request) => {
    checkSameOrigin(request);
    // The body first: its size and form are refused whatever the id.
    const body = await readJsonBody(request);
    const entry = await readers.entry(param(query, "id"), ["annotations", "windows"]);
    const edits = parseEdits(body);
    const source = await readers.events(entry);
    const written = writeReview(entry, readers.path(entry), source, edits);
    await readers.catalog.refresh();
    return { status: 201, json: written };
  },
};

/** Routes §14 names that are not built yet: 404 saying so, rather than "no such route". */
const NOT_YET = new Set<string>([]);

/** Answers one API request (path below /api/); throws `HttpError` for every refusal. */
export async function routeApi(method: string, pathname: string, url: URL, request: IncomingMessage, readers: ViewReaders): Promise<RouteResult> {
  if (NOT_YET.has(pathname)) throw new HttpError(404, `${pathname} is not built yet`);
  const get = GET[pathname];
  const post = POST[pathname];
  if (get === undefined && post === undefined) throw new HttpError(404, `no route ${pathname}`);
  for (const [name, value] of url.searchParams) if (name !== "token") assertNotPath(name, value);
  if ((method === "GET" || method === "HEAD") && get !== undefined) return get(url.searchParams, readers, request);
  if (method === "POST" && post !== undefined) return post(url.searchParams, readers, request);
  const allow = [...(get !== undefined ? ["GET", "HEAD"] : []), ...(post !== undefined ? ["POST"] : [])].join(", ");
  throw new HttpError(405, `${method} is not allowed on ${pathname}; use ${allow}`, { Allow: allow });
}
