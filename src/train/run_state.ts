/**
 * Reading a run folder back for resume, every field checked before use (docs/spec.md §5, "Resume"):
 * config.json and the training state's metadata through zod, the optimizer moments and the weights for
 * NaN/Inf, each failure naming the file and the field. Nothing here is trusted because spanlab wrote it:
 * a folder may have been edited, truncated or copied from elsewhere.
 */
import { firstSchemaIssue, readJsonFile } from "../util/read_file.js";
import { assertRegularFile } from "../util/files.js";

export { assertRegularFile } from "../util/files.js";
import { z } from "zod";
import { type SafetensorsFile, readSafetensorsFile, requireTensor } from "../model/safetensors.js";
import type { RngState } from "../util/rng.js";

/** The first issue of a failed parse, as "field a.b: message". */

/** config.json's fields that resume reads (the config itself is checked by the training schema). */
const manifestSchema = z
  .object({
    config: z.record(z.string(), z.unknown()),
    data: z.object({ path: z.string().min(1), sha256: z.string().regex(/^[0-9a-f]{64}$/, "a SHA-256 in hex") }).passthrough(),
  })
  .passthrough();

/** A run's config.json, parsed and checked. */
export function readRunManifestFile<T>(path: string): T {
  // The schema checks the fields resume reads (passing the rest through); the caller's type describes the whole file.
  return readJsonFile(path, "run configuration (config.json)", "the run's configuration as spanlab writes it", manifestSchema) as T;
}

const decimal = (what: string, minimum: number) =>
  z
    .string()
    .regex(/^\d+$/, `${what}: a decimal integer`)
    .transform(Number)
    .refine((n) => Number.isSafeInteger(n) && n >= minimum, `${what}: at least ${minimum}`);

const stateMetadataSchema = z
  .object({
    format: z.literal("spanlab-training-state"),
    epoch: decimal("the epoch", 1),
    optimizer_step: decimal("the optimizer step", 0),
    rng_state: z
      .string()
      .transform((text, context) => {
        try {
          return JSON.parse(text) as unknown;
        } catch {
          context.addIssue({ code: "custom", message: "not JSON" });
          return z.NEVER;
        }
      })
      .pipe(
        z
          .array(z.number().int().min(0).max(0xffffffff))
          .length(4)
          .refine((words) => words.some((w) => w !== 0), "all zeros (xoshiro's one invalid state)"),
      ),
    best_epoch: decimal("the best epoch", 1),
    best_validation_loss: z
      .string()
      .transform(Number)
      .refine((n) => Number.isFinite(n), "a finite number"),
  })
  .passthrough();

/** What a training state file holds, checked. */
export interface TrainingState {
  epoch: number;
  optimizerStep: number;
  rngState: RngState;
  best: { epoch: number; loss: number };
  firstMoment: Float32Array;
  secondMoment: Float32Array;
}

/** Reads and checks last.state.safetensors for a model of `parameters` parameters. */
export function readTrainingState(path: string, parameters: number): TrainingState {
  assertRegularFile(path, "training state");
  const file = readSafetensorsFile(path);
  const result = stateMetadataSchema.safeParse(file.metadata);
  if (!result.success) throw new Error(`${path}: metadata ${firstSchemaIssue(result.error)}`);
  const meta = result.data;
  if (meta.best_epoch > meta.epoch) throw new Error(`${path}: metadata field best_epoch: ${meta.best_epoch} is after the state's epoch ${meta.epoch}`);
  const first = requireTensor(file, "optimizer.first_moment", "F32", [parameters]).data as Float32Array;
  const second = requireTensor(file, "optimizer.second_moment", "F32", [parameters]).data as Float32Array;
  checkFinite(path, "optimizer.first_moment", first);
  checkFinite(path, "optimizer.second_moment", second);
  const negative = second.findIndex((v) => v < 0);
  if (negative >= 0) throw new Error(`${path}: optimizer.second_moment[${negative}] is ${second[negative]}; a second moment is never negative`);
  return {
    epoch: meta.epoch,
    optimizerStep: meta.optimizer_step,
    rngState: meta.rng_state as unknown as RngState,
    best: { epoch: meta.best_epoch, loss: meta.best_validation_loss },
    firstMoment: first,
    secondMoment: second,
  };
}

/** Names the first NaN or ±Inf of a tensor. */
export function checkFinite(path: string, tensor: string, values: ArrayLike<number>): void {
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i]!))
      throw new Error(`${path}: ${tensor}[${i}] is ${values[i]}; a saved ${tensor.startsWith("optimizer") ? "optimizer state" : "weight"} must be finite`);
  }
}

/** Names the first NaN or ±Inf among a checkpoint's tensors. */
export function checkFiniteWeights(file: SafetensorsFile): void {
  for (const [name, tensor] of file.tensors)
    if (tensor.dtype === "F32" || tensor.dtype === "F64") checkFinite(file.source, name, tensor.data as ArrayLike<number>);
}
