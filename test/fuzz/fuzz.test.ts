/**
 * The fuzz corpus (test/fuzz/corpus.ts) run through spanlab: every case must end in a named error — a
 * non-zero exit and a message naming the file (or option) at fault, never a stack trace or a bare
 * JavaScript error — within a time and a memory bound, and write nothing: the case's folder is the same
 * after the run as before, byte for byte. Cases run in-process in two harness children
 * (test/fuzz/harness.mjs) that call the CLI's own entry point; a sample is also run as the real command.
 */
import { createHash } from "node:crypto";
import { execFileSync, fork, spawnSync, type ChildProcess } from "node:child_process";
import { cpSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CaseFile, CorpusBase, FuzzCase } from "./case.js";
import { buildBase, buildCorpus } from "./corpus.js";

/** Wall time one case may take (a hang on a FIFO or /dev/zero would never end). */
const TIME_LIMIT_MS = 20_000;
/** Peak resident memory of a harness process: a file read without a bound would pass it at once. */
const MEMORY_LIMIT_MIB = 512;
const HARNESS = join(import.meta.dirname, "harness.mjs");
const CLI = join(import.meta.dirname, "..", "..", "dist", "src", "cli", "main.js");

/** Messages no user should see: a JavaScript error's own words instead of one that names the input. */
const GENERIC = [
  /\n\s+at .+[(:]\d+/,
  /TypeError|ReferenceError|RangeError|SyntaxError(?!.*line)/,
  /Cannot read propert/,
  /is not a function/,
  /Maximum call stack/,
  /\[object Object\]/,
  /^(spanlab: )?E[A-Z]+: /m,
];

let root: string;
let base: CorpusBase;
let corpus: FuzzCase[];
const outcomes: { fuzzCase: FuzzCase; failure: string | null; exitCode: number | undefined; milliseconds: number; maxRssKiB: number }[] = [];

interface HarnessReply {
  id: string;
  exitCode: number | undefined;
  thrown: string | null;
  unhandled: string[];
  stdout: string;
  stderr: string;
  milliseconds: number;
  maxRssKiB: number;
}

const resolveArgument = (text: string, folder: string) => (text.startsWith("@/") ? join(folder, text.slice(2)) : text);

function materialize(fuzzCase: FuzzCase): string {
  const folder = join(root, "cases", fuzzCase.id);
  mkdirSync(folder, { recursive: true });
  for (const [target, source] of Object.entries(fuzzCase.folders ?? {})) cpSync(source, join(folder, target), { recursive: true });
  for (const [path, file] of Object.entries(fuzzCase.files) as [string, CaseFile][]) {
    const full = join(folder, path);
    mkdirSync(dirname(full), { recursive: true });
    rmSync(full, { recursive: true, force: true });
    if (typeof file === "string" || file instanceof Uint8Array) writeFileSync(full, file);
    else if ("directory" in file) mkdirSync(full);
    else if ("fifo" in file) execFileSync("mkfifo", [full]);
    else if ("symlink" in file) symlinkSync(file.symlink, full);
    // { remove: true }: the rmSync above.
  }
  return folder;
}

/** Every entry under `folder` with its kind, size and (for files) content hash; FIFOs are never opened. */
function snapshot(folder: string): Map<string, string> {
  const entries = new Map<string, string>();
  const walk = (path: string) => {
    for (const name of readdirSync(path).sort()) {
      const full = join(path, name);
      const stats = lstatSync(full);
      const key = full.slice(folder.length + 1);
      if (stats.isDirectory()) {
        entries.set(key, "directory");
        walk(full);
      } else if (stats.isFile()) entries.set(key, `file ${stats.size} ${createHash("sha256").update(readFileSync(full)).digest("hex")}`);
      else entries.set(key, stats.isFIFO() ? "fifo" : stats.isSymbolicLink() ? "symlink" : "other");
    }
  };
  walk(folder);
  return entries;
}

function changes(before: Map<string, string>, after: Map<string, string>): string[] {
  const changed: string[] = [];
  for (const [key, value] of after) if (before.get(key) !== value) changed.push(before.has(key) ? `changed ${key}` : `wrote ${key}`);
  for (const key of before.keys()) if (!after.has(key)) changed.push(`removed ${key}`);
  return changed;
}

/** Why `reply` is not a named error for `fuzzCase`, or null when it is. */
function judge(fuzzCase: FuzzCase, folder: string, reply: HarnessReply): string | null {
  const message = `${reply.stderr}${reply.stdout}`;
  if (reply.thrown) return `the entry point threw: ${reply.thrown.split("\n")[0]}`;
  if (reply.unhandled.length > 0) return `unhandled: ${reply.unhandled[0]!.split("\n")[0]}`;
  if (reply.exitCode === 0 || reply.exitCode === undefined) return `exit ${reply.exitCode} (stderr: ${reply.stderr.slice(0, 200)})`;
  // `data validate` reports a bad file's problems as its output (stdout); every other command on stderr.
  if (message.trim() === "") return "no message";
  for (const pattern of GENERIC) if (pattern.test(message)) return `a generic message (${pattern}): ${message.slice(0, 300)}`;
  for (const name of fuzzCase.names.map((text) => resolveArgument(text, folder))) {
    if (!message.includes(name)) return `the message does not name ${name}: ${reply.stderr.slice(0, 300)}`;
  }
  if (reply.milliseconds > TIME_LIMIT_MS) return `took ${Math.round(reply.milliseconds)} ms`;
  if (reply.maxRssKiB > MEMORY_LIMIT_MIB * 1024) return `peak memory ${Math.round(reply.maxRssKiB / 1024)} MiB`;
  return null;
}

class Harness {
  private child: ChildProcess | null = null;
  private ready: Promise<void> | null = null;

  private start(): Promise<void> {
    const child = fork(HARNESS, [], { stdio: ["ignore", "ignore", "ignore", "ipc"], execArgv: ["--max-old-space-size=1024"] });
    this.child = child;
    this.ready = new Promise((resolve) => child.once("message", () => resolve()));
    return this.ready;
  }

  async run(fuzzCase: FuzzCase, folder: string): Promise<HarnessReply | string> {
    if (this.child === null) await this.start();
    await this.ready;
    const child = this.child!;
    const args = fuzzCase.args.map((text) => resolveArgument(text, folder));
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        child.removeAllListeners("message");
        child.kill("SIGKILL");
        this.child = null;
        resolve(`no answer within ${TIME_LIMIT_MS} ms (killed)`);
      }, TIME_LIMIT_MS);
      child.once("exit", (code, signal) => {
        clearTimeout(timer);
        this.child = null;
        resolve(`the harness died (${code ?? signal})`);
      });
      child.once("message", (reply: HarnessReply) => {
        clearTimeout(timer);
        child.removeAllListeners("exit");
        resolve(reply);
      });
      child.send({ id: fuzzCase.id, cwd: folder, args });
    });
  }

  stop(): void {
    this.child?.kill("SIGKILL");
  }
}

const harnesses = [new Harness(), new Harness()];

async function runFamily(family: FuzzCase["family"]): Promise<string[]> {
  const cases = corpus.filter((fuzzCase) => fuzzCase.family === family);
  const failures: string[] = [];
  let next = 0;
  await Promise.all(
    harnesses.map(async (harness) => {
      while (next < cases.length) {
        const fuzzCase = cases[next++]!;
        const folder = materialize(fuzzCase);
        const before = snapshot(folder);
        const reply = await harness.run(fuzzCase, folder);
        const failure = typeof reply === "string" ? reply : (judge(fuzzCase, folder, reply) ?? (changes(before, snapshot(folder)).join(", ") || null));
        outcomes.push({
          fuzzCase,
          failure,
          exitCode: typeof reply === "string" ? undefined : reply.exitCode,
          milliseconds: typeof reply === "string" ? TIME_LIMIT_MS : reply.milliseconds,
          maxRssKiB: typeof reply === "string" ? 0 : reply.maxRssKiB,
        });
        if (failure !== null) failures.push(`${fuzzCase.id} — ${fuzzCase.description}: ${failure}`);
      }
    }),
  );
  return failures;
}

beforeAll(async () => {
  const keep = process.env.SPANLAB_FUZZ_DIR;
  root = keep ?? mkdtempSync(join(tmpdir(), "spanlab-fuzz-"));
  base = await buildBase(join(root, "base"));
  corpus = buildCorpus(base);
}, 120_000);

afterAll(() => {
  for (const harness of harnesses) harness.stop();
  const inputs = new Set(outcomes.map(({ fuzzCase }) => `${fuzzCase.family}:${JSON.stringify(fuzzCase.files)}:${fuzzCase.names.join()}`));
  const byFamily = new Map<string, { runs: number; named: number; failed: number }>();
  for (const { fuzzCase, failure } of outcomes) {
    const entry = byFamily.get(fuzzCase.family) ?? { runs: 0, named: 0, failed: 0 };
    entry.runs++;
    if (failure === null) entry.named++;
    else entry.failed++;
    byFamily.set(fuzzCase.family, entry);
  }
  const slowest = Math.max(...outcomes.map((outcome) => outcome.milliseconds));
  const peak = Math.max(...outcomes.map((outcome) => outcome.maxRssKiB)) / 1024;
  const codes = new Map<string, number>();
  for (const { exitCode } of outcomes) codes.set(String(exitCode), (codes.get(String(exitCode)) ?? 0) + 1);
  process.stdout.write(
    `fuzz corpus: ${outcomes.length} runs of ${inputs.size} inputs; ${[...byFamily].map(([family, e]) => `${family} ${e.named}/${e.runs}`).join(", ")} named errors; exit codes ${[...codes].map(([code, count]) => `${code}: ${count}`).join(", ")}; slowest case ${Math.round(slowest)} ms; peak harness memory ${Math.round(peak)} MiB\n`,
  );
  if (!process.env.SPANLAB_FUZZ_DIR) rmSync(root, { recursive: true, force: true });
}, 60_000);

describe("the fuzz corpus", () => {
  it("is deterministic and large enough to mean something", () => {
    expect(buildCorpus(base).map((fuzzCase) => fuzzCase.id)).toEqual(corpus.map((fuzzCase) => fuzzCase.id));
    expect(corpus.length).toBeGreaterThan(400);
  });

  for (const family of ["windows", "bars", "annotations", "checkpoint", "state", "config", "options"] as const) {
    it(`ends every malformed ${family} case in a named error, in bounds, writing nothing`, async () => {
      expect(await runFamily(family)).toEqual([]);
    }, 600_000);
  }

  it("fails a case that is not malformed or that writes (the judge can fail)", async () => {
    const valid: FuzzCase = {
      id: "control-valid",
      family: "windows",
      description: "a valid window file",
      files: {},
      args: ["data", "validate", base.windowsPath],
      names: [],
    };
    const folder = materialize(valid);
    const reply = await harnesses[0]!.run(valid, folder);
    expect(typeof reply !== "string" && judge(valid, folder, reply)).toMatch(/^exit 0/);
    const writing: FuzzCase = {
      id: "control-writes",
      family: "bars",
      description: "valid bars cut into windows",
      files: {},
      args: ["data", "windows", "--bars", base.barsPath, "--annotations", base.annotationsPath, "--out", "@/windows.jsonl"],
      names: [],
    };
    const writingFolder = materialize(writing);
    const before = snapshot(writingFolder);
    await harnesses[0]!.run(writing, writingFolder);
    expect(changes(before, snapshot(writingFolder))).toEqual(["wrote windows.jsonl"]);
  }, 60_000);

  it("gives the real command the same message and a non-zero exit code", () => {
    const sample = corpus.filter((_, k) => k % 97 === 0).slice(0, 6);
    for (const fuzzCase of sample) {
      const folder = materialize({ ...fuzzCase, id: `${fuzzCase.id}-command` });
      const args = fuzzCase.args.map((text) => resolveArgument(text, folder));
      const result = spawnSync(process.execPath, [CLI, ...args], { cwd: folder, encoding: "utf8", timeout: TIME_LIMIT_MS });
      expect(result.status, `${fuzzCase.id}: ${result.stderr}`).not.toBe(0);
      for (const name of fuzzCase.names) expect(`${result.stderr}${result.stdout}`).toContain(resolveArgument(name, folder));
    }
  }, 120_000);
});
