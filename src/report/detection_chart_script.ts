/**
 * The browser side of the detection chart (src/report/detection_chart.ts), inlined into the page as it
 * is: plain ES2020 for any current browser, no imports (lightweight-charts' standalone build defines
 * `window.LightweightCharts` before it runs). It decodes the base64 columns, builds the chart's per-bar
 * objects, draws candles, spans, markers and the probability pane, wires the navigation, and exposes
 * `window.spanlabChart` (the chart, the marker plugin, the counts) for the browser test.
 *
 * Logical indices of the time scale are bar indices: every series' times are a subset of the candles'.
 */
export const DETECTION_CHART_SCRIPT = `
(function () {
  "use strict";
  var LC = window.LightweightCharts;
  var data = JSON.parse(document.getElementById("spanlab-data").textContent);
  function decode(text, Type) {
    if (text === null) return null;
    var binary = atob(text);
    var bytes = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return new Type(bytes.buffer);
  }
  var n = data.n;
  var t = decode(data.t, Float64Array);
  var o = decode(data.o, Float32Array), h = decode(data.h, Float32Array), l = decode(data.l, Float32Array), c = decode(data.c, Float32Array);
  var p = decode(data.p, Float32Array), pLive = decode(data.pLive, Float32Array);
  var BLUE = "#1f6feb", PURPLE = "#8250df";

  var chart = LC.createChart(document.getElementById("chart"), {
    autoSize: true,
    layout: { background: { type: "solid", color: "#ffffff" }, textColor: "#1d2733", panes: { separatorColor: "#d0d7de" } },
    grid: { vertLines: { color: "#f0f3f6" }, horzLines: { color: "#f0f3f6" } },
    // At most ~5,000 bars on screen (0.25 px each): beyond that a frame of candles takes longer than a tenth of a second.
    timeScale: { timeVisible: true, secondsVisible: false, minBarSpacing: 0.25, rightOffset: 5 },
    crosshair: { mode: 0 },
  });
  // Bands first, so the candles are drawn over them.
  var unit = function () { return { priceRange: { minValue: 0, maxValue: 1 } }; };
  function band(spans, color, id, top, bottom) {
    if (spans.length === 0) return null;
    var series = chart.addSeries(LC.HistogramSeries, { color: color, priceScaleId: id, lastValueVisible: false, priceLineVisible: false, autoscaleInfoProvider: unit }, 0);
    series.priceScale().applyOptions({ scaleMargins: { top: top, bottom: bottom }, visible: false });
    var inside = new Uint8Array(n);
    spans.forEach(function (span) { inside.fill(1, span[0], span[1] + 1); });
    var points = [];
    for (var i = 0; i < n; i++) if (inside[i]) points.push({ time: t[i], value: 1 });
    series.setData(points);
    return series;
  }
  band(data.events, "rgba(255,193,7,0.30)", "events", 0, 0);
  band(data.hindsight, "rgba(31,111,235,0.55)", "hindsight", 0, 0.94);
  band(data.live, "rgba(130,80,223,0.55)", "live", 0.94, 0);

  var candles = chart.addSeries(LC.CandlestickSeries, {
    upColor: "#26a69a", downColor: "#ef5350", wickUpColor: "#26a69a", wickDownColor: "#ef5350", borderVisible: false,
    priceFormat: { type: "price", precision: data.precision, minMove: Math.pow(10, -data.precision) },
  }, 0);
  var rows = new Array(n);
  for (var i = 0; i < n; i++) rows[i] = { time: t[i], open: o[i], high: h[i], low: l[i], close: c[i] };
  candles.setData(rows);

  // One marker per detection: hindsight where it starts, live where it became known.
  var markers = [];
  data.hindsight.forEach(function (d) { markers.push({ time: t[d[0]], position: "aboveBar", shape: "arrowDown", color: BLUE, size: 1 }); });
  data.live.forEach(function (d) { markers.push({ time: t[d[2]], position: "belowBar", shape: "arrowUp", color: PURPLE, size: 1 }); });
  markers.sort(function (a, b) { return a.time - b.time; });
  var markerApi = LC.createSeriesMarkers(candles, markers);

  function track(values, color, title, threshold) {
    var series = chart.addSeries(LC.LineSeries, {
      color: color, lineWidth: 1, title: title, lastValueVisible: false, priceLineVisible: false, autoscaleInfoProvider: unit,
      priceFormat: { type: "price", precision: 3, minMove: 0.001 },
    }, 1);
    var points = new Array(n);
    for (var i = 0; i < n; i++) points[i] = Number.isFinite(values[i]) ? { time: t[i], value: values[i] } : { time: t[i] };
    series.setData(points);
    if (threshold !== null) series.createPriceLine({ price: threshold, color: color, lineWidth: 1, lineStyle: 2, axisLabelVisible: true, title: title + " threshold" });
  }
  if (p) track(p, BLUE, "p", data.threshold);
  if (pLive) track(pLive, PURPLE, "p_live", data.liveThreshold);
  if (chart.panes().length > 1) {
    chart.panes()[0].setStretchFactor(3);
    chart.panes()[1].setStretchFactor(1);
  }

  var lists = { hindsight: data.hindsight, live: data.live, events: data.events };
  var which = document.getElementById("which"), where = document.getElementById("where");
  var cursor = -1;
  function iso(i) { return new Date(t[i] * 1000).toISOString().replace(".000Z", "Z"); }
  function show(a, b) {
    var pad = Math.max(60, 4 * (b - a + 1));
    chart.timeScale().setVisibleLogicalRange({ from: a - pad, to: b + pad });
  }
  function go(step) {
    var list = lists[which.value];
    if (list.length === 0) { where.textContent = "no " + which.value; return; }
    cursor = (cursor + step + list.length) % list.length;
    var d = list[cursor];
    show(d[0], d[1]);
    where.textContent = which.value + " " + (cursor + 1) + "/" + list.length + ": bars " + d[0] + "–" + d[1] + " (" + iso(d[0]) + " → " + iso(d[1]) + ")";
  }
  document.getElementById("prev").addEventListener("click", function () { go(-1); });
  document.getElementById("next").addEventListener("click", function () { go(1); });
  document.getElementById("fit").addEventListener("click", function () { chart.timeScale().fitContent(); });
  which.addEventListener("change", function () { cursor = -1; go(1); });
  document.addEventListener("keydown", function (event) {
    if (event.key === "n") go(1);
    else if (event.key === "p") go(-1);
    else if (event.key === "f") chart.timeScale().fitContent();
  });
  if (n <= 3000) chart.timeScale().fitContent();
  else if (data.hindsight.length > 0 || data.events.length > 0) { if (data.hindsight.length === 0) which.value = "events"; go(1); }
  else chart.timeScale().setVisibleLogicalRange({ from: n - 2000, to: n });

  window.spanlabChart = {
    chart: chart,
    markers: function () { return markerApi.markers(); },
    counts: { bars: n, hindsight: data.hindsight.length, live: data.live.length, events: data.events.length },
  };
})();
`;
