/**
 * Label review's write through the server (docs/spec.md §14): edits POSTed on an annotations file or a window
 * file become a new `<name>.reviewed-<stamp>.csv` that the library's events reader — and `data windows
 * --annotations` — read with the edited events, and one `<name>.review-log.jsonl` line per edit; the
 * original stays byte-identical, and a refused request writes nothing.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readAnnotations } from "../../data/annotations.js";
import { loadWindows } from "../../data/load.js";
import { runCli } from "../../../test/helpers/cli.js";
import { BARS_FIXTURES, testServer } from "../../../test/helpers/view_fixture.js";
import type { CatalogItem } from "./catalog.js";
import { type ReviewLogLine, type ReviewWritten, reviewStamp } from "./label_review.js";
import type { ViewServer } from "./server.js";

const dir = mkdtempSync(join(tmpdir(), "spanlab-view-review-"));
const root = join(dir, "root");
const barsDir = join(root, "bars");
let server: ViewServer;

beforeAll(async () => {
  mkdirSync(barsDir, { recursive: true });
  for (const name of ["fx_30m.csv", "fx_30m_events.jsonl", "equity_daily.csv", "equity_daily_events.csv"])
    copyFileSync(join(BARS_FIXTURES, name), join(barsDir, name));
  const cut = await runCli([
    "data",
    "windows",
    "--bars",
    join(barsDir, "fx_30m.csv"),
    "--annotations",
    join(barsDir, "fx_30m_events.jsonl"),
    "--out",
    join(root, "fx_windows.jsonl"),
  ]);
  expect(cut.exitCode).toBe(0);
  server = await testServer([root]);
});
afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function idOf(path: string): Promise<string> {
  const { items } = (await (await fetch(`${server.url}api/catalog`)).json()) as { items: CatalogItem[] };
  return items.find((i) => i.path === path)!.id;
}

async function post(path: string, body: unknown): Promise<{ status: number; body: ReviewWritten & { error?: string } }> {
  const response = await fetch(`${server.url}api/annotations?id=${await idOf(path)}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as ReviewWritten & { error?: string } };
}

const logLines = (name: string): ReviewLogLine[] =>
  readFileSync(join(barsDir, name), "utf8")
    .trimEnd()
    .split("\n")
    .map((line) => JSON.parse(line) as ReviewLogLine);

describe("POST /api/annotations", () => {
  it("writes the edited events as a new reviewed file the events reader and data windows read, logs each edit, and leaves the original as it was", async () => {
    const edits = [
      { action: "accept", event: "fx-1" },
      { action: "adjust", event: "fx-2", start: "2024-01-11T15:30:00Z", end: "2024-01-11T20:00:00Z" },
      { action: "relabel", event: "fx-3", label: "Retracement" },
      { action: "delete", event: "fx-4" },
      { action: "add", start: "2024-01-17T10:00:00Z", end: "2024-01-17T12:00:00Z", label: "consolidation" },
    ];
    const before = await readAnnotations(join(barsDir, "fx_30m_events.jsonl"));
    const { status, body } = await post("bars/fx_30m_events.jsonl", { edits });
    expect(status).toBe(201);
    expect(body.reviewed.path).toMatch(/^bars\/fx_30m_events\.reviewed-\d{8}T\d{6}\.csv$/);
    expect(body.log.path).toBe("bars/fx_30m_events.review-log.jsonl");
    expect([body.events, body.edits]).toEqual([before.events.length, 5]);

    const reviewed = await readAnnotations(join(root, body.reviewed.path));
    const byId = new Map(reviewed.events.map((e) => [e.eventId, e]));
    const original = new Map(before.events.map((e) => [e.eventId, e]));
    expect(reviewed.events.map((e) => e.eventId)).toEqual([...before.events.map((e) => e.eventId).filter((id) => id !== "fx-4"), "added-1"]);
    expect(byId.get("fx-1")).toMatchObject({ start: original.get("fx-1")!.start, end: original.get("fx-1")!.end, label: original.get("fx-1")!.label });
    expect(byId.get("fx-2")).toMatchObject({
      start: Date.parse("2024-01-11T15:30:00Z"),
      end: Date.parse("2024-01-11T20:00:00Z"),
      label: original.get("fx-2")!.label,
    });
    expect(byId.get("fx-3")!.label).toBe("retracement");
    expect(original.get("fx-3")!.label).toBe("consolidation");
    expect(byId.get("added-1")).toMatchObject({ start: Date.parse("2024-01-17T10:00:00Z"), end: Date.parse("2024-01-17T12:00:00Z"), label: "consolidation" });
    expect(reviewed.timestampConvention).toBe("absolute");
    // What data windows --annotations makes of it: every event placed on the bars.
    const cut = await runCli([
      "data",
      "windows",
      "--bars",
      join(barsDir, "fx_30m.csv"),
      "--annotations",
      join(root, body.reviewed.path),
      "--out",
      join(dir, "re-cut.jsonl"),
    ]);
    expect(cut.exitCode).toBe(0);
    expect(cut.stdout).toContain(`events: ${reviewed.events.length}, accepted: ${reviewed.events.length}, rejected: 0`);

    const log = logLines("fx_30m_events.review-log.jsonl");
    expect(log.map((line) => [line.action, line.event])).toEqual([
      ["accept", "fx-1"],
      ["adjust", "fx-2"],
      ["relabel", "fx-3"],
      ["delete", "fx-4"],
      ["add", "added-1"],
    ]);
    expect(log[1]!.from).toMatchObject({ event_id: "fx-2", start: new Date(original.get("fx-2")!.start).toISOString().replace(".000Z", "Z") });
    expect(log[1]!.to).toMatchObject({ event_id: "fx-2", start: "2024-01-11T15:30:00Z", end: "2024-01-11T20:00:00Z" });
    expect([log[3]!.to, log[4]!.from]).toEqual([null, null]);
    expect(log[0]!.from).toEqual(log[0]!.to);
    for (const line of log) {
      expect(Object.keys(line).sort()).toEqual(["action", "event", "file", "from", "time", "to", "window"]);
      expect(line.window).toBeNull();
      expect(line.file).toBe(body.reviewed.path.slice("bars/".length));
      expect(Date.parse(line.time)).toBeGreaterThan(Date.parse("2024-01-01"));
    }
    expect(readFileSync(join(barsDir, "fx_30m_events.jsonl"))).toEqual(readFileSync(join(BARS_FIXTURES, "fx_30m_events.jsonl")));
    // The new file is an item of its own, read back as events.
    const events = (await (await fetch(`${server.url}api/annotations?id=${body.reviewed.id}`)).json()) as { events: { event_id: string }[] };
    expect(events.events.map((e) => e.event_id)).toEqual(reviewed.events.map((e) => e.eventId));
  });

  it("never overwrites: a second review is another file, a review of a reviewed file keeps the name and the log, and the log grows", async () => {
    const first = await post("bars/fx_30m_events.jsonl", { edits: [{ action: "relabel", event: "fx-1", label: "retracement" }] });
    const second = await post("bars/fx_30m_events.jsonl", { edits: [{ action: "relabel", event: "fx-1", label: "consolidation" }] });
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.body.reviewed.path).not.toBe(first.body.reviewed.path);
    const firstText = readFileSync(join(root, first.body.reviewed.path), "utf8");
    expect((await readAnnotations(join(root, first.body.reviewed.path))).events[0]!.label).toBe("retracement");
    const chained = await post(first.body.reviewed.path, {
      edits: [
        { action: "delete", event: "fx-2" },
        { action: "accept", event: "fx-3" },
      ],
    });
    expect(chained.status).toBe(201);
    expect(chained.body.reviewed.path).toMatch(/^bars\/fx_30m_events\.reviewed-\d{8}T\d{6}(-\d+)?\.csv$/);
    expect((await readAnnotations(join(root, chained.body.reviewed.path))).events.map((e) => e.eventId)).not.toContain("fx-2");
    expect(readFileSync(join(root, first.body.reviewed.path), "utf8")).toBe(firstText);
    expect(logLines("fx_30m_events.review-log.jsonl").map((l) => l.action)).toEqual([
      "accept",
      "adjust",
      "relabel",
      "delete",
      "add",
      "relabel",
      "relabel",
      "delete",
      "accept",
    ]);
    expect(readdirSync(barsDir).filter((name) => name.startsWith("."))).toEqual([]);
  });

  it("keeps a naive file naive: times written without a zone, read back as the same wall times", async () => {
    const before = await readAnnotations(join(barsDir, "equity_daily_events.csv"));
    const { status, body } = await post("bars/equity_daily_events.csv", { edits: [{ action: "relabel", event: "eq-1", label: "retracement" }] });
    expect(status).toBe(201);
    const text = readFileSync(join(root, body.reviewed.path), "utf8");
    expect(text.split("\n")[0]).toBe("event_id,start,end,label");
    expect(text.split("\n")[1]).toBe("eq-1,2023-01-27T00:00:00,2023-02-02T00:00:00,retracement");
    const after = await readAnnotations(join(root, body.reviewed.path));
    expect(after.timestampConvention).toBe("naive");
    expect(after.events.map((e) => [e.eventId, e.start, e.end])).toEqual(before.events.map((e) => [e.eventId, e.start, e.end]));
    expect(after.events.slice(1).map((e) => e.label)).toEqual(before.events.slice(1).map((e) => e.label));
  });

  it("edits a window file's events by window and bar: the new span's times are the window's bar times", async () => {
    const windows = await loadWindows(join(root, "fx_windows.jsonl"));
    const target = windows[4]!;
    const { status, body } = await post("fx_windows.jsonl", {
      edits: [
        { action: "adjust", window: target.window_id, startBar: 10, endBar: 30 },
        { action: "relabel", window: windows[0]!.window_id, label: "retracement" },
      ],
    });
    expect(status).toBe(201);
    expect(body.reviewed.path).toMatch(/^fx_windows\.reviewed-\d{8}T\d{6}\.csv$/);
    const reviewed = await readAnnotations(join(root, body.reviewed.path));
    const events = new Map(reviewed.events.map((e) => [e.eventId, e]));
    expect(reviewed.events).toHaveLength(new Set(windows.map((w) => w.base_window_id)).size);
    expect(events.get(target.base_window_id)).toMatchObject({ start: Date.parse(target.timestamps![10]!), end: Date.parse(target.timestamps![30]!) });
    expect(events.get(windows[0]!.base_window_id)!.label).toBe("retracement");
    const log = JSON.parse(readFileSync(join(root, "fx_windows.review-log.jsonl"), "utf8").split("\n")[0]!) as ReviewLogLine;
    expect([log.action, log.window, log.event]).toEqual(["adjust", target.window_id, target.base_window_id]);
  });

  it("refuses invalid edits with 400 naming the edit and field, and writes nothing", async () => {
    const listing = () => [...readdirSync(barsDir), ...readdirSync(root)].sort();
    const before = listing();
    const cases: [unknown, string][] = [
      [{}, 'the body must be { "edits": [ ... ] }'],
      [{ edits: [] }, "edits is empty; send at least one edit"],
      [{ edits: [{ action: "rename", event: "fx-1" }] }, 'edits[0].action = "rename"; expected one of accept, adjust, relabel, delete, add'],
      [
        { edits: [{ action: "accept", event: "fx-1", colour: "red" }] },
        "edits[0]: unknown field colour; expected action, event, window, start, end, startBar, endBar, label, event_id",
      ],
      [
        {
          edits: [
            { action: "accept", event: "fx-1" },
            { action: "delete", event: "nope" },
          ],
        },
        'edits[1].event = "nope": no such event',
      ],
      [
        {
          edits: [
            { action: "delete", event: "fx-1" },
            { action: "accept", event: "fx-1" },
          ],
        },
        'edits[1].event = "fx-1": no such event (deleted by an earlier edit)',
      ],
      [
        { edits: [{ action: "adjust", event: "fx-1", start: "2024-01-12T00:00:00Z", end: "2024-01-11T00:00:00Z" }] },
        "edits[0]: end 2024-01-11T00:00:00Z is before start 2024-01-12T00:00:00Z",
      ],
      [
        { edits: [{ action: "adjust", event: "fx-1", start: "yesterday" }] },
        'edits[0].start = "yesterday"; expected an ISO-8601 time such as 2024-01-02T03:04:00Z',
      ],
      [{ edits: [{ action: "relabel", event: "fx-1", label: "breakout" }] }, 'edits[0].label = "breakout"; expected one of consolidation, retracement'],
      [{ edits: [{ action: "adjust", event: "fx-1", startBar: 3 }] }, "edits[0].startBar needs a window of a window file (field window) to place the bar"],
      [{ edits: [{ action: "adjust", event: "fx-1", startBar: 105 }] }, "edits[0].startBar = 105; expected a bar of the window, an integer in [0, 104]"],
      [
        { edits: [{ action: "add", start: "2024-01-17T10:00:00Z", label: "consolidation" }] },
        "edits[0]: add needs start and end (or startBar and endBar) and label",
      ],
      [
        { edits: [{ action: "add", event_id: "fx-1", start: "2024-01-17T10:00:00Z", end: "2024-01-17T11:00:00Z", label: "consolidation" }] },
        'edits[0].event_id = "fx-1" is taken by another event',
      ],
      [{ edits: [{ action: "accept" }] }, "edits[0]: accept needs event (an event_id)"],
      [{ edits: "all" }, 'the body must be { "edits": [ ... ] }'],
    ];
    for (const [body, message] of cases) {
      const response = await post("bars/fx_30m_events.jsonl", body);
      expect([response.status, response.body.error], JSON.stringify(body)).toEqual([400, message]);
    }
    const events = await readAnnotations(join(barsDir, "fx_30m_events.jsonl"));
    const deleteAll = await post("bars/fx_30m_events.jsonl", { edits: events.events.map((e) => ({ action: "delete", event: e.eventId })) });
    expect([deleteAll.status, deleteAll.body.error]).toEqual([400, "these edits delete every event; an annotations file needs at least one"]);
    const badWindow = await post("fx_windows.jsonl", { edits: [{ action: "accept", window: "no-such-window" }] });
    expect([badWindow.status, badWindow.body.error]).toEqual([400, 'edits[0].window = "no-such-window": no such window in the file']);
    const notEvents = await post("bars/fx_30m.csv", { edits: [{ action: "accept", event: "fx-1" }] });
    expect(notEvents.status).toBe(400);
    expect(listing()).toEqual(before);
  });

  it("stamps reviewed files in UTC, to the second", () => {
    expect(reviewStamp(new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 678)))).toBe("20240102T030405");
  });
});
