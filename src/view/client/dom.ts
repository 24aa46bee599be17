/**
 * The few DOM helpers every page uses: building elements from a tag, attributes and children (so a page
 * reads as the tree it makes), SVG elements, and number formatting. No framework: each page renders once
 * per route and replaces its own parts when the user picks something.
 */

type Child = Node | string | number | null | undefined | false | readonly Child[];
type Attributes = Record<string, string | number | boolean | null | undefined | EventListener>;

function apply(element: Element, attributes: Attributes): void {
  for (const [key, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") element.addEventListener(key.slice(2), value);
    else element.setAttribute(key, value === true ? "" : String(value));
  }
}

function append(element: Element, children: readonly Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(element, child);
    else element.append(typeof child === "object" ? (child as Node) : String(child));
  }
}

/** An HTML element: `h("td", { class: "num" }, "0.52")`. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attributes: Attributes = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  apply(element, attributes);
  append(element, children);
  return element;
}

const SVG = "http://www.w3.org/2000/svg";

/** An SVG element, attributes as given (viewBox, d, stroke-width …). */
export function s<K extends keyof SVGElementTagNameMap>(tag: K, attributes: Attributes = {}, ...children: Child[]): SVGElementTagNameMap[K] {
  const element = document.createElementNS(SVG, tag);
  apply(element, attributes);
  append(element, children);
  return element;
}

/** Replaces an element's children. */
export function fill(element: Element, ...children: Child[]): void {
  element.replaceChildren();
  append(element, children);
}

/** A number as the bundle's report writes it: 3 significant digits, fixed below 1e4, "—" for none. */
export function num(value: number | null | undefined, digits = 3): string {
  if (value === null || value === undefined || Number.isNaN(value)) return "—";
  if (!Number.isFinite(value)) return value > 0 ? "∞" : "−∞";
  if (value === 0) return "0";
  const magnitude = Math.abs(value);
  if (magnitude >= 1e4 || magnitude < 1e-3) return value.toExponential(digits - 1).replace("-", "−");
  const decimals = Math.max(0, digits - 1 - Math.floor(Math.log10(magnitude)));
  return value.toFixed(decimals).replace("-", "−");
}

/** "0.535 [0.530, 0.541]". */
export function interval(mean: number | null | undefined, low: number | null | undefined, high: number | null | undefined): string {
  return `${num(mean)} [${num(low)}, ${num(high)}]`;
}

/** A message box: an error (red), a note (amber) or plain information. */
export function notice(kind: "error" | "note" | "info", ...children: Child[]): HTMLDivElement {
  return h("div", { class: `notice ${kind}` }, ...children);
}

/** ISO-8601 UTC of seconds since the epoch, without milliseconds when they are zero. */
export function isoSeconds(seconds: number): string {
  if (!Number.isFinite(seconds)) return "—";
  return new Date(seconds * 1000).toISOString().replace(".000Z", "Z");
}
