/**
 * The schema of `compare_config.json`, the stored protocol a comparison resumes from. It is checked field by
 * field before resume trusts it, so a hand-edited or damaged file is a message naming the field, never a
 * run trained with NaN epochs or a crash deep inside the comparison.
 */
import { z } from "zod";
import { SPAN_OBJECTIVES } from "../model/heads/registry.js";

const positiveInteger = z.number().int().positive();
const positiveFinite = z.number().positive().finite();

const protocolSchema = z
  .object({
    // Absent in folders written before objectives were recorded (the default pair then); two or more since.
    objectives: z
      .array(z.string().refine((name) => SPAN_OBJECTIVES.includes(name), `a span objective (${SPAN_OBJECTIVES.join(", ")})`))
      .min(2)
      .refine((names) => new Set(names).size === names.length, "different objectives (each named once)")
      .optional(),
    seeds: z.array(z.number().int().nonnegative()).min(1),
    epochs: positiveInteger,
    batchSize: positiveInteger,
    learningRate: positiveFinite,
    weightDecay: z.number().nonnegative().finite(),
    clipGradNorm: positiveFinite.nullable(),
    validationFraction: z.number().gt(0).lt(1),
    minRunLength: positiveInteger,
    bootstrapResamples: positiveInteger,
    referenceProtocol: z.boolean(),
    workers: positiveInteger,
  })
  .passthrough();

export const storedCompareConfigSchema = z
  .object({
    spanlab_version: z.string(),
    data: z.string().min(1),
    data_sha256: z.string().regex(/^[0-9a-f]{64}$/, "a SHA-256 in hex"),
    protocol: protocolSchema,
  })
  .passthrough();
