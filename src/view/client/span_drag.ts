/**
 * Marking and adjusting spans by dragging on a candle chart (label review): in marking mode a drag across
 * bars selects them (a shaded overlay follows the pointer) and reports the inclusive bar range on release;
 * an event being adjusted gets a handle on each boundary that drags that boundary alone. While marking,
 * the chart's own drag-to-scroll is off (the wheel still zooms), so a drag means one thing at a time.
 * Overlays are HTML over the chart, placed from bar indices and moved whenever the time scale moves.
 */
import type { CandleChart, Span } from "./candle_chart.js";
import { h } from "./dom.js";

export class SpanDrag {
  private marking = false;
  private dragStart: number | null = null;
  private downX = 0;
  private readonly selection = h("div", { class: "selection", hidden: true });
  private readonly handles = [h("div", { class: "handle", title: "drag: move the start" }), h("div", { class: "handle", title: "drag: move the end" })];
  private adjusting: { span: Span; onChange: (span: Span) => void } | null = null;
  private shown: Span | null = null;

  constructor(
    private readonly chart: CandleChart,
    private readonly onMarked: (span: Span) => void,
  ) {
    const container = chart.container;
    container.append(this.selection, ...this.handles);
    for (const handle of this.handles) handle.hidden = true;
    const x = (event: PointerEvent) => event.clientX - container.getBoundingClientRect().left;
    container.addEventListener(
      "pointerdown",
      (event) => {
        // Capture phase, so this runs before the chart's own handlers; a boundary handle has its own drag.
        if (!this.marking || event.button !== 0 || this.handles.includes(event.target as HTMLDivElement)) return;
        const bar = chart.barAt(x(event));
        if (bar === null) return;
        this.dragStart = bar;
        this.downX = x(event);
        container.setPointerCapture(event.pointerId);
        this.show({ start: bar, end: bar });
      },
      true,
    );
    container.addEventListener("pointermove", (event) => {
      if (this.dragStart === null) return;
      const bar = chart.barAt(x(event));
      if (bar !== null) this.show({ start: Math.min(this.dragStart, bar), end: Math.max(this.dragStart, bar) });
    });
    const finish = (event: PointerEvent) => {
      if (this.dragStart === null) return;
      const bar = chart.barAt(x(event)) ?? this.dragStart;
      const span = { start: Math.min(this.dragStart, bar), end: Math.max(this.dragStart, bar) };
      this.dragStart = null;
      if (container.hasPointerCapture(event.pointerId)) container.releasePointerCapture(event.pointerId);
      // A click is not a drag: marking needs the pointer to have moved.
      if (Math.abs(x(event) - this.downX) < 4) {
        this.show(null);
        return;
      }
      this.onMarked(span);
    };
    container.addEventListener("pointerup", finish);
    container.addEventListener("pointercancel", () => {
      this.dragStart = null;
      this.show(null);
    });
    this.handles.forEach((handle, which) => {
      handle.addEventListener("pointerdown", (event) => {
        if (this.adjusting === null) return;
        event.stopPropagation();
        event.preventDefault();
        handle.setPointerCapture(event.pointerId);
        const move = (e: PointerEvent) => {
          const bar = chart.barAt(x(e));
          if (bar === null || this.adjusting === null) return;
          const span = { ...this.adjusting.span };
          if (which === 0) span.start = Math.min(bar, span.end);
          else span.end = Math.max(bar, span.start);
          this.adjusting.span = span;
          this.place();
        };
        const up = () => {
          handle.removeEventListener("pointermove", move);
          handle.removeEventListener("pointerup", up);
          if (this.adjusting !== null) this.adjusting.onChange(this.adjusting.span);
        };
        handle.addEventListener("pointermove", move);
        handle.addEventListener("pointerup", up);
      });
    });
    chart.chart.timeScale().subscribeVisibleLogicalRangeChange(() => this.place());
    chart.chart.timeScale().subscribeSizeChange(() => this.place());
  }

  /** Marking on: drags select bars instead of scrolling. */
  setMarking(on: boolean): void {
    this.marking = on;
    this.chart.container.classList.toggle("marking", on);
    this.chart.chart.applyOptions({ handleScroll: { mouseWheel: true, pressedMouseMove: !on, horzTouchDrag: !on, vertTouchDrag: false } });
  }

  /** The selection overlay over `span` (null hides it). */
  show(span: Span | null): void {
    this.shown = span;
    this.place();
  }

  /** Boundary handles on `span` (null removes them); `onChange` gets the span after each drag. */
  adjust(span: Span | null, onChange: (span: Span) => void = () => {}): void {
    this.adjusting = span === null ? null : { span: { ...span }, onChange };
    this.place();
  }

  private place(): void {
    const half = this.chart.halfBar();
    const span = this.adjusting?.span ?? this.shown;
    const left = span === null ? null : this.chart.xOf(span.start);
    const right = span === null ? null : this.chart.xOf(span.end);
    if (span === null || left === null || right === null) {
      this.selection.hidden = true;
    } else {
      this.selection.hidden = false;
      this.selection.style.left = `${left - half}px`;
      this.selection.style.width = `${Math.max(2, right - left + 2 * half)}px`;
    }
    const edges = this.adjusting === null || left === null || right === null ? null : [left - half, right + half];
    this.handles.forEach((handle, k) => {
      handle.hidden = edges === null;
      if (edges !== null) handle.style.left = `${edges[k]}px`;
    });
  }
}
