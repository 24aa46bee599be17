import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { Command } from "commander";
import { DEFAULT_SYNTH_PARAMS, resolveSynthParams, simulateEvent, synthesizeWindows, type SynthParams } from "./synth.js";
import { datasetStatistics } from "./statistics.js";
import { loadWindows, writeWindows } from "./load.js";
import { validateWindows } from "./validate.js";
import { WINDOW_BARS, type Window } from "./window.js";
import { parseInteger, parseParamAssignments, registerSynthCommands, runStats, runSynth } from "../cli/synth.js";
import { computeRelativityFeatures, FEATURE_NAMES } from "../features/relativity.js";
import { defaultDataPath } from "../util/package.js";
import { Rng } from "../util/rng.js";

const folder = mkdtempSync(join(tmpdir(), "spanlab-synth-"));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

const params = (overrides: Partial<SynthParams> = {}) => resolveSynthParams(overrides);
const defaults = synthesizeWindows(params(), new Rng(1));
const bases = (windows: Window[]) => windows.filter((w) => w.window_id === w.base_window_id);
const isTick = (price: number, tick: number) => Math.abs(price / tick - Math.round(price / tick)) < 1e-9;

describe("synthesizeWindows: bars", () => {
  it("gives valid OHLC bars on the tick, at an NQ-like price level", () => {
    expect(validateWindows(defaults).problems).toEqual([]);
    // Collect violations instead of asserting per price: 88k prices would make the test slow.
    const bad: string[] = [];
    for (const w of defaults) {
      expect(w.features).toHaveLength(WINDOW_BARS);
      w.features.forEach(([open, high, low, close], t) => {
        if (high < Math.max(open, close) || low > Math.min(open, close)) bad.push(`${w.window_id}[${t}] OHLC`);
        for (const price of [open, high, low, close]) {
          if (!isTick(price, 0.25)) bad.push(`${w.window_id}[${t}] off tick ${price}`);
          if (!(price > 12_000 && price < 23_000)) bad.push(`${w.window_id}[${t}] level ${price}`);
        }
      });
    }
    expect(bad).toEqual([]);
  });

  it("rounds to whatever tick is asked for", () => {
    const windows = synthesizeWindows(params({ windows: 5, tickSize: 5 }), new Rng(3));
    const prices = windows.flatMap((w) => w.features.flat());
    expect(prices.filter((price) => !isTick(price, 5))).toEqual([]);
    expect(prices.filter((price) => !isTick(price, 0.25 * 3))).not.toEqual([]);
  });

  it("opens each bar at the previous close, except documented 1–2 tick gaps at about gapProbability", () => {
    const noGaps = synthesizeWindows(params({ windows: 20, gapProbability: 0 }), new Rng(2));
    for (const w of noGaps) for (let t = 1; t < WINDOW_BARS; t++) expect(w.features[t]![0]).toBe(w.features[t - 1]![3]);

    let gaps = 0;
    let pairs = 0;
    for (const w of bases(defaults)) {
      for (let t = 1; t < WINDOW_BARS; t++) {
        pairs++;
        const jump = Math.abs(w.features[t]![0] - w.features[t - 1]![3]);
        if (jump !== 0) {
          gaps++;
          expect([0.25, 0.5]).toContain(jump);
        }
      }
    }
    expect(gaps / pairs).toBeGreaterThan(0.03);
    expect(gaps / pairs).toBeLessThan(0.07);
  });

  it("carries per-bar volume that grows with the bar's range, or none when volumeMedian is 0", () => {
    const w = defaults[0]!;
    expect(w.volume).toHaveLength(WINDOW_BARS);
    const pairs = defaults.flatMap((x) => x.features.map((bar, t) => [bar[1] - bar[2], x.volume![t]!] as const));
    const sorted = [...pairs].sort((a, b) => a[0] - b[0]);
    const meanVolume = (part: (readonly [number, number])[]) => part.reduce((s, p) => s + p[1], 0) / part.length;
    const fifth = Math.floor(sorted.length / 5);
    expect(meanVolume(sorted.slice(-fifth))).toBeGreaterThan(2 * meanVolume(sorted.slice(0, fifth)));
    expect(synthesizeWindows(params({ windows: 2, volumeMedian: 0 }), new Rng(1))[0]!.volume).toBeUndefined();
  });

  it("compresses volatility in the consolidation and expands it in the span", () => {
    const p = params();
    const rng = new Rng(4);
    const range = (bars: number[][]) => bars.reduce((s, b) => s + (b[1]! - b[2]!) / b[0]!, 0) / bars.length;
    let consolidation = 0;
    let background = 0;
    let span = 0;
    const events = 60;
    for (let i = 0; i < events; i++) {
      const e = simulateEvent(p, rng);
      // consolidationBarsMin = 10, so the 10 bars before the span are always the consolidation.
      consolidation += range(e.bars.slice(e.spanStart - 10, e.spanStart));
      background += range(e.bars.slice(0, 20));
      span += range(e.bars.slice(e.spanStart, e.spanEnd + 1));
    }
    expect(consolidation).toBeLessThan(0.85 * background);
    expect(span).toBeGreaterThan(1.5 * background);
  });

  it("moves the span's bodies in the expansion's direction", () => {
    const p = params();
    const rng = new Rng(5);
    let withMove = 0;
    let spanBars = 0;
    for (let i = 0; i < 60; i++) {
      const e = simulateEvent(p, rng);
      for (let t = e.spanStart; t <= e.spanEnd; t++) {
        spanBars++;
        if (e.direction * (e.bars[t]![3] - e.bars[t]![0]) > 0) withMove++;
      }
    }
    expect(withMove / spanBars).toBeGreaterThan(0.8);
  });

  it("clusters volatility: |returns| stay autocorrelated, less so without the GARCH terms", () => {
    const absReturnAutocorrelation = (windows: Window[], lag: number) => {
      const series = bases(windows).map((w) => w.features.slice(1).map((bar, t) => Math.abs(Math.log(bar[3] / w.features[t]![3]))));
      const all = series.flat();
      const mean = all.reduce((s, x) => s + x, 0) / all.length;
      let numerator = 0;
      let denominator = 0;
      for (const s of series) {
        for (let t = lag; t < s.length; t++) numerator += (s[t]! - mean) * (s[t - lag]! - mean);
        for (const x of s) denominator += (x - mean) ** 2;
      }
      return numerator / denominator;
    };
    const quiet = { windows: 60, decoyRate: 0 };
    const garch = absReturnAutocorrelation(synthesizeWindows(params(quiet), new Rng(6)), 5);
    const flat = absReturnAutocorrelation(synthesizeWindows(params({ ...quiet, garchAlpha: 0, garchBeta: 0 }), new Rng(6)), 5);
    expect(garch).toBeGreaterThan(0.1);
    expect(garch).toBeGreaterThan(flat + 0.05);
  });
});

describe("synthesizeWindows: spans, overlaps, labels", () => {
  it("places valid spans inside the base window's lead/tail margins, at varied positions", () => {
    const p = params();
    const starts = new Set<number>();
    for (const w of defaults) {
      expect(w.expansion_start).toBeGreaterThanOrEqual(0);
      expect(w.expansion_end).toBeGreaterThanOrEqual(w.expansion_start);
      expect(w.expansion_end).toBeLessThanOrEqual(WINDOW_BARS - 1);
    }
    for (const w of bases(defaults)) {
      expect(w.expansion_start).toBeGreaterThanOrEqual(p.leadBarsMin);
      expect(w.expansion_end).toBeLessThanOrEqual(WINDOW_BARS - 1 - p.tailBarsMin);
      expect(w.expansion_end - w.expansion_start + 1).toBeLessThanOrEqual(p.spanLengthMax);
      starts.add(w.expansion_start);
    }
    expect(starts.size).toBeGreaterThan(40);
  });

  it("cuts real overlaps: shifted bars, shared base id, kept exactly when ≥ 30% of the span stays visible", () => {
    const byId = new Map(defaults.map((w) => [w.window_id, w]));
    let overlaps = 0;
    for (const base of bases(defaults)) {
      expect(base.window_id).toMatch(/^syn-\d{4}$/);
      const length = base.expansion_end - base.expansion_start + 1;
      for (const shift of [52, -52]) {
        const id = `${base.window_id}-s${shift > 0 ? "+" : "-"}52`;
        const start = Math.max(0, base.expansion_start - shift);
        const end = Math.min(WINDOW_BARS - 1, base.expansion_end - shift);
        const visible = Math.max(0, end - start + 1);
        const overlap = byId.get(id);
        expect(overlap !== undefined, `${id} kept iff visible ${visible}/${length} ≥ 0.3`).toBe(visible / length >= 0.3);
        if (!overlap) continue;
        overlaps++;
        expect(overlap.base_window_id).toBe(base.window_id);
        expect(overlap.label).toBe(base.label);
        expect([overlap.expansion_start, overlap.expansion_end]).toEqual([start, end]);
        // The shared 53 bars are the same bars; the rest are bars the base window does not show.
        const shared = WINDOW_BARS - 52;
        const fromBase = shift > 0 ? base.features.slice(52) : base.features.slice(0, shared);
        const fromOverlap = shift > 0 ? overlap.features.slice(0, shared) : overlap.features.slice(52);
        expect(fromOverlap).toEqual(fromBase);
      }
    }
    expect(defaults.length).toBe(102 + overlaps);
    expect(overlaps).toBeGreaterThan(90);
    expect(overlaps).toBeLessThan(125);
    expect(new Set(defaults.map((w) => w.window_id)).size).toBe(defaults.length);
  });

  it("matches the reference dataset's shape on a few hundred events (labels ≈ 58/42, spans mean ≈ 7, median 5)", () => {
    const windows = synthesizeWindows(params({ windows: 400 }), new Rng(11));
    const stats = datasetStatistics(windows);
    const retracement = bases(windows).filter((w) => w.label === "retracement").length / 400;
    expect(retracement).toBeGreaterThan(0.35);
    expect(retracement).toBeLessThan(0.49);
    expect(stats.spanLength.mean).toBeGreaterThan(6.2);
    expect(stats.spanLength.mean).toBeLessThan(7.8);
    expect(stats.spanLength.median).toBe(5);
    expect(stats.spanLength.min).toBe(1);
    expect(stats.spanLength.max).toBeGreaterThan(20);
    expect(stats.inSpanBarFraction).toBeGreaterThan(0.055);
    expect(stats.inSpanBarFraction).toBeLessThan(0.08);
    expect(stats.windows / stats.baseWindows).toBeGreaterThan(1.9);
    expect(stats.windows / stats.baseWindows).toBeLessThan(2.2);
  });

  it("reads the label off the path after the span, with the documented retracement rule", () => {
    const p = params();
    const rng = new Rng(8);
    for (let i = 0; i < 40; i++) {
      const e = simulateEvent(p, rng);
      const close = (t: number) => Math.log(e.bars[t]![3]);
      const move = e.direction * (close(e.spanEnd) - Math.log(e.bars[e.spanStart]![0]));
      let deepest = 0;
      for (let t = e.spanEnd + 1; t <= e.spanEnd + p.labelHorizonBars; t++) {
        deepest = Math.max(deepest, e.direction * (close(e.spanEnd) - close(t)));
      }
      expect(e.retracedFraction).toBeCloseTo(deepest / Math.max(move, 1e-12), 9);
      expect(e.label).toBe(deepest / move >= p.retracementThreshold ? "retracement" : "consolidation");
    }
  });

  it("relabels the same paths when only the retracement threshold moves (labels are not drawn)", () => {
    const strict = synthesizeWindows(params({ windows: 60, retracementThreshold: 0.8 }), new Rng(9));
    const loose = synthesizeWindows(params({ windows: 60, retracementThreshold: 0.3 }), new Rng(9));
    expect(strict.map((w) => w.features)).toEqual(loose.map((w) => w.features));
    const count = (ws: Window[]) => ws.filter((w) => w.label === "retracement").length;
    expect(count(loose)).toBeGreaterThan(count(strict));
    strict.forEach((w, i) => {
      if (w.label === "retracement") expect(loose[i]!.label).toBe("retracement");
    });
  });
});

describe("synthesizeWindows: decoys", () => {
  it("puts wide-range bursts outside the span, so a high range_z is no proof of an expansion", () => {
    const RANGE_Z = FEATURE_NAMES.indexOf("range_z");
    const wideOutside = (windows: Window[]) => {
      let wide = 0;
      let outside = 0;
      for (const w of bases(windows)) {
        const features = computeRelativityFeatures(w.features);
        for (let t = 0; t < WINDOW_BARS; t++) {
          if (t >= w.expansion_start && t <= w.expansion_end) continue;
          outside++;
          if (features[t * 12 + RANGE_Z]! > 2) wide++;
        }
      }
      return wide / outside;
    };
    const withDecoys = wideOutside(synthesizeWindows(params({ windows: 60 }), new Rng(10)));
    const without = wideOutside(synthesizeWindows(params({ windows: 60, decoyRate: 0 }), new Rng(10)));
    expect(withDecoys).toBeGreaterThan(1.5 * without);
  });
});

describe("synthesizeWindows: determinism", () => {
  it("gives byte-identical files for the same seed and parameters, different data for another seed", () => {
    const p = params({ windows: 8 });
    const a = synthesizeWindows(p, new Rng(123));
    const b = synthesizeWindows(p, new Rng(123));
    const c = synthesizeWindows(p, new Rng(124));
    expect(b).toEqual(a);
    expect(c.map((w) => w.features)).not.toEqual(a.map((w) => w.features));
    for (const extension of ["parquet", "jsonl"]) {
      writeWindows(join(folder, `a.${extension}`), a);
      writeWindows(join(folder, `b.${extension}`), b);
      writeWindows(join(folder, `c.${extension}`), c);
      const bytes = (name: string) => readFileSync(join(folder, `${name}.${extension}`));
      expect(bytes("b").equals(bytes("a"))).toBe(true);
      expect(bytes("c").equals(bytes("a"))).toBe(false);
    }
  });

  it("gives the same first k events however many are asked for", () => {
    const few = synthesizeWindows(params({ windows: 4 }), new Rng(5));
    const many = synthesizeWindows(params({ windows: 9 }), new Rng(5));
    expect(many.slice(0, few.length)).toEqual(few);
  });
});

describe("resolveSynthParams", () => {
  it("fills defaults and rejects bad values with the field named", () => {
    expect(resolveSynthParams()).toEqual(DEFAULT_SYNTH_PARAMS);
    expect(resolveSynthParams({ windows: 7 }).windows).toBe(7);
    expect(() => resolveSynthParams({ windows: 2.5 })).toThrow(/windows: windows must be an integer/);
    expect(() => resolveSynthParams({ garchAlpha: 0.2, garchBeta: 0.85 })).toThrow(/garchBeta: garchAlpha \+ garchBeta must be < 1/);
    expect(() => resolveSynthParams({ startPriceMin: 21000 })).toThrow(/startPriceMin must be ≤ startPriceMax/);
    expect(() => resolveSynthParams({ spanLengthMax: 100 })).toThrow(/spanLengthMax: leadBarsMin \+ spanLengthMax \+ tailBarsMin/);
    expect(() => resolveSynthParams({ gapProbability: 1.5 })).toThrow(/gapProbability/);
    expect(() => resolveSynthParams({ spanLenghtMax: 10 } as Record<string, unknown>)).toThrow(/unknown parameter\(s\) spanLenghtMax/);
  });
});

describe("data synth / data stats commands", () => {
  it("parses --param key=value and integer options strictly", () => {
    expect(parseParamAssignments(["decoyRate=1.5", "spanLengthMax=30"])).toEqual({ decoyRate: 1.5, spanLengthMax: 30 });
    expect(() => parseParamAssignments(["decoyRate"])).toThrow(/key=value/);
    expect(() => parseParamAssignments(["decoyrate=1"])).toThrow(/unknown parameter "decoyrate"/);
    expect(() => parseParamAssignments(["decoyRate=abc"])).toThrow(/finite number/);
    expect(() => parseParamAssignments(["decoyRate=1", "decoyRate=2"])).toThrow(/twice/);
    expect(parseInteger("42", "--seed")).toBe(42);
    expect(() => parseInteger("4.2", "--seed")).toThrow(/--seed must be an integer/);
  });

  it("writes, refuses to overwrite without --force, and prints the statistics", async () => {
    const out = join(folder, "cli.jsonl");
    const text = runSynth({ out, seed: 3, windows: 6, params: { decoyRate: 1 } });
    const windows = await loadWindows(out);
    expect(windows).toEqual(synthesizeWindows(params({ windows: 6, decoyRate: 1 }), new Rng(3)));
    expect(text).toContain(`(6 base + ${windows.length - 6} overlaps)`);
    expect(text).toMatch(/span length {7}mean/);

    writeFileSync(join(folder, "keep.jsonl"), "precious");
    expect(() => runSynth({ out: join(folder, "keep.jsonl"), seed: 3, windows: 6 })).toThrow(/already exists/);
    expect(readFileSync(join(folder, "keep.jsonl"), "utf8")).toBe("precious");
    runSynth({ out: join(folder, "keep.jsonl"), seed: 3, windows: 6, force: true });
    expect((await loadWindows(join(folder, "keep.jsonl"))).length).toBe(windows.length);
    expect(() => runSynth({ out: join(folder, "x.jsonl"), seed: 3, windows: 6, params: { windows: 7 } })).toThrow(/disagree/);

    const stats = await runStats(out);
    expect(stats).toContain("rule baseline");
    expect(stats).toMatch(/range_z > \d\.\d\d: F1 0\.\d{3}/);
  });
});

describe("commands registered in the data group", () => {
  const run = async (...args: string[]) => {
    const program = new Command().exitOverride();
    registerSynthCommands(program);
    let printed = "";
    const spy = vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
      printed += String(chunk);
      return true;
    });
    try {
      await program.parseAsync(["node", "spanlab", ...args]);
    } finally {
      spy.mockRestore();
    }
    return printed;
  };

  it("`data synth` takes --param and --windows; `data stats` with no file describes the bundled dataset", async () => {
    const out = join(folder, "via-command.parquet");
    const text = await run("data", "synth", "--out", out, "--seed", "9", "--windows", "3", "--param", "spanLengthMax=12");
    expect(text).toContain(`wrote ${out}`);
    expect(await loadWindows(out)).toEqual(synthesizeWindows(params({ windows: 3, spanLengthMax: 12 }), new Rng(9)));
    await expect(run("data", "synth", "--out", out, "--seed", "9")).rejects.toThrow(/already exists/);

    const stats = await run("data", "stats");
    expect(stats).toContain(defaultDataPath());
    expect(stats).toContain(`windows           ${datasetStatistics(await loadWindows(defaultDataPath())).windows} (102 base`);
    expect(stats).toMatch(/all bars in-span: F1 0\.1\d\d/);
  });
});

describe("bundled data/default.parquet", () => {
  it("validates clean and is exactly what `spanlab data synth --seed 42` with the defaults makes", async () => {
    const bundled = await loadWindows(defaultDataPath());
    const expected = synthesizeWindows(params(), new Rng(42));
    // Name the first differing window instead of diffing 211 windows (a huge, slow diff when it fails).
    const firstDifference = () => {
      if (bundled.length !== expected.length) return `${bundled.length} windows, expected ${expected.length}`;
      const i = bundled.findIndex((w, k) => JSON.stringify(w) !== JSON.stringify(expected[k]));
      return i < 0 ? undefined : `window ${i} (${expected[i]!.window_id}) differs: regenerate data/default.parquet (data/README.md)`;
    };
    expect(firstDifference()).toBeUndefined();
  });
});
