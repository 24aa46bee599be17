/**
 * What every plot shares, so a reader can move between them without re-learning the legend:
 *  - the first compared objective is always blue, the second vermillion, a third reddish purple, then
 *    bluish green and orange (Okabe–Ito, safe for colour-blind readers), baselines grey, the true span
 *    gold;
 *  - train is a solid line, validation dashed;
 *  - probabilities are on [0, 1], bars on a 0-based index axis;
 *  - about 640 px wide.
 * Plots draw series the comparison model already aggregated (src/compare/analysis/plot_data.ts); they
 * compute nothing but layout. Non-finite numbers are rejected with an error naming the plot and field:
 * vega would silently drop them (JSON has no NaN), which would hide an upstream bug in a published figure.
 */
import type { TopLevelSpec } from "vega-lite";
import type { ObjectiveDescription, Task } from "../../compare/types.js";

/** An objective as plots show it: its name (in the data), its label (in legends) and its colour. */
export interface PlotObjective {
  name: string;
  label: string;
  colour: string;
}

/**
 * Colours of the compared objectives, by position: the reference's pair keeps blue and vermillion, and
 * further objectives take the Okabe–Ito colours furthest from those two — purple first, as green would
 * sit beside the up candles of the example windows (yellow is unreadable on white).
 */
export const OBJECTIVE_COLOURS = ["#0072B2", "#D55E00", "#CC79A7", "#009E73", "#E69F00"] as const;
export const BASELINE_COLOUR = "#8a8a8a";
export const TRUE_SPAN_COLOUR = "#E6B800";
export const UP_COLOUR = "#3A9E45";
export const DOWN_COLOUR = "#333333";
/** Total width of every plot, in SVG pixels. */
export const PLOT_WIDTH = 640;

/** The compared objectives as plots show them (colour by position). */
export function plotObjectives(objectives: readonly Pick<ObjectiveDescription, "name" | "label">[]): PlotObjective[] {
  return objectives.map((o, i) => ({ name: o.name, label: o.label, colour: OBJECTIVE_COLOURS[i % OBJECTIVE_COLOURS.length]! }));
}

export const TASK_ORDER: readonly Task[] = ["pointer", "type", "span", "countdown"];
export const TASK_LABEL: Record<Task, string> = { pointer: "pointer", type: "type (class)", span: "span", countdown: "countdown" };

/** Title and subtitle of a plot; each builder has defaults that say how to read it. */
export interface PlotText {
  title?: string;
  /** One string per line. */
  subtitle?: string | readonly string[];
}

export type Json = Record<string, unknown>;

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

export function titleBlock(text: PlotText, defaults: Required<PlotText>): Json {
  const subtitle = text.subtitle ?? defaults.subtitle;
  return { text: text.title ?? defaults.title, subtitle: typeof subtitle === "string" ? subtitle : [...subtitle] };
}

/** Wraps a plot body with the schema and the shared config; `body.config` overrides it key by key. */
export function topLevel(body: Json): TopLevelSpec {
  const own = (body.config ?? {}) as Json;
  const config: Json = { ...CONFIG };
  for (const [key, value] of Object.entries(own)) {
    const base = CONFIG[key];
    config[key] = typeof base === "object" && base !== null ? { ...(base as Json), ...(value as Json) } : value;
  }
  return { $schema: SCHEMA, ...body, config } as unknown as TopLevelSpec;
}

/** Colour scale over the objectives present, in comparison order, so a single-objective plot has no stray legend entry. */
export function objectiveScale(objectives: readonly PlotObjective[], present: Iterable<string>): { domain: string[]; range: string[] } {
  const set = new Set(present);
  const shown = objectives.filter((o) => set.has(o.name));
  return { domain: shown.map((o) => o.label), range: shown.map((o) => o.colour) };
}

export function checkFinite(plot: string, field: string, value: number): number {
  if (!Number.isFinite(value)) throw new Error(`${plot}: ${field} must be a finite number, got ${value}`);
  return value;
}

/** The plotted objective of a row; an error naming the plot for an objective that is not compared. */
export function checkObjective(plot: string, objectives: readonly PlotObjective[], name: string): PlotObjective {
  const found = objectives.find((o) => o.name === name);
  if (!found) throw new Error(`${plot}: unknown objective ${JSON.stringify(name)}`);
  return found;
}

/** Throws when two rows share a key: a point drawn twice would hide which one is meant. */
export function checkUnique<T>(plot: string, rows: readonly T[], key: (row: T) => string): void {
  const seen = new Set<string>();
  for (const row of rows) {
    const k = key(row);
    if (seen.has(k)) throw new Error(`${plot}: duplicate row for ${k}`);
    seen.add(k);
  }
}

/** Code-unit order: unlike localeCompare, the same on every machine whatever its locale. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Three decimals, without the "-0.000" that toFixed gives a tiny negative number. */
export function fixed3(value: number): string {
  const text = value.toFixed(3);
  return text === "-0.000" ? "0.000" : text;
}

export function seedCountText(seeds: number): string {
  return seeds === 1 ? "1 seed" : `${seeds} seeds`;
}

/** Rounds for the inlined data: 7 significant digits is far below what a plot can show and keeps JSON short. */
export function round(value: number): number {
  return Number(value.toPrecision(7));
}

/**
 * A point with its interval rule for each objective at the same x, nudged apart by a few pixels so one
 * objective's interval never hides the other's (rows carry `objective` = the label, `low`, `high`, and
 * the point's value in `valueField`).
 */
export function nudgedIntervalLayers(objectives: readonly PlotObjective[], x: Json, y: Json, valueField: string): Json[] {
  const colour = {
    field: "objective",
    type: "nominal",
    title: null,
    scale: objectiveScale(
      objectives,
      objectives.map((o) => o.name),
    ),
  };
  return objectives.flatMap((objective, k) => {
    const only = [{ filter: { field: "objective", equal: objective.label } }];
    const nudge = (k - (objectives.length - 1) / 2) * 10;
    return [
      {
        transform: only,
        mark: { type: "rule", strokeWidth: 2, xOffset: nudge },
        encoding: { x, y: { field: "low", type: "quantitative" }, y2: { field: "high" }, color: colour },
      },
      {
        transform: only,
        mark: { type: "point", filled: true, size: 55, xOffset: nudge },
        encoding: { x, y: { ...y, field: valueField, type: "quantitative" }, color: colour },
      },
    ];
  });
}
