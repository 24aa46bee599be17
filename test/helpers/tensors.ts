/** Comparisons of whole tensors (flat arrays) for the numeric tests. */
import { expect } from "vitest";

export interface CloseOptions {
  /** Relative part of the tolerance, times the tensor's scale max |expected|. */
  rel: number;
  /** Absolute part of the tolerance. */
  abs: number;
  /** Name of the tensor in the failure message, e.g. "dx" or "forward gates". */
  what: string;
}

/**
 * Expects equal lengths and |actual[i] − expected[i]| ≤ rel · max|expected| + abs for every i (one
 * tolerance for the whole tensor, so float32 rounding scales with the tensor's largest entry). Throws at the
 * first offender: `${what}[${i}]: actual vs expected (tolerance …)`; a NaN on either side fails.
 */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, { rel, abs, what }: CloseOptions): void {
  expect(actual.length).toBe(expected.length);
  let scale = 0;
  for (let i = 0; i < expected.length; i++) scale = Math.max(scale, Math.abs(expected[i]!));
  const tolerance = rel * scale + abs;
  for (let i = 0; i < expected.length; i++) {
    if (!(Math.abs(actual[i]! - expected[i]!) <= tolerance)) {
      throw new Error(`${what}[${i}]: ${actual[i]} vs ${expected[i]} (tolerance ${tolerance.toExponential(2)})`);
    }
  }
}

/**
 * Largest |actual[i] − expected[i]| divided by the tensor's scale max(1, max |expected|): a relative error
 * for tensors with entries above 1, an absolute one for small tensors. Expects equal lengths first.
 */
export function maxScaledError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  expect(actual.length).toBe(expected.length);
  let scale = 1;
  for (let i = 0; i < expected.length; i++) scale = Math.max(scale, Math.abs(expected[i]!));
  let worst = 0;
  for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(actual[i]! - expected[i]!));
  return worst / scale;
}
