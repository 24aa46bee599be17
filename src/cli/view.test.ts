/**
 * `spanlab view` as a user runs it: it prints the URL (with the token beyond loopback), serves until
 * interrupted, then stops. The command waits for SIGINT, so the test captures stdout itself, waits for the
 * URL, makes requests, and calls the command's own SIGINT listener (never signalling the test process).
 */
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { BARS_FIXTURES } from "../../test/helpers/view_fixture.js";
import { runCli } from "../../test/helpers/cli.js";
import { buildProgram } from "./main.js";

const dir = mkdtempSync(join(tmpdir(), "spanlab-view-cli-"));
copyFileSync(join(BARS_FIXTURES, "fx_30m.csv"), join(dir, "fx_30m.csv"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs `spanlab view ARGS` until `use(url)` is done, then interrupts it; returns what it printed. */
async function serveWhile(args: string[], use: (url: string) => Promise<void>): Promise<string> {
  let stdout = "";
  const spy = vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
    stdout += typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8");
    return true;
  });
  const before = process.listeners("SIGINT").length;
  try {
    const running = buildProgram()
      .exitOverride()
      .parseAsync(["view", ...args], { from: "user" });
    let failed: unknown;
    running.catch((error: unknown) => {
      failed = error;
    });
    for (let i = 0; i < 400 && !/http:\/\/\S+/.test(stdout) && failed === undefined; i++) await new Promise((r) => setTimeout(r, 10));
    if (failed !== undefined) throw failed;
    await use(/(http:\/\/\S+)/.exec(stdout)![1]!);
    const listeners = process.listeners("SIGINT");
    expect(listeners.length).toBe(before + 1);
    (listeners.at(-1) as () => void)();
    await running;
    expect(process.listeners("SIGINT").length).toBe(before);
    return stdout;
  } finally {
    spy.mockRestore();
  }
}

describe("spanlab view", () => {
  it("serves the folders on loopback, prints the URL and stops on Ctrl-C", async () => {
    const printed = await serveWhile([dir, "--port", "0"], async (url) => {
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      const body = (await (await fetch(`${url}api/catalog`)).json()) as { items: { path: string; kind: string }[] };
      expect(body.items).toEqual([expect.objectContaining({ path: "fx_30m.csv", kind: "bars" })]);
    });
    expect(printed).toMatch(/^spanlab view: serving .+\n {2}http:\/\/127\.0\.0\.1:\d+\/\n\(Ctrl-C to stop\)\nspanlab view: stopped\n$/);
  });

  it("prints the URL with the token beyond loopback, and the token is what lets a request in", async () => {
    const printed = await serveWhile([dir, "--port", "0", "--host", "0.0.0.0"], async (url) => {
      const token = new URL(url).searchParams.get("token");
      expect(token).toMatch(/^[0-9a-f]{32}$/);
      const port = new URL(url).port;
      expect((await fetch(`http://127.0.0.1:${port}/api/catalog`)).status).toBe(403);
      expect((await fetch(`http://127.0.0.1:${port}/api/catalog?token=${token}`)).status).toBe(200);
    });
    expect(printed).toContain("beyond loopback: every request needs the token");
  });

  it("refuses a bad port and a missing folder, naming them", async () => {
    await expect(runCli(["view", dir, "--port", "70000"])).rejects.toThrow('--port must be an integer in [0, 65535], got "70000"');
    await expect(runCli(["view", dir, "--port", "http"])).rejects.toThrow('--port must be a plain decimal number, got "http"');
    await expect(runCli(["view", join(dir, "missing"), "--port", "0"])).rejects.toThrow(`${join(dir, "missing")}: no such folder`);
  });
});
