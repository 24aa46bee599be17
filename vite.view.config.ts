/**
 * The front-end build of `spanlab view` (docs/spec.md §14): src/view/client/index.html and its TypeScript
 * entry, bundled by Vite into build/view/, which the server serves as its only static assets. Asset paths
 * are relative (`base: "./"`) so the pages work under whatever URL prefix the server gives them, and no
 * file is fetched from anywhere but that folder.
 */
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  root: here("./src/view/client"),
  base: "./",
  // No public folder: every asset is imported by the entry, so the build lists exactly what it serves.
  publicDir: false,
  logLevel: "warn",
  build: {
    outDir: here("./build/view"),
    emptyOutDir: true,
    target: "es2022",
    // lightweight-charts is most of the bundle; a warning at Vite's default 500 kB would only repeat that.
    chunkSizeWarningLimit: 1000,
  },
});
