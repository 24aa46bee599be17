import { mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ParseCache } from "./cache.js";

const dir = mkdtempSync(join(tmpdir(), "spanlab-view-cache-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("the parse cache", () => {
  it("parses a file once while it is unchanged, again when its mtime or size changes, and shares a cold load", async () => {
    const file = join(dir, "a.txt");
    writeFileSync(file, "one");
    const cache = new ParseCache();
    let loads = 0;
    const load = async () => {
      loads++;
      return `parsed ${loads}`;
    };
    const [first, concurrent] = await Promise.all([cache.get("k", [file], load, () => 10), cache.get("k", [file], load, () => 10)]);
    expect([first, concurrent, loads]).toEqual(["parsed 1", "parsed 1", 1]);
    expect(await cache.get("k", [file], load, () => 10)).toBe("parsed 1");
    // Another kind of reading of the same file is its own entry.
    expect(await cache.get("other", [file], load, () => 10)).toBe("parsed 2");
    utimesSync(file, new Date(2020, 0, 1), new Date(2020, 0, 1));
    expect(await cache.get("k", [file], load, () => 10)).toBe("parsed 3");
    writeFileSync(file, "longer text");
    utimesSync(file, new Date(2020, 0, 1), new Date(2020, 0, 1));
    expect(await cache.get("k", [file], load, () => 10)).toBe("parsed 4");
  });

  it("keeps no failed load, and drops the least recently used entries beyond its bound", async () => {
    const files = [0, 1, 2].map((k) => {
      const path = join(dir, `f${k}.txt`);
      writeFileSync(path, String(k));
      return path;
    });
    const cache = new ParseCache(250);
    let loads = 0;
    const load = (tag: string) => async () => {
      loads++;
      return tag;
    };
    await expect(
      cache.get(
        "k",
        [files[0]!],
        () => Promise.reject(new Error("bad file")),
        () => 1,
      ),
    ).rejects.toThrow("bad file");
    expect(await cache.get("k", [files[0]!], load("a"), () => 100)).toBe("a");
    await cache.get("k", [files[1]!], load("b"), () => 100);
    await cache.get("k", [files[0]!], load("a again"), () => 100); // a is now the most recent
    await cache.get("k", [files[2]!], load("c"), () => 100); // over 250: b goes
    expect(cache.size).toBe(200);
    expect(loads).toBe(3);
    expect(await cache.get("k", [files[0]!], load("a reloaded"), () => 100)).toBe("a");
    expect(await cache.get("k", [files[1]!], load("b reloaded"), () => 100)).toBe("b reloaded");
  });
});
