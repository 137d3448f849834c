// The walk of a build context: which entries travel to the engine, in a fixed order.
//
// What travels (as the Docker CLI's tar of a context): every entry the ignore patterns keep,
// regular files, directories, symbolic links (as links, never followed), FIFOs and device nodes;
// sockets are left out (Go's tar writer cannot write them either). The Dockerfile and the ignore
// file always travel, even when a pattern ignores them: the engine needs them.
//
// Order: depth first, a directory before its entries, the entries of a directory sorted by name,
// so that the tar and the content hash are the same for the same files on every machine.
//
// Scope: a build whose Dockerfile reads only some paths of the context (image/dockerfile-reads.ts)
// walks with a WalkScope, and then only what those paths take is visited: a directory that
// leads to none of them is not read, and the directories on the way are not visited themselves.
// A symbolic link met on a read path outside a read directory (a COPY of `config.yml` that is a
// link, or of `link/file` through one) makes the builder read what it points to: the walk then
// says so (linkOnReadPath) and its caller walks the whole context instead.
// That is what keeps hashing ten 5,000-file contexts cheap when each build COPYs one folder.
//
// Cost: an ignored directory is not read at all unless a `!` exception could re-include
// something below it (DockerIgnoreMatcher.mayReincludeUnder), or it leads to a file that always
// travels. That is BuildKit's rule; the classic CLI walks into an excluded directory only for an
// exception that literally starts with its path, so with `vendor` and `!**/LICENSE` it sends no
// vendor/*/LICENSE while BuildKit (and we) do. Only kept entries are lstat'ed. The walk is synchronous: on this machine a synchronous
// lstat costs a few microseconds, an asynchronous one through libuv's thread pool several times
// that (bench/context-hash.mjs measures both).

import { lstatSync, readdirSync, readlinkSync, type Dirent, type Stats } from 'node:fs';
import { OperationError } from '../errors.js';
import { directoryIgnored, type DockerIgnoreMatcher } from './ignore.js';

export type ContextEntryKind = 'file' | 'directory' | 'symlink' | 'fifo' | 'char-device' | 'block-device';

export interface ContextEntry {
  /** '/'-separated, relative to the context root, no leading './'. */
  readonly relPath: string;
  readonly kind: ContextEntryKind;
  /** Permission bits with setuid, setgid and sticky (st_mode & 0o7777). */
  readonly mode: number;
  /** Bytes, for regular files; 0 for everything else. */
  readonly size: number;
  readonly mtimeMs: number;
  readonly ino: number;
  /** The target of a symbolic link, as stored in the link. */
  readonly linkTarget?: string;
  /** The device number of a device node. */
  readonly rdev?: number;
}

export interface WalkOptions {
  /** Absolute path of the context directory (symbolic links already resolved). */
  readonly contextDir: string;
  /** The ignore patterns; none when undefined. */
  readonly matcher?: DockerIgnoreMatcher;
  /** Paths (relative, '/'-separated) that travel even when ignored: the Dockerfile, the ignore file. */
  readonly alwaysInclude?: readonly string[];
  /** Only what these paths take is visited (always-included paths still are); none: everything. */
  readonly scope?: WalkScope;
}

/** The part of a context a build reads (image/dockerfile-reads.ts ReadScope). */
export interface WalkScope {
  /** 'inside': all of it is read; 'leads-in': something below it is; 'outside': nothing is. */
  directory(relDir: string): 'inside' | 'leads-in' | 'outside';
  includesFile(relPath: string): boolean;
}

export interface WalkResult {
  readonly entries: ContextEntry[];
  /** How many directories were read (readdir calls): an ignored tree costs none. */
  readonly directoriesRead: number;
}

/** Where reading a context failed: the path, what happened, what to do. */
export function contextReadError(absPath: string, error: unknown): OperationError {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const why = code === 'EACCES' || code === 'EPERM' ? 'permission denied' : code ?? String(error);
  return new OperationError(`cannot read ${absPath} in the build context: ${why}`, {
    hint: 'make it readable, or list it in .dockerignore if the build does not need it',
    cause: error,
  });
}

function byName(a: Dirent, b: Dirent): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

function kindOf(st: Stats): ContextEntryKind | undefined {
  if (st.isFile()) return 'file';
  if (st.isDirectory()) return 'directory';
  if (st.isSymbolicLink()) return 'symlink';
  if (st.isFIFO()) return 'fifo';
  if (st.isCharacterDevice()) return 'char-device';
  if (st.isBlockDevice()) return 'block-device';
  return undefined; // a socket
}

/** Called for every entry that travels, in walk order. `stats` is the entry's lstat. */
export type ContextVisitor = (relPath: string, kind: ContextEntryKind, stats: Stats, linkTarget: string | undefined) => void;

class Walker {
  directoriesRead = 0;
  /** A symbolic link on a read path that the scope cannot follow (see the top of this file). */
  linkOnReadPath = false;
  private readonly matcher: DockerIgnoreMatcher | undefined;
  private readonly keep: ReadonlySet<string>;
  /** Directories that lead to a kept path: walked even when ignored. */
  private readonly keepDirs: ReadonlySet<string>;
  private readonly scope: WalkScope | undefined;

  constructor(
    options: WalkOptions,
    private readonly visit: ContextVisitor,
  ) {
    this.matcher = options.matcher && !options.matcher.isEmpty ? options.matcher : undefined;
    const keep = new Set<string>();
    const keepDirs = new Set<string>();
    for (const path of options.alwaysInclude ?? []) {
      keep.add(path);
      for (let slash = path.indexOf('/'); slash > 0; slash = path.indexOf('/', slash + 1)) keepDirs.add(path.slice(0, slash));
    }
    this.keep = keep;
    this.keepDirs = keepDirs;
    this.scope = options.scope;
  }

  /**
   * Reads the directory `abs` (relative path `rel`, '' for the root) and everything kept below
   * it; `inScope`: everything below is read by the build (or there is no scope).
   */
  walk(abs: string, rel: string, parentResult: Uint8Array | undefined, ignoredTree: boolean, inScope: boolean): void {
    let dirents: Dirent[];
    try {
      dirents = readdirSync(abs, { withFileTypes: true });
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      // Gone since its parent was read; or unreadable inside an ignored tree, which BuildKit
      // also forgives (nothing of it would have been sent unless an exception picked it).
      if (code === 'ENOENT' || ignoredTree) return;
      throw contextReadError(abs, e);
    }
    this.directoriesRead++;
    dirents.sort(byName);
    const matcher = this.matcher;
    const scope = inScope ? undefined : this.scope;
    for (const dirent of dirents) {
      const name = dirent.name;
      const childRel = rel === '' ? name : `${rel}/${name}`;
      const childAbs = `${abs}/${name}`;
      if (dirent.isDirectory()) {
        const reads = scope ? scope.directory(childRel) : 'inside';
        if (reads === 'outside' && !this.keepDirs.has(childRel) && !this.keep.has(childRel)) continue;
        const result = matcher?.matchDirectory(childRel, parentResult);
        const ignored = result !== undefined && directoryIgnored(result) && !this.keep.has(childRel);
        if (ignored && !this.keepDirs.has(childRel) && !matcher!.mayReincludeUnder(childRel)) continue;
        // A directory the build only passes through (or that leads to a kept file) is entered, not visited.
        const visited = reads === 'inside' || this.keep.has(childRel);
        if (!ignored && visited && !this.add(childAbs, childRel)) continue;
        this.walk(childAbs, childRel, result, ignoredTree || ignored, reads === 'inside');
      } else {
        if (scope && dirent.isSymbolicLink() && (scope.includesFile(childRel) || scope.directory(childRel) !== 'outside')) this.linkOnReadPath = true;
        if (scope && !scope.includesFile(childRel) && !this.keep.has(childRel)) continue;
        if (matcher?.isIgnored(childRel, parentResult) && !this.keep.has(childRel)) continue;
        this.add(childAbs, childRel);
      }
    }
  }

  /** Records the entry; false when it is not there any more or cannot be sent (a socket). */
  private add(abs: string, rel: string): boolean {
    let st: Stats;
    try {
      st = lstatSync(abs);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw contextReadError(abs, e);
    }
    const kind = kindOf(st);
    if (kind === undefined) return false;
    let linkTarget: string | undefined;
    if (kind === 'symlink') {
      try {
        linkTarget = readlinkSync(abs);
      } catch (e) {
        throw contextReadError(abs, e);
      }
    }
    this.visit(rel, kind, st, linkTarget);
    return true;
  }
}

/** Calls `visit` for every entry of the context that travels, in order; returns how many directories it read. */
export function visitContext(options: WalkOptions, visit: ContextVisitor): { directoriesRead: number; linkOnReadPath: boolean } {
  const walker = new Walker(options, visit);
  walker.walk(options.contextDir, '', undefined, false, options.scope === undefined);
  return { directoriesRead: walker.directoriesRead, linkOnReadPath: walker.linkOnReadPath };
}

/** The entries of the context that travel, in order. */
export function walkContext(options: WalkOptions): WalkResult {
  const entries: ContextEntry[] = [];
  const { directoriesRead } = visitContext(options, (relPath, kind, st, linkTarget) => {
    const entry: { -readonly [K in keyof ContextEntry]: ContextEntry[K] } = {
      relPath,
      kind,
      mode: st.mode & 0o7777,
      size: kind === 'file' ? st.size : 0,
      mtimeMs: st.mtimeMs,
      ino: st.ino,
    };
    if (linkTarget !== undefined) entry.linkTarget = linkTarget;
    if (kind === 'char-device' || kind === 'block-device') entry.rdev = st.rdev;
    entries.push(entry);
  });
  return { entries, directoriesRead };
}
