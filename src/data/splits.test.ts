import { describe, expect, it } from "vitest";
import { Rng } from "../util/rng.js";
import { groupIndices, groupKFold, groupSplit, referenceSplit, type Split } from "./splits.js";

/**
 * The reference dataset's shape: 102 base windows, 108 of them with one overlap, 210 rows, overlaps
 * appended after the originals (so a row's group is not a function of its position alone).
 */
function referenceShaped(): { base_window_id: string }[] {
  const rows = Array.from({ length: 102 }, (_, i) => ({ base_window_id: `b${i}` }));
  for (let i = 0; i < 108; i++) rows.push({ base_window_id: `b${(i * 7) % 102}` });
  return rows;
}

function groupsOn(rows: { base_window_id: string }[], indices: number[]): Set<string> {
  return new Set(indices.map((i) => rows[i]!.base_window_id));
}

function expectPartition(split: Split, n: number): void {
  expect([...split.train, ...split.validation].sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i));
  expect(split.train).toEqual([...split.train].sort((a, b) => a - b));
  expect(split.validation).toEqual([...split.validation].sort((a, b) => a - b));
}

describe("groupSplit", () => {
  const rows = referenceShaped();

  it("keeps every base_window_id on one side and takes about 20% of windows", () => {
    for (const seed of [1, 2, 3, 42]) {
      const split = groupSplit(rows, { rng: new Rng(seed) });
      expectPartition(split, rows.length);
      const train = groupsOn(rows, split.train);
      for (const group of groupsOn(rows, split.validation)) expect(train.has(group)).toBe(false);
      // Whole groups (1–3 windows here) can miss round(0.2·210) = 42 by at most one window.
      expect(Math.abs(split.validation.length - 42)).toBeLessThanOrEqual(1);
    }
  });

  it("is deterministic for a seed and differs between seeds", () => {
    const a = groupSplit(rows, { rng: new Rng(7) });
    expect(groupSplit(rows, { rng: new Rng(7) })).toEqual(a);
    expect(groupSplit(rows, { rng: new Rng(8) }).validation).not.toEqual(a.validation);
  });

  it("honours validationFraction and keeps both sides non-empty with big groups", () => {
    expect(Math.abs(groupSplit(rows, { rng: new Rng(1), validationFraction: 0.5 }).validation.length - 105)).toBeLessThanOrEqual(1);
    const two = [{ base_window_id: "a" }, { base_window_id: "a" }, { base_window_id: "b" }, { base_window_id: "b" }];
    const split = groupSplit(two, { rng: new Rng(1), validationFraction: 0.1 });
    expect(split.validation).toHaveLength(2);
    expect(split.train).toHaveLength(2);
    const tilted = groupSplit(two, { rng: new Rng(1), validationFraction: 0.9 });
    expect(tilted.train).toHaveLength(2);
  });

  it("rejects a single group and a fraction outside (0, 1)", () => {
    expect(() => groupSplit([{ base_window_id: "a" }, { base_window_id: "a" }], { rng: new Rng(1) })).toThrow("at least 2");
    expect(() => groupSplit(rows, { rng: new Rng(1), validationFraction: 1 })).toThrow("validationFraction");
  });
});

describe("referenceSplit", () => {
  const rows = referenceShaped();

  it("takes exactly the first 20% of the seeded permutation as validation (42 of 210)", () => {
    const permutation = new Rng(42).permutation(210);
    const split = referenceSplit(rows, { rng: new Rng(42) });
    expectPartition(split, 210);
    expect(split.validation).toEqual(permutation.slice(0, 42).sort((a, b) => a - b));
    expect(split.train).toEqual(permutation.slice(42).sort((a, b) => a - b));
  });

  it("is deterministic for a seed, differs between seeds, and leaks groups (which is why it is not the default)", () => {
    const split = referenceSplit(rows, { rng: new Rng(42) });
    expect(referenceSplit(rows, { rng: new Rng(42) })).toEqual(split);
    expect(referenceSplit(rows, { rng: new Rng(43) }).validation).not.toEqual(split.validation);
    const train = groupsOn(rows, split.train);
    expect([...groupsOn(rows, split.validation)].some((g) => train.has(g))).toBe(true);
  });
});

describe("groupKFold", () => {
  const rows = referenceShaped();

  it("gives k folds whose validation sides partition the rows without splitting a group", () => {
    const folds = groupKFold(rows, 5, new Rng(3));
    expect(folds).toHaveLength(5);
    const seen = folds.flatMap((f) => f.validation).sort((a, b) => a - b);
    expect(seen).toEqual(Array.from({ length: 210 }, (_, i) => i));
    for (const fold of folds) {
      expectPartition(fold, 210);
      const train = groupsOn(rows, fold.train);
      for (const group of groupsOn(rows, fold.validation)) expect(train.has(group)).toBe(false);
      expect(fold.validation.length).toBeGreaterThanOrEqual(40);
      expect(fold.validation.length).toBeLessThanOrEqual(44);
    }
  });

  it("is deterministic for a seed and differs between seeds", () => {
    const folds = groupKFold(rows, 4, new Rng(5));
    expect(groupKFold(rows, 4, new Rng(5))).toEqual(folds);
    expect(groupKFold(rows, 4, new Rng(6))[0]!.validation).not.toEqual(folds[0]!.validation);
  });

  it("rejects k < 2 and more folds than groups", () => {
    expect(() => groupKFold(rows, 1, new Rng(1))).toThrow("k ≥ 2");
    expect(() => groupKFold(rows.slice(0, 3), 4, new Rng(1))).toThrow("at least 4");
  });

  it("groups rows by base_window_id in order of first appearance", () => {
    expect(groupIndices([{ base_window_id: "x" }, { base_window_id: "y" }, { base_window_id: "x" }])).toEqual([[0, 2], [1]]);
  });
});

describe("explicitSplit", () => {
  it("refuses a training window that shares bars with a validation window when the windows carry bar times", async () => {
    const { makeWindows } = await import("../../test/fixtures/data/windows.js");
    const { explicitSplit } = await import("./splits.js");
    // makeWindow(i, timed) starts window i at minute 200·i: windows 0 and 1 are apart, so both splits are clean.
    const windows = makeWindows(3, { timed: true });
    expect(explicitSplit(windows, { train: ["w0", "w2"], validation: ["w1"] })).toMatchObject({ train: [0, 2], validation: [1], kind: "explicit" });
    // A copy of w1 under another id shares every bar with it.
    const overlapping = [...windows, { ...windows[1]!, window_id: "w1-copy", base_window_id: "b1-copy" }];
    expect(() => explicitSplit(overlapping, { train: ["w0", "w1-copy"], validation: ["w1"] })).toThrow(
      /1 training window\(s\) share bars with validation windows \(e\.g\. w1-copy\)/,
    );
    expect(() => explicitSplit(windows, { train: [], validation: ["w1"] })).toThrow(/no train window ids/);
  });
});
