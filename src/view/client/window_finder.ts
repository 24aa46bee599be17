/**
 * Which window of a window file covers a span of bars, for "click a detection → its window". The listing
 * route (`GET /api/window?id=` without `window`) gives ids and spans but not times, so the finder reads
 * each window's timestamps once (`GET /api/window?id=&window=`, six at a time) and keeps their first and
 * last time. Files of more than {@link MAX_WINDOWS_SEARCHED} windows are not searched: that many requests
 * per click would be slow, and the page says so instead.
 */
import { type CatalogItem, getJson, mapLimit } from "./api.js";

export const MAX_WINDOWS_SEARCHED = 600;

export interface WindowListing {
  count: number;
  windows: { index: number; window_id: string; base_window_id: string; label: string; expansion_start: number; expansion_end: number }[];
  predictions: string[];
}

interface TimedWindow {
  file: CatalogItem;
  windowId: string;
  first: number;
  last: number;
}

const cache = new Map<string, Promise<TimedWindow[] | string>>();

/** The windows of a file with their time range (ms), or why they cannot be searched. */
function timedWindows(file: CatalogItem): Promise<TimedWindow[] | string> {
  let entry = cache.get(file.id);
  if (entry === undefined) {
    entry = (async () => {
      const listing = await getJson<WindowListing>("/api/window", { id: file.id });
      if (listing.count > MAX_WINDOWS_SEARCHED) return `${file.path} has ${listing.count} windows, more than the ${MAX_WINDOWS_SEARCHED} this page searches`;
      const out = await mapLimit(listing.windows, 6, async (w) => {
        const window = await getJson<{ timestamps: string[] | null }>("/api/window", { id: file.id, window: w.window_id });
        if (window.timestamps === null || window.timestamps.length === 0) return null;
        return { file, windowId: w.window_id, first: Date.parse(window.timestamps[0]!), last: Date.parse(window.timestamps.at(-1)!) };
      });
      return out.filter((w): w is TimedWindow => w !== null);
    })();
    cache.set(file.id, entry);
  }
  return entry;
}

/**
 * The window holding all of [startMs, endMs] whose centre is nearest the span's centre, searched in the
 * given files in order; or the reasons none was found.
 */
export async function coveringWindow(
  files: readonly CatalogItem[],
  startMs: number,
  endMs: number,
): Promise<{ file: CatalogItem; windowId: string } | { reasons: string[] }> {
  const reasons: string[] = [];
  const centre = (startMs + endMs) / 2;
  for (const file of files) {
    const windows = await timedWindows(file);
    if (typeof windows === "string") {
      reasons.push(windows);
      continue;
    }
    let best: TimedWindow | null = null;
    for (const w of windows) {
      if (w.first > startMs || w.last < endMs) continue;
      if (best === null || Math.abs((w.first + w.last) / 2 - centre) < Math.abs((best.first + best.last) / 2 - centre)) best = w;
    }
    if (best !== null) return { file: best.file, windowId: best.windowId };
    reasons.push(`no window of ${file.path} holds all of it`);
  }
  if (files.length === 0) reasons.push("no window file lies beside these bars");
  return { reasons };
}
