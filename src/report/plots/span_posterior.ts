/**
 * The plots of the span posterior (docs/spec.md §12): a heat map of each objective's P(start, end | x) on
 * the example windows (src/compare/example_posterior.ts holds the boxes), and the reliability of per-bar p
 * and of the span confidence P(IoU(MBR, Y) ≥ ½) before and after calibration
 * (src/compare/analysis/span_posterior.ts pools the bins).
 */
import type { TopLevelSpec } from "vega-lite";
import type { CalibrationBeforeAfter, ObjectiveSpanPosterior } from "../../compare/analysis/span_posterior.js";
import type { ExamplePosterior, ExampleWindow } from "../../compare/types.js";
import {
  BASELINE_COLOUR,
  checkFinite,
  checkObjective,
  fixed3,
  objectiveScale,
  PLOT_WIDTH,
  round,
  titleBlock,
  topLevel,
  type Json,
  type PlotObjective,
  type PlotText,
} from "./shared.js";

const MARKERS = ["true span", "decoded span", "MBR span"] as const;
type Marker = (typeof MARKERS)[number];

/** Probabilities below this are drawn in the scale's lightest colour: the log scale needs a floor. */
const FLOOR = 1e-4;

function spanText(span: { start: number; end: number }): string {
  return `${span.start}–${span.end}`;
}

function checkBox(plot: string, windowId: string, objective: string, posterior: ExamplePosterior, bars: number): void {
  const [s0, s1] = posterior.startRange;
  const [e0, e1] = posterior.endRange;
  const where = `window ${windowId} ${objective}`;
  if (!(Number.isInteger(s0) && Number.isInteger(s1) && Number.isInteger(e0) && Number.isInteger(e1) && s0 >= 0 && s0 <= s1 && e0 <= e1 && e1 < bars)) {
    throw new Error(`${plot}: ${where} has the box starts ${s0}–${s1} × ends ${e0}–${e1}, not inside a ${bars}-bar window`);
  }
  const k = posterior.cellBars;
  const rows = Math.ceil((s1 - s0 + 1) / k);
  const columns = Math.ceil((e1 - e0 + 1) / k);
  if (posterior.probabilities.length !== rows || posterior.probabilities.some((row) => row.length !== columns)) {
    throw new Error(`${plot}: ${where} needs ${rows} × ${columns} cells of ${k} bar(s) for its box`);
  }
  checkFinite(plot, `${where} mass`, posterior.mass);
}

/**
 * Small multiples of the span posterior: a row per example window, a column per objective, each cell of
 * the window's box a rect at (end, start) coloured by P(start, end) on a log scale, with the true span,
 * the objective's decoded span and its MBR span marked. Every objective of a window shares its box and
 * its axes; the column header gives the mass the box holds.
 */
export function spanPosteriorHeatmapPlot(objectives: readonly PlotObjective[], windows: readonly ExampleWindow[], text: PlotText = {}): TopLevelSpec {
  const plot = "spanPosteriorHeatmapPlot";
  if (windows.length === 0) throw new Error(`${plot}: no windows`);
  const datasets: Record<string, Json[]> = {};
  // One colour scale for every panel, up to the largest probability shown (the cells are checked below).
  let largest = FLOOR;
  for (const w of windows) for (const p of w.predicted) for (const row of p.posterior?.probabilities ?? []) for (const v of row) if (v > largest) largest = v;
  // A log legend labels only its ends unless told: a label per decade reads as orders of magnitude.
  const decades: number[] = [];
  for (let value = FLOOR; value <= largest * (1 + 1e-9); value *= 10) decades.push(Number(value.toPrecision(1)));
  let coarsest = 1;
  const columns = objectives.length;
  const width = Math.floor((PLOT_WIDTH - 40 - 22 * (columns - 1)) / columns);
  const rows = windows.map((w, index) => {
    const bars = w.bars.length;
    // Compact rows (the spec carries every cell inline): o = the objective's column, s and e = the cell's
    // first start and end bar; the rect's extent is derived in the spec from the box and its cell size.
    const values: Json[] = [];
    const headers: string[] = [];
    let box: Pick<ExamplePosterior, "startRange" | "endRange" | "cellBars"> | undefined;
    objectives.forEach((objective, o) => {
      const predicted = w.predicted.find((p) => p.objective === objective.name);
      if (!predicted?.posterior) throw new Error(`${plot}: window ${w.windowId} has no span posterior for ${objective.name}`);
      const posterior = predicted.posterior;
      checkBox(plot, w.windowId, objective.name, posterior, bars);
      box ??= posterior;
      if (posterior.startRange.join() !== box.startRange.join() || posterior.endRange.join() !== box.endRange.join() || posterior.cellBars !== box.cellBars) {
        throw new Error(`${plot}: window ${w.windowId}'s objectives have different boxes; a row shares its axes`);
      }
      headers.push(`${objective.label} · box holds ${(100 * posterior.mass).toFixed(1)}%`);
      const k = posterior.cellBars;
      const [s0] = posterior.startRange;
      const [e0] = posterior.endRange;
      for (const [i, row] of posterior.probabilities.entries()) {
        for (const [j, p] of row.entries()) {
          const start = s0 + i * k;
          const end = e0 + j * k;
          checkFinite(plot, `window ${w.windowId} ${objective.name} P(${start}, ${end})`, p);
          if (p < 0 || p > 1) throw new Error(`${plot}: window ${w.windowId} ${objective.name} P(${start}, ${end}) = ${p} is not a probability`);
          // Cells wholly below the diagonal hold no span: not drawn, so the triangle of possible spans shows.
          if (end + k - 1 >= start) values.push({ o, s: start, e: end, p });
        }
      }
      const marks: [Marker, { start: number; end: number } | null][] = [
        ["true span", w.trueSpan],
        ["decoded span", predicted.span],
        ["MBR span", posterior.mbr],
      ];
      for (const [marker, span] of marks) if (span) values.push({ o, marker, s: span.start, e: span.end });
    });
    const { startRange, endRange, cellBars: k } = box!;
    coarsest = Math.max(coarsest, k);
    const name = `window_${index}`;
    datasets[name] = values;
    const [s0, s1] = startRange;
    const [e0, e1] = endRange;
    // Square bars where the box allows it; a thin box still gets a readable height.
    const height = Math.round(Math.min(1.4 * width, Math.max(0.45 * width, (width * (s1 - s0 + 1)) / (e1 - e0 + 1))));
    const axis = { tickMinStep: 1, format: "d", grid: false };
    const x = {
      type: "quantitative",
      title: index === windows.length - 1 ? "end bar" : null,
      scale: { domain: [e0 - 0.5, e1 + 0.5], nice: false, zero: false },
      axis,
    };
    const y = { type: "quantitative", title: "start bar", scale: { domain: [s0 - 0.5, s1 + 0.5], nice: false, zero: false, reverse: true }, axis };
    const marker = (stroke: string, strokeWidth: number): Json => ({
      transform: [{ filter: "isValid(datum.marker)" }],
      mark: { type: "point", filled: false, stroke, strokeWidth, size: 90, opacity: 1 },
      encoding: {
        x: { field: "e", ...x },
        y: { field: "s", ...y },
        shape: {
          field: "marker",
          type: "nominal",
          title: null,
          scale: { domain: [...MARKERS], range: ["square", "cross", "diamond"] },
          legend: { orient: "top", direction: "horizontal", symbolStrokeColor: "#111111", symbolStrokeWidth: 1.6, symbolSize: 90 },
        },
        tooltip: [{ field: "marker" }, { field: "s", title: "start" }, { field: "e", title: "end" }],
      },
    });
    return {
      title: { text: `window ${w.windowId} · true span ${spanText(w.trueSpan)}`, fontSize: 12.5, offset: 4 },
      data: { name },
      // Wider than the default gap: the last end label of one panel and the first of the next must not meet.
      spacing: 22,
      facet: {
        column: {
          field: "o",
          type: "ordinal",
          title: null,
          header: { labelExpr: `${JSON.stringify(headers)}[datum.value]`, labelFontWeight: "normal", labelFontSize: 11 },
        },
      },
      spec: {
        width,
        height,
        layer: [
          {
            transform: [
              { filter: "!isValid(datum.marker)" },
              // The cell's bars, the last cell of a row or column cut at the box's edge; the floor of the log scale.
              { calculate: "datum.e - 0.5", as: "x" },
              { calculate: `min(datum.e + ${k - 1}, ${e1}) + 0.5`, as: "x2" },
              { calculate: "datum.s - 0.5", as: "y" },
              { calculate: `min(datum.s + ${k - 1}, ${s1}) + 0.5`, as: "y2" },
              { calculate: `max(datum.p, ${FLOOR})`, as: "shown" },
            ],
            mark: { type: "rect" },
            encoding: {
              x: { field: "x", ...x },
              x2: { field: "x2" },
              y: { field: "y", ...y },
              y2: { field: "y2" },
              color: {
                field: "shown",
                type: "quantitative",
                title: "P(start, end)",
                scale: { type: "log", scheme: "yellowgreenblue", domain: [FLOOR, round(largest)], clamp: true },
                legend: { orient: "right", format: "~g", gradientLength: 160, values: decades },
              },
              tooltip: [
                { field: "s", title: "start" },
                { field: "e", title: "end" },
                { field: "p", format: ".3g", title: "P" },
              ],
            },
          },
          // A white halo under a dark outline: the markers read on the lightest and the darkest cells alike.
          marker("white", 3.2),
          marker("#111111", 1.4),
        ],
      },
      // Marks at the box's edge must not widen a row's columns (and misalign them with the rows above).
      bounds: "flush",
      resolve: { scale: { x: "shared", y: "shared" } },
    };
  });
  const cells =
    coarsest > 1 ? `Wide boxes are drawn in cells of up to ${coarsest} × ${coarsest} bars, each the mean P of its spans.` : "One cell per span [start, end].";
  return topLevel({
    title: titleBlock(text, {
      title: "Span posteriors of the example windows",
      subtitle: [
        "Each head's exact P(start, end | x) over single spans at temperature 1 (the model's own, uncalibrated), log colour scale.",
        "Rows: example windows; columns: objectives; x: end bar, y: start bar. Box: the starts and ends left once ½% of each",
        "boundary marginal's mass is cut from either side (all objectives together), widened to the marked spans; the header",
        `gives the mass it holds. ${cells}`,
      ],
    }),
    datasets,
    vconcat: rows,
    spacing: 18,
    resolve: { scale: { color: "shared", shape: "shared", x: "independent", y: "independent" } },
  });
}

const STATES = ["before calibration", "after calibration"] as const;

/**
 * Reliability before and after calibration, two panels: per-bar p(in span) (raw → isotonic) and the span
 * confidence P(IoU(MBR, true span) ≥ ½) (raw → at the fitted temperature through the isotonic map), bins
 * pooled over runs. Colour: objective; dashed, hollow points: before; solid, filled: after; the dashed
 * grey diagonal is perfect calibration. Each panel's subtitle gives every objective's ECE before → after.
 */
export function spanCalibrationPlot(objectives: readonly PlotObjective[], sections: readonly ObjectiveSpanPosterior[], text: PlotText = {}): TopLevelSpec {
  const plot = "spanCalibrationPlot";
  if (sections.length === 0) throw new Error(`${plot}: no objectives`);
  for (const s of sections) checkObjective(plot, objectives, s.objective);
  const panels = [
    {
      side: "bars" as const,
      title: "Per-bar p(in span): raw → isotonic",
      x: "mean predicted p(in span) in bin",
      y: "observed in-span frequency",
      count: "bars",
    },
    {
      side: "spans" as const,
      title: "Span confidence P(IoU ≥ ½): raw → calibrated",
      x: "mean P(IoU ≥ ½) in bin",
      y: "share of windows with IoU(MBR, true) ≥ ½",
      count: "windows",
    },
  ];
  const present = sections.map((s) => s.objective);
  const colour = {
    field: "objective",
    type: "nominal",
    title: null,
    scale: objectiveScale(objectives, present),
    legend: { orient: "top", direction: "horizontal" },
  };
  const dash = {
    field: "state",
    type: "nominal",
    title: null,
    scale: {
      domain: [...STATES],
      range: [
        [5, 3],
        [1, 0],
      ],
    },
    legend: { orient: "top", direction: "horizontal", symbolStrokeColor: "#444444", symbolType: "stroke" },
  };
  const width = Math.floor((PLOT_WIDTH - 80) / 2);
  const specs = panels.map((panel) => {
    const rows = sections.flatMap((s) => {
      const label = checkObjective(plot, objectives, s.objective).label;
      const side: CalibrationBeforeAfter = s[panel.side];
      return (
        [
          [STATES[0], side.reliabilityBefore],
          [STATES[1], side.reliabilityAfter],
        ] as const
      ).flatMap(([state, bins]) =>
        bins
          .filter((b) => b.count > 0)
          .map((b) => ({
            objective: label,
            state,
            count: b.count,
            meanPredicted: round(checkFinite(plot, `${s.objective} ${panel.side} meanPredicted`, b.meanPredicted)),
            observedFrequency: round(checkFinite(plot, `${s.objective} ${panel.side} observedFrequency`, b.observedFrequency)),
          })),
      );
    });
    if (rows.length === 0) throw new Error(`${plot}: no non-empty ${panel.side} bins`);
    const ece = sections.map((s) => {
      const side = s[panel.side];
      const before = checkFinite(plot, `${s.objective} ${panel.side} eceBefore`, side.eceBefore);
      const after = checkFinite(plot, `${s.objective} ${panel.side} eceAfter`, side.eceAfter);
      return `${checkObjective(plot, objectives, s.objective).label}: ECE ${fixed3(before)} → ${fixed3(after)}`;
    });
    const x = { field: "meanPredicted", type: "quantitative", title: panel.x, scale: { domain: [0, 1] } };
    const y = { field: "observedFrequency", type: "quantitative", title: panel.y, scale: { domain: [0, 1] } };
    const size = { field: "count", type: "quantitative", scale: { type: "sqrt", zero: true, range: [6, 220] }, legend: null };
    const tooltip = [{ field: "objective" }, { field: "state" }, { field: "count", title: `${panel.count} in bin` }];
    const points = (state: (typeof STATES)[number], filled: boolean): Json => ({
      transform: [{ filter: { field: "state", equal: state } }],
      mark: { type: "point", filled, opacity: 0.9, strokeWidth: 1.3 },
      encoding: { x, y, color: colour, size, tooltip },
    });
    return {
      title: { text: panel.title, subtitle: ece, fontSize: 12.5, subtitleFontSize: 11, offset: 6 },
      width,
      height: width,
      layer: [
        {
          data: { values: [{ p: 0 }, { p: 1 }] },
          mark: { type: "line", color: BASELINE_COLOUR, strokeDash: [2, 3], strokeWidth: 1 },
          encoding: { x: { field: "p", type: "quantitative" }, y: { field: "p", type: "quantitative" } },
        },
        {
          data: { values: rows },
          layer: [
            {
              mark: { type: "line", strokeWidth: 1.5, opacity: 0.8 },
              encoding: { x, y, color: colour, strokeDash: dash, detail: { field: "state" }, order: { field: "meanPredicted" } },
            },
            points(STATES[0], false),
            points(STATES[1], true),
          ],
        },
      ],
    };
  });
  return topLevel({
    title: titleBlock(text, {
      title: "Calibration of the span posterior, before and after",
      subtitle: [
        "Scored windows binned by the confidence each head states; a calibrated head lies on the grey diagonal. Dashed, hollow:",
        "before; solid, filled: after. Each run is calibrated on its own training windows; bins pooled over runs.",
        "Point area grows with √(bars or windows in bin): small bins are noisy.",
      ],
    }),
    hconcat: specs,
    spacing: 28,
    resolve: { scale: { color: "shared", strokeDash: "shared", size: "independent" } },
  });
}
