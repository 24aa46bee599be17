/**
 * Malformed checkpoints and run folders: safetensors files cut, with impossible header lengths, headers that
 * are not JSON or describe tensors the bytes cannot hold, metadata declaring sizes no memory holds, NaN and
 * infinite weights; run folders whose config, training state, metrics or commit were damaged. Checkpoints go
 * through `predict` on windows and on bars; run folders through `train --resume`.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { type CaseFile, type CorpusBase, type FuzzCase, sampleDistinct } from "./case.js";

type Header = Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] } | Record<string, string>>;

function parseSafetensors(bytes: Uint8Array): { header: Header; data: Uint8Array } {
  const length = Number(Buffer.from(bytes).readBigUInt64LE(0));
  return { header: JSON.parse(Buffer.from(bytes.subarray(8, 8 + length)).toString("utf8")) as Header, data: bytes.subarray(8 + length) };
}

function buildSafetensors(header: unknown, data: Uint8Array, headerText = JSON.stringify(header)): Uint8Array {
  const text = Buffer.from(headerText);
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(text.length));
  return Buffer.concat([length, text, data]);
}

const tensorNames = (header: Header) => Object.keys(header).filter((name) => name !== "__metadata__");

interface Input {
  id: string;
  description: string;
  /** Absent: no such file exists. */
  content?: CaseFile;
  file?: string;
}

function checkpointInputs(base: CorpusBase, seed: number): Input[] {
  const bytes = base.checkpoint;
  const { header, data } = parseSafetensors(bytes);
  const names = tensorNames(header);
  const inputs: Input[] = [];
  const withHeader = (id: string, description: string, edit: (copy: Header) => void, newData: Uint8Array = data) => {
    const copy = structuredClone(header);
    edit(copy);
    inputs.push({ id, description, content: buildSafetensors(copy, newData) });
  };
  const headerLength = 8 + Number(Buffer.from(bytes).readBigUInt64LE(0));
  for (const [id, length] of [
    ["empty", 0],
    ["four-bytes", 4],
    ["length-only", 8],
    ["half-header", 8 + Math.floor((headerLength - 8) / 2)],
    ["header-only", headerLength],
    ["half-data", headerLength + Math.floor(data.length / 2)],
    ["short-by-4", bytes.length - 4],
  ] as const) {
    inputs.push({ id: `cut-${id}`, description: `cut to ${length} of ${bytes.length} bytes`, content: bytes.subarray(0, length) });
  }
  const declared = (id: string, description: string, value: bigint) => {
    const copy = Buffer.from(bytes);
    copy.writeBigUInt64LE(value, 0);
    inputs.push({ id: `length-${id}`, description, content: copy });
  };
  declared("2e40", "a header length of 2^40 bytes", 1n << 40n);
  declared("max", "a header length of 2^64 − 1", (1n << 64n) - 1n);
  declared("zero", "a header length of 0", 0n);
  declared("past-end", "a header length one past the end of the file", BigInt(bytes.length - 7));
  inputs.push({ id: "header-not-json", description: "a header that is not JSON", content: buildSafetensors(null, data, "{oops".padEnd(64)) });
  inputs.push({ id: "header-array", description: "a header that is a JSON array", content: buildSafetensors([], data) });
  inputs.push({
    id: "header-deep",
    description: "a header nested 10,000 deep",
    content: buildSafetensors(null, data, `${"[".repeat(10_000)}${"]".repeat(10_000)}`),
  });
  inputs.push({
    id: "header-utf8",
    description: "invalid UTF-8 in the header",
    content: buildSafetensors(null, data, `{"__metadata__": {"note": "\xff"}}`.replace("\xff", "\u00ff")),
  });
  const first = names[0]!;
  const largest = names.reduce((a, b) =>
    (header[a] as { shape: number[] }).shape.reduce((x, y) => x * y, 1) >= (header[b] as { shape: number[] }).shape.reduce((x, y) => x * y, 1) ? a : b,
  );
  const tensor = (copy: Header, name: string) => copy[name] as { dtype: string; shape: number[]; data_offsets: [number, number] };
  withHeader("dtype-f64", "a tensor declared F64", (copy) => {
    tensor(copy, first).dtype = "F64";
  });
  withHeader("dtype-unknown", "an unknown dtype", (copy) => {
    tensor(copy, first).dtype = "Q4";
  });
  withHeader("shape-negative", "a negative dimension", (copy) => {
    tensor(copy, first).shape = [-3];
  });
  withHeader("shape-fraction", "a fractional dimension", (copy) => {
    tensor(copy, first).shape = [1.5];
  });
  withHeader("shape-huge", "a shape of 2^31 × 2^31 values", (copy) => {
    tensor(copy, largest).shape = [2 ** 31, 2 ** 31];
  });
  withHeader("offsets-past-end", "data offsets past the end of the file", (copy) => {
    tensor(copy, first).data_offsets = [0, data.length + 400];
  });
  withHeader("offsets-reversed", "reversed data offsets", (copy) => {
    const offsets = tensor(copy, first).data_offsets;
    tensor(copy, first).data_offsets = [offsets[1], offsets[0]];
  });
  withHeader("offsets-overlap", "two tensors sharing bytes", (copy) => {
    tensor(copy, names[1]!).data_offsets = [...tensor(copy, first).data_offsets];
  });
  withHeader("missing-tensor", `tensor ${largest} missing`, (copy) => {
    delete copy[largest];
  });
  withHeader("renamed-tensor", "a tensor under an unknown name", (copy) => {
    copy["lstm.weight_bogus"] = copy[first]!;
    delete copy[first];
  });
  const metadata = (id: string, description: string, key: string, value: string | null) =>
    withHeader(`metadata-${id}`, description, (copy) => {
      const meta = copy.__metadata__ as Record<string, string>;
      if (value === null) delete meta[key];
      else meta[key] = value;
    });
  metadata("hidden-5000", "metadata declaring 5000 hidden units", "hidden", "5000");
  metadata("hidden-2e6", "metadata declaring 2,000,000 hidden units", "hidden", "2000000");
  metadata("bars-2e6", "metadata declaring 2,000,000 bars", "bars", "2000000");
  metadata("hidden-hex", "a hexadecimal hidden size", "hidden", "0x60");
  metadata("features-zero", "zero features", "features", "0");
  metadata("loss-unknown", "an unknown loss_type", "loss_type", "beam");
  metadata("loss-mismatch", "loss_type crf on a soft head's tensors", "loss_type", "crf");
  metadata("bars-zero", "metadata declaring 0 bars", "bars", "0");
  withHeader("metadata-number", "a metadata value that is not a string", (copy) => {
    (copy.__metadata__ as Record<string, unknown>).hidden = 96;
  });
  const floats = new Float32Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.length));
  for (const [index, value, what] of sampleDistinct(
    fc.tuple(fc.integer({ min: 0, max: floats.length - 1 }), fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY), fc.constant("")),
    seed,
    4,
  )) {
    const copy = Float32Array.from(floats);
    copy[index] = value;
    inputs.push({
      id: `weight-${index}`,
      description: `weight ${index} set to ${value}${what}`,
      content: buildSafetensors(header, new Uint8Array(copy.buffer)),
    });
  }
  for (const offset of sampleDistinct(fc.integer({ min: 8, max: headerLength - 1 }), seed + 1, 6)) {
    const copy = Buffer.from(bytes);
    // A digit becomes another digit, a letter a control character: either breaks the header's meaning.
    copy[offset] = copy[offset]! >= 0x30 && copy[offset]! <= 0x39 ? 0x30 + ((copy[offset]! - 0x30 + 5) % 10) : 0x01;
    inputs.push({ id: `header-byte-${offset}`, description: `header byte ${offset} changed`, content: copy });
  }
  inputs.push({ id: "directory", description: "a folder named like a checkpoint", content: { directory: true } });
  inputs.push({ id: "fifo", description: "a FIFO named like a checkpoint", content: { fifo: true } });
  inputs.push({ id: "device", description: "a link to /dev/zero", content: { symlink: "/dev/zero" } });
  // A PyTorch pickle archive (a zip) is not safetensors, whatever its name.
  inputs.push({
    id: "pickle",
    description: "a PyTorch .pt archive",
    content: Buffer.concat([Buffer.from("PK\x03\x04"), bytes.subarray(0, 400)]),
    file: "model.pt",
  });
  return inputs;
}

/** Malformed checkpoints through `predict --data` and `predict --bars`. */
export function checkpointCases(base: CorpusBase, seed: number): FuzzCase[] {
  const inputs: Input[] = [...checkpointInputs(base, seed), { id: "missing", description: "a file that does not exist", file: "absent.safetensors" }];
  return inputs.flatMap((input) => {
    const file = input.file ?? "model.safetensors";
    const files: Record<string, CaseFile> = input.content === undefined ? {} : { [file]: input.content };
    return [
      ["data", ["predict", "--checkpoint", `@/${file}`, "--data", base.windowsPath, "--out", "@/predictions.json"]],
      ["bars", ["predict", "--checkpoint", `@/${file}`, "--bars", base.barsPath, "--out", "@/detections.csv"]],
    ].map(([command, args]) => ({
      id: `checkpoint-${input.id}-${command as string}`,
      family: "checkpoint" as const,
      description: `${input.description} (predict --${command as string})`,
      files,
      args: args as string[],
      names: [`@/${file}`],
    }));
  });
}

const sha256 = (data: string | Uint8Array) => createHash("sha256").update(data).digest("hex");

/** The run folder's state file with metadata changed (null deletes) and tensor values set. */
function stateWith(base: CorpusBase, changes: Record<string, string | null>, values: Record<string, [number, number]> = {}): Uint8Array {
  const bytes = readFileSync(join(base.runFolder, "last.state.safetensors"));
  const { header, data } = parseSafetensors(bytes);
  const meta = header.__metadata__ as Record<string, string>;
  for (const [key, value] of Object.entries(changes)) {
    if (value === null) delete meta[key];
    else meta[key] = value;
  }
  const copy = Uint8Array.from(data);
  const view = new DataView(copy.buffer);
  for (const [name, [index, value]] of Object.entries(values)) {
    const [start] = (header[name] as { data_offsets: [number, number] }).data_offsets;
    view.setFloat32(start + index * 4, value, true);
  }
  return buildSafetensors(header, copy);
}

/** Malformed run folders through `train --resume`: each damaged file with the commit updated to match, and once without. */
export function stateCases(base: CorpusBase): FuzzCase[] {
  const config = JSON.parse(readFileSync(join(base.runFolder, "config.json"), "utf8")) as { config: Record<string, unknown> };
  const withConfig = (edit: (copy: typeof config) => void) => {
    const copy = structuredClone(config);
    edit(copy);
    return JSON.stringify(copy);
  };
  const damaged: [string, string, string, CaseFile | null][] = [
    ["config-empty", "an empty config.json", "config.json", ""],
    ["config-not-json", "a config.json that is not JSON", "config.json", "{oops"],
    ["config-no-hash", "a config.json without the data's hash", "config.json", '{"config": {}, "data": {"path": "x"}}'],
    [
      "config-epochs",
      "a config.json with epochs −3",
      "config.json",
      withConfig((c) => {
        c.config.epochs = -3;
      }),
    ],
    [
      "config-lr",
      'a config.json with a learning rate of "fast"',
      "config.json",
      withConfig((c) => {
        c.config.lr = "fast";
      }),
    ],
    ["config-utf8", "invalid UTF-8 in config.json", "config.json", Buffer.concat([Buffer.from('{"a": "'), Buffer.from([0xff]), Buffer.from('"}')])],
    ["config-directory", "a folder where config.json should be", "config.json", { directory: true }],
    ["config-fifo", "a FIFO where config.json should be", "config.json", { fifo: true }],
    ["state-no-rng", "a state without rng_state", "last.state.safetensors", stateWith(base, { rng_state: null })],
    ["state-rng-zero", "an all-zero rng_state", "last.state.safetensors", stateWith(base, { rng_state: "[0,0,0,0]" })],
    ["state-epoch-0", "a state at epoch 0", "last.state.safetensors", stateWith(base, { epoch: "0" })],
    ["state-epoch-hex", "a hexadecimal epoch", "last.state.safetensors", stateWith(base, { epoch: "0x2" })],
    ["state-best-nan", "a NaN best validation loss", "last.state.safetensors", stateWith(base, { best_validation_loss: "NaN" })],
    ["state-format", "an unknown state format", "last.state.safetensors", stateWith(base, { format: "something-else" })],
    ["state-best-epoch", "a best epoch after the epoch", "last.state.safetensors", stateWith(base, { best_epoch: "9" })],
    ["state-moment-nan", "a NaN first moment", "last.state.safetensors", stateWith(base, {}, { "optimizer.first_moment": [7, Number.NaN] })],
    ["state-moment-negative", "a negative second moment", "last.state.safetensors", stateWith(base, {}, { "optimizer.second_moment": [3, -1] })],
    ["state-cut", "a state file cut in half", "last.state.safetensors", readFileSync(join(base.runFolder, "last.state.safetensors")).subarray(0, 5000)],
    ["state-missing", "no state file", "last.state.safetensors", null],
    ["last-nan", "a NaN weight in last.safetensors", "last.safetensors", null],
    [
      "metrics-torn",
      "a torn metrics.jsonl line",
      "metrics.jsonl",
      `${readFileSync(join(base.runFolder, "metrics.jsonl"), "utf8").trim().split("\n")[0]}\n{"epoch": 2, "tra`,
    ],
    ["metrics-empty", "an empty metrics.jsonl", "metrics.jsonl", ""],
    ["commit-not-json", "a commit.json that is not JSON", "commit.json", "{"],
    ["commit-fields", "a commit.json without its files", "commit.json", '{"epoch": 2}'],
  ];
  const lastBytes = readFileSync(join(base.runFolder, "last.safetensors"));
  const last = parseSafetensors(lastBytes);
  const lastFloats = Float32Array.from(new Float32Array(last.data.buffer.slice(last.data.byteOffset, last.data.byteOffset + last.data.length)));
  lastFloats[11] = Number.NaN;
  const nanLast = buildSafetensors(last.header, new Uint8Array(lastFloats.buffer));
  const commit = JSON.parse(readFileSync(join(base.runFolder, "commit.json"), "utf8")) as { files: Record<string, string> };
  return damaged.flatMap(([id, description, file, rawContent]) => {
    const content = id === "last-nan" ? nanLast : rawContent;
    const files: Record<string, CaseFile> = content === null ? {} : { [`run/${file}`]: content };
    const removed = content === null ? [`run/${file}`] : [];
    const variants: FuzzCase[] = [];
    const make = (suffix: string, extra: Record<string, CaseFile>, what: string): FuzzCase => ({
      id: `state-${id}${suffix}`,
      family: "state",
      description: `${description}${what} (train --resume)`,
      folders: { run: base.runFolder },
      files: { ...files, ...extra, ...Object.fromEntries(removed.map((path): [string, CaseFile] => [path, { remove: true }])) },
      args: ["train", "--resume", "@/run"],
      names: ["@/run", file],
    });
    variants.push(make("", {}, ", commit unchanged"));
    if (typeof content !== "object" || content instanceof Uint8Array) {
      if (file in commit.files && content !== null && file !== "commit.json") {
        const updated = { ...commit, files: { ...commit.files, [file]: sha256(content as string | Uint8Array) } };
        variants.push(make("-committed", { "run/commit.json": JSON.stringify(updated) }, ", commit updated to match"));
      }
    }
    return variants;
  });
}
