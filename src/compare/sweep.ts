/**
 * `spanlab sweep` as a library (docs/spec.md §7, issue 12): the reference's roadmap as experiments. A grid
 * of configurations (epochs, pos_weight, position feature, learning rate, batch size, task weighting),
 * each run as a full paired comparison of the objectives over the same seeds and splits into
 * `<sweep>/configs/<label>/` (a compare bundle of its own), then one sweep model, `sweep.json`: a row
 * per configuration with the seed mean and interval of the headline metrics per objective, and the best
 * configuration per objective by a stated rule. Resumable: `sweep_config.json` is written first, a
 * finished configuration (its comparison.json) is kept, an interrupted one resumes.
 */
import { readComparisonModel } from "./read_comparison.js";
import { existsSync } from "node:fs";
import { join, relative } from "node:path";
import { createFreshDirectory, writeFileAtomic } from "../util/files.js";
import { packageVersion } from "../util/package.js";
import type { TaskWeighting } from "../model/jade_compact.js";
import type { PosWeightSetting } from "../train/pos_weight.js";
import { posWeightSettingText } from "../train/pos_weight.js";
import { COMPARISON_FILE, compare, comparedObjectives, resumeComparison, storedObjectives, type CompareOptions } from "./compare.js";
import { withFolderLock } from "../util/lock.js";
import type { ComparisonResult } from "./types.js";
import type { SweepConfiguration, SweepResult, SweepSettings } from "./sweep_types.js";
import { readJsonFile } from "../util/read_file.js";
import { resolveTrainConfig } from "../train/config.js";
import { loadWindowsReport } from "../data/load.js";

/** The grid: every listed value of every setting, crossed. A setting left out keeps compare's default. */
export interface SweepGrid {
  epochs?: number[];
  posWeight?: PosWeightSetting[];
  position?: boolean[];
  learningRate?: number[];
  batchSize?: number[];
  weighting?: TaskWeighting[];
}

export interface SweepOptions {
  data: string;
  grid: SweepGrid;
  seeds?: number;
  firstSeed?: number;
  workers?: number;
  /** Where the training runs execute (default: worker threads here). */
  executor?: CompareOptions["executor"];
  /** Parent of new sweep folders (default `sweeps`). */
  root?: string;
  /** Exact sweep folder to create. */
  out?: string;
  /** The span objectives every configuration compares (default: compare's, every registered objective). */
  objectives?: readonly string[];
  onRunEvent?: CompareOptions["onRunEvent"];
  onMessage?: (message: string) => void;
  /**
   * Runs once sweep.json is written, still holding the sweep folder's lock: the application writes the
   * documents here, so no second `sweep --resume` can start on the folder in between.
   */
  finish?: (outcome: { directory: string; result: SweepResult }) => Promise<void>;
}

const SWEEP_CONFIG = "sweep_config.json";
export const SWEEP_FILE = "sweep.json";

/** The metrics a sweep row reports, primary first. */
export const SWEEP_METRICS = ["f1_native", "iou_single_span", "strict_f1_single_span", "separation", "classification_accuracy"] as const;

interface StoredSweepConfig {
  spanlab_version: string;
  data: string;
  grid: SweepGrid;
  seeds: number;
  firstSeed: number;
  /** Absent in sweeps written before it: the reference pair, soft span loss vs CRF (the default then). */
  objectives?: string[];
}

const ORDER: (keyof SweepGrid)[] = ["epochs", "posWeight", "position", "learningRate", "batchSize", "weighting"];

function valueText(key: keyof SweepGrid, value: unknown): string {
  if (key === "position") return value ? "on" : "off";
  if (key === "posWeight") return posWeightSettingText(value as PosWeightSetting);
  return String(value);
}

/** Every configuration of the grid, in grid order (the first setting varies slowest). */
export function gridConfigurations(grid: SweepGrid): SweepSettings[] {
  let configurations: SweepSettings[] = [{}];
  for (const key of ORDER) {
    const values = grid[key];
    if (values === undefined) continue;
    if (values.length === 0) throw new Error(`sweep grid: ${key} lists no value`);
    if (new Set(values.map(String)).size !== values.length) throw new Error(`sweep grid: ${key} lists a value twice`);
    configurations = configurations.flatMap((settings) => values.map((value) => ({ ...settings, [key]: value })));
  }
  return configurations;
}

/** "epochs 100, position on" and its folder name "epochs100-position-on". */
export function configurationLabel(settings: SweepSettings): { label: string; folder: string } {
  const parts = ORDER.filter((key) => settings[key] !== undefined).map((key) => [key, valueText(key, settings[key])] as const);
  if (parts.length === 0) return { label: "defaults", folder: "defaults" };
  return {
    label: parts.map(([key, value]) => `${key} ${value}`).join(", "),
    folder: parts.map(([key, value]) => `${key}${value.replace(/[^A-Za-z0-9.]+/g, "")}`).join("-"),
  };
}

/** One configuration's row, from its comparison model. */
function configurationRow(settings: SweepSettings, bundle: string, result: ComparisonResult): SweepConfiguration {
  const { label } = configurationLabel(settings);
  const metrics = Object.fromEntries(
    SWEEP_METRICS.map((key) => {
      const m = result.metrics.find((x) => x.key === key);
      return [
        key,
        m
          ? {
              label: m.label,
              byObjective: Object.fromEntries(
                result.protocol.objectives.map((o) => {
                  const s = m.byObjective[o];
                  return [o, s ? { mean: s.mean, low: s.low, high: s.high } : null];
                }),
              ),
              difference: m.difference ? { mean: m.difference.mean, low: m.difference.low, high: m.difference.high } : null,
              pairs: m.pairs.map((p) => ({
                first: p.first,
                second: p.second,
                difference: p.difference ? { mean: p.difference.mean, low: p.difference.low, high: p.difference.high } : null,
              })),
              winner: m.winner,
            }
          : null,
      ];
    }),
  );
  return { label, settings, bundle, metrics, decision: result.recommendation.decision, headline: result.recommendation.headline };
}

/** The stated rule behind `best`. */
export const BEST_RULE =
  "per objective, the configuration with the highest seed-mean span F1 of its own decoder on the validation windows (ties: the earlier in grid order); " +
  "chosen on the same windows that score it, so its figure is optimistic — nested selection on inner folds is what compare --tune is for";

function sweepResult(stored: StoredSweepConfig, rows: SweepConfiguration[], objectives: string[]): SweepResult {
  const best = Object.fromEntries(
    objectives.map((objective) => {
      let pick: SweepConfiguration | undefined;
      for (const row of rows) {
        const value = row.metrics.f1_native?.byObjective[objective]?.mean;
        if (value === undefined || !Number.isFinite(value)) continue;
        if (!pick || value > pick.metrics.f1_native!.byObjective[objective]!.mean) pick = row;
      }
      return [objective, pick ? { label: pick.label, f1: pick.metrics.f1_native!.byObjective[objective]! } : null];
    }),
  );
  return {
    spanlab_version: stored.spanlab_version,
    created: new Date().toISOString(),
    data: stored.data,
    grid: stored.grid as Record<string, unknown[]>,
    seeds: Array.from({ length: stored.seeds }, (_, i) => stored.firstSeed + i),
    objectives,
    metrics: [...SWEEP_METRICS],
    configurations: rows,
    best,
    bestRule: BEST_RULE,
  };
}

async function runSweep(
  directory: string,
  stored: StoredSweepConfig,
  options: Pick<SweepOptions, "workers" | "executor" | "onRunEvent" | "onMessage">,
): Promise<SweepResult> {
  const message = options.onMessage ?? (() => {});
  const configurations = gridConfigurations(stored.grid);
  const configurationResult = async (k: number, settings: (typeof configurations)[number]): Promise<ComparisonResult> => {
    const { label, folder } = configurationLabel(settings);
    const bundle = join(directory, "configs", folder);
    message(`configuration ${k + 1} of ${configurations.length}: ${label}`);
    let result: ComparisonResult;
    if (existsSync(join(bundle, COMPARISON_FILE))) {
      result = readComparisonModel(join(bundle, COMPARISON_FILE));
    } else if (existsSync(join(bundle, "compare_config.json"))) {
      result = (await resumeComparison(bundle, { ...options, onMessage: message })).result;
    } else {
      result = (
        await compare({
          data: stored.data,
          seeds: stored.seeds,
          firstSeed: stored.firstSeed,
          objectives: storedObjectives(stored),
          ...(settings.epochs !== undefined ? { epochs: settings.epochs } : {}),
          ...(settings.posWeight !== undefined ? { posWeight: settings.posWeight } : {}),
          ...(settings.position !== undefined ? { position: settings.position } : {}),
          ...(settings.learningRate !== undefined ? { learningRate: settings.learningRate } : {}),
          ...(settings.batchSize !== undefined ? { batchSize: settings.batchSize } : {}),
          ...(settings.weighting !== undefined ? { weighting: settings.weighting } : {}),
          sensitivity: "none",
          ...(options.workers !== undefined ? { workers: options.workers } : {}),
          ...(options.executor !== undefined ? { executor: options.executor } : {}),
          out: bundle,
          ...(options.onRunEvent
            ? { onRunEvent: (run: string, event: Parameters<NonNullable<CompareOptions["onRunEvent"]>>[1]) => options.onRunEvent!(`${folder}/${run}`, event) }
            : {}),
          onMessage: message,
        })
      ).result;
    }
    return result;
  };
  // On this machine the configurations run one after another, each using every worker thread. With an
  // executor elsewhere (the queue) they run at once, so every run of the sweep is on the queue together
  // and N machines are kept busy; each comparison still holds its own folder's lock.
  const results =
    options.executor === undefined
      ? await sequentially(configurations, configurationResult)
      : await Promise.all(configurations.map((settings, k) => configurationResult(k, settings)));
  const rows = configurations.map((settings, k) =>
    configurationRow(settings, relative(directory, join(directory, "configs", configurationLabel(settings).folder)), results[k]!),
  );
  const objectives = [...(results.at(-1)?.protocol.objectives ?? [])];
  const result = sweepResult(stored, rows, objectives);
  writeFileAtomic(join(directory, SWEEP_FILE), `${JSON.stringify(result, null, 1)}\n`);
  return result;
}

async function sequentially<T, R>(items: readonly T[], work: (index: number, item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  for (const [index, item] of items.entries()) results.push(await work(index, item));
  return results;
}

/** Runs a new sweep into a new folder. */
export async function sweep(options: SweepOptions): Promise<{ directory: string; result: SweepResult }> {
  const configurations = gridConfigurations(options.grid);
  if (configurations.length < 2) throw new Error("a sweep needs at least two configurations: list two or more values of some setting");
  // Every value and the data are checked before the folder exists: a sweep that cannot run leaves nothing.
  for (const settings of configurations) {
    const { position, ...trained } = settings;
    resolveTrainConfig({ data: options.data, ...trained, ...(position !== undefined ? { position } : {}) });
  }
  // Resolved now and stored, so every configuration (and a resume under a later default) compares the same ones.
  const objectives = comparedObjectives(options.objectives);
  await loadWindowsReport(options.data, {});
  const directory = options.out ?? createFreshDirectory(options.root ?? "sweeps", "sweep");
  if (existsSync(join(directory, SWEEP_CONFIG))) throw new Error(`${directory} already holds a sweep; a sweep is never overwritten (use --resume)`);
  const stored: StoredSweepConfig = {
    spanlab_version: packageVersion(),
    data: options.data,
    grid: options.grid,
    seeds: options.seeds ?? 5,
    firstSeed: options.firstSeed ?? 42,
    objectives,
  };
  writeFileAtomic(join(directory, SWEEP_CONFIG), `${JSON.stringify(stored, null, 2)}\n`);
  return lockedSweep(directory, stored, options);
}

/** Runs the sweep in `directory` and then `options.finish`, both under the folder's lock. */
function lockedSweep(
  directory: string,
  stored: StoredSweepConfig,
  options: Pick<SweepOptions, "workers" | "executor" | "onRunEvent" | "onMessage" | "finish">,
): Promise<{ directory: string; result: SweepResult }> {
  return withFolderLock(directory, "the sweep", async () => {
    const outcome = { directory, result: await runSweep(directory, stored, options) };
    await options.finish?.(outcome);
    return outcome;
  });
}

/** Finishes an interrupted sweep, keeping every finished configuration and resuming an interrupted one. */
export async function resumeSweep(
  directory: string,
  options: Pick<SweepOptions, "workers" | "executor" | "onRunEvent" | "onMessage" | "finish"> = {},
): Promise<{ directory: string; result: SweepResult }> {
  const path = join(directory, SWEEP_CONFIG);
  if (!existsSync(path)) throw new Error(`${directory}: no ${SWEEP_CONFIG}; not a spanlab sweep folder`);
  if (existsSync(join(directory, SWEEP_FILE))) throw new Error(`${directory}: this sweep is already complete`);
  const stored = readJsonFile(path, "sweep configuration", "the sweep_config.json spanlab sweep writes") as StoredSweepConfig;
  return lockedSweep(directory, stored, options);
}
