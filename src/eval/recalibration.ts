/**
 * Recalibration maps (docs/spec.md §12): temperature scaling, fitted by negative log-likelihood, and isotonic
 * regression, fitted by pool-adjacent-violators; plus the coverage of credible intervals with a Wilson
 * interval. Each is fitted on one set of windows (a run's training windows, or an inner fold's) and applied
 * to others, never to the windows it was fitted on; these functions only fit and apply, the caller chooses
 * the windows.
 */

/** A fitted temperature: scores are divided by it (T > 1 softens, T < 1 sharpens). */
export interface FittedTemperature {
  temperature: number;
  /** The fitting NLL at the fitted temperature and at T = 1 (the model's own scores). */
  negativeLogLikelihood: number;
  negativeLogLikelihoodAtOne: number;
  /** NLL evaluations the search made. */
  evaluations: number;
}

export interface TemperatureSearch {
  /** Search range of T; default [0.05, 20]. */
  minimum?: number;
  maximum?: number;
  /** Stop when the bracket on 1/T is narrower than this; default 1e-6. */
  tolerance?: number;
}

const GOLDEN = (Math.sqrt(5) - 1) / 2;

/** The search's range and tolerance with their defaults, checked. */
function resolvedSearch(search: TemperatureSearch): Required<TemperatureSearch> {
  const minimum = search.minimum ?? 0.05;
  const maximum = search.maximum ?? 20;
  if (!(minimum > 0 && maximum > minimum)) throw new Error(`fitTemperature: need 0 < minimum < maximum, got [${minimum}, ${maximum}]`);
  return { minimum, maximum, tolerance: search.tolerance ?? 1e-6 };
}

/**
 * The temperature minimising `negativeLogLikelihood(T)` over [minimum, maximum], by golden-section search on
 * β = 1/T. For every head's likelihood the NLL is convex in β: each path's (or bar's) log-probability is
 * β·score − log Σ exp(β·score'), linear minus log-sum-exp of linear functions; so the search finds the
 * global minimum in the range (at an end when the minimum lies outside it).
 */
export function fitTemperature(negativeLogLikelihood: (temperature: number) => number, search: TemperatureSearch = {}): FittedTemperature {
  const { minimum, maximum, tolerance } = resolvedSearch(search);
  let evaluations = 0;
  const atInverse = (beta: number) => {
    evaluations++;
    const value = negativeLogLikelihood(1 / beta);
    if (Number.isNaN(value)) throw new Error(`fitTemperature: the NLL at T = ${1 / beta} is NaN`);
    return value;
  };
  let low = 1 / maximum;
  let high = 1 / minimum;
  let left = high - GOLDEN * (high - low);
  let right = low + GOLDEN * (high - low);
  let leftValue = atInverse(left);
  let rightValue = atInverse(right);
  while (high - low > tolerance) {
    if (leftValue <= rightValue) {
      high = right;
      right = left;
      rightValue = leftValue;
      left = high - GOLDEN * (high - low);
      leftValue = atInverse(left);
    } else {
      low = left;
      left = right;
      leftValue = rightValue;
      right = low + GOLDEN * (high - low);
      rightValue = atInverse(right);
    }
  }
  // The ends are candidates too: a convex function minimised outside the bracket's interior.
  const candidates = [
    { beta: leftValue <= rightValue ? left : right, value: Math.min(leftValue, rightValue) },
    { beta: 1 / maximum, value: atInverse(1 / maximum) },
    { beta: 1 / minimum, value: atInverse(1 / minimum) },
  ];
  const best = candidates.reduce((a, b) => (b.value < a.value ? b : a));
  return { temperature: 1 / best.beta, negativeLogLikelihood: best.value, negativeLogLikelihoodAtOne: atInverse(1), evaluations };
}

/** An NLL as a function of β = 1/T with its first two derivatives in β. */
export interface InverseTemperatureDerivatives {
  value: number;
  first: number;
  second: number;
}

/**
 * The temperature minimising a convex-in-β NLL (β = 1/T) given with its derivatives: Newton's method on
 * the first derivative, kept inside a bracket that shrinks by the derivative's sign (bisection when a
 * Newton step would leave it), so it converges from any start; 6–10 evaluations instead of a golden-section
 * search's 40. The range and the tolerance (on β) are as in {@link fitTemperature}.
 */
export function fitTemperatureByNewton(
  negativeLogLikelihood: (inverseTemperature: number) => InverseTemperatureDerivatives,
  search: TemperatureSearch = {},
): FittedTemperature {
  const { minimum, maximum, tolerance } = resolvedSearch(search);
  let evaluations = 0;
  const at = (beta: number) => {
    evaluations++;
    const result = negativeLogLikelihood(beta);
    if (Number.isNaN(result.value) || Number.isNaN(result.first)) throw new Error(`fitTemperature: the NLL at T = ${1 / beta} is NaN`);
    return result;
  };
  let low = 1 / maximum;
  let high = 1 / minimum;
  // The minimum lies at an end when the derivative does not change sign over the range.
  const atLow = at(low);
  if (atLow.first >= 0) return { temperature: maximum, negativeLogLikelihood: atLow.value, negativeLogLikelihoodAtOne: at(1).value, evaluations };
  const atHigh = at(high);
  if (atHigh.first <= 0) return { temperature: minimum, negativeLogLikelihood: atHigh.value, negativeLogLikelihoodAtOne: at(1).value, evaluations };
  let beta = 1;
  let current = at(beta);
  for (let step = 0; step < 100 && high - low > tolerance; step++) {
    if (current.first > 0) high = beta;
    else low = beta;
    const newton = current.second > 0 ? beta - current.first / current.second : Number.NaN;
    const next = newton > low && newton < high ? newton : (low + high) / 2;
    if (Math.abs(next - beta) < tolerance) {
      beta = next;
      current = at(beta);
      break;
    }
    beta = next;
    current = at(beta);
  }
  return { temperature: 1 / beta, negativeLogLikelihood: current.value, negativeLogLikelihoodAtOne: at(1).value, evaluations };
}

/** A fitted isotonic (non-decreasing) step map from a confidence to a calibrated probability. */
export interface IsotonicMap {
  /** Lower edge (smallest fitted x) of each block, increasing. */
  starts: number[];
  /** Fitted value of each block, non-decreasing, in [0, 1] for 0/1 outcomes. */
  values: number[];
  /** Observations pooled into each block. */
  counts: number[];
}

/**
 * Isotonic regression of 0/1 (or [0, 1]) `outcomes` on `confidences` by pool-adjacent-violators: the
 * non-decreasing step function minimising the squared error. Equal confidences are pooled first, so the
 * map is a function of the confidence. Empty input is an error (nothing to fit).
 */
export function fitIsotonic(confidences: ArrayLike<number>, outcomes: ArrayLike<number>): IsotonicMap {
  const n = confidences.length;
  if (n !== outcomes.length) throw new Error(`fitIsotonic: ${n} confidences but ${outcomes.length} outcomes`);
  if (n === 0) throw new Error("fitIsotonic: no observations to fit");
  const order = Array.from({ length: n }, (_, i) => i);
  for (const i of order) {
    if (!Number.isFinite(confidences[i]!)) throw new Error(`fitIsotonic: confidence ${i} is ${confidences[i]}`);
    if (!(outcomes[i]! >= 0 && outcomes[i]! <= 1)) throw new Error(`fitIsotonic: outcome ${i} is ${outcomes[i]}; expected a value in [0, 1]`);
  }
  order.sort((a, b) => confidences[a]! - confidences[b]! || a - b);
  const starts: number[] = [];
  const sums: number[] = [];
  const counts: number[] = [];
  for (const i of order) {
    const x = confidences[i]!;
    if (starts.length > 0 && starts[starts.length - 1] === x) {
      sums[sums.length - 1]! += outcomes[i]!;
      counts[counts.length - 1]! += 1;
    } else {
      starts.push(x);
      sums.push(outcomes[i]!);
      counts.push(1);
    }
    // Pool backwards while the last block's mean is not above the one before it (equal blocks merge too,
    // so the map has one step per distinct value).
    while (sums.length > 1 && sums[sums.length - 1]! / counts[counts.length - 1]! <= sums[sums.length - 2]! / counts[counts.length - 2]!) {
      const sum = sums.pop()!;
      const count = counts.pop()!;
      starts.pop();
      sums[sums.length - 1]! += sum;
      counts[counts.length - 1]! += count;
    }
  }
  return { starts, values: sums.map((sum, k) => sum / counts[k]!), counts };
}

/** The isotonic map at `confidence`: the value of the last block starting at or below it (the first block below all). */
export function applyIsotonic(map: IsotonicMap, confidence: number): number {
  let low = 0;
  let high = map.starts.length - 1;
  if (confidence < map.starts[0]!) return map.values[0]!;
  while (low < high) {
    const middle = (low + high + 1) >> 1;
    if (map.starts[middle]! <= confidence) low = middle;
    else high = middle - 1;
  }
  return map.values[low]!;
}

/** A coverage rate with its 95% Wilson score interval. */
export interface Coverage {
  covered: number;
  total: number;
  rate: number;
  low: number;
  high: number;
}

/**
 * The share of `total` cases an interval covered, with the Wilson score interval (z = 1.96): unlike the
 * normal approximation it stays inside [0, 1] and is not zero-width at rates of 0 or 1, which matter for
 * the ~40 validation windows of a run.
 */
export function coverageWithInterval(covered: number, total: number, z = 1.96): Coverage {
  if (!Number.isInteger(covered) || !Number.isInteger(total) || covered < 0 || covered > total) {
    throw new Error(`coverageWithInterval: need integers 0 ≤ covered ≤ total, got ${covered} of ${total}`);
  }
  if (total === 0) return { covered, total, rate: Number.NaN, low: Number.NaN, high: Number.NaN };
  const rate = covered / total;
  const z2 = z * z;
  const centre = (rate + z2 / (2 * total)) / (1 + z2 / total);
  const half = (z * Math.sqrt((rate * (1 - rate)) / total + z2 / (4 * total * total))) / (1 + z2 / total);
  return { covered, total, rate, low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}
