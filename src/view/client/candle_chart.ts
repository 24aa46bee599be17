/**
 * Candles with lightweight-charts, as the detection chart of src/report/detection_chart_script.ts draws
 * them (same colours, bands as 0/1 histograms on hidden price scales under the candles, one marker per
 * detection, probabilities in a pane below), as a small class the Bars, Window and Label review pages share.
 *
 * Logical indices of the time scale are bar indices: every series' times are a subset of the candles', so
 * a pixel converts to a bar with `coordinateToLogical` and back. The chart's times are the bars' whole
 * seconds; bars that do not have strictly increasing seconds (sub-second bars, or windows without
 * timestamps) are drawn on their bar index instead, and the axis says "bar i".
 */
import {
  CandlestickSeries,
  createChart,
  createSeriesMarkers,
  HistogramSeries,
  type IChartApi,
  type ISeriesApi,
  type ISeriesMarkersPluginApi,
  LineSeries,
  type SeriesMarker,
  type SeriesType,
  type Time,
  type UTCTimestamp,
} from "lightweight-charts";
import { isoSeconds } from "./dom.js";

export interface CandleData {
  /** Seconds since the epoch, or null when the bars have none. */
  times: ArrayLike<number> | null;
  open: ArrayLike<number>;
  high: ArrayLike<number>;
  low: ArrayLike<number>;
  close: ArrayLike<number>;
}

export interface CandleChartOptions {
  /** The least pixels per candle (0.25 by default; the Bars page's zoomed-out buckets need less). */
  minBarSpacing?: number;
  /** The crosshair's time label of candle `index` (by default "bar i · time"). */
  label?: (index: number) => string;
}

export interface Span {
  start: number;
  end: number;
}

export interface Marker {
  bar: number;
  position: "aboveBar" | "belowBar";
  shape: "arrowDown" | "arrowUp" | "circle";
  color: string;
  text?: string;
}

export const COLOURS = {
  up: "#26a69a",
  down: "#ef5350",
  event: "rgba(255,193,7,0.30)",
  hindsight: "#1f6feb",
  live: "#8250df",
};

/** Decimal places that show the prices: the fewest that write a sample exactly, at most float32's and 8. */
export function pricePrecision(columns: readonly ArrayLike<number>[]): number {
  let decimals = 0;
  let largest = 0;
  for (const column of columns) {
    const step = Math.max(1, Math.floor(column.length / 2000));
    for (let i = 0; i < column.length; i += step) {
      const x = column[i]!;
      largest = Math.max(largest, Math.abs(x));
      const exact = (d: number) => Math.abs(x * 10 ** d - Math.round(x * 10 ** d)) < 1e-7 * Math.max(1, Math.abs(x * 10 ** d));
      while (decimals < 8 && !exact(decimals)) decimals++;
    }
  }
  const significant = largest > 0 ? Math.max(2, 7 - Math.floor(Math.log10(largest))) : 8;
  return Math.min(decimals, significant, 8);
}

export class CandleChart {
  readonly chart: IChartApi;
  readonly candles: ISeriesApi<"Candlestick">;
  /** The chart's time of each candle (replaced by `setCandles`). */
  time: Float64Array = new Float64Array(0);
  /** Whether times are candle indices (the bars' own seconds could not be used). */
  byIndex = false;
  /** Candles drawn. */
  n = 0;
  data: CandleData;
  private markerApi: ISeriesMarkersPluginApi<Time> | null = null;
  private markerCount = 0;
  private bands: ISeriesApi<SeriesType>[] = [];
  private probabilitySeries: ISeriesApi<"Line">[] = [];

  constructor(
    readonly container: HTMLElement,
    data: CandleData,
    options: CandleChartOptions = {},
  ) {
    this.data = data;
    const realTime = (t: number) => {
      // The crosshair label: the bar index always, the bar's time when it has one.
      const bar = this.byIndex ? t : this.barOfTime(t);
      if (options.label !== undefined && bar >= 0) return options.label(bar);
      const times = this.data.times;
      const when = times !== null && bar >= 0 ? isoSeconds(times[bar]!) : null;
      return when === null ? `bar ${bar}` : `bar ${bar} · ${when}`;
    };
    this.chart = createChart(container, {
      autoSize: true,
      layout: { background: { color: "#ffffff" }, textColor: "#1d2733", fontSize: 11, panes: { separatorColor: "#d0d7de" } },
      grid: { vertLines: { color: "#f0f3f6" }, horzLines: { color: "#f0f3f6" } },
      // At most ~5,000 bars on screen (0.25 px each): beyond that a frame of candles takes longer than a tenth of a second.
      timeScale: {
        timeVisible: true,
        secondsVisible: false,
        minBarSpacing: options.minBarSpacing ?? 0.25,
        rightOffset: 3,
        tickMarkFormatter: (t: Time) => (this.byIndex ? String(t) : null),
      },
      localization: { timeFormatter: (t: Time) => realTime(Number(t)) },
      crosshair: { mode: 0 },
    });
    const precision = pricePrecision([data.open, data.high, data.low, data.close]);
    this.candles = this.chart.addSeries(
      CandlestickSeries,
      {
        upColor: COLOURS.up,
        downColor: COLOURS.down,
        wickUpColor: COLOURS.up,
        wickDownColor: COLOURS.down,
        borderVisible: false,
        priceFormat: { type: "price", precision, minMove: 10 ** -precision },
      },
      0,
    );
    this.setCandles(data);
    // The bars on screen, on the container: what a test (or a reader of the DOM) needs to find a bar's pixel.
    this.chart.timeScale().subscribeVisibleLogicalRangeChange((range) => {
      if (range === null) return;
      container.dataset.visibleFrom = Number(range.from).toFixed(3);
      container.dataset.visibleTo = Number(range.to).toFixed(3);
    });
  }

  /**
   * Replaces the candles (the Bars page swaps buckets for full-resolution bars as it zooms). Bands, markers
   * and probability lines are keyed by candle index, so the caller redraws them after.
   */
  setCandles(data: CandleData): void {
    this.data = data;
    const n = data.open.length;
    const seconds = new Float64Array(n);
    let increasing = data.times !== null;
    for (let i = 0; i < n && increasing; i++) {
      seconds[i] = Math.floor(data.times![i]!);
      if (!Number.isFinite(seconds[i]!) || (i > 0 && !(seconds[i]! > seconds[i - 1]!))) increasing = false;
    }
    this.byIndex = !increasing;
    if (this.byIndex) for (let i = 0; i < n; i++) seconds[i] = i;
    this.time = seconds;
    this.n = n;
    const rows = new Array(n);
    for (let i = 0; i < n; i++) rows[i] = { time: seconds[i] as UTCTimestamp, open: data.open[i], high: data.high[i], low: data.low[i], close: data.close[i] };
    this.candles.setData(rows);
  }

  /** The bar whose chart time is `t` (binary search), or −1. */
  barOfTime(t: number): number {
    let lo = 0;
    let hi = this.n - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const v = this.time[mid]!;
      if (v === t) return mid;
      if (v < t) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  /**
   * Spans as a shaded band: every bar inside one gets a full-height bar on a hidden 0–1 scale. `slot`
   * puts hindsight detections in a strip at the top and live ones at the bottom, so they never hide the
   * annotated spans behind them. Drawn before the candles in z-order (series added later draw on top, so
   * bands are moved under the candles by their pane order).
   */
  band(spans: readonly Span[], color: string, slot: "full" | "top" | "bottom", id: string): void {
    if (spans.length === 0) return;
    const margins = slot === "full" ? { top: 0, bottom: 0 } : slot === "top" ? { top: 0, bottom: 0.94 } : { top: 0.94, bottom: 0 };
    const series = this.chart.addSeries(
      HistogramSeries,
      {
        color,
        priceScaleId: id,
        lastValueVisible: false,
        priceLineVisible: false,
        autoscaleInfoProvider: () => ({ priceRange: { minValue: 0, maxValue: 1 } }),
      },
      0,
    );
    series.priceScale().applyOptions({ scaleMargins: margins, visible: false });
    const inside = new Uint8Array(this.n);
    for (const span of spans) inside.fill(1, Math.max(0, span.start), Math.min(this.n, span.end + 1));
    const points: { time: UTCTimestamp; value: number }[] = [];
    for (let i = 0; i < this.n; i++) if (inside[i]) points.push({ time: this.time[i] as UTCTimestamp, value: 1 });
    series.setData(points);
    // Bands under the candles.
    series.setSeriesOrder(0);
    this.bands.push(series);
  }

  /** Removes every band (the review page redraws them after each edit). */
  clearBands(): void {
    for (const series of this.bands) this.chart.removeSeries(series);
    this.bands = [];
  }

  /** Sets the markers (one per entry), sorted by time as the chart needs. */
  setMarkers(markers: readonly Marker[]): void {
    const list: SeriesMarker<Time>[] = markers
      .filter((m) => m.bar >= 0 && m.bar < this.n)
      .map((m) => ({ time: this.time[m.bar] as UTCTimestamp, position: m.position, shape: m.shape, color: m.color, size: 1, text: m.text }));
    list.sort((a, b) => Number(a.time) - Number(b.time));
    if (this.markerApi === null) this.markerApi = createSeriesMarkers(this.candles, list);
    else this.markerApi.setMarkers(list);
    this.markerCount = list.length;
  }

  get markers(): number {
    return this.markerCount;
  }

  /** Probability lines (NaN = none) in a pane below the candles, on a fixed 0–1 scale, thresholds dashed. */
  probabilityPane(lines: readonly { values: ArrayLike<number>; color: string; title: string; threshold?: number | null }[]): void {
    for (const line of lines) {
      const series = this.chart.addSeries(
        LineSeries,
        {
          color: line.color,
          lineWidth: 1,
          title: line.title,
          lastValueVisible: false,
          priceLineVisible: false,
          autoscaleInfoProvider: () => ({ priceRange: { minValue: 0, maxValue: 1 } }),
          priceFormat: { type: "price", precision: 3, minMove: 0.001 },
        },
        1,
      );
      const points = new Array(this.n);
      for (let i = 0; i < this.n; i++) {
        const v = line.values[i]!;
        points[i] = Number.isFinite(v) ? { time: this.time[i] as UTCTimestamp, value: v } : { time: this.time[i] as UTCTimestamp };
      }
      series.setData(points);
      if (line.threshold !== null && line.threshold !== undefined) {
        series.createPriceLine({ price: line.threshold, color: line.color, lineWidth: 1, lineStyle: 2, axisLabelVisible: true, title: `${line.title} θ` });
      }
      this.probabilitySeries.push(series);
    }
    const panes = this.chart.panes();
    if (panes.length > 1) {
      panes[0]!.setStretchFactor(3);
      panes[1]!.setStretchFactor(1);
    }
  }

  /** Removes the probability lines (the Bars page redraws them at each resolution). */
  clearProbabilities(): void {
    for (const series of this.probabilitySeries) this.chart.removeSeries(series);
    this.probabilitySeries = [];
  }

  /** Scrolls and zooms to bars a … b with context on both sides. */
  show(a: number, b: number): void {
    const pad = Math.max(30, 2 * (b - a + 1));
    const width = b - a + 2 * pad;
    // Near either end of the bars, slide the range inward rather than show empty space.
    const from = Math.max(-3, Math.min(a - pad, this.n + 2 - width));
    this.chart.timeScale().setVisibleLogicalRange({ from, to: from + width });
  }

  /** The whole history when it draws smoothly, else the last 2,000 bars. */
  fit(): void {
    if (this.n <= 5000) this.chart.timeScale().fitContent();
    else this.chart.timeScale().setVisibleLogicalRange({ from: this.n - 2000, to: this.n });
  }

  /** The bar under x (pixels from the chart's left edge, price axis excluded), clamped to the bars. */
  barAt(x: number): number | null {
    const logical = this.chart.timeScale().coordinateToLogical(x);
    if (logical === null) return null;
    return Math.min(this.n - 1, Math.max(0, Math.round(logical)));
  }

  /** The x of a bar's centre, or null when it is off screen. */
  xOf(bar: number): number | null {
    const x = this.chart.timeScale().logicalToCoordinate(bar as never);
    return x === null ? null : Number(x);
  }

  /** Half a bar's width in pixels. */
  halfBar(): number {
    const scale = this.chart.timeScale();
    const a = scale.logicalToCoordinate(0 as never);
    const b = scale.logicalToCoordinate(1 as never);
    return a === null || b === null ? 3 : Math.abs(Number(b) - Number(a)) / 2;
  }

  /** Resolves after the chart has painted (two animation frames: one to lay out, one to draw). */
  painted(): Promise<void> {
    return new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => resolve())));
  }

  remove(): void {
    this.chart.remove();
  }
}
