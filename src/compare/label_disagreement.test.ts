/**
 * Label review's ranking (label_disagreement.ts) on a hand-built bundle: two runs of a seeded model (its
 * outputs respond to the bars, so its posterior has a place), an explicit split per seed (a tuned
 * protocol's outer folds) that leaves two windows in no validation side, and annotations set to where
 * the model puts its mass — except one, moved to the single bar the model least believes in.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadWindows, writeWindows } from "../data/load.js";
import { DEFAULT_SYNTH_PARAMS, synthesizeWindows } from "../data/synth.js";
import type { Window } from "../data/window.js";
import { saveCheckpoint } from "../model/checkpoint.js";
import { minimumRiskSpan, probabilityIoUAtLeast } from "../model/span_posterior_summary.js";
import { seededModel } from "../predict/seeded.js";
import { windowTensors } from "../train/dataset.js";
import { Rng } from "../util/rng.js";
import { predict } from "./evaluate.js";
import { windowLogPosterior } from "./example_posterior.js";
import { labelDisagreement, softmaxAt } from "./label_disagreement.js";

const MOVED = 2;

async function bundle() {
  const root = mkdtempSync(join(tmpdir(), "spanlab-disagreement-"));
  const data = join(root, "windows.jsonl");
  const synthetic = synthesizeWindows({ ...DEFAULT_SYNTH_PARAMS, windows: 9 }, new Rng(5)).map((w): Window => {
    const { timestamps: _t, spans: _s, ...rest } = w;
    return rest;
  });
  // Written and read back once, so the features the model sees below are exactly the file's.
  writeWindows(data, synthetic);
  const windows = await loadWindows(data);
  const model = seededModel("soft", { maxBatch: 16 });
  const all = windows.map((_, i) => i);
  const predictions = predict(model, windowTensors(windows), all);
  const bars = predictions.bars;
  const annotated = windows.map((w, i): Window => {
    const logPosterior = windowLogPosterior(predictions, i);
    if (i !== MOVED) {
      const mbr = minimumRiskSpan(logPosterior, bars);
      return { ...w, expansion_start: mbr.start, expansion_end: mbr.end };
    }
    // The one-bar span of least P(IoU ≥ ½): as far from the model's mass as an annotation gets.
    let worst = 0;
    let least = Number.POSITIVE_INFINITY;
    for (let t = 0; t < bars; t++) {
      const p = probabilityIoUAtLeast(logPosterior, bars, { start: t, end: t });
      if (p < least) [least, worst] = [p, t];
    }
    return { ...w, expansion_start: worst, expansion_end: worst };
  });
  writeWindows(data, annotated, { overwrite: true });
  const ids = annotated.map((w) => w.window_id);
  for (const seed of [1, 2]) {
    mkdirSync(join(root, "runs", `soft_${seed}`), { recursive: true });
    saveCheckpoint(join(root, "runs", `soft_${seed}`, "last.safetensors"), model);
  }
  // Seed 1 validates windows 0–3, seed 2 windows 4–6; windows 7 and 8 are in no validation side.
  const folds = [
    { fold: 1, seed: 1, train: ids.slice(4, 7), validation: ids.slice(0, 4) },
    { fold: 2, seed: 2, train: ids.slice(0, 4), validation: ids.slice(4, 7) },
  ];
  const comparison = {
    protocol: { split: "random", validationFraction: 0.3, batchSize: 16, seeds: [1, 2], tune: { folds } },
    data: { path: "windows.jsonl" },
    runs: [1, 2].map((seed) => ({ objective: "soft", seed, runDirectory: join("runs", `soft_${seed}`), trained: { position: false } })),
  };
  writeFileSync(join(root, "comparison.json"), JSON.stringify(comparison));
  return { root, ids, logits: predictions.classLogits, labels: predictions.labels };
}

describe("labelDisagreement", () => {
  it("ranks the moved annotation first, leaves unvalidated windows unscored, and is deterministic", async () => {
    const { root, ids, logits, labels } = await bundle();
    const result = await labelDisagreement(root);
    expect(result.skipped).toEqual([]);
    expect(result.windows.map((w) => w.window_id).sort()).toEqual(ids.slice(0, 7).sort());
    expect(result.unscored.map((w) => w.window_id)).toEqual(ids.slice(7));
    expect(result.windows[0]!.window_id).toBe(ids[MOVED]);
    // Every other window is annotated at its MBR span, so the moved one must stand clearly apart.
    expect(result.windows[0]!.pSpan).toBeLessThan(Math.min(...result.windows.slice(1).map((w) => w.pSpan)));
    for (const [i, w] of result.windows.entries()) {
      // Each window is scored only by the run that validated it.
      expect(w.runs).toEqual([w.index < 4 ? "soft/1" : "soft/2"]);
      expect(w.spanScore).toBeCloseTo(1 - w.pSpan, 12);
      expect(w.pLabel).toBeCloseTo(softmaxAt(logits.subarray(w.index * 3, w.index * 3 + 3), labels[w.index]!), 6);
      if (i > 0) expect(w.spanScore).toBeLessThanOrEqual(result.windows[i - 1]!.spanScore);
    }
    const again = await labelDisagreement(root);
    expect(JSON.stringify(again)).toBe(JSON.stringify(result));
  });

  it("softmaxAt is finite for large logits and sums to 1", () => {
    const logits = [1000, 999, -1000];
    const total = [0, 1, 2].reduce((s, k) => s + softmaxAt(logits, k), 0);
    expect(total).toBeCloseTo(1, 12);
    expect(softmaxAt(logits, 0)).toBeCloseTo(1 / (1 + Math.exp(-1)), 12);
  });
});
