/**
 * Every plot of the analysis bundle (docs/spec.md §6–7) as a pure function: run data in, a Vega-Lite spec with
 * its data inline out (render it with `render.ts`). Aggregation across seeds happens here, in plain
 * TypeScript, so the inlined data is exactly what is drawn and can be read back from the `.vl.json`.
 *
 * Conventions shared by all plots, so a reader can move between them without re-learning the legend:
 *  - soft span loss is always blue, CRF always vermillion (Okabe–Ito, safe for colour-blind readers),
 *    baselines grey, the true span gold;
 *  - train is a solid line, validation dashed;
 *  - probabilities are on [0, 1], bars on a 0-based index axis;
 *  - about 640 px wide.
 * Non-finite numbers are rejected with an error naming the plot and field: vega would silently drop
 * them (JSON has no NaN), which would hide an upstream bug in a published figure.
 */
import type { TopLevelSpec } from "vega-lite";
import { binIndex, type ReliabilityBin } from "../eval/calibration.js";
import type { Span } from "../eval/metrics.js";

// ---------------------------------------------------------------------------------------------------
// Shared vocabulary
// ---------------------------------------------------------------------------------------------------

export type Objective = "soft" | "crf";
export const OBJECTIVES: readonly Objective[] = ["soft", "crf"];
/** How each objective is named in legends and headers. */
export const OBJECTIVE_LABEL: Record<Objective, string> = { soft: "soft span loss", crf: "CRF" };
export const OBJECTIVE_COLOUR: Record<Objective, string> = { soft: "#0072B2", crf: "#D55E00" };
export const BASELINE_COLOUR = "#8a8a8a";
export const TRUE_SPAN_COLOUR = "#E6B800";
export const UP_COLOUR = "#3A9E45";
export const DOWN_COLOUR = "#333333";
/** Total width of every plot, in SVG pixels. */
export const PLOT_WIDTH = 640;

export type Task = "pointer" | "type" | "span" | "countdown";
const TASK_ORDER: readonly Task[] = ["pointer", "type", "span", "countdown"];
const TASK_LABEL: Record<Task, string> = { pointer: "pointer", type: "type (class)", span: "span", countdown: "countdown" };

/** Title and subtitle of a plot; each builder has defaults that say how to read it. */
export interface PlotText {
  title?: string;
  /** One string per line. */
  subtitle?: string | readonly string[];
}

type Json = Record<string, unknown>;

const SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json";

/** Look shared by every plot (the font family is set at render time, see render.ts). */
const CONFIG: Json = {
  background: "white",
  padding: 12,
  title: { fontSize: 15, subtitleFontSize: 11.5, subtitleColor: "#444444", anchor: "start", offset: 12, subtitlePadding: 4 },
  axis: { labelFontSize: 10.5, titleFontSize: 11.5, titleFontWeight: "normal", gridColor: "#e8e8e8", domainColor: "#888888", tickColor: "#888888" },
  legend: { labelFontSize: 11, titleFontSize: 11.5, titleFontWeight: "normal", symbolStrokeWidth: 2 },
  header: { labelFontSize: 12.5, labelFontWeight: "bold", titleFontSize: 12 },
  view: { stroke: "#d0d0d0" },
  concat: { spacing: 16 },
  facet: { spacing: 14 },
};

function titleBlock(text: PlotText, defaults: Required<PlotText>): Json {
  const subtitle = text.subtitle ?? defaults.subtitle;
  return { text: text.title ?? defaults.title, subtitle: typeof subtitle === "string" ? subtitle : [...subtitle] };
}

/** Wraps a plot body with the schema and the shared config; `body.config` overrides it key by key. */
function topLevel(body: Json): TopLevelSpec {
  const own = (body.config ?? {}) as Json;
  const config: Json = { ...CONFIG };
  for (const [key, value] of Object.entries(own)) {
    const base = CONFIG[key];
    config[key] = typeof base === "object" && base !== null ? { ...(base as Json), ...(value as Json) } : value;
  }
  return { $schema: SCHEMA, ...body, config } as unknown as TopLevelSpec;
}

/** Colour scale over the objectives present, in canonical order, so a single-objective plot has no stray legend entry. */
function objectiveScale(present: Iterable<Objective>): { domain: string[]; range: string[] } {
  const set = new Set(present);
  const objectives = OBJECTIVES.filter((o) => set.has(o));
  return { domain: objectives.map((o) => OBJECTIVE_LABEL[o]), range: objectives.map((o) => OBJECTIVE_COLOUR[o]) };
}

function checkFinite(plot: string, field: string, value: number): number {
  if (!Number.isFinite(value)) throw new Error(`${plot}: ${field} must be a finite number, got ${value}`);
  return value;
}

function checkObjective(plot: string, objective: string): Objective {
  if (objective !== "soft" && objective !== "crf") throw new Error(`${plot}: unknown objective ${JSON.stringify(objective)}`);
  return objective;
}

/** Mean, min and max of a non-empty list. */
function summary(values: readonly number[]): { mean: number; min: number; max: number } {
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) {
    sum += v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return { mean: sum / values.length, min, max };
}

/** Groups rows by a string key, keeping first-seen order of keys. */
function groupBy<T>(rows: readonly T[], key: (row: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const row of rows) {
    const k = key(row);
    const group = groups.get(k);
    if (group) group.push(row);
    else groups.set(k, [row]);
  }
  return groups;
}

/** Throws when two rows share a key: a seed counted twice would silently narrow the band and shift the mean. */
function checkUnique<T>(plot: string, rows: readonly T[], key: (row: T) => string): void {
  const seen = new Set<string>();
  for (const row of rows) {
    const k = key(row);
    if (seen.has(k)) throw new Error(`${plot}: duplicate row for ${k}`);
    seen.add(k);
  }
}

/** Code-unit order: unlike localeCompare, the same on every machine whatever its locale. */
function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Three decimals, without the "-0.000" that toFixed gives a tiny negative number. */
function fixed3(value: number): string {
  const text = value.toFixed(3);
  return text === "-0.000" ? "0.000" : text;
}

function seedCountText(seeds: number): string {
  return seeds === 1 ? "1 seed" : `${seeds} seeds`;
}

/** Rounds for the inlined data: 7 significant digits is far below what a plot can show and keeps JSON short. */
function round(value: number): number {
  return Number(value.toPrecision(7));
}

// ---------------------------------------------------------------------------------------------------
// 1. Loss curves
// ---------------------------------------------------------------------------------------------------

export type Split = "train" | "validation";

export interface LossPoint {
  objective: Objective;
  seed: number;
  epoch: number;
  split: Split;
  loss: number;
}

const SPLIT_DASH = {
  field: "split",
  type: "nominal",
  title: "split",
  scale: { domain: ["train", "validation"], range: [[1, 0], [6, 4]] },
  // Long stroke symbols: the default 8 px symbol cannot show a 6-4 dash.
  legend: { symbolType: "stroke", symbolSize: 500, symbolStrokeColor: "#555555", orient: "top", direction: "horizontal", titleOrient: "left" },
};

/**
 * Train and validation loss per epoch, one panel per objective with its own y scale: the mean across
 * seeds as a line, the min–max across seeds as a band; solid = train, dashed = validation.
 */
export function lossCurvesPlot(series: readonly LossPoint[], text: PlotText = {}): TopLevelSpec {
  const plot = "lossCurvesPlot";
  if (series.length === 0) throw new Error(`${plot}: no loss points`);
  for (const p of series) {
    checkObjective(plot, p.objective);
    checkFinite(plot, "epoch", p.epoch);
    checkFinite(plot, "loss", p.loss);
    if (p.split !== "train" && p.split !== "validation") throw new Error(`${plot}: unknown split ${JSON.stringify(p.split)}`);
  }
  checkUnique(plot, series, (p) => `objective ${p.objective}, seed ${p.seed}, split ${p.split}, epoch ${p.epoch}`);
  const groups = groupBy(series, (p) => `${p.objective}|${p.split}|${p.epoch}`);
  const rows = [...groups.values()].map((group) => {
    const { objective, split, epoch } = group[0]!;
    const { mean, min, max } = summary(group.map((p) => p.loss));
    return { objective: OBJECTIVE_LABEL[objective], split, epoch, mean: round(mean), min: round(min), max: round(max), seeds: group.length };
  });
  rows.sort((a, b) => compareStrings(a.objective, b.objective) || compareStrings(a.split, b.split) || a.epoch - b.epoch);
  const present = new Set(series.map((p) => p.objective));
  const seeds = new Set(series.map((p) => p.seed)).size;
  const epochs = new Set(series.map((p) => p.epoch)).size;
  const colour = { field: "objective", type: "nominal", scale: objectiveScale(present), legend: null };
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
      column: { field: "objective", type: "nominal", sort: objectiveScale(present).domain, title: null, header: { labelFontSize: 13 } },
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

/**
 * Per-task series rows (σ, losses, weights), checked and averaged across seeds: every row's objective,
 * task, epoch and `fields` must be valid and finite and each (objective, seed, task, epoch) unique; the
 * result holds one row per objective, task and epoch with the mean of each field, sorted for drawing.
 */
function meanPerTaskEpoch<R extends { objective: Objective; seed?: number; epoch: number; task: Task }, F extends keyof R & string>(
  plot: string,
  rows: readonly R[],
  fields: readonly F[],
): ({ objective: string; task: string; epoch: number } & Record<F, number>)[] {
  for (const r of rows) {
    checkObjective(plot, r.objective);
    if (!TASK_ORDER.includes(r.task)) throw new Error(`${plot}: unknown task ${JSON.stringify(r.task)}`);
    checkFinite(plot, "epoch", r.epoch);
    if (r.seed !== undefined) checkFinite(plot, "seed", r.seed);
    for (const field of fields) checkFinite(plot, field, r[field] as number);
  }
  checkUnique(plot, rows, (r) => `objective ${r.objective}, seed ${r.seed ?? "(aggregated)"}, task ${r.task}, epoch ${r.epoch}`);
  const groups = groupBy(rows, (r) => `${r.objective}|${r.task}|${r.epoch}`);
  const data = [...groups.values()].map((group) => {
    const { objective, task, epoch } = group[0]!;
    const means = Object.fromEntries(fields.map((field) => [field, round(summary(group.map((r) => r[field] as number)).mean)])) as Record<F, number>;
    return { objective: OBJECTIVE_LABEL[objective], task: TASK_LABEL[task], epoch, ...means };
  });
  data.sort((a, b) => compareStrings(a.objective, b.objective) || compareStrings(a.task, b.task) || a.epoch - b.epoch);
  return data;
}

// ---------------------------------------------------------------------------------------------------
// 2. σ trajectories and task weights
// ---------------------------------------------------------------------------------------------------

export interface SigmaPoint {
  objective: Objective;
  seed: number;
  epoch: number;
  task: Task;
  /** σ = exp(log σ) of the task's uncertainty weight. */
  sigma: number;
  /** The task's share of the total weight, (1/σ²)/Σ(1/σⱼ²), in [0, 1]. */
  taskWeight: number;
}

/**
 * σ per task per epoch (mean across seeds) and, below it, each task's share of the total weight in %;
 * one column per task, one colour per objective, so soft vs CRF on a task is read side by side.
 */
export function sigmaTrajectoriesPlot(rows: readonly SigmaPoint[], text: PlotText = {}): TopLevelSpec {
  const plot = "sigmaTrajectoriesPlot";
  if (rows.length === 0) throw new Error(`${plot}: no σ rows`);
  const data = meanPerTaskEpoch(plot, rows, ["sigma", "taskWeight"] as const).map(({ taskWeight, ...row }) => ({ ...row, weight: taskWeight }));
  const present = new Set(rows.map((r) => r.objective));
  const seeds = new Set(rows.map((r) => r.seed)).size;
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
    scale: objectiveScale(present),
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

// ---------------------------------------------------------------------------------------------------
// 2b. Each task's raw loss scale and effective weight
// ---------------------------------------------------------------------------------------------------

/**
 * Task colours (Okabe–Ito, leaving out the objectives' blue and vermillion, so a task is never mistaken
 * for an objective; yellow is left out as unreadable on white).
 */
export const TASK_COLOUR: Record<Task, string> = { pointer: "#CC79A7", type: "#009E73", span: "#E69F00", countdown: "#56B4E9" };

export interface TaskScaleRow {
  objective: Objective;
  /** The run's seed. Rows with a seed are averaged across seeds; rows without one are taken as already aggregated. */
  seed?: number;
  epoch: number;
  task: Task;
  /** The task's unweighted validation loss (mean over windows), in its own units; must be > 0 (log scale). */
  rawLoss: number;
  /** The multiplier 1/(2σ²) the Kendall objective puts on the task's loss; must be > 0. */
  effectiveWeight: number;
}

/**
 * Each task's raw validation loss (top, LOG y scale, so a pointer loss near 0.01 and a CRF span NLL near
 * 70 are both readable) and its effective weight 1/(2σ²) (bottom) per epoch; one column per objective,
 * one colour per task, y shared across the columns so the objectives' scales can be compared.
 *
 * Aggregation: rows carrying a `seed` are averaged (arithmetic mean) across seeds per objective, task
 * and epoch — all rows must then carry one; rows without a seed are drawn as given (one per objective,
 * task and epoch). Either way a repeated key throws.
 */
export function taskScalesPlot(rows: readonly TaskScaleRow[], text: PlotText = {}): TopLevelSpec {
  const plot = "taskScalesPlot";
  if (rows.length === 0) throw new Error(`${plot}: no task-scale rows`);
  const seeded = rows.filter((r) => r.seed !== undefined).length;
  if (seeded !== 0 && seeded !== rows.length) throw new Error(`${plot}: either every row has a seed (averaged here) or none has (already aggregated)`);
  for (const r of rows) {
    if (r.rawLoss <= 0) throw new Error(`${plot}: rawLoss must be > 0 to be drawn on a log scale, got ${r.rawLoss} (${r.objective}, ${r.task}, epoch ${r.epoch})`);
    if (r.effectiveWeight <= 0) throw new Error(`${plot}: effectiveWeight 1/(2σ²) must be > 0, got ${r.effectiveWeight}`);
  }
  const data = meanPerTaskEpoch(plot, rows, ["rawLoss", "effectiveWeight"] as const).map(({ rawLoss, effectiveWeight, ...row }) => ({ ...row, loss: rawLoss, weight: effectiveWeight }));
  const present = new Set(rows.map((r) => r.objective));
  const objectives = OBJECTIVES.filter((o) => present.has(o)).map((o) => OBJECTIVE_LABEL[o]);
  const tasks = TASK_ORDER.filter((t) => rows.some((r) => r.task === t));
  const seeds = new Set(rows.map((r) => r.seed)).size;
  const epochs = new Set(rows.map((r) => r.epoch)).size;
  const cellWidth = Math.floor((PLOT_WIDTH - 70 - 14 * (objectives.length - 1)) / objectives.length);
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
    facet: { column: { field: "objective", type: "nominal", sort: objectives, title: null, header: { labelFontSize: 13 } } },
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
        `${seeded > 0 ? `Mean across ${seedCountText(seeds)}` : "Values as given (already aggregated)"}; y shared across the columns. Top: each task's unweighted validation loss,`,
        "in its own units, LOG scale (CRF span: NLL summed over a window's bars; soft span: per-bar BCE).",
        "Bottom: the multiplier 1/(2σ²) the Kendall objective puts on that loss (dimensionless).",
      ],
    }),
    data: { values: data },
    vconcat: [
      // Ticks and grid lines at whole decades only: log minor ticks (2, 20, 0.2, …) crowd the decade labels.
      panel("loss", { title: "validation loss (log scale)", scale: { type: "log", domain: [decades[0], decades[decades.length - 1]], nice: false }, axis: { values: decades, format: "~g" } }, 210),
      panel("weight", { title: "effective weight 1/(2σ²)", scale: { zero: false } }, 140),
    ],
    resolve: { scale: { color: "shared" } },
  });
}

// ---------------------------------------------------------------------------------------------------
// 3. Probability histograms
// ---------------------------------------------------------------------------------------------------

/** Per-bar p(in span) with its truth, as rows, as two flat arrays, or already binned. */
export type HistogramInput =
  | readonly { objective?: Objective; inSpan: boolean; p: number }[]
  | { probabilities: ArrayLike<number>; targets: ArrayLike<number> }
  | { inSpanCounts: readonly number[]; outOfSpanCounts: readonly number[] };

export interface HistogramOptions extends PlotText {
  objective: Objective;
  title: string;
  /** Equal-width bins on [0, 1]; default 50. Ignored (taken from the counts) for pre-binned input. */
  bins?: number;
}

/** Bin counts per group (binned as the reliability diagram bins, see eval/calibration) and raw group means when known. */
export interface HistogramCounts {
  inSpan: number[];
  outOfSpan: number[];
  /** Mean p of the group, null when only counts were given or the group is empty. */
  inSpanMean: number | null;
  outOfSpanMean: number | null;
}

/** Bins per-bar probabilities into `bins` equal-width bins per group (in span / out of span). */
export function histogramCounts(input: HistogramInput, bins = 50): HistogramCounts {
  return binProbabilities(input, bins, "histogramCounts");
}

/** {@link histogramCounts}, naming `plot` in errors and rejecting rows of another objective than `objective`. */
function binProbabilities(input: HistogramInput, bins: number, plot: string, objective?: Objective): HistogramCounts {
  if ("inSpanCounts" in input) {
    if (input.inSpanCounts.length !== input.outOfSpanCounts.length || input.inSpanCounts.length === 0) {
      throw new Error(`${plot}: pre-binned counts must be two non-empty arrays of equal length`);
    }
    for (const c of [...input.inSpanCounts, ...input.outOfSpanCounts]) {
      if (!(c >= 0) || !Number.isFinite(c)) throw new Error(`${plot}: counts must be finite and ≥ 0, got ${c}`);
    }
    return { inSpan: [...input.inSpanCounts], outOfSpan: [...input.outOfSpanCounts], inSpanMean: null, outOfSpanMean: null };
  }
  if (!Number.isInteger(bins) || bins < 1) throw new Error(`${plot}: bins must be a positive integer, got ${bins}`);
  const counts = { inSpan: new Array<number>(bins).fill(0), outOfSpan: new Array<number>(bins).fill(0) };
  const sums = { inSpan: 0, outOfSpan: 0 };
  const add = (p: number, inSpan: boolean, index: number): void => {
    if (!(p >= 0 && p <= 1)) throw new Error(`${plot}: probability at index ${index} must be in [0, 1], got ${p}`);
    const group = inSpan ? "inSpan" : "outOfSpan";
    counts[group][binIndex(p, bins)]!++;
    sums[group] += p;
  };
  if ("probabilities" in input) {
    const { probabilities, targets } = input;
    if (probabilities.length !== targets.length) {
      throw new Error(`${plot}: ${probabilities.length} probabilities but ${targets.length} targets`);
    }
    for (let i = 0; i < probabilities.length; i++) {
      const y = targets[i]!;
      if (y !== 0 && y !== 1) throw new Error(`${plot}: target at index ${i} must be 0 or 1, got ${y}`);
      add(probabilities[i]!, y === 1, i);
    }
  } else {
    input.forEach((row, i) => {
      if (objective !== undefined && row.objective !== undefined && row.objective !== objective) {
        throw new Error(`${plot}: row ${i} is for objective ${row.objective}, the plot is for ${objective}`);
      }
      add(row.p, row.inSpan, i);
    });
  }
  const total = (c: number[]): number => c.reduce((a, b) => a + b, 0);
  const nIn = total(counts.inSpan);
  const nOut = total(counts.outOfSpan);
  return {
    ...counts,
    inSpanMean: nIn > 0 ? sums.inSpan / nIn : null,
    outOfSpanMean: nOut > 0 ? sums.outOfSpan / nOut : null,
  };
}

/**
 * Histogram of one objective's p(in span) on [0, 1], in-span bars against out-of-span bars, each group
 * normalised to sum to 1 so the rare in-span class is as visible as the common one; dashed rules mark
 * each group's mean p (their gap is the "separation" of docs/spec.md §6).
 */
export function probabilityHistogramPlot(input: HistogramInput, options: HistogramOptions): TopLevelSpec {
  const plot = "probabilityHistogramPlot";
  const objective = checkObjective(plot, options.objective);
  const counts = binProbabilities(input, options.bins ?? 50, plot, objective);
  const bins = counts.inSpan.length;
  const nIn = counts.inSpan.reduce((a, b) => a + b, 0);
  const nOut = counts.outOfSpan.reduce((a, b) => a + b, 0);
  if (nIn + nOut === 0) throw new Error(`${plot}: no probabilities to plot`);
  const inLabel = `in span (n = ${nIn.toLocaleString("en-US")} bars)`;
  const outLabel = `out of span (n = ${nOut.toLocaleString("en-US")} bars)`;
  const values: Json[] = [];
  for (const [label, group, n] of [
    [outLabel, counts.outOfSpan, nOut],
    [inLabel, counts.inSpan, nIn],
  ] as const) {
    group.forEach((count, b) => {
      values.push({ group: label, lower: round(b / bins), upper: round((b + 1) / bins), count, share: n > 0 ? round(count / n) : 0 });
    });
  }
  const means: Json[] = [];
  if (counts.outOfSpanMean !== null) means.push({ group: outLabel, mean: round(counts.outOfSpanMean) });
  if (counts.inSpanMean !== null) means.push({ group: inLabel, mean: round(counts.inSpanMean) });
  const colour = {
    field: "group",
    type: "nominal",
    title: null,
    scale: { domain: [outLabel, inLabel], range: [BASELINE_COLOUR, OBJECTIVE_COLOUR[objective]] },
    legend: { orient: "top", direction: "horizontal", labelLimit: 400, symbolOpacity: 0.6 },
  };
  const separation =
    counts.inSpanMean !== null && counts.outOfSpanMean !== null
      ? `Mean p: in span ${fixed3(counts.inSpanMean)}, out of span ${fixed3(counts.outOfSpanMean)} ` +
        `(separation ${fixed3(counts.inSpanMean - counts.outOfSpanMean)}; dashed lines).`
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
      subtitle: [`${OBJECTIVE_LABEL[objective]}: ${bins} bins on [0, 1]; each group sums to 100%.`, separation],
    }),
    width: PLOT_WIDTH - 70,
    height: 280,
    layer: layers,
  });
}

// ---------------------------------------------------------------------------------------------------
// 4. Reliability diagram
// ---------------------------------------------------------------------------------------------------

export interface ReliabilityRow extends ReliabilityBin {
  objective: Objective;
}

/**
 * Reliability diagram of both objectives: observed in-span frequency against mean predicted p per bin,
 * points sized by the number of bars in the bin, the diagonal as perfect calibration. Empty bins (NaN
 * means) are left out.
 */
export function reliabilityPlot(bins: readonly ReliabilityRow[], text: PlotText = {}): TopLevelSpec {
  const plot = "reliabilityPlot";
  const rows = bins
    .filter((b) => b.count > 0)
    .map((b) => ({
      objective: OBJECTIVE_LABEL[checkObjective(plot, b.objective)],
      lower: round(checkFinite(plot, "lower", b.lower)),
      upper: round(checkFinite(plot, "upper", b.upper)),
      count: checkFinite(plot, "count", b.count),
      meanPredicted: round(checkFinite(plot, "meanPredicted", b.meanPredicted)),
      observedFrequency: round(checkFinite(plot, "observedFrequency", b.observedFrequency)),
    }));
  if (rows.length === 0) throw new Error(`${plot}: no non-empty bins`);
  const present = new Set(bins.filter((b) => b.count > 0).map((b) => b.objective));
  const maxCount = Math.max(...rows.map((r) => r.count));
  const colour = { field: "objective", type: "nominal", title: "objective", scale: objectiveScale(present) };
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

// ---------------------------------------------------------------------------------------------------
// 5. Threshold sweep
// ---------------------------------------------------------------------------------------------------

export interface ThresholdCurveRow {
  objective: Objective;
  seed?: number;
  threshold: number;
  f1: number;
  precision: number;
  recall: number;
}

export interface ThresholdMarker {
  objective: Objective;
  threshold: number;
  label: string;
}

export interface BaselineLine {
  label: string;
  f1: number;
}

const METRICS = ["F1", "precision", "recall"] as const;

/** Linear interpolation of a sorted curve at x, clamped to its ends. */
function interpolate(curve: readonly { x: number; y: number }[], x: number): number {
  if (x <= curve[0]!.x) return curve[0]!.y;
  for (let i = 1; i < curve.length; i++) {
    const right = curve[i]!;
    if (x <= right.x) {
      const left = curve[i - 1]!;
      return right.x === left.x ? right.y : left.y + ((x - left.x) / (right.x - left.x)) * (right.y - left.y);
    }
  }
  return curve[curve.length - 1]!.y;
}

/**
 * Pooled F1 (bold), precision and recall (light) against the decision threshold for each objective (mean
 * across seeds; band = F1 min–max across seeds when there are several), a grey rule per baseline F1,
 * and a marked point at each chosen threshold.
 */
export function thresholdCurvePlot(
  rows: readonly ThresholdCurveRow[],
  markers: readonly ThresholdMarker[] = [],
  baselines: readonly BaselineLine[] = [],
  text: PlotText = {},
): TopLevelSpec {
  const plot = "thresholdCurvePlot";
  if (rows.length === 0) throw new Error(`${plot}: no threshold rows`);
  for (const r of rows) {
    checkObjective(plot, r.objective);
    for (const field of ["threshold", "f1", "precision", "recall"] as const) checkFinite(plot, field, r[field]);
  }
  checkUnique(plot, rows, (r) => `objective ${r.objective}, seed ${r.seed ?? "(none)"}, threshold ${r.threshold}`);
  const groups = groupBy(rows, (r) => `${r.objective}|${r.threshold}`);
  const curve: Json[] = [];
  const f1Curves = new Map<Objective, { x: number; y: number }[]>();
  let maxSeeds = 1;
  for (const group of groups.values()) {
    const { objective, threshold } = group[0]!;
    maxSeeds = Math.max(maxSeeds, group.length);
    for (const metric of METRICS) {
      const key = metric === "F1" ? "f1" : metric;
      const { mean, min, max } = summary(group.map((r) => r[key]));
      curve.push({ objective: OBJECTIVE_LABEL[objective], threshold: round(threshold), metric, value: round(mean), min: round(min), max: round(max) });
      if (metric === "F1") {
        const list = f1Curves.get(objective) ?? [];
        list.push({ x: threshold, y: mean });
        f1Curves.set(objective, list);
      }
    }
  }
  curve.sort((a, b) => compareStrings(String(a.objective), String(b.objective)) || Number(a.threshold) - Number(b.threshold));
  for (const list of f1Curves.values()) list.sort((a, b) => a.x - b.x);
  const markerRows = markers.map((m) => {
    const objective = checkObjective(plot, m.objective);
    const f1Curve = f1Curves.get(objective);
    if (!f1Curve) throw new Error(`${plot}: marker for ${objective}, which has no curve`);
    const threshold = checkFinite(plot, "marker threshold", m.threshold);
    const f1 = interpolate(f1Curve, threshold);
    return { objective: OBJECTIVE_LABEL[objective], threshold: round(threshold), f1: round(f1), label: m.label };
  });
  const height = 320;
  const baselineRows = baselines.map((b) => ({ label: `${b.label} F1 ${fixed3(checkFinite(plot, "baseline f1", b.f1))}`, f1: round(b.f1) }));
  // Baseline labels sit right of the plot at their rule's height, nudged apart when the F1s are close
  // (all-positive and prior-rate F1 typically differ by 0.01, i.e. 3 px).
  const labelY = spreadLabels(baselineRows.map((b) => height * (1 - Math.min(1, Math.max(0, b.f1)))), 13);
  const baselineLabels = baselineRows.map((b, i) => ({ ...b, y: round(labelY[i]!) }));
  const present = new Set(rows.map((r) => r.objective));
  const colour = {
    field: "objective",
    type: "nominal",
    title: "objective",
    scale: objectiveScale(present),
    // Full-opacity stroke symbols: the F1 band's low opacity would otherwise wash out the legend.
    legend: { symbolType: "stroke", symbolStrokeWidth: 3, symbolOpacity: 1 },
  };
  const x = { field: "threshold", type: "quantitative", title: "threshold on p(in span)", scale: { domain: [0, 1] } };
  const yScore = { type: "quantitative", title: "pooled score over validation bars", scale: { domain: [0, 1] } };
  const dash = {
    field: "metric",
    type: "nominal",
    title: "score",
    scale: { domain: [...METRICS], range: [[1, 0], [6, 3], [2, 2]] },
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
  order.forEach((o, k) => (result[o.i] = placed[k]!));
  return result;
}

// ---------------------------------------------------------------------------------------------------
// 6. Candlestick page
// ---------------------------------------------------------------------------------------------------

/** Open, high, low, close of one bar. */
export type Ohlc = readonly [open: number, high: number, low: number, close: number];

export interface WindowPrediction {
  objective: Objective;
  /** The decoded span, or null when the objective predicted none. */
  span: Span | null;
  /** p(in span) per bar, one per bar of the window. */
  probabilities: ArrayLike<number>;
}

export interface CandleWindow {
  windowId: string;
  bars: readonly Ohlc[];
  trueSpan: Span;
  predicted: readonly WindowPrediction[];
}

const TRUE_SPAN_LABEL = "true span";

function spanText(span: Span | null): string {
  return span === null ? "none" : `${span.start}–${span.end}`;
}

function checkSpan(plot: string, what: string, span: Span, bars: number): void {
  const ok = Number.isInteger(span.start) && Number.isInteger(span.end) && span.start >= 0 && span.start <= span.end && span.end < bars;
  if (!ok) throw new Error(`${plot}: ${what} [${span.start}, ${span.end}] is not a span of a ${bars}-bar window`);
}

/**
 * A page of windows, one row each: candlesticks (wick + body, up/down colours) with the true span
 * shaded, each objective's predicted span as a coloured bar above the candles, and under the chart the
 * per-bar p(in span) of each objective on [0, 1]. Bars are on a 0-based index axis.
 */
export function candlestickPage(windows: readonly CandleWindow[], text: PlotText = {}): TopLevelSpec {
  const plot = "candlestickPage";
  if (windows.length === 0) throw new Error(`${plot}: no windows`);
  const present = new Set<Objective>();
  for (const w of windows) for (const p of w.predicted) present.add(checkObjective(plot, p.objective));
  const objectives = OBJECTIVES.filter((o) => present.has(o));
  // One colour scale for spans and probability lines, shared by every row (and so one legend).
  const colourScale = {
    domain: [TRUE_SPAN_LABEL, ...objectives.map((o) => OBJECTIVE_LABEL[o])],
    range: [TRUE_SPAN_COLOUR, ...objectives.map((o) => OBJECTIVE_COLOUR[o])],
  };
  const colour = (field: string): Json => ({
    field,
    type: "nominal",
    title: null,
    scale: colourScale,
    legend: { orient: "top", direction: "horizontal", symbolType: "square", symbolOpacity: 0.8 },
  });
  const width = PLOT_WIDTH - 60;
  const datasets: Record<string, Json[]> = {};
  const rows = windows.map((w, index) => {
    const bars = w.bars.length;
    if (bars === 0) throw new Error(`${plot}: window ${w.windowId} has no bars`);
    checkSpan(plot, `true span of window ${w.windowId}`, w.trueSpan, bars);
    const x = { type: "quantitative", scale: { domain: [-0.5, bars - 0.5], nice: false, zero: false } };
    let low = Infinity;
    let high = -Infinity;
    const candles = w.bars.map(([open, hi, lo, close], i) => {
      for (const v of [open, hi, lo, close]) checkFinite(plot, `OHLC of window ${w.windowId} bar ${i}`, v);
      low = Math.min(low, lo, open, close);
      high = Math.max(high, hi, open, close);
      return { bar: i, left: i - 0.35, right: i + 0.35, open, high: hi, low: lo, close };
    });
    const spans: Json[] = [];
    const probabilities: Json[] = [];
    w.predicted.forEach((p) => {
      const label = OBJECTIVE_LABEL[p.objective];
      if (p.probabilities.length !== bars) {
        throw new Error(`${plot}: window ${w.windowId} ${p.objective} has ${p.probabilities.length} probabilities for ${bars} bars`);
      }
      if (p.span !== null) {
        checkSpan(plot, `${p.objective} span of window ${w.windowId}`, p.span, bars);
        // Stacked just under the top edge, one row per objective, in the reserved headroom.
        const row = objectives.indexOf(p.objective);
        spans.push({ objective: label, from: p.span.start - 0.5, to: p.span.end + 0.5, top: 4 + 8 * row, bottom: 10 + 8 * row });
      }
      for (let i = 0; i < bars; i++) {
        const value = checkFinite(plot, `probability of window ${w.windowId} bar ${i}`, p.probabilities[i]!);
        probabilities.push({ objective: label, bar: i, p: round(value) });
      }
    });
    const name = `window_${index}`;
    datasets[`${name}_bars`] = candles;
    datasets[`${name}_spans`] = spans;
    datasets[`${name}_probabilities`] = probabilities;
    const truth = { values: [{ kind: TRUE_SPAN_LABEL, from: w.trueSpan.start - 0.5, to: w.trueSpan.end + 0.5 }] };
    // Headroom above the highest high for the predicted-span bars (about 18% of the chart height).
    const range = high - low || Math.abs(high) || 1;
    const priceDomain = [round(low - 0.04 * range), round(high + 0.24 * range)];
    const priceHeight = 150;
    const trueSpanLayer = {
      data: truth,
      mark: { type: "rect", opacity: 0.28 },
      encoding: { x: { field: "from", ...x }, x2: { field: "to" }, color: colour("kind") },
    };
    const upDown = { condition: { test: "datum.close >= datum.open", value: UP_COLOUR }, value: DOWN_COLOUR };
    const price = {
      height: priceHeight,
      width,
      layer: [
        trueSpanLayer,
        {
          data: { name: `${name}_bars` },
          layer: [
            {
              mark: { type: "rule", strokeWidth: 1 },
              encoding: {
                x: { field: "bar", ...x, axis: { labels: false, title: null, grid: false, ticks: false } },
                y: { field: "low", type: "quantitative", title: "price", scale: { domain: priceDomain, nice: false, zero: false } },
                y2: { field: "high" },
                color: upDown,
              },
            },
            {
              // Stroke as well as fill, so a doji (open = close) still shows as a line.
              mark: { type: "rect", strokeWidth: 1 },
              encoding: {
                x: { field: "left", ...x },
                x2: { field: "right" },
                y: { field: "open", type: "quantitative" },
                y2: { field: "close" },
                color: upDown,
                stroke: upDown,
              },
            },
          ],
        },
        {
          data: { name: `${name}_spans` },
          mark: { type: "rect", opacity: 0.95 },
          // Pixel positions (scale: null) rather than prices: the bars sit in the headroom whatever the price level.
          encoding: {
            x: { field: "from", ...x },
            x2: { field: "to" },
            y: { field: "top", type: "quantitative", scale: null },
            y2: { field: "bottom" },
            color: colour("objective"),
          },
        },
      ],
    };
    const probability = {
      height: 60,
      width,
      layer: [
        trueSpanLayer,
        {
          data: { values: [{ p: 0.5 }] },
          mark: { type: "rule", color: "#bbbbbb", strokeDash: [2, 2] },
          encoding: { y: { field: "p", type: "quantitative" } },
        },
        {
          data: { name: `${name}_probabilities` },
          mark: { type: "line", strokeWidth: 1.4, interpolate: "step" },
          encoding: {
            x: { field: "bar", ...x, title: index === windows.length - 1 ? "bar index in window" : null, axis: { values: tickValues(bars), grid: false } },
            y: { field: "p", type: "quantitative", title: "p(in span)", scale: { domain: [0, 1] }, axis: { values: [0, 0.5, 1], format: ".1f" } },
            color: colour("objective"),
          },
        },
      ],
    };
    const predictedText = w.predicted.map((p) => `${OBJECTIVE_LABEL[p.objective]} ${spanText(p.span)}`).join(" · ");
    return {
      title: {
        text: `window ${w.windowId}`,
        subtitle: `true span ${spanText(w.trueSpan)}${predictedText ? ` · ${predictedText}` : ""}`,
        fontSize: 12.5,
        subtitleFontSize: 11,
        offset: 6,
      },
      spacing: 2,
      vconcat: [price, probability],
    };
  });
  return topLevel({
    title: titleBlock(text, {
      title: "Windows with true and predicted spans",
      subtitle: [
        "Candles: green up, dark down. Gold shading: true span. Coloured bars above the candles: each objective's",
        "predicted span. Lower panel: per-bar p(in span) per objective (dotted: 0.5).",
      ],
    }),
    datasets,
    vconcat: rows,
    spacing: 20,
    resolve: { scale: { color: "shared" } },
  });
}

/** Index-axis ticks every 10 bars, plus the last bar when its label would not collide with the tenth before it. */
function tickValues(bars: number): number[] {
  const ticks: number[] = [];
  for (let t = 0; t < bars; t += 10) ticks.push(t);
  if (bars - 1 - ticks[ticks.length - 1]! >= 8) ticks.push(bars - 1);
  return ticks;
}
