/**
 * Splits that do not leak in time (docs/spec.md §5), for windows that carry their bars' times. Windows of
 * different events share bars whenever the events are closer than a window, so a split by event alone
 * lets validation bars sit in training windows. Here:
 *
 *  - `timeSplit`, a purged walk-forward split: validation is the latest block of events (by the time of
 *    the primary span's first bar), as close to `validationFraction` of the windows as whole events allow;
 *    every training window that shares a bar with a validation window, or starts within the embargo after
 *    one ends, is purged (dropped, and counted).
 *  - `purgedKFold`: k contiguous blocks of events in time, each the validation side once, with the same
 *    purging and embargo (López de Prado, *Advances in Financial Machine Learning*, ch. 7).
 *
 * Bars are compared by timestamp. Each window is mapped to positions in the sorted list of every distinct
 * bar time of the file, so "shares a bar" is an overlap of position ranges, and the embargo counts bars
 * (weekends and session breaks are not bars). Windows cut from one series share a bar exactly when their
 * ranges overlap; for windows of several series the test is conservative (it may purge more).
 * Deterministic, no randomness: time orders everything.
 */
import type { Window } from "./window.js";
import type { Split } from "./splits.js";
import { parseBarTime } from "./window_time.js";

/** The embargo, as a fraction of the file's distinct bar times, when none is given (AFML's h ≈ 0.01 T). */
export const DEFAULT_EMBARGO_FRACTION = 0.01;

type Timed = Pick<Window, "window_id" | "base_window_id" | "expansion_start" | "timestamps">;

/** Whether every window carries its bars' times (the condition for the time-ordered splits). */
export function hasTimestamps(windows: readonly Pick<Window, "timestamps">[]): boolean {
  return windows.length > 0 && windows.every((w) => w.timestamps !== undefined);
}

/** Each window's first and last bar as positions among the file's distinct bar times. */
export interface WindowPositions {
  first: Int32Array;
  last: Int32Array;
  /** Position of each window's primary span start: the time events are ordered by. */
  spanStart: Int32Array;
  /** Distinct bar times in the file. */
  bars: number;
}

/** The positions of every window's bars; a window without `timestamps` is an error naming it. */
export function windowPositions(windows: readonly Timed[]): WindowPositions {
  const times: number[] = [];
  for (const w of windows) {
    if (w.timestamps === undefined)
      throw new Error(`window ${w.window_id} has no timestamps: a time-ordered split needs every window's bar times (use --split group)`);
    for (const t of w.timestamps) times.push(parseBarTime(t));
  }
  const sorted = Float64Array.from(times).sort();
  const distinct: number[] = [];
  for (let i = 0; i < sorted.length; i++) if (i === 0 || sorted[i] !== sorted[i - 1]) distinct.push(sorted[i]!);
  const position = (t: number): number => {
    let lo = 0;
    let hi = distinct.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (distinct[mid]! < t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  const out: WindowPositions = {
    first: new Int32Array(windows.length),
    last: new Int32Array(windows.length),
    spanStart: new Int32Array(windows.length),
    bars: distinct.length,
  };
  windows.forEach((w, i) => {
    const stamps = w.timestamps!;
    out.first[i] = position(parseBarTime(stamps[0]!));
    out.last[i] = position(parseBarTime(stamps[stamps.length - 1]!));
    out.spanStart[i] = position(parseBarTime(stamps[w.expansion_start]!));
  });
  return out;
}

/** The embargo in bars: `embargoBars` when given, else ⌈1% of the distinct bar times⌉. */
export function embargoOf(positions: WindowPositions, embargoBars: number | null | undefined): number {
  if (embargoBars !== null && embargoBars !== undefined) {
    if (!Number.isInteger(embargoBars) || embargoBars < 0) throw new Error(`embargo must be an integer number of bars ≥ 0, got ${embargoBars}`);
    return embargoBars;
  }
  return Math.ceil(DEFAULT_EMBARGO_FRACTION * positions.bars);
}

/** Groups (events) in time order: by their earliest primary-span start, ties by first appearance. */
function groupsInTime(windows: readonly Timed[], positions: WindowPositions): number[][] {
  const byId = new Map<string, number[]>();
  windows.forEach((w, i) => {
    const members = byId.get(w.base_window_id);
    if (members) members.push(i);
    else byId.set(w.base_window_id, [i]);
  });
  const groups = [...byId.values()];
  const time = groups.map((members) => Math.min(...members.map((i) => positions.spanStart[i]!)));
  const order = groups.map((_, g) => g).sort((a, b) => time[a]! - time[b]! || a - b);
  return order.map((g) => groups[g]!);
}

/**
 * Training candidates minus every window that shares a bar with a validation window or starts within
 * `embargo` bars after one ends; returns the kept and the purged, each ascending.
 */
export function purge(
  positions: WindowPositions,
  candidates: readonly number[],
  validation: readonly number[],
  embargo: number,
): { train: number[]; purged: number[] } {
  // Validation ranges widened by the embargo after them, merged into disjoint sorted blocks.
  const ranges = validation.map((v) => [positions.first[v]!, positions.last[v]! + embargo] as [number, number]).sort((a, b) => a[0] - b[0]);
  const blocks: [number, number][] = [];
  for (const range of ranges) {
    const last = blocks[blocks.length - 1];
    if (last !== undefined && range[0] <= last[1]) last[1] = Math.max(last[1], range[1]);
    else blocks.push([...range]);
  }
  const touches = (first: number, end: number): boolean => {
    // The first block that does not end before `first`; the window touches it iff it starts by `end`.
    let lo = 0;
    let hi = blocks.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (blocks[mid]![1] < first) lo = mid + 1;
      else hi = mid;
    }
    return lo < blocks.length && blocks[lo]![0] <= end;
  };
  const train: number[] = [];
  const purged: number[] = [];
  for (const t of [...candidates].sort((a, b) => a - b)) (touches(positions.first[t]!, positions.last[t]!) ? purged : train).push(t);
  return { train, purged };
}

export interface TimeSplitOptions {
  /** Share of windows for validation, in (0, 1); default 0.2. */
  validationFraction?: number;
  /** Bars after each validation window no training window may start in; default ⌈1% of the bar times⌉. */
  embargoBars?: number | null;
}

/** A split with what purging did: the dropped training windows and the embargo used. */
export interface PurgedSplit extends Split {
  purged: number[];
  embargoBars: number;
}

/** The purged walk-forward split (see the module comment). Both sides non-empty; fewer than 2 events is an error. */
export function timeSplit(windows: readonly Timed[], options: TimeSplitOptions = {}): PurgedSplit {
  const fraction = options.validationFraction ?? 0.2;
  if (!(fraction > 0 && fraction < 1)) throw new Error(`validationFraction must be in (0, 1), got ${fraction}`);
  const positions = windowPositions(windows);
  const embargo = embargoOf(positions, options.embargoBars);
  const groups = groupsInTime(windows, positions);
  if (groups.length < 2) throw new Error(`a time split needs at least 2 base_window_ids (events), got ${groups.length}`);
  const target = Math.max(1, Math.round(fraction * windows.length));
  // The latest events, one at a time, while taking the next brings the count closer to the target.
  let taken = 0;
  let count = 0;
  for (let g = groups.length - 1; g >= 1; g--) {
    const size = groups[g]!.length;
    if (taken > 0 && Math.abs(target - (count + size)) >= Math.abs(target - count)) break;
    taken++;
    count += size;
  }
  const validation = groups
    .slice(groups.length - taken)
    .flat()
    .sort((a, b) => a - b);
  const candidates = groups.slice(0, groups.length - taken).flat();
  const { train, purged } = purge(positions, candidates, validation, embargo);
  return { train, validation, purged, embargoBars: embargo };
}

/**
 * k folds of contiguous events in time, as equal in windows as whole events allow; each fold is the
 * validation side once, and its training side is every other window minus the purged ones.
 */
export function purgedKFold(windows: readonly Timed[], k: number, options: Pick<TimeSplitOptions, "embargoBars"> = {}): PurgedSplit[] {
  if (!Number.isInteger(k) || k < 2) throw new Error(`purgedKFold needs an integer k ≥ 2, got ${k}`);
  const positions = windowPositions(windows);
  const embargo = embargoOf(positions, options.embargoBars);
  const groups = groupsInTime(windows, positions);
  if (groups.length < k) throw new Error(`purgedKFold with k = ${k} needs at least ${k} base_window_ids, got ${groups.length}`);
  // Fold f ends once the running count reaches f/k of the windows, leaving at least one event per later fold.
  const folds: number[][] = [];
  let g = 0;
  let seen = 0;
  for (let f = 1; f <= k; f++) {
    const members: number[] = [];
    const goal = (f * windows.length) / k;
    do {
      members.push(...groups[g]!);
      seen += groups[g]!.length;
      g++;
    } while (g < groups.length - (k - f) && (f === k || seen + groups[g]!.length / 2 <= goal));
    folds.push(members.sort((a, b) => a - b));
  }
  return folds.map((validation) => {
    const inFold = new Set(validation);
    const candidates = windows.map((_, i) => i).filter((i) => !inFold.has(i));
    return { ...purge(positions, candidates, validation, embargo), validation, embargoBars: embargo };
  });
}
