/**
 * Debian's chromium for the browser tests (test/browser/): where it is, the flags every test launches it
 * with (headless, no sandbox as CI runs as root, nothing that reaches the network on its own), and whether
 * the tests run — skipped with a note when it is missing, unless SPANLAB_REQUIRE_BROWSER=1 (as .ci/run
 * sets it after installing chromium), where a missing browser fails.
 */
import { existsSync } from "node:fs";

export const CHROMIUM = "/usr/bin/chromium";
export const LAUNCH_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
export const BROWSER_REQUIRED = process.env.SPANLAB_REQUIRE_BROWSER === "1";
export const BROWSER_AVAILABLE = existsSync(CHROMIUM);
