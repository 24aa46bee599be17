/**
 * Where the installed package lives, so bundled files (data/default.parquet, build/kernels.wasm) are found
 * from the source tree under vitest and from dist/ when built, whatever the working directory.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

let cachedRoot: string | undefined;

/** The folder holding spanlab's package.json. */
export function packageRoot(): string {
  if (cachedRoot) return cachedRoot;
  let folder = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(folder, "package.json");
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, "utf8")) as { name?: string }).name === "spanlab") {
      cachedRoot = folder;
      return folder;
    }
    const parent = dirname(folder);
    if (parent === folder) throw new Error(`cannot find spanlab's package.json above ${fileURLToPath(import.meta.url)}`);
    folder = parent;
  }
}

/** spanlab's version from its package.json. */
export function packageVersion(): string {
  return (JSON.parse(readFileSync(join(packageRoot(), "package.json"), "utf8")) as { version: string }).version;
}

/** The bundled default dataset, used when a command is given no data. */
export function defaultDataPath(): string {
  return join(packageRoot(), "data", "default.parquet");
}
