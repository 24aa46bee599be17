/**
 * Malformed configurations and option values: a comparison folder whose compare_config.json was damaged
 * (through `compare --resume`), search spaces that are not one (`compare --tune --space`), and every
 * numeric or named option given a value it must refuse — non-decimal numbers, zero, negative, fractional
 * or infinite counts, probabilities outside [0, 1], unknown names and zones.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { CaseFile, CorpusBase, FuzzCase } from "./case.js";

function comparisonCases(base: CorpusBase): FuzzCase[] {
  const stored = JSON.parse(readFileSync(join(base.comparisonFolder, "compare_config.json"), "utf8")) as Record<string, unknown> & {
    protocol: Record<string, unknown>;
  };
  const edited = (edit: (copy: typeof stored) => void) => {
    const copy = structuredClone(stored);
    edit(copy);
    return JSON.stringify(copy, null, 2);
  };
  const inputs: [string, string, CaseFile][] = [
    ["empty", "an empty compare_config.json", ""],
    ["not-json", "a compare_config.json that is not JSON", '{"protocol": '],
    ["array", "a JSON array", "[]"],
    [
      "no-protocol",
      "no protocol",
      edited((c) => {
        delete (c as Record<string, unknown>).protocol;
      }),
    ],
    [
      "seeds-empty",
      "no seeds",
      edited((c) => {
        c.protocol.seeds = [];
      }),
    ],
    [
      "seeds-text",
      "seeds that are text",
      edited((c) => {
        c.protocol.seeds = ["42"];
      }),
    ],
    [
      "epochs-negative",
      "epochs −1",
      edited((c) => {
        c.protocol.epochs = -1;
      }),
    ],
    [
      "epochs-text",
      'epochs "50"',
      edited((c) => {
        c.protocol.epochs = "50";
      }),
    ],
    [
      "lr-zero",
      "a learning rate of 0",
      edited((c) => {
        c.protocol.learningRate = 0;
      }),
    ],
    [
      "batch-fraction",
      "a batch size of 2.5",
      edited((c) => {
        c.protocol.batchSize = 2.5;
      }),
    ],
    [
      "workers-zero",
      "0 workers",
      edited((c) => {
        c.protocol.workers = 0;
      }),
    ],
    [
      "objectives-unknown",
      "an unknown objective",
      edited((c) => {
        c.protocol.objectives = ["soft", "beam"];
      }),
    ],
    [
      "sha-short",
      "a data hash that is not a SHA-256",
      edited((c) => {
        c.data_sha256 = "abc";
      }),
    ],
    [
      "sha-changed",
      "a data hash of other data",
      edited((c) => {
        c.data_sha256 = "0".repeat(64);
      }),
    ],
    [
      "data-empty",
      "an empty data path",
      edited((c) => {
        c.data = "";
      }),
    ],
    [
      "data-missing",
      "data that no longer exists",
      edited((c) => {
        c.data = "/nonexistent/windows.parquet";
      }),
    ],
    [
      "nan-token",
      "a NaN learning rate (not JSON)",
      edited((c) => {
        c.protocol.learningRate = 1;
      }).replace('"learningRate": 1', '"learningRate": NaN'),
    ],
    ["utf8", "invalid UTF-8", Buffer.concat([Buffer.from('{"data": "'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')])],
    ["directory", "a folder where compare_config.json should be", { directory: true }],
    ["fifo", "a FIFO where compare_config.json should be", { fifo: true }],
  ];
  return inputs.map(([id, description, content]) => ({
    id: `config-compare-${id}`,
    family: "config" as const,
    description: `${description} (compare --resume)`,
    folders: { comparison: base.comparisonFolder },
    files: { "comparison/compare_config.json": content },
    args: ["compare", "--resume", "@/comparison"],
    names: ["@/comparison"],
  }));
}

function searchSpaceCases(base: CorpusBase): FuzzCase[] {
  const inputs: [string, string, CaseFile][] = [
    ["empty", "an empty file", ""],
    ["not-json", "not JSON", "{epochs: [50]}"],
    ["array", "a JSON array", "[50, 100]"],
    ["epochs-text", "epochs that are text", '{"epochs": ["a"]}'],
    ["epochs-zero", "zero epochs", '{"epochs": [0]}'],
    ["epochs-empty", "an empty epochs list", '{"epochs": []}'],
    ["epochs-number", "epochs not a list", '{"epochs": 50}'],
    ["lr-negative", "a negative learning rate", '{"learningRate": [-1]}'],
    ["position-text", "position that is not on/off", '{"position": ["yes"]}'],
    ["pos-weight", "an unreadable pos_weight", '{"posWeight": ["heavy"]}'],
    ["unknown-key", "an unknown key", '{"dropout": [0.1]}'],
    ["deep", "nested 100,000 deep", "[".repeat(100_000)],
    ["utf8", "invalid UTF-8", Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d])],
    ["directory", "a folder", { directory: true }],
    ["fifo", "a FIFO", { fifo: true }],
  ];
  return inputs.map(([id, description, content]) => ({
    id: `config-space-${id}`,
    family: "config" as const,
    description: `search space: ${description} (compare --tune --space)`,
    files: { "space.json": content },
    args: ["compare", "--tune", "--space", "@/space.json", "--data", base.windowsPath, "--out", "@/bundle"],
    names: ["@/space.json"],
  }));
}

/** Option values each command must refuse before doing anything. */
function optionCases(base: CorpusBase): FuzzCase[] {
  const train = (option: string, value: string) => ["train", "--data", base.windowsPath, "--out", "@/run", option, value];
  const compare = (option: string, value: string) => ["compare", "--data", base.windowsPath, "--out", "@/bundle", option, value];
  const predictData = (option: string, value: string) => [
    "predict",
    "--checkpoint",
    base.checkpointPath,
    "--data",
    base.windowsPath,
    "--out",
    "@/p.json",
    option,
    value,
  ];
  const predictBars = (option: string, value: string) => [
    "predict",
    "--checkpoint",
    base.checkpointPath,
    "--bars",
    base.barsPath,
    "--out",
    "@/d.csv",
    option,
    value,
  ];
  const windows = (option: string, value: string) => [
    "data",
    "windows",
    "--bars",
    base.barsPath,
    "--annotations",
    base.annotationsPath,
    "--out",
    "@/w.jsonl",
    option,
    value,
  ];
  const sweep = (option: string, value: string) => ["sweep", "--data", base.windowsPath, "--out", "@/sweep", option, value];
  const table: [string, (option: string, value: string) => string[], string, string[]][] = [
    ["train", train, "--epochs", ["0x10", "-1", "0", "1.5", "abc", "", "Infinity", "1e999", "5 epochs"]],
    ["train", train, "--lr", ["0", "-1", "abc", "1e999", "0x1"]],
    ["train", train, "--batch-size", ["0", "-8", "2.5"]],
    ["train", train, "--seed", ["-1", "1.5", "seed"]],
    ["train", train, "--weight-decay", ["-1", "NaN"]],
    ["train", train, "--clip-grad-norm", ["0", "-2"]],
    ["train", train, "--pos-weight", ["-1", "heavy", "balanced*x", "0"]],
    ["train", train, "--split", ["bogus"]],
    ["train", train, "--embargo", ["-3", "1.5"]],
    ["train", train, "--loss", ["beam", ""]],
    ["train", train, "--weighting", ["random"]],
    ["compare", compare, "--seeds", ["0", "-2", "two"]],
    ["compare", compare, "--epochs", ["0", "-5"]],
    ["compare", compare, "--lr", ["0"]],
    ["compare", compare, "--pos-weight", ["0", "-2"]],
    ["compare", compare, "--batch-size", ["0"]],
    ["compare", compare, "--workers", ["0", "1.5"]],
    ["compare", compare, "--sensitivity", ["everything"]],
    ["compare", compare, "--min-run-length", ["0"]],
    ["predict", predictData, "--threshold", ["2", "-0.1", "abc"]],
    ["predict", predictData, "--batch-size", ["0"]],
    ["predict", predictBars, "--stride", ["0", "106", "x"]],
    ["predict", predictBars, "--decoder", ["beam"]],
    ["predict", predictBars, "--workers", ["0"]],
    ["predict", predictBars, "--iou", ["1.5", "-1"]],
    ["predict", predictBars, "--tolerance", ["-1"]],
    ["predict", predictBars, "--timezone", ["Mars/Olympus_Mons"]],
    ["predict", predictBars, "--columns", ["open=nope,close"]],
    ["predict", predictBars, "--decimal", ["x"]],
    ["windows", windows, "--max-gap", ["banana"]],
    ["windows", windows, "--windows-per-event", ["0", "-1"]],
    ["windows", windows, "--min-visible", ["2", "-0.5"]],
    ["windows", windows, "--seed", ["0x2a"]],
    ["sweep", sweep, "--epochs", ["a,b", "0,50", ""]],
    ["sweep", sweep, "--lr", ["-1,0.001"]],
    ["sweep", sweep, "--batch-size", ["0,32"]],
  ];
  return table.flatMap(([command, args, option, values]) =>
    values.map((value, k) => ({
      id: `options-${command}${option}-${k}`,
      family: "options" as const,
      description: `${command} ${option} ${JSON.stringify(value)}`,
      files: {},
      args: args(option, value),
      names: [option],
    })),
  );
}

export function configCases(base: CorpusBase): FuzzCase[] {
  return [...comparisonCases(base), ...searchSpaceCases(base), ...optionCases(base)];
}
