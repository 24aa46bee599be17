/**
 * The per-task plots: σ and task-weight trajectories, and each task's raw loss scale against its
 * effective weight 1/(2σ²) — both from seed means per objective, task and epoch.
 */
import type { TopLevelSpec } from "vega-lite";
import type { PlotData, Task } from "../../compare/types.js";
import {
  checkFinite,
  checkObjective,
  checkUnique,
  compareStrings,
  objectiveScale,
  PLOT_WIDTH,
  round,
  seedCountText,
  TASK_LABEL,
  TASK_ORDER,
  titleBlock,
  topLevel,
  type Json,
  type PlotObjective,
  type PlotText,
} from "./shared.js";

export type SigmaSeries = PlotData["sigma"];
export type TaskScaleSeries = PlotData["taskScales"];

/**
 * Task colours (Okabe–Ito, leaving out the objectives' blue and vermillion, so a task is never mistaken
 * for an objective; yellow is left out as unreadable on white).
 */
export const TASK_COLOUR: Record<Task, string> = { pointer: "#CC79A7", type: "#009E73", span: "#E69F00", countdown: "#56B4E9" };

/** Checks per-task rows (objective, task, epoch and `fields` valid and finite, each key once) and sorts them for drawing. */
function checkedRows<R extends { objective: string; task: Task; epoch: number }, F extends keyof R & string>(
  plot: string,
  objectives: readonly PlotObjective[],
  rows: readonly R[],
  fields: readonly F[],
): R[] {
  for (const r of rows) {
    checkObjective(plot, objectives, r.objective);
    if (!TASK_ORDER.includes(r.task)) throw new Error(`${plot}: unknown task ${JSON.stringify(r.task)}`);
    checkFinite(plot, "epoch", r.epoch);
    for (const field of fields) checkFinite(plot, field, r[field] as number);
  }
  checkUnique(plot, rows, (r) => `objective ${r.objective}, task ${r.task}, epoch ${r.epoch}`);
  const label = (r: R) => checkObjective(plot, objectives, r.objective).label;
  return [...rows].sort((a, b) => compareStrings(label(a), label(b)) || compareStrings(TASK_LABEL[a.task], TASK_LABEL[b.task]) || a.epoch - b.epoch);
}

/**
 * σ per task per epoch and, below it, each task's share of the total weight in %; one column per task,
 * one colour per objective, so the objectives on a task are read side by side.
 */
export function sigmaTrajectoriesPlot(objectives: readonly PlotObjective[], series: SigmaSeries, text: PlotText = {}): TopLevelSpec {
  const plot = "sigmaTrajectoriesPlot";
  if (series.points.length === 0) throw new Error(`${plot}: no σ rows`);
  const rows = checkedRows(plot, objectives, series.points, ["sigma", "weight"] as const);
  const data = rows.map((r) => ({
    objective: checkObjective(plot, objectives, r.objective).label,
    task: TASK_LABEL[r.task],
    epoch: r.epoch,
    sigma: round(r.sigma),
    weight: round(r.weight),
  }));
  const present = new Set(rows.map((r) => r.objective));
  const seeds = series.seeds;
  const epochs = new Set(rows.map((r) => r.epoch)).size;
  const tasks = TASK_ORDER.filter((t) => rows.some((r) => r.task === t));
  const cellWidth = Math.floor((PLOT_WIDTH - 70 - 14 * (tasks.length - 1)) / tasks.length);
  const column = (labels: boolean) => ({
    field: "task",
    type: "nominal",
    sort: tasks.map((t) => TASK_LABEL[t]),
    title: null,
    header: labels ? {} : { labels: false },
  });
  const colour = {
    field: "objective",
    type: "nominal",
    title: "objective",
    scale: objectiveScale(objectives, present),
    // On top, so four columns of panels keep the plot near the common width.
    legend: { orient: "top", direction: "horizontal", titleOrient: "left", symbolType: "stroke", symbolStrokeWidth: 3 },
  };
  const x = { field: "epoch", type: "quantitative", title: "epoch", axis: { tickMinStep: 1, format: "d" } };
  const panel = (field: string, y: Json, labels: boolean): Json => ({
    facet: { column: column(labels) },
    spec: {
      width: cellWidth,
      height: 150,
      // Points on the lines when epochs are few (no dash legend here, so the line's own `point` is fine).
      mark: { type: "line", strokeWidth: 2, point: epochs <= 15 },
      encoding: { x, y: { field, type: "quantitative", ...y }, color: colour },
    },
  });
  return topLevel({
    title: titleBlock(text, {
      title: "Task uncertainty σ and task weights per epoch",
      subtitle: [
        `Mean across ${seedCountText(seeds)}. Top: σ of each task's uncertainty weight; bottom: the task's share`,
        "(1/σ²)/Σ(1/σ²) of the total weight. A larger σ means the task is down-weighted.",
      ],
    }),
    data: { values: data },
    vconcat: [
      panel("sigma", { title: "σ", scale: { zero: false } }, true),
      panel("weight", { title: "share of total weight (%)", axis: { format: ".0%" }, scale: { zero: true } }, true),
    ],
    resolve: { scale: { color: "shared" } },
  });
}

/**
 * Each task's raw validation loss (top, LOG y scale, so a pointer loss near 0.01 and a CRF span NLL near
 * 70 are both readable) and its effective weight 1/(2σ²) (bottom) per epoch; one column per objective,
 * one colour per task, y shared across the columns so the objectives' scales can be compared.
 */
export function taskScalesPlot(objectives: readonly PlotObjective[], series: TaskScaleSeries, text: PlotText = {}): TopLevelSpec {
  const plot = "taskScalesPlot";
  if (series.points.length === 0) throw new Error(`${plot}: no task-scale rows`);
  for (const r of series.points) {
    if (r.loss <= 0) throw new Error(`${plot}: loss must be > 0 to be drawn on a log scale, got ${r.loss} (${r.objective}, ${r.task}, epoch ${r.epoch})`);
    if (r.weight <= 0) throw new Error(`${plot}: effective weight 1/(2σ²) must be > 0, got ${r.weight}`);
  }
  const rows = checkedRows(plot, objectives, series.points, ["loss", "weight"] as const);
  const data = rows.map((r) => ({
    objective: checkObjective(plot, objectives, r.objective).label,
    task: TASK_LABEL[r.task],
    epoch: r.epoch,
    loss: round(r.loss),
    weight: round(r.weight),
  }));
  const present = new Set(rows.map((r) => r.objective));
  const shown = objectives.filter((o) => present.has(o.name)).map((o) => o.label);
  const tasks = TASK_ORDER.filter((t) => rows.some((r) => r.task === t));
  const epochs = new Set(rows.map((r) => r.epoch)).size;
  const cellWidth = Math.floor((PLOT_WIDTH - 70 - 14 * (shown.length - 1)) / shown.length);
  // Axis ticks at whole decades spanning the drawn losses.
  const losses = data.map((d) => d.loss);
  const lowest = Math.floor(Math.log10(Math.min(...losses)));
  const highest = Math.max(lowest + 1, Math.ceil(Math.log10(Math.max(...losses))));
  const decades = Array.from({ length: highest - lowest + 1 }, (_, k) => round(10 ** (lowest + k)));
  const colour = {
    field: "task",
    type: "nominal",
    title: "task",
    sort: tasks.map((t) => TASK_LABEL[t]),
    scale: { domain: tasks.map((t) => TASK_LABEL[t]), range: tasks.map((t) => TASK_COLOUR[t]) },
    legend: { orient: "top", direction: "horizontal", titleOrient: "left", symbolType: "stroke", symbolStrokeWidth: 3 },
  };
  const x = { field: "epoch", type: "quantitative", title: "epoch", axis: { tickMinStep: 1, format: "d" } };
  const panel = (field: string, y: Json, height: number): Json => ({
    facet: { column: { field: "objective", type: "nominal", sort: shown, title: null, header: { labelFontSize: 13 } } },
    spec: {
      width: cellWidth,
      height,
      mark: { type: "line", strokeWidth: 2, point: epochs <= 15 },
      encoding: { x, y: { field, type: "quantitative", ...y }, color: colour },
    },
  });
  return topLevel({
    title: titleBlock(text, {
      title: "Each task's raw validation loss and effective weight 1/(2σ²) per epoch",
      subtitle: [
        `Mean across ${seedCountText(series.seeds)}; y shared across the columns. Top: each task's unweighted validation loss,`,
        "in its own units, LOG scale (CRF span: NLL summed over a window's bars; soft span: per-bar BCE).",
        "Bottom: the multiplier 1/(2σ²) the Kendall objective puts on that loss (dimensionless).",
      ],
    }),
    data: { values: data },
    vconcat: [
      // Ticks and grid lines at whole decades only: log minor ticks (2, 20, 0.2, …) crowd the decade labels.
      panel(
        "loss",
        {
          title: "validation loss (log scale)",
          scale: { type: "log", domain: [decades[0], decades[decades.length - 1]], nice: false },
          axis: { values: decades, format: "~g" },
        },
        210,
      ),
      panel("weight", { title: "effective weight 1/(2σ²)", scale: { zero: false } }, 140),
    ],
    resolve: { scale: { color: "shared" } },
  });
}
