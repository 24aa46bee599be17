/**
 * What travels over the queue (docs/distributed.md): a job is data, never code — the training config
 * (validated on the worker by the library's own schema), a content-addressed reference to the window file
 * and, to resume a run, the SHA-256 of each file of its folder. A result names the files of the finished run
 * folder the same way. The job id is a hash of the payload, so the same run asked twice (a duplicate, a
 * coordinator's `--resume`, two coordinators) is one job, trained and counted once.
 */
import { createHash } from "node:crypto";
import { z } from "zod";
import { trainConfigSchema, type TrainConfig } from "../train/config.js";
import { COMMIT_FILE } from "../train/run_commit.js";
import { RUN_FILES } from "../train/train.js";

export const JOB_FORMAT = "spanlab-train-job/1";
export const RESULT_FORMAT = "spanlab-train-result/1";
/** The BullMQ job name of a training run; a job of another name is foreign and refused. */
export const JOB_NAME = "train";

const sha256 = z.string().regex(/^[0-9a-f]{64}$/, "a SHA-256 in 64 lower-case hex digits");
/** The files of a run folder, and nothing else: a payload never names a path of the worker's disk. */
export const RUN_FILE_NAMES = [...Object.values(RUN_FILES), COMMIT_FILE] as const;
const runFiles = z.partialRecord(z.enum(RUN_FILE_NAMES), sha256);

export const jobPayloadSchema = z.strictObject({
  format: z.literal(JOB_FORMAT),
  kind: z.enum(["train", "resume"]),
  /** The run's config as the coordinator resolved it; `data` is the coordinator's path, recorded as is. */
  config: z.record(z.string(), z.unknown()),
  data: z.strictObject({
    sha256,
    bytes: z.number().int().nonnegative(),
    /** The file's name (its extension says Parquet or JSONL); never a path. */
    name: z.string().regex(/^[^/\\\0]+\.(parquet|jsonl)$/, "a window file's name ending .parquet or .jsonl, without folders"),
  }),
  /** To resume: the files of the interrupted (or continued) run folder. */
  run: runFiles.optional(),
});
export type JobPayload = z.output<typeof jobPayloadSchema>;

export const jobResultSchema = z.strictObject({
  format: z.literal(RESULT_FORMAT),
  files: runFiles,
  /** Which worker trained it (host and process), for the coordinator's log. */
  worker: z.string(),
  trainMs: z.number().nonnegative(),
});
export type JobResult = z.output<typeof jobResultSchema>;

/** A payload and its config, checked; throws with every reason (the worker logs it and refuses the job). */
export function parseJobPayload(value: unknown): { payload: JobPayload; config: TrainConfig } {
  const parsed = jobPayloadSchema.safeParse(value);
  if (!parsed.success) throw new Error(`not a spanlab training job: ${describeIssues(parsed.error.issues)}`);
  const config = trainConfigSchema.safeParse(parsed.data.config);
  if (!config.success) throw new Error(`its training config is invalid: ${describeIssues(config.error.issues)}`);
  if (parsed.data.kind === "resume" && parsed.data.run?.["config.json"] === undefined) {
    throw new Error("a resume job must carry the run folder's config.json");
  }
  return { payload: parsed.data, config: config.data };
}

function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues
    .slice(0, 5)
    .map((issue) => `${issue.path.length > 0 ? issue.path.join(".") : "(payload)"}: ${issue.message}`)
    .join("; ");
}

/** JSON with object keys sorted, so equal payloads hash equal whatever order they were built in. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

/** The job id of a payload: `run-` and the first 32 hex digits of the SHA-256 of its canonical JSON. */
export function jobIdOf(payload: JobPayload): string {
  return `run-${createHash("sha256").update(canonicalJson(payload)).digest("hex").slice(0, 32)}`;
}
