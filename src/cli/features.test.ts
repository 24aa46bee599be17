import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { writeWindows } from "../data/load.js";
import type { Bar, Window } from "../data/window.js";
import { computeRelativityFeatures } from "../features/index.js";
import { featureFile } from "./features.js";

function window(id: string, drift: number): Window {
  const features: Bar[] = [];
  let close = 100;
  for (let t = 0; t < 105; t++) {
    const open = close;
    close = open + drift * Math.sin(t / 3);
    features.push([open, Math.max(open, close) + 0.5, Math.min(open, close) - 0.25, close]);
  }
  return { window_id: id, base_window_id: id, label: "consolidation", expansion_start: 50, expansion_end: 55, features };
}

describe("spanlab features", () => {
  it("writes the tensor of every window in file order, with names and shape", async () => {
    const dir = mkdtempSync(join(tmpdir(), "spanlab-features-"));
    const path = join(dir, "w.jsonl");
    const windows = [window("a", 1), window("b", 2)];
    writeWindows(path, windows);
    const file = await featureFile(path);
    expect(file.shape).toEqual([2, 105, 12]);
    expect(file.window_ids).toEqual(["a", "b"]);
    expect(file.feature_names[5]).toBe("range_z");
    const expected = computeRelativityFeatures(windows[1]!.features);
    expect(file.features[1]![60]).toEqual(Array.from(expected.subarray(60 * 12, 61 * 12)));
    const withPosition = await featureFile(path, { position: true });
    expect(withPosition.shape).toEqual([2, 105, 13]);
    expect(withPosition.features[0]![104]![12]).toBe(1);
  });
});
