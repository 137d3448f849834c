// The content hash of a build: what the built image is labelled with, so that a later `plan`
// can tell whether a rebuild is needed without building. It covers everything that goes into
// the build and nothing else:
//   - the filtered context, as the tar would carry it (walkContext): each entry's path, type,
//     permission bits, and the sha256 of a file's content or a link's target. Not mtimes, not
//     owners (the tar sends 0:0), not ignored files;
//   - the Dockerfile's content (also when it is outside the context, or inline);
//   - the build args (resolved values), the target stage and the platform.
// With a scope (the paths the Dockerfile reads, image/dockerfile-reads.ts) only what those
// paths take is walked and hashed, and the paths themselves are part of the hash: a build that
// COPYs one folder is not rebuilt when another folder changes, and its no-op plan does not
// lstat the rest. Without one (the Dockerfile reads it all, or it cannot be told) the hash is
// what it always was.
//
// File contents come from the stat cache (stat-cache.ts) when a file's size, mtime and inode
// are unchanged, so an unchanged context is hashed from one walk and its lstat calls. Two
// services that build the same context share one walk through a ContextHashSession.
//
// After hashing, the manifest of the build (path → entry digest, context-manifest.ts) is kept in
// the cache under the hash, so that the next plan can name what changed since an image was built.

import { createHash } from 'node:crypto';
import { closeSync, openSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { resolveBuildContext, type BuildContextInput, type ResolvedContext } from './build-context.js';
import { contextReadError, visitContext, type ContextEntryKind, type WalkScope } from './context-files.js';
import { buildCacheRoot, ContextManifest, DIGEST_BYTES, storeManifest, type BuildInputs, type ContextScan } from './context-manifest.js';
import { StatCache } from './stat-cache.js';

export type { ContextScan } from './context-manifest.js';
export { changedFiles, describeContextChange, type ContextChange } from './context-manifest.js';

export interface ContextHashInput extends BuildContextInput {
  /** Build args, resolved (a name without value: undefined). */
  readonly args?: ReadonlyMap<string, string | undefined> | Readonly<Record<string, string | undefined>>;
  readonly target?: string;
  readonly platform?: string;
}

export interface ContextHashOptions {
  /** The build-context cache directory; default cacheDir('build-context') (STACK_CACHE applies); false: no cache. */
  readonly cacheDir?: string | false;
  /** Shares walks between builds of one run. */
  readonly session?: ContextHashSession;
  /** The context already resolved for this input (by createContextTar's caller, say). */
  readonly resolved?: ResolvedContext;
  /** Only the part of the context the Dockerfile reads: `reads` answers the walk, `sources` names it. */
  readonly scope?: ContextScope;
}

export interface ContextScope {
  readonly reads: WalkScope;
  readonly sources: readonly string[];
}

export interface ContextHashResult {
  /** sha256, 64 hex digits. */
  readonly hash: string;
  /** Regular files in the filtered context. */
  readonly files: number;
  /** What the hash covers, entry by entry (never file contents). */
  readonly manifest: ContextManifest;
  /** Files read to hash them (the others came from the stat cache). */
  readonly filesRead: number;
  /** Directories read by the walk (an ignored tree costs none). */
  readonly directoriesRead: number;
  /** What to pass as the build's `dockerfile` parameter. */
  readonly dockerfileName: string;
}

const KIND_LETTER: Readonly<Record<ContextEntryKind, number>> = {
  file: 0x66,
  directory: 0x64,
  symlink: 0x6c,
  fifo: 0x70,
  'char-device': 0x63,
  'block-device': 0x62,
};

/** Files larger than this are hashed in chunks instead of being read whole. */
const WHOLE_READ_MAX = 8 * 1024 * 1024;

/** Walks shared by the builds of one run (same context, same ignore file, same kept files). */
export class ContextHashSession {
  private readonly scans = new Map<string, ContextScan>();

  /** Contexts walked so far in this session. */
  get walks(): number {
    return this.scans.size;
  }

  scan(key: string, make: () => ContextScan): ContextScan {
    let scan = this.scans.get(key);
    if (!scan) {
      scan = make();
      this.scans.set(key, scan);
    }
    return scan;
  }
}

/** The content hash of a build (see the top of this file). */
export function hashContextSync(input: ContextHashInput, options: ContextHashOptions = {}): ContextHashResult {
  const resolved = options.resolved ?? resolveBuildContext(input);
  const root = buildCacheRoot(options.cacheDir);
  let scope = options.scope;
  const scanOf = (within: ContextScope | undefined): ContextScan => {
    const key = JSON.stringify([resolved.contextDir, resolved.ignoreFile ?? null, resolved.alwaysInclude, ...(within ? [within.sources] : [])]);
    const makeScan = (): ContextScan => {
      const cache = StatCache.load(root === undefined ? undefined : join(root, 'stat', `${sha256Hex(key).slice(0, 40)}.stat`));
      const scan = scanContext(within ? { ...resolved, scope: within.reads } : resolved, cache);
      cache.save();
      return scan;
    };
    return options.session ? options.session.scan(key, makeScan) : makeScan();
  };
  let scan = scanOf(scope);
  if (scan.linkOnReadPath) {
    // The builder follows that link to content the scope does not cover: hash it all.
    scope = undefined;
    scan = scanOf(undefined);
  }
  const inputs = buildInputs(resolved, scan, input);
  const hash = finalHash(scan, inputs, scope?.sources);
  const manifest = new ContextManifest(hash, scan, inputs);
  if (root !== undefined) storeManifest(join(root, 'manifest'), manifest);
  return {
    hash,
    files: scan.files,
    manifest,
    filesRead: scan.filesRead,
    directoriesRead: scan.directoriesRead,
    dockerfileName: resolved.dockerfileName,
  };
}

/**
 * hashContextSync behind a promise. The work itself stays synchronous: bench/context-hash.mjs
 * measured lstat through libuv's thread pool several times slower than synchronous calls here.
 */
export async function hashContext(input: ContextHashInput, options: ContextHashOptions = {}): Promise<ContextHashResult> {
  return hashContextSync(input, options);
}

/** Walks the context and digests every entry, from the stat cache where it can. */
export function scanContext(resolved: ResolvedContext & { readonly scope?: WalkScope }, cache: StatCache): ContextScan {
  const paths: string[] = [];
  const kinds: number[] = [];
  const modes: number[] = [];
  let digests = Buffer.alloc(1024 * DIGEST_BYTES);
  const readAt = Date.now();
  let files = 0;
  let filesRead = 0;
  const encoding = new CanonicalEncoder('stack-build-context-scan/1\n');
  const { directoriesRead, linkOnReadPath } = visitContext(resolved, (relPath, kind, st, linkTarget) => {
    const index = paths.length;
    const at = index * DIGEST_BYTES;
    if (at + DIGEST_BYTES > digests.length) {
      const grown = Buffer.alloc(digests.length * 2);
      digests.copy(grown);
      digests = grown;
    }
    const letter = KIND_LETTER[kind];
    const mode = st.mode & 0o7777;
    paths.push(relPath);
    kinds.push(letter);
    modes.push(mode);
    if (kind === 'file') {
      files++;
      const hit = cache.lookup(st.size, st.mtimeMs, st.ino);
      if (hit >= 0) {
        cache.copyDigest(hit, digests, at);
      } else {
        const { digest, complete } = hashFile(`${resolved.contextDir}/${relPath}`, st.size);
        digest.copy(digests, at);
        if (complete) cache.record(st.size, st.mtimeMs, st.ino, digest, readAt);
        filesRead++;
      }
    } else if (kind === 'symlink') {
      createHash('sha256').update(linkTarget ?? '').digest().copy(digests, at);
    } else if (kind === 'char-device' || kind === 'block-device') {
      digests.writeDoubleLE(st.rdev, at);
    }
    encoding.entry(relPath, letter, mode, digests, at);
  });
  return {
    paths,
    kinds: Uint8Array.from(kinds),
    modes: Uint16Array.from(modes),
    digests: digests.subarray(0, paths.length * DIGEST_BYTES),
    digest: encoding.digest(),
    files,
    filesRead,
    directoriesRead,
    ...(linkOnReadPath ? { linkOnReadPath } : {}),
  };
}

/**
 * The canonical encoding of a scan, hashed in 64 KiB batches (one hash update per entry costs
 * more than the entry's lstat): per entry its UTF-8 path, NUL (never in a path), the kind
 * letter, the mode (u16 LE) and the DIGEST_BYTES digest.
 */
class CanonicalEncoder {
  private readonly hash = createHash('sha256');
  private buffer = Buffer.allocUnsafe(64 * 1024);
  private at = 0;

  constructor(header: string) {
    this.hash.update(header);
  }

  entry(path: string, kind: number, mode: number, digests: Buffer, digestAt: number): void {
    const need = path.length * 3 + 4 + DIGEST_BYTES;
    if (this.at + need > this.buffer.length) {
      this.hash.update(this.buffer.subarray(0, this.at));
      this.at = 0;
      if (need > this.buffer.length) this.buffer = Buffer.allocUnsafe(need);
    }
    const buf = this.buffer;
    let at = this.at;
    at += buf.write(path, at, 'utf8');
    buf[at++] = 0;
    buf[at++] = kind;
    buf.writeUInt16LE(mode, at);
    at += 2;
    for (let i = 0; i < DIGEST_BYTES; i++) buf[at + i] = digests[digestAt + i]!; // cheaper than Buffer#copy for 32 bytes
    this.at = at + DIGEST_BYTES;
  }

  digest(): Buffer {
    this.hash.update(this.buffer.subarray(0, this.at));
    return this.hash.digest();
  }
}

/** sha256 of the file's content; `complete` is false when it did not have the size the walk saw (it is changing). */
function hashFile(path: string, size: number): { digest: Buffer; complete: boolean } {
  const hash = createHash('sha256');
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    throw contextReadError(path, e);
  }
  let total = 0;
  try {
    // One read for the whole file (and one more to see its end) when it is not too large.
    const buffer = Buffer.allocUnsafe(size >= 0 ? Math.min(size + 1, WHOLE_READ_MAX) : 64 * 1024);
    for (;;) {
      const n = readSync(fd, buffer, 0, buffer.length, null);
      if (n === 0) break;
      hash.update(n === buffer.length ? buffer : buffer.subarray(0, n));
      total += n;
    }
  } catch (e) {
    throw contextReadError(path, e);
  } finally {
    closeSync(fd);
  }
  return { digest: hash.digest(), complete: total === size };
}

function sha256Hex(text: string | Buffer): string {
  return createHash('sha256').update(text).digest('hex');
}

function buildInputs(resolved: ResolvedContext, scan: ContextScan, input: ContextHashInput): BuildInputs {
  let dockerfile: string;
  if (resolved.dockerfile.kind === 'generated') {
    dockerfile = sha256Hex(resolved.dockerfile.content);
  } else {
    const index = scan.paths.indexOf(resolved.dockerfile.relPath);
    dockerfile =
      index >= 0 && scan.kinds[index] === KIND_LETTER.file
        ? scan.digests.toString('hex', index * DIGEST_BYTES, (index + 1) * DIGEST_BYTES)
        : hashFile(resolved.dockerfile.absPath, -1).digest.toString('hex');
  }
  return { dockerfile, args: sortedArgs(input.args), target: input.target ?? null, platform: input.platform ?? null };
}

/** The args as sorted [name, value] pairs (null for a name without value). */
function sortedArgs(args: ContextHashInput['args']): [string, string | null][] {
  const pairs: [string, string | null][] = [];
  if (args instanceof Map) {
    for (const [name, value] of args) pairs.push([name, value ?? null]);
  } else if (args) {
    for (const name of Object.keys(args)) pairs.push([name, (args as Record<string, string | undefined>)[name] ?? null]);
  }
  return pairs.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

function finalHash(scan: ContextScan, inputs: BuildInputs, sources: readonly string[] | undefined): string {
  const hash = createHash('sha256')
    .update('stack-build/1\n')
    .update(scan.digest)
    .update(JSON.stringify([inputs.dockerfile, inputs.args, inputs.target, inputs.platform]));
  // Appended, so that a whole-context hash is the one images built before scopes carry.
  if (sources !== undefined) hash.update(`\nsources ${JSON.stringify(sources)}`);
  return hash.digest('hex');
}
