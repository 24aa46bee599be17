import { describe, expect, it } from "vitest";
import { Rng } from "../util/rng.js";
import { compareMetric, recommend, type MetricDefinition } from "./aggregate.js";
import { readinessWinner } from "./analysis/baselines.js";
import { describeObjective } from "./analysis/objectives.js";
import { sensitivityPoint } from "./analysis/sensitivity.js";
import { objectivePairs, overallWinner } from "./pairwise.js";
import { withPairs } from "./read_comparison.js";
import { comparedObjectives } from "./compare.js";
import { storedCompareConfigSchema } from "./stored_config.js";
import type { ComparisonResult, MetricComparison, RunResult } from "./types.js";

const f1: MetricDefinition = { key: "f1_native", label: "Span F1", unit: "F1 (0–1)", higherIsBetter: true, value: () => 0 };
const iou: MetricDefinition = { ...f1, key: "iou_single_span", label: "IoU" };

const three = ["soft", "crf", "segment_crf"].map(describeObjective);
const [soft, crf, segment] = three.map((o) => o.name) as [string, string, string];

function runs(values: number[]): RunResult[] {
  return values.map((v) => ({ headline: { f1_native: v, iou_single_span: v } }) as unknown as RunResult);
}

/** Per-seed values of each of the three objectives (soft, CRF, segment CRF), five paired seeds. */
function compared(definition: MetricDefinition, a: number[], b: number[], c: number[]): MetricComparison {
  return compareMetric(definition, three, [runs(a), runs(b), runs(c)], new Rng(7), 500);
}

// Hand-made seeds: every soft − CRF difference is +0.17…+0.22 and every CRF − segment CRF one +0.07…+0.11,
// so those intervals exclude 0; soft − "near soft" alternates in sign (−0.02…+0.02), so its interval holds 0.
const SOFT = [0.5, 0.52, 0.55, 0.51, 0.53];
const CRF = [0.3, 0.31, 0.33, 0.29, 0.36];
const SEGMENT = [0.2, 0.22, 0.26, 0.2, 0.25];
const NEAR_SOFT = [0.52, 0.5, 0.56, 0.49, 0.54];

describe("pairs of objectives", () => {
  it("lists every pair i < j in protocol order", () => {
    expect(objectivePairs(["a", "b", "c", "d"])).toEqual([
      ["a", "b"],
      ["a", "c"],
      ["a", "d"],
      ["b", "c"],
      ["b", "d"],
      ["c", "d"],
    ]);
    expect(objectivePairs(["a", "b"])).toEqual([["a", "b"]]);
  });
});

describe("the winner over three objectives", () => {
  it("names the objective that beats both others, with every pair's difference", () => {
    const m = compared(f1, SOFT, CRF, SEGMENT);
    expect(m.pairs.map((p) => [p.first, p.second, p.winner])).toEqual([
      [soft, crf, soft],
      [soft, segment, soft],
      [crf, segment, crf],
    ]);
    // soft − CRF: mean of (0.20, 0.21, 0.22, 0.22, 0.17) = 0.204.
    expect(m.pairs[0]!.difference!.mean).toBeCloseTo(0.204, 12);
    expect(m.pairs[2]!.difference!.mean).toBeCloseTo((0.1 + 0.09 + 0.07 + 0.09 + 0.11) / 5, 12);
    expect(m.winner).toBe(soft);
    expect(m.rule).toMatch(
      /^the soft span loss beats every other objective: the 95% intervals of soft − CRF \[.*\], soft − semi-CRF \[.*\] exclude 0; higher is better$/,
    );
    // The first pair is also the two-objective field.
    expect(m.difference).toEqual(m.pairs[0]!.difference);
  });

  it("names no winner when A beats B but A and C are not told apart, and says which pairs are established", () => {
    const m = compared(f1, SOFT, CRF, NEAR_SOFT);
    expect(m.pairs.map((p) => p.winner)).toEqual([soft, "not established", segment]);
    expect(m.pairs[1]!.difference!.low).toBeLessThan(0);
    expect(m.pairs[1]!.difference!.high).toBeGreaterThan(0);
    expect(m.winner).toBe("not established");
    expect(m.rule).toMatch(
      /^no objective beats every other: soft − CRF \[.*\] excludes 0 \(soft ahead\); soft − semi-CRF \[.*\] contains 0; CRF − semi-CRF \[.*\] excludes 0 \(semi-CRF ahead\); higher is better$/,
    );

    const verdict = recommend([m, compared(iou, SOFT, CRF, NEAR_SOFT)], 5, three);
    expect(verdict.decision).toBe("undecided");
    expect(verdict.headline).toBe(
      "No objective wins span F1 (the primary metric) against every other across 5 paired seeds: established: the soft span loss ahead of the CRF, the segment CRF ahead of the CRF; not established: the soft span loss vs the segment CRF.",
    );
    expect(verdict.rules[1]).toMatch(/against every other objective \(soft − CRF, soft − semi-CRF, CRF − semi-CRF\) excludes 0 in its favour/);
    // Every pair's difference is part of the evidence.
    expect(verdict.reasons[0]).toMatch(/soft − CRF .*; soft − semi-CRF .*; CRF − semi-CRF /);
  });

  it("ships the objective that wins the primary metric against every other", () => {
    const verdict = recommend([compared(f1, SOFT, CRF, SEGMENT), compared(iou, CRF, SOFT, SEGMENT)], 5, three);
    expect(verdict.decision).toBe(soft);
    expect(verdict.headline).toBe(
      "Ship the soft span loss: it wins on span F1 against every other objective across 5 paired seeds (every paired interval excludes 0).",
    );
  });

  it("treats ties as not established, pair by pair and overall", () => {
    const same = [0.4, 0.42, 0.41, 0.43, 0.4];
    const m = compared(f1, same, same, same);
    for (const pair of m.pairs) {
      expect(pair.difference).toEqual({ mean: 0, low: 0, high: 0, established: false });
      expect(pair.winner).toBe("not established");
    }
    expect(m.winner).toBe("not established");
    // Two tied, the third behind both: no single objective beats every other.
    const behind = compared(
      f1,
      same,
      same,
      same.map((v) => v - 0.1),
    );
    expect(behind.pairs.map((p) => p.winner)).toEqual(["not established", soft, crf]);
    expect(behind.winner).toBe("not established");
  });

  it("says once that too few seeds decide nothing", () => {
    const m = compareMetric(f1, three, [runs(SOFT.slice(0, 3)), runs(CRF.slice(0, 3)), runs(SEGMENT.slice(0, 3))], new Rng(7), 500);
    expect(m.winner).toBe("not established");
    expect(m.rule).toMatch(/^3 paired seeds are too few/);
  });

  it("leaves out an objective that lacks the metric, and is n/a when fewer than two have it", () => {
    const pairs = objectivePairs(three).map(([a, b]) => ({ first: a.name, second: b.name, difference: null, winner: "n/a", rule: "x" }));
    expect(overallWinner(f1, three, [true, false, false], pairs)).toEqual({ winner: "n/a", rule: "defined for the soft span loss only" });
    const crfOnly = { definedFor: (run: Pick<RunResult, "evaluation">) => (run as unknown as { own?: boolean }).own === true };
    const own = (values: number[]) => values.map((v) => ({ own: true, headline: { f1_native: v } }) as unknown as RunResult);
    const m = compareMetric({ ...f1, ...crfOnly }, three, [runs(SOFT), own(CRF), own(SEGMENT)], new Rng(7), 500);
    expect(m.byObjective[soft]).toBeNull();
    expect(m.winner).toBe(crf);
    expect(m.rule).toMatch(/^defined for the CRF and the segment CRF only; the CRF beats every other objective/);
  });

  it("is, with two objectives, the pair's winner and rule word for word", () => {
    const two = three.slice(0, 2);
    for (const [a, b] of [
      [SOFT, CRF],
      [CRF, SOFT],
      [SOFT, NEAR_SOFT],
    ] as const) {
      const m = compareMetric(f1, two, [runs(a), runs(b)], new Rng(7), 500);
      expect(m.pairs).toHaveLength(1);
      expect(m.winner).toBe(m.pairs[0]!.winner);
      expect(m.rule).toBe(m.pairs[0]!.rule);
      expect(m.difference).toEqual(m.pairs[0]!.difference);
    }
    expect(compareMetric(f1, two, [runs(SOFT), runs(CRF)], new Rng(7), 500).rule).toMatch(
      /^the 95% interval of soft − CRF \[.*\] excludes 0; higher is better$/,
    );
    expect(
      recommend([compareMetric(f1, two, [runs(SOFT), runs(CRF)], new Rng(7), 500), compareMetric(iou, two, [runs(SOFT), runs(CRF)], new Rng(7), 500)], 5, two)
        .headline,
    ).toBe("Ship the soft span loss: it wins on span F1 across 5 paired seeds (interval excludes 0).");
  });
});

describe("readiness and sensitivity winners over three objectives", () => {
  it("names the one ready objective only when every other is not ready", () => {
    expect(readinessWinner(three, ["ready", "not ready", "not ready"])).toBe(soft);
    expect(readinessWinner(three, ["not ready", "ready", "not established"])).toBe("not established");
    expect(readinessWinner(three, ["ready", "ready", "not ready"])).toBe("not established");
    expect(readinessWinner(three, ["ready", "ready", "ready"])).toBe("n/a");
    expect(readinessWinner(three.slice(0, 2), ["not ready", "ready"])).toBe(crf);
  });

  it("gives a sensitivity point every pair and the winner whose intervals all exclude 0", () => {
    // One seed, 40 windows: soft finds every in-span bar, the CRF half of them, the segment CRF none.
    const windows = 40;
    const counts = (tp: number, fn: number) => [
      { truePositives: new Array(windows).fill(tp), falsePositives: new Array(windows).fill(0), falseNegatives: new Array(windows).fill(fn) },
    ];
    const point = sensitivityPoint(
      {
        axis: "pos_weight",
        setting: "1",
        main: false,
        posWeight: 1,
        epochs: 2,
        counts: { [soft]: counts(4, 0), [crf]: counts(2, 2), [segment]: counts(0, 4) } as never,
        runDirectories: [],
        classAccuracy: {},
        majorityAccuracy: 0.5,
      },
      [soft, crf, segment],
      new Rng(3),
      200,
    );
    expect(point.pairs.map((p) => [p.first, p.second])).toEqual([
      [soft, crf],
      [soft, segment],
      [crf, segment],
    ]);
    // F1: soft 1, CRF 2·2/(2·2 + 2) = 2/3, segment CRF 0.
    expect(point.f1[crf]!.mean).toBeCloseTo(2 / 3, 12);
    expect(point.pairs[1]!.mean).toBe(1);
    expect(point.winner).toBe(soft);
    expect(point.difference).toEqual({ mean: point.pairs[0]!.mean, low: point.pairs[0]!.low, high: point.pairs[0]!.high });
  });
});

describe("a comparison.json written before every pair was kept", () => {
  it("reads its one pair from difference, winner and rule", () => {
    const difference = { mean: 0.1, low: 0.05, high: 0.15, established: true };
    const old = {
      protocol: { objectives: [soft, crf] },
      objectives: three.slice(0, 2),
      metrics: [{ key: "f1_native", difference, winner: soft, rule: "r" }],
      sensitivity: { points: [{ difference: { mean: 0.1, low: 0.0, high: 0.2 } }] },
    } as unknown as ComparisonResult;
    const read = withPairs(old);
    expect(read.metrics[0]!.pairs).toEqual([{ first: soft, second: crf, difference, winner: soft, rule: "r" }]);
    expect(read.sensitivity!.points[0]!.pairs).toEqual([{ first: soft, second: crf, mean: 0.1, low: 0.0, high: 0.2 }]);
    // A model that has them is left as it is.
    expect(withPairs(read).metrics[0]!.pairs).toBe(read.metrics[0]!.pairs);
  });
});

describe("which objectives a comparison takes", () => {
  it("takes two or more different registered objectives, in the order given, and refuses the rest by name", () => {
    // The default: every registered objective, in registry order.
    expect(comparedObjectives(undefined)).toEqual(["soft", "crf", "segment_crf"]);
    expect(comparedObjectives(["segment_crf", "soft", "crf"])).toEqual(["segment_crf", "soft", "crf"]);
    expect(() => comparedObjectives(["soft"])).toThrow("a comparison needs at least two objectives, got only soft");
    expect(() => comparedObjectives(["soft", "crf", "soft"])).toThrow("a comparison needs different objectives, got soft twice");
    expect(() => comparedObjectives(["soft", "mse"])).toThrow('unknown span objective "mse"; known: soft, crf, segment_crf');
  });

  it("reads a stored protocol of two objectives (as written before) or more, and refuses one or a repeated one", () => {
    const stored = (objectives: unknown) => ({
      spanlab_version: "0",
      data: "/d.parquet",
      data_sha256: "0".repeat(64),
      protocol: {
        objectives,
        seeds: [42],
        epochs: 2,
        batchSize: 8,
        learningRate: 0.001,
        weightDecay: 0.01,
        clipGradNorm: null,
        validationFraction: 0.2,
        minRunLength: 1,
        bootstrapResamples: 200,
        referenceProtocol: false,
        workers: 1,
      },
    });
    expect(storedCompareConfigSchema.safeParse(stored(["soft", "crf"])).success).toBe(true);
    expect(storedCompareConfigSchema.safeParse(stored(["soft", "crf", "segment_crf"])).success).toBe(true);
    expect(storedCompareConfigSchema.safeParse(stored(undefined)).success).toBe(true);
    expect(storedCompareConfigSchema.safeParse(stored(["soft"])).success).toBe(false);
    expect(storedCompareConfigSchema.safeParse(stored(["soft", "soft"])).success).toBe(false);
  });
});
