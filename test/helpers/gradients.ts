/**
 * Finite-difference gradient checks for the backward passes.
 *
 * Every check perturbs one coordinate of `values` in place by ±h, evaluates `loss()` at both points (plus
 * first, then minus), restores the coordinate exactly and compares the analytic gradient with the central
 * difference (L(v + h) − L(v − h)) / 2h. `loss` must read `values` (directly or through a closure) and be a
 * deterministic function of them; whatever state it leaves behind (caches, outputs) is that of the last
 * evaluation, as with a hand-written loop.
 *
 * The tolerance is always spelled out by the caller: these helpers have no default step or precision, so
 * each test states exactly how strict it is.
 */
import { expect } from "vitest";

/** An array whose coordinates can be perturbed in place (Float64Array, Float32Array, number[]). */
export type MutableNumbers = { [index: number]: number; readonly length: number };

/** Which coordinates to check and how to name them in failure messages. */
export interface CoordinateOptions {
  /** Step of the central difference. */
  h: number;
  /** Coordinates to check (in this order); every index of `values` when omitted. */
  indices?: Iterable<number>;
  /** Name of the tensor in failure messages, e.g. "dx" or "forward.weightIh"; "gradient" when omitted. */
  what?: string;
}

export interface CloseToGradientOptions extends CoordinateOptions {
  /** As in vitest's toBeCloseTo: passes when |analytic − numeric| < 10^−digits / 2. */
  digits: number;
}

export interface WithinGradientOptions extends CoordinateOptions {
  /** Passes when |analytic − numeric| ≤ tolerance · (1 + |numeric|): absolute near 0, relative for large slopes. */
  tolerance: number;
}

/**
 * ∂loss/∂values[index] by central differences with step h: (loss(v + h) − loss(v − h)) / (2h). Evaluates
 * the plus side first and restores values[index] to its exact previous value.
 */
export function centralDifference(values: MutableNumbers, index: number, loss: () => number, h: number): number {
  const saved = values[index];
  if (saved === undefined) throw new Error(`centralDifference: index ${index} is outside values (length ${values.length})`);
  values[index] = saved + h;
  const plus = loss();
  values[index] = saved - h;
  const minus = loss();
  values[index] = saved;
  return (plus - minus) / (2 * h);
}

function coordinates(values: MutableNumbers, indices: Iterable<number> | undefined): Iterable<number> {
  return indices ?? Array.from({ length: values.length }, (_, i) => i);
}

/**
 * Expects analytic[i] toBeCloseTo(centralDifference(values, i, loss, h), digits) for every checked
 * coordinate i, labelling a failure with `${what}[${i}]`.
 */
export function expectGradient(values: MutableNumbers, analytic: ArrayLike<number>, loss: () => number, options: CloseToGradientOptions): void {
  const what = options.what ?? "gradient";
  for (const i of coordinates(values, options.indices)) {
    const numeric = centralDifference(values, i, loss, options.h);
    expect(analytic[i], `${what}[${i}]`).toBeCloseTo(numeric, options.digits);
  }
}

/**
 * Throws `${what}[${i}]: analytic … vs numeric …` at the first checked coordinate i where
 * |analytic[i] − numeric| > tolerance · (1 + |numeric|), numeric = centralDifference(values, i, loss, h).
 * A NaN on either side fails.
 */
export function expectGradientWithin(values: MutableNumbers, analytic: ArrayLike<number>, loss: () => number, options: WithinGradientOptions): void {
  const what = options.what ?? "gradient";
  for (const i of coordinates(values, options.indices)) {
    const numeric = centralDifference(values, i, loss, options.h);
    if (!(Math.abs(analytic[i]! - numeric) <= options.tolerance * (1 + Math.abs(numeric)))) {
      throw new Error(`${what}[${i}]: analytic ${analytic[i]} vs numeric ${numeric}`);
    }
  }
}

/**
 * Σᵢ y[i]·w[i], summed in index order: the linear probe loss L = Σ w ⊙ y whose gradient with respect to y
 * is w, so a backward fed dout = w must return ∂L/∂(inputs).
 */
export function weightedSum(y: ArrayLike<number>, w: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < y.length; i++) sum += y[i]! * w[i]!;
  return sum;
}
