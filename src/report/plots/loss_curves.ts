/** Train and validation loss per epoch: the seed mean as a line, the min–max across seeds as a band. */
import type { TopLevelSpec } from "vega-lite";
import type { PlotData } from "../../compare/types.js";
import {
  checkFinite,
  checkObjective,
  checkUnique,
  compareStrings,
  objectiveScale,
  PLOT_WIDTH,
  round,
  seedCountText,
  titleBlock,
  topLevel,
  type PlotObjective,
  type PlotText,
} from "./shared.js";

export type LossCurves = PlotData["lossCurves"];

const SPLIT_DASH = {
  field: "split",
  type: "nominal",
  title: "split",
  scale: {
    domain: ["train", "validation"],
    range: [
      [1, 0],
      [6, 4],
    ],
  },
  // Long stroke symbols: the default 8 px symbol cannot show a 6-4 dash.
  legend: { symbolType: "stroke", symbolSize: 500, symbolStrokeColor: "#555555", orient: "top", direction: "horizontal", titleOrient: "left" },
};

/**
 * One panel per objective with its own y scale; solid = train, dashed = validation. `curves` holds the
 * seed mean and range per objective, split and epoch.
 */
export function lossCurvesPlot(objectives: readonly PlotObjective[], curves: LossCurves, text: PlotText = {}): TopLevelSpec {
  const plot = "lossCurvesPlot";
  if (curves.points.length === 0) throw new Error(`${plot}: no loss points`);
  for (const p of curves.points) {
    checkObjective(plot, objectives, p.objective);
    checkFinite(plot, "epoch", p.epoch);
    for (const field of ["mean", "min", "max"] as const) checkFinite(plot, `loss ${field}`, p[field]);
    if (p.split !== "train" && p.split !== "validation") throw new Error(`${plot}: unknown split ${JSON.stringify(p.split)}`);
  }
  checkUnique(plot, curves.points, (p) => `objective ${p.objective}, split ${p.split}, epoch ${p.epoch}`);
  const rows = curves.points.map((p) => ({
    objective: checkObjective(plot, objectives, p.objective).label,
    split: p.split,
    epoch: p.epoch,
    mean: round(p.mean),
    min: round(p.min),
    max: round(p.max),
    seeds: p.seeds,
  }));
  rows.sort((a, b) => compareStrings(a.objective, b.objective) || compareStrings(a.split, b.split) || a.epoch - b.epoch);
  const present = new Set(curves.points.map((p) => p.objective));
  const seeds = curves.seeds;
  const epochs = new Set(curves.points.map((p) => p.epoch)).size;
  const scale = objectiveScale(objectives, present);
  const colour = { field: "objective", type: "nominal", scale, legend: null };
  const x = { field: "epoch", type: "quantitative", title: "epoch", axis: { tickMinStep: 1, format: "d" } };
  const columns = present.size;
  return topLevel({
    title: titleBlock(text, {
      title: "Training and validation loss per epoch",
      subtitle: [
        `Line: mean across ${seedCountText(seeds)}${seeds > 1 ? "; band: min–max across seeds" : ""}. Solid: train; dashed: validation.`,
        "Each panel has its own y scale: the CRF loss is a negative log-likelihood summed over a window's bars, the soft",
        "span loss a per-bar binary cross-entropy, so compare the shapes of the curves, not their levels.",
      ],
    }),
    data: { values: rows },
    facet: {
      column: { field: "objective", type: "nominal", sort: scale.domain, title: null, header: { labelFontSize: 13 } },
    },
    spec: {
      width: Math.floor((PLOT_WIDTH - 14 * (columns - 1)) / columns) - (columns > 1 ? 40 : 60),
      height: 260,
      layer: [
        {
          mark: { type: "area", opacity: 0.18 },
          encoding: {
            x,
            y: { field: "min", type: "quantitative" },
            y2: { field: "max" },
            color: colour,
            detail: { field: "split", type: "nominal" },
          },
        },
        {
          mark: { type: "line", strokeWidth: 2 },
          encoding: {
            x,
            y: { field: "mean", type: "quantitative", title: "loss (each objective's own units)", scale: { zero: false } },
            color: colour,
            strokeDash: SPLIT_DASH,
          },
        },
        // Points only when the epochs are few enough to tell apart (a one-epoch line would be invisible);
        // a layer of their own, since a line's `point` option would replace the dash legend's symbols.
        ...(epochs <= 15
          ? [
              {
                mark: { type: "point", filled: true, size: 28 },
                encoding: { x, y: { field: "mean", type: "quantitative" }, color: colour, detail: { field: "split", type: "nominal" } },
              },
            ]
          : []),
      ],
    },
    resolve: { scale: { y: "independent" } },
  });
}
