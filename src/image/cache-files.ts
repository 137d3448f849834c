// Files in stack's cache directories that decide what a plan says (stat caches, manifests of
// build contexts): read only when they are ours, written atomically, pruned by age and count.
// As in src/model/model-cache.ts: a cache directory must be private (0700, ours), an entry a
// regular file of ours that others cannot write; every failure is "no entry", never an error.

import { randomBytes } from 'node:crypto';
import { closeSync, fstatSync, futimesSync, openSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ensurePrivateDir, isPrivateDir } from '../cache-dir.cjs';

/** An entry read after being unused this long gets its mtime refreshed (pruning goes by mtime). */
const REFRESH_AGE_MS = 24 * 3600 * 1000;

/** The file's content if it is a regular file of ours, not writable by others, in a private directory; else empty. */
export function readPrivate(file: string): Buffer {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return Buffer.alloc(0);
  }
  try {
    if (!isPrivateDir(dirname(file))) return Buffer.alloc(0);
    const st = fstatSync(fd);
    if (!st.isFile() || (process.getuid !== undefined && st.uid !== process.getuid()) || (st.mode & 0o022) !== 0) return Buffer.alloc(0);
    if (Date.now() - st.mtimeMs > REFRESH_AGE_MS) {
      // Marks the entry as in use for pruneCacheDir; a read-only cache still works, it only ages.
      try {
        futimesSync(fd, new Date(), new Date());
      } catch {
        // Not ours to touch after all.
      }
    }
    return readFileSync(fd);
  } catch {
    return Buffer.alloc(0);
  } finally {
    closeSync(fd);
  }
}

/** Writes `content` to `file` through a temporary file and a rename, 0600, in a private directory. False when it could not. */
export function writeAtomically(file: string, content: Buffer | string): boolean {
  const dir = dirname(file);
  if (!ensurePrivateDir(dir)) return false;
  const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    writeFileSync(temp, content, { mode: 0o600, flag: 'wx' });
    renameSync(temp, file);
    return true;
  } catch {
    try {
      unlinkSync(temp);
    } catch {
      // Never created.
    }
    return false;
  }
}

/** A temporary file this old was left by a writer that died. */
const STALE_TEMP_MS = 3600 * 1000;

/**
 * Removes entries (names ending in `suffix`) unused for `maxAgeMs` and the oldest beyond
 * `maxEntries`, and stale temporary files. `keep` is never removed. Entry age is the mtime,
 * which lookups refresh (touchEntry).
 */
export function pruneCacheDir(dir: string, options: { suffix: string; maxEntries: number; maxAgeMs: number; keep?: string }): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  const now = Date.now();
  const entries: { path: string; used: number }[] = [];
  for (const name of names) {
    const path = join(dir, name);
    if (path === options.keep) continue;
    const isTemp = name.endsWith('.tmp');
    if (!isTemp && !name.endsWith(options.suffix)) continue;
    const st = statSync(path, { throwIfNoEntry: false });
    if (!st) continue;
    if (now - st.mtimeMs > (isTemp ? STALE_TEMP_MS : options.maxAgeMs)) remove(path);
    else if (!isTemp) entries.push({ path, used: st.mtimeMs });
  }
  if (entries.length + 1 > options.maxEntries) {
    entries.sort((a, b) => a.used - b.used);
    for (const e of entries.slice(0, entries.length + 1 - options.maxEntries)) remove(e.path);
  }
}

function remove(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Another run removed it first.
  }
}
