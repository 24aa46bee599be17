/**
 * A folder's writer lock (docs/spec.md §5, "Run folders"): `.spanlab.lock`, created exclusively, holds
 * the writer's pid, host and start time. A second writer is refused with the holder named. A lock left by
 * a process that no longer runs on this host (a kill) is stale and taken over; one from another host is
 * never guessed at — the message says which file to remove.
 */
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { threadId } from "node:worker_threads";

export const LOCK_FILE = ".spanlab.lock";

interface LockHolder {
  pid: number;
  thread: number;
  host: string;
  started: string;
  what: string;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function readHolder(path: string): LockHolder | null {
  try {
    return JSON.parse(readFileSync(path, "utf8")) as LockHolder;
  } catch {
    // Torn (killed while writing it) or unreadable: no holder can be named, so it is stale.
    return null;
  }
}

/**
 * Locks `directory` for writing `what` ("training", "the comparison"); returns the release. Throws,
 * naming the holder, while another writer holds it.
 */
export function lockFolder(directory: string, what: string): () => void {
  mkdirSync(directory, { recursive: true });
  const path = join(directory, LOCK_FILE);
  const me: LockHolder = { pid: process.pid, thread: threadId, host: hostname(), started: new Date().toISOString(), what };
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, "wx");
      writeSync(fd, `${JSON.stringify(me)}\n`);
      closeSync(fd);
      return () => {
        const holder = readHolder(path);
        if (holder && holder.pid === me.pid && holder.thread === me.thread && holder.started === me.started) rmSync(path, { force: true });
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw new Error(`${path}: cannot create the lock (${(error as Error).message})`);
    }
    const holder = readHolder(path);
    if (holder && holder.host !== me.host) {
      throw new Error(
        `${directory} is locked by process ${holder.pid} on ${holder.host} (${holder.what}, since ${holder.started}); if it is no longer running, remove ${path}`,
      );
    }
    if (holder && alive(holder.pid)) {
      throw new Error(
        `${directory} is being written by process ${holder.pid}${holder.pid === me.pid ? ` (this process, thread ${holder.thread})` : ""} (${holder.what}, since ${holder.started}); wait for it to finish`,
      );
    }
    // Stale: its writer is gone. Take it over (a race with another taker leaves one winner at openSync).
    rmSync(path, { force: true });
  }
  throw new Error(`${path}: could not take over a stale lock`);
}

/** Runs `work` holding the lock of `directory`, releasing it however `work` ends. */
export async function withFolderLock<T>(directory: string, what: string, work: () => Promise<T>): Promise<T> {
  const release = lockFolder(directory, what);
  try {
    return await work();
  } finally {
    release();
  }
}

/** Whether a folder is locked by a live writer on this host. */
export function isLocked(directory: string): boolean {
  const path = join(directory, LOCK_FILE);
  if (!existsSync(path)) return false;
  const holder = readHolder(path);
  return holder !== null && (holder.host !== hostname() || alive(holder.pid));
}
