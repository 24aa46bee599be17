import { describe, expect, it } from "vitest";
import { BatchBuffer, inSpanMarks, windowTensors } from "./dataset.js";
import { allPositiveScores } from "../eval/threshold.js";
import { makeWindow } from "../../test/fixtures/data/windows.js";
import { JadeCompact } from "../model/jade_compact.js";
import { SPAN_OBJECTIVES, spanHead } from "../model/heads/registry.js";
import { Rng } from "../util/rng.js";

describe("windowTensors: the per-bar targets mark every annotated span", () => {
  it("marks the listed spans (or the primary one), and batches carry them beside the primary span", () => {
    const listed = makeWindow(0, { spans: true });
    const plain = makeWindow(1);
    expect(listed.spans!.length).toBe(2);
    const data = windowTensors([listed, plain]);
    const marks = inSpanMarks([listed, plain]);
    expect(data.inSpan).toEqual(marks);
    const row = (w: number) => Array.from(data.inSpan.subarray(w * 105, (w + 1) * 105));
    const expected = (spans: readonly (readonly [number, number])[]) =>
      Array.from({ length: 105 }, (_, t) => (spans.some(([a, b]) => t >= a && t <= b) ? 1 : 0));
    expect(row(0)).toEqual(expected(listed.spans!));
    expect(row(1)).toEqual(expected([[plain.expansion_start, plain.expansion_end]]));
    expect(data.spans[0]).toEqual(listed.spans!.map(([start, end]) => ({ start, end })));

    const batch = new BatchBuffer(data, 2).gather([1, 0]);
    expect(Array.from(batch.targets.inSpan.subarray(105))).toEqual(row(0));
    expect(Array.from(batch.targets.spanStart)).toEqual([plain.expansion_start, listed.expansion_start]);
  });

  it("counts overlapping spans' bars once in the per-bar baselines", () => {
    const truth = [
      [
        { start: 0, end: 1 },
        { start: 1, end: 3 },
      ],
    ];
    expect(allPositiveScores(truth, 6).nTrue).toBe(4);
  });
});

describe("the span heads train on every annotated bar", () => {
  it.each(SPAN_OBJECTIVES)("%s: the span loss follows the in-span marks; the other tasks keep the primary span", (loss) => {
    const bars = 7;
    const model = new JadeCompact({ head: spanHead(loss), dims: { features: 3, hidden: 5, projection: 4, classes: 3 }, bars, maxBatch: 2, posWeight: 1 });
    const rng = new Rng(3);
    model.initialise(rng);
    const features = Float32Array.from({ length: 2 * bars * 3 }, () => rng.normal());
    const targets = { spanStart: [1, 4], spanEnd: [2, 5], label: [0, 1] };
    const lossOf = (inSpan?: Uint8Array) => {
      model.forward(features, 2, { training: false });
      return model.computeLoss(inSpan === undefined ? targets : { ...targets, inSpan }, { gradients: false });
    };
    const primaryOnly = Uint8Array.from([0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0]);
    const withOther = Uint8Array.from([0, 1, 1, 0, 1, 1, 0, 0, 0, 0, 0, 1, 1, 0]);
    expect(lossOf(primaryOnly)).toEqual(lossOf());
    const other = lossOf(withOther);
    expect(other.span).not.toBe(lossOf().span);
    expect([other.type, other.pointer, other.countdown]).toEqual([lossOf().type, lossOf().pointer, lossOf().countdown]);
  });
});
