/**
 * The per-task losses of docs/spec.md §4, each forward with its backward beside it, and the span targets they
 * are computed against.
 *
 * Conventions shared with the rest of `src/nn` and `src/model`:
 *  - inputs are flat typed arrays; shapes are given as arguments (or are the array length for the
 *    element-wise losses);
 *  - arithmetic is float64 internally whatever the input type, so a float32 model and a float64
 *    gradient check run the same code;
 *  - a loss returns its value as a number and, when a gradient buffer is passed, ADDS (`+=`) its
 *    gradient into it, so the model can keep every gradient in one buffer and sum several losses into it.
 *
 * Losses and where they are used (docs/spec.md §4):
 *  - {@link crossEntropy}: L_type over the 3 class logits, batch mean.
 *  - {@link huberLoss}: L_ptr (δ 0.08 over the (B,2) sigmoid pointer outputs) and L_cd (δ 1.0 over the
 *    (B,105) countdown outputs), mean over all elements.
 *  - {@link softSpanBce} / {@link softSpanBceWithLogits}: the soft span loss, BCE on clamped probabilities.
 *  - {@link kendallWeightedLoss} / {@link kendallTaskWeights}: uncertainty weighting of the task losses.
 * The CRF negative log-likelihood lives with the CRF in `src/model/crf.ts`.
 */

import { WINDOW_BARS } from "../data/window.js";

/** A flat numeric buffer: float32 in the model, float64 in gradient checks. */
export type FloatArray = Float32Array | Float64Array;

/** Integer class or tag ids, one per row (or per bar). */
export type IdArray = Int32Array | Uint8Array;

/** A writable list of numbers (a typed array or a plain array), used for small per-task gradient outputs. */
export type WritableNumbers = FloatArray | number[];

function assertGradShape(name: string, grad: { length: number } | undefined, expected: number): void {
  if (grad !== undefined && grad.length !== expected) {
    throw new Error(`${name}: gradient buffer has length ${grad.length}, expected ${expected}`);
  }
}

// ---------------------------------------------------------------------------------------------------
// L_type: cross-entropy
// ---------------------------------------------------------------------------------------------------

/**
 * Cross-entropy of `logits` (batch × classes, row-major) against integer `targets` (batch), averaged over
 * the batch — `torch.nn.functional.cross_entropy` with the default mean reduction.
 *
 * Backward: d loss / d logits = (softmax(logits) − one-hot(target)) / batch, added into `gradLogits`.
 *
 * @param logits    (batch, classes) row-major.
 * @param targets   (batch) class ids in [0, classes).
 * @param batch     B ≥ 1.
 * @param classes   C ≥ 1 (3 for the class head: the third logit exists but no target uses it).
 * @param gradLogits optional (batch, classes) buffer the gradient is added into.
 * @returns the mean loss.
 */
export function crossEntropy(logits: FloatArray, targets: IdArray | ArrayLike<number>, batch: number, classes: number, gradLogits?: FloatArray): number {
  if (!(batch >= 1 && classes >= 1) || !Number.isInteger(batch) || !Number.isInteger(classes)) {
    throw new Error(`crossEntropy: batch and classes must be positive integers, got ${batch}, ${classes}`);
  }
  if (logits.length !== batch * classes) {
    throw new Error(`crossEntropy: logits length ${logits.length} ≠ batch ${batch} × classes ${classes}`);
  }
  if (targets.length !== batch) throw new Error(`crossEntropy: targets length ${targets.length} ≠ batch ${batch}`);
  assertGradShape("crossEntropy", gradLogits, logits.length);

  let total = 0;
  for (let b = 0; b < batch; b++) {
    const y = targets[b]!;
    if (!Number.isInteger(y) || y < 0 || y >= classes) {
      throw new Error(`crossEntropy: target ${y} of row ${b} is not a class id in [0, ${classes})`);
    }
    const row = b * classes;
    let max = -Infinity;
    for (let c = 0; c < classes; c++) max = Math.max(max, logits[row + c]!);
    let sum = 0;
    for (let c = 0; c < classes; c++) sum += Math.exp(logits[row + c]! - max);
    const logSumExp = max + Math.log(sum);
    total += logSumExp - logits[row + y]!;
    if (gradLogits) {
      for (let c = 0; c < classes; c++) {
        const softmax = Math.exp(logits[row + c]! - logSumExp);
        gradLogits[row + c]! += (softmax - (c === y ? 1 : 0)) / batch;
      }
    }
  }
  return total / batch;
}

// ---------------------------------------------------------------------------------------------------
// L_ptr, L_cd: Huber
// ---------------------------------------------------------------------------------------------------

/**
 * Huber loss of `pred` against `target`, element-wise, mean over all elements:
 * ½d² if |d| < δ, else δ(|d| − ½δ), with d = pred − target (docs/spec.md §4; `torch.nn.functional.huber_loss`).
 *
 * Used with δ = 0.08 over the (B,2) pointer outputs (center, length — the sigmoid probabilities, not
 * logits; the sigmoid's backward belongs to the pointer head) and δ = 1.0 over the (B,105) countdown.
 *
 * Backward: d loss / d pred = d / n inside the quadratic zone, δ·sign(d) / n outside (the two agree at
 * |d| = δ, so the choice of branch there does not matter), added into `gradPred`.
 *
 * @returns the mean loss over the n = pred.length elements.
 */
export function huberLoss(pred: FloatArray, target: FloatArray | ArrayLike<number>, delta: number, gradPred?: FloatArray): number {
  const n = pred.length;
  if (n === 0) throw new Error("huberLoss: empty input (the mean is undefined)");
  if (target.length !== n) throw new Error(`huberLoss: target length ${target.length} ≠ prediction length ${n}`);
  if (!(delta > 0)) throw new Error(`huberLoss: delta must be > 0, got ${delta}`);
  assertGradShape("huberLoss", gradPred, n);

  let total = 0;
  for (let i = 0; i < n; i++) {
    const d = pred[i]! - target[i]!;
    const abs = Math.abs(d);
    if (abs < delta) {
      total += 0.5 * d * d;
      if (gradPred) gradPred[i]! += d / n;
    } else {
      total += delta * (abs - 0.5 * delta);
      if (gradPred) gradPred[i]! += (d > 0 ? delta : -delta) / n;
    }
  }
  return total / n;
}

// ---------------------------------------------------------------------------------------------------
// L_span (soft): BCE on clamped probabilities
// ---------------------------------------------------------------------------------------------------

/**
 * Lower clamp of the soft span probability. The reference clamps a float32 tensor with the Python
 * scalar 1e-7, which PyTorch rounds to float32 — so the bound is fround(1e-7), not 1e-7 exactly.
 */
export const SPAN_PROB_MIN = Math.fround(1e-7);
/** Upper clamp of the soft span probability: fround(1 − 1e-7) = 1 − 2⁻²³, the float32 PyTorch compares against. */
export const SPAN_PROB_MAX = Math.fround(1 - 1e-7);

/** p clamped to [SPAN_PROB_MIN, SPAN_PROB_MAX]; also used by the soft span decoder so both see the same odds. */
export function clampSpanProbability(p: number): number {
  return p < SPAN_PROB_MIN ? SPAN_PROB_MIN : Math.min(p, SPAN_PROB_MAX);
}

/** The weight of in-span bars in the soft span loss when none is given: the reference comparison's 1.0 (docs/spec.md §4). */
export const REFERENCE_POS_WEIGHT = 1.0;

/** Refuses a pos_weight that is not a finite number ≥ 0, naming `name`. */
export function checkPosWeight(name: string, posWeight: number): void {
  if (!Number.isFinite(posWeight) || posWeight < 0) throw new Error(`${name}: posWeight must be finite and ≥ 0, got ${posWeight}`);
}

function checkSoftSpanInputs(name: string, input: FloatArray, mask: FloatArray | ArrayLike<number>, grad: FloatArray | undefined, posWeight: number): void {
  if (input.length === 0) throw new Error(`${name}: empty input (the mean is undefined)`);
  if (mask.length !== input.length) throw new Error(`${name}: mask length ${mask.length} ≠ input length ${input.length}`);
  checkPosWeight(name, posWeight);
  assertGradShape(name, grad, input.length);
}

/**
 * Soft span loss on probabilities, exactly as the reference computes it:
 * p̂ = clamp(p, 1e-7, 1 − 1e-7); loss = −mean[w·m·ln p̂ + (1 − m)·ln(1 − p̂)] over all B·T bars.
 *
 * Backward w.r.t. p: −[w·m/p̂ − (1 − m)/(1 − p̂)] / n where the clamp is inactive and 0 where it is
 * active — torch.clamp passes the gradient for min ≤ p ≤ max (inclusive) and blocks it outside.
 *
 * Use this when the caller holds probabilities and backpropagates through its own sigmoid; the model
 * should prefer {@link softSpanBceWithLogits}, which gives the same value and gradient without dividing
 * by p̂(1 − p̂).
 *
 * @param p         per-bar probabilities, (B, T) flattened.
 * @param mask      per-bar targets m ∈ {0, 1} (soft targets in [0, 1] also work), same length.
 * @param gradP     optional buffer the gradient w.r.t. p is added into.
 * @param posWeight w, the weight of in-span bars: 1.0 in the reference comparison, 13.1 in later runs.
 * @returns the mean loss.
 */
export function softSpanBce(p: FloatArray, mask: FloatArray | ArrayLike<number>, gradP?: FloatArray, posWeight = REFERENCE_POS_WEIGHT): number {
  checkSoftSpanInputs("softSpanBce", p, mask, gradP, posWeight);
  const n = p.length;
  let total = 0;
  for (let i = 0; i < n; i++) {
    const raw = p[i]!;
    const q = clampSpanProbability(raw);
    const m = mask[i]!;
    total -= posWeight * m * Math.log(q) + (1 - m) * Math.log(1 - q);
    if (gradP && raw >= SPAN_PROB_MIN && raw <= SPAN_PROB_MAX) {
      gradP[i]! += -((posWeight * m) / q - (1 - m) / (1 - q)) / n;
    }
  }
  return total / n;
}

/** Logistic sigmoid that never evaluates exp of a large positive number. */
export function sigmoid(z: number): number {
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z);
  return e / (1 + e);
}

/**
 * Soft span loss fused with the head's sigmoid: p = sigmoid(z), then exactly {@link softSpanBce} —
 * the same clamp, the same value — i.e. PyTorch's `sigmoid(z).clamp(1e-7, 1 - 1e-7)` followed by BCE.
 *
 * Backward w.r.t. z: chaining through σ'(z) = p(1 − p) cancels the 1/p and 1/(1 − p) factors, giving
 * [(1 − m)·p − w·m·(1 − p)] / n (= (p − m)/n when w = 1) where the clamp is inactive, and 0 where it is
 * active (the clamp blocks the gradient, as in PyTorch). No division, no log of 0: numerically stable
 * for any z.
 *
 * **This is the variant the model should use**: it matches the reference's loss and gradient (to float32
 * rounding, ≲1e-6 relative) without dividing by p̂ and 1 − p̂ as the probability form's chain rule must.
 * Note the reference semantics this keeps: a bar whose sigmoid saturates past the clamp (|z| ≳ 16)
 * contributes a bounded loss (≤ −ln 1e-7 ≈ 16.1) and no gradient, even when it is confidently wrong.
 *
 * @param logits    per-bar logits z, (B, T) flattened.
 * @param mask      per-bar targets m, same length.
 * @param gradLogits optional buffer the gradient w.r.t. z is added into.
 * @param posWeight w, as in {@link softSpanBce}.
 * @returns the mean loss.
 */
export function softSpanBceWithLogits(
  logits: FloatArray,
  mask: FloatArray | ArrayLike<number>,
  gradLogits?: FloatArray,
  posWeight = REFERENCE_POS_WEIGHT,
): number {
  checkSoftSpanInputs("softSpanBceWithLogits", logits, mask, gradLogits, posWeight);
  const n = logits.length;
  let total = 0;
  for (let i = 0; i < n; i++) {
    const p = sigmoid(logits[i]!);
    const q = clampSpanProbability(p);
    const m = mask[i]!;
    total -= posWeight * m * Math.log(q) + (1 - m) * Math.log(1 - q);
    if (gradLogits && p >= SPAN_PROB_MIN && p <= SPAN_PROB_MAX) {
      gradLogits[i]! += ((1 - m) * p - posWeight * m * (1 - p)) / n;
    }
  }
  return total / n;
}

// ---------------------------------------------------------------------------------------------------
// Kendall uncertainty weighting
// ---------------------------------------------------------------------------------------------------

/** Optional gradient outputs of {@link kendallWeightedLoss}; each is added into (`+=`). */
export interface KendallGrads {
  /** d total / d Lₖ = 1/(2σₖ²), one per task. */
  losses?: WritableNumbers;
  /** d total / d log σₖ = −Lₖ/σₖ² + 1, one per task. */
  logSigmas?: WritableNumbers;
}

/**
 * Kendall et al. uncertainty weighting (docs/spec.md §4): total = Σₖ Lₖ/(2σₖ²) + ln σₖ with σₖ = exp(log σₖ).
 * Parameterising by log σ keeps σ positive without a constraint; ln σₖ = log σₖ stops σ from growing
 * without bound to zero out a task.
 *
 * Backward: d/dLₖ = 1/(2σₖ²) = ½·exp(−2 log σₖ); d/d log σₖ = −Lₖ·exp(−2 log σₖ) + 1.
 *
 * @param losses    the task losses Lₖ (e.g. [L_ptr, L_type, L_span, L_cd]).
 * @param logSigmas log σₖ, same order and length.
 * @param grads     optional gradient buffers, added into.
 * @returns the weighted total.
 */
export function kendallWeightedLoss(losses: ArrayLike<number>, logSigmas: ArrayLike<number>, grads: KendallGrads = {}): number {
  const k = losses.length;
  if (logSigmas.length !== k) throw new Error(`kendallWeightedLoss: ${k} losses but ${logSigmas.length} log σ's`);
  assertGradShape("kendallWeightedLoss (losses)", grads.losses, k);
  assertGradShape("kendallWeightedLoss (logSigmas)", grads.logSigmas, k);
  let total = 0;
  for (let i = 0; i < k; i++) {
    const logSigma = logSigmas[i]!;
    const inverseVariance = Math.exp(-2 * logSigma); // 1/σ², computed without forming σ
    const loss = losses[i]!;
    total += 0.5 * loss * inverseVariance + logSigma;
    if (grads.losses) grads.losses[i]! += 0.5 * inverseVariance;
    if (grads.logSigmas) grads.logSigmas[i]! += 1 - loss * inverseVariance;
  }
  return total;
}

/**
 * Task weight shares of the Kendall weighting: (1/σₖ²) / Σⱼ (1/σⱼ²), summing to 1 (multiply by 100 for %).
 * Computed from log σ with the max subtracted (a softmax of −2 log σ) so extreme σ's do not overflow.
 */
export function kendallTaskWeights(logSigmas: ArrayLike<number>): number[] {
  const k = logSigmas.length;
  if (k === 0) throw new Error("kendallTaskWeights: no tasks");
  let max = -Infinity;
  for (let i = 0; i < k; i++) max = Math.max(max, -2 * logSigmas[i]!);
  const weights: number[] = [];
  let sum = 0;
  for (let i = 0; i < k; i++) {
    const w = Math.exp(-2 * logSigmas[i]! - max);
    weights.push(w);
    sum += w;
  }
  return weights.map((w) => w / sum);
}

// ---------------------------------------------------------------------------------------------------
// Targets
// ---------------------------------------------------------------------------------------------------

/** Countdown targets are clipped to ±this many bars (docs/spec.md §4). */
export const COUNTDOWN_CLIP = 20;

/** Per-window targets derived from an expansion span [start, end] (and, optionally, every annotated bar). */
export interface SpanTargets {
  /**
   * mₜ = 1 on every annotated bar — start ≤ t ≤ end, and every bar of the window's other annotated spans
   * when they are given — else 0; length T. The soft span loss target.
   */
  mask: Float32Array;
  /** The same mask as CRF tags (1 = in span); length T. */
  tags: Uint8Array;
  /** cₜ = clip(start − t, −20, 20): bars until the span starts (negative once it has started); length T. */
  countdown: Float32Array;
  /** [center, length] = [(start + end)/2/T, (end − start)/T]. */
  pointers: Float32Array;
}

function checkInSpan(inSpan: ArrayLike<number>, start: number, end: number, bars: number): void {
  if (inSpan.length !== bars) throw new Error(`span targets: the in-span marks have length ${inSpan.length}, expected ${bars}`);
  for (let t = start; t <= end; t++) {
    if (inSpan[t] === 0) throw new Error(`span targets: bar ${t} of the primary span [${start}, ${end}] is not marked in span`);
  }
}

function checkSpan(start: number, end: number, bars: number): void {
  if (!Number.isInteger(bars) || bars < 1) throw new Error(`span targets: bars must be a positive integer, got ${bars}`);
  if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end < start || end >= bars) {
    throw new Error(`span targets: need integers 0 ≤ start ≤ end < ${bars}, got [${start}, ${end}]`);
  }
}

/**
 * Targets of docs/spec.md §4 for one window whose primary expansion span is [start, end] (inclusive).
 * The pointer normaliser is the window length `bars` — 105 (WINDOW_BARS) as in the reference.
 *
 * `inSpan` (length `bars`, non-zero = in span), when given, is the window's per-bar truth over every
 * annotated span it holds (docs/spec.md §1 `spans`): the soft mask and the CRF tags follow it, so no
 * annotated bar is trained as out of span. It must mark every bar of the primary span. The countdown and
 * the pointers always describe the primary span alone.
 */
export function spanTargets(start: number, end: number, bars: number = WINDOW_BARS, inSpan?: ArrayLike<number>): SpanTargets {
  checkSpan(start, end, bars);
  if (inSpan !== undefined) checkInSpan(inSpan, start, end, bars);
  const mask = new Float32Array(bars);
  const tags = new Uint8Array(bars);
  const countdown = new Float32Array(bars);
  for (let t = 0; t < bars; t++) {
    const marked = inSpan === undefined ? t >= start && t <= end : inSpan[t] !== 0;
    mask[t] = marked ? 1 : 0;
    tags[t] = marked ? 1 : 0;
    countdown[t] = Math.max(-COUNTDOWN_CLIP, Math.min(COUNTDOWN_CLIP, start - t));
  }
  const pointers = new Float32Array([(start + end) / 2 / bars, (end - start) / bars]);
  return { mask, tags, countdown, pointers };
}

/**
 * {@link spanTargets} for a batch, laid out as the losses take them: mask, tags and countdown (B, T)
 * and pointers (B, 2), row-major. `inSpan`, when given, is (B, T): each window's marks over all of its
 * annotated spans.
 */
export function spanTargetsBatch(starts: ArrayLike<number>, ends: ArrayLike<number>, bars: number = WINDOW_BARS, inSpan?: Uint8Array): SpanTargets {
  const batch = starts.length;
  if (ends.length !== batch) throw new Error(`spanTargetsBatch: ${batch} starts but ${ends.length} ends`);
  if (inSpan !== undefined && inSpan.length !== batch * bars)
    throw new Error(`spanTargetsBatch: in-span marks of length ${inSpan.length}, expected ${batch} × ${bars}`);
  const out: SpanTargets = {
    mask: new Float32Array(batch * bars),
    tags: new Uint8Array(batch * bars),
    countdown: new Float32Array(batch * bars),
    pointers: new Float32Array(batch * 2),
  };
  for (let b = 0; b < batch; b++) {
    const one = spanTargets(starts[b]!, ends[b]!, bars, inSpan?.subarray(b * bars, (b + 1) * bars));
    out.mask.set(one.mask, b * bars);
    out.tags.set(one.tags, b * bars);
    out.countdown.set(one.countdown, b * bars);
    out.pointers.set(one.pointers, b * 2);
  }
  return out;
}
