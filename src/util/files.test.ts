import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { assertWritable, createFreshDirectory, writeFileAtomic } from "./files.js";

describe("files", () => {
  it("writes atomically and leaves no temporary file behind", () => {
    const dir = mkdtempSync(join(tmpdir(), "spanlab-files-"));
    const path = join(dir, "sub", "out.txt");
    writeFileAtomic(path, "hello");
    writeFileAtomic(path, "world");
    expect(readFileSync(path, "utf8")).toBe("world");
    expect(readdirSync(join(dir, "sub"))).toEqual(["out.txt"]);
  });

  it("refuses to replace an existing file unless forced", () => {
    const dir = mkdtempSync(join(tmpdir(), "spanlab-files-"));
    const path = join(dir, "a.txt");
    writeFileSync(path, "x");
    expect(() => assertWritable(path, false)).toThrow(/already exists/);
    expect(() => assertWritable(path, true)).not.toThrow();
    expect(() => assertWritable(join(dir, "b.txt"), false)).not.toThrow();
  });

  it("never hands out the same run folder twice", () => {
    const dir = mkdtempSync(join(tmpdir(), "spanlab-files-"));
    const a = createFreshDirectory(dir, "run");
    const b = createFreshDirectory(dir, "run");
    expect(a).not.toBe(b);
    expect(b.endsWith("run-2")).toBe(true);
  });
});
