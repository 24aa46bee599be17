import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { applyIsotonic, coverageWithInterval, fitIsotonic, fitTemperature, fitTemperatureByNewton } from "./recalibration.js";

/** NLL of 0/1 outcomes under sigmoid(z / T): convex in 1/T. */
function bernoulliNll(logits: number[], outcomes: number[]) {
  return (temperature: number) =>
    logits.reduce((sum, z, i) => {
      const s = z / temperature;
      // −log σ(s) = softplus(−s), −log(1 − σ(s)) = softplus(s).
      const softplus = (x: number) => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
      return sum + (outcomes[i] === 1 ? softplus(-s) : softplus(s));
    }, 0);
}

describe("fitTemperature", () => {
  it("finds the grid minimum of a Bernoulli NLL to 1e-4", () => {
    // Overconfident logits: half of the confident calls are wrong, so the best temperature is > 1.
    const logits = [4, 4, -4, -4, 3, -3, 5, -5];
    const outcomes = [1, 0, 0, 1, 1, 0, 1, 0];
    const nll = bernoulliNll(logits, outcomes);
    const fitted = fitTemperature(nll);
    let best = { t: 0, v: Number.POSITIVE_INFINITY };
    for (let t = 0.05; t <= 20; t += 0.0005) if (nll(t) < best.v) best = { t, v: nll(t) };
    expect(fitted.temperature).toBeGreaterThan(1);
    expect(Math.abs(fitted.temperature - best.t) / best.t).toBeLessThan(1e-3);
    expect(fitted.negativeLogLikelihood).toBeLessThanOrEqual(best.v + 1e-9);
    expect(fitted.negativeLogLikelihoodAtOne).toBeCloseTo(nll(1), 12);
  });

  it("sharpens underconfident scores (T < 1) and stops at the range's end when the minimum lies beyond it", () => {
    const under = fitTemperature(bernoulliNll([0.5, -0.5, 0.4, -0.6], [1, 0, 1, 0]));
    expect(under.temperature).toBe(0.05); // perfectly separable: the NLL falls all the way to T → 0
    const mixed = fitTemperature(bernoulliNll([1, -1, 1, -1, 1], [1, 0, 1, 0, 0]));
    expect(mixed.temperature).toBeGreaterThan(0.05);
    expect(mixed.temperature).toBeLessThan(20);
  });

  it("refuses a bad range and a NaN likelihood", () => {
    expect(() => fitTemperature(() => 1, { minimum: 2, maximum: 1 })).toThrow("need 0 < minimum < maximum");
    expect(() => fitTemperature(() => Number.NaN)).toThrow("is NaN");
  });
});

/** The Bernoulli NLL of `bernoulliNll` in β = 1/T with its derivatives: Σ softplus(∓βz), Σ z(σ(βz) − y), Σ z²σ(1 − σ). */
function bernoulliDerivatives(logits: number[], outcomes: number[]) {
  return (beta: number) => {
    let first = 0;
    let second = 0;
    for (const [i, z] of logits.entries()) {
      const p = 1 / (1 + Math.exp(-beta * z));
      first += z * (p - outcomes[i]!);
      second += z * z * p * (1 - p);
    }
    return { value: bernoulliNll(logits, outcomes)(1 / beta), first, second };
  };
}

describe("fitTemperatureByNewton", () => {
  it("finds the golden-section minimum in far fewer evaluations, and stops at the ends like it", () => {
    const logits = [4, 4, -4, -4, 3, -3, 5, -5];
    const outcomes = [1, 0, 0, 1, 1, 0, 1, 0];
    const newton = fitTemperatureByNewton(bernoulliDerivatives(logits, outcomes));
    const golden = fitTemperature(bernoulliNll(logits, outcomes));
    expect(newton.temperature).toBeCloseTo(golden.temperature, 5);
    expect(newton.evaluations).toBeLessThan(15);
    expect(fitTemperatureByNewton(bernoulliDerivatives([0.5, -0.5, 0.4, -0.6], [1, 0, 1, 0])).temperature).toBe(0.05);
    expect(fitTemperatureByNewton(bernoulliDerivatives([3, 3], [1, 0])).temperature).toBe(20);
  });
});

describe("fitIsotonic", () => {
  it("pools adjacent violators (a hand-computed case)", () => {
    // Sorted by x: outcomes 0, 1, 0, 0, 1, 1 → blocks {0}, {1, 0, 0} = 1/3, {1, 1}.
    const map = fitIsotonic([0.1, 0.2, 0.3, 0.4, 0.5, 0.6], [0, 1, 0, 0, 1, 1]);
    expect(map.starts).toEqual([0.1, 0.2, 0.5]);
    expect(map.values).toEqual([0, 1 / 3, 1]);
    expect(map.counts).toEqual([1, 3, 2]);
    expect(applyIsotonic(map, 0.05)).toBe(0);
    expect(applyIsotonic(map, 0.35)).toBe(1 / 3);
    expect(applyIsotonic(map, 0.5)).toBe(1);
    expect(applyIsotonic(map, 0.99)).toBe(1);
  });

  it("pools equal confidences first, whatever their input order", () => {
    const map = fitIsotonic([0.5, 0.2, 0.5, 0.2], [1, 0, 0, 1]);
    expect(map.values).toEqual([0.5]);
    expect(map.counts).toEqual([4]);
  });

  it("gives a non-decreasing map no worse in squared error than any constant (property)", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.integer({ min: 0, max: 1 })), { minLength: 1, maxLength: 60 }), (pairs) => {
        const x = pairs.map(([c]) => c);
        const y = pairs.map(([, o]) => o);
        const map = fitIsotonic(x, y);
        for (let k = 1; k < map.values.length; k++) expect(map.values[k]!).toBeGreaterThanOrEqual(map.values[k - 1]!);
        const fitted = x.map((c) => applyIsotonic(map, c));
        const error = fitted.reduce((sum, f, i) => sum + (f - y[i]!) ** 2, 0);
        const average = y.reduce((a, b) => a + b, 0) / y.length;
        const constant = y.reduce((sum, o) => sum + (average - o) ** 2, 0);
        expect(error).toBeLessThanOrEqual(constant + 1e-9);
        // PAV preserves the total: the fitted values sum to the outcomes.
        expect(fitted.reduce((a, b) => a + b, 0)).toBeCloseTo(
          y.reduce((a, b) => a + b, 0),
          9,
        );
      }),
      { seed: 7, numRuns: 200 },
    );
  });

  it("refuses empty input, mismatched lengths and outcomes outside [0, 1]", () => {
    expect(() => fitIsotonic([], [])).toThrow("no observations");
    expect(() => fitIsotonic([0.1], [])).toThrow("1 confidences but 0 outcomes");
    expect(() => fitIsotonic([0.1], [2])).toThrow("outcome 0 is 2");
  });
});

describe("coverageWithInterval", () => {
  it("matches the Wilson score interval by hand", () => {
    // 36 of 40: p = 0.9, z = 1.96 → centre (0.9 + 0.048020)/(1.096040), half 1.96·√(0.00225 + 0.0006002)/1.096040.
    const c = coverageWithInterval(36, 40);
    const centre = (0.9 + 1.96 ** 2 / 80) / (1 + 1.96 ** 2 / 40);
    const half = (1.96 * Math.sqrt(0.09 / 40 + 1.96 ** 2 / 6400)) / (1 + 1.96 ** 2 / 40);
    expect(c.rate).toBe(0.9);
    expect(c.low).toBeCloseTo(centre - half, 12);
    expect(c.high).toBeCloseTo(centre + half, 12);
    expect(c.low).toBeCloseTo(0.7695, 3);
    expect(c.high).toBeCloseTo(0.9604, 3);
  });

  it("stays inside [0, 1] and is not zero-width at 0 or all covered", () => {
    const all = coverageWithInterval(10, 10);
    expect(all.high).toBe(1);
    expect(all.low).toBeLessThan(1);
    const none = coverageWithInterval(0, 10);
    expect(none.low).toBe(0);
    expect(none.high).toBeGreaterThan(0);
    expect(Number.isNaN(coverageWithInterval(0, 0).rate)).toBe(true);
    expect(() => coverageWithInterval(3, 2)).toThrow("0 ≤ covered ≤ total");
  });
});
