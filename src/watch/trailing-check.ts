// chokidar reports on the leading edge and can be wrong about the end state; a second look
// at each reported path, once chokidar's windows are over, puts that right.
//
// 1. Changes: a second write within 50 ms of a reported change is swallowed (its
//    `_throttle('change', path, 50)`), and raw events within 5 ms of one it handled are
//    dropped before any stat. Measured here: two writes 20 ms apart gave one `change`
//    carrying the first write's size (3 bytes; the file ended at 19), and nothing after.
//    So after every add/change: if the file differs from what the event saw, report a change.
// 2. Deletions: an editor that saves by moving the file away and writing it anew (vim) can
//    leave chokidar believing the file is gone: measured, three parallel runs of quick saves
//    ended with `unlink` as the last event for a file that existed (and, in one test run, no
//    event for the writes after it). So after every unlink/unlinkDir: if the path exists
//    again and nothing said so, report it added and have chokidar track it again.
//
// A path reported twice is harmless (batches coalesce to the last state); a wrong last state
// is a file lost or deleted in the container. One timer for all pending checks, so a
// 1,000-file burst costs 1,000 lstat calls, not 1,000 timers.
import type { Stats } from 'node:fs';
import { lstat } from 'node:fs/promises';

/** Past chokidar's 50 ms change throttle. */
export const TRAILING_CHECK_MS = 60;

interface Signature {
  readonly size: number;
  readonly mtimeMs: number;
  readonly ctimeMs: number;
  readonly ino: number;
}

type Pending =
  | { readonly expect: 'present'; signature: Signature | undefined; readonly dueAt: number }
  | { readonly expect: 'gone'; readonly isDirectory: boolean; readonly dueAt: number };

export interface TrailingCheckOptions {
  /** Report a change the watcher missed. */
  readonly changed: (path: string) => void;
  /** Report a path that exists again after its unlink (and nothing said so). */
  readonly reappeared: (path: string, isDirectory: boolean) => void;
  /** Have the underlying watcher track this path again. */
  readonly track: (path: string) => void;
  readonly delayMs?: number;
}

export class TrailingCheck {
  private readonly pending = new Map<string, Pending>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private disposed = false;
  private sweeping = false;
  private settledWaiters: (() => void)[] = [];

  constructor(private readonly options: TrailingCheckOptions) {}

  /** A file was reported added or changed; `stats` are what the report saw, when it had them. */
  present(path: string, stats: Stats | undefined): void {
    const signature = stats ? signatureOf(stats) : undefined;
    this.schedule(path, { expect: 'present', signature, dueAt: this.dueAt() });
    if (signature === undefined) void this.fillSignature(path);
  }

  /** A path was reported deleted. */
  gone(path: string, isDirectory: boolean): void {
    this.schedule(path, { expect: 'gone', isDirectory, dueAt: this.dueAt() });
  }

  /** Resolves once every scheduled check has run (at once when none is pending). */
  whenSettled(): Promise<void> {
    if (this.isSettled()) return Promise.resolve();
    return new Promise((resolve) => this.settledWaiters.push(resolve));
  }

  dispose(): void {
    this.disposed = true;
    if (this.timer) clearTimeout(this.timer);
    this.pending.clear();
    this.wakeSettled();
  }

  private isSettled(): boolean {
    return this.pending.size === 0 && this.timer === undefined && !this.sweeping;
  }

  private wakeSettled(): void {
    const waiters = this.settledWaiters;
    this.settledWaiters = [];
    for (const wake of waiters) wake();
  }

  private dueAt(): number {
    return performance.now() + (this.options.delayMs ?? TRAILING_CHECK_MS);
  }

  private schedule(path: string, entry: Pending): void {
    if (this.disposed) return;
    // Delete first: the map stays ordered by due time (every delay is the same).
    this.pending.delete(path);
    this.pending.set(path, entry);
    this.arm();
  }

  private async fillSignature(path: string): Promise<void> {
    const stats = await lstat(path).catch(() => undefined);
    const entry = this.pending.get(path);
    if (entry?.expect === 'present' && entry.signature === undefined && stats) entry.signature = signatureOf(stats);
  }

  private arm(): void {
    if (this.timer || this.pending.size === 0 || this.disposed) return;
    const first = this.pending.values().next().value as Pending;
    this.timer = setTimeout(() => void this.sweep(), Math.max(0, first.dueAt - performance.now()));
  }

  private async sweep(): Promise<void> {
    this.timer = undefined;
    this.sweeping = true;
    const now = performance.now();
    const due: [string, Pending][] = [];
    for (const entry of this.pending) {
      if (entry[1].dueAt > now) break;
      due.push(entry);
    }
    for (const [path] of due) this.pending.delete(path);
    await Promise.all(due.map(([path, entry]) => this.check(path, entry)));
    this.sweeping = false;
    this.arm();
    if (this.isSettled()) this.wakeSettled();
  }

  private async check(path: string, entry: Pending): Promise<void> {
    const stats = await lstat(path).catch(() => undefined);
    // A newer report about this path arrived meanwhile: it has its own check.
    if (this.disposed || this.pending.has(path)) return;
    if (entry.expect === 'gone') {
      if (stats === undefined) return;
      this.options.reappeared(path, stats.isDirectory());
      this.options.track(path);
      if (!stats.isDirectory()) this.present(path, stats);
      return;
    }
    if (stats === undefined) return; // deleted: its unlink is reported on its own
    const now = signatureOf(stats);
    if (entry.signature !== undefined && sameSignature(entry.signature, now)) return;
    this.options.changed(path);
    this.present(path, stats);
  }
}

function signatureOf(stats: Stats): Signature {
  return { size: stats.size, mtimeMs: stats.mtimeMs, ctimeMs: stats.ctimeMs, ino: stats.ino };
}

function sameSignature(a: Signature, b: Signature): boolean {
  return a.size === b.size && a.mtimeMs === b.mtimeMs && a.ctimeMs === b.ctimeMs && a.ino === b.ino;
}
