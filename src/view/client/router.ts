/**
 * Hash routes: `#/<page>?<params>`. Pages read their parameters from here and link to each other with
 * `routeHref`, so a pick (a bars file, a window) is a navigation the back button undoes.
 */

export interface PageContext {
  /** performance.now() when the route began (0 for the page's first route: navigation start). */
  started: number;
  /** Registers cleanup run before the next route renders. */
  onDispose: (dispose: () => void) => void;
  /** Whether this route is still the one shown (a slow load must not draw over a newer page). */
  current: () => boolean;
}

export function route(): { page: string; params: URLSearchParams } {
  const text = location.hash.replace(/^#\/?/, "");
  const q = text.indexOf("?");
  return { page: q < 0 ? text : text.slice(0, q), params: new URLSearchParams(q < 0 ? "" : text.slice(q + 1)) };
}

export function routeHref(page: string, params: Record<string, string | number | null | undefined>): string {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== null && value !== undefined && value !== "") query.set(key, String(value));
  const text = query.toString();
  return `#/${page}${text ? `?${text}` : ""}`;
}

export function navigate(page: string, params: Record<string, string | number | null | undefined>): void {
  location.hash = routeHref(page, params);
}
