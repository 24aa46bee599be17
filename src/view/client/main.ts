/**
 * The entry of `spanlab view`'s pages: a router on `location.hash` (`#/runs`, `#/bars?id=…`,
 * `#/window?id=…&window=…`, `#/review?id=…`), so every view has a URL to reload or share while the server
 * runs, and the server serves one static page. A route renders into `<main>`; the page it replaces is
 * disposed first (its charts hold canvases and listeners).
 */
import "./style.css";
import { ApiError } from "./api.js";
import { fill, h, notice } from "./dom.js";
import { barsPage } from "./pages/bars.js";
import { reviewPage } from "./pages/review.js";
import { runsPage } from "./pages/runs.js";
import { windowPage } from "./pages/window.js";
import { type PageContext, route, routeHref } from "./router.js";

type Page = (root: HTMLElement, params: URLSearchParams, context: PageContext) => Promise<void>;

const PAGES: Record<string, { title: string; render: Page }> = {
  runs: { title: "Runs", render: runsPage },
  bars: { title: "Bars", render: barsPage },
  window: { title: "Window", render: windowPage },
  review: { title: "Label review", render: reviewPage },
};

const main = document.getElementById("page")!;
const nav = document.getElementById("nav")!;
let disposers: (() => void)[] = [];
let generation = 0;

async function render(): Promise<void> {
  const { page, params } = route();
  const name = page in PAGES ? page : "runs";
  for (const dispose of disposers) dispose();
  disposers = [];
  const mine = ++generation;
  fill(nav, ...Object.entries(PAGES).map(([key, { title }]) => h("a", { href: routeHref(key, {}), class: key === name ? "active" : null }, title)));
  document.title = `${PAGES[name]!.title} · spanlab view`;
  main.className = name === "runs" ? "" : "wide";
  // The first route's clock starts at navigation (performance.now() is 0 there); later ones at the click.
  const started = mine === 1 ? 0 : performance.now();
  const root = h("div", { class: `page page-${name}` });
  fill(main, root);
  try {
    await PAGES[name]!.render(root, params, {
      started,
      onDispose: (dispose) => disposers.push(dispose),
      current: () => mine === generation,
    });
  } catch (error) {
    if (mine !== generation) return;
    const message = error instanceof ApiError ? `${error.message} (HTTP ${error.status})` : error instanceof Error ? error.message : String(error);
    root.append(notice("error", message));
    // Visible on the page; the console gets it too, so a failure in a test names itself.
    console.error(error);
  }
}

window.addEventListener("hashchange", () => void render());
void render();
