/**
 * `spanlab sweep` end to end: every configuration's comparison bundle (compare/ and report/, as `spanlab
 * compare` writes it), then the sweep model and its documents.
 */
import { readComparisonModel } from "../compare/read_comparison.js";
import { join } from "node:path";
import { resumeSweep, sweep, type SweepOptions } from "../compare/sweep.js";
import type { SweepResult } from "../compare/sweep_types.js";
import { bundleComplete, writeBundle } from "../report/bundle.js";
import { writeSweepBundle } from "../report/sweep_bundle.js";

export interface SweepOutcome {
  directory: string;
  result: SweepResult;
  files: string[];
}

/**
 * The sweep `run` starts, with the documents written by its `finish` hook, inside the sweep folder's lock:
 * each configuration's bundle (a resumed sweep skips bundles already complete, every file its manifest
 * names present and unchanged), then the sweep documents.
 */
async function withBundles(
  run: (finish: NonNullable<SweepOptions["finish"]>) => Promise<{ directory: string; result: SweepResult }>,
  onMessage?: (message: string) => void,
): Promise<SweepOutcome> {
  let files: string[] = [];
  const outcome = await run(async ({ directory, result }) => {
    for (const configuration of result.configurations) {
      const bundle = join(directory, configuration.bundle);
      if (bundleComplete(bundle)) continue;
      onMessage?.(`writing the bundle of ${configuration.label}`);
      await writeBundle(readComparisonModel(join(bundle, "comparison.json")), bundle);
    }
    onMessage?.("writing the sweep documents");
    files = await writeSweepBundle(result, directory);
  });
  return { ...outcome, files };
}

export async function sweepAndWriteBundles(options: SweepOptions): Promise<SweepOutcome> {
  return withBundles((finish) => sweep({ ...options, finish }), options.onMessage);
}

export async function resumeSweepAndWriteBundles(directory: string, options: Parameters<typeof resumeSweep>[1] = {}): Promise<SweepOutcome> {
  return withBundles((finish) => resumeSweep(directory, { ...options, finish }), options.onMessage);
}
