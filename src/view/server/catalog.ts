/**
 * Discovery (docs/spec.md §14, `GET /api/catalog`): every folder below the roots classified by what it holds
 * (run, comparison, sweep) and every file by name and first line (windows, bars, detections, annotations,
 * predictions), each under an id that every other route takes — so no route ever takes a path from the
 * client.
 *
 * The walk never follows a symbolic link (a link out of a root is neither listed nor served), skips
 * `node_modules` and every dot-entry (dot-folders, and the `.NAME.PID.N.tmp` files of atomic writes), and
 * looks at no more than 20,000 entries, saying when it stopped early. Ids are a short hash of the root's
 * real path and the item's path below it: stable across restarts and walks, URL-safe, and meaningless
 * without the server's catalog.
 */
import { createHash } from "node:crypto";
import { type Dirent, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { type FileClass, type ItemKind, classifyFile, classifyFolder, isCandidate } from "./classify.js";
import { isInside, realRoot } from "./security.js";

/** At most this many directory entries are looked at per walk. */
export const MAX_CATALOG_ENTRIES = 20_000;

/** One item as `GET /api/catalog` lists it. */
export interface CatalogItem {
  kind: ItemKind;
  /** The key every other route takes (`?id=`): 16 hex digits. */
  id: string;
  /** Relative to its root, with `/` separators ("." for the root itself). */
  path: string;
  /** The root's real path. */
  root: string;
  /** The id of the comparison or sweep folder it lies in, when it lies in one. */
  parent?: string;
  /** Files: size in bytes. */
  bytes?: number;
}

/** An item with what only the server sees: where it is, and what its head said. */
export interface CatalogEntry extends CatalogItem {
  absolute: string;
  /** Predictions: their window file as recorded. Detections: their bars file as recorded. */
  related?: FileClass;
}

export interface CatalogSnapshot {
  roots: string[];
  items: CatalogEntry[];
  /** Directory entries looked at. */
  entries: number;
  /** Whether the walk stopped at {@link MAX_CATALOG_ENTRIES} before seeing everything. */
  truncated: boolean;
}

/** The id of `relative` under the real root `root`. */
export function catalogId(root: string, relative: string): string {
  return createHash("sha256").update(`${root}\0${relative}`).digest("hex").slice(0, 16);
}

/** Roots as real paths, each a folder; a root inside another is dropped (its items are the outer root's). */
export function resolveRoots(roots: readonly string[]): string[] {
  const real = roots.map((root) => {
    let path: string;
    try {
      path = realRoot(root);
    } catch {
      throw new Error(`${root}: no such folder (spanlab view serves folders)`);
    }
    if (!statSync(path).isDirectory()) throw new Error(`${root}: not a folder (spanlab view serves folders)`);
    return path;
  });
  const unique = [...new Set(real)];
  return unique.filter((root) => !unique.some((other) => other !== root && isInside(other, root)));
}

/**
 * The catalog of a set of roots: walked on demand, with each file's classification remembered by path,
 * size and mtime, so a second walk reads only what changed.
 */
export class Catalog {
  readonly roots: string[];
  private snapshot: CatalogSnapshot | null = null;
  private byId = new Map<string, CatalogEntry>();
  private walking: Promise<CatalogSnapshot> | null = null;
  private classes = new Map<string, { size: number; mtimeMs: number; result: FileClass | null }>();

  constructor(roots: readonly string[]) {
    this.roots = resolveRoots(roots);
  }

  /** Walks the roots again (a walk already under way is shared). */
  refresh(): Promise<CatalogSnapshot> {
    this.walking ??= this.walk().finally(() => {
      this.walking = null;
    });
    return this.walking;
  }

  /** The last walk, or a new one when there was none. */
  async current(): Promise<CatalogSnapshot> {
    return this.snapshot ?? (await this.refresh());
  }

  /** The entry of `id`; a miss walks again once (the file may be new), then it is undefined. */
  async find(id: string): Promise<CatalogEntry | undefined> {
    if (this.snapshot === null) await this.refresh();
    const known = this.byId.get(id);
    if (known !== undefined) return known;
    await this.refresh();
    return this.byId.get(id);
  }

  /** Every entry of the last walk. */
  entries(): readonly CatalogEntry[] {
    return this.snapshot?.items ?? [];
  }

  private async classify(path: string): Promise<FileClass | null> {
    let stats: { size: number; mtimeMs: number };
    try {
      stats = statSync(path);
    } catch {
      return null;
    }
    const known = this.classes.get(path);
    if (known !== undefined && known.size === stats.size && known.mtimeMs === stats.mtimeMs) return known.result;
    const result = await classifyFile(path);
    this.classes.set(path, { size: stats.size, mtimeMs: stats.mtimeMs, result });
    return result;
  }

  private async walk(): Promise<CatalogSnapshot> {
    const items: CatalogEntry[] = [];
    let entries = 0;
    let truncated = false;
    for (const root of this.roots) {
      // Depth first, names sorted: the listing comes out in the same order every time.
      const stack: { absolute: string; relative: string; parent: string | undefined }[] = [{ absolute: root, relative: "", parent: undefined }];
      while (stack.length > 0 && !truncated) {
        const folder = stack.pop()!;
        let dirents: Dirent[];
        try {
          dirents = readdirSync(folder.absolute, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
        } catch {
          continue; // unreadable folder: skipped
        }
        if (entries + dirents.length > MAX_CATALOG_ENTRIES) {
          dirents = dirents.slice(0, MAX_CATALOG_ENTRIES - entries);
          truncated = true;
        }
        entries += dirents.length;
        const visible = dirents.filter((d) => !d.name.startsWith(".") && d.name !== "node_modules");
        const files = visible.filter((d) => d.isFile());
        const folderKind = classifyFolder(new Set(files.map((d) => d.name)));
        let parent = folder.parent;
        if (folderKind !== null) {
          const id = catalogId(root, folder.relative);
          items.push({
            kind: folderKind,
            id,
            path: folder.relative === "" ? "." : folder.relative,
            root,
            ...(folder.parent !== undefined ? { parent: folder.parent } : {}),
            absolute: folder.absolute,
          });
          if (folderKind !== "run") parent = id;
        }
        for (const file of files) {
          if (!isCandidate(file.name)) continue;
          const absolute = join(folder.absolute, file.name);
          const found = await this.classify(absolute);
          if (found === null) continue;
          const relative = folder.relative === "" ? file.name : `${folder.relative}/${file.name}`;
          let bytes = 0;
          try {
            bytes = statSync(absolute).size;
          } catch {
            continue; // gone since the listing
          }
          items.push({
            kind: found.kind,
            id: catalogId(root, relative),
            path: relative,
            root,
            ...(parent !== undefined ? { parent } : {}),
            bytes,
            absolute,
            ...(found.data !== undefined || found.bars !== undefined ? { related: found } : {}),
          });
        }
        // Symbolic links are Dirents of their own kind (isDirectory() is false for them): never followed.
        const folders = visible.filter((d) => d.isDirectory());
        for (let i = folders.length - 1; i >= 0; i--) {
          const name = folders[i]!.name;
          stack.push({
            absolute: join(folder.absolute, name),
            relative: folder.relative === "" ? name : `${folder.relative}/${name}`,
            parent,
          });
        }
      }
    }
    items.sort((a, b) => (a.root === b.root ? (a.path < b.path ? -1 : a.path > b.path ? 1 : 0) : a.root < b.root ? -1 : 1));
    const snapshot: CatalogSnapshot = { roots: this.roots, items, entries, truncated };
    this.snapshot = snapshot;
    this.byId = new Map(items.map((item) => [item.id, item]));
    return snapshot;
  }
}

/** An item as the client sees it: no absolute path beyond its root, nothing of the head. */
export function publicItem(entry: CatalogEntry): CatalogItem {
  const { absolute: _absolute, related: _related, ...item } = entry;
  return item;
}
