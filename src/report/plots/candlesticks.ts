/**
 * A page of example windows, one row each: candlesticks (wick + body, up/down colours) with the true span
 * shaded, each objective's predicted span as a coloured bar above the candles, and under the chart the
 * per-bar p(in span) of each objective on [0, 1]. When a window carries its bars' times, the axis is
 * labelled with them (UTC) and the title gives the window's time range; every other annotated span it
 * holds is shaded too (all its bars are in span, docs/spec.md §1).
 */
import type { TopLevelSpec } from "vega-lite";
import type { Span } from "../../eval/metrics.js";
import {
  checkFinite,
  checkObjective,
  DOWN_COLOUR,
  PLOT_WIDTH,
  round,
  titleBlock,
  topLevel,
  TRUE_SPAN_COLOUR,
  UP_COLOUR,
  type Json,
  type PlotObjective,
  type PlotText,
} from "./shared.js";

/** Open, high, low, close of one bar. */
export type Ohlc = readonly [open: number, high: number, low: number, close: number];

export interface WindowPrediction {
  objective: string;
  /** The decoded span, or null when the objective predicted none. */
  span: Span | null;
  /** p(in span) per bar, one per bar of the window. */
  probabilities: ArrayLike<number>;
}

export interface CandleWindow {
  windowId: string;
  bars: readonly Ohlc[];
  trueSpan: Span;
  /** Every annotated span of the window, the true (primary) span among them; default: the true span only. */
  spans?: readonly Span[];
  /** Each bar's ISO-8601 UTC time, when the window file has them. */
  timestamps?: readonly string[];
  predicted: readonly WindowPrediction[];
}

/**
 * Tick labels of bar times: the date for daily bars (every time midnight), else `MM-DD HH:MM`, or only
 * `HH:MM` when the window lies inside one day.
 */
export function barTimeLabels(timestamps: readonly string[]): string[] {
  const daily = timestamps.every((t) => t.slice(11, 19) === "00:00:00");
  if (daily) return timestamps.map((t) => t.slice(0, 10));
  const oneDay = timestamps.every((t) => t.slice(0, 10) === timestamps[0]!.slice(0, 10));
  return timestamps.map((t) => (oneDay ? t.slice(11, 16) : `${t.slice(5, 10)} ${t.slice(11, 16)}`));
}

/** A Vega expression naming the time of each tick value (an index into the labels). */
function timeLabelExpression(labels: readonly string[], ticks: readonly number[]): string {
  const byTick = labels.map((label, i) => (ticks.includes(i) ? label : ""));
  return `${JSON.stringify(byTick)}[datum.value]`;
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
 * per-bar p(in span) of each objective on [0, 1]. Bars are on a 0-based index axis, labelled with their
 * times when the window has them.
 */
export function candlestickPage(compared: readonly PlotObjective[], windows: readonly CandleWindow[], text: PlotText = {}): TopLevelSpec {
  const plot = "candlestickPage";
  if (windows.length === 0) throw new Error(`${plot}: no windows`);
  const present = new Set<string>();
  for (const w of windows) for (const p of w.predicted) present.add(checkObjective(plot, compared, p.objective).name);
  const objectives = compared.filter((o) => present.has(o.name));
  // One colour scale for spans and probability lines, shared by every row (and so one legend).
  const colourScale = {
    domain: [TRUE_SPAN_LABEL, ...objectives.map((o) => o.label)],
    range: [TRUE_SPAN_COLOUR, ...objectives.map((o) => o.colour)],
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
    for (const span of w.spans ?? []) checkSpan(plot, `annotated span of window ${w.windowId}`, span, bars);
    if (w.timestamps !== undefined && w.timestamps.length !== bars) {
      throw new Error(`${plot}: window ${w.windowId} has ${w.timestamps.length} timestamps for ${bars} bars`);
    }
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
      const label = checkObjective(plot, compared, p.objective).label;
      if (p.probabilities.length !== bars) {
        throw new Error(`${plot}: window ${w.windowId} ${p.objective} has ${p.probabilities.length} probabilities for ${bars} bars`);
      }
      if (p.span !== null) {
        checkSpan(plot, `${p.objective} span of window ${w.windowId}`, p.span, bars);
        // Stacked just under the top edge, one row per objective, in the reserved headroom.
        const row = objectives.findIndex((o) => o.name === p.objective);
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
    const shaded = w.spans && w.spans.length > 0 ? w.spans : [w.trueSpan];
    const truth = { values: shaded.map((span) => ({ kind: TRUE_SPAN_LABEL, from: span.start - 0.5, to: span.end + 0.5 })) };
    const ticks = tickValues(bars);
    const timeAxis =
      w.timestamps !== undefined ? { labelExpr: timeLabelExpression(barTimeLabels(w.timestamps), ticks), labelAngle: -30, labelAlign: "right" } : {};
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
            x: {
              field: "bar",
              ...x,
              title:
                index === windows.length - 1 || w.timestamps !== undefined ? (w.timestamps !== undefined ? "bar time (UTC)" : "bar index in window") : null,
              axis: { values: ticks, grid: false, ...timeAxis },
            },
            y: { field: "p", type: "quantitative", title: "p(in span)", scale: { domain: [0, 1] }, axis: { values: [0, 0.5, 1], format: ".1f" } },
            color: colour("objective"),
          },
        },
      ],
    };
    const predictedText = w.predicted.map((p) => `${checkObjective(plot, compared, p.objective).label} ${spanText(p.span)}`).join(" · ");
    const others = shaded.filter((span) => span.start !== w.trueSpan.start || span.end !== w.trueSpan.end);
    const othersText = others.length > 0 ? ` (other annotated: ${others.map(spanText).join(", ")})` : "";
    const when = w.timestamps !== undefined ? ` · ${w.timestamps[0]} … ${w.timestamps[bars - 1]}` : "";
    return {
      title: {
        text: `window ${w.windowId}${when}`,
        subtitle: `true span ${spanText(w.trueSpan)}${othersText}${predictedText ? ` · ${predictedText}` : ""}`,
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
        "Candles: green up, dark down. Gold shading: annotated span(s). Coloured bars above the candles: each objective's",
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
