/**
 * What the server refuses (docs/spec.md §14, security): paths in any parameter or in the request path (plain,
 * percent-encoded, absolute), links out of a root, files swapped for such links after discovery, oversize
 * and malformed bodies, wrong methods, long URLs, other sites' pages (Host, Origin), and — bound beyond
 * loopback — every request without the printed token. Each refusal is checked to leak nothing it guards.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BARS_FIXTURES, errorOf, fakeAssets, rawRequest, testServer } from "../../../test/helpers/view_fixture.js";
import { catalogId, type CatalogItem } from "./catalog.js";
import { MAX_BODY_BYTES, MAX_URL_BYTES, isLoopbackHost } from "./security.js";
import type { ViewServer } from "./server.js";

const dir = mkdtempSync(join(tmpdir(), "spanlab-view-security-"));
const root = join(dir, "root");
const outside = join(dir, "outside");
const assets = fakeAssets(join(dir, "assets"));
/** A marker only the files outside the root hold: no response may contain it. */
const SECRET = "2099-12-31T00:00:00Z,4242.4242";
let server: ViewServer;
let items: CatalogItem[];

beforeAll(async () => {
  mkdirSync(join(root, "bars"), { recursive: true });
  copyFileSync(join(BARS_FIXTURES, "fx_30m.csv"), join(root, "bars", "fx_30m.csv"));
  copyFileSync(join(BARS_FIXTURES, "equity_daily_events.csv"), join(root, "bars", "events.csv"));
  mkdirSync(outside, { recursive: true });
  writeFileSync(join(outside, "secret.csv"), `timestamp,open,high,low,close\n${SECRET},4242.4242,4242.4242,4242.4242\n`);
  symlinkSync(outside, join(root, "linked-folder"));
  symlinkSync(join(outside, "secret.csv"), join(root, "bars", "linked.csv"));
  symlinkSync(join(outside, "secret.csv"), join(assets, "assets", "linked.js"));
  server = await testServer([root], { assets });
  items = ((await (await fetch(`${server.url}api/catalog`)).json()) as { items: CatalogItem[] }).items;
});
afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

const idOf = (path: string) => items.find((i) => i.path === path)!.id;

describe("paths are never taken from the client", () => {
  it("refuses .., encoded %2e%2e and absolute paths in every parameter with 400, serving nothing", async () => {
    const bars = idOf("bars/fx_30m.csv");
    const attempts = [
      "/api/bars?id=../../outside/secret.csv",
      "/api/bars?id=%2e%2e%2f%2e%2e%2foutside%2fsecret.csv",
      "/api/bars?id=..%5C..%5Coutside",
      `/api/bars?id=${encodeURIComponent(join(outside, "secret.csv"))}`,
      "/api/bars?id=%2Fetc%2Fpasswd",
      "/api/bars?id=C:%5CWindows",
      `/api/bars?id=${bars}&from=../1`,
      `/api/window?id=${bars}&window=${encodeURIComponent(join(outside, "secret.csv"))}`,
      `/api/window?id=${bars}&predictions=..%2F..%2Fsecret`,
      `/api/diff?a=${bars}&b=%2e%2e`,
      "/api/annotations?id=file:%2F%2F%2Fetc%2Fpasswd",
      `/api/run?id=${bars}%00`,
    ];
    for (const path of attempts) {
      const response = await rawRequest(server.port, path);
      expect(response.status, path).toBe(400);
      expect(errorOf(response), path).toMatch(/looks like a path; routes take the ids GET \/api\/catalog lists/);
      expect(response.body.toString()).not.toContain(SECRET);
    }
  });

  it("refuses .. in the request path itself, plain or percent-encoded, before any file is looked up", async () => {
    const attempts = [
      "/../outside/secret.csv",
      "/assets/../../outside/secret.csv",
      "/%2e%2e/%2e%2e/outside/secret.csv",
      "/assets/%2E%2E%2F%2E%2E%2Fpackage.json",
      "/assets/..%5c..%5coutside%5csecret.csv",
      "/api/../api/catalog",
      "/assets/%00.js",
    ];
    for (const path of attempts) {
      const response = await rawRequest(server.port, path);
      expect(response.status, path).toBe(400);
      expect(errorOf(response), path).toMatch(/leaves its folder|must start with/);
      expect(response.body.toString()).not.toContain(SECRET);
    }
    expect((await rawRequest(server.port, "/assets/%zz")).status).toBe(400);
  });

  it("neither lists nor serves a link out of a root (by any id), nor a link out of the pages' build", async () => {
    expect(items.map((i) => i.path).sort()).toEqual(["bars/events.csv", "bars/fx_30m.csv"]);
    for (const path of ["linked-folder/secret.csv", "bars/linked.csv", "linked-folder"]) {
      const response = await rawRequest(server.port, `/api/bars?id=${catalogId(server.roots[0]!, path)}`);
      expect(response.status, path).toBe(404);
      expect(response.body.toString()).not.toContain(SECRET);
    }
    const asset = await rawRequest(server.port, "/assets/linked.js");
    expect(asset.status).toBe(403);
    expect(errorOf(asset)).toBe("/assets/linked.js resolves outside the web app's folder; refused");
  });

  it("refuses a catalogued file swapped for a link out of the root after discovery (403, realpath containment)", async () => {
    const swapRoot = join(dir, "swap");
    mkdirSync(swapRoot, { recursive: true });
    copyFileSync(join(BARS_FIXTURES, "fx_30m.csv"), join(swapRoot, "bars.csv"));
    const swapServer = await testServer([swapRoot], { assets });
    try {
      const listed = ((await (await fetch(`${swapServer.url}api/catalog`)).json()) as { items: CatalogItem[] }).items;
      const id = listed[0]!.id;
      expect((await fetch(`${swapServer.url}api/bars?id=${id}`)).status).toBe(200);
      rmSync(join(swapRoot, "bars.csv"));
      symlinkSync(join(outside, "secret.csv"), join(swapRoot, "bars.csv"));
      const response = await rawRequest(swapServer.port, `/api/bars?id=${id}`);
      expect(response.status).toBe(403);
      expect(errorOf(response)).toBe(`bars.csv resolves outside ${swapServer.roots[0]}; spanlab view serves only files inside its folders`);
      expect(response.body.toString()).not.toContain(SECRET);
      rmSync(join(swapRoot, "bars.csv"));
      expect((await rawRequest(swapServer.port, `/api/bars?id=${id}`)).status).toBe(404);
    } finally {
      await swapServer.close();
    }
  });
});

describe("requests the server refuses by form", () => {
  const post = (body: Buffer | string, headers: Record<string, string> = { "content-type": "application/json" }) =>
    rawRequest(server.port, `/api/annotations?id=${idOf("bars/events.csv")}`, { method: "POST", body, headers });

  it("refuses a body over 1 MiB with 413 (declared or not), malformed JSON with 400, another type with 415", async () => {
    const big = Buffer.alloc(MAX_BODY_BYTES + 1, 0x20);
    const declared = await post(big, { "content-type": "application/json", "content-length": String(big.length) });
    expect(declared.status).toBe(413);
    expect(errorOf(declared)).toBe(`the body is ${MAX_BODY_BYTES + 1} bytes, over the ${MAX_BODY_BYTES}-byte limit`);
    const chunked = await post(big, { "content-type": "application/json", "transfer-encoding": "chunked" });
    expect(chunked.status).toBe(413);
    expect(errorOf(chunked)).toBe(`the body is over the ${MAX_BODY_BYTES}-byte limit`);
    const viaFetch = await fetch(`${server.url}api/annotations?id=${idOf("bars/events.csv")}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: big,
    });
    expect(viaFetch.status).toBe(413);
    const malformed = await post('{"edits": [');
    expect(malformed.status).toBe(400);
    expect(errorOf(malformed)).toMatch(/^the body is not valid JSON \(/);
    const form = await post("edits=1", { "content-type": "application/x-www-form-urlencoded" });
    expect(form.status).toBe(415);
    expect(errorOf(form)).toBe('the body must be application/json, got "application/x-www-form-urlencoded"');
    // Nothing was written beside the events.
    expect(readFileSync(join(root, "bars", "events.csv"), "utf8")).toBe(readFileSync(join(BARS_FIXTURES, "equity_daily_events.csv"), "utf8"));
    expect((await (await fetch(`${server.url}api/catalog`)).json()) as { items: unknown[] }).toMatchObject({ items: { length: 2 } });
  });

  it("refuses a wrong method with 405 and the methods allowed", async () => {
    const cases: [string, string, string][] = [
      ["DELETE", "/api/catalog", "GET, HEAD"],
      ["POST", `/api/bars?id=${idOf("bars/fx_30m.csv")}`, "GET, HEAD"],
      ["PUT", `/api/annotations?id=${idOf("bars/events.csv")}`, "GET, HEAD, POST"],
      ["OPTIONS", "/api/window", "GET, HEAD"],
      ["POST", "/", "GET, HEAD"],
    ];
    for (const [method, path, allow] of cases) {
      const response = await rawRequest(server.port, path, { method, headers: { "content-type": "application/json" }, body: "{}" });
      expect(response.status, `${method} ${path}: ${response.body.toString()}`).toBe(405);
      expect(response.headers.allow).toBe(allow);
      expect(errorOf(response)).toMatch(new RegExp(`^${method} is not allowed on`));
    }
    const head = await rawRequest(server.port, "/api/catalog", { method: "HEAD" });
    expect([head.status, head.body.length]).toEqual([200, 0]);
  });

  it(`refuses a URL over ${MAX_URL_BYTES} bytes with 414`, async () => {
    const response = await rawRequest(server.port, `/api/catalog?pad=${"x".repeat(MAX_URL_BYTES)}`);
    expect(response.status).toBe(414);
    expect(errorOf(response)).toMatch(/over the 8192-byte limit/);
    expect((await rawRequest(server.port, `/api/catalog?pad=${"x".repeat(MAX_URL_BYTES - 100)}`)).status).toBe(200);
  });

  it("answers a loopback server only under a loopback Host (DNS rebinding), and writes only for its own pages (Origin)", async () => {
    const rebound = await rawRequest(server.port, "/api/catalog", { headers: { host: `evil.example:${server.port}` } });
    expect(rebound.status).toBe(403);
    expect(errorOf(rebound)).toMatch(/^Host "evil\.example:\d+" is not a loopback name/);
    expect((await rawRequest(server.port, "/api/catalog", { headers: { host: `localhost:${server.port}` } })).status).toBe(200);
    const edits = JSON.stringify({ edits: [{ action: "accept", event: "eq-1" }] });
    const foreign = await post(edits, { "content-type": "application/json", origin: "http://evil.example" });
    expect(foreign.status).toBe(403);
    expect(errorOf(foreign)).toBe(`Origin "http://evil.example" is not this server (127.0.0.1:${server.port})`);
    const crossSite = await post(edits, { "content-type": "application/json", "sec-fetch-site": "cross-site" });
    expect(crossSite.status).toBe(403);
  });
});

describe("a server bound beyond loopback", () => {
  it("tells loopback hosts from others", () => {
    for (const host of ["127.0.0.1", "127.3.2.1", "localhost", "::1", "[::1]", "::ffff:127.0.0.1"]) expect(isLoopbackHost(host), host).toBe(true);
    for (const host of ["0.0.0.0", "::", "192.168.1.4", "example.com", "127.0.0.1.example.com"]) expect(isLoopbackHost(host), host).toBe(false);
  });

  it("needs the printed token on every request: 403 without it or with a wrong one, 200 with it (query, Bearer or the cookie it sets)", async () => {
    expect(server.token).toBeNull();
    const open = await testServer([root], { host: "0.0.0.0", assets });
    try {
      expect(open.token).toMatch(/^[0-9a-f]{32}$/);
      expect(open.url).toBe(`http://0.0.0.0:${open.port}/`);
      for (const path of ["/api/catalog", "/", "/assets/app.js", `/api/bars?id=${idOf("bars/fx_30m.csv")}`]) {
        const none = await rawRequest(open.port, path);
        expect(none.status, path).toBe(403);
        expect(errorOf(none)).toMatch(/^this server needs its token/);
        expect(none.body.toString()).not.toContain(open.token!);
      }
      // Checked first: without the token even a traversal attempt learns only that a token is needed.
      expect((await rawRequest(open.port, "/../outside/secret.csv")).status).toBe(403);
      const wrong = await rawRequest(open.port, `/api/catalog?token=${"0".repeat(32)}`);
      expect([wrong.status, errorOf(wrong)]).toEqual([403, "wrong token in ?token=; use the URL spanlab view printed"]);
      const wrongBearer = await rawRequest(open.port, "/api/catalog", { headers: { authorization: `Bearer ${open.token!.slice(1)}x` } });
      expect(wrongBearer.status).toBe(403);
      const short = await rawRequest(open.port, "/api/catalog?token=abc");
      expect(short.status).toBe(403);

      const query = await rawRequest(open.port, `/api/catalog?token=${open.token}`);
      expect(query.status).toBe(200);
      expect((JSON.parse(query.body.toString()) as { items: unknown[] }).items).toHaveLength(2);
      const bearer = await rawRequest(open.port, "/api/catalog", { headers: { authorization: `Bearer ${open.token}` } });
      expect(bearer.status).toBe(200);
      // Opening the printed URL sets a cookie, so the page's scripts (which carry no token) load too.
      const page = await rawRequest(open.port, `/?token=${open.token}`);
      expect(page.status).toBe(200);
      const cookie = (page.headers["set-cookie"] as string[])[0]!;
      expect(cookie).toBe(`spanlab_view_${open.port}=${open.token}; HttpOnly; SameSite=Strict; Path=/`);
      const script = await rawRequest(open.port, "/assets/app.js", { headers: { cookie: cookie.split(";")[0]! } });
      expect(script.status).toBe(200);
      const badCookie = await rawRequest(open.port, "/assets/app.js", { headers: { cookie: `spanlab_view_${open.port}=${"f".repeat(32)}` } });
      expect(badCookie.status).toBe(403);
      // Any Host is fine beyond loopback: the token is the check.
      expect((await rawRequest(open.port, "/api/catalog", { headers: { host: "lab-box:1234", authorization: `Bearer ${open.token}` } })).status).toBe(200);
    } finally {
      await open.close();
    }
  });
});
