/**
 * The minimum-Bayes-risk span under IoU (docs/spec.md §12): the span c maximising
 * E[IoU(c, Y)] = Σ_Y P(Y)·IoU(c, Y) over a window's span posterior, found EXACTLY — every one of the
 * T(T + 1)/2 spans is a candidate — by branch and bound:
 *
 *  1. An upper bound for every candidate in O(T²) in all. |c ∪ Y| ≥ max(|c|, |Y|), so
 *       E[IoU(c, Y)] ≤ B(c) = E[|c ∩ Y| / max(|c|, |Y|)] = Σ_{t∈c} Σ_{Y∋t} P(Y) / max(|c|, |Y|),
 *     a sum over the bars of c of a per-bar weight that depends only on |c|: from the marginals of bar t
 *     per span length, one table of weights per candidate length, prefix-summed over bars.
 *     B is exact when one span contains the other, so it is tight near the posterior's mass.
 *  2. The exact expected IoU of a candidate in O(T) (see {@link exactExpectedIoU}).
 *  3. The candidate of largest B is evaluated first; then every candidate in index order whose bound is
 *     not below the best value so far (less a 1e-9 margin that dwarfs the ~1e-13 rounding of the sums)
 *     is evaluated, the rest skipped. A skipped span's expected IoU is below its bound, hence below the
 *     best found: the result is the exact maximiser (up to float64 rounding of the compared values),
 *     never an approximation. Worst case (a flat posterior) O(T³); on the bundled data a few to a few
 *     tens of percent of the candidates are evaluated.
 *
 * Ties (equal computed expected IoU) go to the lower span index: the earlier start, then the earlier end.
 */

/** The span maximising expected IoU with the true span under the posterior. */
export interface MinimumRiskSpan {
  start: number;
  end: number;
  /** E[IoU([start, end], Y)] under the posterior. */
  expectedIoU: number;
  /** Always true: no span's expected IoU exceeds `expectedIoU` (the error bound is 0 up to float64 rounding). */
  exact: true;
  /** Candidates whose expected IoU was computed (the rest were excluded by their upper bound). */
  evaluated: number;
}

/** A skipped candidate's bound is at least this far below the best value (rounding of the sums is ~1e-13). */
const BOUND_MARGIN = 1e-9;

/**
 * The buffers one window's search fills, allocated once per window size and reused window after window
 * (a batch's summaries pass one along), (s, e) or (row, bar) flat with stride T.
 */
export class MinimumRiskWorkspace {
  /** [n] = 1/n for n = 1…T + 1. */
  readonly reciprocal: Float64Array;
  /** [a·T + b] Σ_{s<a, e>b} P(s, e)/|Y|: the spans containing c with room on both sides. */
  readonly containing: Float64Array;
  /** [a·T + b] Σ_{a≤s≤e≤b} P(s, e)·|Y|: the spans inside c. */
  readonly contained: Float64Array;
  /** [a·T + s], s < a ≤ T: Σ_{e≥a} P(s, e) and Σ_{e≥a} P(s, e)·(e − a + 1) (row T is 0). */
  readonly suffixMass: Float64Array;
  readonly leftWeight: Float64Array;
  /** [(b+1)·T + e], e > b: Σ_{s≤b} P(s, e) and Σ_{s≤b} P(s, e)·(b + 1 − s) (row 0, b = −1, is 0). */
  readonly prefixMass: Float64Array;
  readonly rightWeight: Float64Array;
  /** [b·(T+1) + a], a ≤ b: Σ_{s<a} leftWeight[b+1][s] / (b − s + 1) and the same of suffixMass[b+1][s]. */
  readonly leftOuterWeight: Float64Array;
  readonly leftOuterMass: Float64Array;
  /** [a·T + b], b ≥ a: Σ_{e>b} rightWeight[a−1][e] / (e − a + 1) and the same of prefixMass[a−1][e]. */
  readonly rightOuterWeight: Float64Array;
  readonly rightOuterMass: Float64Array;
  /** Per-bar scratch of the tables and the bounds. */
  readonly column: Float64Array;
  readonly total: Float64Array;
  readonly lengthMass: Float64Array;
  readonly shorter: Float64Array;
  readonly shorterWeighted: Float64Array;
  readonly prefix: Float64Array;
  /** [spanIndex] the upper bound B of each candidate. */
  readonly bound: Float64Array;

  constructor(readonly bars: number) {
    const T = bars;
    this.reciprocal = new Float64Array(T + 2);
    for (let n = 1; n <= T + 1; n++) this.reciprocal[n] = 1 / n;
    this.containing = new Float64Array(T * T);
    this.contained = new Float64Array(T * T);
    this.suffixMass = new Float64Array((T + 1) * T);
    this.leftWeight = new Float64Array((T + 1) * T);
    this.prefixMass = new Float64Array((T + 1) * T);
    this.rightWeight = new Float64Array((T + 1) * T);
    this.leftOuterWeight = new Float64Array(T * (T + 1));
    this.leftOuterMass = new Float64Array(T * (T + 1));
    this.rightOuterWeight = new Float64Array(T * T);
    this.rightOuterMass = new Float64Array(T * T);
    this.column = new Float64Array(T);
    this.total = new Float64Array(T + 1);
    this.lengthMass = new Float64Array(T + 1);
    this.shorter = new Float64Array(T);
    this.shorterWeighted = new Float64Array(T);
    this.prefix = new Float64Array(T + 1);
    this.bound = new Float64Array((T * (T + 1)) / 2);
  }
}

/**
 * Minimum-Bayes-risk span of one window from its span probabilities (spanIndex order, summing to 1).
 * Exact; see the module documentation for the bound that prunes the search.
 */
export function minimumRiskSpanOfProbabilities(
  probabilities: Float64Array,
  bars: number,
  workspace: MinimumRiskWorkspace = new MinimumRiskWorkspace(bars),
): MinimumRiskSpan {
  if (workspace.bars !== bars) throw new Error(`minimum-risk workspace is for ${workspace.bars} bars, not ${bars}`);
  const tables = riskTables(probabilities, workspace);
  const bound = expectedIoUBounds(probabilities, workspace);
  let first = 0;
  for (let i = 1; i < bound.length; i++) if (bound[i]! > bound[first]!) first = i;
  const T = bars;
  const firstStart = startOfIndex(first, T);
  let best = exactExpectedIoU(tables, firstStart, firstStart + first - startOffset(firstStart, T));
  let bestIndex = first;
  let evaluated = 1;
  let index = 0;
  for (let a = 0; a < T; a++) {
    for (let b = a; b < T; b++, index++) {
      if (index === first || bound[index]! < best - BOUND_MARGIN) continue;
      const value = exactExpectedIoU(tables, a, b);
      evaluated++;
      if (value > best || (value === best && index < bestIndex)) {
        best = value;
        bestIndex = index;
      }
    }
  }
  const start = startOfIndex(bestIndex, T);
  return { start, end: start + bestIndex - startOffset(start, T), expectedIoU: best, exact: true, evaluated };
}

/** E[IoU(c, Y)] of every span c, spanIndex order, each exactly in O(T) (O(T³) in all; for checks and plots). */
export function expectedIoUs(probabilities: Float64Array, bars: number, workspace: MinimumRiskWorkspace = new MinimumRiskWorkspace(bars)): Float64Array {
  const tables = riskTables(probabilities, workspace);
  const out = new Float64Array(probabilities.length);
  let index = 0;
  for (let a = 0; a < bars; a++) for (let b = a; b < bars; b++) out[index++] = exactExpectedIoU(tables, a, b);
  return out;
}

/** The upper bounds B(c) = E[|c ∩ Y| / max(|c|, |Y|)] ≥ E[IoU(c, Y)] the search prunes with, spanIndex order (a copy). */
export function expectedIoUUpperBounds(probabilities: Float64Array, bars: number): Float64Array {
  return expectedIoUBounds(probabilities, new MinimumRiskWorkspace(bars)).slice();
}

function startOffset(start: number, bars: number): number {
  return start * bars - (start * (start - 1)) / 2;
}

function startOfIndex(index: number, bars: number): number {
  let start = 0;
  while (startOffset(start + 1, bars) <= index) start++;
  return start;
}

/**
 * B(c) = E[|c ∩ Y| / max(|c|, |Y|)] for every candidate c, spanIndex order (module documentation, 1).
 * With m_L(t) = P(t ∈ Y, |Y| = L), candidate length ℓ weighs bar t by
 *   w_ℓ(t) = (1/ℓ)·Σ_{L≤ℓ} m_L(t) + Σ_{L>ℓ} m_L(t)/L,
 * kept as running sums while ℓ grows, and B([a, a+ℓ−1]) = Σ_{t=a..a+ℓ−1} w_ℓ(t) by prefix sums over t.
 */
function expectedIoUBounds(probabilities: Float64Array, workspace: MinimumRiskWorkspace): Float64Array {
  const { bars: T, reciprocal, total, lengthMass, shorter, shorterWeighted, prefix, bound } = workspace;
  // total(t) = Σ_L m_L(t)/L = Σ_{Y∋t} P(Y)/|Y|, by a difference array over the bars.
  total.fill(0);
  let index = 0;
  for (let s = 0; s < T; s++) {
    for (let e = s; e < T; e++) {
      const weighted = probabilities[index++]! * reciprocal[e - s + 1]!;
      total[s] = total[s]! + weighted;
      total[e + 1] = total[e + 1]! - weighted;
    }
  }
  for (let t = 1; t < T; t++) total[t] = total[t]! + total[t - 1]!;
  shorter.fill(0);
  shorterWeighted.fill(0);
  for (let length = 1; length <= T; length++) {
    // m_ℓ(t): the spans of length ℓ, [s, s+ℓ−1], at spanIndex startOffset(s) + ℓ − 1, by a difference array.
    lengthMass.fill(0);
    // startOffset(s + 1) = startOffset(s) + T − s: the offsets by running sum, no multiplications.
    for (let s = 0, offset = length - 1; s + length <= T; offset += T - s, s++) {
      const p = probabilities[offset]!;
      lengthMass[s] = lengthMass[s]! + p;
      lengthMass[s + length] = lengthMass[s + length]! - p;
    }
    const inverse = reciprocal[length]!;
    let running = 0;
    for (let t = 0; t < T; t++) {
      running += lengthMass[t]!;
      const below = shorter[t]! + running;
      const belowWeighted = shorterWeighted[t]! + running * inverse;
      shorter[t] = below;
      shorterWeighted[t] = belowWeighted;
      // The subtraction rounds by ~1e-16 of total[t] ≤ 1: far inside the search's margin.
      prefix[t + 1] = prefix[t]! + below * inverse + (total[t]! - belowWeighted);
    }
    for (let a = 0, offset = length - 1; a + length <= T; offset += T - a, a++) bound[offset] = prefix[a + length]! - prefix[a]!;
  }
  return bound;
}

/**
 * The O(T²) tables behind {@link exactExpectedIoU}. Every entry a window's evaluations read is written by
 * every window (rows 0 and T of the shifted tables are never written and stay 0), so a reused workspace
 * needs no clearing. Each table is a running sum of non-negative terms.
 */
function riskTables(probabilities: Float64Array, workspace: MinimumRiskWorkspace): MinimumRiskWorkspace {
  const { bars: T, reciprocal, containing, contained, column } = workspace;
  const { suffixMass, leftWeight, prefixMass, rightWeight, leftOuterWeight, leftOuterMass, rightOuterWeight, rightOuterMass } = workspace;
  // Row s of the spans from the right: Σ_{e≥a} P(s, e) and, adding those up as a falls, Σ_{e≥a} P(s, e)·(e − a + 1).
  for (let s = 0; s < T; s++) {
    const row = startOffset(s, T) - s; // P(s, e) = probabilities[row + e]
    let mass = 0;
    let weight = 0;
    for (let a = T - 1; a >= s; a--) {
      mass += probabilities[row + a]!;
      weight += mass;
      suffixMass[a * T + s] = mass;
      leftWeight[a * T + s] = weight;
    }
  }
  // Column e of the spans from the top: Σ_{s≤b} P(s, e) and Σ_{s≤b} P(s, e)·(b + 1 − s), row b + 1.
  for (let s = 0, index = 0; s < T; s++) {
    for (let e = s; e < T; e++) {
      const mass = prefixMass[s * T + e]! + probabilities[index++]!;
      prefixMass[(s + 1) * T + e] = mass;
      rightWeight[(s + 1) * T + e] = rightWeight[s * T + e]! + mass;
    }
  }
  const stride = T + 1;
  for (let b = 0; b < T; b++) {
    let weight = 0;
    let mass = 0;
    for (let a = 0; a <= b; a++) {
      leftOuterWeight[b * stride + a] = weight;
      leftOuterMass[b * stride + a] = mass;
      const inverse = reciprocal[b - a + 1]!;
      weight += leftWeight[(b + 1) * T + a]! * inverse;
      mass += suffixMass[(b + 1) * T + a]! * inverse;
    }
  }
  for (let a = 0; a < T; a++) {
    let weight = 0;
    let mass = 0;
    for (let b = T - 1; b >= a; b--) {
      rightOuterWeight[a * T + b] = weight;
      rightOuterMass[a * T + b] = mass;
      const inverse = reciprocal[b - a + 1]!;
      weight += rightWeight[a * T + b]! * inverse;
      mass += prefixMass[a * T + b]! * inverse;
    }
  }
  column.fill(0); // Σ_{s<a} P(s, e)/|Y| per e, grown with a
  for (let a = 0; a < T; a++) {
    if (a > 0) {
      for (let e = a - 1; e < T; e++) column[e] = column[e]! + probabilities[startOffset(a - 1, T) + e - (a - 1)]! * reciprocal[e - a + 2]!;
    }
    let suffix = 0; // Σ_{e>b} column[e], summed from the right (no subtraction)
    for (let b = T - 1; b >= a; b--) {
      containing[a * T + b] = suffix;
      suffix += column[b]!;
    }
  }
  for (let a = T - 1; a >= 0; a--) {
    let row = 0; // Σ_{e=a..b} P(a, e)·|Y|
    for (let b = a; b < T; b++) {
      row += probabilities[startOffset(a, T) + b - a]! * (b - a + 1);
      contained[a * T + b] = (a + 1 <= b ? contained[(a + 1) * T + b]! : 0) + row;
    }
  }
  return workspace;
}

/**
 * E[IoU(c, Y)] for c = [a, b], ℓ = b − a + 1, exactly. The spans Y = [s, e] that meet c fall in four
 * cases, each with IoU in closed form:
 *   s < a, e > b   (Y ⊋ c on both sides): ℓ / |Y|                      — the `containing` table;
 *   a ≤ s ≤ e ≤ b  (Y ⊆ c):             |Y| / ℓ                      — the `contained` table;
 *   s < a ≤ e ≤ b  (Y sticks out left):  (e − a + 1) / (b − s + 1)    — a sum over s < a;
 *   a ≤ s ≤ b < e  (Y sticks out right): (b − s + 1) / (e − a + 1)    — a sum over e > b.
 * Left: Σ_{e=a..b} P(s, e)(e − a + 1) = leftWeight[a][s] − leftWeight[b+1][s] − ℓ·suffixMass[b+1][s]
 * (the spans of row s reaching past b, counted from a, less their part past b), so the sum over s < a is
 * one loop over leftWeight[a] less two prefix tables over (b, a). Right, mirrored:
 * Σ_{s=a..b} P(s, e)(b − s + 1) = rightWeight[b][e] − rightWeight[a−1][e] − ℓ·prefixMass[a−1][e].
 * One load per step of each loop; the differences round by ~1e-14, far inside the search's margin.
 */
function exactExpectedIoU(tables: MinimumRiskWorkspace, a: number, b: number): number {
  const { bars: T, reciprocal, leftWeight, rightWeight } = tables;
  const length = b - a + 1;
  // Two accumulators per loop: the additions do not wait on each other (a fixed split: deterministic).
  let left0 = 0;
  let left1 = 0;
  const leftRow = a * T;
  let s = 0;
  for (; s + 1 < a; s += 2) {
    left0 += leftWeight[leftRow + s]! * reciprocal[b - s + 1]!;
    left1 += leftWeight[leftRow + s + 1]! * reciprocal[b - s]!;
  }
  if (s < a) left0 += leftWeight[leftRow + s]! * reciprocal[b - s + 1]!;
  let right0 = 0;
  let right1 = 0;
  const rightRow = (b + 1) * T;
  let e = b + 1;
  for (; e + 1 < T; e += 2) {
    right0 += rightWeight[rightRow + e]! * reciprocal[e - a + 1]!;
    right1 += rightWeight[rightRow + e + 1]! * reciprocal[e - a + 2]!;
  }
  if (e < T) right0 += rightWeight[rightRow + e]! * reciprocal[e - a + 1]!;
  const outerLeft = b * (T + 1) + a;
  const outerRight = a * T + b;
  const left = left0 + left1 - tables.leftOuterWeight[outerLeft]! - length * tables.leftOuterMass[outerLeft]!;
  const right = right0 + right1 - tables.rightOuterWeight[outerRight]! - length * tables.rightOuterMass[outerRight]!;
  return tables.containing[outerRight]! * length + tables.contained[outerRight]! * reciprocal[length]! + left + right;
}
