/**
 * How the Runs page groups runs: every run belongs to the deepest comparison folder holding it (else to
 * "runs outside any comparison"), and every comparison to the sweep folder holding it, if any. Inside a
 * container, runs that differ only in their seed form one group — the run folder's path below the
 * container with `runs/` and the `-seed<N>` suffix dropped: `runs/soft-seed42` → `soft`,
 * `runs/sensitivity/soft-pw1-seed42` → `sensitivity/soft-pw1` — so a group is one objective under one
 * configuration, and its mean and min–max band are over seeds only.
 */
import type { CatalogItem } from "./api.js";
import type { EpochRecord, RunResponse } from "./model_types.js";

export interface RunData {
  item: CatalogItem;
  run: RunResponse;
}

export interface RunGroup {
  /** "soft", "sensitivity/soft-pw1". */
  label: string;
  /** The objective (config.loss) of its runs, for colour. */
  objective: string;
  runs: RunData[];
}

export interface Container {
  /** The comparison (or null: runs outside any comparison). */
  comparison: CatalogItem | null;
  groups: RunGroup[];
}

const normal = (path: string) => (path === "." ? "" : path);

/** Whether `child` lies strictly below folder `parent` (same root). */
export function isBelow(child: CatalogItem, parent: CatalogItem): boolean {
  if (child.root !== parent.root) return false;
  const base = normal(parent.path);
  const path = normal(child.path);
  return base === "" ? path !== "" : path.startsWith(`${base}/`);
}

/** Path of `child` below `parent` ("" when it is the same). */
export function below(child: CatalogItem, parent: CatalogItem | null): string {
  const path = normal(child.path);
  if (parent === null) return path;
  const base = normal(parent.path);
  return base === "" ? path : path.slice(base.length + 1);
}

/** The deepest of `candidates` holding `item`, or null. */
export function deepestHolder(item: CatalogItem, candidates: readonly CatalogItem[]): CatalogItem | null {
  let best: CatalogItem | null = null;
  for (const candidate of candidates) {
    if (isBelow(item, candidate) && (best === null || normal(candidate.path).length > normal(best.path).length)) best = candidate;
  }
  return best;
}

/** The group label of a run inside its container (see the module comment). */
export function groupLabel(relativePath: string): string {
  return relativePath.replace(/^runs\//, "").replace(/-seed\d+$/, "") || relativePath;
}

/** Runs grouped into containers, comparisons in the order given, the outside runs last. */
export function groupRuns(runs: readonly RunData[], comparisons: readonly CatalogItem[]): Container[] {
  const byComparison = new Map<string, Map<string, RunGroup>>();
  const outside = new Map<string, RunGroup>();
  for (const data of runs) {
    const holder = deepestHolder(data.item, comparisons);
    let groups = outside;
    if (holder !== null) {
      groups = byComparison.get(holder.id) ?? new Map();
      byComparison.set(holder.id, groups);
    }
    const label = groupLabel(below(data.item, holder));
    const objective = String(data.run.config.config?.loss ?? "unknown");
    const key = `${label}\u0000${objective}`;
    const group = groups.get(key) ?? { label, objective, runs: [] };
    group.runs.push(data);
    groups.set(key, group);
  }
  const sorted = (groups: Map<string, RunGroup>) =>
    [...groups.values()].sort((a, b) => Number(a.label.includes("/")) - Number(b.label.includes("/")) || a.label.localeCompare(b.label));
  const containers: Container[] = comparisons.filter((c) => byComparison.has(c.id)).map((c) => ({ comparison: c, groups: sorted(byComparison.get(c.id)!) }));
  if (outside.size > 0) containers.push({ comparison: null, groups: sorted(outside) });
  return containers;
}

/** Per epoch: mean, min and max over the runs that have it. */
export function acrossSeeds(
  records: readonly (readonly EpochRecord[])[],
  value: (record: EpochRecord) => number | undefined,
): [number, number, number, number][] {
  const byEpoch = new Map<number, number[]>();
  for (const list of records) {
    for (const record of list) {
      const v = value(record);
      if (v === undefined || !Number.isFinite(v)) continue;
      const values = byEpoch.get(record.epoch) ?? [];
      values.push(v);
      byEpoch.set(record.epoch, values);
    }
  }
  return [...byEpoch.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([epoch, values]) => [epoch, values.reduce((x, y) => x + y, 0) / values.length, Math.min(...values), Math.max(...values)]);
}

/** The colours the bundle's report gives each objective, then a fallback palette. */
const OBJECTIVE_COLOURS: Record<string, string> = { soft: "#0072B2", crf: "#D55E00", segment_crf: "#CC79A7" };
const FALLBACK = ["#009E73", "#E69F00", "#56B4E9", "#000000"];

export function objectiveColour(objective: string): string {
  const known = OBJECTIVE_COLOURS[objective];
  if (known) return known;
  let hash = 0;
  for (const ch of objective) hash = (hash * 31 + ch.charCodeAt(0)) >>> 0;
  return FALLBACK[hash % FALLBACK.length]!;
}

export const TASK_COLOURS: Record<string, string> = { pointer: "#4c78a8", type: "#f58518", span: "#54a24b", countdown: "#b279a2" };
