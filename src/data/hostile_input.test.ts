/**
 * Window files that are not what they claim: each ends in an error naming the file (and the line and
 * byte where it applies), never a hang, a stack overflow or a silent U+FFFD.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { invalidUtf8Offset } from "../util/text.js";
import { formatJsonl } from "./jsonl.js";
import { loadWindowsReport } from "./load.js";
import { DEFAULT_SYNTH_PARAMS, synthesizeWindows } from "./synth.js";
import { Rng } from "../util/rng.js";

let dir: string;
let good: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "spanlab-hostile-"));
  good = formatJsonl(synthesizeWindows({ ...DEFAULT_SYNTH_PARAMS, windows: 2 }, new Rng(1)));
});

describe("hostile window files", () => {
  it("refuses invalid UTF-8, naming the line and the byte offset", async () => {
    const lines = good.split("\n");
    const bytes = Buffer.concat([
      Buffer.from(`${lines[0]}\n`),
      Buffer.from('{"window_id": "bad\xff'.replace("\xff", ""), "utf8"),
      Buffer.from([0xff]),
      Buffer.from('"}\n'),
    ]);
    const path = join(dir, "utf8.jsonl");
    writeFileSync(path, bytes);
    const offset = Buffer.byteLength(`${lines[0]}\n{"window_id": "bad`);
    await expect(loadWindowsReport(path)).rejects.toThrow(`${path}: line 2, byte offset ${offset}: invalid UTF-8 (bytes ff 22 7d 0a)`);
  });

  it("finds overlongs, surrogates and truncated sequences", () => {
    expect(invalidUtf8Offset(Buffer.from("héllo ✓ 𝄞", "utf8"))).toBe(-1);
    expect(invalidUtf8Offset(Uint8Array.from([0x61, 0xc0, 0x80]))).toBe(1);
    expect(invalidUtf8Offset(Uint8Array.from([0xed, 0xa0, 0x80]))).toBe(0);
    expect(invalidUtf8Offset(Uint8Array.from([0x61, 0x62, 0xe2, 0x9c]))).toBe(2);
    expect(invalidUtf8Offset(Uint8Array.from([0xf4, 0x90, 0x80, 0x80]))).toBe(0);
  });

  it("refuses a line nested too deep, without a stack overflow, and keeps it in the rejects file", async () => {
    const path = join(dir, "deep.jsonl");
    writeFileSync(path, `${good}${"[".repeat(200_000)}${"]".repeat(200_000)}\n`);
    await expect(loadWindowsReport(path)).rejects.toThrow("nested more than 16 levels deep (a window needs 3)");
    const report = await loadWindowsReport(path, { skipInvalid: true });
    expect(report.dropped).toBe(1);
    expect(readFileSync(report.rejectsPath!, "utf8")).toContain("nested more than 16 levels deep");
  });

  it("refuses a line over the length limit", async () => {
    const path = join(dir, "long.jsonl");
    writeFileSync(path, `${good}{"window_id": "${"x".repeat(1 << 20)}"}\n`);
    await expect(loadWindowsReport(path)).rejects.toThrow(/over the 1048576-character limit/);
  });

  it("refuses a FIFO or a directory at once instead of hanging or failing without a path", async () => {
    const fifo = join(dir, "pipe.jsonl");
    execFileSync("mkfifo", [fifo]);
    await expect(loadWindowsReport(fifo)).rejects.toThrow(`${fifo}: the window file is a FIFO (named pipe); expected a regular file`);
    const folder = join(dir, "folder.parquet");
    mkdirSync(folder);
    await expect(loadWindowsReport(folder)).rejects.toThrow(`${folder}: the window file is a directory; expected a regular file`);
  });
});
