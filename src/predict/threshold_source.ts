/**
 * Where a scan's threshold comes from when no --threshold is given: the checkpoint's compare run, when the
 * checkpoint lies in a compare bundle (docs/spec.md §11), else the 0.5 default, with the reason.
 */
import { existsSync, realpathSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { DEFAULT_THRESHOLD } from "./inference_defaults.js";
import { z } from "zod";
import { readJsonFile } from "../util/read_file.js";
import type { SpanCalibration } from "./calibration.js";

/** Where a scan's threshold came from. */
export interface ThresholdSource {
  threshold: number;
  /** The compare run's minimum run length (the threshold was chosen with it), or null when not from a run. */
  minRunLength: number | null;
  /** In words, for the output file and the console. */
  source: string;
  /** True when the threshold was read from a comparison.json. */
  fromComparison: boolean;
}

interface ComparisonRunEntry {
  objective?: unknown;
  seed?: unknown;
  runDirectory?: unknown;
  evaluation?: { minRunLength?: unknown; thresholds?: { threshold?: unknown; source?: unknown }[]; spanPosterior?: { fitted?: unknown } };
}

function samePath(a: string, b: string): boolean {
  const real = (p: string) => (existsSync(p) ? realpathSync(p) : resolve(p));
  return real(a) === real(b);
}

/** The checkpoint's entry in the comparison.json of its compare bundle, or why there is none. */
function comparisonRun(checkpoint: string, loss?: string): { entry: ComparisonRunEntry; file: string; where: string } | { reason: string } {
  const runDirectory = dirname(resolve(checkpoint));
  const bundle = resolve(runDirectory, "..", "..");
  const file = join(bundle, "comparison.json");
  if (!existsSync(file)) return { reason: "no comparison.json two folders above the checkpoint, so it is not in a compare bundle" };
  let parsed: { runs?: unknown };
  try {
    parsed = readJsonFile(file, "comparison model", "the comparison.json spanlab compare writes") as { runs?: unknown };
  } catch (error) {
    return { reason: `${file} could not be read: ${(error as Error).message}` };
  }
  if (!Array.isArray(parsed.runs)) return { reason: `${file} has no runs list` };
  const entry = (parsed.runs as ComparisonRunEntry[]).find(
    (run) => typeof run?.runDirectory === "string" && samePath(resolve(bundle, run.runDirectory), runDirectory),
  );
  const where = relative(bundle, runDirectory) || ".";
  if (!entry) return { reason: `${file} lists no run in ${where}` };
  if (loss !== undefined && typeof entry.objective === "string" && entry.objective !== loss) {
    return { reason: `${file} says run ${where} is ${entry.objective}, but the checkpoint has the ${loss} head` };
  }
  return { entry, file, where };
}

/**
 * The threshold of the checkpoint's compare run, when the checkpoint lives in a compare bundle
 * (`<bundle>/runs/<objective>-seed<k>/{last,best}.safetensors`, with `<bundle>/comparison.json` listing
 * the run under `runs[].runDirectory`): that run's `evaluation.thresholds[0].threshold` — chosen by the
 * best pooled F1 on its TRAINING windows, on the same probabilities a scan thresholds (sigmoid / CRF
 * posterior marginals) — and the minimum run length it was chosen with. Otherwise 0.5, with the reason.
 */
export function comparisonThreshold(checkpoint: string, loss?: string): ThresholdSource {
  const fallback = (reason: string): ThresholdSource => ({
    threshold: DEFAULT_THRESHOLD,
    minRunLength: null,
    source: `default ${DEFAULT_THRESHOLD} (${reason})`,
    fromComparison: false,
  });
  const found = comparisonRun(checkpoint, loss);
  if ("reason" in found) return fallback(found.reason);
  const { entry, file, where } = found;
  const choice = entry.evaluation?.thresholds?.[0];
  const threshold = choice?.threshold;
  if (typeof threshold !== "number" || !(threshold >= 0 && threshold <= 1)) {
    return fallback(`${file}: run ${where} has no evaluation.thresholds[0].threshold in [0, 1]`);
  }
  const minRun = entry.evaluation?.minRunLength;
  return {
    threshold,
    minRunLength: typeof minRun === "number" && Number.isInteger(minRun) && minRun >= 1 ? minRun : null,
    source: `compare run ${where} in ${file} (chosen by best pooled F1 on that run's training windows)`,
    fromComparison: true,
  };
}

const isotonicSchema = z.object({
  starts: z.array(z.number()).min(1),
  values: z.array(z.number().min(0).max(1)).min(1),
  counts: z.array(z.number().int().positive()).min(1),
});
const calibrationSchema = z.object({
  windows: z.number().int().positive(),
  temperature: z.object({
    temperature: z.number().positive().finite(),
    negativeLogLikelihood: z.number(),
    negativeLogLikelihoodAtOne: z.number(),
    evaluations: z.number(),
  }),
  barMap: isotonicSchema,
  spanMap: isotonicSchema,
});

/** Where a prediction's calibration came from: the checkpoint's compare run, or nowhere (and why). */
export type CalibrationSource = { calibration: SpanCalibration; source: string } | { calibration: null; source: string };

/**
 * The calibration of the checkpoint's compare run (`evaluation.spanPosterior.fitted` in comparison.json:
 * fitted on that run's training windows, docs/spec.md §12), when the checkpoint lives in a compare bundle.
 */
export function comparisonCalibration(checkpoint: string, loss?: string): CalibrationSource {
  const found = comparisonRun(checkpoint, loss);
  if ("reason" in found) return { calibration: null, source: found.reason };
  const { entry, file, where } = found;
  const parsed = calibrationSchema.safeParse(entry.evaluation?.spanPosterior?.fitted);
  if (!parsed.success)
    return { calibration: null, source: `${file}: run ${where} has no calibration (evaluation.spanPosterior.fitted; written by compare since issue 14)` };
  const calibration = parsed.data;
  for (const map of [calibration.barMap, calibration.spanMap]) {
    if (map.starts.length !== map.values.length || map.starts.length !== map.counts.length) {
      return { calibration: null, source: `${file}: run ${where} has a calibration map whose lists differ in length` };
    }
  }
  return { calibration, source: `compare run ${where} in ${file} (fitted on that run's ${calibration.windows} training windows)` };
}
