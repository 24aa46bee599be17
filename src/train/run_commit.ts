/**
 * Crash-safe epochs (docs/spec.md §5, "Run folders"): an epoch's files — checkpoints, optimizer state,
 * metrics, log — become visible together or not at all.
 *
 * Write-ahead, in three steps: every new file is first written complete as `NAME.next`; then
 * `commit.json`, naming the epoch and each file's SHA-256, is renamed into place — the commit point; then
 * each `NAME.next` is renamed to NAME. A crash (or a full disk) before the commit leaves the previous
 * epoch whole, its `.next` files stale; a crash after it is rolled forward from the `.next` files.
 * Recovery checks every file against the commit, so a torn or foreign file is named, never trained on.
 */
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { readJsonFile } from "../util/read_file.js";
import { renameFile, TEMPORARY_FILE, writeFileAtomic } from "../util/files.js";
import { LOCK_FILE } from "../util/lock.js";

export const COMMIT_FILE = "commit.json";
const NEXT = ".next";
const FORMAT = "spanlab-run-commit/1";

const commitSchema = z
  .object({
    format: z.literal(FORMAT),
    epoch: z.number().int().min(1),
    files: z.record(z.string().regex(/^[\w.-]+$/), z.string().regex(/^[0-9a-f]{64}$/)),
  })
  .strict();

export type RunCommit = z.infer<typeof commitSchema>;

const sha256 = (data: string | Uint8Array) => createHash("sha256").update(data).digest("hex");

/** The run folder's commit, checked; null when no epoch has been committed. */
export function readCommit(runDirectory: string): RunCommit | null {
  const path = join(runDirectory, COMMIT_FILE);
  if (!existsSync(path)) return null;
  return readJsonFile(path, "run commit", "the commit.json spanlab train writes (the run folder was changed outside spanlab)", commitSchema);
}

/** Makes epoch `epoch` of the run folder out of `files` (name → content); files not named keep their committed content. */
export function commitEpoch(runDirectory: string, epoch: number, files: Record<string, string | Uint8Array>): void {
  const hashes = { ...(readCommit(runDirectory)?.files ?? {}) };
  for (const [name, data] of Object.entries(files)) {
    writeFileAtomic(join(runDirectory, name + NEXT), data);
    hashes[name] = sha256(data);
  }
  const commit: RunCommit = { format: FORMAT, epoch, files: hashes };
  writeFileAtomic(join(runDirectory, COMMIT_FILE), `${JSON.stringify(commit, null, 1)}\n`);
  for (const name of Object.keys(files)) renameFile(join(runDirectory, name + NEXT), join(runDirectory, name));
}

/** Whether every file of the commit holds its committed content (no repair). */
export function commitComplete(runDirectory: string, commit: RunCommit): boolean {
  return Object.entries(commit.files).every(([name, hash]) => {
    const path = join(runDirectory, name);
    return existsSync(path) && sha256(readFileSync(path)) === hash;
  });
}

/** What recovery did to a run folder. */
export interface Recovery {
  /** The committed epoch (0: none). */
  epoch: number;
  /** Files restored from their `.next` copy (a crash after the commit point). */
  rolledForward: string[];
  /** Stale files removed: `.next` files of an epoch that never committed, temporary files of interrupted writes. */
  removed: string[];
}

/**
 * Brings a run folder back to its last committed epoch: rolls forward what the commit names from `.next`
 * copies, refuses a file that matches neither, and removes stale `.next` and temporary files.
 */
export function recoverRun(runDirectory: string): Recovery {
  const commit = readCommit(runDirectory);
  const rolledForward: string[] = [];
  for (const [name, hash] of Object.entries(commit?.files ?? {})) {
    const path = join(runDirectory, name);
    if (existsSync(path) && sha256(readFileSync(path)) === hash) continue;
    const next = path + NEXT;
    if (existsSync(next) && sha256(readFileSync(next)) === hash) {
      renameFile(next, path);
      rolledForward.push(name);
      continue;
    }
    throw new Error(
      `${path}: ${existsSync(path) ? "its content does not match" : "missing, but named by"} epoch ${commit!.epoch} of ${COMMIT_FILE} ` +
        `(sha256 ${hash.slice(0, 16)}…), and there is no complete ${name}${NEXT} to restore it from; the run folder was changed outside spanlab`,
    );
  }
  const removed = readdirSync(runDirectory).filter((name) => name.endsWith(NEXT) || TEMPORARY_FILE.test(name));
  for (const name of removed) rmSync(join(runDirectory, name), { force: true });
  return { epoch: commit?.epoch ?? 0, rolledForward, removed };
}

/**
 * Whether a folder holds nothing but temporary files and a writer lock (a run killed before its
 * config.json landed); the lock itself is judged by lockFolder.
 */
export function onlyTemporaryFiles(directory: string): boolean {
  const names = readdirSync(directory);
  return names.length > 0 && names.every((name) => TEMPORARY_FILE.test(name) || name === LOCK_FILE);
}
