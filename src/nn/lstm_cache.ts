/**
 * The BiLSTM's parameter views, its cache (forward activations plus backward scratch, time-major) and the
 * layout helpers that forward and backward share (src/nn/lstm.ts holds the passes; its module comment
 * explains the layout).
 */
import { type FloatArray, requireLength } from "./matmul.js";
import type { Arena } from "./wasm.js";
/** One direction's parameters, PyTorch names and shapes (views into the model's parameter buffer). */
export interface LstmWeights<A extends FloatArray = Float32Array> {
  /** `lstm.weight_ih_l0[_reverse]`, (4H, F), rows in gate order i, f, g, o. */
  weightIh: A;
  /** `lstm.weight_hh_l0[_reverse]`, (4H, H). */
  weightHh: A;
  /** `lstm.bias_ih_l0[_reverse]`, (4H). */
  biasIh: A;
  /** `lstm.bias_hh_l0[_reverse]`, (4H). */
  biasHh: A;
}

/** Both directions' parameters — or, passed as gradients to the backward, both directions' gradients. */
export interface BiLstmWeights<A extends FloatArray = Float32Array> {
  forward: LstmWeights<A>;
  reverse: LstmWeights<A>;
}

/** What one direction keeps between forward and backward (plus its backward scratch). */
export interface LstmDirectionCache<A extends FloatArray = Float32Array> {
  /** W_ihᵀ, (F, 4H), repacked by every forward. */
  weightIhT: A;
  /** W_hhᵀ, (H, 4H), repacked by every forward. */
  weightHhT: A;
  /** b_ih + b_hh, (4H). */
  biasSum: A;
  /** Gate activations i, f, g, o after the forward, (T, B, 4H). */
  gates: A;
  /** Cell states, (T+1, B, H) slots; see the module comment for the slot of each step. */
  cell: A;
  /** tanh(c_t), (T, B, H), indexed by time. */
  tanhCell: A;
  /** Hidden states, (T+1, B, H) slots like `cell`. */
  hidden: A;
  /** Backward scratch: gradients of the gate pre-activations, (T, B, 4H). */
  dGates: A;
  /** Backward scratch: recurrent gradient into h of the step being processed, (B, H). */
  dHidden: A;
  /** Backward scratch: gradient into c carried to the previous step, (B, H). */
  dCell: A;
  /** Backward scratch: Σ over rows of dGates, (4H). */
  dBias: A;
}

/** Forward activations of a BiLSTM call plus the backward's scratch; make one with {@link createBiLstmCache}. */
export interface BiLstmCache<A extends FloatArray = Float32Array> {
  /** Largest batch the cache holds (a smaller batch, e.g. the last of an epoch, also fits). */
  readonly maxBatch: number;
  /** Largest sequence length the cache holds. */
  readonly maxSteps: number;
  readonly features: number;
  readonly hidden: number;
  /** The input, time-major, (T, B, F). */
  xSteps: A;
  /** Backward scratch: dx time-major, (T, B, F). */
  dxSteps: A;
  forward: LstmDirectionCache<A>;
  reverse: LstmDirectionCache<A>;
  /** Batch and steps of the last forward (the backward must use the same); 0 before any forward. */
  batch: number;
  steps: number;
}

/** Floats a {@link createBiLstmCache} takes from an arena (alignment padding included), for sizing arenas. */
export function biLstmCacheFloats(maxBatch: number, maxSteps: number, features: number, hidden: number): number {
  const pad = (n: number) => Math.ceil(n / 4) * 4;
  const g = 4 * hidden;
  const bh = maxBatch * hidden;
  const direction =
    pad(features * g) + pad(hidden * g) + pad(g) + 2 * pad(maxSteps * maxBatch * g) + 2 * pad((maxSteps + 1) * bh) + pad(maxSteps * bh) + 2 * pad(bh) + pad(g);
  return 2 * pad(maxSteps * maxBatch * features) + 2 * direction;
}

/**
 * Allocates a BiLSTM cache for batches up to `maxBatch` and sequences up to `maxSteps`: from an arena
 * (float32, what the wasm kernels need), or from any allocator of zeroed arrays (e.g.
 * `(n) => new Float64Array(n)` for float64 gradient checks with the reference).
 */
export function createBiLstmCache(arena: Arena, maxBatch: number, maxSteps: number, features: number, hidden: number): BiLstmCache<Float32Array>;
export function createBiLstmCache<A extends FloatArray>(
  allocate: (length: number) => A,
  maxBatch: number,
  maxSteps: number,
  features: number,
  hidden: number,
): BiLstmCache<A>;
export function createBiLstmCache<A extends FloatArray>(
  source: Arena | ((length: number) => A),
  maxBatch: number,
  maxSteps: number,
  features: number,
  hidden: number,
): BiLstmCache<A> {
  for (const [name, value] of [
    ["maxBatch", maxBatch],
    ["maxSteps", maxSteps],
    ["features", features],
    ["hidden", hidden],
  ] as const) {
    if (!Number.isInteger(value) || value <= 0) throw new Error(`createBiLstmCache: ${name} must be a positive integer, got ${value}`);
  }
  const allocate = typeof source === "function" ? source : (length: number) => source.alloc(length) as A;
  const g = 4 * hidden;
  const bh = maxBatch * hidden;
  const direction = (): LstmDirectionCache<A> => ({
    weightIhT: allocate(features * g),
    weightHhT: allocate(hidden * g),
    biasSum: allocate(g),
    gates: allocate(maxSteps * maxBatch * g),
    cell: allocate((maxSteps + 1) * bh),
    tanhCell: allocate(maxSteps * bh),
    hidden: allocate((maxSteps + 1) * bh),
    dGates: allocate(maxSteps * maxBatch * g),
    dHidden: allocate(bh),
    dCell: allocate(bh),
    dBias: allocate(g),
  });
  return {
    maxBatch,
    maxSteps,
    features,
    hidden,
    xSteps: allocate(maxSteps * maxBatch * features),
    dxSteps: allocate(maxSteps * maxBatch * features),
    forward: direction(),
    reverse: direction(),
    batch: 0,
    steps: 0,
  };
}

// ---------------------------------------------------------------------------------------------------------
// Shared bookkeeping

export function checkWeights<A extends FloatArray>(kind: string, weights: BiLstmWeights<A>, f: number, h: number): void {
  for (const direction of ["forward", "reverse"] as const) {
    const w = weights[direction];
    requireLength(w.weightIh, 4 * h * f, `${kind} ${direction}.weightIh`);
    requireLength(w.weightHh, 4 * h * h, `${kind} ${direction}.weightHh`);
    requireLength(w.biasIh, 4 * h, `${kind} ${direction}.biasIh`);
    requireLength(w.biasHh, 4 * h, `${kind} ${direction}.biasHh`);
  }
}

export function checkCall<A extends FloatArray>(kind: string, cache: BiLstmCache<A>, b: number, t: number, f: number, h: number): void {
  for (const [name, value] of [
    ["B", b],
    ["T", t],
  ] as const) {
    if (!Number.isInteger(value) || value <= 0) throw new Error(`${kind}: ${name} must be a positive integer, got ${value}`);
  }
  if (f !== cache.features || h !== cache.hidden) {
    throw new Error(`${kind}: cache is for F=${cache.features}, H=${cache.hidden}; called with F=${f}, H=${h}`);
  }
  if (b > cache.maxBatch || t > cache.maxSteps) {
    throw new Error(`${kind}: cache holds B≤${cache.maxBatch}, T≤${cache.maxSteps}; called with B=${b}, T=${t}`);
  }
}

/** Slot of h_prev/c_prev for step t (module comment); the step's own state is in slot t+1 (fwd) / t (rev). */
export function previousSlot(reverse: boolean, t: number): number {
  return reverse ? t + 1 : t;
}
export function ownSlot(reverse: boolean, t: number): number {
  return reverse ? t : t + 1;
}
export function zeroSlot(reverse: boolean, steps: number): number {
  return reverse ? steps : 0;
}

/** Copies x (B, T, F) to the time-major xSteps (T, B, F), the forward's first move. */
export function toTimeMajor<A extends FloatArray>(xSteps: A, x: FloatArray, b: number, t: number, f: number): void {
  for (let s = 0; s < t; s++) {
    for (let n = 0; n < b; n++) {
      const from = (n * t + s) * f;
      const to = (s * b + n) * f;
      for (let k = 0; k < f; k++) xSteps[to + k] = x[from + k]!;
    }
  }
}

/** dx (B, T, F) += dxSteps (T, B, F), the backward's last move. */
export function addBatchMajor(dx: FloatArray, dxSteps: FloatArray, b: number, t: number, f: number): void {
  for (let n = 0; n < b; n++) {
    for (let s = 0; s < t; s++) {
      const to = (n * t + s) * f;
      const from = (s * b + n) * f;
      for (let k = 0; k < f; k++) dx[to + k]! += dxSteps[from + k]!;
    }
  }
}

/** Repacks one direction's weights for the forward: W_ihᵀ, W_hhᵀ, and the summed bias. */
export function packWeights<A extends FloatArray>(cache: LstmDirectionCache<A>, w: LstmWeights<FloatArray>, f: number, h: number): void {
  const g = 4 * h;
  for (let r = 0; r < g; r++) {
    for (let k = 0; k < f; k++) cache.weightIhT[k * g + r] = w.weightIh[r * f + k]!;
    for (let k = 0; k < h; k++) cache.weightHhT[k * g + r] = w.weightHh[r * h + k]!;
    cache.biasSum[r] = w.biasIh[r]! + w.biasHh[r]!;
  }
}

// ---------------------------------------------------------------------------------------------------------
// Forward

export function weightViews(weights: BiLstmWeights<Float32Array>): Float32Array[] {
  const { forward: a, reverse: b } = weights;
  return [a.weightIh, a.weightHh, a.biasIh, a.biasHh, b.weightIh, b.weightHh, b.biasIh, b.biasHh];
}

export function cacheViews(cache: BiLstmCache<Float32Array>): Float32Array[] {
  // The cache's buffers were allocated together, so checking one per direction plus the shared ones suffices.
  return [cache.xSteps, cache.dxSteps, cache.forward.gates, cache.reverse.gates];
}
