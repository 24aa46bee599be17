/**
 * The start × end heat map of one window's span posterior on a canvas, from `GET /api/posterior`: the box
 * the bundle's heat map stores (docs/spec.md §12: starts × ends, cells of `cellBars` × `cellBars` bars, each
 * the mean P(start, end) of its spans), in log colour because a posterior's mass falls off by orders of
 * magnitude within a few bars, with the annotated span and the MBR span marked and a legend of the range.
 */
import { ApiError, getJson } from "./api.js";
import { h, num } from "./dom.js";

export interface PosteriorBox {
  startRange: [number, number];
  endRange: [number, number];
  cellBars: number;
  /** Rows are starts, columns ends. */
  probabilities: number[][];
  mass: number;
  mbr: { start: number; end: number; expectedIoU: number };
}

export interface PosteriorResponse {
  window_id: string;
  loss_type: string;
  checkpoint: string;
  truth: { start: number; end: number };
  decoded: { start: number; end: number };
  posterior: PosteriorBox;
}

/** The colour map's stops (dark blue → teal → yellow, perceptually ordered so darker always reads as less). */
const STOPS: [number, number, number][] = [
  [13, 8, 135],
  [84, 2, 163],
  [33, 145, 140],
  [94, 201, 98],
  [253, 231, 37],
];

function colourAt(x: number): string {
  const t = Math.min(1, Math.max(0, x)) * (STOPS.length - 1);
  const k = Math.min(STOPS.length - 2, Math.floor(t));
  const f = t - k;
  const [a, b] = [STOPS[k]!, STOPS[k + 1]!];
  return `rgb(${a.map((v, i) => Math.round(v + f * (b[i]! - v))).join(",")})`;
}

/** The log10 range the colours span: the box's largest cell down to its smallest positive one. */
export function logRange(box: PosteriorBox): { lo: number; hi: number } {
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const row of box.probabilities)
    for (const p of row)
      if (p > 0) {
        lo = Math.min(lo, Math.log10(p));
        hi = Math.max(hi, Math.log10(p));
      }
  // A box of one value (or none positive) still needs a range to divide by.
  if (!Number.isFinite(lo)) return { lo: -1, hi: 0 };
  return hi - lo < 1e-9 ? { lo: hi - 1, hi } : { lo, hi };
}

/** Draws the box; returns the canvas and its legend. */
export function heatmapFigure(response: PosteriorResponse): HTMLElement {
  const box = response.posterior;
  const rows = box.probabilities.length;
  const cols = box.probabilities[0]?.length ?? 0;
  // Cells big enough to see a mark on, a panel no larger than the page's cards.
  const cell = Math.max(2, Math.floor(320 / Math.max(rows, cols, 1)));
  const margin = 34;
  const canvas = h("canvas", { width: margin + cols * cell + 4, height: margin + rows * cell + 4, "data-testid": "posterior-heatmap" });
  const context = canvas.getContext("2d");
  const { lo, hi } = logRange(box);
  if (context !== null) {
    context.fillStyle = "#f6f8fa";
    context.fillRect(0, 0, canvas.width, canvas.height);
    for (const [i, row] of box.probabilities.entries()) {
      for (const [j, p] of row.entries()) {
        // Cells whose every end is before every start hold no span: left as the background.
        if (!(p > 0)) continue;
        context.fillStyle = colourAt((Math.log10(p) - lo) / (hi - lo));
        context.fillRect(margin + j * cell, margin + i * cell, cell, cell);
      }
    }
    const cellOf = (span: { start: number; end: number }) => ({
      x: margin + Math.floor((span.end - box.endRange[0]) / box.cellBars) * cell,
      y: margin + Math.floor((span.start - box.startRange[0]) / box.cellBars) * cell,
    });
    const truth = cellOf(response.truth);
    context.strokeStyle = "#ffffff";
    context.lineWidth = 2;
    context.strokeRect(truth.x - 1, truth.y - 1, cell + 2, cell + 2);
    const mbr = cellOf(box.mbr);
    context.strokeStyle = "#e5534b";
    context.beginPath();
    context.moveTo(mbr.x, mbr.y);
    context.lineTo(mbr.x + cell, mbr.y + cell);
    context.moveTo(mbr.x + cell, mbr.y);
    context.lineTo(mbr.x, mbr.y + cell);
    context.stroke();
    context.fillStyle = "#24292f";
    context.font = "11px sans-serif";
    context.fillText(`end ${box.endRange[0]}…${box.endRange[1]} →`, margin, 12);
    context.save();
    context.translate(12, margin);
    context.rotate(Math.PI / 2);
    context.fillText(`start ${box.startRange[0]}…${box.startRange[1]} →`, 0, 0);
    context.restore();
  }
  const gradient = `linear-gradient(to right, ${[0, 0.25, 0.5, 0.75, 1].map(colourAt).join(", ")})`;
  return h(
    "figure",
    { class: "heatmap" },
    h("div", {}, canvas),
    h(
      "figcaption",
      { class: "caption" },
      h(
        "div",
        {},
        `${response.loss_type}: P(start, end) at T = 1, log colour; `,
        `${num(box.mass)} of the mass inside the box`,
        box.cellBars > 1 ? `; cells of ${box.cellBars} × ${box.cellBars} bars (mean P)` : "",
      ),
      h(
        "div",
        { class: "legend" },
        `10^${lo.toFixed(1)} `,
        h("span", { class: "key", style: `background:${gradient};width:120px` }),
        ` 10^${hi.toFixed(1)} · `,
        h("span", { class: "key", style: "background:transparent;outline:2px solid #fff;outline-offset:-2px;border:1px solid #999" }),
        `annotated [${response.truth.start}, ${response.truth.end}] · `,
        h("span", { style: "color:#e5534b;font-weight:bold" }, "✕"),
        ` MBR [${box.mbr.start}, ${box.mbr.end}] (expected IoU ${num(box.mbr.expectedIoU)})`,
      ),
    ),
  );
}

/** The heat map of each prediction that the server can recompute; the reasons of those it cannot. */
export async function posteriorHeatmaps(predictions: readonly { id: string }[], windowId: string): Promise<{ figures: HTMLElement[]; reasons: string[] }> {
  const figures: HTMLElement[] = [];
  const reasons: string[] = [];
  for (const p of predictions) {
    try {
      figures.push(heatmapFigure(await getJson<PosteriorResponse>("/api/posterior", { id: p.id, window: windowId })));
    } catch (error) {
      // 404 carries the reason (checkpoint outside the roots, or gone); anything else is a real failure.
      if (error instanceof ApiError && error.status === 404) reasons.push(error.message);
      else throw error;
    }
  }
  return { figures, reasons };
}
