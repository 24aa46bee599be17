/**
 * The Window page: one window of a window file (`GET /api/window?id=&window=`) as candles with its
 * annotated spans; each prediction of it (a predictions file beside the window file, or the one picked)
 * as its head's per-bar probability in a pane below; and each prediction's span posterior summary
 * (docs/spec.md §12): the minimum-Bayes-risk span with its expected IoU, P(IoU ≥ ½), the 90% start and
 * end intervals, and the most probable spans. The first prediction's MBR span and intervals are also
 * drawn on the candles. When the server can run a prediction's checkpoint (`GET /api/posterior`), the
 * whole start × end posterior is drawn as a heat map per prediction (posterior_heatmap.ts).
 */
import { type CatalogItem, getCatalog, getJson } from "../api.js";
import { CandleChart, COLOURS } from "../candle_chart.js";
import { fill, h, notice, num } from "../dom.js";
import { itemPicker, NONE } from "../pickers.js";
import { navigate, type PageContext } from "../router.js";
import { posteriorHeatmaps } from "../posterior_heatmap.js";
import { objectiveColour } from "../run_groups.js";
import type { WindowListing } from "../window_finder.js";

interface Posterior {
  top: { start: number; end: number; probability: number }[];
  start_interval: [number, number];
  end_interval: [number, number];
  mbr: { start: number; end: number; expected_iou: number };
  p_iou_at_least_half: number;
}

interface Prediction {
  id: string;
  path: string;
  loss_type: string;
  checkpoint: string;
  probabilities: number[];
  span?: { start: number; end: number };
  span_iou?: number;
  span_posterior?: Posterior;
  predicted_class?: string;
  class_probabilities?: Record<string, number>;
}

export interface WindowResponse {
  index: number;
  count: number;
  window_id: string;
  base_window_id: string;
  label: string;
  expansion_start: number;
  expansion_end: number;
  spans: [number, number][];
  bars: [number, number, number, number][];
  timestamps: string[] | null;
  predictions: Prediction[];
}

const iouOf = (a: { start: number; end: number }, b: { start: number; end: number }) => {
  const shared = Math.max(0, Math.min(a.end, b.end) - Math.max(a.start, b.start) + 1);
  return shared / (a.end - a.start + 1 + (b.end - b.start + 1) - shared);
};

function posteriorCard(p: Prediction, truth: { start: number; end: number }): HTMLElement {
  const colour = objectiveColour(p.loss_type);
  const head = h("h3", {}, h("span", { class: "badge obj", style: `--c: ${colour}` }, p.loss_type), " ", h("code", {}, p.path));
  const rows: [string, string][] = [];
  if (p.span) rows.push(["single-span decoder", `[${p.span.start}, ${p.span.end}] · IoU with the annotated span ${num(p.span_iou)}`]);
  if (p.predicted_class) {
    const probs = Object.entries(p.class_probabilities ?? {})
      .map(([k, v]) => `${k} ${num(v)}`)
      .join(", ");
    rows.push(["predicted class", `${p.predicted_class} (${probs})`]);
  }
  const post = p.span_posterior;
  if (post === undefined) return h("div", { class: "card" }, head, table(rows), h("p", { class: "muted" }, "This prediction has no span posterior."));
  rows.push(
    [
      "MBR span",
      `[${post.mbr.start}, ${post.mbr.end}] · expected IoU ${num(post.mbr.expected_iou)} · IoU with the annotated span ${num(iouOf(post.mbr, truth))}`,
    ],
    ["P(IoU(MBR, true) ≥ ½)", num(post.p_iou_at_least_half)],
    ["start, 90% interval", `[${post.start_interval[0]}, ${post.start_interval[1]}] (annotated ${truth.start})`],
    ["end, 90% interval", `[${post.end_interval[0]}, ${post.end_interval[1]}] (annotated ${truth.end})`],
  );
  const top = h(
    "table",
    { class: "metrics" },
    h("thead", {}, h("tr", {}, h("th", {}, "#"), h("th", {}, "start"), h("th", {}, "end"), h("th", {}, "P(span)"), h("th", {}, "IoU with annotated"))),
    h(
      "tbody",
      {},
      ...post.top.map((span, k) =>
        h(
          "tr",
          {},
          h("td", { class: "num" }, k + 1),
          h("td", { class: "num" }, span.start),
          h("td", { class: "num" }, span.end),
          h("td", { class: "num" }, num(span.probability)),
          h("td", { class: "num" }, num(iouOf(span, truth))),
        ),
      ),
    ),
  );
  return h("div", { class: "card" }, head, table(rows), h("h4", {}, `Most probable spans (top ${post.top.length})`), top);
}

function table(rows: readonly [string, string][]): HTMLTableElement {
  return h("table", { class: "metrics" }, h("tbody", {}, ...rows.map(([k, v]) => h("tr", {}, h("th", {}, k), h("td", {}, v)))));
}

export async function windowPage(root: HTMLElement, params: URLSearchParams, context: PageContext): Promise<void> {
  const items = await getCatalog();
  const files = items.filter((i) => i.kind === "windows");
  fill(root, h("h1", {}, "Window"));
  if (files.length === 0) {
    root.append(notice("note", "No window file was found under the roots (.parquet or .jsonl of windows)."));
    return;
  }
  const file: CatalogItem = files.find((i) => i.id === params.get("id")) ?? files[0]!;
  const listing = await getJson<WindowListing>("/api/window", { id: file.id });
  if (listing.windows.length === 0) {
    root.append(notice("note", `${file.path} holds no window.`));
    return;
  }
  const current = listing.windows.find((w) => w.window_id === params.get("window")) ?? listing.windows[0]!;
  const predictionsId = params.get("predictions") ?? NONE;
  const go = (change: Record<string, string | null>) =>
    navigate("window", { id: file.id, window: current.window_id, predictions: predictionsId === NONE ? null : predictionsId, ...change });
  const windowSelect = h("select", { "aria-label": "window" });
  for (const w of listing.windows)
    windowSelect.append(h("option", { value: w.window_id }, `${w.index + 1}. ${w.window_id} · ${w.label} [${w.expansion_start}, ${w.expansion_end}]`));
  windowSelect.value = current.window_id;
  windowSelect.addEventListener("change", () => go({ window: windowSelect.value }));
  const neighbour = (by: number) => listing.windows[(current.index + by + listing.windows.length) % listing.windows.length]!.window_id;
  root.append(
    h(
      "div",
      { class: "toolbar" },
      h("label", {}, "windows"),
      itemPicker(items, "windows", { value: file.id, label: "window file", onChange: (id) => navigate("window", { id }) }),
      h("label", {}, "window"),
      windowSelect,
      h("button", { onclick: () => go({ window: neighbour(-1) }) }, "◀"),
      h("button", { onclick: () => go({ window: neighbour(1) }) }, "▶"),
      h("label", {}, "predictions"),
      itemPicker(items, "predictions", {
        value: predictionsId,
        beside: file,
        none: "every file made on these windows",
        label: "predictions file",
        onChange: (id) => go({ predictions: id === NONE ? null : id }),
      }),
    ),
  );
  const win = await getJson<WindowResponse>("/api/window", {
    id: file.id,
    window: current.window_id,
    predictions: predictionsId === NONE ? undefined : predictionsId,
  });
  if (!context.current()) return;
  const truth = { start: win.expansion_start, end: win.expansion_end };
  const times = win.timestamps === null ? null : win.timestamps.map((t) => Date.parse(t) / 1000);
  root.append(
    h(
      "div",
      { class: "meta" },
      `window ${win.index + 1} of ${win.count} · ${win.window_id} (event ${win.base_window_id}) · ${win.label} · annotated span [${truth.start}, ${truth.end}]`,
      win.spans.length > 1 ? ` · ${win.spans.length} annotated spans in the window` : "",
      win.timestamps ? ` · ${win.timestamps[0]} → ${win.timestamps.at(-1)}` : " · no timestamps",
    ),
  );
  const container = h("div", { class: "candles short", "data-testid": "window-chart" });
  root.append(container);
  const chart = new CandleChart(container, {
    times,
    open: win.bars.map((b) => b[0]),
    high: win.bars.map((b) => b[1]),
    low: win.bars.map((b) => b[2]),
    close: win.bars.map((b) => b[3]),
  });
  context.onDispose(() => chart.remove());
  chart.band(
    win.spans.map(([start, end]) => ({ start, end })),
    COLOURS.event,
    "full",
    "events",
  );
  const first = win.predictions[0];
  const post = first?.span_posterior;
  if (post) {
    chart.band([post.mbr], "rgba(31,111,235,0.55)", "top", "mbr");
    chart.band(
      [
        { start: post.start_interval[0], end: post.start_interval[1] },
        { start: post.end_interval[0], end: post.end_interval[1] },
      ],
      "rgba(130,80,223,0.45)",
      "bottom",
      "intervals",
    );
  }
  if (win.predictions.length > 0) {
    chart.probabilityPane(win.predictions.map((p) => ({ values: p.probabilities, color: objectiveColour(p.loss_type), title: `p ${p.loss_type}` })));
  }
  chart.fit();
  root.append(
    h(
      "div",
      { class: "toolbar" },
      h("span", { class: "key", style: `background:${COLOURS.event}` }),
      "annotated span(s)",
      post ? [h("span", { class: "key", style: "background:rgba(31,111,235,0.55)" }), `MBR span (${first!.loss_type}, top strip)`] : null,
      post ? [h("span", { class: "key", style: "background:rgba(130,80,223,0.45)" }), "90% start and end intervals (bottom strip)"] : null,
      ...win.predictions.flatMap((p) => [h("span", { class: "key", style: `background:${objectiveColour(p.loss_type)};height:2px` }), `p (${p.loss_type})`]),
    ),
  );
  if (win.predictions.length === 0) {
    root.append(
      notice(
        "note",
        "No prediction of this window: no predictions file beside the window file was made on it (spanlab predict --data <windows> --out <file>.json writes one).",
      ),
    );
    return;
  }
  root.append(h("h2", {}, "Span posterior"), h("div", { class: "columns2" }, ...win.predictions.map((p) => posteriorCard(p, truth))));
  const heatmaps = await posteriorHeatmaps(win.predictions, win.window_id);
  if (!context.current()) return;
  if (heatmaps.figures.length > 0) root.append(h("h3", {}, "P(start, end): the whole posterior"), h("div", { class: "columns2" }, ...heatmaps.figures));
  if (heatmaps.reasons.length > 0 || heatmaps.figures.length === 0) {
    root.append(
      h(
        "p",
        { class: "caption" },
        "The predictions files hold the posterior's summary (top spans, intervals, MBR), not the whole start × end matrix; ",
        heatmaps.figures.length === 0 ? "no heat map is drawn: " : "some heat maps are missing: ",
        heatmaps.reasons.join("; "),
      ),
    );
  }
  await chart.painted();
}
