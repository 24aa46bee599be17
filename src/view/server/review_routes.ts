/**
 * `GET /api/review` (a comparison's windows ranked by disagreement with their annotation under out-of-fold
 * predictions, docs/spec.md §14 Label review) and `GET /api/posterior` (one window's start × end heat-map
 * box, computed by running the predictions file's checkpoint on that window). Both compute through the
 * library — src/compare/label_disagreement.ts, and `predict` + `examplePosteriors` exactly as the bundle's
 * heat map — and keep the result in the parse cache while the files it came from are unchanged.
 */
import { existsSync, realpathSync } from "node:fs";
import { dirname, isAbsolute, relative, resolve } from "node:path";
import { predict } from "../../compare/evaluate.js";
import { examplePosteriors, windowLogPosterior } from "../../compare/example_posterior.js";
import { comparisonDataPath, labelDisagreement, readDisagreementBundle } from "../../compare/label_disagreement.js";
import { COMPARISON_FILE } from "../../compare/compare.js";
import { loadCheckpoint } from "../../model/checkpoint.js";
import { usesPositionFeature } from "../../predict/inference_defaults.js";
import { windowTensors } from "../../train/dataset.js";
import type { ViewReaders } from "./readers.js";
import { HttpError, isInside } from "./security.js";

type Query = URLSearchParams;

function param(query: Query, name: string): string {
  const value = query.get(name);
  if (value === null || value === "") throw new HttpError(400, `parameter ${name} is missing`);
  return value;
}

/** `GET /api/review?id=` (a comparison). */
export async function reviewRoute(query: Query, readers: ViewReaders): Promise<{ json: unknown }> {
  const entry = await readers.entry(param(query, "id"), ["comparison"]);
  const bundleDirectory = readers.path(entry);
  const comparisonPath = readers.path(entry, COMPARISON_FILE);
  const bundle = readDisagreementBundle(bundleDirectory);
  const resolved = comparisonDataPath(bundleDirectory, bundle.data.path);
  const dataEntry = readers.relatedEntry(entry, resolved, "windows");
  // Scoring reads the window file, and the ranking shows its ids, spans and labels: like every other read,
  // only of a file inside a served root (docs/spec.md §14 Security).
  if (!dataEntry) {
    throw new HttpError(
      403,
      `the comparison's window file ${bundle.data.path} is not inside a folder spanlab view serves; serve its folder too (spanlab view DIR …) to rank and edit its windows`,
    );
  }
  const dataPath = readers.path(dataEntry);
  if (!existsSync(dataPath)) throw new HttpError(404, `the comparison's window file ${bundle.data.path} is not found`);
  const data = { id: dataEntry.id, path: dataEntry.path, reason: null };
  // Keyed by comparison.json (a re-run rewrites it) and the window file (scores read its annotations).
  const result = await readers.cache.get(
    "review",
    [comparisonPath, dataPath],
    () => labelDisagreement(bundleDirectory, { dataPath }),
    (value) => 200 * (value.windows.length + value.unscored.length),
  );
  return {
    json: {
      comparison: { id: entry.id, path: entry.path },
      data,
      formula: result.formula,
      runs: result.runs,
      skipped: result.skipped,
      windows: result.windows,
      unscored: result.unscored,
    },
  };
}

/**
 * The comparisons found whose window file lies outside every served folder, with that file: their label
 * review is refused (403), so `spanlab view` names them at start with the folder to add.
 */
export async function comparisonsWithUnservedData(readers: ViewReaders): Promise<{ comparison: string; data: string }[]> {
  const snapshot = await readers.catalog.current();
  const unserved: { comparison: string; data: string }[] = [];
  for (const item of snapshot.items.filter((i) => i.kind === "comparison")) {
    try {
      const entry = await readers.entry(item.id, ["comparison"]);
      const bundleDirectory = readers.path(entry);
      const bundle = readDisagreementBundle(bundleDirectory);
      if (!readers.relatedEntry(entry, comparisonDataPath(bundleDirectory, bundle.data.path), "windows")) {
        unserved.push({ comparison: entry.path, data: comparisonDataPath(bundleDirectory, bundle.data.path) });
      }
    } catch {
      // A comparison that cannot be read says so on its own page.
    }
  }
  return unserved;
}

/** The recorded checkpoint's real path when it lies under a served root, else why not. */
function servedCheckpoint(readers: ViewReaders, predictionsFile: string, recorded: string): { path: string } | { reason: string } {
  const candidates = isAbsolute(recorded) ? [recorded] : [resolve(dirname(predictionsFile), recorded), resolve(recorded)];
  for (const candidate of candidates) {
    let real: string;
    try {
      real = realpathSync(candidate);
    } catch {
      continue;
    }
    if (readers.catalog.roots.some((root) => isInside(root, real))) return { path: real };
    return { reason: `the predictions' checkpoint ${recorded} lies outside the folders spanlab view serves` };
  }
  return { reason: `the predictions' checkpoint ${recorded} is not found` };
}

/** `GET /api/posterior?id=` (a predictions file) `&window=` (a window_id). */
export async function posteriorRoute(query: Query, readers: ViewReaders): Promise<{ json: unknown }> {
  const entry = await readers.entry(param(query, "id"), ["predictions"]);
  const windowId = param(query, "window");
  const predictionsPath = readers.path(entry);
  const { report } = await readers.predictions(entry);
  const checkpoint = servedCheckpoint(readers, predictionsPath, report.checkpoint);
  if ("reason" in checkpoint) throw new HttpError(404, checkpoint.reason);
  const windowsEntry = readers.relatedEntry(entry, entry.related?.data ?? report.data, "windows");
  if (windowsEntry === undefined) throw new HttpError(404, `the predictions' window file ${report.data} is not in the catalog`);
  const windows = await readers.windows(windowsEntry);
  const index = windows.findIndex((w) => w.window_id === windowId);
  if (index < 0) throw new HttpError(404, `no window ${JSON.stringify(windowId.slice(0, 200))} in ${windowsEntry.path}`);
  const window = windows[index]!;
  const windowsPath = readers.path(windowsEntry);
  return {
    json: await readers.cache.get(
      `posterior\0${windowId}`,
      [checkpoint.path, windowsPath],
      async () => {
        const { model } = loadCheckpoint(checkpoint.path, { maxBatch: 1 });
        // The features exactly as predict computes them for this checkpoint (with or without the position).
        const tensors = windowTensors([window], { position: usesPositionFeature(model) });
        const predictions = predict(model, tensors, [0]);
        const logPosterior = windowLogPosterior(predictions, 0);
        const truth = { start: window.expansion_start, end: window.expansion_end };
        const decoded = predictions.singleSpans[0]!;
        // The box as the bundle's heat map computes it, marking the true and the decoded span.
        const [posterior] = examplePosteriors([logPosterior], predictions.bars, [truth, decoded]);
        return {
          predictions: { id: entry.id, path: entry.path },
          window_id: window.window_id,
          index,
          loss_type: model.loss,
          checkpoint: relative(readers.catalog.roots.find((root) => isInside(root, checkpoint.path)) ?? "", checkpoint.path),
          bars: predictions.bars,
          truth,
          decoded,
          posterior,
        };
      },
      () => 8 * 1024,
    ),
  };
}
