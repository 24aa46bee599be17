/**
 * `compare --tune` end to end on a small synthetic file: a continued run is the same computation as a
 * longer run; perturbing a fold's outer validation windows changes none of that fold's selection scores
 * (the proof that no outer validation window reaches a selection decision), while perturbing its inner
 * validation windows does; and a tuned comparison trains, retrains, writes its tuning section and resumes.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { loadWindowsReport, writeWindows } from "../data/load.js";
import { DEFAULT_SYNTH_PARAMS, synthesizeWindows } from "../data/synth.js";
import type { Window } from "../data/window.js";
import { createHash } from "node:crypto";
import { parseMetrics } from "../train/records.js";
import { readSafetensorsFile } from "../model/safetensors.js";
import { RUN_FILES, resume, train, type RunManifest } from "../train/train.js";
import { Rng } from "../util/rng.js";
import { resolveProtocol, type StoredCompareConfig } from "./compare.js";
import { chosenSettings, continueRun, resumeAnyComparison, searchFolds, tuneCompare } from "./tune.js";
import { tunePlan } from "./tune_plan.js";
import type { SearchSpace, TunePoint } from "./tune_types.js";

let dir: string;
let data: string;
let windows: Window[];
const space: SearchSpace = { epochs: [2, 3], learningRate: [1e-2, 3e-2], position: [false, true], posWeight: ["balanced", "balanced*2"] };
const small = { batchSize: 8, workers: 2, bootstrapResamples: 100 } as const;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "spanlab-tune-"));
  data = join(dir, "windows.parquet");
  windows = synthesizeWindows({ ...DEFAULT_SYNTH_PARAMS, windows: 14 }, new Rng(5));
  writeWindows(data, windows);
});

describe("continuing a run", () => {
  it("trains on from its last epoch exactly as a run of that many epochs", async () => {
    const config = { loss: "crf", data, epochs: 2, batchSize: 8, seed: 7 } as const;
    const short = await train(config, { runDirectory: join(dir, "short") });
    continueRun(short.runDirectory, join(dir, "continued"), 3);
    await resume(join(dir, "continued"));
    await train({ ...config, epochs: 3 }, { runDirectory: join(dir, "long") });
    const weights = (run: string) => readFileSync(join(dir, run, RUN_FILES.last));
    expect(weights("continued").equals(weights("long"))).toBe(true);
    // The shorter run is untouched, and no temporary copy is left behind.
    expect(
      readFileSync(join(dir, "short", RUN_FILES.metrics), "utf8")
        .trim()
        .split("\n"),
    ).toHaveLength(2);
    expect(readdirSync(dir).filter((name) => name.includes(".partial"))).toEqual([]);
  });
});

/** The plan and stored config of a 2-fold search over `file`. */
function storedFor(file: string, fileWindows: readonly Window[]): StoredCompareConfig {
  const base = resolveProtocol({ ...small, data: file, seeds: 2, sensitivity: "none" });
  const tune = tunePlan(fileWindows, base, { outerFolds: 2, budget: 2, halving: 2, space });
  return { spanlab_version: "test", data: file, data_sha256: "", protocol: { ...base, tune } };
}

/** A copy of the windows whose `ids` have other bars, other spans and the other label. */
function perturbed(ids: ReadonlySet<string>): Window[] {
  return windows.map((w) => {
    if (!ids.has(w.window_id)) return w;
    const bars = w.features.map(([o, h, l, c]) => [2 * c - o, h * 1.01, l * 0.99, 2 * o - c] as [number, number, number, number]);
    const features = bars.map(([o, h, l, c]) => [o, Math.max(h, o, c), Math.min(l, o, c), c] as [number, number, number, number]);
    return { ...w, features, label: w.label === "consolidation" ? "retracement" : "consolidation", expansion_start: 3, expansion_end: 20 };
  });
}

/** A hash of a checkpoint's tensors (its metadata holds the validation loss, which is compared apart). */
function weightsHash(path: string): string {
  const hash = createHash("sha256");
  for (const [name, tensor] of [...readSafetensorsFile(path).tensors].sort(([a], [b]) => a.localeCompare(b))) {
    hash.update(name);
    hash.update(new Uint8Array(tensor.data.buffer, tensor.data.byteOffset, tensor.data.byteLength));
  }
  return hash.digest("hex");
}

/** Per inner run of fold 1: a hash of its final weights and its per-epoch losses (wall-clock times left out). */
function innerRuns(bundle: string): Record<string, { weights: string; trainLosses: number[]; validationLosses: number[] }> {
  const folder = join(bundle, "runs", "tune", "fold1");
  return Object.fromEntries(
    readdirSync(folder).map((run) => {
      const records = parseMetrics(readFileSync(join(folder, run, RUN_FILES.metrics), "utf8"), run);
      return [
        run,
        {
          weights: weightsHash(join(folder, run, RUN_FILES.last)),
          trainLosses: records.map((r) => r.train.weighted),
          validationLosses: records.map((r) => r.validation.unweighted),
        },
      ];
    }),
  );
}

const scoresOf = (points: Map<string, TunePoint[]>, objective: string) =>
  points.get(`1:${objective}`)!.map((p) => ({ candidate: p.candidate, epochs: p.epochs, score: p.score }));

describe("nested selection is leak-free", () => {
  it("perturbing a fold's outer validation windows changes nothing its selection reads; perturbing its inner validation windows does", async () => {
    const original = storedFor(data, windows);
    const fold = original.protocol.tune!.folds[0]!;
    const search = async (name: string, ids: ReadonlySet<string>) => {
      const file = join(dir, `${name}.parquet`);
      const changed = perturbed(ids);
      writeWindows(file, changed);
      const stored = storedFor(file, (await loadWindowsReport(file, {})).windows);
      // The plan is made from ids, groups and times only: the same folds, inner splits and candidates.
      expect(stored.protocol.tune).toEqual(original.protocol.tune);
      return { stored, points: await searchFolds(join(dir, name), stored, changed, {}, [1]) };
    };
    const base = await searchFolds(join(dir, "base"), original, windows, {}, [1]);
    const outer = await search("outer-perturbed", new Set(fold.validation));
    await search("inner-perturbed", new Set(fold.inner.validation));
    // Everything a selection decision rests on: the scores, and each inner run's weights and per-epoch
    // losses (training on the inner training windows, validation on the inner validation windows).
    for (const objective of original.protocol.objectives) expect(scoresOf(outer.points, objective)).toEqual(scoresOf(base, objective));
    expect(innerRuns(join(dir, "outer-perturbed"))).toEqual(innerRuns(join(dir, "base")));
    // The control: the same check sees a change of the windows the decisions do read.
    const changed = innerRuns(join(dir, "inner-perturbed"));
    const unchanged = innerRuns(join(dir, "base"));
    for (const [run, fingerprint] of Object.entries(unchanged)) {
      expect(changed[run]!.weights).toBe(fingerprint.weights);
      expect(changed[run]!.validationLosses).not.toEqual(fingerprint.validationLosses);
    }
    expect(chosenSettings(outer.stored.protocol, outer.points)).toEqual(chosenSettings(original.protocol, base));
    // Only fold 1 was searched, and every inner run trained and validated on fold 1's inner split.
    for (const name of readdirSync(join(dir, "base", "runs", "tune"))) expect(name).toMatch(/^(fold1|scores\.json)$/);
    for (const run of readdirSync(join(dir, "base", "runs", "tune", "fold1"))) {
      const manifest = JSON.parse(readFileSync(join(dir, "base", "runs", "tune", "fold1", run, RUN_FILES.config), "utf8")) as RunManifest;
      expect(manifest.config.explicitSplit).toEqual({ train: fold.inner.train, validation: fold.inner.validation });
    }
  });
});

describe("compare --tune", () => {
  it("searches, retrains each fold's choice on its outer training windows, reports the search, and resumes", async () => {
    const out = join(dir, "tuned");
    const outcome = await tuneCompare({ ...small, data, out, outerFolds: 2, budget: 2, space });
    const { result } = outcome;
    const tune = result.protocol.tune!;
    expect(result.protocol.seeds).toEqual([42, 43]);
    expect(result.recommendation.headline).toBe(
      "No recommendation: 2 paired outer folds are too few to establish a difference; rerun with --outer-folds 5 or more.",
    );
    expect(result.tuning!.folds.map((f) => f.fold)).toEqual([1, 2]);
    for (const fold of tune.folds) {
      for (const objective of result.protocol.objectives) {
        const run = result.runs.find((r) => r.seed === fold.seed && r.objective === objective)!;
        const manifest = JSON.parse(readFileSync(join(out, run.runDirectory, RUN_FILES.config), "utf8")) as RunManifest;
        const chosen = result.tuning!.folds[fold.fold - 1]!.byObjective[objective]!.chosen;
        // The final run trains the chosen setting on the outer training side and is scored on the validation side.
        expect(manifest.config.explicitSplit).toEqual({ train: fold.train, validation: fold.validation });
        expect([manifest.config.epochs, manifest.config.learningRate, manifest.config.position]).toEqual([chosen.epochs, chosen.learningRate, chosen.position]);
        expect(run.records).toHaveLength(chosen.epochs);
        expect(run.evaluation.windows).toBe(fold.validation.length);
        // Its inner score is one of the points the search scored.
        const points = result.tuning!.folds[fold.fold - 1]!.byObjective[objective]!.points;
        expect(points.map((p) => p.score)).toContain(chosen.innerScore);
        expect(Math.max(...points.map((p) => p.score))).toBe(chosen.innerScore);
      }
    }
    // Each fold searched 2 candidates at 1 epoch and continued the better one to 2 (halving by 2).
    expect(result.tuning!.cost[result.protocol.objectives[0]!]).toEqual({
      innerRuns: 4,
      innerEpochs: 2 * (2 * 2 + 1),
      finalEpochs: tune.folds.reduce((sum, f) => sum + result.tuning!.folds[f.fold - 1]!.byObjective[result.protocol.objectives[0]!]!.chosen.epochs, 0),
    });
    expect(result.sensitivity).toBeNull();

    // Interrupted after the search: the final runs and the model are redone, the search is reused.
    rmSync(join(out, "comparison.json"));
    rmSync(join(out, result.runs[0]!.runDirectory), { recursive: true });
    const trained: string[] = [];
    const resumed = await resumeAnyComparison(out, { onRunEvent: (label, event) => event.kind === "start" && trained.push(label) });
    expect(trained).toEqual([result.runs[0]!.runDirectory.replace(/^runs\//, "")]);
    expect(resumed.result.metrics.find((m) => m.key === "f1_native")!.byObjective).toEqual(result.metrics.find((m) => m.key === "f1_native")!.byObjective);
    expect(resumed.result.tuning).toEqual(result.tuning);
    expect(existsSync(join(out, "runs", "tune", "scores.json"))).toBe(true);
  });
});
