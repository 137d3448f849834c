// The tar that carries a sync into a container: every written path of one service's batch in
// one archive, extracted at `/` by the engine's archive API (PUT /containers/{id}/archive), so a
// 1,000-file burst is one request per replica, whatever rules and targets the files came by.
//
// - Entry names are the container paths without the leading '/'; uid/gid are the container
//   user's (container-user.ts), never the host's; permission bits and mtimes as on the host.
// - Directories are entries of their own (a new directory gets the container user too); the
//   engine creates any missing parent of an entry itself, as root:root 0755 (measured on 20.10).
// - Symbolic links travel as links.
// - Each file is read whole, once: its bytes go into the tar and into the hash the synced
//   manifest keeps, so the manifest describes exactly what was sent. The tar is a Buffer, so
//   one archive can be sent to every replica in parallel; `maxBytes` bounds it, and what does
//   not fit is handed back for the next archive (a catch-up of a large tree is a few tars).
// - A path that vanished between its event and this read is left out and listed as `missing`:
//   its unlink event is on its way and becomes a deletion.
import { createHash } from 'node:crypto';
import type { Stats } from 'node:fs';
import { lstat, readFile, readlink } from 'node:fs/promises';
import { posix } from 'node:path';
import { pack as tarPack } from 'tar-stream';
import type { Owner } from './container-user.js';

/** A host path to copy to a container path. */
export interface TarSource {
  readonly hostPath: string;
  /** Absolute path in the container. */
  readonly containerPath: string;
}

export type SyncedType = 'file' | 'directory' | 'symlink';

/** What was sent for one path: the synced manifest's record of it. */
export interface SyncedRecord {
  readonly containerPath: string;
  readonly type: SyncedType;
  readonly size: number;
  readonly mtimeMs: number;
  /** sha256 of the content (files), of the link target (links); '' for directories. */
  readonly hash: string;
}

/** One packed path as it went into the tar: what another carrier (receiver-protocol.ts) needs to write it the same way. */
export interface PackedEntry {
  readonly containerPath: string;
  readonly type: SyncedType;
  /** Permission bits (0o7777). */
  readonly mode: number;
  /** Whole seconds, as the tar header holds them. */
  readonly mtimeSeconds: number;
  readonly content?: Buffer;
  readonly linkname?: string;
}

export interface SyncTar {
  readonly tar: Buffer;
  readonly records: readonly SyncedRecord[];
  /** The packed paths, in tar order (one per record). */
  readonly entries: readonly PackedEntry[];
  /** Sources that were gone (or not a file, directory or link) when read. */
  readonly missing: readonly TarSource[];
  /** Sources left for the next tar because this one reached `maxBytes`. */
  readonly remaining: readonly TarSource[];
}

/** Default bound of one tar: big enough for any burst, small enough to hold in memory twice. */
export const MAX_TAR_BYTES = 64 * 1024 * 1024;

/** The tar name of a container path: absolute, normalised, without the leading '/'. */
export function tarName(containerPath: string): string {
  return posix.resolve('/', containerPath).slice(1);
}

/** Packs the sources in order (parents before children when sorted by container path). */
export async function buildSyncTar(sources: readonly TarSource[], owner: Owner, maxBytes = MAX_TAR_BYTES): Promise<SyncTar> {
  const pack = tarPack();
  const chunks: Buffer[] = [];
  pack.on('data', (chunk: unknown) => void chunks.push(chunk as Buffer));
  const ended = new Promise<void>((resolve, reject) => {
    pack.on('end', () => resolve());
    pack.on('error', reject);
  });
  const records: SyncedRecord[] = [];
  const entries: PackedEntry[] = [];
  const missing: TarSource[] = [];
  let bytes = 0;
  let index = 0;
  for (; index < sources.length; index++) {
    if (bytes >= maxBytes && records.length > 0) break;
    const source = sources[index]!;
    const read = await readSource(source.hostPath);
    if (!read || tarName(source.containerPath) === '') {
      missing.push(source);
      continue;
    }
    const name = tarName(source.containerPath);
    const common = { name, uid: owner.uid, gid: owner.gid, mode: read.stats.mode & 0o7777, mtime: read.stats.mtime };
    if (read.type === 'file') pack.entry({ ...common, type: 'file', size: read.content!.length }, read.content!);
    else if (read.type === 'directory') pack.entry({ ...common, type: 'directory' });
    else pack.entry({ ...common, type: 'symlink', linkname: read.linkname! });
    bytes += 512 + (read.content?.length ?? 0);
    entries.push({
      containerPath: '/' + name,
      type: read.type,
      mode: common.mode,
      mtimeSeconds: Math.floor(read.stats.mtimeMs / 1000),
      ...(read.content ? { content: read.content } : {}),
      ...(read.linkname !== undefined ? { linkname: read.linkname } : {}),
    });
    records.push({
      containerPath: '/' + name,
      type: read.type,
      size: read.type === 'file' ? read.content!.length : read.type === 'symlink' ? read.stats.size : 0,
      mtimeMs: read.stats.mtimeMs,
      hash: read.type === 'file' ? sha256(read.content!) : read.type === 'symlink' ? sha256(read.linkname!) : '',
    });
  }
  pack.finalize();
  await ended;
  return { tar: Buffer.concat(chunks), records, entries, missing, remaining: sources.slice(index) };
}

interface ReadSource {
  readonly type: SyncedType;
  readonly stats: Stats;
  readonly content?: Buffer;
  readonly linkname?: string;
}

async function readSource(hostPath: string): Promise<ReadSource | undefined> {
  try {
    const stats = await lstat(hostPath);
    if (stats.isDirectory()) return { type: 'directory', stats };
    if (stats.isSymbolicLink()) return { type: 'symlink', stats, linkname: await readlink(hostPath) };
    if (!stats.isFile()) return undefined;
    const content = await readFile(hostPath);
    // The size recorded is the size of the bytes read, whatever a concurrent writer did
    // meanwhile (its change event brings the next version).
    return { type: 'file', stats, content };
  } catch (error) {
    if (isGone(error)) return undefined;
    throw error;
  }
}

function isGone(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

export function sha256(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}
