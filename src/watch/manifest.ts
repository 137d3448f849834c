// The local side of catch-up: what a rule would sync from the host, as (relative path, type,
// size, mtime), for the caller to compare with what a container holds. The walk asks the
// same `ignored` question the watcher asks, so an ignored tree is never read.
import type { Stats } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { IgnoredFn } from './rules.js';

export interface ManifestEntry {
  /** '/'-separated, relative to the rule's path; '' when the rule's path is a single file. */
  readonly relPath: string;
  readonly type: 'file' | 'directory' | 'symlink';
  /** Bytes; 0 for a directory, the target's length for a link. */
  readonly size: number;
  readonly mtimeMs: number;
}

/**
 * Everything below `root` that `ignored` keeps, sorted by path; [] when `root` does not exist.
 * Use a compiled rule's own `ignored` (CompiledRule.ignored) to get what that rule syncs.
 */
export async function listSyncManifest(root: string, ignored: IgnoredFn): Promise<ManifestEntry[]> {
  const rootStats = await lstat(root).catch(() => undefined);
  if (rootStats === undefined) return [];
  if (!rootStats.isDirectory()) return ignored(root, rootStats) ? [] : [entryOf('', rootStats)];
  const entries: ManifestEntry[] = [];
  let directories = [''];
  while (directories.length > 0) {
    const next: string[] = [];
    for (const relDir of directories) next.push(...(await listDirectory(root, relDir, ignored, entries)));
    directories = next;
  }
  return entries.sort((a, b) => (a.relPath < b.relPath ? -1 : a.relPath > b.relPath ? 1 : 0));
}

/** Adds the kept entries of one directory to `into`; returns its kept subdirectories. */
async function listDirectory(root: string, relDir: string, ignored: IgnoredFn, into: ManifestEntry[]): Promise<string[]> {
  const names = await readdir(relDir === '' ? root : join(root, relDir)).catch(() => [] as string[]);
  const stats = await Promise.all(
    names.map(async (name) => {
      const relPath = relDir === '' ? name : `${relDir}/${name}`;
      return { relPath, stats: await lstat(join(root, relPath)).catch(() => undefined) };
    }),
  );
  const subdirectories: string[] = [];
  for (const { relPath, stats: s } of stats) {
    if (s === undefined || ignored(join(root, relPath), s)) continue; // gone meanwhile, or ignored
    if (!s.isFile() && !s.isDirectory() && !s.isSymbolicLink()) continue; // sockets, fifos: nothing to copy
    into.push(entryOf(relPath, s));
    if (s.isDirectory()) subdirectories.push(relPath);
  }
  return subdirectories;
}

function entryOf(relPath: string, stats: Stats): ManifestEntry {
  const type = stats.isDirectory() ? 'directory' : stats.isSymbolicLink() ? 'symlink' : 'file';
  return { relPath, type, size: type === 'directory' ? 0 : stats.size, mtimeMs: stats.mtimeMs };
}
