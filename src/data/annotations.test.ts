import { afterAll, describe, expect, it } from "vitest";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AnnotationsError, describeAnnotations, readAnnotations } from "./annotations.js";
import type { Problem } from "./validate.js";

const FIXTURES = join(import.meta.dirname, "../../test/fixtures/bars");
const fixture = (name: string): string => join(FIXTURES, name);
const dir = mkdtempSync(join(tmpdir(), "spanlab-annotations-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let counter = 0;
function write(text: string, extension: string): string {
  const path = join(dir, `events-${counter++}.${extension}`);
  writeFileSync(path, text);
  return path;
}

async function problemsOf(path: string): Promise<Problem[]> {
  try {
    await readAnnotations(path);
  } catch (error) {
    if (error instanceof AnnotationsError) return error.problems;
    throw error;
  }
  throw new Error(`${path} was accepted`);
}

const at = (h: number, m: number): number => Date.UTC(2024, 0, 2, h, m);

describe("readAnnotations", () => {
  it("reads the fixture CSV with its mapping", async () => {
    const set = await readAnnotations(fixture("events.csv"));
    expect(set.events).toEqual([
      { eventId: "a", start: at(11, 50), end: at(11, 59), label: "consolidation", row: 0, line: 2 },
      { eventId: "b", start: at(9, 50), end: at(9, 51), label: "retracement", row: 1, line: 3 },
      { eventId: "c", start: at(12, 50), end: at(13, 19), label: "retracement", row: 2, line: 4 },
      { eventId: "d", start: at(10, 30), end: at(10, 34), label: "consolidation", row: 3, line: 5 },
    ]);
    expect(set.mapping).toEqual({
      columns: { start: "start", end: "end", label: "label", event_id: "event_id" },
      timestampFormat: "ISO-8601 without zone (read as UTC)",
      format: "csv",
    });
    expect(describeAnnotations(set)).toBe(
      [
        `${fixture("events.csv")}: 4 events (csv)`,
        `  columns: start ← "start", end ← "end", label ← "label", event_id ← "event_id"`,
        `  timestamps: ISO-8601 without zone (read as UTC)`,
      ].join("\n"),
    );
  });

  it("reads a JSON array with other spellings, epoch ms numbers and generated ids", async () => {
    const path = write(
      JSON.stringify([
        { Expansion_Start: at(10, 0), expansion_end: at(10, 4), Label: "Retracement" },
        { Expansion_Start: at(11, 0), expansion_end: at(11, 0), Label: "consolidation", note: "one bar" },
      ]),
      "json",
    );
    const set = await readAnnotations(path);
    expect(set.events).toEqual([
      { eventId: "event-0", start: at(10, 0), end: at(10, 4), label: "retracement", row: 0 },
      { eventId: "event-1", start: at(11, 0), end: at(11, 0), label: "consolidation", row: 1 },
    ]);
    expect(set.mapping).toEqual({
      columns: { start: "Expansion_Start", end: "expansion_end", label: "Label" },
      timestampFormat: "epoch milliseconds (detected from magnitude)",
      format: "json",
    });
    expect(describeAnnotations(set)).toContain("(no id column: ids are event-<row>)");
  });

  it("reads JSON Lines with start_time/end_time, zoned ISO and numeric ids, skipping blank lines", async () => {
    const path = write(
      [
        JSON.stringify({ id: 7, start_time: "2024-01-02T11:00:00+01:00", end_time: "2024-01-02T11:03:00+01:00", label: "consolidation" }),
        "",
        JSON.stringify({ id: 8, start_time: "2024-01-02T10:10:00Z", end_time: "2024-01-02T10:12:00Z", label: "retracement" }),
      ].join("\n"),
      "jsonl",
    );
    const set = await readAnnotations(path);
    expect(set.events).toEqual([
      { eventId: "7", start: at(10, 0), end: at(10, 3), label: "consolidation", row: 0, line: 1 },
      { eventId: "8", start: at(10, 10), end: at(10, 12), label: "retracement", row: 1, line: 3 },
    ]);
    expect(set.mapping.timestampFormat).toBe("ISO-8601 with zone (converted to UTC)");
  });

  it("end before start", async () => {
    expect(await problemsOf(fixture("events_end_before_start.csv"))).toEqual([
      {
        file: fixture("events_end_before_start.csv"),
        row: 1,
        line: 3,
        field: "end",
        value: "2024-01-02T10:10:00Z",
        expected: "an end ≥ the start 2024-01-02T10:20:00Z (the span is inclusive: start ≤ end)",
      },
    ]);
  });

  it("unknown label", async () => {
    expect(await problemsOf(fixture("events_unknown_label.csv"))).toEqual([
      { file: fixture("events_unknown_label.csv"), row: 1, line: 3, field: "label", value: '"breakout"', expected: 'one of "consolidation", "retracement"' },
    ]);
  });

  it("duplicate event ids (begin/stop/id spellings)", async () => {
    expect(await problemsOf(fixture("events_duplicate_id.csv"))).toEqual([
      { file: fixture("events_duplicate_id.csv"), row: 1, line: 3, field: "id", value: '"x"', expected: "a unique event id (row 0 has the same id)" },
    ]);
  });

  it("lists every problem: unparseable timestamps, missing values, bad JSON lines", async () => {
    const path = write(
      [
        JSON.stringify({ event_id: "p", start: "noon", end: "2024-01-02T10:00:00Z", label: "consolidation" }),
        "{not json",
        JSON.stringify({ event_id: "", start: "2024-01-02T10:00:00Z", end: "2024-01-02T10:01:00Z" }),
        JSON.stringify([1, 2]),
      ].join("\n"),
      "ndjson",
    );
    const problems = await problemsOf(path);
    expect(problems.map(({ row, line, field, value }) => ({ row, line, field, value }))).toEqual([
      { row: 0, line: 1, field: "start", value: '"noon"' },
      { row: 1, line: 2, field: "(row)", value: "unreadable JSON" },
      { row: 2, line: 3, field: "label", value: "(missing)" },
      { row: 2, line: 3, field: "event_id", value: '""' },
      { row: 3, line: 4, field: "(row)", value: "[1,2]" },
    ]);
    expect(problems[1]!.expected).toMatch(/^a JSON object \(/);
    expect(problems[0]!.expected).toMatch(/^a timestamp: ISO-8601/);
  });

  it("missing columns name the columns found; bad files are clear errors", async () => {
    const problems = await problemsOf(write("when,label\n2024-01-02 10:00:00,consolidation\n", "csv"));
    expect(problems.map((p) => [p.row, p.field, p.expected])).toEqual([
      [-1, "start", 'a column named start|start_time|expansion_start|begin (any case); columns found: "when", "label"'],
      [-1, "end", 'a column named end|end_time|expansion_end|stop (any case); columns found: "when", "label"'],
    ]);
    await expect(readAnnotations(write("{}", "json"))).rejects.toThrow(/expected a JSON array of objects/);
    await expect(readAnnotations(write("[", "json"))).rejects.toThrow(/not valid JSON/);
    await expect(readAnnotations(write("", "yaml"))).rejects.toThrow(/unknown annotations file extension ".yaml"/);
    await expect(readAnnotations(join(dir, "absent.csv"))).rejects.toThrow(/no such file/);
    expect((await problemsOf(write("start,end,label\n", "csv")))[0]).toMatchObject({ field: "(rows)", value: "0 rows" });
  });
});
