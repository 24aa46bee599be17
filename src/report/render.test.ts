/**
 * Rendering: fonts found and measured, warnings collected rather than printed, byte-identical output for
 * the same spec (including vega's clip-path ids), PNG at 2× the SVG, and writePlot's three files.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Resvg } from "@resvg/resvg-js";
import { afterAll, describe, expect, it } from "vitest";
import type { TopLevelSpec } from "vega-lite";
import {
  compileVegaLite,
  FONT_PACKAGE,
  FontMetrics,
  MISSING_FONT_WARNING,
  PNG_SCALE,
  renderVegaLite,
  reportFontFiles,
  withReportFont,
  writePlot,
} from "./render.js";

const fonts = reportFontFiles();
const haveFontFile = fonts.regular !== null;

function pngSize(png: Uint8Array): { width: number; height: number } {
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  return { width: view.getUint32(16), height: view.getUint32(20) };
}

function svgSize(svg: string): { width: number; height: number } {
  const match = /<svg[^>]* width="(\d+(?:\.\d+)?)" height="(\d+(?:\.\d+)?)"/.exec(svg);
  if (!match) throw new Error("SVG has no width/height");
  return { width: Number(match[1]), height: Number(match[2]) };
}

/** A small chart whose lines are clipped, so vega emits clip-path ids. */
function clippedSpec(title: string, values: { x: number; y: number }[]): TopLevelSpec {
  return {
    title,
    width: 200,
    height: 100,
    data: { values },
    mark: { type: "line", clip: true },
    encoding: {
      x: { field: "x", type: "quantitative", scale: { domain: [0, 5] } },
      y: { field: "y", type: "quantitative", scale: { domain: [0, 5] } },
    },
  };
}

const points = [
  { x: 0, y: 1 },
  { x: 3, y: 9 },
  { x: 6, y: 2 },
];

describe("reportFontFiles", () => {
  it(`finds DejaVu Sans (npm package ${FONT_PACKAGE}, else the system's copy)`, () => {
    // Without it the PNGs depend on the machine's fonts, or have no text at all on a machine without fonts.
    expect(fonts.source, MISSING_FONT_WARNING).not.toBe("system-any");
  });

  it("names a family, and files that exist when it found DejaVu Sans", () => {
    expect(fonts.family.length).toBeGreaterThan(0);
    if (fonts.source === "system-any") {
      expect(fonts.regular).toBeNull();
    } else {
      expect(fonts.family).toBe("DejaVu Sans");
      expect(readFileSync(fonts.regular!).subarray(0, 4)).toEqual(Buffer.from([0, 1, 0, 0]));
    }
    expect(reportFontFiles()).toBe(fonts);
  });

  it("is written into the spec's config without touching the builder's object", () => {
    const spec = clippedSpec("t", points);
    const withFont = withReportFont(spec);
    expect((withFont.config as { font?: string }).font).toBe(fonts.family);
    expect(spec.config).toBeUndefined();
  });
});

describe.skipIf(!haveFontFile)("FontMetrics", () => {
  const regular = haveFontFile ? new FontMetrics(readFileSync(fonts.regular!)) : null;

  it("measures advance widths proportional to size, wide glyphs wider than narrow ones", () => {
    expect(regular!.width("", 12)).toBe(0);
    expect(regular!.width("Loss", 24)).toBeCloseTo(2 * regular!.width("Loss", 12), 9);
    expect(regular!.width("WWW", 11)).toBeGreaterThan(regular!.width("iii", 11) * 2);
    // DejaVu Sans digits are 0.636 em wide.
    expect(regular!.width("0", 1000)).toBeCloseTo(636, 0);
  });

  it("agrees with resvg's layout of the same text within 3%", () => {
    const text = "Span F1 against the decision threshold (σ, p ≥ 0.5)";
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="900" height="40"><text x="0" y="30" font-family="${fonts.family}" font-size="14">${text}</text></svg>`;
    const box = new Resvg(svg, { font: { fontFiles: [fonts.regular!], loadSystemFonts: false, defaultFontFamily: fonts.family } }).getBBox();
    expect(box).toBeDefined();
    const measured = regular!.width(text, 14);
    expect(Math.abs(measured - box!.width) / measured).toBeLessThan(0.03);
  });
});

describe("compileVegaLite", () => {
  it("collects vega-lite's warnings instead of printing them", () => {
    const spec: TopLevelSpec = {
      data: { values: [{ a: "x", b: 1 }] },
      mark: "line",
      encoding: { x: { field: "b", type: "quantitative" }, y: { field: "b", type: "quantitative" }, opacity: { field: "a", type: "nominal" } },
    };
    const { vega, warnings } = compileVegaLite(spec);
    expect(vega.marks).toBeDefined();
    expect(warnings.some((w) => w.includes("opacity"))).toBe(true);
  });
});

describe("renderVegaLite", () => {
  it("renders SVG with the title and report font, and a PNG at 2× the SVG's size", async () => {
    const { svg, png, warnings } = await renderVegaLite(clippedSpec("A clipped line", points));
    expect(warnings.filter((w) => w !== MISSING_FONT_WARNING)).toEqual([]);
    expect(svg).toContain("A clipped line");
    expect(svg).toContain(`font-family="${fonts.family}"`);
    expect(svg).toMatch(/clip-path="url\(#clip1\)"/);
    expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    const svgDims = svgSize(svg);
    expect(pngSize(png)).toEqual({ width: Math.round(svgDims.width * PNG_SCALE), height: Math.round(svgDims.height * PNG_SCALE) });
  });

  it("is byte-identical for the same spec, clip ids included, and differs for different data", async () => {
    const first = await renderVegaLite(clippedSpec("Determinism", points));
    const second = await renderVegaLite(clippedSpec("Determinism", points));
    expect(second.svg).toBe(first.svg);
    expect(Buffer.from(second.png).equals(Buffer.from(first.png))).toBe(true);
    const other = await renderVegaLite(clippedSpec("Determinism", [...points, { x: 4, y: 4 }]));
    expect(other.svg).not.toBe(first.svg);
    expect(Buffer.from(other.png).equals(Buffer.from(first.png))).toBe(false);
  });

  it("refuses data that is not inline", async () => {
    const spec: TopLevelSpec = { data: { url: "data/cars.json" }, mark: "point", encoding: { x: { field: "a", type: "quantitative" } } };
    await expect(renderVegaLite(spec)).rejects.toThrow(/plot data must be inline/);
  });

  it("leaves the caller's spec and data untouched", async () => {
    const values = points.map((p) => ({ ...p }));
    const spec = clippedSpec("Untouched", values);
    const before = JSON.stringify(spec);
    await renderVegaLite(spec);
    expect(JSON.stringify(spec)).toBe(before);
    // vega tags ingested data with symbol-keyed ids; the caller's objects must not get them.
    expect(values.every((v) => Object.getOwnPropertySymbols(v).length === 0)).toBe(true);
  });

  it("draws text glyphs into the PNG (fonts were loaded)", async () => {
    // With no usable font resvg silently drops text, so two titles would rasterise identically.
    const a = await renderVegaLite(clippedSpec("Alpha", points));
    const b = await renderVegaLite(clippedSpec("Omega", points));
    expect(svgSize(a.svg)).toEqual(svgSize(b.svg));
    expect(Buffer.from(a.png).equals(Buffer.from(b.png))).toBe(false);
  });
});

describe("writePlot", () => {
  const folder = mkdtempSync(join(tmpdir(), "spanlab-render-"));
  afterAll(() => rmSync(folder, { recursive: true, force: true }));

  it("writes .svg, .png and .vl.json (data inline, font in config) and no temporary files", async () => {
    const spec = clippedSpec("Written plot", points);
    const files = await writePlot(join(folder, "plots", "line"), spec);
    expect(files.warnings.filter((w) => w !== MISSING_FONT_WARNING)).toEqual([]);
    expect(readdirSync(join(folder, "plots")).sort()).toEqual(["line.png", "line.svg", "line.vl.json"]);
    const written = JSON.parse(readFileSync(files.spec, "utf8"));
    expect(written.data.values).toEqual(points);
    expect(written.config.font).toBe(fonts.family);
    expect(readFileSync(files.svg, "utf8")).toContain("Written plot");
    const rendered = await renderVegaLite(spec);
    expect(readFileSync(files.png).equals(Buffer.from(rendered.png))).toBe(true);
  });
});
