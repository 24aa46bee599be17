/** Annotated events on bars: exact bar times, times inside a bar (snapped), and times on no bar, reported. */
import { describe, expect, it } from "vitest";
import type { AnnotatedEvent } from "../data/annotations.js";
import { eventsOnBars } from "./event_bars.js";

const MINUTE = 60_000;
const T0 = Date.UTC(2024, 0, 2, 9, 30);
// Bars at minutes 0–9 and 20–29 (a 10-minute break).
const timestamps = Float64Array.from([
  ...Array.from({ length: 10 }, (_, i) => T0 + i * MINUTE),
  ...Array.from({ length: 10 }, (_, i) => T0 + (20 + i) * MINUTE),
]);
const event = (eventId: string, start: number, end: number, row: number): AnnotatedEvent => ({
  eventId,
  start: T0 + start * MINUTE,
  end: T0 + end * MINUTE,
  label: "consolidation",
  row,
});

describe("eventsOnBars", () => {
  it("places events on the bars holding their times and reports those on no bar", () => {
    const placement = eventsOnBars(timestamps, MINUTE, [
      event("a", 2, 4, 0),
      event("b", 3.5, 21, 1),
      event("c", 12, 22, 2),
      event("d", -1, 3, 3),
      event("e", 25, 31, 4),
    ]);
    expect(placement.placed.map(({ eventId, start, end }) => [eventId, start, end])).toEqual([
      ["a", 2, 4],
      ["b", 3, 11],
    ]);
    expect(placement.snapped).toBe(1);
    expect(placement.unplaced.map((u) => [u.eventId, u.row])).toEqual([
      ["c", 2],
      ["d", 3],
      ["e", 4],
    ]);
    expect(placement.unplaced[0]!.reason).toBe(
      "start 2024-01-02T09:42:00Z falls in a break between bar 9 (2024-01-02T09:39:00Z) and bar 10 (2024-01-02T09:50:00Z)",
    );
    expect(placement.unplaced[1]!.reason).toMatch(/^start 2024-01-02T09:29:00Z is before the first bar/);
    expect(placement.unplaced[2]!.reason).toMatch(/^end 2024-01-02T10:01:00Z is after the last bar/);
  });
});
