import { describe, expect, it } from "vitest";
import { fitLogisticRegression, logisticClassBaseline, pooledFeatures, predictLogistic, type LogisticModel } from "./logistic_baseline.js";
import { Rng } from "../util/rng.js";

// The penalised objective and its gradient, written out again here (not imported) so that the test checks
// the fit against the definition rather than against itself: Σ log-loss + (λ/2)·‖w‖² on standardised columns.
function standardise(model: LogisticModel, x: Float64Array, rows: number): Float64Array {
  const columns = model.weights.length;
  return x.map((v, k) => (v - model.mean[k % columns]!) / model.std[k % columns]!).subarray(0, rows * columns);
}

function objective(intercept: number, weights: Float64Array, z: Float64Array, y: readonly number[], l2: number): number {
  const columns = weights.length;
  let total = 0;
  y.forEach((t, i) => {
    let eta = intercept;
    for (let j = 0; j < columns; j++) eta += weights[j]! * z[i * columns + j]!;
    const p = 1 / (1 + Math.exp(-eta));
    total -= t * Math.log(p) + (1 - t) * Math.log(1 - p);
  });
  return total + 0.5 * l2 * weights.reduce((s, w) => s + w * w, 0);
}

function gradient(model: LogisticModel, z: Float64Array, y: readonly number[], l2: number): number[] {
  const columns = model.weights.length;
  const g = [0, ...Array.from(model.weights, (w) => l2 * w)];
  y.forEach((t, i) => {
    let eta = model.intercept;
    for (let j = 0; j < columns; j++) eta += model.weights[j]! * z[i * columns + j]!;
    const r = 1 / (1 + Math.exp(-eta)) - t;
    g[0]! += r;
    for (let j = 0; j < columns; j++) g[j + 1]! += r * z[i * columns + j]!;
  });
  return g;
}

/** Rows with columns on very different scales, one constant column, and labels drawn from a logistic model. */
function syntheticRows(seed: number, rows: number): { x: Float64Array; y: number[]; columns: number } {
  const rng = new Rng(seed);
  const columns = 4;
  const x = new Float64Array(rows * columns);
  const y: number[] = [];
  for (let i = 0; i < rows; i++) {
    const a = rng.normal(3, 10);
    const b = rng.normal(-1, 0.01);
    const c = rng.normal();
    x.set([a, b, c, 2.5], i * columns);
    y.push(rng.bernoulli(1 / (1 + Math.exp(-(0.4 + 0.1 * a - 80 * (b + 1) + 0.5 * c)))) ? 1 : 0);
  }
  return { x, y, columns };
}

/** Windows of `bars` × `featureCount` noise; when `signal`, feature 0 is shifted and feature 1 widened by class. */
function syntheticWindows(seed: number, windows: number, signal: boolean) {
  const rng = new Rng(seed);
  const bars = 105;
  const featureCount = 12;
  const features = new Float32Array(windows * bars * featureCount);
  const label = new Int32Array(windows);
  for (let w = 0; w < windows; w++) {
    const y = rng.bernoulli(0.35) ? 1 : 0;
    label[w] = y;
    for (let t = 0; t < bars; t++) {
      for (let f = 0; f < featureCount; f++) {
        let v = rng.normal();
        if (signal && f === 0) v += y === 1 ? 0.25 : -0.25;
        if (signal && f === 1) v *= y === 1 ? 1.3 : 1;
        features[(w * bars + t) * featureCount + f] = v;
      }
    }
  }
  return { features, bars, featureCount, label };
}

const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i);

describe("pooledFeatures", () => {
  it("gives the per-window mean block then the population-std block, for the requested windows in order", () => {
    // Window 0: feature a = 1, 2, 3; feature b = 0, 0, 6. Window 1: a = 4, 4, 4; b = −1, 1, 3.
    const features = new Float32Array([1, 0, 2, 0, 3, 6, 4, -1, 4, 1, 4, 3]);
    const pooled = pooledFeatures(features, 3, 2, [1, 0]);
    const expected = [
      [4, 1, 0, Math.sqrt(8 / 3)], // window 1: means 4, 1; stds 0, √((4 + 0 + 4)/3)
      [2, 2, Math.sqrt(2 / 3), Math.sqrt(8)], // window 0: means 2, 2; stds √(2/3), √((4 + 4 + 16)/3)
    ].flat();
    expect(pooled).toHaveLength(8);
    for (const [k, v] of expected.entries()) expect(pooled[k]).toBeCloseTo(v, 12);
  });

  it("rejects a buffer that is not whole windows and an index outside them", () => {
    expect(() => pooledFeatures(new Float32Array(11), 3, 2, [0])).toThrow(/features has length 11/);
    expect(() => pooledFeatures(new Float32Array(12), 3, 2, [2])).toThrow(/indices\[0\] = 2/);
  });
});

describe("fitLogisticRegression", () => {
  for (const l2 of [1, 3]) {
    it(`stops at a stationary point of the penalised log-loss (λ = ${l2})`, () => {
      const { x, y, columns } = syntheticRows(7, 300);
      const model = fitLogisticRegression(x, y, y.length, columns, l2 === 1 ? {} : { l2 });
      expect(model.converged).toBe(true);
      expect(model.iterations).toBeGreaterThan(1);
      expect(model.iterations).toBeLessThan(100);
      // The stored standardisation is the training columns' mean and population std; the constant column gets std 1.
      for (let j = 0; j < columns; j++) {
        const column = y.map((_, i) => x[i * columns + j]!);
        const mean = column.reduce((s, v) => s + v, 0) / column.length;
        expect(model.mean[j]).toBeCloseTo(mean, 9);
        if (j < 3) expect(model.std[j]).toBeCloseTo(Math.sqrt(column.reduce((s, v) => s + (v - mean) ** 2, 0) / column.length), 9);
      }
      expect(model.std[3]).toBe(1);
      expect(model.weights[3]).toBe(0);

      const z = standardise(model, x, y.length);
      const g = gradient(model, z, y, l2);
      expect(Math.max(...g.map(Math.abs))).toBeLessThan(1e-8);

      // Every coordinate nudged by ±1e-4 raises the objective: a minimum, not a saddle or a maximum.
      const best = objective(model.intercept, model.weights, z, y, l2);
      const h = 1e-4;
      for (let k = 0; k <= columns; k++) {
        for (const sign of [-1, 1]) {
          const weights = Float64Array.from(model.weights);
          let intercept = model.intercept;
          if (k === 0) intercept += sign * h;
          else weights[k - 1]! += sign * h;
          expect(objective(intercept, weights, z, y, l2)).toBeGreaterThan(best);
        }
      }
    });
  }

  it("with λ = 0 on two groups fits each group's positive share exactly, whatever the column's scale", () => {
    // Group A (x = 2): 1 of 4 positive; group B (x = 7): 3 of 5. Two groups and two parameters make the
    // model saturated, so the MLE reproduces the group frequencies; standardising only reparametrises it.
    const x = new Float64Array([2, 2, 2, 2, 7, 7, 7, 7, 7]);
    const y = [0, 1, 0, 0, 1, 0, 1, 1, 0];
    const model = fitLogisticRegression(x, y, 9, 1, { l2: 0 });
    expect(model.converged).toBe(true);
    const p = predictLogistic(model, new Float64Array([2, 7]), 2);
    expect(Math.abs(p[0]! - 0.25)).toBeLessThan(1e-9);
    expect(Math.abs(p[1]! - 0.6)).toBeLessThan(1e-9);
    // The weight is the log-odds difference per standardised unit: (logit 0.6 − logit 0.25)·std / (7 − 2).
    const logit = (q: number): number => Math.log(q / (1 - q));
    expect(model.weights[0]).toBeCloseTo(((logit(0.6) - logit(0.25)) * model.std[0]!) / 5, 9);
  });

  it("is deterministic", () => {
    const { x, y, columns } = syntheticRows(11, 120);
    const a = fitLogisticRegression(x, y, y.length, columns);
    const b = fitLogisticRegression(x, y, y.length, columns);
    expect(Array.from(b.weights)).toEqual(Array.from(a.weights));
    expect(b.intercept).toBe(a.intercept);
  });

  it("names the argument when lengths disagree or a label is not 0/1", () => {
    expect(() => fitLogisticRegression(new Float64Array(7), [0, 1, 0, 1], 4, 2)).toThrow(/x has length 7/);
    expect(() => fitLogisticRegression(new Float64Array(8), [0, 1, 0], 4, 2)).toThrow(/y has length 3/);
    expect(() => fitLogisticRegression(new Float64Array(8), [0, 2, 0, 1], 4, 2)).toThrow(/y\[1\] = 2 is not a 0\/1 label/);
    expect(() =>
      predictLogistic({ weights: new Float64Array(2), intercept: 0, mean: new Float64Array(2), std: new Float64Array(2) }, new Float64Array(5), 3),
    ).toThrow(/x has length 5/);
  });
});

describe("logisticClassBaseline", () => {
  it("beats the majority class on windows whose pooled features carry the label", () => {
    const data = syntheticWindows(3, 600, true);
    const result = logisticClassBaseline(data, range(0, 400), range(400, 600));
    expect(result.converged).toBe(true);
    expect(result.majorityClass).toBe(0);
    expect(result.validationAccuracy).toBeGreaterThan(0.9);
    expect(result.validationAccuracy).toBeGreaterThan(result.majorityAccuracy + 0.1);
    expect(result.trainAccuracy).toBeGreaterThan(0.9);
    expect(result.validationLogLoss).toBeLessThan(0.3);
    const share = Array.from(data.label.subarray(400)).filter((t) => t === 1).length / 200;
    expect(Math.abs(result.predictedShare - share)).toBeLessThan(0.05);
    expect(result.description).toContain("each of the 12 features");
  });

  it("stays near the majority class when the labels are noise", () => {
    const data = syntheticWindows(5, 600, false);
    const result = logisticClassBaseline(data, range(0, 400), range(400, 600));
    const share = Array.from(data.label.subarray(400)).filter((t) => t === 1).length / 200;
    expect(result.majorityClass).toBe(0);
    expect(result.majorityAccuracy).toBeCloseTo(1 - share, 12);
    expect(Math.abs(result.validationAccuracy - result.majorityAccuracy)).toBeLessThan(0.08);
    // No signal: the log-loss is about the label entropy (≈ 0.65 nats at 35 %), not far below it.
    expect(result.validationLogLoss).toBeGreaterThan(0.55);
  });

  it("breaks a training tie towards consolidation", () => {
    const data = syntheticWindows(9, 40, false);
    data.label.set([0, 1, 1, 0]);
    const result = logisticClassBaseline(data, [0, 1, 2, 3], [4, 5, 6]);
    expect(result.majorityClass).toBe(0);
  });

  it("names the argument on bad labels, mismatched lengths and empty splits", () => {
    const data = syntheticWindows(1, 6, false);
    const bad = { ...data, label: Int32Array.from([0, 1, 2, 0, 1, 0]) };
    expect(() => logisticClassBaseline(bad, [0, 1, 2], [3, 4])).toThrow(/data\.label\[2\] = 2/);
    expect(() => logisticClassBaseline({ ...data, label: data.label.subarray(0, 5) }, [0, 1], [3])).toThrow(/data\.features has length/);
    expect(() => logisticClassBaseline(data, [], [3])).toThrow(/train is empty/);
    expect(() => logisticClassBaseline(data, [0, 1], [])).toThrow(/validation is empty/);
    expect(() => logisticClassBaseline(data, [0, 6], [3])).toThrow(/train\[1\] = 6/);
  });
});
