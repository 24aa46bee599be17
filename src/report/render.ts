/**
 * Renders the analysis bundle's Vega-Lite specs in-process: vega-lite compiles, a headless vega `View`
 * writes SVG, resvg rasterises it to PNG. No browser, no canvas package, no network.
 *
 * Three things make the output byte-identical for the same spec and data on a given machine:
 *  - fonts come from explicit files ({@link reportFontFiles}) and resvg loads nothing else, so the PNG
 *    does not depend on which fonts the machine happens to have;
 *  - text is measured from those same font files (vega would otherwise use node-canvas if someone
 *    installed it, or a crude 0.8·size-per-character estimate), so layout matches what resvg draws;
 *  - vega's SVG clip-path/gradient ids come from module-level counters, which are reset before each SVG.
 */
import { readFileSync, existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import * as vega from "vega";
import { compile, type TopLevelSpec } from "vega-lite";
import { Resvg } from "@resvg/resvg-js";
import { writeFileAtomic } from "../util/files.js";

// ---------------------------------------------------------------------------------------------------
// Fonts
// ---------------------------------------------------------------------------------------------------

/** The font family every plot uses, and the files resvg loads for it. */
export interface ReportFonts {
  /** Family name written into the Vega config (and so into every SVG `font-family`). */
  family: string;
  /** Regular face, used for measuring text; null when only system fonts are available. */
  regular: string | null;
  /** Bold face (titles are bold); null when missing. */
  bold: string | null;
  /** Where the files came from: the npm package, the system's DejaVu, or whatever resvg finds. */
  source: "npm" | "system-dejavu" | "system-any";
}

/** The npm package that ships the report font (recommended as a dependency of the project). */
export const FONT_PACKAGE = "dejavu-fonts-ttf";
const FAMILY = "DejaVu Sans";
const REGULAR_FILE = "DejaVuSans.ttf";
const BOLD_FILE = "DejaVuSans-Bold.ttf";
/** Where Debian/Ubuntu, Fedora, Arch and Alpine put DejaVu Sans; tried only when the npm package is absent. */
const SYSTEM_DEJAVU_DIRECTORIES = [
  "/usr/share/fonts/truetype/dejavu",
  "/usr/share/fonts/dejavu",
  "/usr/share/fonts/dejavu-sans-fonts",
  "/usr/share/fonts/TTF",
  "/usr/share/fonts/ttf-dejavu",
];

let cachedFonts: ReportFonts | undefined;

/**
 * The fonts plots are drawn with: DejaVu Sans from the `dejavu-fonts-ttf` npm package when installed
 * (the same bytes on every machine), else the system's DejaVu Sans, else whatever sans-serif resvg finds
 * among the system fonts (text may then differ between machines, or be missing on one with no fonts).
 */
export function reportFontFiles(): ReportFonts {
  if (cachedFonts) return cachedFonts;
  const candidates: { directory: string; source: ReportFonts["source"] }[] = [];
  try {
    const require = createRequire(import.meta.url);
    candidates.push({ directory: join(dirname(require.resolve(`${FONT_PACKAGE}/package.json`)), "ttf"), source: "npm" });
  } catch {
    // Not installed: fall through to the system's copies.
  }
  for (const directory of SYSTEM_DEJAVU_DIRECTORIES) candidates.push({ directory, source: "system-dejavu" });
  for (const { directory, source } of candidates) {
    const regular = join(directory, REGULAR_FILE);
    const bold = join(directory, BOLD_FILE);
    if (existsSync(regular)) {
      cachedFonts = { family: FAMILY, regular, bold: existsSync(bold) ? bold : null, source };
      return cachedFonts;
    }
  }
  cachedFonts = { family: "sans-serif", regular: null, bold: null, source: "system-any" };
  return cachedFonts;
}

/**
 * Horizontal advance widths from a TrueType file (cmap + hmtx), enough to measure a line of text the way
 * resvg lays it out, less kerning (a percent or two at most, and only ever used for layout).
 */
export class FontMetrics {
  private readonly unitsPerEm: number;
  private readonly advances: Uint16Array;
  private readonly glyphOf: (codePoint: number) => number;
  private readonly cache = new Map<number, number>();

  constructor(bytes: Uint8Array) {
    const data = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const tables = new Map<string, number>();
    const numTables = data.getUint16(4);
    for (let i = 0; i < numTables; i++) {
      const record = 12 + 16 * i;
      const tag = String.fromCharCode(...bytes.subarray(record, record + 4));
      tables.set(tag, data.getUint32(record + 8));
    }
    const table = (tag: string): number => {
      const offset = tables.get(tag);
      if (offset === undefined) throw new Error(`font has no '${tag}' table`);
      return offset;
    };
    this.unitsPerEm = data.getUint16(table("head") + 18);
    const metricsCount = data.getUint16(table("hhea") + 34);
    const numGlyphs = data.getUint16(table("maxp") + 4);
    const hmtx = table("hmtx");
    this.advances = new Uint16Array(numGlyphs);
    for (let g = 0; g < numGlyphs; g++) {
      // Glyphs past numberOfHMetrics share the last advance (monospaced tails).
      this.advances[g] = data.getUint16(hmtx + 4 * Math.min(g, metricsCount - 1));
    }
    this.glyphOf = cmapLookup(data, table("cmap"));
  }

  /** Advance of `text` at `fontSize` pixels. */
  width(text: string, fontSize: number): number {
    let units = 0;
    for (const character of text) {
      const codePoint = character.codePointAt(0)!;
      let advance = this.cache.get(codePoint);
      if (advance === undefined) {
        const glyph = this.glyphOf(codePoint);
        advance = this.advances[glyph < this.advances.length ? glyph : 0]!;
        this.cache.set(codePoint, advance);
      }
      units += advance;
    }
    return (units * fontSize) / this.unitsPerEm;
  }
}

/** Code point → glyph id from the best Unicode subtable: format 12 (full Unicode), else format 4 (BMP). */
function cmapLookup(data: DataView, cmap: number): (codePoint: number) => number {
  const subtables: { platform: number; encoding: number; offset: number; format: number }[] = [];
  const count = data.getUint16(cmap + 2);
  for (let i = 0; i < count; i++) {
    const record = cmap + 4 + 8 * i;
    const offset = cmap + data.getUint32(record + 4);
    subtables.push({ platform: data.getUint16(record), encoding: data.getUint16(record + 2), offset, format: data.getUint16(offset) });
  }
  const unicode = (s: (typeof subtables)[number]): boolean => s.platform === 0 || (s.platform === 3 && (s.encoding === 1 || s.encoding === 10));
  const format12 = subtables.find((s) => unicode(s) && s.format === 12);
  if (format12) {
    const groups = data.getUint32(format12.offset + 12);
    return (codePoint) => {
      let lo = 0;
      let hi = groups - 1;
      while (lo <= hi) {
        const mid = (lo + hi) >>> 1;
        const group = format12.offset + 16 + 12 * mid;
        const start = data.getUint32(group);
        const end = data.getUint32(group + 4);
        if (codePoint < start) hi = mid - 1;
        else if (codePoint > end) lo = mid + 1;
        else return data.getUint32(group + 8) + (codePoint - start);
      }
      return 0;
    };
  }
  const format4 = subtables.find((s) => unicode(s) && s.format === 4);
  if (!format4) throw new Error("font has no Unicode cmap subtable of format 4 or 12");
  const base = format4.offset;
  const segments = data.getUint16(base + 6) / 2;
  const ends = base + 14;
  const starts = ends + 2 * segments + 2;
  const deltas = starts + 2 * segments;
  const rangeOffsets = deltas + 2 * segments;
  return (codePoint) => {
    if (codePoint > 0xffff) return 0;
    for (let s = 0; s < segments; s++) {
      if (codePoint > data.getUint16(ends + 2 * s)) continue;
      const start = data.getUint16(starts + 2 * s);
      if (codePoint < start) return 0;
      const delta = data.getUint16(deltas + 2 * s);
      const rangeOffsetAt = rangeOffsets + 2 * s;
      const rangeOffset = data.getUint16(rangeOffsetAt);
      if (rangeOffset === 0) return (codePoint + delta) & 0xffff;
      const glyph = data.getUint16(rangeOffsetAt + rangeOffset + 2 * (codePoint - start));
      return glyph === 0 ? 0 : (glyph + delta) & 0xffff;
    }
    return 0;
  };
}

/** The minimal shape of a vega text item that measurement reads. */
interface TextItem {
  fontSize?: number | string;
  fontWeight?: number | string;
}

/** vega-scenegraph's text measurement hook; re-exported by `vega` but missing from its typings. */
interface VegaTextMetrics {
  width: (item: TextItem, text: unknown) => number;
}

let measurementInstalled = false;

/**
 * Points vega's text measurement at the report font's metrics. vega calls `textMetrics.width` for axis
 * label overlap, title and legend layout, and label truncation; vega's own truncation wraps it, so this
 * must return the untruncated width (as vl-convert's hook does).
 */
function installTextMeasurement(fonts: ReportFonts): void {
  if (measurementInstalled || fonts.regular === null) return;
  const regular = new FontMetrics(readFileSync(fonts.regular));
  const bold = fonts.bold === null ? regular : new FontMetrics(readFileSync(fonts.bold));
  const textMetrics = (vega as unknown as { textMetrics: VegaTextMetrics }).textMetrics;
  textMetrics.width = (item, text) => {
    // Same defaults as vega-scenegraph: 11 px, text trimmed.
    const fontSize = item.fontSize != null ? +item.fontSize || 0 : 11;
    const string = text == null ? "" : String(text).trim();
    if (fontSize <= 0 || string === "") return 0;
    const weight = item.fontWeight;
    const isBold = weight === "bold" || weight === "bolder" || (typeof weight === "number" && weight >= 600) || (typeof weight === "string" && +weight >= 600);
    return (isBold ? bold : regular).width(string, fontSize);
  };
  measurementInstalled = true;
}

// ---------------------------------------------------------------------------------------------------
// Compile and render
// ---------------------------------------------------------------------------------------------------

/**
 * A Vega-Lite spec as rendered: a JSON copy of `spec` with the report's font in its config. The copy
 * matters twice over: vega tags every inline datum it ingests with a symbol id, which would otherwise
 * mutate the caller's data; and rendering the JSON form means the PNG is exactly what the `.vl.json`
 * written beside it describes.
 */
export function withReportFont(spec: TopLevelSpec): TopLevelSpec {
  const { family } = reportFontFiles();
  const copy = JSON.parse(JSON.stringify(spec)) as TopLevelSpec;
  copy.config = { ...(copy.config ?? {}), font: family };
  return copy;
}

/** Collects vega-lite's and vega's warnings instead of printing them, so tests can check for none. */
function collectingLogger(warnings: string[]) {
  let level = vega.Warn;
  const text = (args: unknown[]): string => args.map((a) => (a instanceof Error ? a.message : String(a))).join(" ");
  const logger = {
    level(_?: number) {
      if (_ === undefined) return level;
      level = _;
      return logger;
    },
    error(...args: unknown[]) {
      throw new Error(text(args));
    },
    warn(...args: unknown[]) {
      warnings.push(text(args));
      return logger;
    },
    info() {
      return logger;
    },
    debug() {
      return logger;
    },
  };
  return logger;
}

/** Compiles a Vega-Lite spec to Vega, returning vega-lite's warnings beside it. */
export function compileVegaLite(spec: TopLevelSpec): { vega: vega.Spec; warnings: string[] } {
  const warnings: string[] = [];
  const compiled = compile(spec, { logger: collectingLogger(warnings) });
  return { vega: compiled.spec as vega.Spec, warnings };
}

/** The rendered plot: SVG text, PNG bytes, and every warning vega-lite or vega logged on the way. */
export interface RenderedPlot {
  svg: string;
  png: Uint8Array;
  warnings: string[];
}

/** The warning a render gives when DejaVu Sans was not found (text may then be missing from the PNG). */
export const MISSING_FONT_WARNING =
  `report font: DejaVu Sans not found (install the ${FONT_PACKAGE} npm package); ` +
  "the PNG uses whatever sans-serif font resvg finds on this machine, or draws no text";

/** PNG pixels per SVG pixel: 2 keeps 10–11 px axis labels crisp. */
export const PNG_SCALE = 2;

/**
 * Renders a Vega-Lite spec to SVG (headless vega View) and PNG (resvg at {@link PNG_SCALE}×), with the
 * report font. The spec must carry its data inline: nothing is loaded from files or the network.
 */
export async function renderVegaLite(spec: TopLevelSpec): Promise<RenderedPlot> {
  const fonts = reportFontFiles();
  installTextMeasurement(fonts);
  const { vega: vegaSpec, warnings } = compileVegaLite(withReportFont(spec));
  if (fonts.source === "system-any") warnings.push(MISSING_FONT_WARNING);
  // vega only warns when a load fails and draws an empty plot; a plot without its data is an error here.
  for (const data of vegaSpec.data ?? []) {
    if ("url" in data) throw new Error(`renderVegaLite: plot data must be inline; dataset ${data.name} loads ${JSON.stringify(data.url)}`);
  }
  const view = new vega.View(vega.parse(vegaSpec), { renderer: "none", loader: offlineLoader(), logger: collectingLogger(warnings), logLevel: vega.Warn });
  let svg: string;
  try {
    // Clip-path and gradient ids count up across the process; start each SVG at 1 so output is stable.
    vega.resetSVGDefIds();
    svg = await view.toSVG();
  } finally {
    view.finalize();
  }
  const fontFiles = [fonts.regular, fonts.bold].filter((f): f is string => f !== null);
  const resvg = new Resvg(svg, {
    fitTo: { mode: "zoom", value: PNG_SCALE },
    background: "white",
    font: {
      fontFiles,
      // Only the report's own files when we have them: the PNG must not change with the machine's fonts.
      loadSystemFonts: fontFiles.length === 0,
      defaultFontFamily: fonts.family === "sans-serif" ? undefined : fonts.family,
      sansSerifFamily: fonts.family === "sans-serif" ? undefined : fonts.family,
    },
    logLevel: "off",
  });
  const png = new Uint8Array(resvg.render().asPng());
  return { svg, png, warnings };
}

/**
 * A vega loader that refuses every URL (data, images): a plot that loaded anything would depend on files
 * or a network the bundle does not capture, and its `.vl.json` would not reproduce it.
 */
function offlineLoader(): vega.Loader {
  const loader = vega.loader();
  loader.sanitize = async (uri) => {
    throw new Error(`renderVegaLite: plot data must be inline; refusing to load ${JSON.stringify(uri)}`);
  };
  return loader;
}

/** Paths of the three files {@link writePlot} writes. */
export interface PlotFiles {
  svg: string;
  png: string;
  spec: string;
}

/**
 * Renders `spec` and writes `<path>.svg`, `<path>.png` and `<path>.vl.json` (the spec as rendered, data
 * inline, font in its config) atomically. Returns the paths and the render's warnings.
 */
export async function writePlot(pathWithoutExtension: string, spec: TopLevelSpec): Promise<PlotFiles & { warnings: string[] }> {
  const specText = `${JSON.stringify(withReportFont(spec), null, 2)}\n`;
  const files: PlotFiles = { svg: `${pathWithoutExtension}.svg`, png: `${pathWithoutExtension}.png`, spec: `${pathWithoutExtension}.vl.json` };
  // The spec is written last, so a spec equal to this one says its SVG and PNG were rendered from it (each
  // file is written atomically, and rendering is deterministic): a resumed bundle keeps them.
  if (existsSync(files.svg) && existsSync(files.png) && existsSync(files.spec) && readFileSync(files.spec, "utf8") === specText) {
    return { ...files, warnings: [] };
  }
  const rendered = await renderVegaLite(spec);
  writeFileAtomic(files.svg, rendered.svg);
  writeFileAtomic(files.png, rendered.png);
  writeFileAtomic(files.spec, specText);
  return { ...files, warnings: rendered.warnings };
}
