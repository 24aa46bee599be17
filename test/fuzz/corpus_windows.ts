/**
 * Malformed window files: every required field of docs/spec.md §1 broken in each way a file can break it,
 * the optional fields given wrong shapes, the text itself torn, mis-encoded or nested without end, Parquet
 * bytes flipped and cut, and paths that are not files. Each input is run through every command that reads
 * windows (validate, train, predict, compare).
 */
import fc from "fast-check";
import { type CorpusBase, type FuzzCase, type CaseFile, sampleDistinct } from "./case.js";

type Row = Record<string, unknown>;

/** A value the JSON text cannot hold, written as a bare token in place of a field's value. */
const TOKEN = "\u0000TOKEN:";
const token = (text: string) => `${TOKEN}${text}`;

function serialize(rows: readonly Row[]): string {
  return `${rows.map((row) => JSON.stringify(row).replace(/"\\u0000TOKEN:([^"]*)"/g, "$1")).join("\n")}\n`;
}

interface FieldMutation {
  name: string;
  apply: (row: Row) => void;
}

const set = (field: string, value: unknown, name: string): FieldMutation => ({
  name: `${field} ${name}`,
  apply: (row) => {
    row[field] = value;
  },
});
const drop = (field: string): FieldMutation => ({
  name: `${field} missing`,
  apply: (row) => {
    delete row[field];
  },
});
const bars = (row: Row) => row.features as unknown[][];

const FIELD_MUTATIONS: FieldMutation[] = [
  drop("window_id"),
  set("window_id", null, "null"),
  set("window_id", 42, "a number"),
  set("window_id", "", "empty"),
  set("window_id", { id: 1 }, "an object"),
  drop("base_window_id"),
  set("base_window_id", 7, "a number"),
  drop("label"),
  set("label", "breakout", "an unknown label"),
  set("label", 3, "a number"),
  set("label", "", "empty"),
  drop("expansion_start"),
  set("expansion_start", -1, "negative"),
  set("expansion_start", 105, "past the last bar"),
  set("expansion_start", 2.5, "fractional"),
  set("expansion_start", "10", "a string"),
  set("expansion_start", null, "null"),
  set("expansion_start", token("NaN"), "NaN (not JSON)"),
  set("expansion_start", token("1e999"), "1e999 (infinite)"),
  set("expansion_start", token("0x10"), "hexadecimal (not JSON)"),
  drop("expansion_end"),
  set("expansion_end", 105, "past the last bar"),
  {
    name: "expansion_end before expansion_start",
    apply: (row) => {
      row.expansion_start = 50;
      row.expansion_end = 40;
    },
  },
  drop("features"),
  set("features", {}, "an object"),
  set("features", "abc", "a string"),
  {
    name: "features with 104 bars",
    apply: (row) => {
      bars(row).pop();
    },
  },
  {
    name: "features with 106 bars",
    apply: (row) => {
      bars(row).push([...bars(row)[0]!]);
    },
  },
  {
    name: "a bar of 3 numbers",
    apply: (row) => {
      bars(row)[10]!.pop();
    },
  },
  {
    name: "a bar holding a string",
    apply: (row) => {
      bars(row)[11]![0] = "x";
    },
  },
  {
    name: "a bar holding null",
    apply: (row) => {
      bars(row)[12]![3] = null;
    },
  },
  {
    name: "a negative price",
    apply: (row) => {
      bars(row)[13]![2] = -5;
    },
  },
  {
    name: "a zero price",
    apply: (row) => {
      bars(row)[14]![0] = 0;
    },
  },
  {
    name: "high below low",
    apply: (row) => {
      bars(row)[15]![1] = (bars(row)[15]![2] as number) - 1;
    },
  },
  {
    name: "a NaN price (not JSON)",
    apply: (row) => {
      bars(row)[16]![1] = token("NaN");
    },
  },
  {
    name: "an infinite price",
    apply: (row) => {
      bars(row)[17]![1] = token("Infinity");
    },
  },
  set("volume", [1, 2, 3], "of the wrong length"),
  {
    name: "volume negative",
    apply: (row) => {
      row.volume = Array.from({ length: 105 }, (_, t) => (t === 3 ? -1 : 10));
    },
  },
  set("volume", "lots", "a string"),
  set("timestamps", ["2024-01-02T00:00:00Z"], "of the wrong length"),
  {
    name: "timestamps unreadable",
    apply: (row) => {
      row.timestamps = Array.from({ length: 105 }, () => "yesterday");
    },
  },
  {
    name: "timestamps out of order",
    apply: (row) => {
      row.timestamps = Array.from({ length: 105 }, (_, t) => new Date(Date.UTC(2024, 0, 2, 0, t === 5 ? 0 : t)).toISOString());
    },
  },
  set("timestamps", 17, "a number"),
  set("spans", [[5, 2]], "with start after end"),
  set("spans", [[0, 200]], "past the last bar"),
  set("spans", "x", "a string"),
  set("spans", [[1]], "with a one-number span"),
];

/** Random single-cell breakage of one bar, drawn with fast-check (the seed fixes the corpus). */
function randomCellMutations(seed: number): FieldMutation[] {
  const values: unknown[] = [-1, 0, "x", null, token("NaN"), token("1e999"), true, []];
  return sampleDistinct(
    fc.tuple(fc.integer({ min: 0, max: 104 }), fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: values.length - 1 })),
    seed,
    12,
  ).map(([bar, component, which]) => ({
    name: `bar ${bar} value ${component} set to ${JSON.stringify(values[which]).replace(/"\\u0000TOKEN:([^"]*)"/, "$1")}`,
    apply: (row: Row) => {
      bars(row)[bar]![component] = values[which];
    },
  }));
}

/** Byte offsets inside lines (never at a line's end or start), where a cut or a bad byte always breaks a line. */
function offsetsInsideLines(text: Uint8Array, seed: number, count: number): number[] {
  return sampleDistinct(fc.integer({ min: 1, max: text.length - 2 }), seed, count * 4)
    .filter((offset) => text[offset - 1] !== 0x0a && text[offset] !== 0x0a)
    .slice(0, count);
}

interface WindowInput {
  id: string;
  description: string;
  file: string;
  content: CaseFile;
}

function jsonlInputs(base: CorpusBase, seed: number): WindowInput[] {
  const rows = base.windowsJsonl
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as Row);
  const inputs: WindowInput[] = [];
  const mutations = [...FIELD_MUTATIONS, ...randomCellMutations(seed)];
  mutations.forEach((mutation, k) => {
    const copy = rows.map((row) => structuredClone(row));
    mutation.apply(copy[k % copy.length]!);
    inputs.push({ id: `field-${k}`, description: `window ${k % copy.length}: ${mutation.name}`, file: "windows.jsonl", content: serialize(copy) });
  });
  const bytes = Buffer.from(base.windowsJsonl);
  for (const offset of offsetsInsideLines(bytes, seed + 1, 6)) {
    inputs.push({ id: `cut-${offset}`, description: `cut at byte ${offset}`, file: "windows.jsonl", content: bytes.subarray(0, offset) });
  }
  for (const offset of offsetsInsideLines(bytes, seed + 2, 6)) {
    inputs.push({
      id: `byte-ff-${offset}`,
      description: `invalid UTF-8 byte 0xff at ${offset}`,
      file: "windows.jsonl",
      content: Buffer.concat([bytes.subarray(0, offset), Buffer.from([0xff]), bytes.subarray(offset)]),
    });
  }
  const inId = bytes.indexOf('"window_id":"') + 14;
  const splice = (id: string, description: string, insert: number[]) =>
    inputs.push({ id, description, file: "windows.jsonl", content: Buffer.concat([bytes.subarray(0, inId), Buffer.from(insert), bytes.subarray(inId)]) });
  splice("overlong", "an overlong UTF-8 sequence in a window id", [0xc0, 0xaf]);
  splice("surrogate", "an encoded surrogate in a window id", [0xed, 0xa0, 0x80]);
  splice("nul", "a NUL byte in a window id", [0x00]);
  const first = base.windowsJsonl.split("\n")[0]!;
  const text = (id: string, description: string, content: string) => inputs.push({ id, description, file: "windows.jsonl", content });
  text("empty", "an empty file", "");
  text("blank", "only blank lines", "\n \n\t\n");
  text("array", "a JSON array on one line", "[]\n");
  text("empty-object", "an empty object", "{}\n");
  text("null", "a null line", "null\n");
  text("windows-array", "the windows as one JSON array", `[${first}]\n`);
  text("deep", "a line nested 100,000 deep", `${"[".repeat(100_000)}\n`);
  text("deep-object", "an object nested 20 deep", `${'{"a":'.repeat(20)}1${"}".repeat(20)}\n`);
  text("long", "a line over the 1 MiB limit", `{"window_id":"${"a".repeat(1_100_000)}"}\n`);
  text("duplicate", "the same window id twice", `${first}\n${first}\n`);
  text("trailing-comma", "a trailing comma", `${first.slice(0, -1)},}\n`);
  text("cr-only", "lines separated by a bare CR", `${first}\r${first}\r`);
  text("garbage", "text that is not JSON", "hello, windows\n");
  return inputs;
}

function parquetInputs(base: CorpusBase, seed: number): WindowInput[] {
  const bytes = base.windowsParquet;
  const inputs: WindowInput[] = [];
  const file = "windows.parquet";
  for (const offset of sampleDistinct(fc.integer({ min: 4, max: bytes.length - 5 }), seed + 3, 10)) {
    const flipped = Uint8Array.from(bytes);
    flipped[offset]! ^= 0x10;
    inputs.push({ id: `flip-${offset}`, description: `one bit flipped at byte ${offset}`, file, content: flipped });
  }
  for (const fraction of [0.1, 0.5, 0.9, 0.999]) {
    const length = Math.floor(bytes.length * fraction);
    inputs.push({ id: `cut-${length}`, description: `cut to ${length} of ${bytes.length} bytes`, file, content: bytes.subarray(0, length) });
  }
  inputs.push({ id: "no-magic", description: "the trailing PAR1 magic removed", file, content: bytes.subarray(0, bytes.length - 4) });
  inputs.push({ id: "empty", description: "an empty file", file, content: new Uint8Array(0) });
  inputs.push({ id: "magic-only", description: "only PAR1 PAR1", file, content: "PAR1PAR1" });
  inputs.push({ id: "text", description: "JSON lines under a .parquet name", file, content: base.windowsJsonl });
  const random = Uint8Array.from(fc.sample(fc.integer({ min: 0, max: 255 }), { seed: seed + 4, numRuns: 4096 }));
  inputs.push({
    id: "random",
    description: "4 KiB of random bytes between PAR1 magics",
    file,
    content: Buffer.concat([Buffer.from("PAR1"), random, Buffer.from("PAR1")]),
  });
  return inputs;
}

function pathInputs(): WindowInput[] {
  return [
    { id: "directory", description: "a folder named like a window file", file: "windows.jsonl", content: { directory: true } },
    { id: "fifo", description: "a FIFO named like a window file", file: "windows.jsonl", content: { fifo: true } },
    { id: "device", description: "a link to /dev/zero", file: "windows.parquet", content: { symlink: "/dev/zero" } },
    { id: "parquet-directory", description: "a folder named like a Parquet file", file: "windows.parquet", content: { directory: true } },
    { id: "extension", description: "an unknown extension (.json)", file: "windows.json", content: "{}" },
  ];
}

/** Every window input, each through the four commands that read window files. */
export function windowCases(base: CorpusBase, seed: number): FuzzCase[] {
  const inputs = [
    ...jsonlInputs(base, seed).map((input) => ({ ...input, id: `jsonl-${input.id}` })),
    ...parquetInputs(base, seed).map((input) => ({ ...input, id: `parquet-${input.id}` })),
    ...pathInputs().map((input) => ({ ...input, id: `path-${input.id}` })),
    { id: "path-missing", description: "a file that does not exist", file: "absent.jsonl", content: null },
  ];
  const commands: [string, (file: string) => string[]][] = [
    ["validate", (file) => ["data", "validate", file]],
    ["train", (file) => ["train", "--data", file, "--epochs", "1", "--out", "@/run"]],
    ["predict", (file) => ["predict", "--checkpoint", base.checkpointPath, "--data", file, "--out", "@/predictions.json"]],
    ["compare", (file) => ["compare", "--data", file, "--out", "@/bundle"]],
  ];
  return inputs.flatMap((input) =>
    commands.map(([command, args]) => ({
      id: `windows-${input.id}-${command}`,
      family: "windows" as const,
      description: `${input.description} (${command})`,
      files: input.content === null ? {} : { [input.file]: input.content },
      args: args(`@/${input.file}`),
      names: [`@/${input.file}`],
    })),
  );
}
