/**
 * Checkpoints: save → load round trips exactly, saves are byte-identical, the file is a PyTorch state dict
 * (same names, shapes and dtype as the reference's, checked against a state dict PyTorch wrote), PyTorch's
 * own state dicts load and reproduce PyTorch's outputs, and every broken file fails naming the problem.
 *
 * The committed spanlab fixtures (test/fixtures/checkpoints/spanlab_{soft,crf}*.safetensors) are what
 * bench/reference/check_checkpoint.py loads into PyTorch; the last test checks they are still what spanlab
 * writes. Regenerate them with SPANLAB_WRITE_CHECKPOINT_FIXTURES=1 npx vitest run src/model/checkpoint.test.ts
 */
import { crfParameters } from "./heads/crf.js";
import { spanHead } from "./heads/registry.js";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { maxScaledError } from "../../test/helpers/tensors.js";
import { packageRoot, packageVersion } from "../util/package.js";
import { Rng } from "../util/rng.js";
import { CheckpointError, checkpointBytes, CHECKPOINT_FORMAT, loadCheckpoint, saveCheckpoint } from "./checkpoint.js";
import { crfViterbi, emissionSoftmax } from "./crf.js";
import { JadeCompact, type ModelOutputs } from "./jade_compact.js";
import { DEFAULT_DIMENSIONS } from "./parameters.js";
import { readSafetensors, readSafetensorsFile, requireTensor, writeSafetensors, type SafetensorsFile, type Tensor, type TensorInput } from "./safetensors.js";
import { stateDictTensors } from "./state_dict.js";

const FIXTURES = join(packageRoot(), "test", "fixtures", "checkpoints");
const LOSSES = ["soft", "crf"] as const;
/** Seed of the committed spanlab fixtures. */
const FIXTURE_SEED = 20251101;

function temporaryFolder(): string {
  return mkdtempSync(join(tmpdir(), "spanlab-checkpoint-"));
}

/** A seeded model whose log σ's differ from their init and from each other, so a name mix-up would show. */
function seededModel(loss: string, seed = FIXTURE_SEED, maxBatch = 4): JadeCompact {
  const model = new JadeCompact({ head: spanHead(loss), maxBatch });
  model.initialise(new Rng(seed));
  const logSigmas: [string, number][] = [
    ["log_sigma_ptr", -0.25],
    ["log_sigma_type", 0.125],
    ["log_sigma_span", 0.375],
    ["log_sigma_countdown", -0.5],
  ];
  for (const [name, value] of logSigmas) model.parameters.value(name)[0] = value;
  return model;
}

/** input.features of the parity fixture (B = 4 windows × 105 × 12), made by PyTorch. */
function parityInputs(loss: string): Float32Array {
  const file = readSafetensorsFile(join(packageRoot(), "test", "fixtures", "parity", `${loss}.safetensors`));
  return requireTensor(file, "input.features", "F32", [4, 105, 12]).data;
}

/** Copies of every output of a forward (the model's views are overwritten by the next forward). */
function copyOutputs(outputs: ModelOutputs): Record<string, Float32Array> {
  return {
    classLogits: outputs.classLogits.slice(),
    pointers: outputs.pointers.slice(),
    spanScores: outputs.spanScores.slice(),
    countdown: outputs.countdown.slice(),
  };
}

/** The outputs check_checkpoint.py compares, under its names. */
function namedOutputs(model: JadeCompact, features: Float32Array, batch: number): Map<string, TensorInput> {
  const outputs = model.forward(features, batch, { training: false });
  const bars = model.bars;
  const tensors = new Map<string, TensorInput>([
    ["output.class_logits", { shape: [batch, model.dims.classes], data: outputs.classLogits.slice() }],
    ["output.pointers", { shape: [batch, 2], data: outputs.pointers.slice() }],
    ["output.countdown", { shape: [batch, bars], data: outputs.countdown.slice() }],
  ]);
  const probabilities = model.spanProbabilities(outputs);
  if (model.loss === "crf") {
    tensors.set("output.emissions", { shape: [batch, bars, 2], data: outputs.spanScores.slice() });
    tensors.set("output.marginals", { shape: [batch, bars], data: probabilities });
    tensors.set("output.emission_softmax", { shape: [batch, bars], data: emissionSoftmax(outputs.spanScores, batch, bars) });
    tensors.set("output.viterbi", {
      shape: [batch, bars],
      data: Int32Array.from(crfViterbi(outputs.spanScores, batch, bars, crfParameters(model.parameters)).tags),
    });
  } else {
    tensors.set("output.span_logit", { shape: [batch, bars], data: outputs.spanScores.slice() });
    tensors.set("output.span_probability", { shape: [batch, bars], data: probabilities });
  }
  return tensors;
}

function bytesOf(values: ArrayBufferView): Buffer {
  return Buffer.from(values.buffer, values.byteOffset, values.byteLength);
}

/** Byte equality with a short message (vitest's deep equality walks 400 kB arrays slowly). */
function expectSameBytes(actual: ArrayBufferView, expected: ArrayBufferView, what: string): void {
  const a = bytesOf(actual);
  const b = bytesOf(expected);
  let first = -1;
  if (!a.equals(b)) for (first = 0; first < Math.min(a.length, b.length) && a[first] === b[first]; first++);
  expect(first, `${what}: ${a.length} vs ${b.length} bytes, first difference at byte ${first}`).toBe(-1);
}

/** Writes a checkpoint file made of `tensors` and `metadata` into a fresh folder; returns its path. */
function writeTemporary(tensors: Map<string, Tensor | TensorInput>, metadata: Record<string, string> = {}, name = "model.safetensors"): string {
  const path = join(temporaryFolder(), name);
  writeFileSync(path, writeSafetensors(tensors, metadata));
  return path;
}

/** A valid spanlab checkpoint of a seeded soft model, read back as a SafetensorsFile to be corrupted. */
function validCheckpoint(loss: string = "soft"): SafetensorsFile {
  return readSafetensors(checkpointBytes(seededModel(loss, 3, 1)), "valid");
}

describe.each(LOSSES)("checkpoint round trip (%s head)", (loss) => {
  it("loads back the same model: identical parameter bytes, metadata and forward outputs", () => {
    const model = seededModel(loss);
    const path = join(temporaryFolder(), "sub", "model.safetensors");
    saveCheckpoint(path, model, { epoch: 12, validationLoss: 13.523199844360352, extra: { run: "r-1", split: "grouped" } });
    const { model: loaded, metadata } = loadCheckpoint(path, { maxBatch: 4 });

    expect(loaded.loss).toBe(loss);
    expect(loaded.dims).toEqual(DEFAULT_DIMENSIONS);
    expect(loaded.bars).toBe(105);
    expectSameBytes(loaded.parameters.values, model.parameters.values, "parameters");
    expect(loaded.logSigmas()).toEqual([-0.25, 0.125, 0.375, -0.5]);
    expect(metadata).toMatchObject({
      origin: "spanlab",
      loss,
      epoch: 12,
      validationLoss: 13.523199844360352,
      posWeight: 1,
      spanlabVersion: packageVersion(),
      extra: { run: "r-1", split: "grouped" },
    });
    expect(metadata.raw.format).toBe(CHECKPOINT_FORMAT);

    const features = parityInputs(loss);
    const before = copyOutputs(model.forward(features, 4, { training: false }));
    const after = copyOutputs(loaded.forward(features, 4, { training: false }));
    for (const key of Object.keys(before)) expectSameBytes(after[key]!, before[key]!, key);
  });

  it("writes byte-identical files for the same weights, and a re-save of a loaded checkpoint is the same file", () => {
    const folder = temporaryFolder();
    const first = join(folder, "a.safetensors");
    const second = join(folder, "b.safetensors");
    saveCheckpoint(first, seededModel(loss), { epoch: 3 });
    saveCheckpoint(second, seededModel(loss), { epoch: 3 });
    expectSameBytes(readFileSync(second), readFileSync(first), "files");
    const { model } = loadCheckpoint(first, { maxBatch: 1 });
    saveCheckpoint(second, model, { epoch: 3 });
    expectSameBytes(readFileSync(second), readFileSync(first), "files");
    // Atomic writes leave no temporary files behind, and replacing a file works.
    expect(readdirSync(folder).sort()).toEqual(["a.safetensors", "b.safetensors"]);
    saveCheckpoint(second, seededModel(loss, 99), { epoch: 3 });
    expect(readFileSync(second).equals(readFileSync(first))).toBe(false);
  });

  it("holds exactly PyTorch's state dict: the key set, shapes (0-d log σ) and dtype of a state dict PyTorch saved", () => {
    const ours = readSafetensors(checkpointBytes(seededModel(loss)), "spanlab");
    const torch = readSafetensorsFile(join(FIXTURES, `torch_state_dict_${loss}.safetensors`));
    expect([...ours.tensors.keys()].sort()).toEqual([...torch.tensors.keys()].sort());
    for (const [name, tensor] of torch.tensors) {
      expect(ours.tensors.get(name)!.shape, name).toEqual(tensor.shape);
      expect(ours.tensors.get(name)!.dtype, name).toBe("F32");
      expect(tensor.dtype, name).toBe("F32");
    }
    expect(ours.tensors.get("log_sigma_span")!.shape).toEqual([]);
    expect(Object.keys(torch.metadata)).toEqual([]);
    expect(ours.metadata).toMatchObject({
      format: CHECKPOINT_FORMAT,
      loss_type: loss,
      spanlab_version: packageVersion(),
      features: "12",
      hidden: "96",
      projection: "64",
      classes: "3",
      bars: "105",
      parameter_count: loss === "crf" ? "97748" : "97547",
    });
  });

  it("loads a PyTorch state dict (no metadata) and reproduces PyTorch's forward outputs", () => {
    const path = join(FIXTURES, `torch_state_dict_${loss}.safetensors`);
    const { model, metadata } = loadCheckpoint(path, { maxBatch: 4 });
    expect(metadata.origin).toBe("state-dict");
    expect(model.loss).toBe(loss);
    expect(model.dims).toEqual(DEFAULT_DIMENSIONS);
    const file = readSafetensorsFile(path);
    for (const entry of model.parameters.entries) {
      expectSameBytes(model.parameters.value(entry.name), requireTensor(file, entry.name, "F32").data, entry.name);
    }

    const expected = readSafetensorsFile(join(FIXTURES, `torch_state_dict_${loss}.outputs.safetensors`));
    expect(expected.metadata.inputs).toBe(`test/fixtures/parity/${loss}.safetensors`);
    const ours = namedOutputs(model, parityInputs(loss), 4);
    expect([...ours.keys()].sort()).toEqual([...expected.tensors.keys()].sort());
    for (const [name, tensor] of expected.tensors) {
      if (name === "output.viterbi") {
        expect(Array.from(ours.get(name)!.data as Int32Array), name).toEqual(Array.from(tensor.data as Int32Array));
      } else {
        expect(maxScaledError(ours.get(name)!.data as Float32Array, tensor.data as Float32Array), name).toBeLessThan(1e-4);
      }
    }
  });
});

describe("loading state dicts from other writers", () => {
  it("treats a file with foreign metadata (safetensors.torch's format: pt) as a plain state dict", () => {
    const torch = readSafetensorsFile(join(FIXTURES, "torch_state_dict_crf.safetensors"));
    const path = writeTemporary(torch.tensors, { format: "pt" });
    const { model, metadata } = loadCheckpoint(path, { maxBatch: 1 });
    expect(model.loss).toBe("crf");
    expect(metadata).toMatchObject({ origin: "state-dict", extra: { format: "pt" } });
    expect(Array.from(crfParameters(model.parameters).transitions)).toEqual(Array.from(requireTensor(torch, "crf.transitions", "F32").data));
  });

  it("reads the feature count and hidden size off the LSTM shapes (13 features: the position feature)", () => {
    const dims = { features: 13, hidden: 8, projection: 16, classes: 3 };
    const source = new JadeCompact({ head: spanHead("soft"), dims, maxBatch: 1 });
    source.initialise(new Rng(5));
    const path = writeTemporary(stateDictTensors(source.parameters));
    const { model } = loadCheckpoint(path, { maxBatch: 1 });
    expect(model.dims).toEqual(dims);
    expect(model.loss).toBe("soft");
    expectSameBytes(model.parameters.values, source.parameters.values, "parameters");
  });

  it("keeps the dimensions a spanlab checkpoint declares, and its pos_weight unless overridden", () => {
    const dims = { features: 13, hidden: 8, projection: 16, classes: 3 };
    const source = new JadeCompact({ head: spanHead("crf"), dims, maxBatch: 1, posWeight: 13.1 });
    source.initialise(new Rng(6));
    const path = join(temporaryFolder(), "small.safetensors");
    saveCheckpoint(path, source);
    const { model, metadata } = loadCheckpoint(path);
    expect(model.dims).toEqual(dims);
    expect(model.maxBatch).toBe(32);
    expect(model.posWeight).toBe(13.1);
    expect(metadata.raw.features).toBe("13");
    expect(loadCheckpoint(path, { posWeight: 2, maxBatch: 2 }).model.posWeight).toBe(2);
  });
});

describe("checkpoint errors name the file and the problem", () => {
  it("not a file", () => {
    const folder = temporaryFolder();
    const missing = join(folder, "nope.safetensors");
    expect(() => loadCheckpoint(missing)).toThrow(new CheckpointError(missing, "no such checkpoint file"));
    mkdirSync(join(folder, "dir.safetensors"));
    expect(() => loadCheckpoint(join(folder, "dir.safetensors"))).toThrow(`${join(folder, "dir.safetensors")}: not a regular file`);
  });

  it("truncated or malformed safetensors", () => {
    const bytes = checkpointBytes(seededModel("soft", 3, 1));
    const truncated = join(temporaryFolder(), "truncated.safetensors");
    writeFileSync(truncated, bytes.subarray(0, bytes.length - 1000));
    expect(() => loadCheckpoint(truncated)).toThrow(new RegExp(`^${truncated}: invalid safetensors: .*run past the end of the data buffer`));
    const garbage = join(temporaryFolder(), "garbage.safetensors");
    writeFileSync(garbage, "this is not a checkpoint at all");
    expect(() => loadCheckpoint(garbage)).toThrow(new RegExp(`^${garbage}: invalid safetensors: header length`));
  });

  it("metadata saying one loss type while the tensors say another", () => {
    const soft = validCheckpoint("soft");
    const path = writeTemporary(soft.tensors, { ...soft.metadata, loss_type: "crf" });
    expect(() => loadCheckpoint(path)).toThrow(
      `${path}: metadata says loss_type "crf" but the tensors are a soft span head's (no crf.transitions and expansion_span_emission.1.weight has 1 output(s))`,
    );
    const crf = validCheckpoint("crf");
    const other = writeTemporary(crf.tensors, { ...crf.metadata, loss_type: "soft" });
    expect(() => loadCheckpoint(other)).toThrow(/metadata says loss_type "soft" but the tensors are a CRF head's \(crf\.transitions is present/);
  });

  it("tensors contradicting each other (CRF transitions with a one-output span head)", () => {
    const soft = validCheckpoint("soft");
    const tensors = new Map(soft.tensors);
    tensors.set("crf.transitions", { dtype: "F32", shape: [2, 2], data: new Float32Array(4) });
    const path = writeTemporary(tensors);
    expect(() => loadCheckpoint(path)).toThrow(
      `${path}: the tensors contradict each other: crf.transitions is present but expansion_span_emission.1.weight has 1 output(s)`,
    );
  });

  it("a missing tensor", () => {
    const file = validCheckpoint();
    const tensors = new Map(file.tensors);
    tensors.delete("lstm.bias_hh_l0_reverse");
    const path = writeTemporary(tensors, file.metadata);
    expect(() => loadCheckpoint(path)).toThrow(`${path}: cannot load into the model:\n  missing parameter "lstm.bias_hh_l0_reverse" (shape [384])`);
  });

  it("an extra tensor", () => {
    const file = validCheckpoint();
    const tensors = new Map(file.tensors);
    tensors.set("optimizer.step", { dtype: "F32", shape: [1], data: new Float32Array([3]) });
    const path = writeTemporary(tensors, file.metadata);
    expect(() => loadCheckpoint(path)).toThrow(`${path}: cannot load into the model:\n  unexpected tensor "optimizer.step" (not a parameter of this model)`);
  });

  it("a mis-shaped tensor (a log σ stored as [1] instead of 0-d)", () => {
    const file = validCheckpoint();
    const tensors = new Map(file.tensors);
    tensors.set("log_sigma_ptr", { dtype: "F32", shape: [1], data: new Float32Array([-0.3]) });
    const path = writeTemporary(tensors, file.metadata);
    expect(() => loadCheckpoint(path)).toThrow(`${path}: cannot load into the model:\n  "log_sigma_ptr" has shape [1], expected []`);
  });

  it("metadata dimensions that do not match the tensors", () => {
    const file = validCheckpoint();
    const path = writeTemporary(file.tensors, { ...file.metadata, features: "13" });
    expect(() => loadCheckpoint(path)).toThrow(/cannot load into the model:\n {2}"lstm\.weight_ih_l0" has shape \[384, 12\], expected \[384, 13\]/);
    const bad = writeTemporary(file.tensors, { ...file.metadata, hidden: "ninety-six" });
    expect(() => loadCheckpoint(bad)).toThrow(`${bad}: metadata "hidden" must be a positive decimal integer, got "ninety-six"`);
    // Declared sizes are bounded before anything is allocated (5000 hidden units would ask for gigabytes).
    const huge = writeTemporary(file.tensors, { ...file.metadata, hidden: "5000" });
    expect(() => loadCheckpoint(huge)).toThrow(`${huge}: metadata "hidden" declares 5000, over the limit of 1024`);
    const bars = writeTemporary(file.tensors, { ...file.metadata, bars: "2000000" });
    expect(() => loadCheckpoint(bars)).toThrow(`${bars}: metadata "bars" declares 2000000, over the limit of 4096`);
    const hex = writeTemporary(file.tensors, { ...file.metadata, pos_weight: "0x10" });
    expect(() => loadCheckpoint(hex)).toThrow(`${hex}: metadata "pos_weight" must be a finite decimal number, got "0x10"`);
  });

  it("a file too big to be a checkpoint, or not a file at all, refused before reading", () => {
    const big = join(temporaryFolder(), "huge.safetensors");
    writeFileSync(big, "");
    truncateSync(big, 300 * 1024 * 1024); // sparse: no disk used
    expect(() => loadCheckpoint(big)).toThrow(`${big}: 314572800 bytes, over the 268435456-byte limit for a spanlab checkpoint or state; not read`);
    expect(() => loadCheckpoint("/dev/zero")).toThrow(/^\/dev\/zero: not a regular file/);
    const folder = join(temporaryFolder(), "folder.safetensors");
    mkdirSync(folder);
    expect(() => loadCheckpoint(folder)).toThrow(new RegExp(`^${folder}: (not a regular file|the safetensors file is a directory)`));
  });

  it("non-finite weights, naming the tensor", () => {
    const file = validCheckpoint();
    const tensors = new Map(file.tensors);
    const weight = Float32Array.from(file.tensors.get("projection.0.weight")!.data as Float32Array);
    weight[5] = Number.NaN;
    weight[700] = Number.POSITIVE_INFINITY;
    tensors.set("projection.0.weight", { dtype: "F32", shape: [64, 192], data: weight });
    const path = writeTemporary(tensors, file.metadata);
    expect(() => loadCheckpoint(path)).toThrow(`${path}: non-finite weights:\n  "projection.0.weight" has 2 non-finite value(s) (first: NaN at flat index 5)`);
    // An F64 value too large for float32 becomes ∞ on loading: caught too.
    const wide = new Map(file.tensors);
    wide.set("log_sigma_type", { dtype: "F64", shape: [], data: new Float64Array([1e300]) });
    const widePath = writeTemporary(wide, file.metadata);
    expect(() => loadCheckpoint(widePath)).toThrow(`"log_sigma_type" has 1 non-finite value(s) (first: Infinity at flat index 0)`);
  });

  it("refuses to save non-finite weights or extras that shadow spanlab's metadata", () => {
    const model = seededModel("soft", 3, 1);
    model.parameters.value("classifier.1.bias")[2] = Number.NaN;
    expect(() => checkpointBytes(model)).toThrow(/non-finite weights:\n {2}"classifier\.1\.bias" has 1 non-finite value\(s\) \(first: NaN at flat index 2\)/);
    const fine = seededModel("soft", 3, 1);
    expect(() => checkpointBytes(fine, { extra: { loss_type: "crf" } })).toThrow(/extra "loss_type" would overwrite/);
    expect(() => checkpointBytes(fine, { epoch: 1.5 })).toThrow(/epoch must be a non-negative integer/);
    expect(() => checkpointBytes(fine, { validationLoss: Number.NaN })).toThrow(/validation loss must be finite/);
  });
});

describe.each(LOSSES)("committed spanlab fixture for PyTorch (%s head)", (loss) => {
  it("is what spanlab writes for its seed, with spanlab's outputs on the parity inputs", () => {
    const checkpoint = join(FIXTURES, `spanlab_${loss}.safetensors`);
    const outputsPath = join(FIXTURES, `spanlab_${loss}.outputs.safetensors`);
    const model = seededModel(loss);
    const info = { epoch: 0, extra: { note: `seeded init (Rng ${FIXTURE_SEED}) with distinct log sigmas; checked by bench/reference/check_checkpoint.py` } };
    const outputs = namedOutputs(model, parityInputs(loss), 4);
    if (process.env.SPANLAB_WRITE_CHECKPOINT_FIXTURES === "1") {
      saveCheckpoint(checkpoint, model, info);
      writeFileSync(
        outputsPath,
        writeSafetensors(outputs, {
          generator: "src/model/checkpoint.test.ts (SPANLAB_WRITE_CHECKPOINT_FIXTURES=1)",
          checkpoint: `test/fixtures/checkpoints/spanlab_${loss}.safetensors`,
          inputs: `test/fixtures/parity/${loss}.safetensors`,
          loss_type: loss,
        }),
      );
    }
    // Same tensors and metadata (the version may have moved on since the fixture was written).
    const committed = readSafetensorsFile(checkpoint);
    const fresh = readSafetensors(checkpointBytes(model, info), "fresh");
    const { spanlab_version: _committedVersion, ...committedMetadata } = committed.metadata;
    const { spanlab_version: _freshVersion, ...freshMetadata } = fresh.metadata;
    expect(committedMetadata).toEqual(freshMetadata);
    expect([...committed.tensors.keys()]).toEqual([...fresh.tensors.keys()]);
    for (const [name, tensor] of fresh.tensors) {
      expect(committed.tensors.get(name)!.shape, name).toEqual(tensor.shape);
      expectSameBytes(committed.tensors.get(name)!.data, tensor.data, name);
    }
    // Outputs: the kernels may be re-tuned, so agree to float32 rounding rather than bit for bit.
    const committedOutputs = readSafetensorsFile(outputsPath);
    expect([...committedOutputs.tensors.keys()].sort()).toEqual([...outputs.keys()].sort());
    for (const [name, tensor] of committedOutputs.tensors) {
      const error = maxScaledError(outputs.get(name)!.data as ArrayLike<number>, tensor.data as ArrayLike<number>);
      expect(error, name).toBeLessThan(name === "output.viterbi" ? 1e-12 : 1e-6);
    }
  });
});

describe("checkpoints of the segment CRF head (docs/spec.md §13)", () => {
  it("round-trip with loss_type segment_crf, and load from a plain state dict by the tensors' shapes", () => {
    const model = seededModel("segment_crf");
    // Non-zero length scores, so a mix-up of the tensor with another would show.
    model.parameters.value("segment_crf.length_scores").forEach((_, k, view) => {
      view[k] = 0.01 * k - 0.5;
    });
    const path = join(temporaryFolder(), "segment.safetensors");
    saveCheckpoint(path, model, { epoch: 3 });
    const { model: loaded, metadata } = loadCheckpoint(path, { maxBatch: 4 });
    expect(metadata).toMatchObject({ origin: "spanlab", loss: "segment_crf", epoch: 3 });
    expect(metadata.raw).toMatchObject({ loss_type: "segment_crf", parameter_count: "98231" });
    expectSameBytes(loaded.parameters.values, model.parameters.values, "parameters");
    const features = parityInputs("segment_crf");
    const before = copyOutputs(model.forward(features, 4, { training: false }));
    expect(copyOutputs(loaded.forward(features, 4, { training: false }))).toEqual(before);

    const plain = writeTemporary(stateDictTensors(model.parameters));
    const fromShapes = loadCheckpoint(plain, { maxBatch: 4 });
    expect(fromShapes.metadata.origin).toBe("state-dict");
    expect(fromShapes.model.loss).toBe("segment_crf");
    expectSameBytes(fromShapes.model.parameters.values, model.parameters.values, "parameters from the state dict");
  });

  it("names metadata and tensors that contradict a segment CRF head", () => {
    const segment = validCheckpoint("segment_crf");
    const path = writeTemporary(segment.tensors, { ...segment.metadata, loss_type: "crf" });
    expect(() => loadCheckpoint(path)).toThrow(
      /metadata says loss_type "crf" but the tensors are a segment CRF head's \(segment_crf\.length_scores is present/,
    );
    const crf = validCheckpoint("crf");
    const tensors = new Map(crf.tensors);
    tensors.delete("crf.transitions");
    tensors.set("segment_crf.length_scores", { dtype: "F32", shape: [105], data: new Float32Array(105) });
    const mixed = writeTemporary(tensors);
    expect(() => loadCheckpoint(mixed)).toThrow(
      `${mixed}: the tensors contradict each other: segment_crf.length_scores is present but expansion_span_emission.1.weight has 2 output(s) (a segment CRF head has 4)`,
    );
  });
});
