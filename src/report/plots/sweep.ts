/**
 * The sweep as small multiples: one panel per headline metric, one point per configuration and objective
 * with its interval over seeds (src/compare/sweep.ts); the primary metric first.
 */
import type { TopLevelSpec } from "vega-lite";
import type { SweepResult } from "../../compare/sweep_types.js";
import { checkFinite, nudgedIntervalLayers, PLOT_WIDTH, type PlotObjective, titleBlock, topLevel } from "./shared.js";

export function sweepPlot(objectives: readonly PlotObjective[], sweep: SweepResult, metrics: readonly string[]): TopLevelSpec {
  const rows = sweep.configurations.flatMap((configuration, order) =>
    metrics.flatMap((key) => {
      const metric = configuration.metrics[key];
      if (!metric) return [];
      return objectives.flatMap((objective) => {
        const value = metric.byObjective[objective.name];
        if (!value) return [];
        const field = `configurations[${order}].metrics.${key}.${objective.name}`;
        return [
          {
            metric: metric.label,
            configuration: configuration.label,
            order,
            objective: objective.label,
            mean: checkFinite("sweep plot", `${field}.mean`, value.mean),
            low: checkFinite("sweep plot", `${field}.low`, value.low),
            high: checkFinite("sweep plot", `${field}.high`, value.high),
          },
        ];
      });
    }),
  );
  const x = { field: "configuration", type: "ordinal", sort: { field: "order" }, title: null, axis: { labelAngle: -30, labelLimit: 220 } };
  return topLevel({
    title: titleBlock(
      {},
      {
        title: "Sweep: headline metrics per configuration",
        subtitle: [`Seed mean and 95% bootstrap interval over ${sweep.seeds.length} paired seeds (${sweep.seeds.join(", ")}); validation windows.`],
      },
    ),
    data: { values: rows },
    facet: {
      row: {
        field: "metric",
        type: "nominal",
        title: null,
        sort: metrics.map((key) => sweep.configurations[0]!.metrics[key]?.label ?? key),
        // The metric names are long: above each panel, horizontal, not along its side.
        header: { labelAngle: 0, labelOrient: "top", labelAnchor: "start", labelLimit: PLOT_WIDTH, labelFontWeight: "bold" },
      },
    },
    resolve: { scale: { y: "independent" } },
    spec: {
      width: PLOT_WIDTH - 120,
      height: 170,
      layer: nudgedIntervalLayers(objectives, x, { title: null }, "mean"),
    },
  });
}
