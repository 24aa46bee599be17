/**
 * A sweep's configuration table (sweep.json): one row per configuration — its settings, each headline
 * metric's seed mean and interval per objective, its own verdict — sortable by clicking a column header
 * (numbers by their mean, text alphabetically; a second click reverses), and the best configuration per
 * objective under the sweep's stated rule.
 */
import { h, interval, num } from "./dom.js";
import type { SweepConfiguration, SweepModel } from "./model_types.js";
import { objectiveColour } from "./run_groups.js";

interface Column {
  label: string;
  /** The metric a column belongs to (a header spanning its objectives), or null for a column of its own. */
  group: string | null;
  title?: string;
  /** The sort key of a row. */
  key: (row: SweepConfiguration) => number | string | null;
  cell: (row: SweepConfiguration) => HTMLTableCellElement;
}

/** Short names of the sweep's metrics (sweep.ts SWEEP_METRICS); the full label is the header's title. */
const METRIC_NAMES: Record<string, string> = {
  f1_native: "F1, own decoder",
  iou_single_span: "IoU, single span",
  strict_f1_single_span: "strict F1, single span",
  separation: "p separation",
  classification_accuracy: "class accuracy",
};

function settingText(value: unknown): string {
  if (typeof value === "boolean") return value ? "on" : "off";
  if (value === undefined) return "default";
  return typeof value === "object" ? JSON.stringify(value) : String(value);
}

function columns(model: SweepModel): Column[] {
  const out: Column[] = [{ label: "configuration", group: null, key: (r) => r.label, cell: (r) => h("td", {}, r.label) }];
  for (const setting of Object.keys(model.grid)) {
    out.push({
      label: setting,
      group: null,
      key: (r) => {
        const v = r.settings[setting];
        return typeof v === "number" ? v : settingText(v);
      },
      cell: (r) => h("td", { class: typeof r.settings[setting] === "number" ? "num" : null }, settingText(r.settings[setting])),
    });
  }
  for (const metric of model.metrics) {
    for (const objective of model.objectives) {
      const stats = (r: SweepConfiguration) => r.metrics[metric]?.byObjective[objective] ?? null;
      const label = model.configurations.find((c) => c.metrics[metric])?.metrics[metric]?.label ?? metric;
      out.push({
        label: objective,
        group: metric,
        title: `${label}: seed mean [95% interval], ${objective}`,
        key: (r) => stats(r)?.mean ?? null,
        cell: (r) => {
          const s = stats(r);
          return h("td", { class: "num" }, s === null ? "—" : interval(s.mean, s.low, s.high));
        },
      });
    }
  }
  out.push({
    label: "verdict",
    group: null,
    key: (r) => r.decision,
    cell: (r) =>
      h(
        "td",
        { title: r.headline },
        h("span", { class: `badge ${model.objectives.includes(r.decision) ? "obj" : "none"}`, style: `--c: ${objectiveColour(r.decision)}` }, r.decision),
      ),
  });
  return out;
}

function compareKeys(a: number | string | null, b: number | string | null): number {
  if (a === null || b === null) return a === b ? 0 : a === null ? 1 : -1;
  if (typeof a === "number" && typeof b === "number") return a - b;
  return String(a).localeCompare(String(b), undefined, { numeric: true });
}

/** The table; `data-sort` on it names the sorted column and direction (for tests and the reader). */
export function sweepTable(model: SweepModel): HTMLElement {
  const cols = columns(model);
  const table = h("table", { class: "metrics sortable" });
  const body = h("tbody");
  let sortBy = -1;
  let ascending = true;
  const headers = cols.map((col, i) =>
    h(
      "th",
      {
        title: col.title ?? `sort by ${col.label}`,
        rowspan: col.group === null ? 2 : null,
        onclick: () => {
          ascending = sortBy === i ? !ascending : true;
          sortBy = i;
          render();
        },
      },
      col.label,
      h("span", { class: "sort" }),
    ),
  );
  // Two header rows: a metric spans its objectives' columns; columns of their own span both rows.
  const top = h("tr");
  const second = h("tr");
  cols.forEach((col, i) => {
    if (col.group === null) top.append(headers[i]!);
    else {
      if (cols[i - 1]?.group !== col.group) {
        const span = cols.filter((c) => c.group === col.group).length;
        top.append(h("th", { colspan: span, class: "metric-group", title: col.title?.split(":")[0] }, METRIC_NAMES[col.group] ?? col.group));
      }
      second.append(headers[i]!);
    }
  });
  function render() {
    const rows = [...model.configurations];
    if (sortBy >= 0) {
      const col = cols[sortBy]!;
      // Missing values sort last either way.
      rows.sort((a, b) => {
        const x = col.key(a);
        const y = col.key(b);
        if (x === null || y === null) return compareKeys(x, y);
        return ascending ? compareKeys(x, y) : compareKeys(y, x);
      });
      table.dataset.sort = `${col.label} ${ascending ? "ascending" : "descending"}`;
    }
    headers.forEach((th, i) => {
      th.querySelector(".sort")!.textContent = i === sortBy ? (ascending ? " ▲" : " ▼") : "";
    });
    body.replaceChildren(...rows.map((row) => h("tr", {}, ...cols.map((col) => col.cell(row)))));
  }
  table.append(h("thead", {}, top, second), body);
  render();
  const best = model.objectives.map((objective) => {
    const entry = model.best[objective];
    return h(
      "li",
      {},
      h("span", { class: "badge obj", style: `--c: ${objectiveColour(objective)}` }, objective),
      " ",
      entry === null || entry === undefined
        ? "no configuration measured"
        : `${entry.label}: F1 ${num(entry.f1.mean)} [${num(entry.f1.low)}, ${num(entry.f1.high)}]`,
    );
  });
  return h(
    "div",
    { class: "sweep" },
    h("div", { class: "scroll" }, table),
    h("div", { class: "caption" }, "Click a column header to sort by it; click again to reverse."),
    h("h4", {}, "Best configuration per objective"),
    h("ul", { class: "best" }, ...best),
    h("div", { class: "caption" }, model.bestRule),
  );
}
