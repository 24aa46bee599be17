/**
 * The training configuration (docs/spec.md §5 defaults), validated with zod so a bad value is refused with the
 * field named before any work starts. `config.json` in a run folder holds exactly this object.
 *
 * This schema is the one source of training defaults: the CLI's option defaults, compare's protocol
 * and the library all read {@link TRAIN_DEFAULTS}.
 */
import { z } from "zod";
import { SPAN_OBJECTIVES } from "../model/heads/registry.js";
import { REFERENCE_POS_WEIGHT } from "../nn/losses.js";
import { SPLIT_KINDS } from "../data/splits.js";
import { BALANCED, type PosWeightSetting } from "./pos_weight.js";
import { TASK_WEIGHTINGS } from "../model/jade_compact.js";

/**
 * The reference comparison's settings (docs/spec.md §5): `--reference-protocol` fixes these. Today's
 * defaults are these too, except pos_weight: `balanced` by default (issue 12: no straw man).
 */
export const REFERENCE_SETTINGS = {
  epochs: 50,
  batchSize: 32,
  learningRate: 1e-3,
  weightDecay: 0.01,
  clipGradNorm: null,
  posWeight: REFERENCE_POS_WEIGHT,
  split: "reference",
} as const;

export const trainConfigSchema = z
  .object({
    /** Span objective: a registered span head's name (src/model/heads/registry.ts). */
    loss: z
      .string()
      .refine((name) => SPAN_OBJECTIVES.includes(name), { message: `must be one of ${SPAN_OBJECTIVES.join(", ")}` })
      .default(SPAN_OBJECTIVES[0]!),
    /** Window file (Parquet or JSONL). */
    data: z.string().min(1),
    epochs: z.number().int().min(1).default(REFERENCE_SETTINGS.epochs),
    batchSize: z.number().int().min(1).max(4096).default(REFERENCE_SETTINGS.batchSize),
    learningRate: z.number().positive().default(REFERENCE_SETTINGS.learningRate),
    weightDecay: z.number().min(0).default(REFERENCE_SETTINGS.weightDecay),
    beta1: z.number().min(0).lt(1).default(0.9),
    beta2: z.number().min(0).lt(1).default(0.999),
    epsilon: z.number().positive().default(1e-8),
    /** Global gradient-norm clip (later reference scripts used 1.0); null for none (the reference comparison). */
    clipGradNorm: z.number().positive().nullable().default(REFERENCE_SETTINGS.clipGradNorm),
    seed: z
      .number()
      .int()
      .min(0)
      .max(2 ** 32 - 1)
      .default(42),
    /**
     * Weight of in-span bars in the soft span loss: `balanced` ((1 − π)/π from the training windows,
     * src/train/pos_weight.ts) by default; 1.0 in the reference comparison, 13.1 in its later runs.
     */
    posWeight: z
      .union([z.number().positive(), z.string().regex(/^balanced(\*\d+(\.\d+)?(e[-+]?\d+)?)?$/i, 'a number > 0, "balanced" or "balanced*k"')])
      .transform((setting) => setting as PosWeightSetting)
      .default(BALANCED),
    /**
     * docs/spec.md §5. `auto`: `time` when every window carries bar times, else `group`. `time`: purged
     * walk-forward (the latest events validate; training windows sharing a bar with them are dropped);
     * `group`: by base_window_id; `reference`: the reference's row split.
     */
    split: z.enum(SPLIT_KINDS).default("auto"),
    /**
     * The split by window id, overriding `split` (nested selection names its folds this way): every id a
     * window of the file, one side each, no bar shared across sides (src/data/splits.ts explicitSplit).
     */
    explicitSplit: z
      .object({ train: z.array(z.string()).min(1), validation: z.array(z.string()).min(1) })
      .strict()
      .nullable()
      .default(null),
    /** Time splits: bars after each validation window no training window may start in; null = 1% of the bar times. */
    embargoBars: z.number().int().min(0).nullable().default(null),
    validationFraction: z.number().gt(0).lt(1).default(0.2),
    /** How the four task losses combine: Kendall uncertainty weighting (the reference's) or their plain sum. */
    weighting: z.enum(TASK_WEIGHTINGS).default("kendall"),
    /** Add the 13th feature, bar position t/104. */
    position: z.boolean().default(false),
    /** Drop invalid windows (written to a rejects file) instead of refusing the data file. */
    skipInvalid: z.boolean().default(false),
  })
  .strict();

export type TrainConfig = z.output<typeof trainConfigSchema>;
export type TrainConfigInput = z.input<typeof trainConfigSchema>;

/** Every default of the schema (all fields but the data file, which has none). */
export const TRAIN_DEFAULTS: Readonly<Omit<TrainConfig, "data">> = (() => {
  const { data: _data, ...defaults } = trainConfigSchema.parse({ data: "-" });
  return Object.freeze(defaults);
})();

/** The command-line option that sets each field (`spanlab train`, `compare`, `sweep`), for messages. */
export const TRAIN_OPTIONS: Partial<Record<keyof TrainConfig, string>> = {
  loss: "--loss",
  data: "--data",
  epochs: "--epochs",
  batchSize: "--batch-size",
  learningRate: "--lr",
  weightDecay: "--weight-decay",
  clipGradNorm: "--clip-grad-norm",
  seed: "--seed",
  posWeight: "--pos-weight",
  split: "--split",
  embargoBars: "--embargo",
  weighting: "--weighting",
  position: "--position",
};

/** Validates and fills defaults; the error names every bad field (and the option that sets it). */
export function resolveTrainConfig(input: TrainConfigInput): TrainConfig {
  const result = trainConfigSchema.safeParse(input);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => {
      const field = issue.path.join(".") || "(config)";
      const option = TRAIN_OPTIONS[issue.path[0] as keyof TrainConfig];
      return `${field}${option ? ` (${option})` : ""}: ${issue.message}`;
    });
    throw new Error(`invalid training configuration:\n  ${problems.join("\n  ")}`);
  }
  return result.data;
}
