/**
 * The settings that differ between two runs or comparisons (issue 12: "a config diff between any two
 * runs"): a run folder's config.json (its training configuration and the pos_weight it resolved), or a
 * comparison folder's compare_config.json (its protocol). Nested settings are compared leaf by leaf.
 */
import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { readJsonFile } from "../util/read_file.js";

export interface ConfigDifference {
  key: string;
  a: unknown;
  b: unknown;
}

/** The settings of `path` as dotted keys: a run's `config` and `pos_weight`, or a comparison's `protocol`. */
export function readSettings(path: string): { kind: "run" | "comparison"; settings: Record<string, unknown> } {
  const folder = existsSync(path) && statSync(path).isDirectory() ? path : null;
  if (folder === null) throw new Error(`${path}: not a folder`);
  const flat = (value: unknown, prefix: string, out: Record<string, unknown>) => {
    if (value && typeof value === "object" && !Array.isArray(value)) {
      for (const [k, v] of Object.entries(value)) flat(v, prefix ? `${prefix}.${k}` : k, out);
    } else out[prefix] = value;
    return out;
  };
  if (existsSync(join(folder, "config.json"))) {
    const manifest = readJsonFile(join(folder, "config.json"), "run configuration", "a run's config.json as spanlab writes it") as Record<string, unknown>;
    return {
      kind: "run",
      settings: flat({ config: manifest.config, pos_weight: manifest.pos_weight, split: { kind: (manifest.split as { kind?: string })?.kind } }, "", {}),
    };
  }
  if (existsSync(join(folder, "compare_config.json"))) {
    const stored = readJsonFile(join(folder, "compare_config.json"), "comparison configuration", "a compare_config.json as spanlab writes it") as Record<
      string,
      unknown
    >;
    return { kind: "comparison", settings: flat({ data: stored.data, protocol: stored.protocol }, "", {}) };
  }
  throw new Error(`${path}: neither a run folder (config.json) nor a comparison folder (compare_config.json)`);
}

export function configDiff(a: string, b: string): { a: string; b: string; differences: ConfigDifference[]; same: number } {
  const left = readSettings(a);
  const right = readSettings(b);
  if (left.kind !== right.kind) throw new Error(`${a} is a ${left.kind} and ${b} a ${right.kind}: compare two runs or two comparisons`);
  const keys = [...new Set([...Object.keys(left.settings), ...Object.keys(right.settings)])].sort();
  const differences: ConfigDifference[] = [];
  let same = 0;
  for (const key of keys) {
    const x = left.settings[key];
    const y = right.settings[key];
    if (JSON.stringify(x) === JSON.stringify(y)) same++;
    else differences.push({ key, a: x, b: y });
  }
  return { a, b, differences, same };
}

export function formatConfigDiff(diff: ReturnType<typeof configDiff>): string {
  const show = (v: unknown) => (v === undefined ? "(absent)" : JSON.stringify(v));
  if (diff.differences.length === 0) return `${diff.a} and ${diff.b}: the same settings (${diff.same} compared)`;
  const width = Math.max(...diff.differences.map((d) => d.key.length));
  return [
    `${diff.differences.length} setting(s) differ (${diff.same} the same): ${diff.a} → ${diff.b}`,
    ...diff.differences.map((d) => `  ${d.key.padEnd(width)}  ${show(d.a)} → ${show(d.b)}`),
  ].join("\n");
}
