import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { isLocked, LOCK_FILE, lockFolder, withFolderLock } from "./lock.js";

describe("folder locks", () => {
  it("refuses a second writer, naming the holder, and frees the folder on release", () => {
    const dir = mkdtempSync(join(tmpdir(), "spanlab-lock-"));
    const release = lockFolder(dir, "training");
    expect(isLocked(dir)).toBe(true);
    expect(() => lockFolder(dir, "training (resume)")).toThrow(`${dir} is being written by process ${process.pid} (this process, thread`);
    expect(() => lockFolder(dir, "training (resume)")).toThrow("(training, since");
    release();
    expect(isLocked(dir)).toBe(false);
    lockFolder(dir, "again")();
  });

  it("takes over a lock whose process is gone, or that is torn; refuses one held on another host", async () => {
    const dir = mkdtempSync(join(tmpdir(), "spanlab-lock-"));
    // A pid above the kernel's maximum never runs.
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid: 2 ** 22 + 1, thread: 0, host: hostname(), started: "2026-01-01T00:00:00Z", what: "training" }));
    expect(await withFolderLock(dir, "training", async () => JSON.parse(readFileSync(join(dir, LOCK_FILE), "utf8")).pid)).toBe(process.pid);
    writeFileSync(join(dir, LOCK_FILE), '{"pid": 12');
    lockFolder(dir, "training")();
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid: 1, thread: 0, host: "elsewhere", started: "2026-01-01T00:00:00Z", what: "the comparison" }));
    expect(() => lockFolder(dir, "training")).toThrow(
      `is locked by process 1 on elsewhere (the comparison, since 2026-01-01T00:00:00Z); if it is no longer running, remove ${join(dir, LOCK_FILE)}`,
    );
  });
});
