import { describe, expect, it } from "vitest";
import { join } from "node:path";
import { readBars } from "./bars.js";
import { readAnnotations } from "./annotations.js";
import { cutWindows } from "./cut.js";
import { groupKFold, resolveSplitKind, splitWindows } from "./splits.js";
import { embargoOf, purge, purgedKFold, timeSplit, windowPositions } from "./time_splits.js";
import type { Window } from "./window.js";
import { formatBarTime } from "./window_time.js";
import { Rng } from "../util/rng.js";

const FIXTURES = join(import.meta.dirname, "../../test/fixtures/bars");
const MINUTE = 60_000;
const T0 = Date.UTC(2024, 0, 2, 9, 30);

/** A window over bars `first`..`first + 104` of a 1-minute grid, its span starting at bar `spanAt` of it. */
function windowAt(id: string, event: string, first: number, spanAt = 10): Window {
  return {
    window_id: id,
    base_window_id: event,
    label: "consolidation",
    expansion_start: spanAt,
    expansion_end: spanAt + 2,
    features: Array.from({ length: 105 }, () => [10, 11, 9, 10] as [number, number, number, number]),
    timestamps: Array.from({ length: 105 }, (_, k) => formatBarTime(T0 + (first + k) * MINUTE)),
  };
}

/** Bar times shared by a training and a validation window (by timestamp string): must be none. */
function sharedBars(windows: readonly Window[], train: readonly number[], validation: readonly number[]): string[] {
  const held = new Set(validation.flatMap((i) => windows[i]!.timestamps!));
  return train.flatMap((i) => windows[i]!.timestamps!.filter((t) => held.has(t)).map((t) => `${windows[i]!.window_id}@${t}`));
}

describe("purge", () => {
  it("drops training windows that share a bar with a validation window or start within the embargo after one", () => {
    // Positions: validation covers bars 10..20; embargo 3 bars after it.
    const positions = { first: Int32Array.from([10, 21, 24, 0, 0, 2]), last: Int32Array.from([20, 30, 30, 9, 10, 40]), spanStart: new Int32Array(6), bars: 41 };
    expect(purge(positions, [1, 2, 3, 4, 5], [0], 3)).toEqual({ train: [2, 3], purged: [1, 4, 5] });
    expect(purge(positions, [1, 2, 3, 4, 5], [0], 0)).toEqual({ train: [1, 2, 3], purged: [4, 5] });
  });
});

describe("timeSplit: purged walk-forward", () => {
  it("validates the latest events, purges training windows that share bars with them, counts them", () => {
    const windows = [
      windowAt("a1", "a", 0),
      windowAt("a2", "a", 10),
      windowAt("b1", "b", 150),
      windowAt("c1", "c", 250),
      windowAt("c2", "c", 262),
      windowAt("d1", "d", 400),
      windowAt("d2", "d", 420),
    ];
    // 7 windows · 0.3 → 2: the latest event d (bars 400..524) validates; no window of a–c reaches bar
    // 400 (c2 ends at 366), so nothing is purged.
    expect(timeSplit(windows, { validationFraction: 0.3, embargoBars: 0 })).toEqual({ train: [0, 1, 2, 3, 4], validation: [5, 6], purged: [], embargoBars: 0 });
    // c and d validate at 0.5 (4 windows): b1 (bars 150..254) shares bars 250..254 with c1 and is purged.
    const half = timeSplit(windows, { validationFraction: 0.5, embargoBars: 0 });
    expect(half).toEqual({ train: [0, 1], validation: [3, 4, 5, 6], purged: [2], embargoBars: 0 });
    expect(sharedBars(windows, half.train, half.validation)).toEqual([]);
  });

  it("orders events by the time of their span, not by file order", () => {
    const windows = [windowAt("late", "late", 500), windowAt("early", "early", 0), windowAt("mid", "mid", 200)];
    expect(timeSplit(windows, { validationFraction: 0.3 }).validation).toEqual([0]);
  });

  it("on cut windows of a real-shaped fixture, no training window shares a bar with a validation window", async () => {
    const bars = await readBars(join(FIXTURES, "equity_daily.csv"));
    const annotations = await readAnnotations(join(FIXTURES, "equity_daily_events.csv"));
    const { windows } = cutWindows(bars, annotations, { rng: new Rng(42) });
    const split = timeSplit(windows);
    expect(split.train.length).toBeGreaterThan(0);
    expect(split.validation.length).toBeGreaterThan(0);
    expect(sharedBars(windows, split.train, split.validation)).toEqual([]);
    expect(split.train.length + split.validation.length + split.purged.length).toBe(windows.length);
    // The purged windows are exactly the candidates that touch validation (or its embargo).
    expect(split.purged.length).toBeGreaterThan(0);
    // Embargo: ⌈1% of the 360-odd distinct bar times⌉.
    const positions = windowPositions(windows);
    expect(split.embargoBars).toBe(Math.ceil(positions.bars / 100));
    expect(embargoOf(positions, 7)).toBe(7);
    // Validation events are all later than training events.
    const eventTime = (i: number) => positions.spanStart[i]!;
    expect(Math.min(...split.validation.map(eventTime))).toBeGreaterThan(Math.max(...split.train.map(eventTime)));
    // The same windows give the same split: time orders everything, no generator.
    expect(timeSplit(windows)).toEqual(split);
  });

  it("refuses windows without times, fewer than 2 events and a bad embargo", () => {
    const { timestamps: _, ...bare } = windowAt("x", "x", 0);
    expect(() => timeSplit([windowAt("a", "a", 0), bare])).toThrow(/window x has no timestamps: a time-ordered split needs every window's bar times/);
    expect(() => timeSplit([windowAt("a", "a", 0), windowAt("b", "a", 5)])).toThrow(/at least 2 base_window_ids/);
    expect(() => timeSplit([windowAt("a", "a", 0), windowAt("b", "b", 300)], { embargoBars: -1 })).toThrow(/embargo must be an integer/);
  });
});

describe("purged k-fold", () => {
  it("k contiguous blocks in time, each validated once, its training side purged", async () => {
    const bars = await readBars(join(FIXTURES, "futures_1m.csv"), { timezone: "America/Chicago" });
    const annotations = await readAnnotations(join(FIXTURES, "futures_1m_events.csv"), { timezone: "America/Chicago" });
    const { windows } = cutWindows(bars, annotations, { rng: new Rng(1) });
    const folds = purgedKFold(windows, 4);
    expect(folds).toHaveLength(4);
    expect(folds.flatMap((f) => f.validation).sort((a, b) => a - b)).toEqual(windows.map((_, i) => i));
    for (const fold of folds) {
      expect(sharedBars(windows, fold.train, fold.validation)).toEqual([]);
      expect(fold.train.length + fold.validation.length + fold.purged.length).toBe(windows.length);
    }
    // Contiguous: fold f's events all come before fold f + 1's.
    const positions = windowPositions(windows);
    for (let f = 1; f < folds.length; f++) {
      const before = Math.max(...folds[f - 1]!.validation.map((i) => positions.spanStart[i]!));
      expect(Math.min(...folds[f]!.validation.map((i) => positions.spanStart[i]!))).toBeGreaterThan(before);
    }
    // groupKFold gives the purged folds for windows with bar times.
    expect(groupKFold(windows, 4, new Rng(9))).toEqual(folds);
  });
});

describe("splitWindows: auto is time for windows with bar times, group otherwise", () => {
  it("resolves the kind from the windows and returns what purging removed", () => {
    const timed = [windowAt("a", "a", 0), windowAt("b", "b", 300), windowAt("c", "c", 600)];
    const { timestamps: _, ...bare } = timed[2]!;
    expect(resolveSplitKind(timed, "auto")).toBe("time");
    expect(resolveSplitKind([timed[0]!, bare as Window], "auto")).toBe("group");
    expect(resolveSplitKind(timed, "group")).toBe("group");
    const time = splitWindows(timed, "auto", { validationFraction: 0.3, rng: new Rng(1) });
    expect(time).toMatchObject({ kind: "time", validation: [2], purged: [], embargoBars: Math.ceil(0.01 * 3 * 105) });
    const group = splitWindows(
      timed.map(({ timestamps: _t, ...rest }) => rest),
      "auto",
      { validationFraction: 0.3, rng: new Rng(1) },
    );
    expect(group).toMatchObject({ kind: "group", purged: [], embargoBars: null });
  });
});
