/**
 * Label review's ranking (docs/spec.md §14 Label review): every window of a comparison's data scored
 * against its own annotation by OUT-OF-FOLD predictions only. A run is trained on its seed's training
 * windows, so its predictions on those windows have seen the annotation and would agree with it whatever
 * it says; only a run for which the window was a VALIDATION window may score it. The split is the one
 * compare made (`runSplit` + `splitSettings`, the same calls as src/compare/run_evaluations.ts), so
 * "validation" here means exactly what it meant when the run was evaluated.
 *
 * Per window, over the runs R that validated it (|R| = `runs.length`):
 *   pSpan  = mean_{r∈R} P_r(IoU(Y, A) ≥ ½), Y ~ the run's exact span posterior at T = 1 (§12), A the
 *            annotated (primary) span;
 *   pLabel = mean_{r∈R} softmax(classLogits_r)[annotated label];
 *   spanScore  = 1 − pSpan   (how strongly the models say the span is elsewhere),
 *   labelScore = 1 − pLabel  (how strongly they say the class is another).
 * Windows are ranked by spanScore, then labelScore (both descending), then by index, so the order is a
 * total one and the same input gives the same JSON. A window no run validated is `unscored`: scoring it
 * with a run that trained on it would be the in-sample agreement this module exists to avoid.
 */
import { existsSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";
import { loadWindows } from "../data/load.js";
import type { Label, Window } from "../data/window.js";
import { loadCheckpoint } from "../model/checkpoint.js";
import { probabilityIoUAtLeast } from "../model/span_posterior_summary.js";
import { windowTensors, type WindowTensors } from "../train/dataset.js";
import { RUN_FILES, runSplit } from "../train/train.js";
import { readJsonFile } from "../util/read_file.js";
import { predict } from "./evaluate.js";
import { windowLogPosterior } from "./example_posterior.js";
import { splitSettings } from "./run_split.js";
import type { ComparisonProtocol } from "./types.js";

/** The fields of comparison.json this module reads (a bundle written by any version of compare has them). */
export interface DisagreementBundle {
  protocol: ComparisonProtocol;
  data: { path: string };
  runs: { objective: string; seed: number; runDirectory: string; trained?: { position?: boolean } }[];
}

export interface ScoredWindow {
  window_id: string;
  index: number;
  label: Label;
  span: [start: number, end: number];
  /** The runs that validated the window, as `objective/seed`, in comparison.json's order. */
  runs: string[];
  pSpan: number;
  pLabel: number;
  spanScore: number;
  labelScore: number;
}

export interface UnscoredWindow {
  window_id: string;
  index: number;
  label: Label;
  span: [start: number, end: number];
}

export interface LabelDisagreement {
  /** The window file scored, as resolved. */
  data: string;
  /** Runs whose checkpoint scored windows, and runs skipped with the reason (a missing checkpoint). */
  runs: { run: string; directory: string; validationWindows: number }[];
  skipped: { run: string; reason: string }[];
  /** Ranked: highest spanScore first, then labelScore. */
  windows: ScoredWindow[];
  unscored: UnscoredWindow[];
  formula: string;
}

/** The ranking rule in words, carried in the result so a reader of the JSON need not find this file. */
export const DISAGREEMENT_FORMULA =
  "spanScore = 1 − mean over validating runs of P(IoU(Y, annotated span) ≥ ½) under the exact span posterior (T = 1); " +
  "labelScore = 1 − mean over validating runs of softmax(class logits)[annotated label]; ranked by spanScore, then labelScore (descending), then window index";

/** The comparison.json's window file: absolute as recorded, else beside the bundle, else from the working folder. */
export function comparisonDataPath(bundleDirectory: string, recorded: string): string {
  if (isAbsolute(recorded)) return recorded;
  const candidates = [resolve(bundleDirectory, recorded), resolve(recorded)];
  return candidates.find((path) => existsSync(path)) ?? candidates[0]!;
}

/** Reads the bundle's comparison.json (only the fields above; see {@link DisagreementBundle}). */
export function readDisagreementBundle(bundleDirectory: string): DisagreementBundle {
  const model = readJsonFile(
    join(bundleDirectory, "comparison.json"),
    "comparison model",
    "the comparison.json spanlab compare writes",
  ) as Partial<DisagreementBundle>;
  if (!model.protocol || !model.data || typeof model.data.path !== "string" || !Array.isArray(model.runs)) {
    throw new Error(`${bundleDirectory}/comparison.json: needs protocol, data.path and runs (a bundle spanlab compare wrote)`);
  }
  return model as DisagreementBundle;
}

/**
 * Scores every window of the bundle's data by the runs that validated it. `dataPath` overrides where the
 * window file is read from (the view server passes the one it resolved inside its roots).
 */
export async function labelDisagreement(bundleDirectory: string, options: { dataPath?: string } = {}): Promise<LabelDisagreement> {
  const bundle = readDisagreementBundle(bundleDirectory);
  const data = options.dataPath ?? comparisonDataPath(bundleDirectory, bundle.data.path);
  const windows = await loadWindows(data);
  return scoreWindows(bundleDirectory, bundle, windows, data);
}

interface Accumulator {
  runs: string[];
  pSpan: number;
  pLabel: number;
}

/** The scoring itself, on windows already read (the tests hand it windows they built). */
export function scoreWindows(bundleDirectory: string, bundle: DisagreementBundle, windows: readonly Window[], data: string): LabelDisagreement {
  const { protocol } = bundle;
  const tensors = new Map<boolean, WindowTensors>();
  const tensorsFor = (position: boolean): WindowTensors => {
    let t = tensors.get(position);
    if (!t) {
      t = windowTensors(windows, { position });
      tensors.set(position, t);
    }
    return t;
  };
  const sums: (Accumulator | null)[] = windows.map(() => null);
  const used: LabelDisagreement["runs"] = [];
  const skipped: LabelDisagreement["skipped"] = [];
  for (const run of bundle.runs) {
    const name = `${run.objective}/${run.seed}`;
    const directory = resolve(bundleDirectory, run.runDirectory);
    const checkpoint = join(directory, RUN_FILES.last);
    if (!existsSync(checkpoint)) {
      skipped.push({ run: name, reason: `${checkpoint} is missing` });
      continue;
    }
    // The `data` argument only names the file in runSplit's messages; the split depends on the windows and seed.
    const split = runSplit(windows, splitSettings(protocol, data, run.seed));
    const { model } = loadCheckpoint(checkpoint, { maxBatch: protocol.batchSize });
    const inputs = tensorsFor(run.trained?.position ?? protocol.position ?? false);
    const predictions = predict(model, inputs, split.validation);
    const classes = predictions.classLogits.length / split.validation.length;
    split.validation.forEach((windowIndex, position) => {
      const window = windows[windowIndex]!;
      const logPosterior = windowLogPosterior(predictions, position);
      const pSpan = probabilityIoUAtLeast(logPosterior, predictions.bars, { start: window.expansion_start, end: window.expansion_end });
      const pLabel = softmaxAt(predictions.classLogits.subarray(position * classes, (position + 1) * classes), predictions.labels[position]!);
      const sum = sums[windowIndex] ?? { runs: [], pSpan: 0, pLabel: 0 };
      sum.runs.push(name);
      sum.pSpan += pSpan;
      sum.pLabel += pLabel;
      sums[windowIndex] = sum;
    });
    used.push({ run: name, directory: run.runDirectory, validationWindows: split.validation.length });
  }
  const scored: ScoredWindow[] = [];
  const unscored: UnscoredWindow[] = [];
  windows.forEach((window, index) => {
    const base = { window_id: window.window_id, index, label: window.label, span: [window.expansion_start, window.expansion_end] as [number, number] };
    const sum = sums[index];
    if (sum === null || sum === undefined) {
      unscored.push(base);
      return;
    }
    const pSpan = sum.pSpan / sum.runs.length;
    const pLabel = sum.pLabel / sum.runs.length;
    scored.push({ ...base, runs: sum.runs, pSpan, pLabel, spanScore: 1 - pSpan, labelScore: 1 - pLabel });
  });
  scored.sort((a, b) => b.spanScore - a.spanScore || b.labelScore - a.labelScore || a.index - b.index);
  return { data, runs: used, skipped, windows: scored, unscored, formula: DISAGREEMENT_FORMULA };
}

/** softmax(logits)[k], with the maximum subtracted first so large logits do not overflow. */
export function softmaxAt(logits: ArrayLike<number>, k: number): number {
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < logits.length; i++) max = Math.max(max, logits[i]!);
  let total = 0;
  for (let i = 0; i < logits.length; i++) total += Math.exp(logits[i]! - max);
  return Math.exp(logits[k]! - max) / total;
}
