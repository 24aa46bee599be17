/** The plots of per-bar probabilities: one objective's histogram, and the reliability diagram of both. */
import type { TopLevelSpec } from "vega-lite";
import type { PlotData, ProbabilityHistogram } from "../../compare/types.js";
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

export interface HistogramOptions extends PlotText {
  objective: PlotObjective;
  title: string;
}

/**
 * Histogram of one objective's p(in span) on [0, 1], in-span bars against out-of-span bars, each group
 * normalised to sum to 1 so the rare in-span class is as visible as the common one; dashed rules mark
 * each group's mean p when the histogram has them (their gap is the "separation" of docs/spec.md §6).
 */
export function probabilityHistogramPlot(histogram: ProbabilityHistogram, options: HistogramOptions): TopLevelSpec {
  const plot = "probabilityHistogramPlot";
  const { objective } = options;
  const bins = histogram.bins;
  if (histogram.inSpan.length !== bins || histogram.outOfSpan.length !== bins || bins === 0)
    throw new Error(`${plot}: bin counts must be two non-empty arrays of ${bins} bins`);
  const nIn = histogram.inSpanBars;
  const nOut = histogram.outOfSpanBars;
  if (nIn + nOut === 0) throw new Error(`${plot}: no probabilities to plot`);
  const inLabel = `in span (n = ${nIn.toLocaleString("en-US")} bars)`;
  const outLabel = `out of span (n = ${nOut.toLocaleString("en-US")} bars)`;
  const values: Json[] = [];
  for (const [label, counts, shares] of [
    [outLabel, histogram.outOfSpan, histogram.outOfSpanShare],
    [inLabel, histogram.inSpan, histogram.inSpanShare],
  ] as const) {
    counts.forEach((count, b) => {
      values.push({ group: label, lower: round(b / bins), upper: round((b + 1) / bins), count, share: round(checkFinite(plot, "share", shares[b]!)) });
    });
  }
  const means: Json[] = [];
  if (histogram.outOfSpanMean !== null) means.push({ group: outLabel, mean: round(histogram.outOfSpanMean) });
  if (histogram.inSpanMean !== null) means.push({ group: inLabel, mean: round(histogram.inSpanMean) });
  const colour = {
    field: "group",
    type: "nominal",
    title: null,
    scale: { domain: [outLabel, inLabel], range: [BASELINE_COLOUR, objective.colour] },
    legend: { orient: "top", direction: "horizontal", labelLimit: 400, symbolOpacity: 0.6 },
  };
  const separation =
    histogram.inSpanMean !== null && histogram.outOfSpanMean !== null
      ? `Mean p: in span ${fixed3(histogram.inSpanMean)}, out of span ${fixed3(histogram.outOfSpanMean)} (dashed lines).`
      : "Group means unavailable from pre-binned counts.";
  const layers: Json[] = [
    {
      data: { values },
      // Bars overlap rather than stack: each group is its own distribution.
      mark: { type: "rect", opacity: 0.6, stroke: "white", strokeWidth: 0.3 },
      encoding: {
        x: { field: "lower", type: "quantitative", title: "predicted p(in span)", scale: { domain: [0, 1] }, axis: { tickCount: 10, format: ".1f" } },
        x2: { field: "upper" },
        y: { field: "share", type: "quantitative", title: "share of the group's bars (%)", axis: { format: ".0%" }, stack: null },
        y2: { datum: 0 },
        color: colour,
      },
    },
  ];
  if (means.length > 0) {
    layers.push({
      data: { values: means },
      mark: { type: "rule", strokeDash: [5, 3], strokeWidth: 1.5 },
      encoding: { x: { field: "mean", type: "quantitative" }, color: colour },
    });
  }
  return topLevel({
    title: titleBlock(options, {
      title: options.title,
      subtitle: [`${objective.label}: ${bins} bins on [0, 1]; each group sums to 100%.`, separation],
    }),
    width: PLOT_WIDTH - 70,
    height: 280,
    layer: layers,
  });
}

export type ReliabilityRows = PlotData["reliability"];

/**
 * Reliability diagram of both objectives: observed in-span frequency against mean predicted p per bin,
 * points sized by the number of bars in the bin, the diagonal as perfect calibration. Empty bins (NaN
 * means) are left out.
 */
export function reliabilityPlot(objectives: readonly PlotObjective[], bins: ReliabilityRows, text: PlotText = {}): TopLevelSpec {
  const plot = "reliabilityPlot";
  const rows = bins
    .filter((b) => b.count > 0)
    .map((b) => ({
      objective: checkObjective(plot, objectives, b.objective).label,
      lower: round(checkFinite(plot, "lower", b.lower)),
      upper: round(checkFinite(plot, "upper", b.upper)),
      count: checkFinite(plot, "count", b.count),
      meanPredicted: round(checkFinite(plot, "meanPredicted", b.meanPredicted)),
      observedFrequency: round(checkFinite(plot, "observedFrequency", b.observedFrequency)),
    }));
  if (rows.length === 0) throw new Error(`${plot}: no non-empty bins`);
  const present = new Set(bins.filter((b) => b.count > 0).map((b) => b.objective));
  const maxCount = Math.max(...rows.map((r) => r.count));
  const colour = { field: "objective", type: "nominal", title: "objective", scale: objectiveScale(objectives, present) };
  const x = { field: "meanPredicted", type: "quantitative", title: "mean predicted p(in span) in bin", scale: { domain: [0, 1] } };
  const y = { field: "observedFrequency", type: "quantitative", title: "observed in-span frequency in bin", scale: { domain: [0, 1] } };
  return topLevel({
    title: titleBlock(text, {
      title: "Reliability of p(in span)",
      subtitle: [
        "Validation bars binned by predicted p; a calibrated model lies on the dashed diagonal.",
        "Point area grows with √(bars in bin): a few bins hold most bars, and small bins are noisy.",
      ],
    }),
    width: 420,
    height: 420,
    layer: [
      {
        data: { values: [{ p: 0 }, { p: 1 }] },
        mark: { type: "line", color: BASELINE_COLOUR, strokeDash: [5, 4], strokeWidth: 1.2 },
        encoding: { x: { field: "p", type: "quantitative" }, y: { field: "p", type: "quantitative" } },
      },
      {
        data: { values: rows },
        layer: [
          { mark: { type: "line", strokeWidth: 1.2, opacity: 0.7 }, encoding: { x, y, color: colour, order: { field: "meanPredicted" } } },
          {
            mark: { type: "point", filled: true, opacity: 0.85, stroke: "white", strokeWidth: 0.8 },
            encoding: {
              x,
              y,
              color: colour,
              size: {
                field: "count",
                type: "quantitative",
                title: "bars in bin",
                scale: { type: "sqrt", zero: true, range: [0, 480] },
                legend: { values: sizeLegendValues(maxCount) },
              },
            },
          },
        ],
      },
    ],
  });
}

/** Three round counts spanning the bins' counts for the size legend (the default legend starts at 0). */
function sizeLegendValues(maxCount: number): number[] {
  const nice = (v: number): number => {
    const magnitude = 10 ** Math.floor(Math.log10(v));
    const leading = v / magnitude;
    return (leading >= 5 ? 5 : leading >= 2 ? 2 : 1) * magnitude;
  };
  const values = [nice(maxCount / 50), nice(maxCount / 7), nice(maxCount)].filter((v) => v >= 1);
  return [...new Set(values)];
}
