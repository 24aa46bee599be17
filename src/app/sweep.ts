/**
 * `spanlab sweep` end to end: every configuration's comparison bundle (compare/ and report/, as `spanlab
 * compare` writes it), then the sweep model and its documents.
 */
import { readComparisonModel } from "../compare/read_comparison.js";
import { join } from "node:path";
import { existsSync } from "node:fs";
import { resumeSweep, sweep, type SweepOptions } from "../compare/sweep.js";
import type { SweepResult } from "../compare/sweep_types.js";
import { writeBundle } from "../report/bundle.js";
import { writeSweepBundle } from "../report/sweep_bundle.js";

export interface SweepOutcome {
  directory: string;
  result: SweepResult;
  files: string[];
}

/** Each configuration's bundle documents (once: a resumed sweep skips bundles already written). */
async function withBundles(outcome: { directory: string; result: SweepResult }, onMessage?: (message: string) => void): Promise<SweepOutcome> {
  for (const configuration of outcome.result.configurations) {
    const bundle = join(outcome.directory, configuration.bundle);
    if (existsSync(join(bundle, "report.html"))) continue;
    onMessage?.(`writing the bundle of ${configuration.label}`);
    await writeBundle(readComparisonModel(join(bundle, "comparison.json")), bundle);
  }
  onMessage?.("writing the sweep documents");
  const files = await writeSweepBundle(outcome.result, outcome.directory);
  return { ...outcome, files };
}

export async function sweepAndWriteBundles(options: SweepOptions): Promise<SweepOutcome> {
  return withBundles(await sweep(options), options.onMessage);
}

export async function resumeSweepAndWriteBundles(directory: string, options: Parameters<typeof resumeSweep>[1] = {}): Promise<SweepOutcome> {
  return withBundles(await resumeSweep(directory, options), options.onMessage);
}
