/**
 * The plan of `compare --tune` keeps every outer validation window out of every selection decision:
 * checked on the bundled (grouped) windows and on windows with bar times (purged time folds), where
 * "out" also means sharing no bar.
 */
import { describe, expect, it } from "vitest";
import { loadWindowsReport } from "../data/load.js";
import type { Window } from "../data/window.js";
import { formatBarTime } from "../data/window_time.js";
import { defaultDataPath } from "../util/package.js";
import { resolveProtocol } from "./compare.js";
import { tunePlan } from "./tune_plan.js";
import { DEFAULT_SEARCH_SPACE } from "./tune_space.js";
import type { TuneProtocol } from "./tune_types.js";

const options = { outerFolds: 5, budget: 3, halving: 2, space: DEFAULT_SEARCH_SPACE };

/** Every leak the plan could have, as a list of messages (empty when leak-free). */
function leaks(plan: TuneProtocol, windows: readonly Window[]): string[] {
  const found: string[] = [];
  const barsOf = (ids: readonly string[]) => new Set(ids.flatMap((id) => windows.find((w) => w.window_id === id)!.timestamps ?? []));
  for (const fold of plan.folds) {
    const validation = new Set(fold.validation);
    const train = new Set(fold.train);
    for (const id of [...fold.inner.train, ...fold.inner.validation]) {
      if (validation.has(id)) found.push(`fold ${fold.fold}: outer validation window ${id} in the inner split`);
      if (!train.has(id)) found.push(`fold ${fold.fold}: inner window ${id} not an outer training window`);
    }
    for (const id of fold.train) if (validation.has(id)) found.push(`fold ${fold.fold}: ${id} on both outer sides`);
    const held = barsOf(fold.validation);
    for (const time of barsOf(fold.train)) if (held.has(time)) found.push(`fold ${fold.fold}: bar ${time} on both outer sides`);
    const innerHeld = barsOf(fold.inner.validation);
    for (const time of barsOf(fold.inner.train)) if (innerHeld.has(time)) found.push(`fold ${fold.fold}: bar ${time} on both inner sides`);
  }
  return found;
}

describe("tunePlan", () => {
  it("on the bundled windows: group folds cover every window once, and no outer validation window reaches the inner split", async () => {
    const windows = (await loadWindowsReport(defaultDataPath(), {})).windows;
    const protocol = resolveProtocol({ data: defaultDataPath(), seeds: 5, sensitivity: "none" });
    const plan = tunePlan(windows, protocol, options);
    expect(plan.outerKind).toBe("group");
    expect(plan.folds.map((f) => f.seed)).toEqual([42, 43, 44, 45, 46]);
    expect(plan.folds.flatMap((f) => f.validation).sort()).toEqual(windows.map((w) => w.window_id).sort());
    expect(leaks(plan, windows)).toEqual([]);
    // Overlap windows of one event stay on one side of every split.
    const event = new Map(windows.map((w) => [w.window_id, w.base_window_id]));
    for (const fold of plan.folds) {
      const held = new Set(fold.validation.map((id) => event.get(id)));
      expect(fold.train.filter((id) => held.has(event.get(id)))).toEqual([]);
    }
    for (const objective of protocol.objectives) {
      expect(plan.candidates[objective]).toHaveLength(5);
      for (const list of plan.candidates[objective]!) expect(list[0]).toMatchObject({ learningRate: 1e-3, position: false });
    }
    expect(tunePlan(windows, protocol, options)).toEqual(plan);
    // The check itself can fail: one outer validation window slipped into an inner split is found.
    const leaky = structuredClone(plan);
    leaky.folds[2]!.inner.validation.push(leaky.folds[2]!.validation[0]!);
    expect(leaks(leaky, windows)).toEqual([
      `fold 3: outer validation window ${plan.folds[2]!.validation[0]} in the inner split`,
      `fold 3: inner window ${plan.folds[2]!.validation[0]} not an outer training window`,
    ]);
  });

  it("on windows with bar times: purged time folds, no bar shared across either split", () => {
    const T0 = Date.UTC(2024, 0, 2, 9, 30);
    // 30 events, 3 windows each (52 bars apart), consecutive events 80 bars apart: neighbours overlap.
    const windows: Window[] = [];
    for (let e = 0; e < 30; e++) {
      for (const shift of [-52, 0, 52]) {
        const first = 200 + e * 80 + shift;
        windows.push({
          window_id: `e${e}${shift === 0 ? "" : shift > 0 ? "-s+52" : "-s-52"}`,
          base_window_id: `e${e}`,
          label: "consolidation",
          expansion_start: 50 - Math.max(-50, Math.min(50, shift)),
          expansion_end: 54 - Math.max(-50, Math.min(50, shift)),
          features: Array.from({ length: 105 }, () => [10, 11, 9, 10] as [number, number, number, number]),
          timestamps: Array.from({ length: 105 }, (_, k) => formatBarTime(T0 + (first + k) * 60_000)),
        });
      }
    }
    const protocol = resolveProtocol({ data: "timed.jsonl", seeds: 5, sensitivity: "none" });
    const plan = tunePlan(windows, protocol, options);
    expect(plan.outerKind).toBe("time");
    expect(plan.folds.every((f) => f.inner.kind === "time")).toBe(true);
    expect(plan.folds.some((f) => f.purged > 0)).toBe(true);
    expect(leaks(plan, windows)).toEqual([]);
  });

  it("refuses what has no folds: the reference protocol, and a seed count that is not the fold count", async () => {
    const windows = (await loadWindowsReport(defaultDataPath(), {})).windows;
    const reference = resolveProtocol({ data: defaultDataPath(), referenceProtocol: true });
    expect(() => tunePlan(windows, reference, options)).toThrow("--tune cannot reproduce the reference protocol");
    const three = resolveProtocol({ data: defaultDataPath(), seeds: 3, sensitivity: "none" });
    expect(() => tunePlan(windows, three, options)).toThrow("one seed per outer fold: 5 folds, 3 seeds");
    expect(() => tunePlan(windows, resolveProtocol({ data: defaultDataPath(), seeds: 1 }), { ...options, outerFolds: 1 })).toThrow(
      "--outer-folds must be an integer ≥ 2",
    );
  });
});
