/**
 * Model checkpoints: a JadeCompact's parameters as a safetensors file that PyTorch can load.
 *
 * A checkpoint holds exactly the reference model's `state_dict()` — every parameter under its PyTorch name
 * and shape (0-d `[]` for the four log σ scalars), float32, nothing else — so
 * `model.load_state_dict(tensors, strict=True)` accepts it (bench/reference/check_checkpoint.py does just
 * that). What spanlab needs to rebuild the model (span objective, dimensions) and what the run knew
 * (epoch, validation loss, extras) travel as string metadata in the header, which PyTorch ignores.
 *
 * The other direction: a PyTorch state dict saved as safetensors, with no spanlab metadata, loads too —
 * the span objective and dimensions are read off the tensor shapes.
 *
 * Loading is strict and every failure names the file: not a readable file, malformed or truncated
 * safetensors, metadata that contradicts the tensors, missing / unexpected / mis-shaped tensors, and
 * non-finite weights (a diverged run must not be served silently).
 */
import { DECIMAL_NUMBER } from "../util/text.js";
import { statSync } from "node:fs";
import { WINDOW_BARS } from "../data/window.js";
import { REFERENCE_POS_WEIGHT } from "../nn/losses.js";
import { packageVersion } from "../util/package.js";
import { JadeCompact } from "./jade_compact.js";
import { DEFAULT_DIMENSIONS, type ModelDimensions } from "./parameters.js";
import { SPAN_OBJECTIVES, spanHead } from "./heads/registry.js";
import { readSafetensorsFile, writeSafetensors, type SafetensorsFile } from "./safetensors.js";
import { loadStateDict, stateDictTensors } from "./state_dict.js";
import { writeFileAtomic } from "../util/files.js";

/** Value of the `format` metadata key that marks a spanlab checkpoint. */
export const CHECKPOINT_FORMAT = "spanlab-checkpoint";

/**
 * Metadata keys spanlab writes itself. Extras given to {@link saveCheckpoint} may not reuse them: the
 * loader must be able to tell a model's dimensions from a caller's note.
 */
export const RESERVED_METADATA_KEYS = [
  "format",
  "loss_type",
  "spanlab_version",
  "features",
  "hidden",
  "projection",
  "classes",
  "bars",
  "pos_weight",
  "parameter_count",
  "epoch",
  "validation_loss",
] as const;

const RESERVED = new Set<string>(RESERVED_METADATA_KEYS);

/** What a run knows about the weights it saves. */
export interface CheckpointInfo {
  /** Epochs trained (a non-negative integer). */
  epoch?: number;
  /** The validation loss of these weights (finite). */
  validationLoss?: number;
  /** Free-form string notes (e.g. a run id, the split); keys may not be {@link RESERVED_METADATA_KEYS}. */
  extra?: Record<string, string>;
}

/** What {@link loadCheckpoint} learned about a checkpoint besides its weights. */
export interface CheckpointMetadata {
  /** `spanlab` when the file carries spanlab's metadata; `state-dict` for a plain (e.g. PyTorch) state dict. */
  origin: "spanlab" | "state-dict";
  /** The span objective's registry name. */
  loss: string;
  dims: ModelDimensions;
  bars: number;
  /** The soft loss's pos_weight the model was built with (spanlab checkpoints; 1.0 otherwise). */
  posWeight: number;
  spanlabVersion?: string;
  epoch?: number;
  validationLoss?: number;
  /** Metadata entries that are not spanlab's own keys (the saved extras, or a foreign writer's notes). */
  extra: Record<string, string>;
  /** The header's metadata exactly as stored. */
  raw: Record<string, string>;
}

export interface LoadCheckpointOptions {
  /** Largest batch the loaded model will run (default 32). */
  maxBatch?: number;
  /** Overrides the pos_weight stored in the checkpoint (soft span loss only matters when training on). */
  posWeight?: number;
}

/** A checkpoint that cannot be loaded; the message starts with the file's path. */
export class CheckpointError extends Error {
  constructor(
    readonly path: string,
    readonly problem: string,
    options?: { cause?: unknown },
  ) {
    super(`${path}: ${problem}`, options);
    this.name = "CheckpointError";
  }
}

/** The first non-finite value of a tensor, or undefined when all are finite. */
function firstNonFinite(values: ArrayLike<number>): { index: number; value: number; count: number } | undefined {
  let first = -1;
  let count = 0;
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i]!)) {
      if (first < 0) first = i;
      count++;
    }
  }
  return first < 0 ? undefined : { index: first, value: values[first]!, count };
}

/** "lstm.weight_ih_l0 has 3 non-finite values (first: NaN at flat index 17)", one per bad tensor. */
function nonFiniteProblems(tensors: Iterable<[string, ArrayLike<number>]>): string[] {
  const problems: string[] = [];
  for (const [name, values] of tensors) {
    const bad = firstNonFinite(values);
    if (bad) {
      problems.push(`"${name}" has ${bad.count} non-finite value(s) (first: ${bad.value} at flat index ${bad.index})`);
    }
  }
  return problems;
}

/** The header metadata of a checkpoint of `model` (all values strings, as safetensors requires). */
export function checkpointMetadata(model: JadeCompact, info: CheckpointInfo = {}): Record<string, string> {
  const metadata: Record<string, string> = {
    format: CHECKPOINT_FORMAT,
    loss_type: model.loss,
    spanlab_version: packageVersion(),
    features: String(model.dims.features),
    hidden: String(model.dims.hidden),
    projection: String(model.dims.projection),
    classes: String(model.dims.classes),
    bars: String(model.bars),
    pos_weight: String(model.posWeight),
    parameter_count: String(model.parameters.count),
  };
  if (info.epoch !== undefined) {
    if (!Number.isSafeInteger(info.epoch) || info.epoch < 0) throw new Error(`checkpoint epoch must be a non-negative integer, got ${info.epoch}`);
    metadata.epoch = String(info.epoch);
  }
  if (info.validationLoss !== undefined) {
    if (!Number.isFinite(info.validationLoss)) throw new Error(`checkpoint validation loss must be finite, got ${info.validationLoss}`);
    // String(x) is the shortest text that parses back to the same double.
    metadata.validation_loss = String(info.validationLoss);
  }
  for (const [key, value] of Object.entries(info.extra ?? {})) {
    if (RESERVED.has(key)) throw new Error(`checkpoint extra "${key}" would overwrite spanlab's own metadata key; rename it`);
    if (typeof value !== "string") throw new Error(`checkpoint extra "${key}" must be a string, got ${typeof value}`);
    metadata[key] = value;
  }
  return metadata;
}

/**
 * The bytes of a checkpoint of `model`: its state dict (float32, PyTorch names and shapes) and
 * {@link checkpointMetadata}. Deterministic: the same weights and info give the same bytes.
 * Refuses non-finite weights — such a file could never be loaded back.
 */
export function checkpointBytes(model: JadeCompact, info: CheckpointInfo = {}): Uint8Array {
  const metadata = checkpointMetadata(model, info);
  const tensors = stateDictTensors(model.parameters);
  const problems = nonFiniteProblems([...tensors].map(([name, tensor]) => [name, tensor.data as Float32Array]));
  if (problems.length > 0) throw new Error(`refusing to save a checkpoint with non-finite weights:\n  ${problems.join("\n  ")}`);
  return writeSafetensors(tensors, metadata);
}

/** Writes a checkpoint of `model` to `path` atomically (temporary file + rename; a reader never sees half a file). */
export function saveCheckpoint(path: string, model: JadeCompact, info: CheckpointInfo = {}): void {
  writeFileAtomic(path, checkpointBytes(model, info));
}

/** The shape of a tensor, or undefined if absent. */
function shapeOf(file: SafetensorsFile, name: string): number[] | undefined {
  return file.tensors.get(name)?.shape;
}

/** Span emission outputs per bar of each objective (docs/spec.md §3, §13), for telling them apart by shape. */
const EMISSION_OUTPUTS: Readonly<Record<string, number>> = { soft: 1, crf: 2, segment_crf: 4 };

/** How a contradiction names the head the tensors describe. */
const HEAD_WORDS: Readonly<Record<string, string>> = { soft: "soft span", crf: "CRF", segment_crf: "segment CRF" };

/** What the tensors say the span objective is, with the evidence, or undefined when they say nothing. */
function lossFromTensors(file: SafetensorsFile): { loss: string; evidence: string } | undefined {
  const hasCrf = file.tensors.has("crf.transitions");
  const hasSegment = file.tensors.has("segment_crf.length_scores");
  const emission = shapeOf(file, "expansion_span_emission.1.weight");
  const emissionOutputs = emission?.length === 2 ? emission[0] : undefined;
  const emissionText = emissionOutputs === undefined ? "" : `expansion_span_emission.1.weight has ${emissionOutputs} output(s)`;
  if (hasCrf && hasSegment) {
    throw new CheckpointError(file.source, "the tensors contradict each other: both crf.transitions and segment_crf.length_scores are present");
  }
  if (hasCrf && emissionOutputs !== undefined && emissionOutputs !== EMISSION_OUTPUTS.crf) {
    throw new CheckpointError(file.source, `the tensors contradict each other: crf.transitions is present but ${emissionText} (a CRF head has 2)`);
  }
  if (hasSegment && emissionOutputs !== undefined && emissionOutputs !== EMISSION_OUTPUTS.segment_crf) {
    throw new CheckpointError(
      file.source,
      `the tensors contradict each other: segment_crf.length_scores is present but ${emissionText} (a segment CRF head has 4)`,
    );
  }
  if (hasCrf) return { loss: "crf", evidence: ["crf.transitions is present", emissionText].filter(Boolean).join(", ") };
  if (hasSegment) return { loss: "segment_crf", evidence: ["segment_crf.length_scores is present", emissionText].filter(Boolean).join(", ") };
  if (emissionOutputs === 2) return { loss: "crf", evidence: `${emissionText} (2 = CRF emissions)` };
  if (emissionOutputs === 4) return { loss: "segment_crf", evidence: `${emissionText} (4 = segment CRF scores)` };
  if (emissionOutputs === 1) return { loss: "soft", evidence: `no crf.transitions and ${emissionText}` };
  return undefined;
}

/**
 * The largest model size a checkpoint may declare, checked before anything is allocated: far above
 * JadeCompact's (12–13 features, hidden 64, 105 bars), far below what would exhaust the 4 GiB wasm memory.
 */
export const DECLARED_SIZE_LIMITS: Record<string, number> = { features: 256, hidden: 1024, projection: 1024, classes: 64, bars: 4096 };

/** A positive integer from metadata, within its declared-size limit, or a CheckpointError naming the key. */
function metadataInteger(file: SafetensorsFile, key: string): number {
  const text = file.metadata[key];
  if (text === undefined) throw new CheckpointError(file.source, `spanlab checkpoint metadata lacks "${key}"`);
  const value = Number(text);
  if (!/^[0-9]+$/.test(text) || !Number.isSafeInteger(value) || value < 1) {
    throw new CheckpointError(file.source, `metadata "${key}" must be a positive decimal integer, got ${JSON.stringify(text)}`);
  }
  const limit = DECLARED_SIZE_LIMITS[key];
  if (limit !== undefined && value > limit) {
    throw new CheckpointError(file.source, `metadata "${key}" declares ${value}, over the limit of ${limit}; not a JadeCompact checkpoint spanlab can load`);
  }
  return value;
}

/** A finite number from metadata, or a CheckpointError naming the key. */
function metadataNumber(file: SafetensorsFile, key: string): number | undefined {
  const text = file.metadata[key];
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!DECIMAL_NUMBER.test(text) || !Number.isFinite(value)) {
    throw new CheckpointError(file.source, `metadata "${key}" must be a finite decimal number, got ${JSON.stringify(text)}`);
  }
  return value;
}

/** Dimensions read off a plain state dict's tensor shapes (defaults where a tensor is absent: loadStateDict names it). */
function dimensionsFromTensors(file: SafetensorsFile): ModelDimensions {
  const dims = { ...DEFAULT_DIMENSIONS };
  const ih = shapeOf(file, "lstm.weight_ih_l0");
  const hh = shapeOf(file, "lstm.weight_hh_l0");
  const projection = shapeOf(file, "projection.0.weight");
  const classifier = shapeOf(file, "classifier.1.weight");
  // weight_ih is (4·hidden, features), weight_hh is (4·hidden, hidden).
  if (ih?.length === 2 && ih[1]! > 0) dims.features = ih[1]!;
  if (hh?.length === 2 && hh[1]! > 0) dims.hidden = hh[1]!;
  if (projection?.length === 2 && projection[0]! > 0) dims.projection = projection[0]!;
  if (classifier?.length === 2 && classifier[0]! > 0) dims.classes = classifier[0]!;
  return dims;
}

/** Reads the file, with "not a file" and I/O errors turned into messages naming it. */
function readCheckpointFile(path: string): SafetensorsFile {
  let isFile: boolean;
  try {
    isFile = statSync(path).isFile();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new CheckpointError(path, code === "ENOENT" ? "no such checkpoint file" : `cannot read checkpoint (${(error as Error).message})`, { cause: error });
  }
  if (!isFile) throw new CheckpointError(path, "not a regular file (a checkpoint is one .safetensors file)");
  try {
    return readSafetensorsFile(path);
  } catch (error) {
    // The safetensors reader's messages already start with the path; keep them as they are.
    if (error instanceof Error && error.message.startsWith(`${path}:`)) throw error;
    throw new CheckpointError(path, `cannot read checkpoint (${(error as Error).message})`, { cause: error });
  }
}

/** The span objective, dimensions and run info of a checkpoint file, checked against its tensors. */
export function checkpointDescription(file: SafetensorsFile): CheckpointMetadata {
  const raw = { ...file.metadata };
  const fromTensors = lossFromTensors(file);
  const declared = raw.loss_type;
  if (declared !== undefined && !SPAN_OBJECTIVES.includes(declared)) {
    throw new CheckpointError(
      file.source,
      `metadata loss_type must be ${SPAN_OBJECTIVES.map((name) => `"${name}"`).join(" or ")}, got ${JSON.stringify(declared)}`,
    );
  }
  if (declared !== undefined && fromTensors !== undefined && declared !== fromTensors.loss) {
    throw new CheckpointError(
      file.source,
      `metadata says loss_type "${declared}" but the tensors are a ${HEAD_WORDS[fromTensors.loss] ?? fromTensors.loss} head's (${fromTensors.evidence})`,
    );
  }
  const loss = declared ?? fromTensors?.loss;
  if (loss === undefined) {
    throw new CheckpointError(
      file.source,
      "cannot tell the span objective: no loss_type metadata, no crf.transitions and no expansion_span_emission.1.weight — not a JadeCompact checkpoint",
    );
  }
  if (raw.format === CHECKPOINT_FORMAT) {
    const extra = Object.fromEntries(Object.entries(raw).filter(([key]) => !RESERVED.has(key)));
    const epoch = metadataNumber(file, "epoch");
    if (epoch !== undefined && (!Number.isSafeInteger(epoch) || epoch < 0)) {
      throw new CheckpointError(file.source, `metadata "epoch" must be a non-negative integer, got ${JSON.stringify(raw.epoch)}`);
    }
    const posWeight = metadataNumber(file, "pos_weight") ?? REFERENCE_POS_WEIGHT;
    const validationLoss = metadataNumber(file, "validation_loss");
    return {
      origin: "spanlab",
      loss,
      dims: {
        features: metadataInteger(file, "features"),
        hidden: metadataInteger(file, "hidden"),
        projection: metadataInteger(file, "projection"),
        classes: metadataInteger(file, "classes"),
      },
      bars: metadataInteger(file, "bars"),
      posWeight,
      ...(raw.spanlab_version !== undefined ? { spanlabVersion: raw.spanlab_version } : {}),
      ...(epoch !== undefined ? { epoch } : {}),
      ...(validationLoss !== undefined ? { validationLoss } : {}),
      extra,
      raw,
    };
  }
  // A plain state dict (PyTorch's, or any writer's "format": "pt"): everything from the shapes.
  // Its metadata, if any, is a foreign writer's notes: all of it is "extra".
  return { origin: "state-dict", loss, dims: dimensionsFromTensors(file), bars: WINDOW_BARS, posWeight: REFERENCE_POS_WEIGHT, extra: { ...raw }, raw };
}

/**
 * Loads a checkpoint — spanlab's, or a PyTorch state dict saved as safetensors — into a new JadeCompact
 * of the right span objective and dimensions. Throws a {@link CheckpointError} (or the safetensors
 * reader's error), always naming the file, when it cannot be loaded exactly.
 */
export function loadCheckpoint(path: string, options: LoadCheckpointOptions = {}): { model: JadeCompact; metadata: CheckpointMetadata } {
  const file = readCheckpointFile(path);
  const metadata = checkpointDescription(file);
  const model = new JadeCompact({
    head: spanHead(metadata.loss),
    dims: metadata.dims,
    bars: metadata.bars,
    maxBatch: options.maxBatch ?? 32,
    posWeight: options.posWeight ?? metadata.posWeight,
  });
  // Strict: every parameter present with its exact shape, and nothing else in the file.
  loadStateDict(model.parameters, file);
  // After loading, so an F64 value too large for float32 (→ ∞) is caught too.
  const problems = nonFiniteProblems(model.parameters.entries.map((entry) => [entry.name, model.parameters.value(entry.name)]));
  if (problems.length > 0) throw new CheckpointError(path, `non-finite weights:\n  ${problems.join("\n  ")}`);
  if (metadata.origin === "spanlab" && metadata.raw.parameter_count !== undefined && Number(metadata.raw.parameter_count) !== model.parameters.count) {
    throw new CheckpointError(path, `metadata parameter_count ${metadata.raw.parameter_count} ≠ the ${model.parameters.count} parameters loaded`);
  }
  return { model, metadata };
}
