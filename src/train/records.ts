/**
 * What a training run records per epoch (one `metrics.jsonl` object each) and the reference-format log
 * derived from those records. The log is a pure function of the records, so a resumed run rewrites it
 * exactly as an uninterrupted run would have written it.
 */
import { TASKS, type LossBreakdown, type Task } from "../model/jade_compact.js";

export type PerTask = Record<Task, number>;

/** Every loss of an epoch, averaged over windows. */
export interface LossRecord {
  /** Kendall-weighted objective Σ Lₖ/(2σₖ²) + ln σₖ (what training minimises). */
  weighted: number;
  /** L_type + L_ptr + L_span + L_cd, unweighted (what the reference logs as val_loss). */
  unweighted: number;
  type: number;
  pointer: number;
  span: number;
  countdown: number;
}

export interface EpochRecord {
  epoch: number;
  epochs: number;
  /** AdamW steps taken so far. */
  steps: number;
  train: LossRecord;
  validation: LossRecord;
  /** Per-window (macro) span precision/recall/F1 on validation windows at p > 0.5, as the reference logs it. */
  span: { precision: number; recall: number; f1: number };
  log_sigma: PerTask;
  sigma: PerTask;
  /** Task weight shares (1/σₖ²)/Σⱼ(1/σⱼ²). */
  task_weights: PerTask;
  /** Effective loss multipliers 1/(2σₖ²). */
  effective_weights: PerTask;
  /** Mean validation p(in span) over in-span and out-of-span bars, and their difference. */
  probability: { in_span_mean: number; out_of_span_mean: number; separation: number };
  is_best: boolean;
  best_epoch: number;
  best_validation_loss: number;
  /** Seconds this epoch took (the one field that differs between identical runs). */
  wall_seconds: number;
}

/** Running, window-weighted mean of loss breakdowns over batches. */
export class LossAccumulator {
  private sums: LossRecord = { weighted: 0, unweighted: 0, type: 0, pointer: 0, span: 0, countdown: 0 };
  private windows = 0;

  add(losses: LossBreakdown, batch: number): void {
    for (const key of Object.keys(this.sums) as (keyof LossRecord)[]) this.sums[key] += losses[key] * batch;
    this.windows += batch;
  }

  mean(): LossRecord {
    const mean = { ...this.sums };
    for (const key of Object.keys(mean) as (keyof LossRecord)[]) mean[key] /= this.windows;
    return mean;
  }
}

export function perTask(values: readonly number[]): PerTask {
  return Object.fromEntries(TASKS.map((task, k) => [task, values[k]!])) as PerTask;
}

const SHORT: Record<Task, string> = { pointer: "ptr", type: "type", span: "span", countdown: "countdown" };

function taskList(values: PerTask, format: (v: number) => string): string {
  return TASKS.map((task) => `${SHORT[task]}=${format(values[task])}`).join(", ");
}

/** The log lines of one epoch, in the reference's format (docs/spec.md §5). */
export function formatEpochLog(record: EpochRecord): string[] {
  const f4 = (v: number) => v.toFixed(4);
  return [
    `Epoch ${record.epoch}/${record.epochs}: train_loss=${f4(record.train.weighted)}, val_loss=${f4(record.validation.unweighted)}, ` +
      `span_F1=${record.span.f1.toFixed(3)}, span_P=${record.span.precision.toFixed(3)}, span_R=${record.span.recall.toFixed(3)}`,
    `  sigmas: ${taskList(record.sigma, f4)}`,
    `  task weights: ${taskList(record.task_weights, (v) => `${(100 * v).toFixed(1)}%`)}`,
    `  span probability: in-span mean=${f4(record.probability.in_span_mean)}, out-of-span mean=${f4(record.probability.out_of_span_mean)}, ` +
      `separation=${f4(record.probability.separation)}`,
  ];
}

/** The whole log: header lines, then every epoch's lines. */
export function formatLog(header: readonly string[], records: readonly EpochRecord[]): string {
  return `${[...header, ...records.flatMap(formatEpochLog)].join("\n")}\n`;
}

/** metrics.jsonl: one record per line. */
export function formatMetrics(records: readonly EpochRecord[]): string {
  return records.map((record) => JSON.stringify(record)).join("\n") + (records.length > 0 ? "\n" : "");
}

export function parseMetrics(text: string, source: string): EpochRecord[] {
  return text
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line, i) => {
      try {
        return JSON.parse(line) as EpochRecord;
      } catch (error) {
        throw new Error(`${source}:${i + 1}: not a metrics record (${(error as Error).message})`);
      }
    });
}
