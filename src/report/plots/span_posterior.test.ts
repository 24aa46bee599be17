/**
 * The span posterior's plots: the heat map of the example windows and the calibration diagrams compile
 * without vega-lite warnings, render every window and every objective, carry the model's numbers, and
 * refuse input they cannot draw. Fixtures are built the way compare builds them (the soft head's exact
 * posterior on hand-made logits, reliability bins of hand-made confidences). The render helpers are
 * plots.test.ts's, restated: that file is at the size limit.
 */
import { describe, expect, it } from "vitest";
import type { TopLevelSpec } from "vega-lite";
import type { ObjectiveSpanPosterior } from "../../compare/analysis/span_posterior.js";
import { describeObjective } from "../../compare/analysis/objectives.js";
import { examplePosteriors, windowLogPosterior } from "../../compare/example_posterior.js";
import type { ExampleWindow } from "../../compare/types.js";
import { reliabilityDiagram } from "../../eval/calibration.js";
import { coverageWithInterval } from "../../eval/recalibration.js";
import { softSpanHead } from "../../model/heads/soft.js";
import { SPAN_OBJECTIVES } from "../../model/heads/registry.js";
import { ParameterSet } from "../../model/parameters.js";
import { compileVegaLite, MISSING_FONT_WARNING, renderVegaLite } from "../render.js";
import { plotObjectives } from "./shared.js";
import { spanCalibrationPlot, spanPosteriorHeatmapPlot } from "./span_posterior.js";

/** Every registered objective (three), as plots show them. */
const PLOTTED = plotObjectives(SPAN_OBJECTIVES.map(describeObjective));
const BARS = 105;

/**
 * Logits peaked on [start, end] (sharper for later objectives), the soft head's posterior of each; with
 * `flat`, the second objective's logits are all 0, as an untrained head's: its posterior spreads over
 * the whole window.
 */
function exampleWindow(id: string, start: number, end: number, flat: boolean): ExampleWindow {
  const logPosteriors = PLOTTED.map((_, k) => {
    const logits = Array.from({ length: BARS }, (_, t) => (flat && k === 1 ? 0 : t >= start + k && t <= end ? 2 + k : -3));
    const spanScores = Float32Array.from(logits);
    const spanContext = { batch: 1, bars: BARS, parameters: new ParameterSet([]), posWeight: 1 };
    return windowLogPosterior(
      { head: softSpanHead, bars: BARS, spanScores, probabilities: softSpanHead.probabilities(spanScores, spanContext), spanContext },
      0,
    );
  });
  const trueSpan = { start, end };
  const decoded = PLOTTED.map((_, k) => (k === 1 ? null : { start: start + k, end }));
  const posteriors = examplePosteriors(logPosteriors, BARS, [trueSpan, ...decoded]);
  return {
    windowId: id,
    bars: Array.from({ length: BARS }, () => [10, 11, 9, 10.5] as [number, number, number, number]),
    trueSpan,
    predicted: PLOTTED.map((o, k) => ({ objective: o.name, span: decoded[k]!, probabilities: new Array(BARS).fill(0.1), posterior: posteriors[k]! })),
  };
}

/** A sharp window (a box of exact cells) and a diffuse one (the box cut into cells of several bars). */
const WINDOWS = [exampleWindow("val-0007", 40, 52, false), exampleWindow("val-0031", 10, 20, true)];

function lcg(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

/** Reliability bins of confidences that are `bias` too high before and calibrated after. */
function bins(seed: number, n: number, bias: number) {
  const random = lcg(seed);
  const before = new Float64Array(n);
  const after = new Float64Array(n);
  const targets = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const p = random() ** 2;
    targets[i] = random() < p ? 1 : 0;
    after[i] = p;
    before[i] = Math.min(1, p + bias * (1 - p));
  }
  return { before: reliabilityDiagram(before, targets, 10), after: reliabilityDiagram(after, targets, 10) };
}

function section(objective: string, k: number): ObjectiveSpanPosterior {
  const coverage = coverageWithInterval(80, 100);
  const barBins = bins(10 + k, 5000, 0.3 - 0.1 * k);
  const spanBins = bins(20 + k, 300, 0.2);
  return {
    objective,
    runs: 2,
    temperatures: [1.5, 1.7],
    meanTemperature: 1.6,
    fittedOn: 400,
    coverage: { startBefore: coverage, startAfter: coverage, endBefore: coverage, endAfter: coverage },
    bars: { eceBefore: 0.2 - 0.05 * k, eceAfter: 0.011 + 0.001 * k, reliabilityBefore: barBins.before, reliabilityAfter: barBins.after },
    spans: { eceBefore: 0.15, eceAfter: 0.04 + 0.01 * k, reliabilityBefore: spanBins.before, reliabilityAfter: spanBins.after },
    claimedExpectedIoU: 0.5,
    topBestIoU: 0.6,
    topK: 5,
  };
}

const SECTIONS = PLOTTED.map((o, k) => section(o.name, k));

const escapeXml = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/'/g, "&#39;").replace(/"/g, "&quot;");

async function expectRenders(spec: TopLevelSpec, title: string): Promise<string> {
  expect(compileVegaLite(spec).warnings).toEqual([]);
  const rendered = await renderVegaLite(spec);
  expect(rendered.warnings.filter((w) => w !== MISSING_FONT_WARNING)).toEqual([]);
  expect(rendered.svg).toContain(escapeXml(title));
  expect([...rendered.png.subarray(0, 4)]).toEqual([0x89, 0x50, 0x4e, 0x47]);
  return rendered.svg;
}

type Row = { o: number; s: number; e: number; p?: number; marker?: string };
const datasets = (spec: TopLevelSpec) => (spec as unknown as { datasets: Record<string, Row[]> }).datasets;

describe("spanPosteriorHeatmapPlot", () => {
  it("draws every window as a row and every objective as a column, each cell the model's probability", () => {
    expect(WINDOWS[0]!.predicted[0]!.posterior!.cellBars).toBe(1);
    expect(WINDOWS[1]!.predicted[0]!.posterior!.cellBars).toBeGreaterThan(1);
    const spec = spanPosteriorHeatmapPlot(PLOTTED, WINDOWS);
    const data = datasets(spec);
    expect(Object.keys(data)).toHaveLength(WINDOWS.length);
    WINDOWS.forEach((w, index) => {
      const rows = data[`window_${index}`]!;
      PLOTTED.forEach((_, o) => {
        const posterior = w.predicted[o]!.posterior!;
        const cells = rows.filter((r) => r.o === o && r.marker === undefined);
        // Every cell on or above the diagonal, with the box's probability at its start and end.
        const k = posterior.cellBars;
        const [s0] = posterior.startRange;
        const [e0] = posterior.endRange;
        const expected = posterior.probabilities.flatMap((row, i) =>
          row.map((p, j) => ({ o, s: s0 + i * k, e: e0 + j * k, p })).filter((c) => c.e + k - 1 >= c.s),
        );
        expect(cells).toEqual(expected);
        const markers = rows.filter((r) => r.o === o && r.marker !== undefined).map((r) => r.marker);
        expect(markers).toEqual(o === 1 ? ["true span", "MBR span"] : ["true span", "decoded span", "MBR span"]);
      });
    });
  });

  it("compiles cleanly and renders each window's title and each objective's header with the mass of its box", async () => {
    const spec = spanPosteriorHeatmapPlot(PLOTTED, WINDOWS);
    const svg = await expectRenders(spec, "Span posteriors of the example windows");
    for (const w of WINDOWS) expect(svg).toContain(escapeXml(`window ${w.windowId} · true span ${w.trueSpan.start}–${w.trueSpan.end}`));
    for (const o of PLOTTED) {
      for (const w of WINDOWS) {
        const mass = w.predicted.find((p) => p.objective === o.name)!.posterior!.mass;
        expect(svg).toContain(escapeXml(`${o.label} · box holds ${(100 * mass).toFixed(1)}%`));
      }
    }
    for (const marker of ["true span", "decoded span", "MBR span", "P(start, end)", "end bar", "start bar"]) expect(svg).toContain(marker);
    expect(svg).toContain("cells of up to");
  });

  it("refuses a window without an objective's posterior, boxes that differ within a row, and cells that do not fill the box", () => {
    const [w] = WINDOWS;
    const dropped = { ...w!, predicted: w!.predicted.slice(1) };
    expect(() => spanPosteriorHeatmapPlot(PLOTTED, [dropped])).toThrow(/window val-0007 has no span posterior for soft/);
    const bare = { ...w!, predicted: w!.predicted.map(({ posterior: _, ...p }) => p) };
    expect(() => spanPosteriorHeatmapPlot(PLOTTED, [bare])).toThrow(/no span posterior/);
    const shifted = { ...w!, predicted: w!.predicted.map((p, k) => (k === 2 ? { ...p, posterior: WINDOWS[1]!.predicted[2]!.posterior! } : p)) };
    expect(() => spanPosteriorHeatmapPlot(PLOTTED, [shifted])).toThrow(/different boxes/);
    const short = { ...w!, predicted: w!.predicted.map((p) => ({ ...p, posterior: { ...p.posterior!, probabilities: p.posterior!.probabilities.slice(1) } })) };
    expect(() => spanPosteriorHeatmapPlot(PLOTTED, [short])).toThrow(/needs \d+ × \d+ cells/);
    expect(() => spanPosteriorHeatmapPlot(PLOTTED, [])).toThrow(/no windows/);
  });
});

describe("spanCalibrationPlot", () => {
  it("draws both panels' bins before and after for every objective, and each ECE before → after", async () => {
    const spec = spanCalibrationPlot(PLOTTED, SECTIONS);
    const panels = (spec as unknown as { hconcat: { layer: { data: { values: { objective: string; state: string; count: number }[] } }[] }[] }).hconcat;
    expect(panels).toHaveLength(2);
    panels.forEach((panel, i) => {
      const rows = panel.layer[1]!.data.values;
      const side = i === 0 ? "bars" : "spans";
      for (const [k, o] of PLOTTED.entries()) {
        for (const [state, bins] of [
          ["before calibration", SECTIONS[k]![side].reliabilityBefore],
          ["after calibration", SECTIONS[k]![side].reliabilityAfter],
        ] as const) {
          const drawn = rows.filter((r) => r.objective === o.label && r.state === state);
          expect(drawn.map((r) => r.count)).toEqual(bins.filter((b) => b.count > 0).map((b) => b.count));
        }
      }
    });
    const svg = await expectRenders(spec, "Calibration of the span posterior, before and after");
    expect(svg).toContain(escapeXml("Per-bar p(in span): raw → isotonic"));
    expect(svg).toContain(escapeXml("Span confidence P(IoU ≥ ½): raw → calibrated"));
    expect(svg).toContain(escapeXml("soft span loss: ECE 0.200 → 0.011"));
    expect(svg).toContain(escapeXml("CRF: ECE 0.150 → 0.050"));
    expect(svg).toContain(escapeXml(`${PLOTTED[2]!.label}: ECE 0.150 → 0.060`));
    for (const state of ["before calibration", "after calibration"]) expect(svg).toContain(state);
    for (const o of PLOTTED) expect(svg).toContain(o.colour);
  });

  it("refuses an unknown objective, a non-finite ECE and bins that are all empty", () => {
    expect(() => spanCalibrationPlot(PLOTTED, [{ ...SECTIONS[0]!, objective: "mse" }])).toThrow(/unknown objective/);
    expect(() => spanCalibrationPlot(PLOTTED, [{ ...SECTIONS[0]!, spans: { ...SECTIONS[0]!.spans, eceAfter: Number.NaN } }])).toThrow(
      /eceAfter must be a finite number/,
    );
    const empty = SECTIONS[0]!.bars.reliabilityBefore.map((b) => ({ ...b, count: 0 }));
    expect(() =>
      spanCalibrationPlot(PLOTTED, [{ ...SECTIONS[0]!, bars: { ...SECTIONS[0]!.bars, reliabilityBefore: empty, reliabilityAfter: empty } }]),
    ).toThrow(/no non-empty bars bins/);
    expect(() => spanCalibrationPlot(PLOTTED, [])).toThrow(/no objectives/);
  });
});
