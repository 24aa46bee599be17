/**
 * File writing that never loses a previous result: every file is written to a temporary name in the
 * same folder and renamed into place, and run folders are created fresh, never reused.
 */
import { mkdirSync, renameSync, writeFileSync, existsSync, rmSync } from "node:fs";
import { dirname, basename, join } from "node:path";

let temporaryCounter = 0;

/** Write `data` to `path` atomically (temporary file in the same folder, then rename). */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const folder = dirname(path);
  mkdirSync(folder, { recursive: true });
  const temporary = join(folder, `.${basename(path)}.${process.pid}.${temporaryCounter++}.tmp`);
  try {
    writeFileSync(temporary, data);
    renameSync(temporary, path);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
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
