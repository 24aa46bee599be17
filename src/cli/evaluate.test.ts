/**
 * From bars and annotations to scored detections, on the real-shaped 30-minute FX fixture: `data windows`
 * → `train` (2 epochs) → `predict --bars --annotations --live --html` prints event F1, delays and the
 * baselines and writes the chart; `spanlab evaluate` reads predict's CSV (or JSON) back and prints the
 * same table (or `--json`), draws the chart with the probability track, and refuses detections made on
 * other bars.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "../../test/helpers/cli.js";
import type { EvaluationReport } from "../predict/evaluate.js";
import { train } from "../train/train.js";

const FIXTURES = join(import.meta.dirname, "../../test/fixtures/bars");
const BARS = join(FIXTURES, "fx_30m.csv");
const EVENTS = join(FIXTURES, "fx_30m_events.jsonl");
const dir = mkdtempSync(join(tmpdir(), "spanlab-evaluate-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The evaluation table: from its header line to the line before "rule:". */
const tableOf = (stdout: string) => {
  const lines = stdout.split("\n");
  const first = lines.findIndex((line) => line.startsWith("evaluation on "));
  return lines
    .slice(
      first,
      lines.findIndex((line, k) => k > first && line.startsWith("rule: ")),
    )
    .join("\n");
};

describe("bars and annotations → train → predict --annotations → evaluate", () => {
  const windows = join(dir, "fx.jsonl");
  const out = join(dir, "detections.csv");
  const probabilities = join(dir, "p.csv");
  let predicted = "";

  it("predict --bars --annotations --live --html prints event F1, delay and the baselines, and writes the chart", async () => {
    const cut = await runCli(["data", "windows", "--bars", BARS, "--annotations", EVENTS, "--out", windows]);
    expect(cut.exitCode).toBe(0);
    const run = await train({ loss: "soft", data: windows, epochs: 2, batchSize: 8, seed: 3 }, { runDirectory: join(dir, "run") });
    expect(run.complete).toBe(true);
    const html = join(dir, "chart.html");
    const result = await runCli([
      "predict",
      "--checkpoint",
      join(dir, "run", "last.safetensors"),
      "--bars",
      BARS,
      "--annotations",
      EVENTS,
      "--live",
      "--threshold",
      "0.3",
      "--html",
      html,
      "--probabilities",
      probabilities,
      "--out",
      out,
    ]);
    expect(result.exitCode).toBe(0);
    predicted = result.stdout;
    const table = tableOf(predicted);
    expect(table.split("\n")[0]).toBe("evaluation on 958 bars against 8 annotated event(s)");
    expect(table.split("\n")[1]).toMatch(/^ +model, hindsight +model, live +rule +random, as hindsight +random, as live$/);
    for (const row of ["event F1", "delay, bars: median", "delay, bars: p90", "false alarms per 1,000 bars", "range recall (Tatbul, flat, α 0)"]) {
      expect(table).toMatch(new RegExp(`\\n${row.replace(/[()]/g, "\\$&")} +(\\d|—)`));
    }
    expect(predicted).toMatch(/\nrule: range_z > \d\.\d\d && \|expansion_proxy\| > \d\.\d\d, windows scanned and combined like the model's; thresholds /);
    const page = readFileSync(html, "utf8");
    expect(page).toContain("TradingView Lightweight Charts");
    expect(page).not.toMatch(/<script[^>]+src=/);
    expect(page).toContain("event F1");
  });

  it("evaluate reads predict's CSV back and prints the same table; --json gives every figure", async () => {
    const result = await runCli(["evaluate", "--bars", BARS, "--annotations", EVENTS, "--detections", out]);
    expect(result.exitCode).toBe(0);
    expect(tableOf(result.stdout)).toBe(tableOf(predicted));
    const json = await runCli([
      "evaluate",
      "--bars",
      BARS,
      "--annotations",
      EVENTS,
      "--detections",
      out,
      "--json",
      "--iou",
      "0.3",
      "--tolerance",
      "2",
      "--seed",
      "7",
    ]);
    const report = JSON.parse(json.stdout) as EvaluationReport & { files: Record<string, string> };
    expect(report.files).toEqual({ bars: BARS, annotations: EVENTS, detections: out });
    expect(report).toMatchObject({ bars: 958, iou: 0.3, tolerance: 2, random: { seed: 7, draws: 20 } });
    expect(report.rows.map((row) => row.name)).toEqual(["model, hindsight", "model, live", "rule", "random, as hindsight", "random, as live"]);
    const csvRows = readFileSync(out, "utf8").trimEnd().split("\r\n").slice(1);
    expect(report.rows[0]!.scores.detections + report.rows[1]!.scores.detections).toBe(csvRows.length);
  });

  it("evaluate --html draws the chart with predict's probabilities; detections made on other bars are refused", async () => {
    const html = join(dir, "evaluate.html");
    const result = await runCli(["evaluate", "--bars", BARS, "--annotations", EVENTS, "--detections", out, "--probabilities", probabilities, "--html", html]);
    expect(result.stdout).toContain(`${html}: chart of `);
    expect(readFileSync(html, "utf8")).toContain('"pLive":"');
    const other = join(dir, "other.csv");
    const rows = readFileSync(out, "utf8").split("\r\n");
    writeFileSync(
      other,
      [rows[0], "0,3,2023-01-01T00:00:00.000Z,,4,hindsight"].join("\r\n").replace(/^(.*)$/m, "start_index,end_index,start_time,end_time,length,mode"),
    );
    await expect(runCli(["evaluate", "--bars", BARS, "--annotations", EVENTS, "--detections", other])).rejects.toThrow(
      `${other} row 0 (line 2): field start_time = "2023-01-01T00:00:00.000Z"; expected 2024-01-07T22:00:00.000Z, the timestamp of bar 0 — were these detections made on other bars?`,
    );
  });
});
