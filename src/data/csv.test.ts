import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { MAX_TEXT_LINE_BYTES, forEachLine, splitCsvLine } from "./csv.js";

describe("splitCsvLine", () => {
  it("splits quoted CSV fields with escaped quotes and reports an unterminated quote", () => {
    expect(splitCsvLine('a,"b,""c""",d', ",")).toEqual({ fields: ["a", 'b,"c"', "d"] });
    expect(splitCsvLine('a,"b', ",").error).toBe("an unterminated quoted field");
  });
});

describe("forEachLine", () => {
  const dir = mkdtempSync(join(tmpdir(), "spanlab-lines-"));
  const lines = async (path: string) => {
    const seen: string[] = [];
    await forEachLine(path, (text, line) => seen.push(`${line}:${text}`));
    return seen;
  };

  it("keeps multi-byte characters split across read chunks whole, and CRLF lines", async () => {
    // 5,000 lines of 2- and 3-byte characters: many land across the 64 KiB chunk boundaries.
    const text = Array.from({ length: 5000 }, (_, i) => `€${i},ü,${"é".repeat(i % 7)}`);
    const path = join(dir, "multibyte.csv");
    writeFileSync(path, `\uFEFF${text.join("\r\n")}`);
    const seen = await lines(path);
    expect(seen).toHaveLength(5000);
    expect(seen[0]).toBe(`1:\uFEFF${text[0]}`);
    expect(seen.slice(1)).toEqual(text.slice(1).map((line, i) => `${i + 2}:${line}`));
  });

  it("refuses invalid UTF-8 with its line and byte offset, also past the first chunk", async () => {
    const path = join(dir, "invalid.csv");
    writeFileSync(path, Buffer.concat([Buffer.from("a,b\nc,d\n"), Buffer.from([0x41, 0xff, 0x0a])]));
    await expect(lines(path)).rejects.toThrow(`${path}: line 3, byte offset 9: invalid UTF-8 (bytes ff 0a)`);
    const far = join(dir, "far.csv");
    const head = "x,y\n".repeat(40_000);
    writeFileSync(far, Buffer.concat([Buffer.from(head), Buffer.from([0xe2, 0x28, 0xa1, 0x0a])]));
    await expect(lines(far)).rejects.toThrow(`${far}: line 40001, byte offset ${head.length}: invalid UTF-8`);
  });

  it("refuses a line longer than the limit, a folder and a device at once", async () => {
    const path = join(dir, "long.csv");
    writeFileSync(path, `a\n${"x".repeat(MAX_TEXT_LINE_BYTES + 70_000)}\n`);
    await expect(lines(path)).rejects.toThrow(`${path}: line 2 (from byte offset 2) is longer than ${MAX_TEXT_LINE_BYTES} bytes`);
    await expect(lines(dir)).rejects.toThrow(`${dir}: the text file is a directory; expected a regular file`);
    await expect(lines("/dev/zero")).rejects.toThrow("/dev/zero: the text file is a device; expected a regular file");
  });
});
