/**
 * evaluateDetections: one column per model mode, the rule and one random detector per mode; the model's
 * figures are src/eval/detections.ts's on the events placed on the bars; the random detector keeps each
 * mode's count; the table prints every figure; events on no bar are left out and said so.
 */
import { describe, expect, it } from "vitest";
import type { AnnotatedEvent } from "../data/annotations.js";
import { scoreDetections } from "../eval/detections.js";
import { evaluateDetections, formatEvaluation } from "./evaluate.js";
import { randomWalkBars } from "./seeded.js";

describe("evaluateDetections", () => {
  const bars = randomWalkBars(3000, 51);
  const at = (i: number) => bars.timestamps[i]!;
  const events: AnnotatedEvent[] = [
    { eventId: "a", start: at(200), end: at(209), label: "consolidation", row: 0 },
    { eventId: "b", start: at(1200), end: at(1204), label: "retracement", row: 1 },
    { eventId: "c", start: at(2500), end: at(2511), label: "consolidation", row: 2 },
    { eventId: "late", start: at(2999) + 3_600_000, end: at(2999) + 7_200_000, label: "consolidation", row: 3 },
  ];
  const hindsight = [
    { start: 201, end: 209, knownAt: 305 },
    { start: 900, end: 905, knownAt: 1000 },
    { start: 2500, end: 2510, knownAt: 2600 },
  ];
  const live = [{ start: 204, end: 212, knownAt: 205 }];

  it("scores the model modes, the rule and the random detectors on the same events", () => {
    const report = evaluateDetections(bars, 60_000, events, { hindsight, live }, { seed: 3, randomDraws: 5 });
    expect(report.rows.map((row) => row.name)).toEqual(["model, hindsight", "model, live", "rule", "random, as hindsight", "random, as live"]);
    expect(report.events).toMatchObject({ total: 4, scored: 3 });
    expect(report.events.unplaced.map((u) => u.eventId)).toEqual(["late"]);
    const placed = [
      { start: 200, end: 209 },
      { start: 1200, end: 1204 },
      { start: 2500, end: 2511 },
    ];
    expect(report.rows[0]!.scores).toEqual(scoreDetections(placed, hindsight, 3000));
    expect(report.rows[0]!.scores).toMatchObject({ matched: 2, falseAlarms: 1 });
    expect(report.rows[1]!.scores.delay.median).toBe(4);
    expect(report.rows[3]!.scores.detections).toBe(3);
    expect(report.rows[4]!.scores.detections).toBe(1);
    expect(report.random).toEqual({ seed: 3, draws: 5 });
    // Seeded: the same figures again.
    expect(evaluateDetections(bars, 60_000, events, { hindsight, live }, { seed: 3, randomDraws: 5 }).rows).toEqual(report.rows);
    const table = formatEvaluation(report);
    expect(table.split("\n")[0]).toBe("evaluation on 3000 bars against 3 annotated event(s) (1 of 4 on no bar, left out)");
    for (const label of [
      "event F1",
      "hit rate, both ends ±3 bars",
      "per-bar F1 (pooled)",
      "range precision (Tatbul, flat)",
      "delay, bars: median",
      "delay, bars: p90",
      "false alarms per 1,000 bars",
    ]) {
      expect(table).toContain(label);
    }
    expect(table).toMatch(/\nevent F1 +0\.667 /);
    expect(table).toContain("left out: event late (row 3): start");
  });

  it("leaves out the live columns when there are no live detections", () => {
    const report = evaluateDetections(bars, 60_000, events, { hindsight, live: null }, { rule: { rangeZThreshold: 2, expansionProxyThreshold: 0.5 } });
    expect(report.rows.map((row) => row.name)).toEqual(["model, hindsight", "rule", "random, as hindsight"]);
    expect(report.rule).toMatchObject({ rangeZThreshold: 2, expansionProxyThreshold: 0.5, source: "given (--rule-thresholds)" });
  });
});
