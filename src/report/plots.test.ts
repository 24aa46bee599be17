/**
 * Plot builders: each spec compiles without vega-lite warnings, renders to an SVG carrying its title and a
 * PNG of plausible size, changes when its data changes, and aggregates/validates its input as documented.
 * Renders are the slow part (~0.1–0.4 s each), so each builder is rendered once per distinct input.
 */
import { describe, expect, it } from "vitest";
import type { TopLevelSpec } from "vega-lite";
import { binIndex, reliabilityDiagram } from "../eval/calibration.js";
import {
  candlestickPage,
  histogramCounts,
  lossCurvesPlot,
  OBJECTIVE_COLOUR,
  probabilityHistogramPlot,
  reliabilityPlot,
  sigmaTrajectoriesPlot,
  spreadLabels,
  TASK_COLOUR,
  taskScalesPlot,
  thresholdCurvePlot,
  type CandleWindow,
  type LossPoint,
  type Objective,
  type Ohlc,
  type ReliabilityRow,
  type SigmaPoint,
  type TaskScaleRow,
  type ThresholdCurveRow,
} from "./plots.js";
import { compileVegaLite, MISSING_FONT_WARNING, renderVegaLite, type RenderedPlot } from "./render.js";

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

const OBJECTIVES: readonly Objective[] = ["soft", "crf"];

function lossFixture(epochs: number, seeds: number, seed = 1): LossPoint[] {
  const random = lcg(seed);
  const points: LossPoint[] = [];
  for (const objective of OBJECTIVES) {
    for (let s = 1; s <= seeds; s++) {
      for (let epoch = 1; epoch <= epochs; epoch++) {
        const scale = objective === "soft" ? 17 : 67;
        for (const split of ["train", "validation"] as const) {
          const loss = scale * (0.7 + 0.3 * Math.exp(-epoch / 8)) * (split === "train" ? 0.95 : 1) * (1 + 0.04 * (random() - 0.5));
          points.push({ objective, seed: s, epoch, split, loss });
        }
      }
    }
  }
  return points;
}

function sigmaFixture(epochs: number, seeds: number): SigmaPoint[] {
  const random = lcg(3);
  const rows: SigmaPoint[] = [];
  for (const objective of OBJECTIVES) {
    for (let seed = 1; seed <= seeds; seed++) {
      for (let epoch = 1; epoch <= epochs; epoch++) {
        const sigmas = [0.6, 0.85, objective === "soft" ? 1 - 0.005 * epoch : 1 + 0.005 * epoch, 1 + 0.006 * epoch].map((s) => s * (1 + 0.02 * random()));
        const inverse = sigmas.map((s) => 1 / s ** 2);
        const total = inverse.reduce((a, b) => a + b, 0);
        (["pointer", "type", "span", "countdown"] as const).forEach((task, i) =>
          rows.push({ objective, seed, epoch, task, sigma: sigmas[i]!, taskWeight: inverse[i]! / total }),
        );
      }
    }
  }
  return rows;
}

/** Raw losses spanning four decades, as real runs do (pointer ≈ 0.01, CRF span NLL ≈ 50). */
function taskScaleFixture(epochs: number, seeds: number): TaskScaleRow[] {
  const random = lcg(4);
  const rows: TaskScaleRow[] = [];
  const start = { pointer: 0.025, type: 1.05, countdown: 16 };
  for (const objective of OBJECTIVES) {
    for (let seed = 1; seed <= seeds; seed++) {
      for (let epoch = 1; epoch <= epochs; epoch++) {
        const decay = 0.6 + 0.4 * Math.exp(-epoch / 4);
        const losses = { ...start, span: objective === "soft" ? 0.58 : 52 };
        (["pointer", "type", "span", "countdown"] as const).forEach((task, i) => {
          const sigma = [0.7, 0.95, objective === "soft" ? 1 - 0.01 * epoch : 1 + 0.01 * epoch, 1 + 0.012 * epoch][i]!;
          rows.push({ objective, seed, epoch, task, rawLoss: losses[task] * decay * (1 + 0.03 * random()), effectiveWeight: 1 / (2 * sigma ** 2) });
        });
      }
    }
  }
  return rows;
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

function thresholdFixture(seeds: number): ThresholdCurveRow[] {
  const random = lcg(5);
  const rows: ThresholdCurveRow[] = [];
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

async function expectRenders(spec: TopLevelSpec, title: string, size: { minWidth: number; maxWidth: number; minHeight: number; maxHeight: number }): Promise<RenderedPlot> {
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
  it("aggregates seeds to mean/min/max per objective, split and epoch", () => {
    const spec = lossCurvesPlot([
      { objective: "soft", seed: 1, epoch: 1, split: "train", loss: 10 },
      { objective: "soft", seed: 2, epoch: 1, split: "train", loss: 14 },
      { objective: "soft", seed: 3, epoch: 1, split: "train", loss: 12 },
      { objective: "crf", seed: 1, epoch: 1, split: "validation", loss: 60 },
    ]);
    const rows = specData(spec);
    expect(rows).toContainEqual({ objective: "soft span loss", split: "train", epoch: 1, mean: 12, min: 10, max: 14, seeds: 3 });
    expect(rows).toContainEqual({ objective: "CRF", split: "validation", epoch: 1, mean: 60, min: 60, max: 60, seeds: 1 });
  });

  it("rejects non-finite losses, unknown objectives and duplicate seeds", () => {
    const base: LossPoint = { objective: "soft", seed: 1, epoch: 1, split: "train", loss: 1 };
    expect(() => lossCurvesPlot([{ ...base, loss: NaN }])).toThrow(/loss must be a finite number/);
    expect(() => lossCurvesPlot([{ ...base, objective: "mse" as Objective }])).toThrow(/unknown objective/);
    expect(() => lossCurvesPlot([base, { ...base, loss: 2 }])).toThrow(/duplicate row/);
    expect(() => lossCurvesPlot([])).toThrow(/no loss points/);
  });

  it("takes its title and subtitle as parameters and renders them", async () => {
    const spec = lossCurvesPlot(lossFixture(20, 3), { title: "Loss, 3 seeds", subtitle: ["Scales differ: CRF NLL is summed over bars"] });
    expectCompilesCleanly(spec);
    const rendered = await expectRenders(spec, "Loss, 3 seeds", { minWidth: 1200, maxWidth: 1600, minHeight: 600, maxHeight: 900 });
    expect(rendered.svg).toContain("Scales differ: CRF NLL is summed over bars");
    expect(rendered.svg).toContain(OBJECTIVE_COLOUR.soft);
    expect(rendered.svg).toContain(OBJECTIVE_COLOUR.crf);
  });
});

// ---------------------------------------------------------------------------------------------------
// 2. σ trajectories
// ---------------------------------------------------------------------------------------------------

describe("sigmaTrajectoriesPlot", () => {
  it("averages σ and weight across seeds per objective, task and epoch", () => {
    const rows: SigmaPoint[] = [
      { objective: "crf", seed: 1, epoch: 2, task: "span", sigma: 1.2, taskWeight: 0.1 },
      { objective: "crf", seed: 2, epoch: 2, task: "span", sigma: 1.4, taskWeight: 0.2 },
    ];
    const [row] = specData(sigmaTrajectoriesPlot(rows));
    expect(row).toMatchObject({ objective: "CRF", task: "span", epoch: 2 });
    expect(row!.sigma).toBeCloseTo(1.3, 12);
    expect(row!.weight).toBeCloseTo(0.15, 12);
  });

  it("compiles cleanly and renders σ and weight panels", async () => {
    const spec = sigmaTrajectoriesPlot(sigmaFixture(12, 2));
    expectCompilesCleanly(spec);
    const rendered = await expectRenders(spec, "Task uncertainty σ and task weights per epoch", { minWidth: 1200, maxWidth: 1700, minHeight: 800, maxHeight: 1200 });
    expect(rendered.svg).toContain("share of total weight (%)");
    expect(rendered.svg).toContain("countdown");
  });
});

// ---------------------------------------------------------------------------------------------------
// 2b. Task loss scales and effective weights
// ---------------------------------------------------------------------------------------------------

describe("taskScalesPlot", () => {
  it("averages raw loss and 1/(2σ²) across seeds, and draws already-aggregated rows as given", () => {
    const seeded: TaskScaleRow[] = [
      { objective: "crf", seed: 1, epoch: 3, task: "span", rawLoss: 60, effectiveWeight: 0.4 },
      { objective: "crf", seed: 2, epoch: 3, task: "span", rawLoss: 40, effectiveWeight: 0.5 },
      { objective: "soft", seed: 1, epoch: 3, task: "span", rawLoss: 0.5, effectiveWeight: 0.6 },
    ];
    const rows = specData(taskScalesPlot(seeded));
    expect(rows).toContainEqual({ objective: "CRF", task: "span", epoch: 3, loss: 50, weight: 0.45 });
    expect(rows).toContainEqual({ objective: "soft span loss", task: "span", epoch: 3, loss: 0.5, weight: 0.6 });
    const aggregated = seeded.slice(0, 1).map(({ seed: _, ...row }) => row);
    expect(specData(taskScalesPlot(aggregated))).toEqual([{ objective: "CRF", task: "span", epoch: 3, loss: 60, weight: 0.4 }]);
  });

  it("rejects non-finite or non-positive values, unknown tasks, mixed seeding and duplicates", () => {
    const base: TaskScaleRow = { objective: "soft", seed: 1, epoch: 1, task: "pointer", rawLoss: 0.02, effectiveWeight: 0.9 };
    expect(() => taskScalesPlot([{ ...base, rawLoss: NaN }])).toThrow(/rawLoss must be a finite number/);
    expect(() => taskScalesPlot([{ ...base, effectiveWeight: Infinity }])).toThrow(/effectiveWeight must be a finite number/);
    expect(() => taskScalesPlot([{ ...base, rawLoss: 0 }])).toThrow(/> 0 to be drawn on a log scale/);
    expect(() => taskScalesPlot([{ ...base, effectiveWeight: -1 }])).toThrow(/effectiveWeight 1\/\(2σ²\) must be > 0/);
    expect(() => taskScalesPlot([{ ...base, task: "shape" as TaskScaleRow["task"] }])).toThrow(/unknown task/);
    expect(() => taskScalesPlot([base, { ...base, seed: undefined, epoch: 2 }])).toThrow(/either every row has a seed/);
    expect(() => taskScalesPlot([base, { ...base, rawLoss: 0.03 }])).toThrow(/duplicate row/);
    expect(() => taskScalesPlot([])).toThrow(/no task-scale rows/);
  });

  it("compiles cleanly and renders a log-scale loss row with decade ticks over an effective-weight row", async () => {
    const spec = taskScalesPlot(taskScaleFixture(12, 2));
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
    const lossY = (spec as unknown as { vconcat: { spec: { encoding: { y: { scale: { type: string }; axis: { values: number[] } } } } }[] }).vconcat[0]!.spec.encoding.y;
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
  it("bins like the reliability diagram and normalises each group to sum to 1", () => {
    const { probabilities, targets } = probabilityFixture(2000, 11, 0.3);
    const counts = histogramCounts({ probabilities, targets }, 50);
    expect(counts.inSpan.length).toBe(50);
    const expectedIn = new Array<number>(50).fill(0);
    for (let i = 0; i < probabilities.length; i++) if (targets[i] === 1) expectedIn[binIndex(probabilities[i]!, 50)]!++;
    expect(counts.inSpan).toEqual(expectedIn);
    expect(counts.inSpan.reduce((a, b) => a + b, 0) + counts.outOfSpan.reduce((a, b) => a + b, 0)).toBe(2000);

    const spec = probabilityHistogramPlot({ probabilities, targets }, { objective: "soft", title: "soft" });
    const rect = (spec as unknown as { layer: { data: { values: { group: string; share: number }[] } }[] }).layer[0]!.data.values;
    const groups = new Map<string, number>();
    for (const row of rect) groups.set(row.group, (groups.get(row.group) ?? 0) + row.share);
    expect(groups.size).toBe(2);
    for (const total of groups.values()) expect(total).toBeCloseTo(1, 5);
  });

  it("accepts rows and pre-binned counts, and refuses another objective's rows", () => {
    const rows = [
      { inSpan: true, p: 0.9 },
      { inSpan: false, p: 0.1 },
      { inSpan: false, p: 1 },
    ];
    const fromRows = histogramCounts(rows, 10);
    expect(fromRows.inSpan[9]).toBe(1);
    expect(fromRows.outOfSpan[1]).toBe(1);
    expect(fromRows.outOfSpan[9]).toBe(1);
    expect(fromRows.outOfSpanMean).toBeCloseTo(0.55, 12);
    const fromCounts = histogramCounts({ inSpanCounts: [1, 2], outOfSpanCounts: [3, 4] });
    expect(fromCounts).toEqual({ inSpan: [1, 2], outOfSpan: [3, 4], inSpanMean: null, outOfSpanMean: null });
    expect(() => probabilityHistogramPlot([{ objective: "crf", inSpan: true, p: 0.5 }], { objective: "soft", title: "x" })).toThrow(/objective crf/);
    expect(() => histogramCounts([{ inSpan: true, p: 1.5 }])).toThrow(/\[0, 1\]/);
    expect(() => histogramCounts({ probabilities: [0.5], targets: [2] })).toThrow(/0 or 1/);
  });

  it("renders one objective per plot, and different data gives a different image", async () => {
    const soft = probabilityHistogramPlot(probabilityFixture(3000, 1, 0.25), { objective: "soft", title: "Span probabilities (soft span loss)" });
    const crf = probabilityHistogramPlot(probabilityFixture(3000, 2, 0.05), { objective: "crf", title: "Span probabilities (CRF)" });
    expectCompilesCleanly(soft);
    expectCompilesCleanly(crf);
    const size = { minWidth: 1200, maxWidth: 1500, minHeight: 700, maxHeight: 1000 };
    const a = await expectRenders(soft, "Span probabilities (soft span loss)", size);
    const b = await expectRenders(crf, "Span probabilities (CRF)", size);
    expect(a.svg).toContain(OBJECTIVE_COLOUR.soft);
    expect(b.svg).toContain(OBJECTIVE_COLOUR.crf);
    expect(Buffer.from(a.png).equals(Buffer.from(b.png))).toBe(false);
  });
});

// ---------------------------------------------------------------------------------------------------
// 4. Reliability diagram
// ---------------------------------------------------------------------------------------------------

describe("reliabilityPlot", () => {
  it("drops empty bins (NaN means) and renders both objectives", async () => {
    const bins: ReliabilityRow[] = OBJECTIVES.flatMap((objective, k) => {
      const { probabilities, targets } = probabilityFixture(4000, 20 + k, 0.3);
      return reliabilityDiagram(probabilities, targets, 10).map((bin) => ({ ...bin, objective }));
    });
    expect(bins.some((b) => b.count === 0)).toBe(true);
    const spec = reliabilityPlot(bins);
    expectCompilesCleanly(spec);
    const layers = (spec as unknown as { layer: { data?: { values: { p?: number; count?: number }[] } }[] }).layer;
    const points = layers[1]!.data!.values;
    expect(points.length).toBe(bins.filter((b) => b.count > 0).length);
    expect(points.every((r) => r.count! > 0)).toBe(true);
    await expectRenders(spec, "Reliability of p(in span)", { minWidth: 1000, maxWidth: 1400, minHeight: 900, maxHeight: 1300 });
  });

  it("refuses a non-finite mean in a non-empty bin", () => {
    const bin: ReliabilityRow = { objective: "soft", lower: 0, upper: 0.1, count: 3, meanPredicted: NaN, observedFrequency: 0 };
    expect(() => reliabilityPlot([bin])).toThrow(/meanPredicted must be a finite number/);
  });
});

// ---------------------------------------------------------------------------------------------------
// 5. Threshold sweep
// ---------------------------------------------------------------------------------------------------

describe("thresholdCurvePlot", () => {
  it("places chosen-threshold markers on the mean F1 curve and labels baselines", async () => {
    const rows = thresholdFixture(2);
    const spec = thresholdCurvePlot(
      rows,
      [
        { objective: "soft", threshold: 0.2, label: "best validation F1" },
        { objective: "crf", threshold: 0.26, label: "best validation F1" },
      ],
      [
        { label: "all-positive", f1: 0.1345 },
        { label: "prior-rate", f1: 0.128 },
      ],
    );
    expectCompilesCleanly(spec);
    const json = JSON.stringify(spec);
    // Soft's mean F1 at t = 0.21 lies on the curve (0.2 is between grid points 0.19 and 0.21).
    const soft = (t: number) => rows.filter((r) => r.objective === "soft" && r.threshold === t).map((r) => r.f1);
    const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
    const expected = (mean(soft(0.19)) + mean(soft(0.21))) / 2;
    const marker = JSON.parse(json).layer.find((l: { data?: { values?: { label?: string; f1?: number; objective?: string }[] } }) =>
      l.data?.values?.some((v) => v.label === "best validation F1"),
    ).data.values[0];
    expect(marker.objective).toBe("soft span loss");
    expect(marker.f1).toBeCloseTo(expected, 5);
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
    const rows = thresholdFixture(1).filter((r) => r.objective === "soft");
    expect(() => thresholdCurvePlot(rows, [{ objective: "crf", threshold: 0.3, label: "x" }])).toThrow(/no curve/);
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
    const spec = candlestickPage(windows);
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
    const spec = candlestickPage([bare, none], { title: "Edge windows" });
    expectCompilesCleanly(spec);
    const rendered = await expectRenders(spec, "Edge windows", { minWidth: 1200, maxWidth: 1500, minHeight: 900, maxHeight: 1600 });
    expect(rendered.svg).toContain("soft span loss none · CRF none");
  });

  it("refuses probabilities of the wrong length and spans outside the window", () => {
    const [w] = windowFixture(1, 4);
    const short = { ...w!, predicted: [{ objective: "soft" as const, span: null, probabilities: [0.5] }] };
    expect(() => candlestickPage([short])).toThrow(/1 probabilities for 105 bars/);
    expect(() => candlestickPage([{ ...w!, trueSpan: { start: 100, end: 105 } }])).toThrow(/not a span of a 105-bar window/);
    expect(() => candlestickPage([])).toThrow(/no windows/);
  });

  it("is a pure function of its input", () => {
    const windows = windowFixture(2, 7);
    expect(JSON.stringify(candlestickPage(windows))).toBe(JSON.stringify(candlestickPage(windows)));
    expect(JSON.stringify(candlestickPage(windows))).not.toBe(JSON.stringify(candlestickPage(windowFixture(2, 8))));
  });
});
