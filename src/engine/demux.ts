// Docker's multiplexed stream format, read iteratively.
//
// A container without a TTY sends its stdout and stderr over one connection (logs, attach,
// exec) as frames: an 8-byte header — byte 0 the stream (0 stdin, 1 stdout, 2 stderr,
// 3 "systemerr" on newer engines), bytes 1-3 zero, bytes 4-7 the payload length as a big-endian
// uint32 — followed by the payload. HTTP chunking knows nothing of frames: a header or a
// payload can be split across chunks at any byte.
//
// Why our own: docker-modem's demuxer recurses once per frame, so a chunk holding many small
// frames (a burst of log lines) grows the call stack with the chunk (TRAPS.md). This one is a
// loop with a fixed amount of state and never copies payload bytes.
//
// A container WITH a TTY is not multiplexed: its stream is raw bytes. Demuxing it would eat
// 8-byte "headers" out of the output. Callers must check the container's `Tty` first.

import type { Readable } from 'node:stream';
import { EngineApiError } from '../errors.js';

export type StreamName = 'stdout' | 'stderr';

/** A piece of one frame's payload. A frame split across chunks comes out in several pieces. */
export interface DemuxedChunk {
  readonly stream: StreamName;
  readonly data: Buffer;
}

const HEADER_BYTES = 8;

function streamOf(type: number): StreamName | undefined {
  // stdin (0) only appears when the engine echoes input; the Docker CLI writes it to stdout.
  if (type === 0 || type === 1) return 'stdout';
  // 3 is the engine's own error channel (API 1.42+); it belongs on stderr.
  if (type === 2 || type === 3) return 'stderr';
  return undefined;
}

/** Incremental decoder: feed chunks in order, get payload pieces back. */
export class Demuxer {
  private readonly header = Buffer.alloc(HEADER_BYTES);
  private headerFill = 0;
  /** Payload bytes of the current frame still to come. */
  private remaining = 0;
  private current: StreamName = 'stdout';

  push(chunk: Buffer): DemuxedChunk[] {
    const out: DemuxedChunk[] = [];
    let offset = 0;
    while (offset < chunk.length) {
      if (this.remaining === 0) {
        const take = Math.min(HEADER_BYTES - this.headerFill, chunk.length - offset);
        chunk.copy(this.header, this.headerFill, offset, offset + take);
        this.headerFill += take;
        offset += take;
        if (this.headerFill < HEADER_BYTES) break;
        this.headerFill = 0;
        this.startFrame();
        continue; // a zero-length frame leaves `remaining` at 0: read the next header
      }
      const take = Math.min(this.remaining, chunk.length - offset);
      out.push({ stream: this.current, data: chunk.subarray(offset, offset + take) });
      this.remaining -= take;
      offset += take;
    }
    return out;
  }

  /** True when the bytes seen so far stop inside a frame (a header or a payload). */
  get midFrame(): boolean {
    return this.headerFill > 0 || this.remaining > 0;
  }

  private startFrame(): void {
    const h = this.header;
    const stream = streamOf(h[0]!);
    if (stream === undefined || h[1] !== 0 || h[2] !== 0 || h[3] !== 0) {
      throw new EngineApiError(
        'read multiplexed stream',
        `unrecognised frame header ${h.toString('hex')} (is this a TTY stream being demultiplexed?)`,
      );
    }
    this.current = stream;
    this.remaining = h.readUInt32BE(4);
  }
}

/**
 * Demultiplex a raw stream. Ends when the stream ends; a stream cut inside a frame (the
 * connection dropped) throws after yielding everything that did arrive.
 */
export async function* demux(raw: AsyncIterable<Buffer | string> | Readable): AsyncGenerator<DemuxedChunk> {
  const demuxer = new Demuxer();
  for await (const chunk of raw as AsyncIterable<Buffer | string>) {
    const pieces = demuxer.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
    for (const piece of pieces) yield piece;
  }
  if (demuxer.midFrame) {
    throw new EngineApiError('read multiplexed stream', 'the stream ended inside a frame (connection lost)');
  }
}

/** A raw TTY stream, shaped like `demux` output so callers need one code path. */
export async function* rawAsStdout(raw: AsyncIterable<Buffer | string> | Readable): AsyncGenerator<DemuxedChunk> {
  for await (const chunk of raw as AsyncIterable<Buffer | string>) {
    yield { stream: 'stdout', data: typeof chunk === 'string' ? Buffer.from(chunk) : chunk };
  }
}

/** Choose by the container's (or exec's) TTY setting: never demux a TTY stream. */
export function readProcessOutput(raw: AsyncIterable<Buffer | string> | Readable, tty: boolean): AsyncGenerator<DemuxedChunk> {
  return tty ? rawAsStdout(raw) : demux(raw);
}

/**
 * Splits byte pieces into lines, per stream, without breaking multi-byte characters: bytes are
 * kept until a newline arrives. `\r\n` endings (TTY output) lose their `\r`.
 */
export class LineSplitter {
  private readonly partial: Record<StreamName, Buffer[]> = { stdout: [], stderr: [] };

  push(piece: DemuxedChunk): string[] {
    const lines: string[] = [];
    const held = this.partial[piece.stream];
    let data = piece.data;
    for (;;) {
      const nl = data.indexOf(0x0a);
      if (nl < 0) break;
      held.push(data.subarray(0, nl));
      lines.push(stripCr(Buffer.concat(held).toString('utf8')));
      held.length = 0;
      data = data.subarray(nl + 1);
    }
    if (data.length > 0) held.push(data);
    return lines;
  }

  /** What is left without a final newline, per stream (at the end of a stream). */
  flush(): { stream: StreamName; line: string }[] {
    const out: { stream: StreamName; line: string }[] = [];
    for (const stream of ['stdout', 'stderr'] as const) {
      const held = this.partial[stream];
      if (held.length > 0) out.push({ stream, line: stripCr(Buffer.concat(held).toString('utf8')) });
      held.length = 0;
    }
    return out;
  }
}

function stripCr(s: string): string {
  return s.endsWith('\r') ? s.slice(0, -1) : s;
}
