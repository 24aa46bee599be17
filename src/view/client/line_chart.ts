/**
 * Small per-epoch line charts as inline SVG: a handful of epochs and lines per panel, so SVG is lighter
 * than a canvas chart and every line is an element the browser test can count (`data-testid`). A series
 * is a line (thin per-run traces, or a bold mean), optionally with a shaded min–max band.
 */
import { h, num, s } from "./dom.js";

export interface LineSeries {
  /** [x, y] points, x ascending; non-finite y values break the line. */
  points: readonly (readonly [number, number])[];
  color: string;
  width?: number;
  dash?: string;
  opacity?: number;
  /** Shown on hover. */
  title: string;
  /** Marks the element for tests (e.g. "curve" for one run-and-split line). */
  testid?: string;
}

export interface Band {
  /** [x, low, high]. */
  points: readonly (readonly [number, number, number])[];
  color: string;
  title: string;
}

export interface LineChartOptions {
  title: string;
  /** Under the title, e.g. "2 seeds · mean, min–max band". */
  caption?: string;
  xLabel: string;
  yLabel: string;
  lines: readonly LineSeries[];
  bands?: readonly Band[];
  legend?: readonly { label: string; color: string; dash?: string }[];
  width?: number;
  height?: number;
}

/** Up to ~5 round ticks covering [low, high]. */
export function niceTicks(low: number, high: number, count = 5): number[] {
  if (!(high > low)) return [low];
  const raw = (high - low) / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * power).find((candidate) => candidate >= raw) ?? raw;
  const ticks: number[] = [];
  for (let t = Math.ceil(low / step) * step; t <= high + step * 1e-9; t += step) ticks.push(Number(t.toPrecision(12)));
  return ticks;
}

/** The chart as a `<figure>` holding the SVG and a legend. */
export function lineChart(options: LineChartOptions): HTMLElement {
  const width = options.width ?? 380;
  const height = options.height ?? 210;
  const margin = { left: 52, right: 12, top: 10, bottom: 34 };
  const plotW = width - margin.left - margin.right;
  const plotH = height - margin.top - margin.bottom;
  const xs: number[] = [];
  const ys: number[] = [];
  for (const line of options.lines) {
    for (const [x, y] of line.points) {
      xs.push(x);
      if (Number.isFinite(y)) ys.push(y);
    }
  }
  for (const band of options.bands ?? []) {
    for (const [x, low, high] of band.points) {
      xs.push(x);
      if (Number.isFinite(low)) ys.push(low);
      if (Number.isFinite(high)) ys.push(high);
    }
  }
  const figure = h("figure", { class: "chart" }, h("div", { class: "chart-title" }, options.title));
  if (options.caption) figure.append(h("div", { class: "chart-caption" }, options.caption));
  if (xs.length === 0 || ys.length === 0) {
    figure.append(h("div", { class: "chart-empty" }, "no values to draw"));
    return figure;
  }
  let x0 = Math.min(...xs);
  let x1 = Math.max(...xs);
  if (x1 === x0) {
    x0 -= 0.5;
    x1 += 0.5;
  }
  let y0 = Math.min(...ys);
  let y1 = Math.max(...ys);
  const pad = y1 > y0 ? (y1 - y0) * 0.06 : Math.max(Math.abs(y0) * 0.05, 0.5);
  y0 -= pad;
  y1 += pad;
  const X = (x: number) => margin.left + ((x - x0) / (x1 - x0)) * plotW;
  const Y = (y: number) => margin.top + (1 - (y - y0) / (y1 - y0)) * plotH;

  const svg = s("svg", { viewBox: `0 0 ${width} ${height}`, width, height, role: "img", "aria-label": options.title });
  const axes = s("g", { class: "axes" });
  for (const t of niceTicks(y0, y1, 4)) {
    axes.append(
      s("line", { x1: margin.left, x2: width - margin.right, y1: Y(t), y2: Y(t), class: "grid" }),
      s("text", { x: margin.left - 6, y: Y(t) + 4, "text-anchor": "end" }, num(t)),
    );
  }
  // Integer ticks on x (epochs): every epoch when few, else round steps.
  const xTicks = x1 - x0 <= 10 ? Array.from({ length: Math.floor(x1) - Math.ceil(x0) + 1 }, (_, i) => Math.ceil(x0) + i) : niceTicks(x0, x1, 5);
  for (const t of xTicks)
    axes.append(s("text", { x: X(t), y: height - margin.bottom + 15, "text-anchor": "middle" }, Number.isInteger(t) ? String(t) : num(t)));
  axes.append(
    s("line", { x1: margin.left, x2: width - margin.right, y1: height - margin.bottom, y2: height - margin.bottom, class: "axis" }),
    s("line", { x1: margin.left, x2: margin.left, y1: margin.top, y2: height - margin.bottom, class: "axis" }),
    s("text", { x: margin.left + plotW / 2, y: height - 4, "text-anchor": "middle", class: "label" }, options.xLabel),
    s(
      "text",
      { x: 12, y: margin.top + plotH / 2, "text-anchor": "middle", class: "label", transform: `rotate(-90 12 ${margin.top + plotH / 2})` },
      options.yLabel,
    ),
  );
  svg.append(axes);

  for (const band of options.bands ?? []) {
    const finite = band.points.filter(([, low, high]) => Number.isFinite(low) && Number.isFinite(high));
    if (finite.length === 1) {
      // One epoch: the band is the range at that epoch, a vertical bar.
      const [x, low, high] = finite[0]!;
      svg.append(
        s("line", { x1: X(x), x2: X(x), y1: Y(low), y2: Y(high), stroke: band.color, "stroke-opacity": 0.35, "stroke-width": 6 }, s("title", {}, band.title)),
      );
      continue;
    }
    if (finite.length < 2) continue;
    const upper = finite.map(([x, , high]) => `${X(x).toFixed(1)},${Y(high).toFixed(1)}`);
    const lower = finite.map(([x, low]) => `${X(x).toFixed(1)},${Y(low).toFixed(1)}`).reverse();
    svg.append(s("polygon", { points: [...upper, ...lower].join(" "), fill: band.color, "fill-opacity": 0.13, stroke: "none" }, s("title", {}, band.title)));
  }
  for (const line of options.lines) {
    // Non-finite values split the path into pieces rather than drawing through them; a point with no
    // finite neighbour (a one-epoch run) gets a dot, since a path of one point draws nothing.
    let d = "";
    let pen = false;
    const dots: [number, number][] = [];
    line.points.forEach(([x, y], i) => {
      if (!Number.isFinite(y)) {
        pen = false;
        return;
      }
      d += `${pen ? "L" : "M"}${X(x).toFixed(1)},${Y(y).toFixed(1)}`;
      const next = line.points[i + 1];
      if (!pen && (next === undefined || !Number.isFinite(next[1]))) dots.push([X(x), Y(y)]);
      pen = true;
    });
    const group = s("g", { "data-testid": line.testid }, s("title", {}, line.title));
    if (d !== "") {
      group.append(
        s("path", {
          d,
          fill: "none",
          stroke: line.color,
          "stroke-width": line.width ?? 1.5,
          "stroke-dasharray": line.dash,
          "stroke-opacity": line.opacity ?? 1,
          "stroke-linejoin": "round",
        }),
      );
    }
    // Dashed lines (train) get hollow dots, solid ones (validation) filled, so a lone point still says which.
    for (const [cx, cy] of dots) {
      group.append(
        s("circle", {
          cx,
          cy,
          r: 1.5 + (line.width ?? 1.5),
          fill: line.dash ? "#fff" : line.color,
          stroke: line.color,
          "stroke-width": 1.2,
          "fill-opacity": line.dash ? 1 : (line.opacity ?? 1),
          "stroke-opacity": line.opacity ?? 1,
        }),
      );
    }
    svg.append(group);
  }
  figure.append(svg);
  if (options.legend && options.legend.length > 0) {
    figure.append(
      h(
        "div",
        { class: "legend" },
        ...options.legend.map((entry) =>
          h(
            "span",
            {},
            s(
              "svg",
              { width: 22, height: 8, "aria-hidden": "true" },
              s("line", { x1: 1, x2: 21, y1: 4, y2: 4, stroke: entry.color, "stroke-width": 2, "stroke-dasharray": entry.dash }),
            ),
            entry.label,
          ),
        ),
      ),
    );
  }
  return figure;
}
