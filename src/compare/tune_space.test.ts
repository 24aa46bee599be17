import { describe, expect, it } from "vitest";
import { Rng } from "../util/rng.js";
import { candidateGrid, chooseSetting, DEFAULT_SEARCH_SPACE, parseSearchSpace, promote, sampleCandidates, survivors } from "./tune_space.js";
import type { TunePoint } from "./tune_types.js";

const DEFAULTS = { learningRate: 1e-3, position: false, posWeight: "balanced" as const };

describe("the search space", () => {
  it("fills left-out dimensions with the defaults", () => {
    expect(parseSearchSpace({}, "space.json")).toEqual(DEFAULT_SEARCH_SPACE);
    expect(parseSearchSpace({ epochs: [50, 100, 200] }, "space.json").epochs).toEqual([50, 100, 200]);
  });

  it("refuses a bad space, naming the file and the field", () => {
    expect(() => parseSearchSpace({ epochs: [100, 50] }, "s.json")).toThrow("s.json: search space field epochs: must be strictly ascending");
    expect(() => parseSearchSpace({ learningRate: [0.001, 0.001] }, "s.json")).toThrow("field learningRate: must not repeat a value");
    expect(() => parseSearchSpace({ posWeight: ["heavy"] }, "s.json")).toThrow("field posWeight.0");
    expect(() => parseSearchSpace({ batchSize: [32] }, "s.json")).toThrow("s.json: search space field (top level)");
    expect(() => parseSearchSpace({ epochs: [] }, "s.json")).toThrow("field epochs");
  });

  it("searches pos_weight only for the heads that read it", () => {
    expect(candidateGrid(DEFAULT_SEARCH_SPACE, "soft")).toHaveLength(3 * 2 * 3);
    expect(candidateGrid(DEFAULT_SEARCH_SPACE, "crf")).toHaveLength(3 * 2);
    expect(candidateGrid(DEFAULT_SEARCH_SPACE, "crf").every((c) => c.posWeight === null)).toBe(true);
  });
});

describe("sampling candidates", () => {
  it("puts the comparison's default first, then distinct seeded draws", () => {
    const picked = sampleCandidates(DEFAULT_SEARCH_SPACE, "soft", 5, DEFAULTS, new Rng(1));
    expect(picked[0]).toEqual({ index: 1, learningRate: 1e-3, position: false, posWeight: "balanced" });
    expect(picked.map((c) => c.index)).toEqual([1, 2, 3, 4, 5]);
    expect(new Set(picked.map((c) => JSON.stringify({ ...c, index: 0 }))).size).toBe(5);
    expect(sampleCandidates(DEFAULT_SEARCH_SPACE, "soft", 5, DEFAULTS, new Rng(1))).toEqual(picked);
    expect(sampleCandidates(DEFAULT_SEARCH_SPACE, "soft", 5, DEFAULTS, new Rng(2)).slice(1)).not.toEqual(picked.slice(1));
  });

  it("samples every configuration once when the budget exceeds the grid, and refuses a budget below 1", () => {
    expect(sampleCandidates(DEFAULT_SEARCH_SPACE, "crf", 50, DEFAULTS, new Rng(3))).toHaveLength(6);
    expect(() => sampleCandidates(DEFAULT_SEARCH_SPACE, "crf", 0, DEFAULTS, new Rng(3))).toThrow("--budget must be a positive integer");
  });

  it("samples at random from the start when the default is not in the space", () => {
    const space = { ...DEFAULT_SEARCH_SPACE, learningRate: [3e-3] };
    const picked = sampleCandidates(space, "crf", 2, DEFAULTS, new Rng(4));
    expect(picked.every((c) => c.learningRate === 3e-3)).toBe(true);
    expect(picked).toHaveLength(2);
  });
});

describe("successive halving and the choice", () => {
  const point = (candidate: number, epochs: number, score: number): TunePoint => ({ candidate, epochs, score, runDirectory: `c${candidate}-e${epochs}` });

  it("keeps the best ⌈n/halving⌉, ties to the earlier candidate, undefined scores last", () => {
    expect(survivors(3, 2)).toBe(2);
    expect(survivors(4, 3)).toBe(2);
    expect(survivors(1, 2)).toBe(1);
    expect(promote([point(1, 50, 0.4), point(2, 50, 0.6), point(3, 50, 0.5)], 2)).toEqual([2, 3]);
    expect(promote([point(1, 50, 0.5), point(2, 50, 0.6), point(3, 50, 0.5)], 2)).toEqual([2, 1]);
    expect(promote([point(1, 50, Number.NaN), point(2, 50, 0.1), point(3, 50, 0.2)], 2)).toEqual([3, 2]);
  });

  it("chooses the best point over every rung; ties go to fewer epochs, then the earlier candidate", () => {
    const candidates = [
      { index: 1, learningRate: 1e-3, position: false, posWeight: null },
      { index: 2, learningRate: 2e-3, position: true, posWeight: null },
    ];
    // Candidate 2 got worse when trained on: its 50-epoch point is the best.
    const chosen = chooseSetting([point(1, 50, 0.5), point(2, 50, 0.7), point(1, 100, 0.6), point(2, 100, 0.65)], candidates);
    expect(chosen).toEqual({ candidate: 2, epochs: 50, learningRate: 2e-3, position: true, posWeight: null, innerScore: 0.7 });
    expect(chooseSetting([point(2, 100, 0.6), point(1, 100, 0.6), point(2, 50, 0.6)], candidates)).toMatchObject({ candidate: 2, epochs: 50 });
    expect(chooseSetting([point(2, 50, 0.6), point(1, 50, 0.6)], candidates)).toMatchObject({ candidate: 1, epochs: 50 });
    expect(() => chooseSetting([], candidates)).toThrow("no evaluated point");
  });
});
