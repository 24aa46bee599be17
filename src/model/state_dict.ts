/**
 * PyTorch state dicts ↔ spanlab parameters: the tensors of a ParameterSet under their PyTorch names and
 * shapes, and loading such tensors back with every mismatch named (missing, unexpected, wrong shape or
 * dtype), so a checkpoint from either side loads into the other.
 */
import type { ParameterSet } from "./parameters.js";
import type { SafetensorsFile, Tensor } from "./safetensors.js";

/** The parameters as float32 tensors under their PyTorch names (copies, safe to serialise). */
export function stateDictTensors(parameters: ParameterSet): Map<string, Tensor> {
  const tensors = new Map<string, Tensor>();
  for (const entry of parameters.entries) {
    tensors.set(entry.name, { dtype: "F32", shape: entry.shape.slice(), data: Float32Array.from(parameters.value(entry.name)) });
  }
  return tensors;
}

/**
 * Copies the tensors of `file` named like parameters into `parameters`. Every parameter must be present
 * with its exact shape as F32 (or F64, rounded); tensors whose names start with one of `ignorePrefixes`
 * are skipped; any other tensor is an error — a checkpoint of another model must not half-load.
 */
export function loadStateDict(parameters: ParameterSet, file: SafetensorsFile, ignorePrefixes: readonly string[] = []): void {
  const problems: string[] = [];
  for (const entry of parameters.entries) {
    const tensor = file.tensors.get(entry.name);
    if (tensor === undefined) {
      problems.push(`missing parameter "${entry.name}" (shape [${entry.shape.join(", ")}])`);
      continue;
    }
    if (tensor.dtype !== "F32" && tensor.dtype !== "F64") {
      problems.push(`"${entry.name}" is ${tensor.dtype}, expected F32`);
      continue;
    }
    const sameShape = tensor.shape.length === entry.shape.length && tensor.shape.every((d, i) => d === entry.shape[i]);
    if (!sameShape) {
      problems.push(`"${entry.name}" has shape [${tensor.shape.join(", ")}], expected [${entry.shape.join(", ")}]`);
      continue;
    }
    parameters.value(entry.name).set(tensor.data);
  }
  for (const name of file.tensors.keys()) {
    if (!parameters.has(name) && !ignorePrefixes.some((prefix) => name.startsWith(prefix))) {
      problems.push(`unexpected tensor "${name}" (not a parameter of this model)`);
    }
  }
  if (problems.length > 0) {
    throw new Error(`${file.source}: cannot load into the model:\n  ${problems.join("\n  ")}`);
  }
}
