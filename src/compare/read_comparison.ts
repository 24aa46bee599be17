/**
 * Reading `comparison.json` back: the model as it is written today, whatever version of spanlab wrote it.
 * Models written before comparisons took more than two objectives have no `pairs`: their one pair is
 * `difference`, `winner` and `rule` (first − second), so it is rebuilt from them and every reader sees
 * one shape.
 */
import { readJsonFile } from "../util/read_file.js";
import type { ComparisonResult, MetricComparison, SensitivityPoint } from "./types.js";

type Stored = Omit<MetricComparison, "pairs"> & { pairs?: MetricComparison["pairs"] };
type StoredPoint = Omit<SensitivityPoint, "pairs"> & { pairs?: SensitivityPoint["pairs"] };

/** `result` with `pairs` on every metric and sensitivity point (rebuilt from the one pair of an older model). */
export function withPairs(result: ComparisonResult): ComparisonResult {
  const [first, second] = (result.protocol.objectives ?? result.objectives.map((o) => o.name)) as [string, string];
  const metrics = (result.metrics as Stored[]).map(
    (m): MetricComparison => ({ ...m, pairs: m.pairs ?? [{ first, second, difference: m.difference, winner: m.winner, rule: m.rule }] }),
  );
  const sensitivity = result.sensitivity && {
    ...result.sensitivity,
    points: (result.sensitivity.points as StoredPoint[]).map((p): SensitivityPoint => ({ ...p, pairs: p.pairs ?? [{ first, second, ...p.difference }] })),
  };
  return { ...result, metrics, sensitivity };
}

/** The comparison model of a bundle folder's `comparison.json`. */
export function readComparisonModel(path: string): ComparisonResult {
  return withPairs(readJsonFile(path, "comparison model", "the comparison.json spanlab compare writes") as ComparisonResult);
}
