/**
 * `GET /api/probabilities?id=&from=&count=`: a per-bar probabilities CSV (`predict --bars --probabilities
 * F.csv`, read by predict's own `readProbabilities`) as the SPPR buffer of src/view/shared/probabilities_binary.ts,
 * aligned to the bars file it was made on — the one its sidecar names (`- bars: <path>, N bars, …`), or the
 * `bars` parameter's. The bars file gives the length: a CSV naming a bar past its end is refused, since
 * then it was made on another file.
 */
import { encodeProbabilities } from "../shared/probabilities_binary.js";
import { readProbabilities } from "../../predict/detections_io.js";
import { barsRange } from "./bars_binary.js";
import type { RouteResult } from "./routes.js";
import type { ViewReaders } from "./readers.js";
import { HttpError } from "./security.js";

export async function probabilitiesRoute(query: URLSearchParams, readers: ViewReaders): Promise<RouteResult> {
  const id = query.get("id");
  if (id === null || id === "") throw new HttpError(400, "parameter id is missing");
  const entry = await readers.entry(id, ["probabilities"]);
  const barsId = query.get("bars");
  const barsEntry = barsId !== null ? await readers.entry(barsId, ["bars"], "bars") : readers.relatedEntry(entry, entry.related?.bars, "bars");
  if (barsEntry === undefined) {
    throw new HttpError(400, `${entry.path}: its sidecar names no bars file in the catalog; pass bars=<id> of the bars file it was made on`);
  }
  const series = await readers.bars(barsEntry);
  const total = series.timestamps.length;
  const path = readers.path(entry);
  const values = await readers.cache.get(
    "probabilities",
    [path, readers.path(barsEntry)],
    () => readProbabilities(path, total),
    (v) => 8 * total * (v.pLive === null ? 1 : 2),
  );
  const { from, count } = barsRange(total, query.get("from"), query.get("count"));
  return { body: Buffer.from(encodeProbabilities(values.p, values.pLive, from, count)), type: "application/octet-stream" };
}
