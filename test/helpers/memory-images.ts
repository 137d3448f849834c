// Pieces of the in-memory gateway's image and archive fakes (memory-gateway.ts documents the
// behaviour): reading a tar with tar-stream, the steps of a Dockerfile as the classic builder
// counts them, and a container's fake filesystem.

import { posix } from 'node:path';
import type { Readable } from 'node:stream';
import { extract } from 'tar-stream';

export interface TarEntry {
  /** Normalised: no leading `./`, no trailing `/`. */
  readonly name: string;
  readonly type: 'file' | 'directory' | 'symlink' | 'link' | 'other';
  readonly content: Buffer;
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  readonly linkname?: string;
}

/** Every entry of a tar stream, in order. Rejects when the stream is not a tar (or fails). */
export async function readTar(tar: Readable): Promise<TarEntry[]> {
  const entries: TarEntry[] = [];
  const reader = extract();
  const done = (async () => {
    for await (const entry of reader) {
      const chunks: Buffer[] = [];
      for await (const chunk of entry) chunks.push(chunk as Buffer);
      const h = entry.header;
      const type = h.type === 'file' || h.type === 'directory' || h.type === 'symlink' || h.type === 'link' ? h.type : 'other';
      entries.push({
        name: normaliseEntryName(h.name),
        type,
        content: Buffer.concat(chunks),
        mode: h.mode ?? 0o644,
        uid: h.uid ?? 0,
        gid: h.gid ?? 0,
        ...(h.linkname ? { linkname: h.linkname } : {}),
      });
    }
  })();
  tar.on('error', (e) => reader.destroy(e));
  tar.pipe(reader);
  await done;
  return entries;
}

export function normaliseEntryName(name: string): string {
  const cleaned = posix.normalize(name).replace(/^(\.\/)+/, '').replace(/\/+$/, '');
  return cleaned === '.' ? '' : cleaned;
}

/** A Dockerfile instruction as the classic builder announces it (`Step i/n : <instruction>`). */
export interface DockerfileStep {
  readonly instruction: string;
  /** The stage's name when the step is a `FROM ... AS name`. */
  readonly stageName?: string;
}

/** The instructions of a Dockerfile: continuation lines joined, comments and blank lines dropped. */
export function dockerfileSteps(text: string): DockerfileStep[] {
  const steps: DockerfileStep[] = [];
  let current = '';
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (current === '' && (line === '' || line.startsWith('#'))) continue;
    if (line.endsWith('\\')) {
      current += `${line.slice(0, -1).trim()} `;
      continue;
    }
    const instruction = (current + line).trim();
    current = '';
    const stage = /^FROM\s+\S+\s+AS\s+(\S+)$/i.exec(instruction);
    steps.push({ instruction, ...(stage ? { stageName: stage[1]!.toLowerCase() } : {}) });
  }
  if (current.trim() !== '') steps.push({ instruction: current.trim() });
  return steps;
}

/** The steps up to the end of stage `target`; undefined when no stage has that name. */
export function stepsUpToTarget(steps: readonly DockerfileStep[], target: string): DockerfileStep[] | undefined {
  const start = steps.findIndex((s) => s.stageName === target.toLowerCase());
  if (start < 0) return undefined;
  const next = steps.findIndex((s, i) => i > start && /^FROM\s/i.test(s.instruction));
  return steps.slice(0, next < 0 ? steps.length : next);
}

/** A file in a fake container filesystem. */
export interface FakeFile {
  readonly type: TarEntry['type'];
  readonly content: Buffer;
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  readonly linkname?: string;
}

/**
 * The ownership the archive API gives extracted files, as Docker 20.10 does it: without
 * copyUIDGID, or with no `User` in the container's config, the tar's own; with copyUIDGID the
 * user is looked up on the engine's HOST, so only users the host knows resolve (here `root`,
 * `nobody`, and numeric uids, which the fake treats as known), and `user:group` never does.
 * Returns undefined for an owner the engine cannot resolve (it answers 500).
 */
export function archiveOwner(entry: TarEntry, user: string | undefined, copyUIDGID: boolean): { uid: number; gid: number } | undefined {
  if (!copyUIDGID || !user) return { uid: entry.uid, gid: entry.gid };
  if (user === 'root') return { uid: 0, gid: 0 };
  if (user === 'nobody') return { uid: 65534, gid: 65534 };
  if (/^\d+$/.test(user)) return { uid: Number(user), gid: Number(user) };
  return undefined;
}
