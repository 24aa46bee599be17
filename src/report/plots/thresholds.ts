/**
 * Pooled F1 (bold), precision and recall (light) against the decision threshold for each objective — the
 * seed mean, with the F1 min–max across seeds as a band when there are several — a grey rule per
 * baseline F1, and a marked point at each chosen threshold on its mean F1 curve.
 */
import type { TopLevelSpec } from "vega-lite";
import type { ThresholdCurves } from "../../compare/types.js";
import {
  BASELINE_COLOUR,
  checkFinite,
  checkObjective,
  compareStrings,
  fixed3,
  objectiveScale,
  PLOT_WIDTH,
  round,
  seedCountText,
  titleBlock,
  topLevel,
  type Json,
  type PlotObjective,
  type PlotText,
} from "./shared.js";

const METRICS = ["F1", "precision", "recall"] as const;

/** `markerLabels`: what each objective's chosen-threshold point says, by objective name. */
export function thresholdCurvePlot(
  objectives: readonly PlotObjective[],
  curves: ThresholdCurves,
  markerLabels: Record<string, string> = {},
  text: PlotText = {},
): TopLevelSpec {
  const plot = "thresholdCurvePlot";
  if (curves.points.length === 0) throw new Error(`${plot}: no threshold rows`);
  const curve = curves.points.map((p) => {
    for (const field of ["threshold", "mean", "min", "max"] as const) checkFinite(plot, field, p[field]);
    if (!METRICS.includes(p.metric)) throw new Error(`${plot}: unknown score ${JSON.stringify(p.metric)}`);
    return {
      objective: checkObjective(plot, objectives, p.objective).label,
      threshold: round(p.threshold),
      metric: p.metric,
      value: round(p.mean),
      min: round(p.min),
      max: round(p.max),
    };
  });
  curve.sort((a, b) => compareStrings(a.objective, b.objective) || a.threshold - b.threshold);
  const withCurve = new Set(curves.points.map((p) => p.objective));
  const markerRows = curves.markers.map((m) => {
    const objective = checkObjective(plot, objectives, m.objective);
    if (!withCurve.has(m.objective)) throw new Error(`${plot}: marker for ${m.objective}, which has no curve`);
    return {
      objective: objective.label,
      threshold: round(checkFinite(plot, "marker threshold", m.threshold)),
      f1: round(checkFinite(plot, "marker f1", m.f1)),
      label: markerLabels[m.objective] ?? "",
    };
  });
  const maxSeeds = curves.seeds;
  const height = 320;
  const baselineRows = curves.baselines.map((b) => ({ label: `${b.label} F1 ${fixed3(checkFinite(plot, "baseline f1", b.f1))}`, f1: round(b.f1) }));
  // Baseline labels sit right of the plot at their rule's height, nudged apart when the F1s are close
  // (all-positive and prior-rate F1 typically differ by 0.01, i.e. 3 px).
  const labelY = spreadLabels(
    baselineRows.map((b) => height * (1 - Math.min(1, Math.max(0, b.f1)))),
    13,
  );
  const baselineLabels = baselineRows.map((b, i) => ({ ...b, y: round(labelY[i]!) }));
  const colour = {
    field: "objective",
    type: "nominal",
    title: "objective",
    scale: objectiveScale(objectives, withCurve),
    // Full-opacity stroke symbols: the F1 band's low opacity would otherwise wash out the legend.
    legend: { symbolType: "stroke", symbolStrokeWidth: 3, symbolOpacity: 1 },
  };
  const x = { field: "threshold", type: "quantitative", title: "threshold on p(in span)", scale: { domain: [0, 1] } };
  const yScore = { type: "quantitative", title: "pooled score over validation bars", scale: { domain: [0, 1] } };
  const dash = {
    field: "metric",
    type: "nominal",
    title: "score",
    scale: {
      domain: [...METRICS],
      range: [
        [1, 0],
        [6, 3],
        [2, 2],
      ],
    },
    legend: { symbolType: "stroke", symbolSize: 500, symbolStrokeWidth: 1.6 },
  };
  const layers: Json[] = [];
  if (maxSeeds > 1) {
    layers.push({
      data: { name: "curve" },
      transform: [{ filter: "datum.metric === 'F1'" }],
      mark: { type: "area", opacity: 0.15 },
      encoding: { x, y: { field: "min", ...yScore }, y2: { field: "max" }, color: colour },
    });
  }
  // One layer per score so F1 can be bold and P/R light without encoding width and opacity (which
  // would need legends of their own); the dash encoding is shared, giving one "score" legend.
  for (const metric of METRICS) {
    layers.push({
      data: { name: "curve" },
      transform: [{ filter: { field: "metric", equal: metric } }],
      mark: { type: "line", strokeWidth: metric === "F1" ? 2.6 : 1.3, opacity: metric === "F1" ? 1 : 0.6 },
      encoding: { x, y: { field: "value", ...yScore }, color: colour, strokeDash: dash },
    });
  }
  if (baselineRows.length > 0) {
    layers.push(
      {
        data: { values: baselineRows },
        mark: { type: "rule", color: BASELINE_COLOUR, strokeDash: [4, 3], strokeWidth: 1.3 },
        encoding: { y: { field: "f1", type: "quantitative" } },
      },
      {
        data: { values: baselineLabels },
        mark: { type: "text", color: "#555555", align: "left", baseline: "middle", fontSize: 10.5 },
        encoding: { x: { value: PLOT_WIDTH - 150 + 6 }, y: { field: "y", type: "quantitative", scale: null }, text: { field: "label" } },
      },
    );
  }
  if (markerRows.length > 0) {
    layers.push({
      data: { values: markerRows },
      layer: [
        {
          mark: { type: "rule", strokeDash: [2, 3], strokeWidth: 1.2 },
          encoding: { x, y: { field: "f1", type: "quantitative" }, y2: { datum: 0 }, color: colour },
        },
        {
          mark: { type: "point", filled: true, size: 90, stroke: "black", strokeWidth: 1, opacity: 1 },
          encoding: { x, y: { field: "f1", type: "quantitative" }, color: colour },
        },
      ],
    });
  }
  // Marker labels go in the subtitle rather than on the plot, where they would collide with the curves.
  const markerText = markerRows.map((m) => `Point, ${m.objective}: ${m.label}; F1 ${fixed3(m.f1)} on the curve.`);
  return topLevel({
    title: titleBlock(text, {
      title: "Span F1, precision and recall against the decision threshold",
      subtitle: [
        `Pooled (micro) over all validation bars; mean across ${seedCountText(maxSeeds)}${maxSeeds > 1 ? "; band: F1 min–max across seeds" : ""}.`,
        "Bold: F1; dashed: precision; dotted: recall. Grey rules: trivial baselines.",
        ...markerText,
      ],
    }),
    // Named once, referenced by four layers: inline values per layer would repeat the curve four times.
    datasets: { curve },
    width: PLOT_WIDTH - 150,
    height,
    layer: layers,
    config: { legend: { orient: "top", direction: "horizontal", titleOrient: "left" } },
  });
}

/**
 * Vertical positions for labels wanted at `wanted` (pixels, top = 0), moved apart to at least `gap`
 * while staying as close to wanted as a top-to-bottom sweep allows; returned in input order.
 */
export function spreadLabels(wanted: readonly number[], gap: number): number[] {
  const order = wanted.map((y, i) => ({ y, i })).sort((a, b) => a.y - b.y || a.i - b.i);
  const placed = order.map((o) => o.y);
  for (let k = 1; k < placed.length; k++) placed[k] = Math.max(placed[k]!, placed[k - 1]! + gap);
  // Centre the shift of each cluster on its wanted positions, so a pair moves half a gap each way.
  let start = 0;
  while (start < placed.length) {
    let end = start;
    while (end + 1 < placed.length && placed[end + 1]! - placed[end]! <= gap + 1e-9) end++;
    let shift = 0;
    for (let k = start; k <= end; k++) shift += placed[k]! - order[k]!.y;
    shift /= end - start + 1;
    for (let k = start; k <= end; k++) placed[k]! -= shift;
    start = end + 1;
  }
  // Centring can move a cluster back into the one above it; one more sweep restores the gaps.
  for (let k = 1; k < placed.length; k++) placed[k] = Math.max(placed[k]!, placed[k - 1]! + gap);
  const result = new Array<number>(wanted.length);
  for (const [k, o] of order.entries()) result[o.i] = placed[k]!;
  return result;
}
