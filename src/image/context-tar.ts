// A build context as a tar stream, read straight from the files (no temporary archive), for the
// engine's POST /build. What goes in, and how, follows the Docker CLI (which tars with moby's
// archive package, ChownOpts 0:0):
//   - the entries of walkContext, in its order; directories end in '/', symbolic links stay links;
//   - uid and gid 0, user and group names empty, permission bits (with setuid/setgid/sticky) and
//     modification times (whole seconds, as Go's tar header) as on disk;
//   - a Dockerfile from outside the context, or an inline one, is appended under its generated
//     name with mode 0600, and that name is appended to the tar's .dockerignore (created when the
//     context has none): the classic builder reads .dockerignore after the Dockerfile and drops
//     the files it names, so `COPY . .` does not copy the generated file.
//
// Backpressure: files are read only as fast as the consumer takes the tar; at most one chunk
// of a file and tar-stream's small buffer wait in memory. Files up to SMALL_FILE bytes are read
// whole and synchronously (one open/read/close, much cheaper here than the asynchronous path);
// larger ones are read asynchronously in chunks. A file is sent with the size the walk saw: one
// that shrank meanwhile fails the tar (a header cannot be taken back); bytes it gained are not sent.
//
// tar-stream 3 produces a streamx stream; `stream` is a Node Readable (what the engine gateway
// and dockerode take), fed from it with pause/resume so that backpressure goes all the way
// to the file reads.

import { closeSync, openSync, readSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pack as tarPack, type Header, type Pack } from 'tar-stream';

type EntryHeader = Partial<Header> & Pick<Header, 'name'>;
import { OperationError } from '../errors.js';
import { resolveBuildContext, type BuildContextInput, type ResolvedContext } from './build-context.js';
import { contextReadError, walkContext, type ContextEntry } from './context-files.js';

export interface ContextTarSummary {
  /** Regular files sent (the generated Dockerfile and .dockerignore included). */
  readonly files: number;
  /** Every entry sent: files, directories, links... */
  readonly entries: number;
  /** Bytes of the whole tar. */
  readonly bytes: number;
}

export interface ContextTar {
  /** The tar; read it once. Destroying it stops the reads. */
  readonly stream: Readable;
  /** What to pass as the build's `dockerfile` parameter. */
  readonly dockerfileName: string;
  /** Bytes the consumer has taken from `stream` so far. */
  bytesSent(): number;
  /** Bytes read from the context's files so far (ahead of bytesSent by at most about a chunk: backpressure). */
  bytesRead(): number;
  /** Resolves when the consumer has read the whole tar; rejects with what failed (a file that cannot be read, a destroyed stream). */
  readonly done: Promise<ContextTarSummary>;
}

/** Files up to this size are read in one synchronous read; larger ones are streamed. */
const SMALL_FILE = 1024 * 1024;
/** The chunk size for larger files. */
const CHUNK = 1024 * 1024;

/**
 * Starts the tar of a build context. Throws at once (nothing streamed) when the context, the
 * Dockerfile or the ignore file is unusable, or a directory of the context cannot be read.
 */
export function createContextTar(input: BuildContextInput, resolved: ResolvedContext = resolveBuildContext(input)): ContextTar {
  const { entries } = walkContext(resolved);
  const pack = tarPack();
  let pushed = 0;
  let stopped = false;
  const stream = new Readable({
    highWaterMark: 64 * 1024,
    read() {
      pack.resume();
    },
    destroy(error, callback) {
      stopped = true;
      if (!pack.destroyed) pack.destroy(error ?? new Error('the build context stream was closed'));
      callback(error);
    },
  });
  pack.on('data', (data: unknown) => {
    const chunk = data as Buffer;
    pushed += chunk.length;
    if (!stream.push(chunk)) pack.pause();
  });
  pack.on('end', () => stream.push(null));
  pack.on('error', (error: Error) => stream.destroy(error));

  const writer = new TarWriter(pack, resolved, () => stopped);
  const done = new Promise<ContextTarSummary>((resolveDone, rejectDone) => {
    stream.once('end', () => resolveDone({ files: writer.files, entries: writer.entries, bytes: pushed }));
    stream.once('error', rejectDone);
    stream.once('close', () => {
      if (!stream.readableEnded) rejectDone(new OperationError('the build context was not sent completely'));
    });
  });
  // Callers that only read the stream must not get an unhandled rejection from `done`.
  done.catch(() => undefined);
  writer.writeAll(entries).then(
    () => {
      if (!stopped) pack.finalize();
    },
    (error: unknown) => {
      if (!pack.destroyed) pack.destroy(error instanceof Error ? error : new Error(String(error)));
    },
  );
  return {
    stream,
    dockerfileName: resolved.dockerfileName,
    bytesSent: () => pushed - stream.readableLength,
    bytesRead: () => writer.bytesRead,
    done,
  };
}

/** Writes entries into the tar-stream pack, one at a time, each when the previous one is in. */
class TarWriter {
  files = 0;
  entries = 0;
  bytesRead = 0;

  constructor(
    private readonly pack: Pack,
    private readonly resolved: ResolvedContext,
    private readonly stopped: () => boolean,
  ) {}

  async writeAll(entries: readonly ContextEntry[]): Promise<void> {
    const generated = this.resolved.dockerfile.kind === 'generated' ? this.resolved.dockerfile : undefined;
    let ignoreFileWritten = false;
    for (const entry of entries) {
      if (this.stopped()) return;
      if (generated && entry.relPath === generated.name) continue; // ours replaces it
      if (generated && entry.relPath === '.dockerignore' && entry.kind === 'file') {
        const content = Buffer.concat([this.readWhole(entry), Buffer.from(`\n${generated.name}\n`)]);
        await this.add({ ...this.header(entry), size: content.length }, content);
        ignoreFileWritten = true;
        continue;
      }
      await this.write(entry);
    }
    if (!generated || this.stopped()) return;
    const epoch = new Date(0);
    if (!ignoreFileWritten) {
      const content = Buffer.from(`.dockerignore\n${generated.name}\n`);
      await this.add({ name: '.dockerignore', type: 'file', mode: 0o100600, size: content.length, mtime: epoch, uid: 0, gid: 0 }, content);
    }
    await this.add({ name: generated.name, type: 'file', mode: 0o100600, size: generated.content.length, mtime: epoch, uid: 0, gid: 0 }, generated.content);
  }

  private header(entry: ContextEntry): Header {
    return {
      name: entry.kind === 'directory' ? `${entry.relPath}/` : entry.relPath,
      type: entry.kind === 'char-device' ? 'character-device' : entry.kind,
      // tar-stream writes mode & 0o7777 but replaces a mode of 0 by its default: the type bit
      // keeps a 000 file at 000.
      mode: entry.mode | 0o100000,
      size: entry.size,
      mtime: new Date(Math.max(0, Math.floor(entry.mtimeMs / 1000)) * 1000),
      uid: 0,
      gid: 0,
      uname: '',
      gname: '',
      linkname: entry.linkTarget ?? '',
      devmajor: entry.rdev === undefined ? 0 : deviceMajor(entry.rdev),
      devminor: entry.rdev === undefined ? 0 : deviceMinor(entry.rdev),
    };
  }

  private async write(entry: ContextEntry): Promise<void> {
    const header = this.header(entry);
    if (entry.kind !== 'file') return this.add(header);
    if (entry.size <= SMALL_FILE) return this.add(header, this.readWhole(entry));
    return this.stream(entry, header);
  }

  private absPath(entry: ContextEntry): string {
    return `${this.resolved.contextDir}/${entry.relPath}`;
  }

  /** The file's first entry.size bytes, read synchronously. */
  private readWhole(entry: ContextEntry): Buffer {
    const path = this.absPath(entry);
    const buffer = Buffer.allocUnsafe(entry.size);
    let fd: number;
    try {
      fd = openSync(path, 'r');
    } catch (e) {
      throw contextReadError(path, e);
    }
    try {
      let at = 0;
      while (at < entry.size) {
        const n = readSync(fd, buffer, at, entry.size - at, at);
        if (n === 0) throw changedWhileSending(path);
        at += n;
        this.bytesRead += n;
      }
    } catch (e) {
      throw e instanceof OperationError ? e : contextReadError(path, e);
    } finally {
      closeSync(fd);
    }
    return buffer;
  }

  private async stream(entry: ContextEntry, header: Header): Promise<void> {
    const path = this.absPath(entry);
    const handle = await open(path, 'r').catch((e: unknown) => {
      throw contextReadError(path, e);
    });
    try {
      await new Promise<void>((resolveEntry, rejectEntry) => {
        const sink = this.pack.entry(header, (error) => (error ? rejectEntry(error) : resolveEntry()));
        sink.on('error', ignoreSinkError);
        const pump = async (): Promise<void> => {
          let at = 0;
          while (at < entry.size) {
            if (this.stopped()) throw new OperationError('the build context stream was closed');
            const buffer = Buffer.allocUnsafe(Math.min(CHUNK, entry.size - at));
            const { bytesRead } = await handle.read(buffer, 0, buffer.length, at).catch((e: unknown) => {
              throw contextReadError(path, e);
            });
            if (bytesRead === 0) throw changedWhileSending(path);
            at += bytesRead;
            this.bytesRead += bytesRead;
            if (!sink.write(bytesRead === buffer.length ? buffer : buffer.subarray(0, bytesRead))) {
              await new Promise<void>((drained) => sink.once('drain', drained));
            }
          }
          sink.end(undefined); // (streamx types require an argument; undefined writes nothing)
        };
        pump().catch((error: unknown) => {
          sink.destroy(error instanceof Error ? error : new Error(String(error)));
          rejectEntry(error);
        });
      });
    } finally {
      await handle.close();
    }
    this.files++;
    this.entries++;
  }

  /** Adds one entry (with its whole content, for a file) and waits until the pack took it. */
  private add(header: EntryHeader, content?: Buffer): Promise<void> {
    if (header.type === 'file') this.files++;
    this.entries++;
    return new Promise((resolveEntry, rejectEntry) => {
      const callback = (error?: Error | null): void => (error ? rejectEntry(error) : resolveEntry());
      const sink = content ? this.pack.entry(header, content, callback) : this.pack.entry(header, callback);
      sink.on('error', ignoreSinkError);
    });
  }
}

/**
 * An entry's errors reach us through its callback; streamx also emits them as 'error' events,
 * which would be uncaught exceptions without a listener (seen when the consumer closes early).
 */
function ignoreSinkError(): void {}

function changedWhileSending(path: string): OperationError {
  return new OperationError(`${path} shrank while the build context was being sent`, { hint: 'run the build again once it stops changing' });
}

// Linux's dev_t encoding (glibc's gnu_dev_major/gnu_dev_minor); rdev arrives as a double.
function deviceMajor(rdev: number): number {
  const low = rdev >>> 0;
  const high = Math.floor(rdev / 2 ** 32) >>> 0;
  return (((low >>> 8) & 0xfff) | (high & 0xfffff000)) >>> 0;
}

function deviceMinor(rdev: number): number {
  const low = rdev >>> 0;
  const high = Math.floor(rdev / 2 ** 32) >>> 0;
  return ((low & 0xff) | (((low >>> 12) | (high << 20)) & 0xffffff00)) >>> 0;
}
