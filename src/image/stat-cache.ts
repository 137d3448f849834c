// The stat cache of a build context: for each file hashed before, its size, modification time
// and inode, and the sha256 of its content. A file whose size, mtime and inode are unchanged is
// not read again (what git's index does). ctime is not compared: restoring an mtime (`cp -p`,
// `tar x`, `touch -d`) and chmod both change it without changing the content, and the mode is
// hashed from the fresh lstat anyway.
//
// The key is (size, mtime, inode), not the path: those three name one content whatever the
// file is called, so a renamed file is not read again either. The path would add nothing: an
// inode is only reused after its file is gone, and a new file can only carry an old file's
// mtime (to the nanosecond) if it was written in the same clock tick, which the racy rule below
// excludes, or had its mtime set by hand, which fools a path key as well.
//
// A file modified within RACY_MS of the moment it was hashed is not cached: timestamps here come
// from a coarse kernel clock (a few milliseconds), so a second write of the same size in the same
// tick would keep the same mtime, and the cache would hold the first content's hash (git calls
// these entries "racily clean").
//
// Entries are stored in the order of the walk, so an unchanged context is answered by a cursor
// moving through the file: no parsing, no index. An index by inode is built only when the
// cursor loses step (a file added, removed, renamed). The file, one per scanned context:
//   "stkstat2" | u32 count | count × (f64 size | f64 mtimeMs | f64 ino | 32-byte sha256)
// Written atomically (temporary file, then rename), 0600, in a directory only we can write;
// read only from such a directory and only when the file is ours and not writable by others:
// an entry decides whether a rebuild is planned. Any failure to read is an empty cache, any
// failure to write is ignored: the cache can make hashing faster, never make it fail.

import { dirname } from 'node:path';
import { pruneCacheDir, readPrivate, writeAtomically } from './cache-files.js';
import { DIGEST_BYTES } from './context-manifest.js';

const MAGIC = Buffer.from('stkstat2');
const HEADER = MAGIC.length + 4;
/** Bytes per entry: size, mtime, inode (f64 each) and the digest. */
const ENTRY = 8 * 3 + DIGEST_BYTES;

/** Stat caches kept (one per context), and for how long unused. */
const MAX_CACHES = 256;
const MAX_CACHE_AGE_MS = 30 * 24 * 3600 * 1000;

/** A file modified less than this long before it was hashed is not cached. */
export const RACY_MS = 2000;

export class StatCache {
  private readonly loaded: Buffer;
  private readonly count: number;
  private cursor = 0;
  /** inode → ordinal, built when the cursor loses step. */
  private byInode: Map<number, number> | undefined;
  /** The entries of this scan, in walk order: an ordinal of `loaded`, or a new entry. */
  private readonly next: (number | Buffer)[] = [];

  private constructor(
    readonly file: string | undefined,
    loaded: Buffer,
  ) {
    const count = loaded.length >= HEADER ? loaded.readUInt32LE(MAGIC.length) : 0;
    this.loaded = loaded;
    this.count = HEADER + count * ENTRY <= loaded.length ? count : 0;
  }

  /** The cache stored in `file`; empty when there is none, it is unreadable, or not safely ours. Undefined `file`: a cache that is never saved. */
  static load(file: string | undefined): StatCache {
    const content = file === undefined ? Buffer.alloc(0) : readPrivate(file);
    return new StatCache(file, content.subarray(0, MAGIC.length).equals(MAGIC) ? content : Buffer.alloc(0));
  }

  /** Entries loaded. */
  get size(): number {
    return this.count;
  }

  private matches(ordinal: number, size: number, mtimeMs: number, ino: number): boolean {
    const at = HEADER + ordinal * ENTRY;
    const buf = this.loaded;
    return buf.readDoubleLE(at) === size && buf.readDoubleLE(at + 8) === mtimeMs && buf.readDoubleLE(at + 16) === ino;
  }

  /**
   * The ordinal of the cached entry for the next file of the walk if its size, mtime and inode
   * are cached, else -1 (then `record` it once read).
   */
  lookup(size: number, mtimeMs: number, ino: number): number {
    let ordinal = -1;
    if (this.cursor < this.count && this.matches(this.cursor, size, mtimeMs, ino)) {
      ordinal = this.cursor++;
    } else {
      ordinal = this.inodeIndex().get(ino) ?? -1;
      if (ordinal >= 0 && !this.matches(ordinal, size, mtimeMs, ino)) ordinal = -1;
      // Keep step after a removed file: the cursor follows the entry found.
      if (ordinal >= 0) this.cursor = ordinal + 1;
    }
    if (ordinal >= 0) this.next.push(ordinal);
    return ordinal;
  }

  private inodeIndex(): Map<number, number> {
    if (!this.byInode) {
      this.byInode = new Map();
      for (let i = 0; i < this.count; i++) this.byInode.set(this.loaded.readDoubleLE(HEADER + i * ENTRY + 16), i);
    }
    return this.byInode;
  }

  /** Copies the digest of a lookup hit into `target` at `targetAt`. */
  copyDigest(ordinal: number, target: Buffer, targetAt: number): void {
    const at = HEADER + ordinal * ENTRY + 24;
    const loaded = this.loaded;
    // A loop: Buffer#copy costs several times more for 32 bytes in Node 20 (profiled).
    for (let i = 0; i < DIGEST_BYTES; i++) target[targetAt + i] = loaded[at + i]!;
  }

  /** Records the digest of a file just read (after a lookup miss), unless it was modified too recently (see RACY_MS) before `readAt`. */
  record(size: number, mtimeMs: number, ino: number, digest: Buffer, readAt: number): void {
    if (mtimeMs > readAt - RACY_MS) return;
    const entry = Buffer.allocUnsafe(ENTRY);
    entry.writeDoubleLE(size, 0);
    entry.writeDoubleLE(mtimeMs, 8);
    entry.writeDoubleLE(ino, 16);
    digest.copy(entry, 24, 0, DIGEST_BYTES);
    this.next.push(entry);
  }

  /**
   * Whether save() would write: this scan's entries are not exactly those stored, in order. (A
   * file too recent to keep changes nothing: it was not stored before either.)
   */
  get dirty(): boolean {
    if (this.next.length !== this.count) return true;
    for (let i = 0; i < this.next.length; i++) if (this.next[i] !== i) return true;
    return false;
  }

  /** Stores this scan's entries (and only those) when they differ from what is stored. Returns whether it wrote. */
  save(): boolean {
    if (this.file === undefined || !this.dirty) return false;
    const out = Buffer.allocUnsafe(HEADER + this.next.length * ENTRY);
    MAGIC.copy(out, 0);
    out.writeUInt32LE(this.next.length, MAGIC.length);
    let at = HEADER;
    for (const entry of this.next) {
      if (typeof entry === 'number') {
        const from = HEADER + entry * ENTRY;
        this.loaded.copy(out, at, from, from + ENTRY);
      } else {
        entry.copy(out, at);
      }
      at += ENTRY;
    }
    if (!writeAtomically(this.file, out)) return false;
    pruneCacheDir(dirname(this.file), { suffix: '.stat', maxEntries: MAX_CACHES, maxAgeMs: MAX_CACHE_AGE_MS, keep: this.file });
    return true;
  }
}
