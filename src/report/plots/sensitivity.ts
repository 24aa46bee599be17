/**
 * "Does the verdict depend on the settings?": span F1 of each objective's own decoder at every
 * sensitivity point, with its window-bootstrap interval (src/compare/analysis/sensitivity.ts), one panel
 * per axis (pos_weight, epochs); the compare's own setting is marked.
 */
import type { TopLevelSpec } from "vega-lite";
import type { Sensitivity } from "../../compare/types.js";
import { checkFinite, nudgedIntervalLayers, PLOT_WIDTH, type PlotObjective, type PlotText, titleBlock, topLevel } from "./shared.js";

const AXIS_TITLE = { pos_weight: "pos_weight (soft span loss)", epochs: "epochs", weighting: "task weighting" } as const;

export function sensitivityPlot(objectives: readonly PlotObjective[], sensitivity: Sensitivity, text: PlotText = {}): TopLevelSpec {
  const rows = sensitivity.points.flatMap((point, order) =>
    objectives.map((objective) => {
      const f1 = point.f1[objective.name];
      if (!f1) throw new Error(`sensitivity plot: point ${point.setting} has no F1 for ${objective.name}`);
      const field = `points[${order}].f1.${objective.name}`;
      return {
        axis: AXIS_TITLE[point.axis],
        setting: `${point.axis === "epochs" ? point.epochs : point.setting}${point.main ? " (compare)" : ""}`,
        // Settings in the order of their value (pos_weight 1 < balanced < 2 × balanced; epochs ascending).
        order: point.axis === "pos_weight" ? (point.posWeight ?? order) : point.axis === "epochs" ? point.epochs : order,
        objective: objective.label,
        f1: checkFinite("sensitivity plot", `${field}.mean`, f1.mean),
        low: checkFinite("sensitivity plot", `${field}.low`, f1.low),
        high: checkFinite("sensitivity plot", `${field}.high`, f1.high),
      };
    }),
  );
  const axes = [...new Set(rows.map((row) => row.axis))];
  const x = { field: "setting", type: "ordinal", sort: { field: "order" }, title: null, axis: { labelAngle: 0 } };
  return topLevel({
    title: titleBlock(text, {
      title: "Does the verdict depend on the settings?",
      subtitle: [
        `Span F1 of each objective's own decoder; bars: ${sensitivity.intervalMethod}.`,
        "The sentence the intervals support is in the caption and the documents.",
      ],
    }),
    data: { values: rows },
    facet: { column: { field: "axis", type: "nominal", title: null, sort: axes } },
    resolve: { scale: { x: "independent" } },
    spec: {
      width: Math.floor((PLOT_WIDTH - 40 * axes.length) / axes.length),
      height: 220,
      layer: nudgedIntervalLayers(objectives, x, { title: "span F1 (validation)", scale: { domain: [0, 1] } }, "f1"),
    },
  });
}
