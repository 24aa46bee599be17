/**
 * The import rule of docs/architecture.md: data flows one way, so a module imports only from its own
 * layer or an earlier one. This test reads every source file's imports and fails on an edge against the
 * flow, naming the file, the import and both layers.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const source = join(root, "src");

/** Layers in the order data flows; `util` is below everything, the entry point above everything. */
const LAYERS = ["util", "data", "features", "nn", "model", "eval", "train", "predict", "compare", "report", "app", "view", "queue", "cli", "index.ts"] as const;

function layerOf(file: string): string {
  const first = relative(source, file).split(/[\\/]/)[0]!;
  return first;
}

function sourceFiles(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith(".ts") && !entry.name.endsWith(".test.ts") ? [path] : [];
  });
}

/** Relative module specifiers of a file (value and type imports, re-exports, dynamic imports). */
function importsOf(text: string): string[] {
  const found: string[] = [];
  for (const match of text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+"(\.[^"]+)"/g)) found.push(match[1]!);
  for (const match of text.matchAll(/import\(\s*"(\.[^"]+)"\s*\)/g)) found.push(match[1]!);
  return found;
}

describe("the import graph", () => {
  const files = sourceFiles(source);

  it("puts every source file in a known layer", () => {
    for (const file of files) expect(LAYERS as readonly string[], relative(root, file)).toContain(layerOf(file));
  });

  it("has no edge from a layer to a later one", () => {
    const against: string[] = [];
    for (const file of files) {
      const from = LAYERS.indexOf(layerOf(file) as (typeof LAYERS)[number]);
      for (const specifier of importsOf(readFileSync(file, "utf8"))) {
        const target = resolve(dirname(file), specifier);
        const to = LAYERS.indexOf(layerOf(target) as (typeof LAYERS)[number]);
        if (to > from) against.push(`${relative(root, file)} imports ${specifier} (${LAYERS[from]} → ${LAYERS[to]})`);
      }
    }
    expect(against).toEqual([]);
  });

  it("reads imports the way the rule needs", () => {
    const text =
      'import { a } from "../compare/x.js";\nimport type { B } from "./y.js";\nexport { c } from "../report/z.js";\nconst m = await import("../cli/w.js");';
    expect(importsOf(text)).toEqual(["../compare/x.js", "./y.js", "../report/z.js", "../cli/w.js"]);
  });
});
