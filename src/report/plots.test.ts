/**
 * Plot builders: each spec compiles without vega-lite warnings, renders to an SVG carrying its title and a
 * PNG of plausible size, changes when its data changes, and validates its input as documented (the series
 * are aggregated in the comparison model; src/compare/analysis/analysis.test.ts tests that).
 * Renders are the slow part (~0.1–0.4 s each), so each builder is rendered once per distinct input.
 */
import { describe, expect, it } from "vitest";
import type { TopLevelSpec } from "vega-lite";
import { reliabilityDiagram } from "../eval/calibration.js";
import { REFERENCE_OBJECTIVES } from "../model/heads/registry.js";
import { describeObjective } from "../compare/analysis/objectives.js";
import { seedBand, thresholdCurves, type SweepRow } from "../compare/analysis/plot_data.js";
import { histogramFromCounts, histogramOfProbabilities } from "../compare/analysis/probabilities.js";
import type { ExampleWindow, PlotData, Task } from "../compare/types.js";
import {
  candlestickPage,
  lossCurvesPlot,
  OBJECTIVE_COLOURS,
  plotObjectives,
  probabilityHistogramPlot,
  reliabilityPlot,
  sigmaTrajectoriesPlot,
  spreadLabels,
  TASK_COLOUR,
  taskScalesPlot,
  thresholdCurvePlot,
  type LossCurves,
  type ReliabilityRows,
  type SigmaSeries,
  type TaskScaleSeries,
} from "./plots/index.js";
import { compileVegaLite, MISSING_FONT_WARNING, renderVegaLite, type RenderedPlot } from "./render.js";

type Ohlc = ExampleWindow["bars"][number];
type CandleWindow = ExampleWindow;

// ---------------------------------------------------------------------------------------------------
// Fixtures: small, deterministic, shaped like real runs
// ---------------------------------------------------------------------------------------------------

/** Linear congruential generator in [0, 1): deterministic fixtures without pulling in the project's RNG. */
function lcg(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

/** The default pair as plots show it: soft span loss (blue), CRF (vermillion). */
const PLOTTED = plotObjectives(REFERENCE_OBJECTIVES.map(describeObjective));
const OBJECTIVES = PLOTTED.map((o) => o.name);
const TASKS: readonly Task[] = ["pointer", "type", "span", "countdown"];

/** Per-seed values per key, reduced to the seed band the model holds. */
function bands<K>(keys: readonly K[], seeds: number, value: (key: K, seed: number) => number): { key: K; band: ReturnType<typeof seedBand> }[] {
  return keys.map((key) => ({ key, band: seedBand(Array.from({ length: seeds }, (_, s) => value(key, s + 1))) }));
}

function lossFixture(epochs: number, seeds: number, seed = 1): LossCurves {
  const random = lcg(seed);
  const keys = OBJECTIVES.flatMap((objective) =>
    (["train", "validation"] as const).flatMap((split) => Array.from({ length: epochs }, (_, e) => ({ objective, split, epoch: e + 1 }))),
  );
  const points = bands(keys, seeds, ({ objective, split, epoch }) => {
    const scale = objective === "soft" ? 17 : 67;
    return scale * (0.7 + 0.3 * Math.exp(-epoch / 8)) * (split === "train" ? 0.95 : 1) * (1 + 0.04 * (random() - 0.5));
  }).map(({ key, band }) => ({ ...key, ...band }));
  return { seeds, points };
}

function sigmaFixture(epochs: number, seeds: number): SigmaSeries {
  const random = lcg(3);
  const points = OBJECTIVES.flatMap((objective) =>
    Array.from({ length: epochs }, (_, e) => {
      const epoch = e + 1;
      const sigmas = [0.6, 0.85, objective === "soft" ? 1 - 0.005 * epoch : 1 + 0.005 * epoch, 1 + 0.006 * epoch].map((s) => s * (1 + 0.02 * random()));
      const inverse = sigmas.map((s) => 1 / s ** 2);
      const total = inverse.reduce((a, b) => a + b, 0);
      return TASKS.map((task, i) => ({ objective, task, epoch, sigma: sigmas[i]!, weight: inverse[i]! / total }));
    }).flat(),
  );
  return { seeds, points };
}

/** Raw losses spanning four decades, as real runs do (pointer ≈ 0.01, CRF span NLL ≈ 50). */
function taskScaleFixture(epochs: number, seeds: number): TaskScaleSeries {
  const random = lcg(4);
  const start = { pointer: 0.025, type: 1.05, countdown: 16 };
  const points = OBJECTIVES.flatMap((objective) =>
    Array.from({ length: epochs }, (_, e) => {
      const epoch = e + 1;
      const decay = 0.6 + 0.4 * Math.exp(-epoch / 4);
      const losses = { ...start, span: objective === "soft" ? 0.58 : 52 };
      return TASKS.map((task, i) => {
        const sigma = [0.7, 0.95, objective === "soft" ? 1 - 0.01 * epoch : 1 + 0.01 * epoch, 1 + 0.012 * epoch][i]!;
        return { objective, task, epoch, loss: losses[task] * decay * (1 + 0.03 * random()), weight: 1 / (2 * sigma ** 2) };
      });
    }).flat(),
  );
  return { seeds, points };
}

function probabilityFixture(n: number, seed: number, shift: number): { probabilities: Float64Array; targets: Uint8Array } {
  const random = lcg(seed);
  const probabilities = new Float64Array(n);
  const targets = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    targets[i] = random() < 0.13 ? 1 : 0;
    const p = 0.12 + (targets[i] ? shift : 0) + 0.15 * (random() + random() + random() - 1.5);
    probabilities[i] = Math.min(1, Math.max(0, p));
  }
  return { probabilities, targets };
}

function thresholdRows(seeds: number): SweepRow[] {
  const random = lcg(5);
  const rows: SweepRow[] = [];
  for (const objective of OBJECTIVES) {
    for (let seed = 1; seed <= seeds; seed++) {
      for (let k = 1; k <= 99; k += 2) {
        const threshold = k / 100;
        const recall = Math.max(0, 1 - threshold * (objective === "soft" ? 2.2 : 1.8)) * (1 + 0.05 * random());
        const precision = 0.13 + 0.5 * threshold;
        const f1 = recall + precision > 0 ? (2 * precision * recall) / (precision + recall) : 0;
        rows.push({ objective, seed, threshold, f1, precision, recall });
      }
    }
  }
  return rows;
}

function windowFixture(count: number, seed: number): CandleWindow[] {
  const random = lcg(seed);
  return Array.from({ length: count }, (_, w) => {
    const start = 20 + 9 * w;
    const end = start + 14 + w;
    let price = 100;
    const bars: Ohlc[] = [];
    for (let i = 0; i < 105; i++) {
      const open = price;
      const close = open + (i >= start && i <= end ? 0.6 : 0) + (random() - 0.5) * 1.5;
      bars.push([open, Math.max(open, close) + random() * 0.8, Math.min(open, close) - random() * 0.8, close]);
      price = close;
    }
    const predicted = OBJECTIVES.map((objective, k) => ({
      objective,
      span: w === 1 && objective === "crf" ? null : { start: start - 1 + 2 * k, end: end - k },
      probabilities: Array.from({ length: 105 }, (_, i) => Math.min(1, Math.max(0, (i >= start && i <= end ? 0.6 : 0.1) + 0.2 * (random() - 0.5)))),
    }));
    return { windowId: `val-${1000 + 37 * w}`, bars, trueSpan: { start, end }, predicted };
  });
}

// ---------------------------------------------------------------------------------------------------
// Checks shared by every builder
// ---------------------------------------------------------------------------------------------------

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

function pngSize(png: Uint8Array): { width: number; height: number } {
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  return { width: view.getUint32(16), height: view.getUint32(20) };
}

/** SVG text content is XML-escaped; compare against the escaped title. */
function escapeXml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/'/g, "&#39;").replace(/"/g, "&quot;");
}

function expectCompilesCleanly(spec: TopLevelSpec): void {
  expect(compileVegaLite(spec).warnings).toEqual([]);
}

async function expectRenders(
  spec: TopLevelSpec,
  title: string,
  size: { minWidth: number; maxWidth: number; minHeight: number; maxHeight: number },
): Promise<RenderedPlot> {
  const rendered = await renderVegaLite(spec);
  // A missing font is reported once, by render.test.ts; here only the plot's own warnings count.
  expect(rendered.warnings.filter((w) => w !== MISSING_FONT_WARNING)).toEqual([]);
  expect(rendered.svg.startsWith("<svg")).toBe(true);
  const svgTexts = rendered.svg.includes(title) || rendered.svg.includes(escapeXml(title));
  expect(svgTexts, `SVG should contain the title "${title}"`).toBe(true);
  expect([...rendered.png.subarray(0, 8)]).toEqual(PNG_SIGNATURE);
  const { width, height } = pngSize(rendered.png);
  // PNG is the SVG at 2×: width ≈ 2 × (640 px plot + axes, legend, padding).
  expect(width).toBeGreaterThanOrEqual(size.minWidth);
  expect(width).toBeLessThanOrEqual(size.maxWidth);
  expect(height).toBeGreaterThanOrEqual(size.minHeight);
  expect(height).toBeLessThanOrEqual(size.maxHeight);
  return rendered;
}

function specData(spec: TopLevelSpec): Record<string, unknown>[] {
  return ((spec as { data?: { values?: Record<string, unknown>[] } }).data?.values ?? []) as Record<string, unknown>[];
}

// ---------------------------------------------------------------------------------------------------
// 1. Loss curves
// ---------------------------------------------------------------------------------------------------

describe("lossCurvesPlot", () => {
  it("draws the seed mean and range per objective, split and epoch under the objectives' labels", () => {
    const spec = lossCurvesPlot(PLOTTED, {
      seeds: 3,
      points: [
        { objective: "soft", split: "train", epoch: 1, mean: 12, min: 10, max: 14, seeds: 3 },
        { objective: "crf", split: "validation", epoch: 1, mean: 60, min: 60, max: 60, seeds: 1 },
      ],
    });
    const rows = specData(spec);
    expect(rows).toContainEqual({ objective: "soft span loss", split: "train", epoch: 1, mean: 12, min: 10, max: 14, seeds: 3 });
    expect(rows).toContainEqual({ objective: "CRF", split: "validation", epoch: 1, mean: 60, min: 60, max: 60, seeds: 1 });
  });

  it("rejects non-finite losses, unknown objectives and duplicate points", () => {
    const base: LossCurves["points"][number] = { objective: "soft", split: "train", epoch: 1, mean: 1, min: 1, max: 1, seeds: 1 };
    const curves = (...points: LossCurves["points"]) => ({ seeds: 1, points });
    expect(() => lossCurvesPlot(PLOTTED, curves({ ...base, mean: NaN }))).toThrow(/loss mean must be a finite number/);
    expect(() => lossCurvesPlot(PLOTTED, curves({ ...base, objective: "mse" }))).toThrow(/unknown objective/);
    expect(() => lossCurvesPlot(PLOTTED, curves(base, { ...base, mean: 2 }))).toThrow(/duplicate row/);
    expect(() => lossCurvesPlot(PLOTTED, curves())).toThrow(/no loss points/);
  });

  it("takes its title and subtitle as parameters and renders them", async () => {
    const spec = lossCurvesPlot(PLOTTED, lossFixture(20, 3), { title: "Loss, 3 seeds", subtitle: ["Scales differ: CRF NLL is summed over bars"] });
    expectCompilesCleanly(spec);
    const rendered = await expectRenders(spec, "Loss, 3 seeds", { minWidth: 1200, maxWidth: 1600, minHeight: 600, maxHeight: 900 });
    expect(rendered.svg).toContain("Scales differ: CRF NLL is summed over bars");
    expect(rendered.svg).toContain(OBJECTIVE_COLOURS[0]);
    expect(rendered.svg).toContain(OBJECTIVE_COLOURS[1]);
  });
});

// ---------------------------------------------------------------------------------------------------
// 2. σ trajectories
// ---------------------------------------------------------------------------------------------------

describe("sigmaTrajectoriesPlot", () => {
  it("draws σ and weight per objective, task and epoch under the objective's label and the task's", () => {
    const [row] = specData(sigmaTrajectoriesPlot(PLOTTED, { seeds: 2, points: [{ objective: "crf", task: "span", epoch: 2, sigma: 1.3, weight: 0.15 }] }));
    expect(row).toEqual({ objective: "CRF", task: "span", epoch: 2, sigma: 1.3, weight: 0.15 });
    expect(() => sigmaTrajectoriesPlot(PLOTTED, { seeds: 1, points: [{ objective: "crf", task: "shape" as Task, epoch: 1, sigma: 1, weight: 1 }] })).toThrow(
      /unknown task/,
    );
  });

  it("compiles cleanly and renders σ and weight panels", async () => {
    const spec = sigmaTrajectoriesPlot(PLOTTED, sigmaFixture(12, 2));
    expectCompilesCleanly(spec);
    const rendered = await expectRenders(spec, "Task uncertainty σ and task weights per epoch", {
      minWidth: 1200,
      maxWidth: 1700,
      minHeight: 800,
      maxHeight: 1200,
    });
    expect(rendered.svg).toContain("share of total weight (%)");
    expect(rendered.svg).toContain("countdown");
  });
});

// ---------------------------------------------------------------------------------------------------
// 2b. Task loss scales and effective weights
// ---------------------------------------------------------------------------------------------------

describe("taskScalesPlot", () => {
  it("draws the seed-mean raw loss and 1/(2σ²) per objective, task and epoch", () => {
    const rows = specData(
      taskScalesPlot(PLOTTED, {
        seeds: 2,
        points: [
          { objective: "crf", task: "span", epoch: 3, loss: 50, weight: 0.45 },
          { objective: "soft", task: "span", epoch: 3, loss: 0.5, weight: 0.6 },
        ],
      }),
    );
    expect(rows).toContainEqual({ objective: "CRF", task: "span", epoch: 3, loss: 50, weight: 0.45 });
    expect(rows).toContainEqual({ objective: "soft span loss", task: "span", epoch: 3, loss: 0.5, weight: 0.6 });
  });

  it("rejects non-finite or non-positive values, unknown tasks and duplicates", () => {
    const base: TaskScaleSeries["points"][number] = { objective: "soft", task: "pointer", epoch: 1, loss: 0.02, weight: 0.9 };
    const series = (...points: TaskScaleSeries["points"]) => ({ seeds: 1, points });
    expect(() => taskScalesPlot(PLOTTED, series({ ...base, loss: NaN }))).toThrow(/loss must be a finite number/);
    expect(() => taskScalesPlot(PLOTTED, series({ ...base, weight: Infinity }))).toThrow(/weight must be a finite number/);
    expect(() => taskScalesPlot(PLOTTED, series({ ...base, loss: 0 }))).toThrow(/> 0 to be drawn on a log scale/);
    expect(() => taskScalesPlot(PLOTTED, series({ ...base, weight: -1 }))).toThrow(/effective weight 1\/\(2σ²\) must be > 0/);
    expect(() => taskScalesPlot(PLOTTED, series({ ...base, task: "shape" as Task }))).toThrow(/unknown task/);
    expect(() => taskScalesPlot(PLOTTED, series(base, { ...base, loss: 0.03 }))).toThrow(/duplicate row/);
    expect(() => taskScalesPlot(PLOTTED, series())).toThrow(/no task-scale rows/);
  });

  it("compiles cleanly and renders a log-scale loss row with decade ticks over an effective-weight row", async () => {
    const spec = taskScalesPlot(PLOTTED, taskScaleFixture(12, 2));
    expectCompilesCleanly(spec);
    const rendered = await expectRenders(spec, "Each task's raw validation loss and effective weight 1/(2σ²) per epoch", {
      minWidth: 1200,
      maxWidth: 1500,
      minHeight: 1000,
      maxHeight: 1400,
    });
    expect(rendered.svg).toContain("validation loss (log scale)");
    expect(rendered.svg).toContain("effective weight 1/(2σ²)");
    // Losses from ≈ 0.015 (pointer) to ≈ 54 (CRF span): a log axis with one tick per decade, 0.01 to 100.
    const lossY = (spec as unknown as { vconcat: { spec: { encoding: { y: { scale: { type: string }; axis: { values: number[] } } } } }[] }).vconcat[0]!.spec
      .encoding.y;
    expect(lossY.scale.type).toBe("log");
    expect(lossY.axis.values).toEqual([0.01, 0.1, 1, 10, 100]);
    for (const tick of ["0.01", "0.1", "100"]) expect(rendered.svg).toContain(`>${tick}</text>`);
    for (const task of ["pointer", "span", "countdown"] as const) expect(rendered.svg).toContain(TASK_COLOUR[task]);
  });
});

// ---------------------------------------------------------------------------------------------------
// 3. Probability histograms
// ---------------------------------------------------------------------------------------------------

describe("probabilityHistogramPlot", () => {
  it("draws each group's shares, each group summing to 1", () => {
    const { probabilities, targets } = probabilityFixture(2000, 11, 0.3);
    const spec = probabilityHistogramPlot(histogramOfProbabilities(probabilities, targets, 50), { objective: PLOTTED[0]!, title: "soft" });
    const rect = (spec as unknown as { layer: { data: { values: { group: string; share: number }[] } }[] }).layer[0]!.data.values;
    const groups = new Map<string, number>();
    for (const row of rect) groups.set(row.group, (groups.get(row.group) ?? 0) + row.share);
    expect(groups.size).toBe(2);
    for (const total of groups.values()) expect(total).toBeCloseTo(1, 5);
    // Group means (known from raw probabilities) are drawn as rules; from counts alone there are none.
    expect((spec as unknown as { layer: unknown[] }).layer).toHaveLength(2);
    expect(
      (probabilityHistogramPlot(histogramFromCounts([1, 2], [3, 4]), { objective: PLOTTED[0]!, title: "x" }) as unknown as { layer: unknown[] }).layer,
    ).toHaveLength(1);
  });

  it("refuses counts that are not two groups of the histogram's bins, and an empty histogram", () => {
    const histogram = histogramFromCounts([1, 2], [3, 4]);
    expect(() => probabilityHistogramPlot({ ...histogram, inSpan: [1] }, { objective: PLOTTED[0]!, title: "x" })).toThrow(/2 bins/);
    expect(() => probabilityHistogramPlot(histogramFromCounts([0, 0], [0, 0]), { objective: PLOTTED[0]!, title: "x" })).toThrow(/no probabilities/);
  });

  it("renders one objective per plot, and different data gives a different image", async () => {
    const histogram = (seed: number, shift: number) => {
      const { probabilities, targets } = probabilityFixture(3000, seed, shift);
      return histogramOfProbabilities(probabilities, targets, 50);
    };
    const soft = probabilityHistogramPlot(histogram(1, 0.25), { objective: PLOTTED[0]!, title: "Span probabilities (soft span loss)" });
    const crf = probabilityHistogramPlot(histogram(2, 0.05), { objective: PLOTTED[1]!, title: "Span probabilities (CRF)" });
    expectCompilesCleanly(soft);
    expectCompilesCleanly(crf);
    const size = { minWidth: 1200, maxWidth: 1500, minHeight: 700, maxHeight: 1000 };
    const a = await expectRenders(soft, "Span probabilities (soft span loss)", size);
    const b = await expectRenders(crf, "Span probabilities (CRF)", size);
    expect(a.svg).toContain(OBJECTIVE_COLOURS[0]);
    expect(b.svg).toContain(OBJECTIVE_COLOURS[1]);
    expect(Buffer.from(a.png).equals(Buffer.from(b.png))).toBe(false);
  });
});

// ---------------------------------------------------------------------------------------------------
// 4. Reliability diagram
// ---------------------------------------------------------------------------------------------------

describe("reliabilityPlot", () => {
  it("drops empty bins (NaN means) and renders both objectives", async () => {
    const bins: ReliabilityRows = OBJECTIVES.flatMap((objective, k) => {
      const { probabilities, targets } = probabilityFixture(4000, 20 + k, 0.3);
      return reliabilityDiagram(probabilities, targets, 10).map((bin) => ({ ...bin, objective }));
    });
    expect(bins.some((b) => b.count === 0)).toBe(true);
    const spec = reliabilityPlot(PLOTTED, bins);
    expectCompilesCleanly(spec);
    const layers = (spec as unknown as { layer: { data?: { values: { p?: number; count?: number }[] } }[] }).layer;
    const points = layers[1]!.data!.values;
    expect(points.length).toBe(bins.filter((b) => b.count > 0).length);
    expect(points.every((r) => r.count! > 0)).toBe(true);
    await expectRenders(spec, "Reliability of p(in span)", { minWidth: 1000, maxWidth: 1400, minHeight: 900, maxHeight: 1300 });
  });

  it("refuses a non-finite mean in a non-empty bin", () => {
    const bin: ReliabilityRows[number] = { objective: "soft", lower: 0, upper: 0.1, count: 3, meanPredicted: NaN, observedFrequency: 0 };
    expect(() => reliabilityPlot(PLOTTED, [bin])).toThrow(/meanPredicted must be a finite number/);
  });
});

// ---------------------------------------------------------------------------------------------------
// 5. Threshold sweep
// ---------------------------------------------------------------------------------------------------

describe("thresholdCurvePlot", () => {
  it("draws the chosen thresholds where the model placed them on the mean F1 curve, and labels baselines", async () => {
    const curves = thresholdCurves(
      thresholdRows(2),
      [
        { objective: "soft", threshold: 0.2 },
        { objective: "crf", threshold: 0.26 },
      ],
      [
        { label: "all-positive", f1: 0.1345 },
        { label: "prior-rate", f1: 0.128 },
      ],
    );
    const spec = thresholdCurvePlot(PLOTTED, curves, { soft: "best validation F1", crf: "best validation F1" });
    expectCompilesCleanly(spec);
    const marker = JSON.parse(JSON.stringify(spec)).layer.find((l: { data?: { values?: { label?: string }[] } }) =>
      l.data?.values?.some((v) => v.label === "best validation F1"),
    ).data.values[0];
    expect(marker.objective).toBe("soft span loss");
    expect(marker.f1).toBeCloseTo(curves.markers[0]!.f1, 5);
    const rendered = await expectRenders(spec, "Span F1, precision and recall against the decision threshold", {
      minWidth: 1100,
      maxWidth: 1500,
      minHeight: 800,
      maxHeight: 1100,
    });
    expect(rendered.svg).toContain("all-positive F1 0.135");
    expect(rendered.svg).toContain("prior-rate F1 0.128");
    expect(rendered.svg).toContain("Point, CRF: best validation F1; F1 ");
  });

  it("refuses a marker for an objective without a curve", () => {
    const curves: PlotData["thresholdCurves"] = {
      ...thresholdCurves(
        thresholdRows(1).filter((r) => r.objective === "soft"),
        [],
        [],
      ),
      markers: [{ objective: "crf", threshold: 0.3, f1: 0.2 }],
    };
    expect(() => thresholdCurvePlot(PLOTTED, curves)).toThrow(/no curve/);
  });
});

describe("spreadLabels", () => {
  it("keeps far labels where wanted and moves close ones apart symmetrically", () => {
    expect(spreadLabels([10, 100], 13)).toEqual([10, 100]);
    const [a, b] = spreadLabels([50, 53], 13);
    expect(b! - a!).toBeCloseTo(13, 9);
    expect((a! + b!) / 2).toBeCloseTo(51.5, 9);
    const three = spreadLabels([40, 40, 41], 10);
    const sorted = [...three].sort((x, y) => x - y);
    expect(sorted[1]! - sorted[0]!).toBeGreaterThanOrEqual(10 - 1e-9);
    expect(sorted[2]! - sorted[1]!).toBeGreaterThanOrEqual(10 - 1e-9);
  });
});

// ---------------------------------------------------------------------------------------------------
// 6. Candlestick page
// ---------------------------------------------------------------------------------------------------

describe("candlestickPage", () => {
  it("renders a six-window page with every window's id and span summary", async () => {
    const windows = windowFixture(6, 9);
    const spec = candlestickPage(PLOTTED, windows);
    expectCompilesCleanly(spec);
    const rendered = await expectRenders(spec, "Windows with true and predicted spans", { minWidth: 1200, maxWidth: 1500, minHeight: 3000, maxHeight: 4200 });
    for (const w of windows) expect(rendered.svg).toContain(`window ${w.windowId}`);
    expect(rendered.svg).toContain("CRF none");
    expect(rendered.svg).toContain("bar index in window");
  });

  it("draws a window without predictions, and one whose objectives both predicted no span", async () => {
    const [a, b] = windowFixture(2, 5);
    const bare = { ...a!, predicted: [] };
    const none = { ...b!, predicted: b!.predicted.map((p) => ({ ...p, span: null })) };
    const spec = candlestickPage(PLOTTED, [bare, none], { title: "Edge windows" });
    expectCompilesCleanly(spec);
    const rendered = await expectRenders(spec, "Edge windows", { minWidth: 1200, maxWidth: 1500, minHeight: 900, maxHeight: 1600 });
    expect(rendered.svg).toContain("soft span loss none · CRF none");
  });

  it("labels the axis with bar times and shades every annotated span when the window has them", async () => {
    const [w] = windowFixture(1, 6);
    const timestamps = Array.from({ length: 105 }, (_, k) => new Date(Date.UTC(2024, 2, 8, 21, 30) + k * 1_800_000).toISOString().replace(".000Z", "Z"));
    const other = w!.trueSpan.start > 10 ? { start: 2, end: 4 } : { start: 100, end: 102 };
    const spec = candlestickPage(PLOTTED, [{ ...w!, timestamps, spans: [other, w!.trueSpan].sort((a, b) => a.start - b.start) }]);
    expectCompilesCleanly(spec);
    const rendered = await expectRenders(spec, "Windows with true and predicted spans", { minWidth: 1200, maxWidth: 1500, minHeight: 500, maxHeight: 1200 });
    expect(rendered.svg).toContain("bar time (UTC)");
    // 30-minute bars across midnight: month-day and time on the ticks; the title gives the time range.
    expect(rendered.svg).toContain("03-08 21:30");
    expect(rendered.svg).toContain(`window ${w!.windowId} · 2024-03-08T21:30:00Z … 2024-03-11T01:30:00Z`);
    expect(rendered.svg).toContain(`(other annotated: ${other.start}–${other.end})`);
  });

  it("refuses probabilities of the wrong length and spans outside the window", () => {
    const [w] = windowFixture(1, 4);
    const short = { ...w!, predicted: [{ objective: "soft", span: null, probabilities: [0.5] }] };
    expect(() => candlestickPage(PLOTTED, [short])).toThrow(/1 probabilities for 105 bars/);
    expect(() => candlestickPage(PLOTTED, [{ ...w!, trueSpan: { start: 100, end: 105 } }])).toThrow(/not a span of a 105-bar window/);
    expect(() => candlestickPage(PLOTTED, [])).toThrow(/no windows/);
  });

  it("is a pure function of its input", () => {
    const windows = windowFixture(2, 7);
    expect(JSON.stringify(candlestickPage(PLOTTED, windows))).toBe(JSON.stringify(candlestickPage(PLOTTED, windows)));
    expect(JSON.stringify(candlestickPage(PLOTTED, windows))).not.toBe(JSON.stringify(candlestickPage(PLOTTED, windowFixture(2, 8))));
  });
});
