/**
 * Reading a whole input file, refusing everything that is not one: a missing path, a folder, a FIFO or a
 * device (which would hang or never end) are named at once, a file over the size its kind can reasonably
 * have is refused before it is read, invalid UTF-8 names its line and byte offset, and JSON that does not
 * parse — or does not have the fields its schema asks for — names the file and the field.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import type { z } from "zod";
import { assertRegularFile } from "./files.js";
import { decodeUtf8 } from "./text.js";

/** Size bounds by kind of file, in bytes. Each is far above what spanlab writes or a user's file holds. */
export const FILE_SIZE_LIMITS = {
  /** Configurations, manifests, search spaces, comparison models. */
  json: 256 << 20,
  /** Annotated events (a few hundred bytes per event). */
  annotations: 256 << 20,
} as const;

/** The bytes of a regular file of at most `maxBytes`, or an error naming the file and what it was read as. */
export function readInputBytes(path: string, what: string, maxBytes: number): Buffer {
  if (!existsSync(path)) throw new Error(`${path}: no such file (the ${what})`);
  assertRegularFile(path, what);
  const size = statSync(path).size;
  if (size > maxBytes) throw new Error(`${path}: the ${what} is ${size} bytes, over the ${maxBytes}-byte limit for such a file`);
  try {
    return readFileSync(path);
  } catch (error) {
    throw new Error(`${path}: cannot read the ${what} (${(error as Error).message})`);
  }
}

/** A regular file's text: strict UTF-8, a leading BOM dropped. */
export function readTextFile(path: string, what: string, maxBytes: number = FILE_SIZE_LIMITS.json): string {
  return decodeUtf8(readInputBytes(path, what, maxBytes), path).replace(/^\uFEFF/, "");
}

/** The first problem zod found, as "field a.b: message". */
export function firstSchemaIssue(error: z.ZodError): string {
  const issue = error.issues[0]!;
  return `field ${issue.path.join(".") || "(top level)"}: ${issue.message}`;
}

/**
 * A JSON file, parsed and (with a schema) checked. `expected` says in words what the file should hold, for
 * the message when it is empty or not JSON.
 */
export function readJsonFile(path: string, what: string, expected: string): unknown;
export function readJsonFile<S extends z.ZodType>(path: string, what: string, expected: string, schema: S): z.infer<S>;
export function readJsonFile(path: string, what: string, expected: string, schema?: z.ZodType): unknown {
  const text = readTextFile(path, what);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new Error(`${path}: the ${what} is ${text.trim() === "" ? "empty" : `not valid JSON (${(error as Error).message})`}; expected ${expected}`);
  }
  if (schema === undefined) return parsed;
  const result = schema.safeParse(parsed);
  if (!result.success) throw new Error(`${path}: ${firstSchemaIssue(result.error)} (the ${what}: expected ${expected})`);
  return result.data;
}
