/**
 * Windows as the model consumes them: the feature tensor (N, 105, F), primary spans and class ids in flat
 * arrays, the per-bar marks of every annotated span (docs/spec.md §4: the soft and CRF span targets), and
 * batches gathered from them by index into reusable buffers.
 */
import { computeWindowFeatures } from "../features/index.js";
import { labelId, WINDOW_BARS, windowSpans, type BarRange, type Window } from "../data/window.js";

export interface WindowTensors {
  windowIds: string[];
  /** (N, bars, features), row-major. */
  features: Float32Array;
  featureCount: number;
  bars: number;
  /** The primary span: the pointer, countdown and class targets describe it. */
  spanStart: Int32Array;
  spanEnd: Int32Array;
  label: Int32Array;
  /** (N, bars): 1 on every bar of every annotated span of the window (its `spans`, or the primary span). */
  inSpan: Uint8Array;
  /** Every annotated span of each window, for the per-bar metrics (docs/spec.md §6). */
  spans: BarRange[][];
}

/** The (N, bars) marks of every annotated bar of each window. */
export function inSpanMarks(windows: readonly Pick<Window, "expansion_start" | "expansion_end" | "spans">[], bars: number = WINDOW_BARS): Uint8Array {
  const marks = new Uint8Array(windows.length * bars);
  windows.forEach((w, i) => {
    for (const { start, end } of windowSpans(w)) marks.fill(1, i * bars + start, i * bars + end + 1);
  });
  return marks;
}

export function windowTensors(windows: readonly Window[], options: { position?: boolean } = {}): WindowTensors {
  const { windowIds, tensor, shape } = computeWindowFeatures(windows, options);
  return {
    windowIds,
    features: tensor,
    featureCount: shape[2],
    bars: WINDOW_BARS,
    spanStart: Int32Array.from(windows, (w) => w.expansion_start),
    spanEnd: Int32Array.from(windows, (w) => w.expansion_end),
    label: Int32Array.from(windows, (w) => labelId(w.label)),
    inSpan: inSpanMarks(windows),
    spans: windows.map(windowSpans),
  };
}

/** A batch of windows gathered into buffers sized for the largest batch; views cover the current size. */
export class BatchBuffer {
  private readonly featureBuffer: Float32Array;
  private readonly startBuffer: Int32Array;
  private readonly endBuffer: Int32Array;
  private readonly labelBuffer: Int32Array;
  private readonly inSpanBuffer: Uint8Array;
  size = 0;

  constructor(
    private readonly data: WindowTensors,
    readonly capacity: number,
  ) {
    this.featureBuffer = new Float32Array(capacity * data.bars * data.featureCount);
    this.startBuffer = new Int32Array(capacity);
    this.endBuffer = new Int32Array(capacity);
    this.labelBuffer = new Int32Array(capacity);
    this.inSpanBuffer = new Uint8Array(capacity * data.bars);
  }

  /** Copies the windows at `indices` (at most `capacity`) into the buffers. */
  gather(indices: ArrayLike<number>): this {
    if (indices.length > this.capacity) throw new Error(`batch of ${indices.length} exceeds capacity ${this.capacity}`);
    const stride = this.data.bars * this.data.featureCount;
    for (let i = 0; i < indices.length; i++) {
      const w = indices[i]!;
      this.featureBuffer.set(this.data.features.subarray(w * stride, (w + 1) * stride), i * stride);
      this.startBuffer[i] = this.data.spanStart[w]!;
      this.endBuffer[i] = this.data.spanEnd[w]!;
      this.labelBuffer[i] = this.data.label[w]!;
      this.inSpanBuffer.set(this.data.inSpan.subarray(w * this.data.bars, (w + 1) * this.data.bars), i * this.data.bars);
    }
    this.size = indices.length;
    return this;
  }

  get features(): Float32Array {
    return this.featureBuffer.subarray(0, this.size * this.data.bars * this.data.featureCount);
  }

  get targets(): { spanStart: Int32Array; spanEnd: Int32Array; label: Int32Array; inSpan: Uint8Array } {
    return {
      spanStart: this.startBuffer.subarray(0, this.size),
      spanEnd: this.endBuffer.subarray(0, this.size),
      label: this.labelBuffer.subarray(0, this.size),
      inSpan: this.inSpanBuffer.subarray(0, this.size * this.data.bars),
    };
  }
}

/** Consecutive slices of `order` of at most `size` elements (the last may be shorter). */
export function batchesOf(order: readonly number[], size: number): number[][] {
  const batches: number[][] = [];
  for (let i = 0; i < order.length; i += size) batches.push(order.slice(i, i + size));
  return batches;
}
