// The manifest of a build: what its content hash covers, entry by entry, so that a plan can
// name what changed since an image was built ("app/index.html changed") instead of only
// "build context changed". Kept in the cache under the hash (`<cache>/manifest/<hash>.json`)
// by hashContext; read back with the hash found on the image.
//
// It holds paths, modes and digests, never contents: a file is `f644:<sha256 of content>`, a
// directory `d755`, a link `l777:<sha256 of its target>`, a FIFO `p644`, a device
// `c660:<rdev>`; build args are kept as sha256(name, value), so a secret passed as an arg is
// not written to disk.

import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { cacheDir as defaultCacheDir } from '../cache-dir.cjs';
import { pruneCacheDir, readPrivate, writeAtomically } from './cache-files.js';

export const DIGEST_BYTES = 32;

/** One walk of a context, with the digest of every entry (context-hash.ts makes it). */
export interface ContextScan {
  readonly paths: readonly string[];
  /** One ASCII letter per entry: f d l p c b (file, directory, link, FIFO, char/block device). */
  readonly kinds: Uint8Array;
  readonly modes: Uint16Array;
  /** DIGEST_BYTES per entry: a file's content sha256, a link target's sha256, a device's rdev (f64 LE); zeros otherwise. */
  readonly digests: Buffer;
  /** sha256 of the canonical encoding of all entries. */
  readonly digest: Buffer;
  readonly files: number;
  readonly filesRead: number;
  readonly directoriesRead: number;
  /** A scoped walk met a symbolic link on a read path (context-files.ts): the scope cannot be trusted. */
  readonly linkOnReadPath?: boolean;
}

/** What the hash covers besides the context's entries. */
export interface BuildInputs {
  /** sha256 (hex) of the Dockerfile's content. */
  readonly dockerfile: string;
  /** Sorted by name; null for a name without value. */
  readonly args: readonly (readonly [string, string | null])[];
  readonly target: string | null;
  readonly platform: string | null;
}

interface StoredManifest {
  readonly format: 1;
  readonly hash: string;
  readonly entries: readonly (readonly [string, string])[];
  readonly dockerfile: string;
  readonly args: readonly (readonly [string, string])[];
  readonly target: string | null;
  readonly platform: string | null;
}

const HASH = /^[0-9a-f]{64}$/;
/** Manifests kept; the least recently used go first. */
const MAX_MANIFESTS = 256;
const MAX_MANIFEST_AGE_MS = 30 * 24 * 3600 * 1000;

function argDigest(name: string, value: string | null): string {
  return createHash('sha256').update(JSON.stringify([name, value])).digest('hex');
}

export class ContextManifest {
  readonly dockerfile: string;
  readonly args: readonly (readonly [string, string])[];
  readonly target: string | null;
  readonly platform: string | null;

  constructor(
    readonly hash: string,
    private readonly scan: ContextScan,
    inputs: BuildInputs,
  ) {
    this.dockerfile = inputs.dockerfile;
    this.args = inputs.args.map(([name, value]) => [name, argDigest(name, value)] as const);
    this.target = inputs.target;
    this.platform = inputs.platform;
  }

  /** Number of entries (files, directories, links...). */
  get size(): number {
    return this.scan.paths.length;
  }

  path(index: number): string {
    return this.scan.paths[index]!;
  }

  /** The entry's descriptor, e.g. `f644:<sha256>` (see the top of this file). */
  descriptor(index: number): string {
    const { kinds, modes, digests } = this.scan;
    const letter = String.fromCharCode(kinds[index]!);
    const head = `${letter}${modes[index]!.toString(8)}`;
    const at = index * DIGEST_BYTES;
    if (letter === 'f' || letter === 'l') return `${head}:${digests.toString('hex', at, at + DIGEST_BYTES)}`;
    if (letter === 'c' || letter === 'b') return `${head}:${digests.readDoubleLE(at)}`;
    return head;
  }

  *entries(): IterableIterator<[string, string]> {
    for (let i = 0; i < this.size; i++) yield [this.path(i), this.descriptor(i)];
  }

  toStored(): StoredManifest {
    return {
      format: 1,
      hash: this.hash,
      entries: Array.from(this.entries()),
      dockerfile: this.dockerfile,
      args: this.args,
      target: this.target,
      platform: this.platform,
    };
  }
}

/** The build-context cache directory for an option: a path, false (none), or undefined (the default, STACK_CACHE applies). */
export function buildCacheRoot(option: string | false | undefined): string | undefined {
  return option === false ? undefined : option ?? defaultCacheDir('build-context');
}

/** Keeps the manifest under its hash (once: a hash names one manifest). */
export function storeManifest(dir: string, manifest: ContextManifest): void {
  const file = join(dir, `${manifest.hash}.json`);
  if (statSync(file, { throwIfNoEntry: false })) return;
  if (writeAtomically(file, JSON.stringify(manifest.toStored()))) {
    pruneCacheDir(dir, { suffix: '.json', maxEntries: MAX_MANIFESTS, maxAgeMs: MAX_MANIFEST_AGE_MS, keep: file });
  }
}

function loadManifest(dir: string, hash: string): StoredManifest | undefined {
  if (!HASH.test(hash)) return undefined; // a label value from an image: never a path of its own
  const content = readPrivate(join(dir, `${hash}.json`));
  if (content.length === 0) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(content.toString('utf8'));
  } catch {
    return undefined;
  }
  return isStoredManifest(parsed) && parsed.hash === hash ? parsed : undefined;
}

function isPairList(value: unknown): value is [string, string][] {
  return Array.isArray(value) && value.every((p) => Array.isArray(p) && p.length === 2 && typeof p[0] === 'string' && typeof p[1] === 'string');
}

function isStoredManifest(value: unknown): value is StoredManifest {
  if (value === null || typeof value !== 'object') return false;
  const m = value as Record<string, unknown>;
  const optionalString = (v: unknown): boolean => v === null || typeof v === 'string';
  return (
    m.format === 1 &&
    typeof m.hash === 'string' &&
    typeof m.dockerfile === 'string' &&
    isPairList(m.entries) &&
    isPairList(m.args) &&
    optionalString(m.target) &&
    optionalString(m.platform)
  );
}

export interface ContextChange {
  /** Entries added, removed or changed (content, mode, type), sorted; a directory only when nothing below it is named. */
  readonly files: string[];
  readonly dockerfile: boolean;
  /** Names of build args added, removed or changed. */
  readonly args: string[];
  readonly target: boolean;
  readonly platform: boolean;
}

type Current = ContextManifest | { readonly manifest: ContextManifest };

/**
 * What changed between the build hashed as `oldHash` and `current`; undefined when the old
 * manifest is not in the cache (the caller says "build context changed").
 */
export function describeContextChange(oldHash: string, current: Current, options: { cacheDir?: string | false } = {}): ContextChange | undefined {
  const manifest = current instanceof ContextManifest ? current : current.manifest;
  const none: ContextChange = { files: [], dockerfile: false, args: [], target: false, platform: false };
  if (oldHash === manifest.hash) return none;
  const root = buildCacheRoot(options.cacheDir);
  const old = root === undefined ? undefined : loadManifest(join(root, 'manifest'), oldHash);
  if (!old) return undefined;
  return {
    files: changedEntries(new Map(old.entries), manifest),
    dockerfile: old.dockerfile !== manifest.dockerfile,
    args: changedNames(new Map(old.args), new Map(manifest.args)),
    target: old.target !== manifest.target,
    platform: old.platform !== manifest.platform,
  };
}

/** The files added, removed or changed since the build hashed as `oldHash`; undefined when its manifest is not in the cache. */
export function changedFiles(oldHash: string, current: Current, options: { cacheDir?: string | false } = {}): string[] | undefined {
  return describeContextChange(oldHash, current, options)?.files;
}

function changedEntries(old: Map<string, string>, manifest: ContextManifest): string[] {
  const changed: string[] = [];
  const directories = new Set<string>();
  const seen = new Set<string>();
  for (let i = 0; i < manifest.size; i++) {
    const path = manifest.path(i);
    const descriptor = manifest.descriptor(i);
    seen.add(path);
    if (old.get(path) !== descriptor) {
      changed.push(path);
      if (descriptor.startsWith('d')) directories.add(path);
    }
  }
  for (const [path, descriptor] of old) {
    if (seen.has(path)) continue;
    changed.push(path);
    if (descriptor.startsWith('d')) directories.add(path);
  }
  // A directory that appeared or went away is named through the entries below it, if any.
  const above = new Set<string>();
  for (const path of changed) {
    for (let slash = path.lastIndexOf('/'); slash > 0; slash = path.lastIndexOf('/', slash - 1)) above.add(path.slice(0, slash));
  }
  return changed.filter((p) => !(directories.has(p) && above.has(p))).sort();
}

function changedNames(old: Map<string, string>, current: Map<string, string>): string[] {
  const names = new Set<string>();
  for (const [name, digest] of current) if (old.get(name) !== digest) names.add(name);
  for (const name of old.keys()) if (!current.has(name)) names.add(name);
  return [...names].sort();
}
