/**
 * Ranked label review (docs/spec.md §14): a comparison's windows ordered by how strongly out-of-fold
 * predictions disagree with their annotation (`GET /api/review`; the scores are defined in
 * src/compare/label_disagreement.ts). Clicking a window opens it in the review editor below, on the
 * comparison's own window file, where accept / adjust / relabel / delete act on it through the one POST.
 * When that file is not under a served folder the server gives no id for it: the list still shows, and
 * says why the windows cannot be edited here.
 */
import { type CatalogItem, getJson } from "./api.js";
import { h, notice, num } from "./dom.js";
import { navigate } from "./router.js";

export interface RankedWindow {
  window_id: string;
  index: number;
  label: string;
  span: [number, number];
  runs: string[];
  pSpan: number;
  pLabel: number;
  spanScore: number;
  labelScore: number;
}

export interface ReviewResponse {
  comparison: { id: string; path: string };
  data: { id: string | null; path: string; reason: string | null };
  formula: string;
  runs: { run: string; validationWindows: number }[];
  skipped: { run: string; reason: string }[];
  windows: RankedWindow[];
  unscored: { window_id: string; index: number }[];
}

/** The ranked list for the comparison of `?comparison=` (or the first), or a note saying why there is none. */
export async function rankedReviewSection(items: readonly CatalogItem[], params: URLSearchParams): Promise<HTMLElement> {
  const comparisons = items.filter((i) => i.kind === "comparison");
  const section = h("section", { class: "ranked-review", "data-testid": "ranked-review" }, h("h2", {}, "Windows ranked by disagreement"));
  if (comparisons.length === 0) {
    section.append(notice("note", "Ranked review needs a comparison (spanlab compare) under the roots: its runs' out-of-fold predictions score the windows."));
    return section;
  }
  const picked = comparisons.find((c) => c.id === params.get("comparison")) ?? comparisons[0]!;
  const select = h("select", { "aria-label": "comparison to rank by" }, ...comparisons.map((c) => h("option", { value: c.id }, c.path)));
  select.value = picked.id;
  select.addEventListener("change", () => navigate("review", { comparison: select.value }));
  section.append(h("div", { class: "toolbar" }, h("label", {}, "comparison"), select));
  let review: ReviewResponse;
  try {
    review = await getJson<ReviewResponse>("/api/review", { id: picked.id });
  } catch (error) {
    section.append(notice("error", `GET /api/review failed: ${(error as Error).message}`));
    return section;
  }
  const editable = review.data.id;
  section.append(
    editable === null
      ? notice("note", `Edits are disabled: ${review.data.reason ?? "the window file has no catalog id"}`)
      : h("p", { class: "muted" }, `Window file ${review.data.path}. Click a window to open it below and accept, adjust, relabel or delete its span.`),
  );
  if (review.skipped.length > 0) section.append(notice("note", `Runs not used: ${review.skipped.map((s) => `${s.run} (${s.reason})`).join("; ")}`));
  const current = params.get("window");
  const rows = review.windows.map((w, rank) =>
    h(
      "tr",
      {
        "data-testid": "review-row",
        "data-window": w.window_id,
        "data-span-score": w.spanScore,
        class: [w.window_id === current ? "selected" : null, editable === null ? null : "clickable"].filter(Boolean).join(" ") || null,
        title: editable === null ? (review.data.reason ?? "") : "open this window in the editor below",
        onclick: editable === null ? null : () => navigate("review", { comparison: picked.id, id: editable, window: w.window_id }),
      },
      h("td", { class: "num" }, rank + 1),
      h("td", {}, w.window_id),
      h("td", {}, w.label),
      h("td", { class: "num" }, `${w.span[0]}–${w.span[1]}`),
      h("td", { class: "num" }, num(w.pSpan)),
      h("td", { class: "num" }, num(w.pLabel)),
      h("td", { class: "nw" }, w.runs.join(", ")),
    ),
  );
  section.append(
    h(
      "div",
      { class: "scroll ranked-table" },
      h(
        "table",
        { class: "metrics" },
        h("thead", {}, h("tr", {}, ...["rank", "window", "label", "annotated span", "P(IoU ≥ ½)", "P(label)", "runs"].map((t) => h("th", {}, t)))),
        h("tbody", {}, ...rows),
      ),
    ),
    h(
      "p",
      { class: "caption" },
      `${review.windows.length} windows scored by out-of-fold predictions of ${review.runs.length} runs; ${review.unscored.length} no run validated (unscored). ${review.formula}.`,
    ),
  );
  // The unscored ids folded away: a few hundred of them would bury the table.
  if (review.unscored.length > 0) {
    section.append(
      h(
        "details",
        {},
        h("summary", {}, `the ${review.unscored.length} unscored windows`),
        h("p", { class: "caption" }, review.unscored.map((u) => u.window_id).join(", ")),
      ),
    );
  }
  return section;
}
