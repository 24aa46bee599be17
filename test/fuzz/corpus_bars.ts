/**
 * Malformed bars and annotations: cells that are not prices or times, rows out of order or repeated, torn
 * rows and quotes, bad bytes, lines without end, the project's own bad fixtures, and paths that are not
 * files. Bars go through `data windows` and `predict --bars`; annotations through `data windows` and
 * `predict --bars --annotations`.
 */
import { join } from "node:path";
import fc from "fast-check";
import { type CaseFile, type CorpusBase, type FuzzCase, sampleDistinct } from "./case.js";

const FIXTURES = join(import.meta.dirname, "..", "fixtures", "bars");

interface Input {
  id: string;
  description: string;
  file: string;
  /** null: the file is a shared fixture, named by absolute path in `file`; absent: no such file exists. */
  content?: CaseFile | null;
  extraArgs?: string[];
}

function splitLines(csv: string): string[][] {
  return csv
    .trim()
    .split("\n")
    .map((line) => line.split(","));
}

const joinLines = (rows: readonly (readonly string[])[]) => `${rows.map((row) => row.join(",")).join("\n")}\n`;

function barInputs(base: CorpusBase, seed: number): Input[] {
  const rows = splitLines(base.barsCsv);
  const dataRows = rows.length - 1;
  const inputs: Input[] = [];
  const file = "bars.csv";
  const edited = (id: string, description: string, edit: (copy: string[][]) => void) => {
    const copy = rows.map((row) => [...row]);
    edit(copy);
    inputs.push({ id, description, file, content: joinLines(copy) });
  };
  // Every token is wrong for every price column: not a number, blank, not finite, not positive, not
  // decimal, a second decimal mark, or the delimiter (which adds a field).
  const priceTokens = ["abc", "", "NaN", "inf", "-1", "0", "0x10", "1,5", "1e999", "1.2.3", " ", "1_000", "٣"];
  const priceCells = sampleDistinct(
    fc.tuple(fc.integer({ min: 1, max: dataRows }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 0, max: priceTokens.length - 1 })),
    seed,
    16,
  );
  for (const [row, column, which] of priceCells) {
    edited(`price-${row}-${column}-${which}`, `row ${row} ${rows[0]![column]} = ${JSON.stringify(priceTokens[which])}`, (copy) => {
      copy[row]![column] = priceTokens[which]!;
    });
  }
  const volumeTokens = ["-5", "x", "NaN", "0b101"];
  volumeTokens.forEach((value, k) => {
    edited(`volume-${k}`, `volume = ${JSON.stringify(value)}`, (copy) => {
      copy[5 + k]![5] = value;
    });
  });
  const timeTokens = ["2024-13-01 09:30:00", "yesterday", "", "2024-02-30 10:00:00", "10:00", "2024-01-02T25:00:00", "1704187800x"];
  const timeRows = sampleDistinct(fc.integer({ min: 2, max: dataRows - 1 }), seed + 1, timeTokens.length);
  timeTokens.forEach((value, k) => {
    edited(`time-${k}`, `row ${timeRows[k]} timestamp = ${JSON.stringify(value)}`, (copy) => {
      copy[timeRows[k]!]![0] = value;
    });
  });
  for (const row of sampleDistinct(fc.integer({ min: 1, max: dataRows }), seed + 2, 3)) {
    edited(`high-below-low-${row}`, `row ${row}: high below low`, (copy) => {
      copy[row]![2] = String(Number(copy[row]![3]) - 1);
    });
  }
  edited("duplicate-row", "a row repeated", (copy) => {
    copy.splice(40, 0, [...copy[40]!]);
  });
  edited("swapped-rows", "two rows swapped", (copy) => {
    [copy[60], copy[61]] = [copy[61]!, copy[60]!];
  });
  edited("no-header", "the header line removed", (copy) => {
    copy.shift();
  });
  edited("few-fields", "a row with too few fields", (copy) => {
    copy[30]!.pop();
  });
  edited("many-fields", "a row with too many fields", (copy) => {
    copy[31]!.push("7");
  });
  edited("open-quote", "an unterminated quote", (copy) => {
    copy[32]![1] = '"100.1';
  });
  edited("renamed-column", "the close column renamed", (copy) => {
    copy[0]![4] = "shut";
  });
  edited("zones-mixed", "one timestamp with a zone among naive ones", (copy) => {
    copy[50]![0] = `${copy[50]![0]!.replace(" ", "T")}Z`;
  });
  inputs.push({ id: "header-only", description: "only the header", file, content: `${rows[0]!.join(",")}\n` });
  inputs.push({ id: "empty", description: "an empty file", file, content: "" });
  inputs.push({ id: "blank", description: "only blank lines", file, content: "\n\n  \n" });
  const bytes = Buffer.from(base.barsCsv);
  for (const offset of sampleDistinct(fc.integer({ min: 1, max: bytes.length - 2 }), seed + 3, 4)) {
    inputs.push({
      id: `byte-ff-${offset}`,
      description: `invalid UTF-8 byte 0xff at ${offset}`,
      file,
      content: Buffer.concat([bytes.subarray(0, offset), Buffer.from([0xff]), bytes.subarray(offset)]),
    });
  }
  const cell = bytes.indexOf(",", bytes.indexOf("\n") + 1) + 1;
  inputs.push({
    id: "nul",
    description: "a NUL byte in a price",
    file,
    content: Buffer.concat([bytes.subarray(0, cell), Buffer.from([0]), bytes.subarray(cell)]),
  });
  inputs.push({ id: "long-line", description: "a line over the 1 MiB limit", file, content: `${base.barsCsv}${"1".repeat(1_200_000)}\n` });
  inputs.push({ id: "no-newline", description: "2 MiB without a newline", file, content: "x".repeat(2 << 20) });
  for (const name of [
    "bad_hex",
    "bad_mixed_zones",
    "bad_price",
    "bad_thousands",
    "bad_timestamp",
    "duplicate",
    "high_below_low",
    "missing_column",
    "unsorted",
  ]) {
    inputs.push({ id: `fixture-${name}`, description: `the fixture ${name}.csv`, file: join(FIXTURES, `${name}.csv`), content: null });
  }
  inputs.push({
    id: "fixture-bad_thousands_decimal_comma",
    description: "the fixture bad_thousands_decimal_comma.csv with --decimal ,",
    file: join(FIXTURES, "bad_thousands_decimal_comma.csv"),
    content: null,
    extraArgs: ["--decimal", ","],
  });
  inputs.push({ id: "parquet-text", description: "CSV under a .parquet name", file: "bars.parquet", content: base.barsCsv });
  inputs.push({ id: "parquet-empty", description: "an empty .parquet file", file: "bars.parquet", content: "" });
  inputs.push({ id: "directory", description: "a folder named like a bars file", file, content: { directory: true } });
  inputs.push({ id: "fifo", description: "a FIFO named like a bars file", file, content: { fifo: true } });
  inputs.push({ id: "device", description: "a link to /dev/zero", file, content: { symlink: "/dev/zero" } });
  inputs.push({ id: "parquet-device", description: "a .parquet link to /dev/zero", file: "bars.parquet", content: { symlink: "/dev/zero" } });
  inputs.push({ id: "extension", description: "an unknown extension (.xlsx)", file: "bars.xlsx", content: base.barsCsv });
  inputs.push({ id: "missing", description: "a file that does not exist", file: "absent.csv" });
  return inputs;
}

function annotationInputs(base: CorpusBase, seed: number): Input[] {
  const rows = splitLines(base.annotationsCsv);
  const inputs: Input[] = [];
  const file = "events.csv";
  const edited = (id: string, description: string, edit: (copy: string[][]) => void) => {
    const copy = rows.map((row) => [...row]);
    edit(copy);
    inputs.push({ id, description, file, content: joinLines(copy) });
  };
  const timeTokens = ["yesterday", "", "2024-13-02 10:00:00", "2024-01-02 10:61:00", "0x10"];
  const cells = sampleDistinct(fc.tuple(fc.integer({ min: 1, max: rows.length - 1 }), fc.integer({ min: 1, max: 2 })), seed + 5, timeTokens.length);
  timeTokens.forEach((value, k) => {
    const [row, column] = cells[k]!;
    edited(`time-${k}`, `event ${row} ${rows[0]![column]} = ${JSON.stringify(value)}`, (copy) => {
      copy[row]![column] = value;
    });
  });
  edited("end-before-start", "an end before its start", (copy) => {
    [copy[1]![1], copy[1]![2]] = [copy[1]![2]!, copy[1]![1]!];
  });
  edited("label", "an unknown label", (copy) => {
    copy[2]![3] = "breakout";
  });
  edited("label-empty", "an empty label", (copy) => {
    copy[3]![3] = "";
  });
  edited("duplicate-id", "an event id used twice", (copy) => {
    copy[2]![0] = copy[1]![0]!;
  });
  edited("no-label-column", "no label column", (copy) => {
    for (const row of copy) row.pop();
  });
  edited("no-start-column", "no start column", (copy) => {
    copy[0]![1] = "commence";
  });
  edited("many-fields", "a row with too many fields", (copy) => {
    copy[1]!.push("x");
  });
  edited("outside", "every event after the last bar", (copy) => {
    for (const row of copy.slice(1)) for (const k of [1, 2]) row[k] = row[k]!.replace("2024", "2031");
  });
  inputs.push({ id: "header-only", description: "only the header", file, content: `${rows[0]!.join(",")}\n` });
  inputs.push({ id: "empty", description: "an empty file", file, content: "" });
  const bytes = Buffer.from(base.annotationsCsv);
  inputs.push({
    id: "byte-ff",
    description: "an invalid UTF-8 byte",
    file,
    content: Buffer.concat([bytes.subarray(0, 30), Buffer.from([0xff]), bytes.subarray(30)]),
  });
  inputs.push({ id: "json-broken", description: "JSON that does not parse", file: "events.json", content: '[{"start": ' });
  inputs.push({ id: "json-object", description: "a JSON object, not a list", file: "events.json", content: '{"start": "2024-01-02 10:00:00"}' });
  inputs.push({ id: "json-numbers", description: "a JSON list of numbers", file: "events.json", content: "[1, 2, 3]" });
  inputs.push({ id: "json-deep", description: "JSON nested 100,000 deep", file: "events.json", content: "[".repeat(100_000) });
  inputs.push({ id: "jsonl-line", description: "a JSONL line that does not parse", file: "events.jsonl", content: '{"start": "2024-01-02 10:00:00", \n' });
  for (const name of ["events_duplicate_id", "events_end_before_start", "events_unknown_label"]) {
    inputs.push({ id: `fixture-${name}`, description: `the fixture ${name}.csv`, file: join(FIXTURES, `${name}.csv`), content: null });
  }
  inputs.push({ id: "directory", description: "a folder named like an annotations file", file, content: { directory: true } });
  inputs.push({ id: "fifo", description: "a FIFO named like an annotations file", file, content: { fifo: true } });
  inputs.push({ id: "device", description: "a link to /dev/zero", file, content: { symlink: "/dev/zero" } });
  inputs.push({ id: "extension", description: "an unknown extension (.xml)", file: "events.xml", content: base.annotationsCsv });
  inputs.push({ id: "missing", description: "a file that does not exist", file: "absent.csv" });
  return inputs;
}

function cases(family: "bars" | "annotations", inputs: Input[], commands: [string, (file: string, extra: string[]) => string[]][]): FuzzCase[] {
  return inputs.flatMap((input) => {
    const content = input.content;
    const path = content === null ? input.file : `@/${input.file}`;
    const files: Record<string, CaseFile> = content === null || content === undefined ? {} : { [input.file]: content };
    return commands.map(([command, args]) => ({
      id: `${family}-${input.id}-${command}`,
      family,
      description: `${input.description} (${command})`,
      files,
      args: args(path, input.extraArgs ?? []),
      names: [path],
    }));
  });
}

/** Malformed bars through `data windows` and `predict --bars`. */
export function barCases(base: CorpusBase, seed: number): FuzzCase[] {
  return cases("bars", barInputs(base, seed), [
    ["windows", (file, extra) => ["data", "windows", "--bars", file, "--annotations", base.annotationsPath, "--out", "@/windows.jsonl", ...extra]],
    ["predict", (file, extra) => ["predict", "--checkpoint", base.checkpointPath, "--bars", file, "--out", "@/detections.csv", ...extra]],
  ]);
}

/** Malformed annotations through `data windows` and `predict --bars --annotations`. */
export function annotationCases(base: CorpusBase, seed: number): FuzzCase[] {
  return cases("annotations", annotationInputs(base, seed), [
    ["windows", (file) => ["data", "windows", "--bars", base.barsPath, "--annotations", file, "--out", "@/windows.jsonl"]],
    ["predict", (file) => ["predict", "--checkpoint", base.checkpointPath, "--bars", base.barsPath, "--annotations", file, "--out", "@/detections.csv"]],
  ]);
}
