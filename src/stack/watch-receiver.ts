// The file receivers of watch's containers (watch/receiver-protocol.ts says what one is and why):
// opened on first use, one per container, and given up quietly whenever something is off — the
// caller then copies through the archive API, which always works. So a receiver is only ever
// a faster way, never the only one:
//   - the container is not running (409): no receiver now, asked again next time;
//   - its image lacks a shell or a tool the receiver needs: none for this container, ever;
//   - it stops or restarts (the exec dies with it), answers `err`, or does not answer in time:
//     this one is closed, and a new one is opened for the batch that found it dead (a save
//     right after a restart must not wait for a second save to get its receiver back);
//   - a new one that stays silent until READY_TIMEOUT_MS (an engine under load) gets
//     SILENT_STRIKES chances before the container counts as unable.

import type { Readable } from 'node:stream';
import type { EngineGateway } from '../engine/gateway.js';
import { ConflictError, NotFoundError } from '../errors.js';
import { encodeEntries, endOfBatch, parseReply, RECEIVER_SCRIPT, type Ownership, type ReceiverEntry, type ReceiverReply } from '../watch/receiver-protocol.js';

/** A receiver that has not said `ready` by then is not going to. */
const READY_TIMEOUT_MS = 5000;
/** Receivers that never said ready before a container is given up on. */
const SILENT_STRIKES = 3;
/** A batch the receiver has not confirmed by then is sent again through the archive API. */
const BATCH_TIMEOUT_MS = 10_000;

/** Batches small enough for a receiver (each file costs a few process starts in the container; a tar extracts a burst at once). */
export const RECEIVER_MAX_ENTRIES = 32;
export const RECEIVER_MAX_BYTES = 1024 * 1024;

export class FileReceivers {
  private readonly open = new Map<string, Promise<Receiver | undefined>>();
  /** Containers whose image cannot run a receiver. */
  private readonly unable = new Set<string>();
  /** Receivers per container that stayed silent until the ready timeout. */
  private readonly silent = new Map<string, number>();
  private closed = false;

  constructor(private readonly gateway: EngineGateway) {}

  /**
   * Writes the entries into the container through its receiver. False when no receiver could
   * take them (nothing was confirmed written): send them another way.
   */
  async deliver(containerId: string, entries: readonly ReceiverEntry[], owner: Ownership): Promise<boolean> {
    if (this.closed || this.unable.has(containerId) || !fitsReceiver(entries)) return false;
    const body = encodeEntries(entries, owner);
    if (!body) return false;
    // Twice at most: a receiver that died unnoticed (the container restarted) is found dead
    // by this batch's write, and the batch goes to a new one.
    for (let attempt = 0; attempt < 2; attempt++) {
      const receiver = await this.receiverOf(containerId);
      if (!receiver) return false;
      const outcome = await receiver.send(body);
      if (outcome === 'ok') return true;
      this.drop(containerId, receiver);
      if (outcome !== 'ended') return false;
    }
    return false;
  }

  /** The container is gone: close its receiver (if it still runs) and forget it. */
  forget(containerId: string): void {
    const opening = this.open.get(containerId);
    this.open.delete(containerId);
    this.unable.delete(containerId);
    this.silent.delete(containerId);
    void opening?.then((r) => r?.close());
  }

  /** Watch stops: every receiver's input ends, so each exits. */
  async closeAll(): Promise<void> {
    this.closed = true;
    const all = [...this.open.values()];
    this.open.clear();
    for (const r of await Promise.all(all)) r?.close();
  }

  /** The container's live receiver: the one open, or (when none is, or it died) a new one. */
  private async receiverOf(containerId: string): Promise<Receiver | undefined> {
    const known = this.open.get(containerId);
    if (known) {
      const r = await known;
      if (r?.alive) return r;
      if (this.open.get(containerId) === known) this.open.delete(containerId);
      // A receiver that never opened (undefined) is not retried within the same batch.
      if (!r || this.closed || this.unable.has(containerId)) return undefined;
    }
    let opening = this.open.get(containerId);
    if (!opening) {
      opening = this.start(containerId);
      this.open.set(containerId, opening);
    }
    const r = await opening;
    if (r?.alive) return r;
    if (this.open.get(containerId) === opening) this.open.delete(containerId);
    return undefined;
  }

  private async start(containerId: string): Promise<Receiver | undefined> {
    let execId, stream;
    try {
      ({ execId, stream } = await this.gateway.exec(containerId, { cmd: ['sh', '-c', RECEIVER_SCRIPT], user: '0', tty: false, attachStdin: true }));
    } catch (e) {
      // Not running (409) or gone (404): maybe later. Anything else: the archive API will say.
      if (!(e instanceof ConflictError) && !(e instanceof NotFoundError)) this.unable.add(containerId);
      return undefined;
    }
    const receiver = new Receiver(stream.stream);
    const ready = await receiver.ready();
    if (ready === 'ready' && !this.closed) {
      this.silent.delete(containerId);
      return receiver;
    }
    receiver.close();
    // `unable`: no shell (the exec's exit code is 126/127, as for deletions in watch-sync.ts),
    // a tool missing (it says so), a receiver that exited on its own without saying ready, or
    // one silent SILENT_STRIKES times. One killed by a signal while starting (the container
    // stopped meanwhile: 128+n) or silent fewer times may do better next time.
    if (ready === 'silent') {
      const strikes = (this.silent.get(containerId) ?? 0) + 1;
      this.silent.set(containerId, strikes);
      if (strikes >= SILENT_STRIKES) this.unable.add(containerId);
    } else if (ready === 'unable' || (ready === 'ended' && (await this.couldNotRun(execId)))) {
      this.unable.add(containerId);
    }
    return undefined;
  }

  private async couldNotRun(execId: string): Promise<boolean> {
    const { waitExecExitCode } = await import('../engine/exec.js');
    const code = await waitExecExitCode(this.gateway, execId, 2000).catch(() => undefined);
    return code !== undefined && code < 128;
  }

  private drop(containerId: string, receiver: Receiver): void {
    receiver.close();
    void this.open.get(containerId)?.then((r) => {
      if (r === receiver && this.open.get(containerId)) this.open.delete(containerId);
    });
  }
}

function fitsReceiver(entries: readonly ReceiverEntry[]): boolean {
  if (entries.length === 0 || entries.length > RECEIVER_MAX_ENTRIES) return false;
  let bytes = 0;
  for (const e of entries) bytes += e.content?.length ?? 0;
  return bytes <= RECEIVER_MAX_BYTES;
}

type Waiter = (reply: ReceiverReply | 'ended') => void;

/** One running receiver: its stream, the replies it sends, one batch at a time. */
class Receiver {
  alive = true;
  private seq = 0;
  private readonly replies: (ReceiverReply | 'ended')[] = [];
  private waiter: Waiter | undefined;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly stream: NodeJS.ReadWriteStream) {
    // Writes to a receiver that just died fail with EPIPE: that is its end, reported as such.
    (stream as unknown as Readable).on('error', () => this.end());
    void this.read();
  }

  /** 'ready'; 'unable' (a tool missing); 'silent' (no reply in time); 'ended' (it died first). */
  async ready(): Promise<'ready' | 'unable' | 'silent' | 'ended'> {
    const reply = await this.next(READY_TIMEOUT_MS);
    if (reply === 'ended') return 'ended';
    if (reply === undefined) return 'silent';
    return reply.kind === 'ready' ? 'ready' : 'unable';
  }

  /** 'ok' once the receiver confirmed every entry of `body` written; 'ended' when it died first. */
  send(body: Buffer): Promise<'ok' | 'failed' | 'ended'> {
    const run = this.queue.then(async () => {
      if (!this.alive) return 'ended' as const;
      const seq = ++this.seq;
      this.stream.write(Buffer.concat([body, endOfBatch(seq)]));
      const reply = await this.next(BATCH_TIMEOUT_MS);
      if (reply === 'ended') return 'ended' as const;
      return reply?.kind === 'ok' && reply.seq === seq ? ('ok' as const) : ('failed' as const);
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  close(): void {
    if (!this.alive) return;
    this.alive = false;
    this.stream.end();
    // The exec ends with its input; its connection must not keep watch's process alive.
    (this.stream as unknown as Readable).destroy();
  }

  private async read(): Promise<void> {
    const { readProcessOutput, LineSplitter } = await import('../engine/demux.js');
    const lines = new LineSplitter();
    try {
      for await (const piece of readProcessOutput(this.stream as unknown as Readable, false)) {
        if (piece.stream !== 'stdout') continue;
        for (const line of lines.push(piece)) {
          const reply = parseReply(line);
          if (reply) this.deliver(reply);
        }
      }
    } catch {
      // A broken stream is an ended receiver.
    }
    this.end();
  }

  private end(): void {
    this.alive = false;
    this.deliver('ended');
  }

  private deliver(reply: ReceiverReply | 'ended'): void {
    const waiter = this.waiter;
    if (waiter) {
      this.waiter = undefined;
      waiter(reply);
    } else if (reply !== 'ended' || this.replies.at(-1) !== 'ended') {
      this.replies.push(reply);
    }
  }

  /** The next reply, 'ended', or undefined after `timeoutMs` (the receiver is then closed). */
  private next(timeoutMs: number): Promise<ReceiverReply | 'ended' | undefined> {
    const queued = this.replies.shift();
    if (queued !== undefined) {
      // 'ended' stays: every later wait sees it too.
      if (queued === 'ended') this.replies.unshift(queued);
      return Promise.resolve(queued);
    }
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiter = undefined;
        this.close();
        resolve(undefined);
      }, timeoutMs);
      this.waiter = (reply) => {
        clearTimeout(timer);
        if (reply === 'ended') this.replies.push('ended');
        resolve(reply);
      };
    });
  }
}
