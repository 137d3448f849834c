// A tar of small files for the engine's archive API (PUT /containers/{id}/archive at `/`):
// secrets and configs delivered into a container. Each entry's name is its absolute path
// without the leading `/`; the engine creates missing parent directories (root, 0755, measured
// on Docker 20.10); owners are the numeric uid/gid of the header (copyUIDGID would look names
// up in the HOST's passwd); the mode is the entry's.

import { Readable } from 'node:stream';
import { pack as tarPack } from 'tar-stream';

export interface ArchiveFile {
  /** Absolute path in the container. */
  readonly path: string;
  readonly content: Buffer;
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
}

/** The tar, whole in memory (delivered files are small), as a stream the gateway can send. */
export async function fileArchive(files: readonly ArchiveFile[]): Promise<Readable> {
  const pack = tarPack();
  const mtime = new Date();
  for (const f of files) {
    pack.entry(
      {
        name: f.path.replace(/^\/+/, ''),
        type: 'file',
        // tar-stream replaces a mode of 0 by its default: the type bit keeps 000 at 000.
        mode: (f.mode & 0o7777) | 0o100000,
        uid: f.uid,
        gid: f.gid,
        uname: '',
        gname: '',
        size: f.content.length,
        mtime,
      },
      f.content,
    );
  }
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of pack as AsyncIterable<Buffer>) chunks.push(chunk);
  return Readable.from([Buffer.concat(chunks)]);
}
