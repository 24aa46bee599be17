/**
 * A plain baseline for the window class task (docs/spec.md §6, "Majority class"): what an L2-regularised
 * logistic regression on pooled per-bar features scores on the same split. A neural class head that does no
 * better than this, or than the training majority, has learned nothing the pooled features did not already say.
 * Float64 and deterministic: Newton–Raphson (IRLS) from zero with a halving line search and a small Cholesky
 * solve, so two runs on the same windows give the same numbers bit for bit.
 */

export interface LogisticModel {
  /** Weights on the standardised columns, (x − mean) / std; a constant column's weight is 0. */
  weights: Float64Array;
  intercept: number;
  /** The training rows' column means and population stds (a constant column gets std 1). */
  mean: Float64Array;
  std: Float64Array;
  /** Newton steps taken; converged iff the last one's max absolute change was below the tolerance. */
  iterations: number;
  converged: boolean;
}

/**
 * l2: λ in Σ log-loss + (λ/2)·‖w‖², intercept unpenalised (default 1, scikit-learn's C = 1); iterations: the
 * maximum number of Newton steps (default 100); tolerance: stop once a step's max |change| is below it (1e-10).
 */
export interface LogisticOptions {
  l2?: number;
  iterations?: number;
  tolerance?: number;
}

export interface LogisticClassBaseline {
  description: string;
  trainAccuracy: number;
  validationAccuracy: number;
  majorityClass: 0 | 1;
  majorityAccuracy: number;
  validationLogLoss: number;
  /** Share of validation windows predicted retracement (p > 0.5). */
  predictedShare: number;
  converged: boolean;
}

const BASELINE_L2 = 1;
// Log-loss clamp, as scikit-learn's log_loss: one confident mistake costs ≈ 34.5 nats, not infinity.
const LOG_LOSS_EPS = 1e-15;

function checkPositiveInteger(name: string, value: number): void {
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer, got ${value}`);
}

function checkIndices(name: string, indices: readonly number[], count: number): void {
  indices.forEach((index, i) => {
    if (!Number.isInteger(index) || index < 0 || index >= count) throw new Error(`${name}[${i}] = ${index} is not a window index in [0, ${count})`);
  });
}

function checkLabels(name: string, y: ArrayLike<number>): void {
  for (let i = 0; i < y.length; i++) if (y[i] !== 0 && y[i] !== 1) throw new Error(`${name}[${i}] = ${y[i]} is not a 0/1 label`);
}

/** Per window in `indices`: the mean over bars of each feature, then the population std over bars (2F values). */
export function pooledFeatures(features: Float32Array, bars: number, featureCount: number, indices: readonly number[]): Float64Array {
  checkPositiveInteger("bars", bars);
  checkPositiveInteger("featureCount", featureCount);
  const stride = bars * featureCount;
  if (features.length % stride !== 0) throw new Error(`features has length ${features.length}, not a multiple of bars × featureCount = ${stride}`);
  checkIndices("indices", indices, features.length / stride);
  const out = new Float64Array(indices.length * 2 * featureCount);
  indices.forEach((window, row) => {
    const base = window * stride;
    const o = row * 2 * featureCount;
    for (let f = 0; f < featureCount; f++) {
      let sum = 0;
      for (let t = 0; t < bars; t++) sum += features[base + t * featureCount + f]!;
      const mean = sum / bars;
      // Two passes: the textbook E[x²] − E[x]² loses every digit when a feature sits far from zero.
      let squares = 0;
      for (let t = 0; t < bars; t++) squares += (features[base + t * featureCount + f]! - mean) ** 2;
      out[o + f] = mean;
      out[o + featureCount + f] = Math.sqrt(squares / bars);
    }
  });
  return out;
}

/** −log p(t | η) = log(1 + e^η) − t·η, without overflow. */
function logLoss(eta: number, t: number): number {
  return Math.max(eta, 0) + Math.log1p(Math.exp(-Math.abs(eta))) - t * eta;
}

function sigmoid(eta: number): number {
  if (eta >= 0) return 1 / (1 + Math.exp(-eta));
  const e = Math.exp(eta);
  return e / (1 + e);
}

/** Solves A·x = b for a symmetric positive-definite n×n A (row-major); null when A is not numerically SPD. */
function choleskySolve(a: Float64Array, b: Float64Array, n: number): Float64Array | null {
  const l = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i * n + j]!;
      for (let k = 0; k < j; k++) s -= l[i * n + k]! * l[j * n + k]!;
      if (i === j) {
        // A pivot this small next to its diagonal means a singular Hessian (λ = 0 with collinear columns or
        // saturated probabilities on separable data): no finite Newton step exists.
        if (!(s > 1e-13 * a[i * n + i]!)) return null;
        l[i * n + i] = Math.sqrt(s);
      } else {
        l[i * n + j] = s / l[j * n + j]!;
      }
    }
  }
  const x = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = b[i]!;
    for (let k = 0; k < i; k++) s -= l[i * n + k]! * x[k]!;
    x[i] = s / l[i * n + i]!;
  }
  for (let i = n - 1; i >= 0; i--) {
    let s = x[i]!;
    for (let k = i + 1; k < n; k++) s -= l[k * n + i]! * x[k]!;
    x[i] = s / l[i * n + i]!;
  }
  return x;
}

/**
 * Binary logistic regression with intercept, minimising Σ log-loss + (l2/2)·‖w‖² over standardised columns.
 * Standardising makes λ mean the same for every column whatever its units, as scikit-learn users expect
 * after a StandardScaler; with λ = 0 it does not change the fitted probabilities.
 */
export function fitLogisticRegression(x: Float64Array, y: ArrayLike<number>, rows: number, columns: number, options: LogisticOptions = {}): LogisticModel {
  const { l2 = 1, iterations = 100, tolerance = 1e-10 } = options;
  checkPositiveInteger("rows", rows);
  if (!Number.isInteger(columns) || columns < 0) throw new Error(`columns must be a non-negative integer, got ${columns}`);
  if (x.length !== rows * columns) throw new Error(`x has length ${x.length}, expected rows × columns = ${rows * columns}`);
  if (y.length !== rows) throw new Error(`y has length ${y.length}, expected rows = ${rows}`);
  checkLabels("y", y);
  if (!(Number.isFinite(l2) && l2 >= 0)) throw new Error(`options.l2 must be finite and ≥ 0, got ${l2}`);
  checkPositiveInteger("options.iterations", iterations);
  if (!(tolerance > 0)) throw new Error(`options.tolerance must be > 0, got ${tolerance}`);
  for (let i = 0; i < x.length; i++) if (!Number.isFinite(x[i]!)) throw new Error(`x[${i}] = ${x[i]} is not finite`);

  const mean = new Float64Array(columns);
  const std = new Float64Array(columns).fill(1);
  // Constant columns stay out of the Newton system: their standardised value is 0, so with λ = 0 they would
  // make the Hessian singular, and with λ > 0 their optimal weight is exactly 0 anyway.
  const active: number[] = [];
  for (let j = 0; j < columns; j++) {
    const column = Float64Array.from({ length: rows }, (_, i) => x[i * columns + j]!);
    // Testing equality (not std = 0) keeps the mean exact, so a constant column standardises to exactly 0.
    if (column.every((v) => v === column[0])) {
      mean[j] = column[0]!;
      continue;
    }
    mean[j] = column.reduce((a, v) => a + v, 0) / rows;
    std[j] = Math.sqrt(column.reduce((a, v) => a + (v - mean[j]!) ** 2, 0) / rows) || 1;
    active.push(j);
  }

  const p = active.length + 1; // intercept first, then the active weights
  const z = new Float64Array(rows * p);
  for (let i = 0; i < rows; i++) {
    z[i * p] = 1;
    for (const [a, j] of active.entries()) z[i * p + a + 1] = (x[i * columns + j]! - mean[j]!) / std[j]!;
  }
  const eta = (beta: Float64Array, i: number): number => {
    let e = 0;
    for (let k = 0; k < p; k++) e += z[i * p + k]! * beta[k]!;
    return e;
  };
  const objective = (beta: Float64Array): number => {
    let f = 0;
    for (let i = 0; i < rows; i++) f += logLoss(eta(beta, i), y[i]!);
    for (let k = 1; k < p; k++) f += 0.5 * l2 * beta[k]! ** 2;
    return f;
  };

  let beta: Float64Array = new Float64Array(p);
  let current = objective(beta);
  let steps = 0;
  let converged = false;
  const gradient = new Float64Array(p);
  const hessian = new Float64Array(p * p);
  while (steps < iterations) {
    gradient.fill(0);
    hessian.fill(0);
    for (let i = 0; i < rows; i++) {
      const q = sigmoid(eta(beta, i));
      const r = q - y[i]!;
      const w = q * (1 - q);
      for (let a = 0; a < p; a++) {
        const za = z[i * p + a]!;
        gradient[a]! += r * za;
        for (let b = 0; b <= a; b++) hessian[a * p + b]! += w * za * z[i * p + b]!;
      }
    }
    for (let a = 1; a < p; a++) {
      gradient[a]! += l2 * beta[a]!;
      hessian[a * p + a]! += l2;
    }
    for (let a = 0; a < p; a++) for (let b = 0; b < a; b++) hessian[b * p + a] = hessian[a * p + b]!;
    const delta = choleskySolve(hessian, gradient, p);
    if (delta === null) break;
    steps++;
    const fullStep = delta.reduce((m, d) => Math.max(m, Math.abs(d)), 0);
    // The objective is convex, but a full Newton step from far away can overshoot; halve until it does not
    // rise. The slack absorbs rounding in the sum so a near-converged step is never refused for an ulp.
    let scale = 1;
    let accepted: Float64Array | null = null;
    for (let halvings = 0; halvings <= 60 && accepted === null; halvings++) {
      const next = beta.map((b, k) => b - scale * delta[k]!);
      const value = objective(next);
      if (value <= current + 1e-12 * Math.max(1, Math.abs(current)) || fullStep < tolerance) {
        accepted = next;
        current = value;
      } else {
        scale /= 2;
      }
    }
    // No decrease even after 60 halvings: the direction is lost in rounding, so stop unconverged.
    if (accepted === null) break;
    beta = accepted;
    // Judged on the Newton step itself, so a step shrunk by the line search never passes for convergence.
    if (fullStep < tolerance) {
      converged = true;
      break;
    }
  }

  const weights = new Float64Array(columns);
  for (const [a, j] of active.entries()) weights[j] = beta[a + 1]!;
  return { weights, intercept: beta[0]!, mean, std, iterations: steps, converged };
}

/** p(y = 1) per row of the row-major `x` (rows × model.weights.length), standardised with the model's own mean and std. */
export function predictLogistic(model: Pick<LogisticModel, "weights" | "intercept" | "mean" | "std">, x: Float64Array, rows: number): Float64Array {
  const columns = model.weights.length;
  if (!Number.isInteger(rows) || rows < 0) throw new Error(`rows must be a non-negative integer, got ${rows}`);
  if (x.length !== rows * columns) throw new Error(`x has length ${x.length}, expected rows × columns = ${rows * columns}`);
  if (model.mean.length !== columns || model.std.length !== columns) throw new Error(`model.mean and model.std must have ${columns} entries`);
  const out = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    let e = model.intercept;
    for (let j = 0; j < columns; j++) e += (model.weights[j]! * (x[i * columns + j]! - model.mean[j]!)) / model.std[j]!;
    out[i] = sigmoid(e);
  }
  return out;
}

/**
 * The class-head baseline of docs/spec.md §6: logistic regression on the pooled mean and std of every
 * feature, fitted on `train` windows and scored on `validation` windows, beside the training-majority rule.
 */
export function logisticClassBaseline(
  data: { features: Float32Array; bars: number; featureCount: number; label: ArrayLike<number> },
  train: readonly number[],
  validation: readonly number[],
): LogisticClassBaseline {
  const { features, bars, featureCount, label } = data;
  checkPositiveInteger("data.bars", bars);
  checkPositiveInteger("data.featureCount", featureCount);
  const windows = label.length;
  if (features.length !== windows * bars * featureCount) {
    throw new Error(`data.features has length ${features.length}, expected data.label.length × bars × featureCount = ${windows * bars * featureCount}`);
  }
  checkLabels("data.label", label);
  if (train.length === 0) throw new Error("train is empty");
  if (validation.length === 0) throw new Error("validation is empty");
  checkIndices("train", train, windows);
  checkIndices("validation", validation, windows);

  const columns = 2 * featureCount;
  const trainY = train.map((w) => label[w]!);
  const validationY = validation.map((w) => label[w]!);
  const trainX = pooledFeatures(features, bars, featureCount, train);
  const model = fitLogisticRegression(trainX, trainY, train.length, columns, { l2: BASELINE_L2 });
  const trainP = predictLogistic(model, trainX, train.length);
  const validationP = predictLogistic(model, pooledFeatures(features, bars, featureCount, validation), validation.length);

  const accuracy = (q: Float64Array, truth: readonly number[]): number => truth.reduce((n, t, i) => n + (Number(q[i]! > 0.5) === t ? 1 : 0), 0) / truth.length;
  const positives = trainY.reduce((n, t) => n + t, 0);
  const majorityClass: 0 | 1 = positives > train.length - positives ? 1 : 0;
  const clamped = (q: number): number => Math.min(Math.max(q, LOG_LOSS_EPS), 1 - LOG_LOSS_EPS);
  const validationLoss = validationY.reduce((sum, t, i) => sum - Math.log(t === 1 ? clamped(validationP[i]!) : 1 - clamped(validationP[i]!)), 0);

  return {
    description:
      `L2-regularised logistic regression (λ = ${BASELINE_L2}) on the mean and standard deviation over bars of each of the ${featureCount} features, ` +
      `fitted on the ${train.length} training windows, scored on the ${validation.length} validation windows.`,
    trainAccuracy: accuracy(trainP, trainY),
    validationAccuracy: accuracy(validationP, validationY),
    majorityClass,
    majorityAccuracy: validationY.filter((t) => t === majorityClass).length / validation.length,
    validationLogLoss: validationLoss / validation.length,
    predictedShare: validationP.reduce((n, q) => n + (q > 0.5 ? 1 : 0), 0) / validation.length,
    converged: model.converged,
  };
}
