/**
 * `spanlab evaluate --bars F --annotations F --detections F`: scores the detections `predict --bars`
 * wrote (its CSV or JSON; hindsight and live rows side by side) against annotated events on the same bars,
 * beside the rule detector and a random detector (src/predict/evaluate.ts), as a table or `--json`;
 * `--html` draws the chart (with the per-bar track when `--probabilities` gives predict's CSV of it).
 */
import type { Command } from "commander";
import { readAnnotations } from "../data/annotations.js";
import { readBars } from "../data/bars.js";
import { BAR_READING_HELP, barReadingOptions } from "../data/read_options.js";
import { readDetections, readProbabilities } from "../predict/detections_io.js";
import { assertEventsOnBars, evaluateDetections, formatEvaluation } from "../predict/evaluate.js";
import { DEFAULT_STRIDE } from "../predict/scan_plan.js";
import { detectionChartHtml } from "../report/detection_chart.js";
import { assertWritable, writeFileAtomic } from "../util/files.js";
import { positiveIntegerFlag } from "./flags.js";
import { annotationSpans, scoringFlags } from "./predict.js";

interface EvaluateFlags {
  bars: string;
  annotations: string;
  detections: string;
  probabilities?: string;
  iou?: string;
  tolerance?: string;
  seed?: string;
  ruleThresholds?: string;
  stride?: string;
  json: boolean;
  html?: string;
  force: boolean;
  timezone?: string;
  columns?: string;
  decimal?: string;
  maxGap?: string;
}

export function registerEvaluateCommand(program: Command): void {
  program
    .command("evaluate")
    .description("score detections (predict --bars' CSV or JSON) against annotated events, beside the rule and random detectors")
    .requiredOption("--bars <file>", "the bars the detections were made on (.csv or .parquet)")
    .requiredOption("--annotations <file>", "annotated events (CSV, JSON or JSONL: start, end, label[, event_id])")
    .requiredOption("--detections <file>", "predict --bars --out file (.csv or .json); rows with mode=live are scored apart")
    .option("--probabilities <file.csv>", "--html: predict's per-bar probabilities CSV, drawn under the candles")
    .option("--iou <x>", "a detection matches an event at IoU ≥ x (default 0.5)")
    .option("--tolerance <k>", "boundary hit when both ends are within ±k bars (default 3)")
    .option("--seed <n>", "seed of the random detector (default 42)")
    .option("--rule-thresholds <a,b>", "rule detector range_z > a && |expansion_proxy| > b (default: tuned on the first half's annotations)")
    .option("--stride <n>", `stride of the rule detector's windows (default ${DEFAULT_STRIDE}, as predict's)`)
    .option("--json", "print the evaluation as JSON", false)
    .option("--html <file.html>", "write a self-contained chart of the candles, annotations and detections")
    .option("--force", "replace --html if it exists", false)
    .option("--timezone <zone>", BAR_READING_HELP.timezone)
    .option("--columns <mapping>", BAR_READING_HELP.columns)
    .option("--decimal <mark>", BAR_READING_HELP.decimal)
    .option("--max-gap <duration>", BAR_READING_HELP.maxGap)
    .action(async (flags: EvaluateFlags) => {
      const scoring = scoringFlags(flags);
      const stride = flags.stride === undefined ? DEFAULT_STRIDE : positiveIntegerFlag("stride", flags.stride, 105);
      const reading = barReadingOptions(flags);
      if (flags.html !== undefined) assertWritable(flags.html, flags.force);
      const bars = await readBars(flags.bars, reading);
      const annotations = await readAnnotations(flags.annotations, reading.timezone !== undefined ? { timezone: reading.timezone } : {});
      assertEventsOnBars(flags.annotations, bars, bars.intervalMs, annotations.events);
      const n = bars.timestamps.length;
      const found = await readDetections(flags.detections, n, bars.timestamps);
      const byMode = (mode: "hindsight" | "live") => {
        const rows = found.filter((d) => d.mode === mode);
        return rows.length === 0 && mode === "live" ? null : rows.map((d) => ({ start: d.start, end: d.end, knownAt: d.knownAt }));
      };
      const report = evaluateDetections(
        bars,
        bars.intervalMs,
        annotations.events,
        { hindsight: byMode("hindsight"), live: byMode("live") },
        { ...scoring, stride },
      );
      if (flags.json)
        process.stdout.write(
          `${JSON.stringify({ files: { bars: flags.bars, annotations: flags.annotations, detections: flags.detections }, ...report }, null, 2)}\n`,
        );
      else process.stdout.write(`${formatEvaluation(report)}\n(evaluated in ${report.seconds.toFixed(2)} s)\n`);
      if (flags.html !== undefined) {
        const probabilities = flags.probabilities === undefined ? null : await readProbabilities(flags.probabilities, n);
        const spans = (mode: string) =>
          found.filter((d) => d.mode === mode).map((d) => ({ start: d.start, end: d.end, knownAt: d.knownAt ?? d.start, label: d.predictedClass }));
        writeFileAtomic(
          flags.html,
          detectionChartHtml({
            title: `spanlab evaluate: ${flags.detections}`,
            subtitle: [`bars: ${bars.source}, ${n} bars`, `annotations: ${flags.annotations}`, `detections: ${flags.detections}`],
            timestamps: bars.timestamps,
            open: bars.open,
            high: bars.high,
            low: bars.low,
            close: bars.close,
            events: annotationSpans(bars, annotations),
            hindsight: spans("hindsight"),
            live: spans("live"),
            probability: probabilities?.p ?? null,
            liveProbability: probabilities?.pLive ?? null,
            threshold: null,
            liveThreshold: null,
            evaluation: formatEvaluation(report),
            notes: [],
          }),
        );
        if (!flags.json) process.stdout.write(`${flags.html}: chart of ${found.length} detection(s) over ${n} bars\n`);
      }
    });
}
