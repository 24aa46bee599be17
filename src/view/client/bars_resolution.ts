/**
 * A CandleChart over a whole bars file that is never handed more than `MAX_CANDLES` candles: zoomed out
 * it draws buckets of K bars (src/view/client/bar_buckets.ts, K the fewest that fit the history in
 * MAX_CANDLES); zoomed in, buckets of 2^j < K bars — the finest that keep at most `FULL_VISIBLE` candles on
 * screen — over the visible range plus a margin, down to the bars themselves (k = 1) at `FULL_VISIBLE` bars
 * or fewer. It swaps on the time scale's range change (debounced, with hysteresis so one wheel notch does
 * not swap back and forth). Why: lightweight-charts takes ~1.2 s to `setData` 525,600 candles and as long
 * to paint them; 20,000 take tens of milliseconds. Why the middle levels: with only K and 1, a screen of
 * 5,000 bars would show 185 coarse candles of 27 bars; with them it shows 2,500 of 2. Buckets start at
 * multiples of k from bar 0, so a candle holds the same bars however the view was panned.
 *
 * Everything the page places is in bar indices (bands, markers, probabilities, `show`, clicks); this class
 * maps them to candle indices of what is drawn: candle j is bars from + j·k … from + (j+1)·k − 1. The
 * container carries `data-resolution` (k: 1 is full resolution), `data-candles` (candles drawn),
 * `data-first-bar` (the bar of candle 0) and `data-panes` (2 once probabilities are drawn below).
 */
import { aggregate, aggregateMax, bucketSize, MAX_CANDLES } from "./bar_buckets.js";
import { CandleChart, type Marker, type Span } from "./candle_chart.js";
import { isoSeconds } from "./dom.js";

/** The most candles on screen at a level finer than the zoomed-out one (~0.3 px a candle on a 1,400 px chart). */
export const FULL_VISIBLE = 4000;
/** Back to a coarser level only beyond this many candles on screen (hysteresis against swapping to and fro). */
const BUCKETS_VISIBLE = 6000;
const DEBOUNCE_MS = 120;

export interface FullBars {
  times: Float64Array;
  open: Float32Array;
  high: Float32Array;
  low: Float32Array;
  close: Float32Array;
}

interface BandSpec {
  spans: readonly Span[];
  color: string;
  slot: "full" | "top" | "bottom";
  id: string;
}

interface LineSpec {
  values: ArrayLike<number>;
  color: string;
  title: string;
  threshold?: number | null;
}

export class ResolutionChart {
  readonly chart: CandleChart;
  /** Bars per bucket when zoomed out (1 when the whole file fits as it is). */
  readonly zoomedOutK: number;
  /** The levels, finest first: 1, 2, 4, … below zoomedOutK, then zoomedOutK. */
  readonly levels: readonly number[];
  readonly total: number;
  /** Bars per candle drawn now, and the first bar drawn. */
  k: number;
  from = 0;
  /** One past the last bar drawn. */
  to: number;
  private bands: BandSpec[] = [];
  private markers: readonly Marker[] = [];
  private lines: LineSpec[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** Set while this class moves the range itself, so its own move does not count as the user's. */
  private moving = false;
  /** Called after each swap of resolution (tests and the page's caption read the container). */
  onSwap: (() => void) | undefined;

  constructor(
    readonly container: HTMLElement,
    readonly bars: FullBars,
  ) {
    this.total = bars.open.length;
    this.zoomedOutK = bucketSize(this.total);
    const levels: number[] = [];
    for (let k = 1; k < this.zoomedOutK; k *= 2) levels.push(k);
    levels.push(this.zoomedOutK);
    this.levels = levels;
    this.k = this.zoomedOutK;
    this.to = this.total;
    const first = aggregate(bars, this.k);
    const k = () => this.k;
    this.chart = new CandleChart(
      container,
      { times: first.times, open: first.open, high: first.high, low: first.low, close: first.close },
      {
        // The whole history of buckets on screen at once: 20,000 candles on ~1,300 px.
        minBarSpacing: this.zoomedOutK > 1 ? 0.05 : 0.25,
        label: (j) => {
          const a = this.from + j * k();
          const b = Math.min(this.total, a + k()) - 1;
          const when = isoSeconds(bars.times[a]!);
          return a === b ? `bar ${a} · ${when}` : `bars ${a}–${b} · ${when}`;
        },
      },
    );
    this.mark();
    this.chart.chart.timeScale().subscribeVisibleLogicalRangeChange(() => {
      if (this.moving || this.zoomedOutK === 1) return;
      clearTimeout(this.timer);
      this.timer = setTimeout(() => this.settle(), DEBOUNCE_MS);
    });
  }

  /** The candle drawing bar `bar` now (may lie outside what is drawn when zoomed in). */
  candleOf(bar: number): number {
    return Math.floor((bar - this.from) / this.k);
  }

  /** The first bar of candle `j` as drawn now. */
  barOf(j: number): number {
    return this.from + j * this.k;
  }

  /** The bars on screen, [first, last] (clamped to the file). */
  visibleBars(): { first: number; last: number } | null {
    const range = this.chart.chart.timeScale().getVisibleLogicalRange();
    if (range === null) return null;
    const first = Math.max(0, this.barOf(Math.floor(Number(range.from))));
    const last = Math.min(this.total - 1, this.barOf(Math.ceil(Number(range.to))) + this.k - 1);
    return { first, last };
  }

  setBands(bands: BandSpec[]): void {
    this.bands = bands;
    this.drawOverlays();
  }

  setMarkers(markers: readonly Marker[]): void {
    this.markers = markers;
    this.drawOverlays();
  }

  setProbabilities(lines: LineSpec[]): void {
    this.lines = lines;
    this.drawOverlays();
    this.mark();
  }

  /** Shows bars a … b with context on both sides, at the resolution that range needs. */
  show(a: number, b: number): void {
    const pad = Math.max(30, 2 * (b - a + 1));
    this.showRange(a - pad, b + pad);
  }

  /** The whole history (buckets when the file needs them). */
  fit(): void {
    this.showRange(0, this.total - 1);
  }

  /** Bars first … last on screen: swaps resolution when the width asks for it, then moves the time scale. */
  showRange(first: number, last: number): void {
    if (this.zoomedOutK > 1) this.drawAround(this.levelFor(last - first + 1), first, last);
    this.moveTo(first, last);
  }

  /** The finest level that keeps `width` bars within FULL_VISIBLE candles. */
  levelFor(width: number): number {
    return this.levels.find((k) => width / k <= FULL_VISIBLE) ?? this.zoomedOutK;
  }

  remove(): void {
    clearTimeout(this.timer);
    this.chart.remove();
  }

  /** After the user's zoom or pan has settled: the level the bars on screen need. */
  private settle(): void {
    const visible = this.visibleBars();
    if (visible === null) return;
    const width = visible.last - visible.first + 1;
    const wanted = this.levelFor(width);
    // Finer as soon as the level allows; coarser only once the candles on screen pass BUCKETS_VISIBLE.
    const redraw = wanted < this.k || (wanted > this.k && width / this.k > BUCKETS_VISIBLE);
    const level = redraw ? wanted : this.k;
    if (level === this.zoomedOutK && this.k === level) return; // the whole history is drawn
    if (this.drawAround(level, visible.first, visible.last)) this.moveTo(visible.first, visible.last);
  }

  /**
   * Level k over first … last plus a margin on each side (the whole history at the zoomed-out level), at
   * most MAX_CANDLES candles in all; nothing when that level is drawn already with half a screen of room on
   * both sides (a pan redraws only near an edge of what is drawn). Returns whether it drew.
   */
  private drawAround(k: number, first: number, last: number): boolean {
    if (k === this.zoomedOutK) {
      if (this.k === k) return false;
      this.swap(k, 0, this.total);
      return true;
    }
    const width = last - first + 1;
    const visible = Math.ceil(width / k);
    const margin = k * Math.min(Math.floor((MAX_CANDLES - visible) / 2), Math.max(3 * visible, 2000));
    const from = Math.max(0, Math.floor((first - margin) / k) * k);
    const to = Math.min(this.total, last + margin + 1);
    const room = (this.from === 0 || first - this.from > width / 2) && (this.to === this.total || this.to - 1 - last > width / 2);
    if (this.k === k && first >= this.from && last < this.to && room) return false;
    this.swap(k, from, to);
    return true;
  }

  private swap(k: number, from: number, to: number): void {
    const started = performance.now();
    this.k = k;
    this.from = from;
    this.to = to;
    const data = k === 1 ? sliceBars(this.bars, from, to) : aggregate(this.bars, k, from, to);
    this.moving = true;
    this.chart.setCandles({ times: data.times, open: data.open, high: data.high, low: data.low, close: data.close });
    this.drawOverlays();
    this.moving = false;
    this.mark();
    // What a swap costs before its paint (bench/view_browser.ts reads it).
    this.container.dataset.swapMs = (performance.now() - started).toFixed(1);
    this.onSwap?.();
  }

  private moveTo(first: number, last: number): void {
    this.moving = true;
    const a = (first - this.from) / this.k;
    const b = (last - this.from + 1) / this.k;
    this.chart.chart.timeScale().setVisibleLogicalRange({ from: a, to: b });
    // The range event fires synchronously with the move; later ones are the user's.
    this.moving = false;
  }

  private mark(): void {
    this.container.dataset.resolution = String(this.k);
    this.container.dataset.candles = String(this.chart.n);
    this.container.dataset.firstBar = String(this.from);
    this.container.dataset.panes = String(this.chart.chart.panes().length);
  }

  /** Bands, markers and probability lines in candles of what is drawn now. */
  private drawOverlays(): void {
    const n = this.chart.n;
    const inside = (s: Span) => s.end >= this.from && s.start < this.to;
    this.chart.clearBands();
    for (const band of this.bands) {
      const spans = band.spans
        .filter(inside)
        .map((s) => ({ start: this.candleOf(Math.max(s.start, this.from)), end: this.candleOf(Math.min(s.end, this.to - 1)) }));
      this.chart.band(spans, band.color, band.slot, band.id);
    }
    // A detection's marker goes on the candle holding its bar (at full resolution, only those drawn).
    this.chart.setMarkers(this.markers.filter((m) => m.bar >= this.from && m.bar < this.to).map((m) => ({ ...m, bar: this.candleOf(m.bar) })));
    this.chart.clearProbabilities();
    if (this.lines.length > 0) {
      this.chart.probabilityPane(
        this.lines.map((line) => ({
          ...line,
          values:
            this.k === 1 ? Float32Array.from({ length: n }, (_, i) => line.values[this.from + i]!) : aggregateMax(line.values, this.k, this.from, this.to),
        })),
      );
    }
  }
}

function sliceBars(bars: FullBars, from: number, to: number): FullBars {
  return {
    times: bars.times.subarray(from, to),
    open: bars.open.subarray(from, to),
    high: bars.high.subarray(from, to),
    low: bars.low.subarray(from, to),
    close: bars.close.subarray(from, to),
  };
}
