/**
 * The per-epoch charts of one run group (src/view/client/run_groups.ts): the unweighted loss of every run
 * on its training and validation windows (the value the reference logs as val_loss), each run's two
 * lines thin and marked `data-testid="curve"`, the seed mean bold with its min–max band; and the Kendall
 * σ and task-weight shares per task, seed means with their bands.
 */
import { h } from "./dom.js";
import { type Band, type LineSeries, lineChart } from "./line_chart.js";
import type { EpochRecord } from "./model_types.js";
import { acrossSeeds, objectiveColour, type RunGroup, TASK_COLOURS } from "./run_groups.js";

const SPLITS = [
  { key: "train", label: "train", dash: "5 3" },
  { key: "validation", label: "validation", dash: undefined },
] as const;

function runName(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

function lossChart(group: RunGroup): HTMLElement {
  const colour = objectiveColour(group.objective);
  const lines: LineSeries[] = [];
  const bands: Band[] = [];
  for (const split of SPLITS) {
    for (const { item, run } of group.runs) {
      lines.push({
        points: run.records.map((r) => [r.epoch, r[split.key].unweighted] as const),
        color: colour,
        // Alone, a run's lines are the chart; beside others they are the faint traces under the mean.
        width: group.runs.length === 1 ? 1.6 : 1,
        dash: split.dash,
        opacity: group.runs.length === 1 ? 1 : 0.45,
        title: `${runName(item.path)} · ${split.label}`,
        testid: "curve",
      });
    }
    const stats = acrossSeeds(
      group.runs.map((r) => r.run.records),
      (r) => r[split.key].unweighted,
    );
    if (group.runs.length > 1) {
      bands.push({
        points: stats.map(([e, , lo, hi]) => [e, lo, hi] as const),
        color: colour,
        title: `${split.label}: min–max over ${group.runs.length} seeds`,
      });
      lines.push({ points: stats.map(([e, m]) => [e, m] as const), color: colour, width: 2.4, dash: split.dash, title: `${split.label}: seed mean` });
    }
  }
  const seeds = group.runs.length;
  return lineChart({
    title: "Unweighted loss",
    caption: seeds > 1 ? `${seeds} seeds: thin = each seed, bold = mean, band = min–max` : "1 run",
    xLabel: "epoch",
    yLabel: "loss",
    lines,
    bands,
    legend: SPLITS.map((split) => ({ label: split.label, color: colour, dash: split.dash })),
  });
}

function taskChart(group: RunGroup, field: "sigma" | "task_weights", title: string, yLabel: string): HTMLElement | null {
  const records = group.runs.map((r) => r.run.records);
  const tasks = [...new Set(records.flatMap((list) => list.flatMap((r) => Object.keys(r[field] ?? {}))))];
  if (tasks.length === 0) return null;
  const lines: LineSeries[] = [];
  const bands: Band[] = [];
  for (const task of tasks) {
    const colour = TASK_COLOURS[task] ?? "#555";
    const stats = acrossSeeds(records, (r: EpochRecord) => r[field]?.[task]);
    if (group.runs.length > 1) bands.push({ points: stats.map(([e, , lo, hi]) => [e, lo, hi] as const), color: colour, title: `${task}: min–max over seeds` });
    lines.push({ points: stats.map(([e, m]) => [e, m] as const), color: colour, width: 1.8, title: `${task}: seed mean` });
  }
  return lineChart({
    title,
    caption: group.runs.length > 1 ? "seed mean, band = min–max" : "1 run",
    xLabel: "epoch",
    yLabel,
    lines,
    bands,
    legend: tasks.map((task) => ({ label: task, color: TASK_COLOURS[task] ?? "#555" })),
  });
}

/** One row: the group's name and its three charts. */
export function groupRow(group: RunGroup): HTMLElement {
  const seeds = group.runs
    .map((r) => r.run.config.config?.seed)
    .filter((seed) => seed !== undefined)
    .join(", ");
  return h(
    "div",
    { class: "group" },
    h(
      "div",
      { class: "group-head" },
      h("span", { class: `badge obj`, style: `--c: ${objectiveColour(group.objective)}` }, group.objective),
      h("strong", {}, group.label),
      h("span", { class: "muted" }, `${group.runs.length} run${group.runs.length === 1 ? "" : "s"}${seeds ? ` · seeds ${seeds}` : ""}`),
    ),
    h(
      "div",
      { class: "charts" },
      lossChart(group),
      taskChart(group, "sigma", "Kendall σ per task", "σ"),
      taskChart(group, "task_weights", "Task weight share", "share"),
    ),
  );
}
