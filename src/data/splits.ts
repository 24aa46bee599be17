/**
 * Train/validation splits over windows, as sorted index arrays so callers pick the windows themselves.
 * Overlapping windows cut around one annotated event share a `base_window_id`; a row split lets the same
 * bars sit on both sides (docs/spec.md §5, §9), so without bar times the default is a group split; with
 * them it is the purged time split of src/data/time_splits.ts (`splitWindows` chooses). `referenceSplit`
 * reproduces the reference's leaky row split for comparison only. All randomness comes from the `Rng`
 * passed in.
 */
import type { Rng } from "../util/rng.js";
import type { Window } from "./window.js";
import { hasTimestamps, purge, purgedKFold, timeSplit, windowPositions, type TimeSplitOptions } from "./time_splits.js";

/** Indices into the windows array; each side ascending. */
export interface Split {
  train: number[];
  validation: number[];
  /** Time splits: training windows dropped because they share bars with validation (or fall in the embargo). */
  purged?: number[];
  /** Time splits: the embargo used, in bars (null: no embargo, not a time split). */
  embargoBars?: number | null;
}

/** The split kinds: `auto` is `time` when every window carries bar times, otherwise `group`. */
export const SPLIT_KINDS = ["auto", "time", "group", "reference"] as const;
export type SplitKind = (typeof SPLIT_KINDS)[number];
/** A split as used: `auto` resolved, or `explicit` (window ids given, {@link explicitSplit}). */
export type ResolvedSplitKind = Exclude<SplitKind, "auto"> | "explicit";

/** What `auto` means for these windows. */
export function resolveSplitKind(windows: readonly Pick<Window, "timestamps">[], kind: SplitKind): Exclude<SplitKind, "auto"> {
  return kind === "auto" ? (hasTimestamps(windows) ? "time" : "group") : kind;
}

/** Window ids of both sides of a split chosen by the caller (nested selection's inner and outer folds). */
export interface ExplicitSplitIds {
  train: readonly string[];
  validation: readonly string[];
}

/**
 * The split the caller names by window id (docs/spec.md §5): every id must be a window of the file, on one
 * side only, and — for windows with bar times — no training window may share a bar with a validation
 * window (the caller purges; a leak is refused, naming a pair). Each side ascending.
 */
export function explicitSplit(windows: readonly Window[], ids: ExplicitSplitIds): KindedSplit {
  const index = new Map(windows.map((w, i) => [w.window_id, i]));
  const side = (name: "train" | "validation") => {
    if (ids[name].length === 0) throw new Error(`explicit split: no ${name} window ids`);
    return ids[name].map((id) => {
      const i = index.get(id);
      if (i === undefined) throw new Error(`explicit split: ${name} window id ${JSON.stringify(id)} is not a window of the file`);
      return i;
    });
  };
  const train = [...new Set(side("train"))].sort((a, b) => a - b);
  const validation = [...new Set(side("validation"))].sort((a, b) => a - b);
  const validationSet = new Set(validation);
  const both = train.find((i) => validationSet.has(i));
  if (both !== undefined) throw new Error(`explicit split: window ${windows[both]!.window_id} is on both sides`);
  if (hasTimestamps(windows)) {
    const leaking = purge(windowPositions(windows), train, validation, 0).purged;
    if (leaking.length > 0) {
      throw new Error(
        `explicit split: ${leaking.length} training window(s) share bars with validation windows (e.g. ${windows[leaking[0]!]!.window_id}); purge them before naming the split`,
      );
    }
  }
  return { train, validation, kind: "explicit", purged: [], embargoBars: null };
}

/** A split and the kind that made it, with what purging removed (empty for group and reference splits). */
export interface KindedSplit extends Split {
  kind: ResolvedSplitKind;
  purged: number[];
  /** The embargo in bars (time splits), or null. */
  embargoBars: number | null;
}

/** The split of `kind` (docs/spec.md §5): the one entry point train, compare and baseline use. */
export function splitWindows(windows: readonly Window[], kind: SplitKind, options: SplitOptions & Pick<TimeSplitOptions, "embargoBars">): KindedSplit {
  const resolved = resolveSplitKind(windows, kind);
  if (resolved === "time") {
    const split = timeSplit(windows, options);
    return { ...split, kind: resolved };
  }
  const split = resolved === "group" ? groupSplit(windows, options) : referenceSplit(windows, options);
  return { ...split, kind: resolved, purged: [], embargoBars: null };
}

export interface SplitOptions {
  /** Share of windows for validation, in (0, 1); default 0.2 (the reference's 42 of 210). */
  validationFraction?: number;
  rng: Rng;
}

type Grouped = Pick<Window, "base_window_id">;

function checkFraction(fraction: number): void {
  if (!(fraction > 0 && fraction < 1)) throw new Error(`validationFraction must be in (0, 1), got ${fraction}`);
}

/** Row indices of each base_window_id, groups in order of first appearance (a stable base for shuffling). */
export function groupIndices(windows: readonly Grouped[]): number[][] {
  const groups = new Map<string, number[]>();
  windows.forEach((w, index) => {
    const list = groups.get(w.base_window_id);
    if (list) list.push(index);
    else groups.set(w.base_window_id, [index]);
  });
  return [...groups.values()];
}

function ascending(values: number[]): number[] {
  return values.sort((a, b) => a - b);
}

function complement(n: number, chosen: ReadonlySet<number>): number[] {
  const rest: number[] = [];
  for (let i = 0; i < n; i++) if (!chosen.has(i)) rest.push(i);
  return rest;
}

/**
 * Split by `base_window_id`: every window of a group lands on the same side. Groups are visited in a
 * seeded random order and taken for validation while they fit under round(fraction·N); groups that still
 * bring the count closer to the target are then added, so validation lands as near to the fraction as
 * whole groups allow. Both sides are non-empty; fewer than two groups is an error.
 */
export function groupSplit(windows: readonly Grouped[], options: SplitOptions): Split {
  const fraction = options.validationFraction ?? 0.2;
  checkFraction(fraction);
  const groups = groupIndices(windows);
  if (groups.length < 2) {
    throw new Error(`a group split needs at least 2 base_window_ids, got ${groups.length}`);
  }
  const target = Math.max(1, Math.round(fraction * windows.length));
  const order = options.rng.permutation(groups.length);

  const taken = new Set<number>();
  let count = 0;
  for (const g of order) {
    if (taken.size === groups.length - 1) break;
    if (count + groups[g]!.length <= target) {
      taken.add(g);
      count += groups[g]!.length;
    }
  }
  for (const g of order) {
    if (taken.has(g) || taken.size === groups.length - 1) continue;
    const size = groups[g]!.length;
    if (Math.abs(target - (count + size)) < Math.abs(target - count)) {
      taken.add(g);
      count += size;
    }
  }
  if (taken.size === 0) {
    // Every group is larger than the target: the first group in seeded order is the closest we can do.
    taken.add(order[0]!);
  }

  const validation = new Set<number>();
  for (const g of taken) for (const index of groups[g]!) validation.add(index);
  return { train: complement(windows.length, validation), validation: ascending([...validation]) };
}

/**
 * The reference's row split (docs/spec.md §5): rows shuffled by a seeded permutation, the first
 * round(fraction·N) of it are validation (42 of 210 at 0.2). It ignores groups and so leaks overlapping
 * windows across sides; use it only to reproduce the reference. The permutation comes from spanlab's Rng,
 * so the procedure is the reference's but the chosen rows are not the same as in the reference run.
 */
export function referenceSplit(windows: readonly unknown[], options: SplitOptions): Split {
  const fraction = options.validationFraction ?? 0.2;
  checkFraction(fraction);
  const n = windows.length;
  const permutation = options.rng.permutation(n);
  const size = Math.round(fraction * n);
  return {
    train: ascending(permutation.slice(size)),
    validation: ascending(permutation.slice(0, size)),
  };
}

/**
 * k folds by `base_window_id`: each group is validation in exactly one fold and never straddles train and
 * validation. Groups are shuffled with the Rng, then placed largest first into the currently smallest
 * fold (GroupKFold's balancing), so fold sizes differ by at most the largest group. Windows that all carry
 * bar times get the purged k-fold with embargo instead (src/data/time_splits.ts): contiguous blocks in
 * time, no training window sharing a bar with its fold's validation windows; the Rng is then unused.
 */
export function groupKFold(
  windows: readonly (Grouped & Partial<Pick<Window, "window_id" | "expansion_start" | "timestamps">>)[],
  k: number,
  rng: Rng,
): Split[] {
  if (hasTimestamps(windows)) return purgedKFold(windows as Window[], k);
  return groupFolds(windows, k, rng);
}

/**
 * The k folds of `kind` (docs/spec.md §5): purged time folds with embargo when it resolves to `time`,
 * group folds when `group`. The reference's row split has no k-fold form and is refused.
 */
export function kFoldSplits(
  windows: readonly Window[],
  kind: SplitKind,
  k: number,
  options: { rng: Rng; embargoBars?: number | null },
): { kind: "time" | "group"; folds: (Split & { purged: number[] })[] } {
  const resolved = resolveSplitKind(windows, kind);
  if (resolved === "reference") throw new Error("the reference row split has no k-fold form; use --split auto, time or group");
  if (resolved === "time") return { kind: "time", folds: purgedKFold(windows, k, { embargoBars: options.embargoBars ?? null }) };
  return { kind: "group", folds: groupFolds(windows, k, options.rng).map((fold) => ({ ...fold, purged: [] })) };
}

/** k folds by `base_window_id` alone (see {@link groupKFold}), whatever the windows carry. */
function groupFolds(windows: readonly Grouped[], k: number, rng: Rng): Split[] {
  if (!Number.isInteger(k) || k < 2) throw new Error(`groupKFold needs an integer k ≥ 2, got ${k}`);
  const groups = groupIndices(windows);
  if (groups.length < k) throw new Error(`groupKFold with k = ${k} needs at least ${k} base_window_ids, got ${groups.length}`);
  const order = rng.permutation(groups.length);
  // Stable sort by size keeps the seeded order among equal-sized groups, which is where the randomness lives.
  order.sort((a, b) => groups[b]!.length - groups[a]!.length);

  const foldSizes = new Array<number>(k).fill(0);
  const foldMembers: number[][] = Array.from({ length: k }, () => []);
  for (const g of order) {
    let smallest = 0;
    for (let f = 1; f < k; f++) if (foldSizes[f]! < foldSizes[smallest]!) smallest = f;
    foldSizes[smallest]! += groups[g]!.length;
    foldMembers[smallest]!.push(...groups[g]!);
  }
  return foldMembers.map((members) => {
    const validation = new Set(members);
    return { train: complement(windows.length, validation), validation: ascending(members) };
  });
}
