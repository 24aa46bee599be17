import { describe, expect, it } from "vitest";
import { Rng } from "../../util/rng.js";
import type { WindowCounts } from "../evaluate.js";
import { sensitivityAnalysis, sensitivityPoint, type SensitivityInput } from "./sensitivity.js";

const counts = (rows: [number, number, number][]): WindowCounts => ({
  truePositives: Float64Array.from(rows.map((r) => r[0])),
  falsePositives: Float64Array.from(rows.map((r) => r[1])),
  falseNegatives: Float64Array.from(rows.map((r) => r[2])),
});

const objectives = ["soft", "crf"] as const;
const labels = { soft: "soft span loss", crf: "CRF" };

function input(setting: string, soft: WindowCounts, crf: WindowCounts, main = false): SensitivityInput {
  return {
    axis: "pos_weight",
    setting,
    main,
    posWeight: 1,
    epochs: 50,
    counts: { soft: [soft], crf: [crf] },
    runDirectories: [],
    classAccuracy: { soft: 0.6, crf: 0.6 },
    majorityAccuracy: 0.6,
  };
}

describe("sensitivity points", () => {
  it("pools F1 over the windows (hand-computed) and resamples windows with the given generator (replayed by hand)", () => {
    const soft = counts([
      [4, 1, 0],
      [0, 0, 3],
    ]);
    const crf = counts([
      [2, 0, 2],
      [3, 0, 0],
    ]);
    // soft: 2·4 / (2·4 + 1 + 3) = 8/12; crf: 2·5 / (2·5 + 0 + 2) = 10/12.
    const point = sensitivityPoint(input("1", soft, crf), objectives, new Rng(5), 4);
    expect(point.f1.soft!.mean).toBeCloseTo(8 / 12, 12);
    expect(point.f1.crf!.mean).toBeCloseTo(10 / 12, 12);
    expect(point.difference.mean).toBeCloseTo(-2 / 12, 12);
    const replay = new Rng(5);
    const f1 = (c: WindowCounts, pick: number[]) => {
      const [tp, fp, fn] = [c.truePositives, c.falsePositives, c.falseNegatives].map((a) => pick.reduce((s, w) => s + a[w]!, 0));
      return tp! + fp! + fn! === 0 ? 0 : (2 * tp!) / (2 * tp! + fp! + fn!);
    };
    const differences = Array.from({ length: 4 }, () => {
      const pick = [replay.int(2), replay.int(2)];
      return f1(soft, pick) - f1(crf, pick);
    }).sort((a, b) => a - b);
    // Type-7 quantile 0.025 of 4 sorted values: h = 0.075.
    expect(point.difference.low).toBeCloseTo(differences[0]! + 0.075 * (differences[1]! - differences[0]!), 12);
  });

  it("names a winner only when the difference's interval excludes 0, and says whether the verdict holds", () => {
    // 40 windows: the CRF finds every span, the soft head half of them — a clear, resampling-proof gap.
    const many = (rows: [number, number, number]) => counts(Array.from({ length: 40 }, () => rows));
    const strongCrf = input("balanced", many([2, 2, 2]), many([4, 0, 0]), true);
    const closer = input("balanced × 2", many([4, 0, 0]), many([4, 0, 0]));
    const reversed = input("1", many([4, 0, 0]), many([1, 3, 3]));
    const context = { seeds: [42], headlineWinner: "crf" as const, resamples: 200, notRun: [], labels };
    const holds = sensitivityAnalysis([strongCrf], objectives, context)!;
    expect(holds.points[0]!.winner).toBe("crf");
    expect(holds.sentence).toBe("The verdict (CRF ahead on span F1) holds across pos_weight balanced (seed 42, windows resampled).");
    const mixed = sensitivityAnalysis([strongCrf, closer, reversed], objectives, context)!;
    expect(mixed.points.map((p) => [p.winner, p.agrees])).toEqual([
      ["crf", true],
      ["not established", false],
      ["soft", false],
    ]);
    expect(mixed.sentence).toBe(
      "The verdict (CRF ahead on span F1) depends on the settings: it reverses at pos_weight 1 (soft span loss ahead); " +
        "no winner is established at pos_weight balanced × 2; it holds at pos_weight balanced (seed 42, windows resampled).",
    );
    expect(sensitivityAnalysis([], objectives, context)).toBeNull();
    // Undecided headline, one seed: the CRF ahead at every point is said once, and not as a verdict.
    const undecided = sensitivityAnalysis([strongCrf, input("1", many([1, 3, 3]), many([4, 0, 0]))], objectives, {
      ...context,
      headlineWinner: "not established",
    })!;
    expect(undecided.sentence).toBe(
      "The compare names no winner on span F1 across its seeds; on the windows of seed 42 alone the CRF is ahead at every setting tried: " +
        "pos_weight balanced, pos_weight 1 (not a verdict: one seed, windows resampled).",
    );
  });

  it("gives every point its own generator, so adding a point never moves another's interval", () => {
    const a = input(
      "balanced",
      counts([
        [3, 1, 1],
        [0, 2, 1],
        [2, 0, 0],
      ]),
      counts([
        [1, 1, 1],
        [2, 0, 1],
        [0, 1, 2],
      ]),
      true,
    );
    const b = input(
      "1",
      counts([
        [1, 0, 0],
        [1, 1, 1],
        [0, 0, 3],
      ]),
      counts([
        [2, 2, 0],
        [0, 0, 1],
        [1, 0, 0],
      ]),
    );
    const context = { seeds: [42], headlineWinner: "not established" as const, resamples: 300, notRun: [], labels };
    const alone = sensitivityAnalysis([a], objectives, context)!;
    const both = sensitivityAnalysis([a, b], objectives, context)!;
    expect(both.points[0]).toEqual(alone.points[0]);
  });
});
