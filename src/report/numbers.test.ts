/**
 * The rule of the comparison model: the report computes no figure. Every number printed in
 * TRAINING_ANALYSIS_SUMMARY.txt, SOFT_SPAN_VS_CRF_RESULTS.csv and SOFT_SPAN_VS_CRF_COMPARISON.md — integers,
 * decimals, percentages, numbers with thousands separators or exponents,
 * the ends of intervals — must be a figure of comparison.json at the printed precision: some number of
 * the model (outside the raw per-run records, sweeps, plot series and example windows, so that a figure
 * cannot pass by matching some raw value by chance) rounds to it. Numbers inside text the model itself
 * holds (the version, the created time, rule texts, labels) are the model's too.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "csv-parse/sync";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildComparisonFixture, type ComparisonFixture, type FixtureOptions } from "../../test/fixtures/comparison/build.js";
import { writeBundle } from "./bundle.js";

/** Parts of the model that are raw data rather than figures: too many numbers to test a figure against. */
const RAW_DATA = new Set(["runs", "plots", "examples"]);

interface ModelContent {
  numbers: number[];
  /** Texts with digits, whitespace collapsed, longest first. */
  texts: string[];
}

function modelContent(json: unknown): ModelContent {
  const numbers: number[] = [];
  const texts = new Set<string>();
  const walk = (value: unknown, top: boolean) => {
    if (typeof value === "number") numbers.push(value);
    else if (typeof value === "string") {
      const text = value.replace(/\s+/g, " ").trim();
      if (/\d/.test(text) && text.length >= 4) texts.add(text);
    } else if (Array.isArray(value)) {
      for (const v of value) walk(v, false);
    } else if (value && typeof value === "object") {
      for (const [key, v] of Object.entries(value)) if (!(top && RAW_DATA.has(key))) walk(v, false);
    }
  };
  walk(json, true);
  return { numbers, texts: [...texts].sort((a, b) => b.length - a.length) };
}

/** The numbers printed in a text, after taking out the model's own texts. */
function printedNumbers(text: string, model: ModelContent): string[] {
  let rest = text.replace(/\s+/g, " ");
  for (const own of model.texts) rest = rest.split(own).join(" ");
  return rest.match(/(?<![\w.,])[-+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:e[-+]?\d+)?%?/g) ?? [];
}

/** True when some number of the model, rounded to the token's decimals, prints as the token (a percentage: as is, or ×100). */
function inModel(token: string, model: ModelContent): boolean {
  const percent = token.endsWith("%");
  const digits = token.replace(/^\+/, "").replace(/%$/, "").replace(/,/g, "");
  const [mantissa = "", exponent] = digits.split("e");
  const decimals = (mantissa.split(".")[1] ?? "").length;
  const printed = Number(digits);
  const tolerance = 0.5 * 10 ** (-decimals + Number(exponent ?? 0)) + 1e-9 * Math.abs(printed || 1);
  return model.numbers.some((v) => Math.abs(v - printed) <= tolerance || (percent && Math.abs(100 * v - printed) <= tolerance));
}

/** Every printed number that is not a figure of the model, with where it was printed. */
function unexplained(texts: { where: string; text: string }[], model: ModelContent): string[] {
  return texts.flatMap(({ where, text }) =>
    printedNumbers(text, model)
      .filter((token) => !inModel(token, model))
      .map((token) => `${token} in ${where}: ${text.slice(0, 160)}`),
  );
}

function documentTexts(fixture: ComparisonFixture): { where: string; text: string }[] {
  const read = (name: string) => readFileSync(join(fixture.bundleDirectory, name), "utf8");
  const lines = read("TRAINING_ANALYSIS_SUMMARY.txt")
    // A paragraph at a time: the summary wraps sentences (and the model's texts in them) over lines.
    .split(/\n\s*\n/)
    .map((text, i) => ({ where: `TRAINING_ANALYSIS_SUMMARY.txt, block ${i + 1}`, text }));
  const rows = parse(read("SOFT_SPAN_VS_CRF_RESULTS.csv"), { record_delimiter: "\r\n" }) as string[][];
  const cells = rows.flatMap((row, r) => row.map((text, c) => ({ where: `SOFT_SPAN_VS_CRF_RESULTS.csv, row ${r + 1}, column ${c + 1}`, text })));
  const technical = read("SOFT_SPAN_VS_CRF_COMPARISON.md")
    .split("\n")
    .map((text, i) => ({ where: `SOFT_SPAN_VS_CRF_COMPARISON.md, line ${i + 1}`, text }));
  return [...lines, ...cells, ...technical];
}

let root: string;
const fixtures: ComparisonFixture[] = [];

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "spanlab-numbers-"));
  // Five seeds (winners can be named) and one seed (plain values, nothing established).
  const plans: [string, FixtureOptions][] = [
    ["five", { seeds: [1, 2, 3, 4, 5], epochs: 3, events: 10 }],
    ["one", { seeds: [3], epochs: 2 }],
  ];
  for (const [name, options] of plans) {
    const fixture = await buildComparisonFixture(join(root, name), join(root, `data-${name}`), options);
    await writeBundle(fixture.result, fixture.bundleDirectory);
    fixtures.push(fixture);
  }
  // Training ten tiny runs takes seconds, more on a loaded machine.
}, 300_000);

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("every number of the summary and the results CSV is in comparison.json", () => {
  it("finds each printed number among the model's figures at the printed precision", () => {
    for (const fixture of fixtures) {
      const model = modelContent(JSON.parse(readFileSync(join(fixture.bundleDirectory, "comparison.json"), "utf8")));
      const texts = documentTexts(fixture);
      // The check has something to check: hundreds of numbers, intervals and percentages among them.
      const tokens = texts.flatMap(({ text }) => printedNumbers(text, model));
      expect(tokens.length).toBeGreaterThan(200);
      expect(tokens.some((t) => t.endsWith("%"))).toBe(true);
      expect(unexplained(texts, model)).toEqual([]);
    }
  });

  it("fails on a figure a template computes", () => {
    const fixture = fixtures[0]!;
    const model = modelContent(JSON.parse(readFileSync(join(fixture.bundleDirectory, "comparison.json"), "utf8")));
    const [first, second] = fixture.result.protocol.objectives as [string, string];
    const f1 = fixture.result.metrics.find((m) => m.key === "f1_native")!;
    const loss = fixture.result.metrics.find((m) => m.key === "val_loss_final")!;
    // What a template might compute: an average of the two objectives, a ratio, a sum of losses. Printed
    // with 6 decimals: at 4, one of the model's thousands of figures in [0, 1] matches some value by chance
    // (tolerance 5e-5 against ~10⁴ figures), which made this test depend on the fixture's exact numbers.
    const computed = [
      ((f1.byObjective[first]!.mean + f1.byObjective[second]!.mean) / 2 + 0.0123).toFixed(6),
      (loss.byObjective[second]!.mean / loss.byObjective[first]!.mean).toFixed(6),
      (loss.byObjective[second]!.mean + loss.byObjective[first]!.mean).toFixed(6),
    ];
    const text = `Mean F1 of both ${computed[0]}; loss ratio ${computed[1]}; loss sum ${computed[2]}.`;
    expect(unexplained([{ where: "a template", text }], model)).toHaveLength(3);
  });
});

describe("SOFT_SPAN_VS_CRF_COMPARISON.md", () => {
  it("is in every bundle, listed in the index, linked from report.html, with the model's technical details", () => {
    for (const fixture of fixtures) {
      const read = (name: string) => readFileSync(join(fixture.bundleDirectory, name), "utf8");
      const text = read("SOFT_SPAN_VS_CRF_COMPARISON.md");
      const details = fixture.result.technicalDetails;
      expect(read("ANALYSIS_INDEX.md")).toContain("[SOFT_SPAN_VS_CRF_COMPARISON.md](SOFT_SPAN_VS_CRF_COMPARISON.md)");
      expect(read("report.html")).toContain('href="SOFT_SPAN_VS_CRF_COMPARISON.md"');
      // The architecture as validated at run time: both totals, the PyTorch layout matched, determinism, the gradient check.
      expect(details.architecture.map((check) => check.total)).toEqual([97_547, 97_748]);
      for (const check of details.architecture) {
        expect(check.pytorchLayout.matches).toBe(true);
        expect(check.deterministicForward && check.deterministicTrainingForward).toBe(true);
        expect(check.gradientCheck.worstRelativeError).toBeLessThan(0.05);
      }
      expect(text).toContain("| Soft span loss | 97,547 | yes | yes | yes |");
      expect(text).toContain("| CRF | 97,748 | yes | yes | yes |");
      // One untrained-baseline row per run, each printed with its seed, threshold and F1.
      expect(details.untrainedBaseline.rows).toHaveLength(fixture.result.runs.length);
      for (const row of details.untrainedBaseline.rows) {
        expect(text).toContain(`| ${row.seed} | ${row.threshold.toFixed(2)} | ${row.f1.toFixed(3)} |`);
      }
      expect(text).toContain(`${details.thresholdMethod.grid.points} thresholds, 0.01 to 0.99`);
    }
  });
});
