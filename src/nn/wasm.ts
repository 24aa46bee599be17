/**
 * Loader of the WebAssembly SIMD kernels (`build/kernels.wasm`, compiled from `kernels/index.ts`) and the
 * memory arena every hot tensor lives in.
 *
 * The module imports its memory (`--importMemory`), so each {@link Arena} owns one `WebAssembly.Memory`
 * and one instance of the (once compiled) module bound to it. The arena grows that memory exactly ONCE,
 * in its constructor: `memory.grow` detaches every Float32Array already handed out, so growing later would
 * silently invalidate the model's parameter views. After that, `alloc` bump-allocates 16-byte aligned
 * Float32Array views (aligned for `v128.load`), and `mark`/`reset` recycle per-step scratch (llm.c style:
 * allocate everything up front, no allocation in the training loop).
 *
 * Kernel wrappers (matmul.ts, linear.ts, lstm.ts) find the instance that owns a view through
 * {@link kernelsFor}: a view is "in kernel memory" when `view.buffer` is an arena's `memory.buffer`. Views
 * from two different arenas, or plain JS arrays, are not; the wrappers then fall back to their TypeScript
 * reference (correct, ~20× slower), so a model that allocates everything from one arena always runs wasm.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The raw exports of build/kernels.wasm. Pointers are byte offsets into the arena's memory. */
export interface KernelExports {
  /** First byte the AssemblyScript runtime does not own (its static data lies below). */
  heapBase(): number;
  /**
   * C(i,j) (+)= Σ_k A(i,k)·B(k,j) [+ bias(j)] with A(i,k) = a[i·aRow + k·aCol], B(k,j) = b[k·ldb + j],
   * C(i,j) = c[i·ldc + j]; strides in floats. NN is aRow = lda, aCol = 1; TN (Aᵀ·B) is aRow = 1, aCol = lda.
   */
  gemm(
    c: number,
    a: number,
    b: number,
    bias: number,
    m: number,
    n: number,
    k: number,
    aRow: number,
    aCol: number,
    ldb: number,
    ldc: number,
    accumulate: number,
  ): void;
  /** C(i,j) (+)= Σ_k a[i·lda + k]·b[j·ldb + k] [+ bias(j)]: the A·Bᵀ form, as dot products along k. */
  gemmNT(c: number, a: number, b: number, bias: number, m: number, n: number, k: number, lda: number, ldb: number, ldc: number, accumulate: number): void;
  /** dst[j] += Σ_i src[i·ld + j] for i < rows, j < cols (bias gradients). */
  addColumnSums(dst: number, src: number, rows: number, cols: number, ld: number): void;
  /** One LSTM step's gate nonlinearities and cell update, in place on the gates (see lstm.ts). */
  lstmCellForward(gates: number, cPrev: number, c: number, tanhC: number, h: number, out: number, outStride: number, batch: number, hidden: number): void;
  /** Backward of lstmCellForward for one step (see lstm.ts). */
  lstmCellBackward(
    dGates: number,
    dH: number,
    dC: number,
    dOut: number,
    dOutStride: number,
    gates: number,
    cPrev: number,
    tanhC: number,
    batch: number,
    hidden: number,
  ): void;
  /** y = e^x elementwise, the kernel's f32 exp (exported so tests can check its accuracy). */
  expArray(y: number, x: number, n: number): void;
  /** out[i] = x[i]·y[i]. */
  multiply(out: number, x: number, y: number, n: number): void;
  /** acc[i] += x[i]·y[i]. */
  multiplyAdd(acc: number, x: number, y: number, n: number): void;
  /** acc[i] += x[i]. */
  add(acc: number, x: number, n: number): void;
  /** out (B, C) = mean over T of x (B, T, C). */
  meanPoolForward(out: number, x: number, batch: number, steps: number, channels: number): void;
  /** dx (B, T, C) += dout (B, C) / T. */
  meanPoolBackward(dx: number, dout: number, batch: number, steps: number, channels: number): void;
  /** Dropout mask from four xoshiro128** streams seeded with 16 words (see dropout.ts). */
  dropoutMask(
    mask: number,
    n: number,
    threshold: number,
    scale: number,
    a0: number,
    a1: number,
    a2: number,
    a3: number,
    b0: number,
    b1: number,
    b2: number,
    b3: number,
    c0: number,
    c1: number,
    c2: number,
    c3: number,
    d0: number,
    d1: number,
    d2: number,
    d3: number,
  ): void;
}

// The tsconfig's lib (ES2022, no DOM) and @types/node 20 declare no WebAssembly namespace, so this module
// types the few pieces of the JS API it uses itself rather than adding globals other files would see.
/** A `WebAssembly.Memory`. */
export interface KernelMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WebAssemblyApi {
  Memory: new (descriptor: { initial: number; maximum?: number }) => KernelMemory;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: Record<string, Record<string, unknown>>) => { exports: Record<string, unknown> };
}
const wasmApi = (globalThis as unknown as { WebAssembly: WebAssemblyApi }).WebAssembly;

const PAGE_BYTES = 65536;
const ALIGN_BYTES = 16;

let compiled: object | undefined;

/**
 * build/kernels.wasm relative to the package root. This file runs as `<root>/src/nn/wasm.ts` under vitest
 * and as `<root>/dist/src/nn/wasm.js` when built, so the root is two or three levels up.
 */
export function kernelPath(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [join(here, "..", "..", "build", "kernels.wasm"), join(here, "..", "..", "..", "build", "kernels.wasm")];
  const found = candidates.find((path) => existsSync(path));
  if (found === undefined) {
    throw new Error(`WebAssembly kernels not found (looked for ${candidates.join(", ")}); run \`npm run build:kernels\``);
  }
  return found;
}

/** The compiled module, compiled synchronously on first use (Node has no size limit on sync compiles). */
export function kernelModule(): object {
  compiled ??= new wasmApi.Module(readFileSync(kernelPath()));
  return compiled;
}

/** Instance per memory buffer, so wrappers can find the kernels that can address a view. */
const owners = new WeakMap<ArrayBufferLike, KernelExports>();

/**
 * The kernels able to address every given view (all views must lie in the same arena's memory), or
 * `undefined` when any view lives elsewhere (a plain Float32Array, another arena, a Float64Array).
 */
export function kernelsFor(...views: ArrayBufferView[]): KernelExports | undefined {
  const buffer = views[0]?.buffer;
  if (buffer === undefined) return undefined;
  const owner = owners.get(buffer);
  if (owner === undefined) return undefined;
  for (const view of views) {
    if (view.buffer !== buffer || !(view instanceof Float32Array)) return undefined;
  }
  return owner;
}

/**
 * The kernels for the given views, or an error naming `what` when they are not all in one arena. For
 * callers that want a misplaced buffer to fail loudly rather than silently take the ~20× slower
 * TypeScript fallback (e.g. a model checking its buffers once at construction).
 */
export function requireKernels(what: string, ...views: ArrayBufferView[]): KernelExports {
  const kernels = kernelsFor(...views);
  if (kernels === undefined) {
    throw new Error(`${what}: every tensor must be a Float32Array view allocated from one kernel Arena`);
  }
  return kernels;
}

/** True when the view lies in the memory of some arena (and so can be passed to its kernels). */
export function inKernelMemory(view: ArrayBufferView): boolean {
  return owners.has(view.buffer);
}

/**
 * A bump allocator of Float32Array views inside one wasm memory, sized once at construction.
 *
 * Allocations are 16-byte aligned and zero-filled. Typical use: allocate parameters, gradients and
 * caches once; then per training step `const m = arena.mark(); …scratch allocs…; arena.reset(m)`.
 */
export class Arena {
  readonly memory: KernelMemory;
  /** The kernels instance bound to this arena's memory. */
  readonly kernels: KernelExports;
  /** Capacity in floats (usable by `alloc`, alignment padding included). */
  readonly capacity: number;
  private readonly base: number;
  private readonly end: number;
  private top: number;
  /** Highest byte ever handed out: memory above it is still zero from `grow`, so needs no clearing. */
  private highWater: number;

  /** @param capacity floats to reserve; every later `alloc` must fit in it. */
  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity <= 0) throw new Error(`Arena capacity must be a positive integer, got ${capacity}`);
    this.memory = new wasmApi.Memory({ initial: 1 });
    const instance = new wasmApi.Instance(kernelModule(), { env: { memory: this.memory } });
    this.kernels = instance.exports as unknown as KernelExports;
    // Start above the AssemblyScript static data (the kernels' exp constants live there).
    this.base = alignUp(this.kernels.heapBase(), ALIGN_BYTES);
    this.end = this.base + capacity * 4;
    const pagesNeeded = Math.ceil(this.end / PAGE_BYTES);
    const pagesHave = this.memory.buffer.byteLength / PAGE_BYTES;
    if (pagesNeeded > 65536) throw new Error(`Arena of ${capacity} floats exceeds the 4 GiB wasm memory limit`);
    // The one and only grow: every view handed out later stays attached for the arena's lifetime.
    if (pagesNeeded > pagesHave) this.memory.grow(pagesNeeded - pagesHave);
    this.capacity = capacity;
    this.top = this.base;
    this.highWater = this.base;
    owners.set(this.memory.buffer, this.kernels);
  }

  /** A zeroed, 16-byte aligned view of `length` floats in kernel memory. */
  alloc(length: number): Float32Array {
    if (!Number.isInteger(length) || length < 0) throw new Error(`Arena.alloc needs a non-negative integer, got ${length}`);
    const start = alignUp(this.top, ALIGN_BYTES);
    const stop = start + length * 4;
    if (stop > this.end) {
      throw new Error(`Arena out of memory: ${length} floats requested, ${Math.max(0, (this.end - start) >> 2)} left of ${this.capacity}`);
    }
    const view = new Float32Array(this.memory.buffer, start, length);
    // Memory below the high-water mark may hold a previous step's scratch; above it, grow gave zeros.
    if (start < this.highWater) view.subarray(0, (Math.min(stop, this.highWater) - start) >> 2).fill(0);
    this.top = stop;
    if (stop > this.highWater) this.highWater = stop;
    return view;
  }

  /** The current allocation point, for a later `reset`. */
  mark(): number {
    return this.top;
  }

  /** Free everything allocated since `mark` was taken (views from then must no longer be used). */
  reset(mark: number): void {
    if (mark < this.base || mark > this.top) throw new Error(`Arena.reset: mark ${mark} is not a live mark`);
    this.top = mark;
  }

  /** Floats handed out so far (alignment padding included). */
  get used(): number {
    return (this.top - this.base) >> 2;
  }
}

function alignUp(value: number, alignment: number): number {
  return Math.ceil(value / alignment) * alignment;
}
