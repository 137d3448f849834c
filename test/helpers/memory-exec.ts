// Pieces of the in-memory gateway's exec and archive-read fakes (memory-gateway.ts documents
// the behaviour): the engine's multiplexed output framing, `rm -rf` on a fake filesystem, and a
// one-file tar as GET /containers/{id}/archive returns it.

import { posix } from 'node:path';
import { PassThrough } from 'node:stream';
import { pack } from 'tar-stream';
import type { FakeFile } from './memory-images.js';

/** What a faked exec does: its exit code and output. */
export interface ExecResult {
  readonly exitCode: number;
  readonly stdout?: string;
  readonly stderr?: string;
}

/** The engine's answer when the command is not in the image (measured on 20.10: exit 126). */
export function commandNotFound(command: string): ExecResult {
  return {
    exitCode: 126,
    stdout: `OCI runtime exec failed: exec failed: unable to start container process: exec: "${command}": executable file not found in $PATH: unknown\r\n`,
  };
}

/** A stream carrying the output as the engine sends it: raw with a TTY, else in 8-byte-header frames. */
export function execOutputStream(result: ExecResult, tty: boolean): PassThrough {
  const stream = new PassThrough();
  const parts: Buffer[] = [];
  const add = (kind: 1 | 2, text: string | undefined): void => {
    if (!text) return;
    const payload = Buffer.from(text);
    if (tty) return void parts.push(payload);
    const header = Buffer.alloc(8);
    header[0] = kind;
    header.writeUInt32BE(payload.length, 4);
    parts.push(header, payload);
  };
  add(1, result.stdout);
  add(2, result.stderr);
  stream.end(Buffer.concat(parts));
  return stream;
}

/** `rm [-rf] [--] paths...` on a fake filesystem; undefined when the command is not an rm. */
export function fakeRm(fs: Map<string, FakeFile>, cmd: readonly string[]): ExecResult | undefined {
  if (cmd[0] !== 'rm') return undefined;
  let options = true;
  for (const arg of cmd.slice(1)) {
    if (options && arg === '--') {
      options = false;
      continue;
    }
    if (options && arg.startsWith('-')) continue;
    const path = posix.normalize(arg);
    const prefix = path.endsWith('/') ? path : path + '/';
    for (const key of [...fs.keys()]) if (key === path || key.startsWith(prefix)) fs.delete(key);
  }
  return { exitCode: 0 };
}

/** A tar holding one file under its base name (as the archive API answers for a file path). */
export async function oneFileTar(path: string, file: FakeFile): Promise<Buffer> {
  const p = pack();
  const chunks: Buffer[] = [];
  p.on('data', (c: unknown) => void chunks.push(c as Buffer));
  const ended = new Promise<void>((resolve, reject) => {
    p.on('end', () => resolve());
    p.on('error', reject);
  });
  p.entry({ name: posix.basename(path), mode: file.mode, uid: file.uid, gid: file.gid }, file.content);
  p.finalize();
  await ended;
  return Buffer.concat(chunks);
}
