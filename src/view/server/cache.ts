/**
 * Parsed files, kept while they are unchanged: keyed by the files they were read from and valid while each
 * has the same size and mtime. A year of 1-minute bars takes ~1 s to parse and ~25 MB to hold, so the
 * chart's second request (another chunk, a reload) must not parse again; the cache is bounded by an
 * estimate of what it holds and drops the least recently used entries beyond it.
 */
import { statSync } from "node:fs";

interface Entry {
  signature: string;
  value: Promise<unknown>;
  bytes: number;
}

/** The default bound: room for a few years of 1-minute bars beside the comparison models. */
export const DEFAULT_CACHE_BYTES = 512 << 20;

export class ParseCache {
  private entries = new Map<string, Entry>();
  private held = 0;

  constructor(private readonly maxBytes = DEFAULT_CACHE_BYTES) {}

  /** Size and mtime of every file, one string (a missing file signs as such, so its appearance is a change). */
  private signature(files: readonly string[]): string {
    return files
      .map((file) => {
        try {
          const stats = statSync(file);
          return `${stats.size}:${stats.mtimeMs}`;
        } catch {
          return "missing";
        }
      })
      .join("|");
  }

  /**
   * The value `load` reads from `files` (the first is the key), reused while they are unchanged. `bytes`
   * estimates the value's memory once loaded. Concurrent requests for the same cold file share one load; a
   * failed load is not kept, so fixing the file and asking again reads it again.
   */
  get<T>(kind: string, files: readonly string[], load: () => Promise<T>, bytes: (value: T) => number): Promise<T> {
    const key = `${kind}\0${files.join("\0")}`;
    const signature = this.signature(files);
    const known = this.entries.get(key);
    if (known !== undefined && known.signature === signature) {
      // Most recently used last.
      this.entries.delete(key);
      this.entries.set(key, known);
      return known.value as Promise<T>;
    }
    if (known !== undefined) this.drop(key);
    const entry: Entry = { signature, value: Promise.resolve(), bytes: 0 };
    entry.value = load().then(
      (value) => {
        if (this.entries.get(key) === entry) {
          entry.bytes = bytes(value);
          this.held += entry.bytes;
          this.evict(key);
        }
        return value;
      },
      (error: unknown) => {
        if (this.entries.get(key) === entry) this.entries.delete(key);
        throw error;
      },
    );
    this.entries.set(key, entry);
    return entry.value as Promise<T>;
  }

  /** Estimated bytes held. */
  get size(): number {
    return this.held;
  }

  private drop(key: string): void {
    const entry = this.entries.get(key);
    if (entry === undefined) return;
    this.held -= entry.bytes;
    this.entries.delete(key);
  }

  /** Drops the least recently used entries until the estimate fits (never the one just loaded). */
  private evict(keep: string): void {
    for (const key of this.entries.keys()) {
      if (this.held <= this.maxBytes) return;
      if (key !== keep) this.drop(key);
    }
  }
}
