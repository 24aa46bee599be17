// Compiles the AssemblyScript kernels (kernels/index.ts) to build/kernels.wasm with SIMD, at install
// time (`npm ci` runs `prepare`). Nothing is downloaded: the compiler is the `assemblyscript` package.
import asc from "assemblyscript/asc";
import { mkdirSync, renameSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
mkdirSync(join(root, "build"), { recursive: true });
const temporary = join(root, "build", "kernels.wasm.tmp");
const { error, stderr } = await asc.main([
  join(root, "kernels", "index.ts"),
  "--outFile",
  temporary,
  "--optimizeLevel",
  "3",
  "--shrinkLevel",
  "0",
  "--noAssert",
  "--runtime",
  "stub",
  "--enable",
  "simd",
  "--importMemory",
  "--initialMemory",
  "1",
]);
if (error) {
  process.stderr.write(stderr.toString());
  process.stderr.write(`kernel build failed: ${error.message}\n`);
  process.exit(1);
}
renameSync(temporary, join(root, "build", "kernels.wasm"));
process.stdout.write("built build/kernels.wasm\n");
