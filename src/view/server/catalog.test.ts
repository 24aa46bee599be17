import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeWindows } from "../../data/load.js";
import { DEFAULT_SYNTH_PARAMS, synthesizeWindows } from "../../data/synth.js";
import { detectionsCsv } from "../../predict/detections_io.js";
import { Rng } from "../../util/rng.js";
import { Catalog, MAX_CATALOG_ENTRIES, catalogId } from "./catalog.js";

const FIXTURES = join(import.meta.dirname, "../../../test/fixtures/bars");
const dir = mkdtempSync(join(tmpdir(), "spanlab-view-catalog-"));
const root = join(dir, "root");
const outside = join(dir, "outside");

function write(path: string, text: string): void {
  mkdirSync(join(path, ".."), { recursive: true });
  writeFileSync(path, text);
}

beforeAll(() => {
  const windows = synthesizeWindows({ ...DEFAULT_SYNTH_PARAMS, windows: 2 }, new Rng(3));
  mkdirSync(join(root, "bars"), { recursive: true });
  copyFileSync(join(FIXTURES, "fx_30m.csv"), join(root, "bars", "fx_30m.csv"));
  copyFileSync(join(FIXTURES, "futures_1m.csv"), join(root, "bars", "futures_1m.csv"));
  copyFileSync(join(FIXTURES, "futures_1m_events.csv"), join(root, "bars", "futures_1m_events.csv"));
  copyFileSync(join(FIXTURES, "fx_30m_events.jsonl"), join(root, "bars", "fx_30m_events.jsonl"));
  write(
    join(root, "bars", "events.json"),
    JSON.stringify([{ event_id: "a", start: "2024-01-09T04:30:00Z", end: "2024-01-09T08:00:00Z", label: "consolidation" }]),
  );
  writeWindows(join(root, "data", "w.jsonl"), windows);
  writeWindows(join(root, "data", "w.parquet"), windows);
  write(
    join(root, "data", "preds.json"),
    `${JSON.stringify({ checkpoint: "m.safetensors", loss_type: "soft", data: "w.jsonl", decoding: {}, windows: [] })}\n`,
  );
  write(join(root, "scans", "det.csv"), detectionsCsv([]));
  write(
    join(root, "scans", "det.json"),
    `${JSON.stringify({ checkpoint: "m", loss_type: "soft", bars: { source: "bars/fx_30m.csv" }, detections: [] }, null, 1)}\n`,
  );
  // Folders by what they hold.
  write(join(root, "run1", "config.json"), "{}");
  write(join(root, "run1", "metrics.jsonl"), "");
  write(join(root, "cmp", "comparison.json"), "{}");
  write(join(root, "cmp", "runs", "soft-seed42", "config.json"), "{}");
  write(join(root, "cmp", "runs", "soft-seed42", "metrics.jsonl"), "");
  write(join(root, "sw", "sweep.json"), "{}");
  write(join(root, "sw", "configs", "epochs1", "comparison.json"), "{}");
  write(join(root, "sw", "configs", "epochs1", "runs", "crf-seed42", "config.json"), "{}");
  write(join(root, "sw", "configs", "epochs1", "runs", "crf-seed42", "metrics.jsonl"), "");
  // What is none of the kinds, and what is never looked into.
  write(join(root, "README.md"), "# notes\n");
  write(join(root, "notes.csv"), "a,b\n1,2\n");
  write(join(root, "other.json"), '{"x": 1}\n');
  write(join(root, "lonely", "config.json"), "{}");
  copyFileSync(join(FIXTURES, "fx_30m.csv"), join(root, ".hidden-bars.csv"));
  mkdirSync(join(root, "node_modules", "pkg"), { recursive: true });
  copyFileSync(join(FIXTURES, "fx_30m.csv"), join(root, "node_modules", "pkg", "bars.csv"));
  mkdirSync(join(root, ".cache"), { recursive: true });
  copyFileSync(join(FIXTURES, "fx_30m.csv"), join(root, ".cache", "bars.csv"));
  // Links out of the root (and one within it): never followed, never listed.
  mkdirSync(outside, { recursive: true });
  copyFileSync(join(FIXTURES, "fx_30m.csv"), join(outside, "secret_bars.csv"));
  symlinkSync(outside, join(root, "linked-folder"));
  symlinkSync(join(outside, "secret_bars.csv"), join(root, "linked-bars.csv"));
  symlinkSync(join(root, "bars"), join(root, "bars-again"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("the catalog", () => {
  it("classifies folders by what they hold and files by name and first line, with the enclosing comparison or sweep", async () => {
    const catalog = new Catalog([root]);
    const snapshot = await catalog.refresh();
    const listed = snapshot.items.map((item) => [item.path, item.kind]);
    expect(listed).toEqual([
      ["bars/events.json", "annotations"],
      ["bars/futures_1m.csv", "bars"],
      ["bars/futures_1m_events.csv", "annotations"],
      ["bars/fx_30m.csv", "bars"],
      ["bars/fx_30m_events.jsonl", "annotations"],
      ["cmp", "comparison"],
      ["cmp/runs/soft-seed42", "run"],
      ["data/preds.json", "predictions"],
      ["data/w.jsonl", "windows"],
      ["data/w.parquet", "windows"],
      ["run1", "run"],
      ["scans/det.csv", "detections"],
      ["scans/det.json", "detections"],
      ["sw", "sweep"],
      ["sw/configs/epochs1", "comparison"],
      ["sw/configs/epochs1/runs/crf-seed42", "run"],
    ]);
    expect(snapshot.truncated).toBe(false);
    const byPath = new Map(snapshot.items.map((item) => [item.path, item]));
    expect(byPath.get("cmp/runs/soft-seed42")!.parent).toBe(byPath.get("cmp")!.id);
    expect(byPath.get("sw/configs/epochs1")!.parent).toBe(byPath.get("sw")!.id);
    expect(byPath.get("sw/configs/epochs1/runs/crf-seed42")!.parent).toBe(byPath.get("sw/configs/epochs1")!.id);
    expect(byPath.get("run1")!.parent).toBeUndefined();
    expect(byPath.get("bars/fx_30m.csv")!.bytes).toBeGreaterThan(1000);
    // What the heads said about the files they belong with.
    expect(byPath.get("data/preds.json")!.related?.data).toBe("w.jsonl");
    expect(byPath.get("scans/det.json")!.related?.bars).toBe("bars/fx_30m.csv");
    for (const item of snapshot.items) expect(item.root).toBe(catalog.roots[0]);
  });

  it("gives every item a stable URL-safe id: the same in a new catalog, different per item, unknown ids undefined", async () => {
    const first = await new Catalog([root]).refresh();
    const again = new Catalog([root]);
    const second = await again.refresh();
    expect(second.items.map((i) => i.id)).toEqual(first.items.map((i) => i.id));
    for (const item of first.items) {
      expect(item.id).toMatch(/^[0-9a-f]{16}$/);
      expect(item.id).toBe(catalogId(item.root, item.path === "." ? "" : item.path));
    }
    expect(new Set(first.items.map((i) => i.id)).size).toBe(first.items.length);
    expect(await again.find(first.items[0]!.id)).toMatchObject({ path: first.items[0]!.path });
    expect(await again.find("0000000000000000")).toBeUndefined();
    // Links are not followed: what they point at has no id.
    expect(await again.find(catalogId(again.roots[0]!, "linked-folder/secret_bars.csv"))).toBeUndefined();
    expect(await again.find(catalogId(again.roots[0]!, "linked-bars.csv"))).toBeUndefined();
  });

  it("finds a file written after the last walk on the next look-up of its id", async () => {
    const catalog = new Catalog([root]);
    await catalog.refresh();
    copyFileSync(join(FIXTURES, "equity_daily.csv"), join(root, "bars", "equity_daily.csv"));
    const id = catalogId(catalog.roots[0]!, "bars/equity_daily.csv");
    expect((await catalog.find(id))?.kind).toBe("bars");
    rmSync(join(root, "bars", "equity_daily.csv"));
  });

  it("folds a root inside another into it, and refuses a root that is not a folder", () => {
    expect(new Catalog([join(root, "bars"), root]).roots).toEqual(new Catalog([root]).roots);
    expect(() => new Catalog([join(dir, "missing")])).toThrow(`${join(dir, "missing")}: no such folder`);
    expect(() => new Catalog([join(root, "notes.csv")])).toThrow(/notes\.csv: not a folder/);
  });

  it(`looks at no more than ${MAX_CATALOG_ENTRIES} entries and says it stopped`, async () => {
    const many = join(dir, "many");
    mkdirSync(join(many, "a-lots"), { recursive: true });
    for (let i = 0; i < MAX_CATALOG_ENTRIES + 5; i++) writeFileSync(join(many, "a-lots", `f${String(i).padStart(5, "0")}.log`), "");
    mkdirSync(join(many, "z-late"));
    copyFileSync(join(FIXTURES, "fx_30m.csv"), join(many, "z-late", "bars.csv"));
    copyFileSync(join(FIXTURES, "fx_30m.csv"), join(many, "b-early.csv"));
    const snapshot = await new Catalog([many]).refresh();
    expect(snapshot.truncated).toBe(true);
    expect(snapshot.entries).toBe(MAX_CATALOG_ENTRIES);
    expect(snapshot.items.map((i) => i.path)).toEqual(["b-early.csv"]);
    rmSync(join(many, "a-lots"), { recursive: true });
    const complete = await new Catalog([many]).refresh();
    expect(complete.truncated).toBe(false);
    expect(complete.items.map((i) => i.path)).toEqual(["b-early.csv", "z-late/bars.csv"]);
  });
});
