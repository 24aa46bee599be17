/**
 * A comparison's headline (comparison.json, docs/spec.md §7): the recommendation, and per metric the seed
 * mean with its 95% bootstrap interval for each objective, the rule baseline's where it has one, and the
 * winner with the rule that named it. Only the comparison model's own numbers are shown, formatted.
 */
import { h, interval } from "./dom.js";
import type { ComparisonModel, MetricComparison } from "./model_types.js";
import { objectiveColour } from "./run_groups.js";

/** The rows shown by default: the primary metric, then these when present. */
const HEADLINE_KEYS = [
  "f1_native",
  "iou_single_span",
  "strict_f1_single_span",
  "f1_minimum_risk",
  "separation",
  "ece",
  "brier",
  "val_loss_final",
  "train_seconds",
];

function winnerCell(metric: MetricComparison, model: ComparisonModel): HTMLElement {
  const known = model.protocol.objectives.includes(metric.winner);
  const label = model.objectives.find((o) => o.name === metric.winner)?.shortLabel ?? metric.winner;
  return h(
    "td",
    { title: metric.rule },
    h(
      "span",
      { class: `badge ${known ? "obj" : metric.winner === "n/a" ? "na" : "none"}`, style: known ? `--c: ${objectiveColour(metric.winner)}` : null },
      label,
    ),
  );
}

function metricTable(model: ComparisonModel, metrics: readonly MetricComparison[]): HTMLTableElement {
  const objectives = model.protocol.objectives;
  const label = (name: string) => model.objectives.find((o) => o.name === name)?.shortLabel ?? name;
  const hasRule = metrics.some((m) => m.ruleBaseline !== null);
  const head = h(
    "tr",
    {},
    h("th", {}, "metric"),
    ...objectives.map((o) => h("th", {}, h("span", { class: "swatch", style: `--c: ${objectiveColour(o)}` }), label(o))),
    hasRule ? h("th", {}, "rule baseline") : null,
    h("th", {}, "winner"),
  );
  const rows = metrics.map((metric) => {
    const cell = (stats: MetricComparison["ruleBaseline"]) =>
      h("td", { class: "num" }, stats === null || stats === undefined ? "—" : interval(stats.mean, stats.low, stats.high));
    return h(
      "tr",
      { class: metric.role === "primary" ? "primary" : null },
      h("td", { title: metric.label }, metric.shortLabel, h("div", { class: "unit" }, metric.unit)),
      ...objectives.map((o) => cell(metric.byObjective[o] ?? null)),
      hasRule ? cell(metric.ruleBaseline) : null,
      winnerCell(metric, model),
    );
  });
  return h("table", { class: "metrics" }, h("thead", {}, head), h("tbody", {}, ...rows));
}

/** The recommendation banner, the headline table and (folded) every metric. */
export function comparisonHeadline(model: ComparisonModel): HTMLElement {
  const primary = model.metrics.filter((m) => m.role === "primary");
  const chosen = [...primary, ...HEADLINE_KEYS.map((key) => model.metrics.find((m) => m.key === key && m.role !== "primary")).filter((m) => m !== undefined)];
  const decided = model.recommendation.decision !== "undecided";
  return h(
    "div",
    { class: "headline" },
    h(
      "div",
      { class: `banner ${decided ? "decided" : "undecided"}` },
      h("div", { class: "label" }, decided ? `recommendation: ${model.recommendation.decision}` : "no recommendation"),
      h("div", { class: "text" }, model.recommendation.headline),
    ),
    h(
      "div",
      { class: "meta" },
      `${model.protocol.objectives.length} objectives · seeds ${model.protocol.seeds.join(", ")} · ${model.protocol.epochs} epoch${model.protocol.epochs === 1 ? "" : "s"} · `,
      `${model.data.trainWindows} training / ${model.data.validationWindows} validation windows · mean [95% bootstrap interval] over seeds · hover a winner for its rule`,
    ),
    h("div", { class: "scroll" }, metricTable(model, chosen)),
    h("details", {}, h("summary", {}, `every metric (${model.metrics.length})`), h("div", { class: "scroll" }, metricTable(model, model.metrics))),
  );
}
