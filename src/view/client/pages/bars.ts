/**
 * The Bars page: a bars file from `GET /api/bars` (chunks of 2^18 bars) as candles; its annotated events
 * (an annotations file beside it, or picked) as amber bands; hindsight detections as a blue strip at the
 * top with a marker above each one's first bar, live ones as a purple strip at the bottom with a marker
 * below the bar each became known at; navigation by detection, missed event and false alarm
 * (src/view/client/detection_matching.ts); and a click on a detection opens the Window page on the window
 * around it when a window file beside the bars covers it.
 *
 * The whole history is drawn as buckets of k bars and the bars themselves once zoomed in
 * (src/view/client/bars_resolution.ts); a per-bar probabilities file (`predict --bars --probabilities`)
 * beside the bars, or picked, draws hindsight p and live p in a pane below.
 *
 * The chart container carries `data-detections` (markers drawn: one per detection row), `data-resolution`
 * (bars per candle drawn), `data-probabilities` (probability lines drawn) and the load time
 * goes to `window.__viewTimings.barsLoadedMs` (from navigation, or from the click that opened the page, to
 * candles painted).
 */
import { type CatalogItem, folderOf, getBinary, getCatalog, getJson } from "../api.js";
import { loadBars } from "../bars_loader.js";
import { FULL_VISIBLE, ResolutionChart } from "../bars_resolution.js";
import { COLOURS, type Marker, type Span } from "../candle_chart.js";
import { decodeProbabilities } from "../../shared/probabilities_binary.js";
import { MATCHING_RULE, matchDetections } from "../detection_matching.js";
import { fill, h, isoSeconds, notice, num } from "../dom.js";
import { placeEvents, type ViewEvent } from "../event_placement.js";
import { besideDefault, itemPicker, NONE } from "../pickers.js";
import { navigate, type PageContext } from "../router.js";
import { coveringWindow } from "../window_finder.js";

interface DetectionRow extends Span {
  mode: "hindsight" | "live";
  knownAt: number;
  row: Record<string, string | number | null>;
}

declare global {
  interface Window {
    __viewTimings?: { barsLoadedMs?: number; barsFetchMs?: number; bars?: number; chunks?: number };
  }
}

function readRows(rows: Record<string, string | number | null>[]): DetectionRow[] {
  return rows.map((row) => {
    const start = Number(row.start_index);
    const end = Number(row.end_index);
    const known = row.known_at_index === null || row.known_at_index === undefined ? start : Number(row.known_at_index);
    return { start, end, knownAt: known, mode: row.mode === "live" ? "live" : "hindsight", row };
  });
}

function detectionText(d: DetectionRow): string {
  const r = d.row;
  const parts = [
    `${r.decoder ?? "?"} decoder`,
    `bars ${d.start}–${d.end}`,
    `${r.start_time ?? ""} → ${r.end_time ?? ""}`,
    `confidence ${num(Number(r.confidence))}, peak ${num(Number(r.peak))}`,
  ];
  if (r.predicted_class) parts.push(String(r.predicted_class));
  if (r.start_interval_lo_index !== null && r.start_interval_lo_index !== undefined) {
    parts.push(`90% start [${r.start_interval_lo_index}, ${r.start_interval_hi_index}], end [${r.end_interval_lo_index}, ${r.end_interval_hi_index}]`);
  }
  return parts.join(" · ");
}

export async function barsPage(root: HTMLElement, params: URLSearchParams, context: PageContext): Promise<void> {
  const items = await getCatalog();
  const barsFiles = items.filter((i) => i.kind === "bars");
  fill(root, h("h1", {}, "Bars"));
  if (barsFiles.length === 0) {
    root.append(notice("note", "No bars file was found under the roots (a .csv or .parquet with time, open, high, low, close)."));
    return;
  }
  const barsItem = barsFiles.find((i) => i.id === params.get("id")) ?? barsFiles[0]!;
  const detectionsId = params.get("detections") ?? besideDefault(items, "detections", barsItem);
  const annotationsId = params.get("annotations") ?? besideDefault(items, "annotations", barsItem);
  const probabilitiesId = params.get("probabilities") ?? besideDefault(items, "probabilities", barsItem);
  const go = (change: Record<string, string>) =>
    navigate("bars", { id: barsItem.id, detections: detectionsId, annotations: annotationsId, probabilities: probabilitiesId, ...change });
  root.append(
    h(
      "div",
      { class: "toolbar" },
      h("label", {}, "bars"),
      itemPicker(items, "bars", { value: barsItem.id, label: "bars file", onChange: (id) => navigate("bars", { id }) }),
      h("label", {}, "detections"),
      itemPicker(items, "detections", {
        value: detectionsId,
        beside: barsItem,
        none: "none",
        label: "detections file",
        onChange: (id) => go({ detections: id }),
      }),
      h("label", {}, "events"),
      itemPicker(items, "annotations", {
        value: annotationsId,
        beside: barsItem,
        none: "none",
        label: "annotations file",
        onChange: (id) => go({ annotations: id }),
      }),
      h("label", {}, "p"),
      itemPicker(items, "probabilities", {
        value: probabilitiesId,
        beside: barsItem,
        none: "none",
        label: "probabilities file",
        onChange: (id) => go({ probabilities: id }),
      }),
    ),
  );
  const meta = h("div", { class: "meta" }, "loading bars…");
  const controls = h("div", { class: "toolbar" });
  const where = h("div", { class: "where" });
  const container = h("div", { class: "candles", "data-testid": "bars-chart" });
  const notes = h("div", { class: "notes" });
  root.append(meta, controls, container, where, notes);

  const fetchStart = performance.now();
  const [bars, detectionsBody, eventsBody, probabilities] = await Promise.all([
    loadBars(barsItem.id, (loaded, total) => fill(meta, `loading bars… ${loaded.toLocaleString()} of ${total.toLocaleString()}`)),
    detectionsId === NONE ? null : getJson<{ rows: Record<string, string | number | null>[]; bars: string | null }>("/api/detections", { id: detectionsId }),
    annotationsId === NONE ? null : getJson<{ events: ViewEvent[] }>("/api/annotations", { id: annotationsId }),
    // Aligned to the bars shown (bars=): a file made on another one is refused when it names a bar past their end.
    probabilitiesId === NONE
      ? null
      : getBinary("/api/probabilities", { id: probabilitiesId, bars: barsItem.id }).then(decodeProbabilities, (error: unknown) => error as Error),
  ]);
  const fetchMs = performance.now() - fetchStart;
  if (!context.current()) return;

  const view = new ResolutionChart(container, bars);
  const chart = view.chart;
  context.onDispose(() => view.remove());
  const detections = detectionsBody === null ? [] : readRows(detectionsBody.rows);
  const outOfRange = detections.filter((d) => !(d.start >= 0 && d.end < bars.total && d.end >= d.start));
  const placement = eventsBody === null ? { placed: [], unplaced: [] } : placeEvents(bars.times, eventsBody.events);
  const events: Span[] = placement.placed;
  const hindsight = detections.filter((d) => d.mode === "hindsight");
  const live = detections.filter((d) => d.mode === "live");
  view.setBands([
    { spans: events, color: COLOURS.event, slot: "full", id: "events" },
    { spans: hindsight, color: "rgba(31,111,235,0.55)", slot: "top", id: "hindsight" },
    { spans: live, color: "rgba(130,80,223,0.55)", slot: "bottom", id: "live" },
  ]);
  const markers: Marker[] = detections.map((d) =>
    d.mode === "hindsight"
      ? { bar: d.start, position: "aboveBar", shape: "arrowDown", color: COLOURS.hindsight }
      : { bar: d.knownAt, position: "belowBar", shape: "arrowUp", color: COLOURS.live },
  );
  view.setMarkers(markers);
  // Counted with the whole history drawn (zoomed in, only the markers of the bars drawn are on the chart).
  container.dataset.detections = String(chart.markers);
  const probabilityProblem = probabilities instanceof Error ? probabilities.message : null;
  if (probabilities !== null && !(probabilities instanceof Error)) {
    view.setProbabilities([
      { values: probabilities.p, color: COLOURS.hindsight, title: "p" },
      ...(probabilities.hasLive ? [{ values: probabilities.pLive, color: COLOURS.live, title: "p live" }] : []),
    ]);
    container.dataset.probabilities = String(probabilities.hasLive ? 2 : 1);
  }
  view.fit();
  await chart.painted();
  const loadedMs = performance.now() - context.started;
  window.__viewTimings = { barsLoadedMs: loadedMs, barsFetchMs: fetchMs, bars: bars.total, chunks: bars.chunks };

  const first = bars.times[0] ?? Number.NaN;
  const last = bars.times[bars.total - 1] ?? Number.NaN;
  fill(
    meta,
    `${bars.total.toLocaleString()} bars, ${isoSeconds(first)} → ${isoSeconds(last)} · ${events.length} events · ${hindsight.length} hindsight and ${live.length} live detections · `,
    `loaded in ${Math.round(fetchMs)} ms (${bars.chunks} request${bars.chunks === 1 ? "" : "s"}), candles drawn ${Math.round(loadedMs)} ms after the page opened`,
  );

  // Navigation. Which detections the buttons walk and match: the mode picked (hindsight by default).
  let mode: "hindsight" | "live" = hindsight.length > 0 || live.length === 0 ? "hindsight" : "live";
  const cursors = { detection: -1, missed: -1, falseAlarm: -1 };
  const ofMode = () => (mode === "hindsight" ? hindsight : live).slice().sort((a, b) => a.start - b.start);
  let list = ofMode();
  let matching = matchDetections(events, list);
  const step = (kind: keyof typeof cursors, size: number, by: number) => {
    if (size === 0) return -1;
    cursors[kind] = (cursors[kind] + by + size) % size;
    return cursors[kind];
  };
  const showDetection = (by: number) => {
    const k = step("detection", list.length, by);
    if (k < 0) return fill(where, `no ${mode} detection`);
    const d = list[k]!;
    view.show(d.start, d.end);
    fill(where, h("strong", {}, `${mode} ${k + 1}/${list.length}`), " ", detectionText(d));
  };
  const showMissed = () => {
    const k = step("missed", matching.missed.length, 1);
    if (k < 0) return fill(where, events.length === 0 ? "no annotated events to miss" : `no missed event: every event has a ${mode} match`);
    const e = placement.placed[matching.missed[k]!]!;
    view.show(e.start, e.end);
    fill(
      where,
      h("strong", {}, `missed ${k + 1}/${matching.missed.length}`),
      ` event ${e.event.event_id} (${e.event.label}), bars ${e.start}–${e.end}, ${e.event.start} → ${e.event.end}`,
    );
  };
  const showFalseAlarm = () => {
    const k = step("falseAlarm", matching.falseAlarms.length, 1);
    if (k < 0) return fill(where, events.length === 0 ? "false alarms need annotated events" : `no false alarm among the ${mode} detections`);
    const d = list[matching.falseAlarms[k]!]!;
    view.show(d.start, d.end);
    fill(where, h("strong", {}, `false alarm ${k + 1}/${matching.falseAlarms.length}`), " ", detectionText(d));
  };
  const counts = h("span", { class: "muted" });
  const recount = () => {
    list = ofMode();
    matching = matchDetections(events, list);
    cursors.detection = cursors.missed = cursors.falseAlarm = -1;
    fill(counts, events.length === 0 ? "" : `${matching.matched} matched · ${matching.missed.length} missed · ${matching.falseAlarms.length} false alarms`);
  };
  const modeSelect = h(
    "select",
    { "aria-label": "detections to walk" },
    h("option", { value: "hindsight" }, "hindsight"),
    h("option", { value: "live" }, "live"),
  );
  modeSelect.value = mode;
  modeSelect.addEventListener("change", () => {
    mode = modeSelect.value as typeof mode;
    recount();
  });
  recount();
  fill(
    controls,
    h("button", { onclick: () => showDetection(-1), title: "previous detection (p)" }, "◀ previous"),
    modeSelect,
    h("button", { onclick: () => showDetection(1), title: "next detection (n)" }, "next ▶"),
    h("span", { class: "sep" }),
    h("button", { onclick: showMissed, disabled: events.length === 0 }, "next missed event"),
    h("button", { onclick: showFalseAlarm, disabled: events.length === 0 || list.length === 0 }, "next false alarm"),
    counts,
    h("span", { class: "sep" }),
    h("button", { onclick: () => view.fit(), title: "the whole history (f)" }, "zoom out"),
    h(
      "span",
      {},
      h("span", { class: "key", style: `background:${COLOURS.event}` }),
      "annotated",
      h("span", { class: "key", style: `background:${COLOURS.hindsight}` }),
      "hindsight ▼",
      h("span", { class: "key", style: `background:${COLOURS.live}` }),
      "live ▲ (at known_at)",
    ),
  );
  const onKey = (event: KeyboardEvent) => {
    if (event.target instanceof HTMLSelectElement || event.target instanceof HTMLInputElement) return;
    if (event.key === "n") showDetection(1);
    else if (event.key === "p") showDetection(-1);
    else if (event.key === "f") view.fit();
  };
  document.addEventListener("keydown", onKey);
  context.onDispose(() => document.removeEventListener("keydown", onKey));

  // A click on a detection's bars opens the window around it.
  const windowFiles = items.filter((i) => i.kind === "windows" && i.root === barsItem.root && folderOf(i) === folderOf(barsItem));
  chart.chart.subscribeClick((param) => {
    if (param.logical === undefined) return;
    // The candle's bars: one at full resolution, k when zoomed out (a detection on any of them is hit).
    const first = view.barOf(Math.round(Number(param.logical)));
    const last = first + view.k - 1;
    // A live detection's marker sits at the bar it became known; a hindsight one's known_at can be a window later, off its bars.
    const reach = (d: DetectionRow) => (d.mode === "live" ? Math.max(d.end, d.knownAt) : d.end);
    const hit = [...list, ...detections.filter((d) => d.mode !== mode)].find((d) => d.start <= last && first <= reach(d));
    if (hit === undefined) return;
    void openWindow(hit, windowFiles, bars.times, where);
  });

  const noteList: HTMLElement[] = [];
  if (probabilityProblem !== null) noteList.push(notice("error", `No probability track: ${probabilityProblem}`));
  else if (probabilities === null && detectionsBody !== null) {
    noteList.push(notice("note", "No probability track: no per-bar probabilities file beside these bars (predict --bars --probabilities F.csv writes one)."));
  }
  if (view.zoomedOutK > 1) {
    const middleLevels = view.levels.slice(1, -1).reverse();
    noteList.push(
      notice(
        "info",
        `Zoomed out, each candle is ${view.zoomedOutK} bars (open of the first, high and low of all, close of the last; p is each candle's highest); ` +
          (middleLevels.length > 0
            ? `zooming in draws candles of ${middleLevels.join(", ")} bars, the finest that keep ${FULL_VISIBLE.toLocaleString()} or fewer on screen, then the bars themselves.`
            : `zoom in to ${FULL_VISIBLE.toLocaleString()} bars or fewer for the bars themselves.`),
      ),
    );
  }
  if (events.length > 0 && detections.length > 0) noteList.push(notice("info", `Matching: ${MATCHING_RULE}.`));
  if (placement.unplaced.length > 0) {
    noteList.push(
      notice(
        "note",
        `${placement.unplaced.length} event(s) lie on no bar and are not shown: `,
        placement.unplaced
          .slice(0, 5)
          .map((u) => `${u.event.event_id}: ${u.reason}`)
          .join("; "),
      ),
    );
  }
  if (outOfRange.length > 0)
    noteList.push(notice("error", `${outOfRange.length} detection row(s) name bars outside these ${bars.total} bars: were they made on another file?`));
  if (detectionsBody?.bars && detectionsBody.bars !== barsItem.id) {
    const other = items.find((i) => i.id === detectionsBody.bars);
    noteList.push(notice("note", `These detections were made on ${other?.path ?? "another bars file"}, not on ${barsItem.path}.`));
  }
  if (chart.byIndex) noteList.push(notice("note", "The bars' timestamps are not one per second or more, so the time axis shows bar indices."));
  noteList.push(h("div", { class: "caption" }, "Click a detection to open the window around it; wheel to zoom, drag to scroll; keys n / p / f."));
  fill(notes, ...noteList);
}

async function openWindow(d: DetectionRow, files: readonly CatalogItem[], times: Float64Array, where: HTMLElement): Promise<void> {
  fill(where, `finding the window around bars ${d.start}–${d.end}…`);
  const found = await coveringWindow(files, Math.round(times[d.start]! * 1000), Math.round(times[d.end]! * 1000));
  if ("reasons" in found) {
    fill(where, `${detectionText(d)} — no window to open: ${found.reasons.join("; ")}`);
    return;
  }
  navigate("window", { id: found.file.id, window: found.windowId });
}
