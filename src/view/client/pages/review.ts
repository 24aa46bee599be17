/**
 * The Label review page in annotation mode: an annotations file over its bars (or one window of a window
 * file) as candles with the events as bands; drag across bars to mark a new span and pick its label;
 * accept, adjust (drag the boundary handles), relabel or delete each existing event; "save" sends the
 * pending edits to `POST /api/annotations?id=`, which writes a new reviewed file and a review log beside
 * the original (never touching it), and the page shows the server's reply.
 *
 * Above the editor, ranked review (ranked_review.ts): a comparison's windows ordered by disagreement under
 * out-of-fold predictions (`GET /api/review`); a click opens that window of its window file here.
 */
import { type CatalogItem, getCatalog, getJson, invalidateCatalog, postJson } from "../api.js";
import { loadBars } from "../bars_loader.js";
import { CandleChart, COLOURS } from "../candle_chart.js";
import { fill, h, notice } from "../dom.js";
import { placeEvents, type ViewEvent } from "../event_placement.js";
import { rankedReviewSection } from "../ranked_review.js";
import { besideDefault, itemPicker, NONE } from "../pickers.js";
import { addEdit, applyPending, describeEdit, type EditTarget, eventEdit, LABELS, type PendingEdit, type ReviewEvent, withEdit } from "../review_edits.js";
import { navigate, type PageContext } from "../router.js";
import { SpanDrag } from "../span_drag.js";
import type { WindowListing } from "../window_finder.js";
import type { WindowResponse } from "./window.js";

interface Written {
  reviewed: { id: string; path: string };
  log: { path: string };
  events: number;
  edits: number;
}

/** New spans, blue beside the amber of the file's own events. */
const ADDED_BAND = "rgba(31,111,235,0.35)";

const isoOf = (seconds: number) => new Date(Math.round(seconds * 1000)).toISOString();

export async function reviewPage(root: HTMLElement, params: URLSearchParams, context: PageContext): Promise<void> {
  const items = await getCatalog();
  fill(root, h("h1", {}, "Label review"));
  root.append(await rankedReviewSection(items, params));
  if (!context.current()) return;
  const files = items.filter((i) => i.kind === "annotations" || i.kind === "windows");
  if (files.length === 0) {
    root.append(notice("note", "No annotations file or window file was found under the roots."));
    return;
  }
  const file = files.find((i) => i.id === params.get("id")) ?? files.find((i) => i.kind === "annotations") ?? files[0]!;
  const toolbar = h("div", { class: "toolbar" }, h("label", {}, "events of"), picker(files, file.id));
  root.append(toolbar);

  // What the chart shows and how edits name places on it.
  let data: { times: ArrayLike<number> | null; open: ArrayLike<number>; high: ArrayLike<number>; low: ArrayLike<number>; close: ArrayLike<number> };
  let target: EditTarget;
  let events: ReviewEvent[];
  let barsId: string | null = null;
  if (file.kind === "annotations") {
    barsId = params.get("bars") ?? besideDefault(items, "bars", file);
    toolbar.append(
      h("label", {}, "on bars"),
      itemPicker(items, "bars", {
        value: barsId,
        beside: file,
        none: "pick a bars file",
        label: "bars file",
        onChange: (id) => navigate("review", { id: file.id, bars: id }),
      }),
    );
    if (barsId === NONE) {
      root.append(notice("note", "Pick the bars these events were annotated on."));
      return;
    }
    const [bars, body] = await Promise.all([loadBars(barsId), getJson<{ events: ViewEvent[] }>("/api/annotations", { id: file.id })]);
    data = bars;
    target = { window: null, timeOf: (bar) => isoOf(bars.times[bar]!) };
    const placement = placeEvents(bars.times, body.events);
    const onBars = new Map(placement.placed.map((p) => [p.event.event_id, { start: p.start, end: p.end }]));
    events = body.events.map((e) => ({ id: e.event_id, label: e.label, bars: onBars.get(e.event_id) ?? null, start: e.start, end: e.end, status: "" }));
  } else {
    const listing = await getJson<WindowListing>("/api/window", { id: file.id });
    const current = listing.windows.find((w) => w.window_id === params.get("window")) ?? listing.windows[0];
    if (current === undefined) {
      root.append(notice("note", `${file.path} holds no window.`));
      return;
    }
    const windowSelect = h("select", { "aria-label": "window" });
    for (const w of listing.windows) windowSelect.append(h("option", { value: w.window_id }, `${w.index + 1}. ${w.window_id} · ${w.label}`));
    windowSelect.value = current.window_id;
    windowSelect.addEventListener("change", () => navigate("review", { comparison: params.get("comparison"), id: file.id, window: windowSelect.value }));
    toolbar.append(h("label", {}, "window"), windowSelect);
    const win = await getJson<WindowResponse>("/api/window", { id: file.id, window: current.window_id });
    if (win.timestamps === null) {
      // Synthetic windows (the bundled data) have no bar times: nothing to write as events, but still worth a look.
      root.append(
        notice(
          "note",
          `${file.path}: window ${win.window_id} has no timestamps, so its spans have no times to write as events; label review edits windows cut from bars (spanlab data windows). `,
        ),
        h(
          "p",
          {},
          h(
            "a",
            { href: `#/window?id=${encodeURIComponent(file.id)}&window=${encodeURIComponent(win.window_id)}` },
            `inspect ${win.window_id} in the Window page`,
          ),
        ),
      );
      return;
    }
    const stamps = win.timestamps;
    data = {
      times: stamps.map((t) => Date.parse(t) / 1000),
      open: win.bars.map((b) => b[0]),
      high: win.bars.map((b) => b[1]),
      low: win.bars.map((b) => b[2]),
      close: win.bars.map((b) => b[3]),
    };
    target = { window: win.window_id, timeOf: (bar) => new Date(Date.parse(stamps[bar]!)).toISOString() };
    // A window file's event is its base window's primary span; this window shows it on its own bars.
    events = [
      {
        id: win.base_window_id,
        label: win.label,
        bars: { start: win.expansion_start, end: win.expansion_end },
        start: stamps[win.expansion_start]!,
        end: stamps[win.expansion_end]!,
        status: "",
      },
    ];
  }
  if (!context.current()) return;
  const saved = params.get("saved");
  const savedBefore =
    saved === null
      ? null
      : { saved, log: params.get("log") ?? "", events: Number(params.get("events")), edits: Number(params.get("edits")), from: params.get("from") ?? "" };
  await reviewEditor(root, context, file, data, target, events, toolbar, barsId, savedBefore);
}

/** "2024-01-09T04:30:00Z" → "2024-01-09 04:30" (seconds only when not zero): the table's width is tight. */
function shortTime(iso: string): string {
  return iso
    .replace("T", " ")
    .replace(/(:\d\d):00(\.000)?Z$/, "$1")
    .replace(/(\.000)?Z$/, "");
}

function picker(files: readonly CatalogItem[], value: string): HTMLSelectElement {
  const element = h("select", { "aria-label": "file to review" });
  for (const kind of ["annotations", "windows"] as const) {
    const group = h("optgroup", { label: kind === "annotations" ? "annotations files" : "window files" });
    for (const f of files.filter((i) => i.kind === kind)) group.append(h("option", { value: f.id }, f.path));
    if (group.children.length > 0) element.append(group);
  }
  element.value = value;
  element.addEventListener("change", () => navigate("review", { id: element.value }));
  return element;
}

async function reviewEditor(
  root: HTMLElement,
  context: PageContext,
  file: CatalogItem,
  data: ConstructorParameters<typeof CandleChart>[1],
  target: EditTarget,
  original: ReviewEvent[],
  pickers: HTMLElement,
  barsId: string | null,
  savedBefore: Saved | null,
): Promise<void> {
  let pending: PendingEdit[] = [];
  let adjusting: string | null = null;
  let added = 0;
  const labelSelect = h("select", { "aria-label": "label of new spans" }, ...LABELS.map((l) => h("option", { value: l }, l)));
  const markButton = h("button", { class: "on", title: "drag across bars to mark a span; turn off to drag the chart" }, "✎ marking on");
  const tools = h(
    "div",
    { class: "toolbar" },
    markButton,
    h("label", {}, "new span label"),
    labelSelect,
    h("span", { class: "muted" }, "Drag across bars to mark a new span. Wheel zooms."),
    h(
      "span",
      {},
      h("span", { class: "key", style: `background:${COLOURS.event}` }),
      "events",
      h("span", { class: "key", style: `background:${ADDED_BAND}` }),
      "new spans",
    ),
  );
  const container = h("div", { class: "candles", "data-testid": "review-chart" });
  const table = h("div", { class: "scroll events-table" });
  const pendingBox = h("div", { class: "pending" });
  const reply = h("div", { class: "reply", "data-testid": "reply" });
  root.append(
    tools,
    container,
    h("div", { class: "columns-review" }, h("div", {}, h("h2", {}, "Events"), table), h("div", {}, h("h2", {}, "Pending edits"), pendingBox, reply)),
  );

  const chart = new CandleChart(container, data);
  context.onDispose(() => chart.remove());
  const drag = new SpanDrag(chart, (span) => {
    const id = `new span ${++added}`;
    pending = withEdit(pending, addEdit(target, span, labelSelect.value, id));
    // The new span now has its own band; the drag overlay only follows the pointer.
    drag.show(null);
    render();
  });
  drag.setMarking(true);
  markButton.addEventListener("click", () => {
    const on = !markButton.classList.contains("on");
    markButton.classList.toggle("on", on);
    markButton.textContent = on ? "✎ marking on" : "✎ marking off";
    drag.setMarking(on);
  });

  const act = (event: ReviewEvent, action: "accept" | "relabel" | "delete" | "adjust") => {
    if (action === "adjust") {
      if (event.bars === null) return;
      adjusting = adjusting === event.id ? null : event.id;
      if (adjusting === null) drag.adjust(null);
      else {
        chart.show(event.bars.start, event.bars.end);
        // The list sits below the chart: bring the chart (and its handles) into view.
        chart.container.scrollIntoView({ block: "nearest", behavior: "smooth" });
        drag.adjust(event.bars, (bars) => {
          pending = withEdit(pending, eventEdit(target, "adjust", event.id, { bars }));
          render();
        });
      }
    } else if (action === "relabel") {
      const label = LABELS.find((l) => l !== event.label) ?? LABELS[0];
      pending = withEdit(pending, eventEdit(target, "relabel", event.id, { label }));
    } else pending = withEdit(pending, eventEdit(target, action, event.id));
    render();
  };

  const save = async () => {
    if (pending.length === 0) return;
    fill(reply, "saving…");
    let written: Written;
    try {
      written = await postJson<Written>("/api/annotations", { id: file.id }, { edits: pending.map((p) => p.edit) });
    } catch (error) {
      fill(reply, notice("error", `Not saved: ${(error as Error).message}`));
      return;
    }
    invalidateCatalog();
    const saved = { saved: written.reviewed.path, log: written.log.path, events: written.events, edits: written.edits, from: file.path };
    if (file.kind === "annotations") {
      // Go on from the new file, so a second save builds on this one rather than on the original again.
      navigate("review", { id: written.reviewed.id, bars: barsId, ...saved });
      return;
    }
    showSaved(reply, saved, null);
    pending = [];
    adjusting = null;
    drag.adjust(null);
    drag.show(null);
    render();
  };

  function render() {
    // Pending edits live on this page only: moving to another file or window would drop them unsaved.
    for (const element of pickers.querySelectorAll("select")) {
      element.disabled = pending.length > 0;
      element.title = pending.length > 0 ? "save or drop the pending edits first" : "";
    }
    const shown = applyPending(original, pending, target.timeOf);
    chart.clearBands();
    chart.band(
      shown.filter((e) => e.status !== "deleted" && e.status !== "added" && e.bars !== null && e.id !== adjusting).map((e) => e.bars!),
      COLOURS.event,
      "full",
      "events",
    );
    chart.band(
      shown.filter((e) => e.status === "added" && e.id !== adjusting).map((e) => e.bars!),
      ADDED_BAND,
      "full",
      "added",
    );
    const rows = shown.map((e) => {
      const button = (action: "accept" | "adjust" | "relabel" | "delete", text: string, disabled = false) =>
        h(
          "button",
          { onclick: () => act(e, action), disabled: disabled || e.status === "deleted", class: action === "adjust" && adjusting === e.id ? "on" : null },
          text,
        );
      return h(
        "tr",
        { class: adjusting === e.id ? "selected" : null, "data-event": e.id },
        h(
          "td",
          {},
          h(
            "a",
            {
              href: location.hash,
              onclick: (ev: Event) => {
                ev.preventDefault();
                if (e.bars) chart.show(e.bars.start, e.bars.end);
              },
            },
            e.id,
          ),
        ),
        h("td", {}, e.label),
        h("td", { class: "num" }, e.bars === null ? "not on these bars" : `${e.bars.start}–${e.bars.end}`),
        h("td", { class: "nw times" }, shortTime(e.start), " → ", shortTime(e.end)),
        h("td", {}, e.status),
        h(
          "td",
          { class: "nw" },
          e.status === "added" ? null : button("accept", "accept"),
          button("adjust", adjusting === e.id ? "done" : "adjust", e.bars === null),
          button("relabel", "relabel"),
          button("delete", "delete"),
        ),
      );
    });
    fill(
      table,
      h(
        "table",
        { class: "metrics" },
        h("thead", {}, h("tr", {}, ...["event", "label", "bars", "times", "status", ""].map((t) => h("th", {}, t)))),
        h("tbody", {}, ...rows),
      ),
      adjusting === null ? null : h("div", { class: "caption" }, `Adjusting ${adjusting}: drag the orange handles on the chart to move its start or end.`),
    );
    const list = h(
      "ol",
      { class: "edits" },
      ...pending.map((p, k) =>
        h(
          "li",
          { "data-action": p.edit.action, "data-start-bar": p.bars?.start, "data-end-bar": p.bars?.end },
          describeEdit(p),
          " ",
          h(
            "button",
            {
              title: "drop this edit",
              onclick: () => {
                pending = pending.filter((_, i) => i !== k);
                render();
              },
            },
            "×",
          ),
        ),
      ),
    );
    fill(
      pendingBox,
      pending.length === 0 ? h("p", { class: "muted" }, "No edit yet.") : list,
      h(
        "button",
        { class: "primary", disabled: pending.length === 0, onclick: () => void save(), "data-testid": "save" },
        `save ${pending.length} edit${pending.length === 1 ? "" : "s"}`,
      ),
      h(
        "p",
        { class: "caption" },
        `Saving writes ${reviewStem(file.path)}.reviewed-<time>.csv and appends to ${reviewStem(file.path)}.review-log.jsonl; ${file.path} itself is never changed.`,
      ),
    );
  }
  if (savedBefore !== null) showSaved(reply, savedBefore, file);
  render();
  chart.fit();
  await chart.painted();
}

/** The name a file's reviews share, as the server forms it: no extension, no earlier `.reviewed-<stamp>`. */
function reviewStem(path: string): string {
  return path.replace(/\.[^./]+$/, "").replace(/\.reviewed-\d{8}T\d{6}(-\d+)?$/, "");
}

interface Saved {
  saved: string;
  log: string;
  events: number;
  edits: number;
  from: string;
}

/** The server's reply to a save: the new file, the log, and (after moving on to it) that this page now edits it. */
function showSaved(reply: HTMLElement, saved: Saved, now: CatalogItem | null): void {
  fill(
    reply,
    notice(
      "info",
      h("div", {}, "Saved ", h("strong", {}, saved.saved), ` (${saved.events} events, ${saved.edits} edit${saved.edits === 1 ? "" : "s"}).`),
      h("div", {}, "Review log: ", h("code", {}, saved.log), `. ${saved.from} is unchanged.`),
      now === null
        ? h("div", {}, `The next save starts again from ${saved.from}'s own spans: the reviewed file is an events file of its own.`)
        : h("div", {}, "This page now shows the new file; further edits build on it."),
    ),
  );
  reply.dataset.path = saved.saved;
}
