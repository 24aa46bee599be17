/**
 * Every plot of the bundle: where it goes, its title and caption, and its spec, built from the series
 * of the comparison model (`result.plots`, the histograms, the example windows).
 */
import type { TopLevelSpec } from "vega-lite";
import type { ComparisonResult } from "../compare/types.js";
import { formatThreshold, formatValue, plural } from "./format.js";
import { histogramKey, type BundleLayout, type PlotEntry } from "./layout.js";
import { lossScales, metricByKey, probabilityNames } from "./model.js";
import {
  candlestickPage,
  lossCurvesPlot,
  plotObjectives,
  probabilityHistogramPlot,
  reliabilityPlot,
  sensitivityPlot,
  sigmaTrajectoriesPlot,
  spanCalibrationPlot,
  spanPosteriorHeatmapPlot,
  taskScalesPlot,
  thresholdCurvePlot,
} from "./plots/index.js";

/** A plot to render: where it goes, what it shows, and its spec. */
export interface PlotJob extends PlotEntry {
  spec: () => TopLevelSpec;
}

function seedText(result: ComparisonResult): string {
  return plural(result.protocol.seeds.length, "seed");
}

/** "mean and <band> over N seeds", or "one seed (no band)" when there is nothing to spread over. */
function spread(result: ComparisonResult, band: string): string {
  const seeds = result.protocol.seeds.length;
  return seeds > 1 ? `mean and ${band} over ${seeds} seeds` : "one seed (no band)";
}

/** Every plot of the bundle with its spec (the example page only with example windows). */
export function plotJobs(result: ComparisonResult, layout: BundleLayout): PlotJob[] {
  const seeds = result.protocol.seeds.length;
  const objectives = plotObjectives(result.objectives);
  const first = result.objectives[0]!;
  const noted = result.objectives.filter((o) => o.probabilityNote !== null).map((o) => `${o.shortLabel}: ${o.probabilityNote}`);
  const chosenLabels = (label: (threshold: number) => string) =>
    Object.fromEntries(result.plots.thresholdCurves.markers.map((m) => [m.objective, label(m.threshold)]));
  const jobs: PlotJob[] = [
    {
      key: "lossCurves",
      base: layout.plots.lossCurves,
      title: "Training and validation loss",
      caption: `Unweighted loss sum per epoch for training and validation windows, ${spread(result, "min–max band")}; each objective on its own scale.`,
      spec: () =>
        lossCurvesPlot(objectives, result.plots.lossCurves, {
          subtitle: [
            `Line: mean across ${seedText(result)}; band: min–max across seeds. Solid: train; dashed: validation.`,
            "Both splits show the unweighted sum L_type + L_ptr + L_span + L_cd (the logs' val_loss).",
            `Own y scale per panel: ${lossScales(result.objectives)}.`,
          ],
        }),
    },
    {
      key: "sigma",
      base: layout.plots.sigma,
      title: "Task σ's and task weights",
      caption: `σ of each task's uncertainty weight and its share of the total weight per epoch, mean over ${seedText(result)}. Check the step-budget table before reading these as task importance.`,
      spec: () => sigmaTrajectoriesPlot(objectives, result.plots.sigma),
    },
    {
      key: "taskScales",
      base: layout.plots.taskScales,
      title: "Each task's raw loss scale and effective weight",
      caption: `Unweighted validation loss of each task (log scale, each in its own units) and the effective weight 1/(2σ²) the Kendall objective multiplies it by, per epoch, mean over ${seedText(result)}; one column per objective.`,
      spec: () => taskScalesPlot(objectives, result.plots.taskScales),
    },
    {
      key: "reliability",
      base: layout.plots.reliability,
      title: "Reliability diagram",
      caption: `Observed in-span frequency against mean predicted p in ${result.conventions.calibrationBins} equal-width bins, bins pooled over ${seedText(result)} by count${noted.length > 0 ? ` (${noted.join("; ")})` : ""}.`,
      spec: () => reliabilityPlot(objectives, result.plots.reliability),
    },
    {
      key: "thresholdCurves",
      base: layout.plots.thresholdCurves,
      title: "Threshold–F1 curves, every seed",
      caption: `Pooled validation F1, precision and recall per threshold (${probabilityNames(result.objectives)}), ${spread(result, "F1 min–max band")}; points at the ${seeds > 1 ? "seed-mean " : ""}threshold chosen on training windows; grey rules: the trivial baselines and the rule detector${seeds > 1 ? " (seed means)" : ""}.`,
      spec: () =>
        thresholdCurvePlot(
          objectives,
          result.plots.thresholdCurves,
          chosenLabels((t) => `${seeds > 1 ? "mean chosen" : "chosen"} t = ${formatValue(t, "score")}`),
          seeds > 1 ? { title: `Span F1 against the decision threshold (${seedText(result)})` } : {},
        ),
    },
    {
      key: "thresholdResults",
      base: layout.plots.thresholdResults,
      title: "Threshold optimisation, first seed",
      caption: `Seed ${result.protocol.seeds[0]}: the validation sweep of ${result.objectives.length === 2 ? "both objectives" : "every objective"} (the ${first.shortLabel} curve is ${layout.thresholdCsv}), with the thresholds chosen on training windows, the trivial baselines and the rule detector on the same validation bars.`,
      spec: () =>
        thresholdCurvePlot(
          objectives,
          result.plots.thresholdResults,
          Object.fromEntries(result.plots.thresholdResults.markers.map((m) => [m.objective, `chosen on training: t = ${formatThreshold(m.threshold)}`])),
          { title: `Span F1 against the decision threshold (seed ${result.protocol.seeds[0]})` },
        ),
    },
    ...result.objectives.map((o, i): PlotJob => {
      const histogram = result.probabilities.byObjective[o.name]!.histogram;
      const statistic = (key: string) => metricByKey(result, key)?.byObjective[o.name] ?? null;
      const note = o.probabilityNote !== null ? ` (${o.probabilityNote})` : "";
      const key = histogramKey(o);
      return {
        key,
        base: layout.plots[key]!,
        title: `Span probability distribution, ${o.label}`,
        caption: `${histogram.bins}-bin histogram of validation p(in span)${note}, in-span vs out-of-span bars, counts summed over ${seedText(result)}.`,
        spec: () =>
          probabilityHistogramPlot(histogram, {
            objective: objectives[i]!,
            title: `Span probability distribution: ${o.label}${note}`,
            subtitle: [
              `Validation bars of ${seedText(result)}, ${histogram.bins} bins on [0, 1]; each group sums to 100%.`,
              `Mean p${seeds > 1 ? " (seed mean)" : ""}: in span ${formatValue(statistic("in_span_mean")?.mean, "score")}, out of span ${formatValue(statistic("out_of_span_mean")?.mean, "score")}; separation ${formatValue(statistic("separation")?.mean, "score")}.`,
            ],
          }),
      };
    }),
  ];
  if (result.sensitivity) {
    const sensitivity = result.sensitivity;
    jobs.push({
      key: "sensitivity",
      base: layout.plots.sensitivity,
      title: "Does the verdict depend on the settings?",
      caption: `Span F1 of each objective's own decoder at each sensitivity point (${sensitivity.intervalMethod}). ${sensitivity.sentence}`,
      spec: () => sensitivityPlot(objectives, sensitivity),
    });
  }
  const spanPosterior = result.spanPosterior;
  if (spanPosterior) {
    jobs.push({
      key: "spanCalibration",
      base: layout.plots.spanCalibration,
      title: "Calibration of the span posterior, before and after",
      caption: `Reliability of per-bar p (raw, then through the isotonic map) and of the span confidence P(IoU(MBR, true span) ≥ ½) (at temperature 1, then at the fitted temperature through its isotonic map) on the scored windows, ${result.conventions.calibrationBins} equal-width bins pooled over ${seedText(result)}; each run calibrated on its own training windows. ECE before → after in each panel.`,
      spec: () => spanCalibrationPlot(objectives, spanPosterior),
    });
  }
  // Only when every example window carries every objective's posterior (comparisons before it have none).
  if (
    result.examples.length > 0 &&
    result.examples.every((w) => result.objectives.every((o) => w.predicted.some((p) => p.objective === o.name && p.posterior)))
  ) {
    jobs.push({
      key: "spanPosteriorHeatmap",
      base: layout.plots.spanPosteriorHeatmap,
      title: "Span posteriors of the example windows",
      caption: `Each objective's exact posterior P(start, end | x) over single spans at temperature 1 on the ${plural(result.examples.length, "example window")} (seed ${result.protocol.seeds[0]}), in a box of starts × ends holding the bulk of the mass, with the true span, the decoded span and the minimum-Bayes-risk span marked.`,
      spec: () => spanPosteriorHeatmapPlot(objectives, result.examples),
    });
  }
  if (result.examples.length > 0) {
    jobs.push({
      key: "examples",
      base: layout.plots.examples,
      title: "Example validation windows",
      caption: `${plural(result.examples.length, "validation window")} of seed ${result.protocol.seeds[0]}: candlesticks, the true span (gold), each objective's single-span prediction and its per-bar p.`,
      spec: () => candlestickPage(objectives, result.examples),
    });
  }
  return jobs;
}
