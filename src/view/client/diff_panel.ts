/**
 * The config diff between two runs (or two comparisons) picked in the page: `GET /api/diff?a=&b=` runs
 * the library's configDiff, which compares the settings leaf by leaf; only the settings that differ are
 * listed, with how many were the same.
 */
import { ApiError, type CatalogItem, getJson } from "./api.js";
import { fill, h, notice } from "./dom.js";
import type { ConfigDiff } from "./model_types.js";

function picker(items: readonly CatalogItem[], selected: string, label: string): HTMLSelectElement {
  const element = h("select", { "aria-label": label });
  for (const kind of ["run", "comparison"] as const) {
    const group = h("optgroup", { label: kind === "run" ? "runs" : "comparisons" });
    for (const item of items.filter((i) => i.kind === kind)) group.append(h("option", { value: item.id }, item.path || "(root)"));
    if (group.children.length > 0) element.append(group);
  }
  element.value = selected;
  return element;
}

const show = (value: unknown) => (value === undefined ? "(absent)" : JSON.stringify(value));

/** The panel: two pickers, a button, the differences. */
export function diffPanel(items: readonly CatalogItem[]): HTMLElement {
  const candidates = items.filter((i) => i.kind === "run" || i.kind === "comparison");
  const runs = candidates.filter((i) => i.kind === "run");
  const a = picker(candidates, runs[0]?.id ?? "", "first run");
  const b = picker(candidates, runs[1]?.id ?? runs[0]?.id ?? "", "second run");
  const out = h("div", { class: "diff-out" });
  const go = async () => {
    fill(out, h("span", { class: "muted" }, "comparing…"));
    try {
      const diff = await getJson<ConfigDiff>("/api/diff", { a: a.value, b: b.value });
      if (diff.differences.length === 0) {
        fill(out, notice("info", `The same settings (${diff.same} compared).`));
        return;
      }
      fill(
        out,
        h("div", { class: "caption" }, `${diff.differences.length} setting(s) differ, ${diff.same} the same.`),
        h(
          "table",
          { class: "metrics", "data-testid": "diff" },
          h("thead", {}, h("tr", {}, h("th", {}, "setting"), h("th", {}, diff.a), h("th", {}, diff.b))),
          h("tbody", {}, ...diff.differences.map((d) => h("tr", {}, h("td", {}, h("code", {}, d.key)), h("td", {}, show(d.a)), h("td", {}, show(d.b))))),
        ),
      );
    } catch (error) {
      fill(out, notice("error", error instanceof ApiError ? error.message : String(error)));
    }
  };
  if (candidates.length < 2) return h("div", { class: "muted" }, "A diff needs two runs or two comparisons.");
  return h(
    "div",
    { class: "diff" },
    h("div", { class: "toolbar" }, a, h("span", {}, "vs"), b, h("button", { onclick: () => void go() }, "show differences")),
    out,
  );
}
