/**
 * File writing that never loses a previous result: every file is written to a temporary name in the
 * same folder and renamed into place, and run folders are created fresh, never reused.
 */
import { mkdirSync, readdirSync, renameSync, writeFileSync, existsSync, rmSync, lstatSync, statSync } from "node:fs";
import { dirname, basename, join, relative, resolve, sep } from "node:path";

let temporaryCounter = 0;

/** The name pattern of writeFileAtomic's temporary files: `.NAME.PID.N.tmp`. */
export const TEMPORARY_FILE = /^\..+\.\d+\.\d+\.tmp$/;

/**
 * Tests only: a simulated crash at the N-th file operation — each temporary file written and each rename
 * counts one — so a test can stop a run at every write point and check what resume makes of it. A crash
 * at a write leaves half the temporary file on disk, as a killed process would; nothing is cleaned up.
 * Off (null) unless a test sets it; it is this module's only state.
 */
export class SimulatedCrash extends Error {}
const faults = { at: null as number | null, operations: 0 };

/** Crash at the `n`-th file operation from now (null: never); resets the count. */
export function simulateCrashAt(n: number | null): void {
  faults.at = n;
  faults.operations = 0;
}

/** File operations since the last {@link simulateCrashAt}. */
export function fileOperations(): number {
  return faults.operations;
}

function faultPoint(what: string, path: string, torn?: () => void): void {
  faults.operations++;
  if (faults.at !== null && faults.operations === faults.at) {
    torn?.();
    throw new SimulatedCrash(`simulated crash at file operation ${faults.operations}: ${what} ${path}`);
  }
}

/** Rename `from` to `to` (atomic within a folder); a fault point. */
export function renameFile(from: string, to: string): void {
  faultPoint("rename", to);
  renameSync(from, to);
}

/** Write `data` to `path` atomically (temporary file in the same folder, then rename). */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const folder = dirname(path);
  mkdirSync(folder, { recursive: true });
  const temporary = join(folder, `.${basename(path)}.${process.pid}.${temporaryCounter++}.tmp`);
  try {
    faultPoint("write", temporary, () =>
      writeFileSync(temporary, typeof data === "string" ? data.slice(0, data.length >> 1) : data.subarray(0, data.length >> 1)),
    );
    writeFileSync(temporary, data);
    renameFile(temporary, path);
  } catch (error) {
    // A simulated crash leaves what a killed process would; a real error cleans up after itself.
    if (error instanceof SimulatedCrash) throw error;
    rmSync(temporary, { force: true });
    // Node's own message ("ENOSPC: no space left on device, write") does not say which file.
    const code = (error as NodeJS.ErrnoException).code;
    throw Object.assign(
      new Error(`writing ${path}: ${(error as Error).message}${code === "ENOSPC" ? " (the disk is full; the previous version of the file is kept)" : ""}`, {
        cause: error,
      }),
      { code },
    );
  }
}

/**
 * Refuses a `path` under `root` reached through a symbolic link (or outside `root` altogether): spanlab
 * never writes through a link out of its own folder. Components that do not exist yet are fine.
 */
export function assertNoLinkBetween(root: string, path: string): void {
  const from = resolve(root);
  const steps = relative(from, resolve(path));
  if (steps.startsWith("..") || steps.startsWith(sep)) throw new Error(`${path} is outside ${root}; refusing to write there`);
  let current = from;
  for (const part of steps.split(sep).filter(Boolean)) {
    current = join(current, part);
    let link = false;
    try {
      link = lstatSync(current).isSymbolicLink();
    } catch {
      return;
    }
    if (link) throw new Error(`${current} is a symbolic link; spanlab never writes through a link out of ${root}`);
  }
}

/**
 * Removes the temporary files interrupted atomic writes left under `directory` (recursively, except in
 * the subfolders named in `skip`, which recover on their own); returns their paths.
 */
export function removeTemporaryFiles(directory: string, skip: readonly string[] = []): string[] {
  const removed: string[] = [];
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    const path = join(directory, entry.name);
    if (entry.isDirectory() && !entry.isSymbolicLink()) {
      if (!skip.includes(entry.name)) removed.push(...removeTemporaryFiles(path));
    } else if (entry.isFile() && TEMPORARY_FILE.test(entry.name)) {
      rmSync(path, { force: true });
      removed.push(path);
    }
  }
  return removed;
}

/**
 * Refuse to replace an existing output file unless asked to: a previous run's result is never lost by
 * accident.
 */
export function assertWritable(path: string, overwrite: boolean): void {
  if (!overwrite && existsSync(path)) {
    throw new Error(`${path} already exists; choose another --out or pass --force to replace it`);
  }
}

/**
 * Create a new folder under `parent` named `stem`, or `stem-2`, `stem-3`… when taken. Creation is
 * exclusive (mkdir without recursive fails on an existing folder), so two processes never share one.
 */
export function createFreshDirectory(parent: string, stem: string): string {
  mkdirSync(parent, { recursive: true });
  for (let attempt = 1; attempt < 10_000; attempt++) {
    const candidate = join(parent, attempt === 1 ? stem : `${stem}-${attempt}`);
    try {
      mkdirSync(candidate);
      return candidate;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
  }
  throw new Error(`could not create a new folder named ${stem} under ${parent}`);
}

/** Refuses anything but a regular file (a FIFO would hang, a device never end, a folder fail without a path). */
export function assertRegularFile(path: string, what: string): void {
  let kind: string;
  try {
    const stats = statSync(path);
    if (stats.isFile()) return;
    kind = stats.isDirectory()
      ? "a directory"
      : stats.isFIFO()
        ? "a FIFO (named pipe)"
        : stats.isCharacterDevice() || stats.isBlockDevice()
          ? "a device"
          : "not a regular file";
  } catch (error) {
    throw new Error(`${path}: cannot read the ${what} (${(error as Error).message})`);
  }
  throw new Error(`${path}: the ${what} is ${kind}; expected a regular file`);
}
