/**
 * The Runs page: every sweep, comparison and run of the catalog. Per comparison its headline table, then
 * its runs' per-epoch charts grouped by objective and configuration (src/view/client/run_groups.ts); per
 * sweep its sortable configuration table, then each configuration's comparison the same way; runs
 * outside any comparison last; and the config diff between any two runs.
 */
import { type CatalogItem, getCatalogInfo, getJson, mapLimit } from "../api.js";
import { comparisonHeadline } from "../comparison_table.js";
import { diffPanel } from "../diff_panel.js";
import { fill, h, notice } from "../dom.js";
import type { ComparisonModel, RunResponse, SweepModel } from "../model_types.js";
import { groupRow } from "../run_charts.js";
import { below, type Container, deepestHolder, groupRuns, type RunData } from "../run_groups.js";
import { sweepTable } from "../sweep_table.js";

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;
const titleOf = (item: CatalogItem) => (item.path === "" || item.path === "." ? `${item.root} (root)` : item.path);

async function fetchOrError<T>(route: string, id: string): Promise<T | Error> {
  try {
    return await getJson<T>(route, { id });
  } catch (error) {
    return error as Error;
  }
}

function containerBody(container: Container, model: ComparisonModel | Error | undefined): HTMLElement {
  const body = h("div", { class: "container-body" });
  if (model instanceof Error) body.append(notice("error", `comparison.json: ${model.message}`));
  else if (model !== undefined) body.append(comparisonHeadline(model));
  // Groups in the comparison's objective order (its protocol's), the main runs before the sensitivity ones.
  const order = model instanceof Error || model === undefined ? [] : model.protocol.objectives;
  const rank = (objective: string) => (order.includes(objective) ? order.indexOf(objective) : order.length);
  const groups = [...container.groups].sort(
    (a, b) => Number(a.label.includes("/")) - Number(b.label.includes("/")) || rank(a.objective) - rank(b.objective) || a.label.localeCompare(b.label),
  );
  body.append(h("h4", {}, "Training curves"), ...groups.map(groupRow));
  return body;
}

export async function runsPage(root: HTMLElement): Promise<void> {
  const info = await getCatalogInfo();
  const items = info.items;
  const runs = items.filter((i) => i.kind === "run");
  const comparisons = items.filter((i) => i.kind === "comparison");
  const sweeps = items.filter((i) => i.kind === "sweep");
  const status = h("div", { class: "muted" }, `loading ${runs.length} runs, ${comparisons.length} comparisons, ${sweeps.length} sweeps…`);
  fill(root, h("h1", {}, "Runs"), status);

  const [runData, comparisonModels, sweepModels] = await Promise.all([
    mapLimit(runs, 6, async (item) => ({ item, run: await fetchOrError<RunResponse>("/api/run", item.id) })),
    mapLimit(comparisons, 4, (item) => fetchOrError<ComparisonModel>("/api/comparison", item.id)),
    mapLimit(sweeps, 2, (item) => fetchOrError<SweepModel>("/api/sweep", item.id)),
  ]);
  const failedRuns = runData.filter((r) => r.run instanceof Error);
  const good = runData.filter((r): r is RunData => !(r.run instanceof Error));
  const modelOf = new Map(comparisons.map((c, i) => [c.id, comparisonModels[i]]));
  const containers = groupRuns(good, comparisons);

  const contents = h("ul", { class: "contents" });
  const sections: HTMLElement[] = [];
  const anchor = (title: string, kind: string, element: HTMLElement) => {
    const index = sections.length;
    element.id = `section-${index}`;
    contents.append(
      h(
        "li",
        {},
        h("span", { class: "kind" }, kind),
        " ",
        h(
          "a",
          {
            href: `#/runs`,
            onclick: (event: Event) => {
              event.preventDefault();
              element.scrollIntoView({ behavior: "smooth" });
            },
          },
          title,
        ),
      ),
    );
    sections.push(element);
  };

  // Sweeps first: each holds its table and its configurations' comparisons.
  const inSweep = new Set<string>();
  sweeps.forEach((sweep, i) => {
    const model = sweepModels[i]!;
    const section = h("section", { class: "container" }, h("h2", {}, "Sweep ", h("code", {}, titleOf(sweep))));
    if (model instanceof Error) section.append(notice("error", `sweep.json: ${model.message}`));
    else {
      section.append(
        h(
          "div",
          { class: "meta" },
          `${model.configurations.length} configurations · objectives ${model.objectives.join(", ")} · seeds ${model.seeds.join(", ")}`,
        ),
        sweepTable(model),
      );
    }
    const own = containers.filter((c) => c.comparison !== null && deepestHolder(c.comparison, sweeps) === sweep);
    own.forEach((container, k) => {
      const comparison = container.comparison!;
      inSweep.add(comparison.id);
      const configuration = model instanceof Error ? undefined : model.configurations.find((c) => below(comparison, sweep) === c.bundle.replace(/\/$/, ""));
      const details = h(
        "details",
        { class: "configuration", open: k < 2 },
        h("summary", {}, h("strong", {}, configuration?.label ?? below(comparison, sweep)), " ", h("span", { class: "muted" }, below(comparison, sweep))),
        containerBody(container, modelOf.get(comparison.id)),
      );
      section.append(details);
    });
    anchor(titleOf(sweep), "sweep", section);
  });
  for (const container of containers) {
    if (container.comparison !== null && inSweep.has(container.comparison.id)) continue;
    const title = container.comparison === null ? "Runs outside any comparison" : titleOf(container.comparison);
    const section = h(
      "section",
      { class: "container" },
      h("h2", {}, container.comparison === null ? title : h("span", {}, "Comparison ", h("code", {}, title))),
      containerBody(container, container.comparison === null ? undefined : modelOf.get(container.comparison.id)),
    );
    anchor(title, container.comparison === null ? "runs" : "comparison", section);
  }
  // Comparisons whose runs the catalog did not list (e.g. runs deleted) still show their headline.
  for (const comparison of comparisons) {
    if (containers.some((c) => c.comparison?.id === comparison.id)) continue;
    const model = modelOf.get(comparison.id);
    const section = h("section", { class: "container" }, h("h2", {}, "Comparison ", h("code", {}, titleOf(comparison))));
    section.append(
      model instanceof Error ? notice("error", model.message) : model ? comparisonHeadline(model) : "",
      h("p", { class: "muted" }, "No run folder of it was found."),
    );
    anchor(titleOf(comparison), "comparison", section);
  }

  const diffSection = h(
    "section",
    { class: "container" },
    h("h2", {}, "Config diff"),
    h("p", { class: "caption" }, "Pick two runs (or two comparisons): only the settings that differ are listed."),
    diffPanel(items),
  );
  anchor("Config diff", "tool", diffSection);

  fill(
    root,
    h("h1", {}, "Runs"),
    h(
      "div",
      { class: "meta", "data-runs": good.length },
      `${plural(good.length, "run")} · ${plural(comparisons.length, "comparison")} · ${plural(sweeps.length, "sweep")}. `,
      "Each run draws two loss lines, train (dashed) and validation (solid).",
    ),
    info.truncated
      ? notice(
          "note",
          `Discovery stopped after ${info.limit.toLocaleString()} entries: some folders under ${info.roots.join(", ")} were not looked at. Serve a narrower folder.`,
        )
      : null,
    ...failedRuns.map((r) => notice("error", `${r.item.path}: ${(r.run as Error).message}`)),
    runs.length + comparisons.length + sweeps.length === 0 ? notice("note", "No run, comparison or sweep was found under the roots.") : null,
    contents,
    ...sections,
  );
}
