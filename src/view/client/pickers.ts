/**
 * File pickers over the catalog: a `<select>` of the items of one kind, those beside a reference file
 * first (same folder: what predict and data windows write next to their inputs), with an optional "none".
 */
import { type CatalogItem, folderOf, type ItemKind } from "./api.js";
import { h } from "./dom.js";

export const NONE = "none";

export function itemPicker(
  items: readonly CatalogItem[],
  kind: ItemKind,
  options: { value: string; beside?: CatalogItem | null; none?: string; label: string; onChange: (id: string) => void },
): HTMLSelectElement {
  const element = h("select", { "aria-label": options.label });
  if (options.none) element.append(h("option", { value: NONE }, options.none));
  const ofKind = items.filter((i) => i.kind === kind);
  const reference = options.beside ?? null;
  const isBeside = (item: CatalogItem) => reference !== null && item.root === reference.root && folderOf(item) === folderOf(reference);
  const groups: [string, CatalogItem[]][] =
    reference === null
      ? [["", ofKind]]
      : [
          ["beside it", ofKind.filter(isBeside)],
          ["elsewhere", ofKind.filter((i) => !isBeside(i))],
        ];
  for (const [label, list] of groups) {
    if (list.length === 0) continue;
    const parent = label === "" ? element : h("optgroup", { label });
    for (const item of list) parent.append(h("option", { value: item.id }, item.path));
    if (parent !== element) element.append(parent);
  }
  element.value = options.value;
  element.addEventListener("change", () => options.onChange(element.value));
  return element;
}

/** The default pick of `kind` for a reference file: the first beside it, else none. */
export function besideDefault(items: readonly CatalogItem[], kind: ItemKind, reference: CatalogItem): string {
  // The largest of them: a detections file with rows before one predict left empty (a threshold above every p).
  const beside = items.filter((i) => i.kind === kind && i.root === reference.root && folderOf(i) === folderOf(reference));
  return (
    beside.reduce<CatalogItem | undefined>((best, item) => (best === undefined || (item.bytes ?? 0) > (best.bytes ?? 0) ? item : best), undefined)?.id ?? NONE
  );
}
