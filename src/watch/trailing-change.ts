// chokidar reports a file's change on the leading edge only: a second write within 50 ms of a
// reported change is swallowed (its `_throttle('change', path, 50)`), and raw events within
// 5 ms of one it handled are dropped before any stat. Measured here: two writes 20 ms apart
// gave one `change` carrying the first write's size (3 bytes; the file ended at 19), and
// nothing after. A batch sent on that event could copy the half-written file and never hear
// of the rest.
//
// The fix is a trailing check: after every add/change, look at the file again once the
// throttle window is over; if it differs from what the event saw, report one more change.
// One timer for all pending checks, so a 1,000-file burst costs 1,000 lstat calls, not timers.
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

interface Pending {
  signature: Signature | undefined;
  dueAt: number;
}

export class TrailingChangeCheck {
  private readonly pending = new Map<string, Pending>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private disposed = false;

  constructor(
    private readonly emitChange: (path: string) => void,
    private readonly delayMs = TRAILING_CHECK_MS,
  ) {}

  /** A file was reported added or changed; `stats` are what the report saw, when it had them. */
  note(path: string, stats: Stats | undefined): void {
    if (this.disposed) return;
    // Delete first: the map stays ordered by due time (every delay is the same).
    this.pending.delete(path);
    this.pending.set(path, { signature: stats ? signatureOf(stats) : undefined, dueAt: performance.now() + this.delayMs });
    if (stats === undefined) void this.fillSignature(path);
    this.arm();
  }

  /** The file is gone: nothing to check. */
  forget(path: string): void {
    this.pending.delete(path);
  }

  dispose(): void {
    this.disposed = true;
    if (this.timer) clearTimeout(this.timer);
    this.pending.clear();
  }

  private async fillSignature(path: string): Promise<void> {
    const stats = await lstat(path).catch(() => undefined);
    const entry = this.pending.get(path);
    if (entry && entry.signature === undefined && stats) entry.signature = signatureOf(stats);
  }

  private arm(): void {
    if (this.timer || this.pending.size === 0 || this.disposed) return;
    const first = this.pending.values().next().value as Pending;
    this.timer = setTimeout(() => void this.sweep(), Math.max(0, first.dueAt - performance.now()));
  }

  private async sweep(): Promise<void> {
    this.timer = undefined;
    const now = performance.now();
    const due: [string, Pending][] = [];
    for (const entry of this.pending) {
      if (entry[1].dueAt > now) break;
      due.push(entry);
    }
    for (const [path] of due) this.pending.delete(path);
    await Promise.all(due.map(([path, p]) => this.check(path, p.signature)));
    this.arm();
  }

  private async check(path: string, seen: Signature | undefined): Promise<void> {
    const stats = await lstat(path).catch(() => undefined);
    if (this.disposed || stats === undefined) return; // deleted: its unlink is reported on its own
    const now = signatureOf(stats);
    if (seen !== undefined && sameSignature(seen, now)) return;
    this.emitChange(path);
    this.note(path, stats);
  }
}

function signatureOf(stats: Stats): Signature {
  return { size: stats.size, mtimeMs: stats.mtimeMs, ctimeMs: stats.ctimeMs, ino: stats.ino };
}

function sameSignature(a: Signature, b: Signature): boolean {
  return a.size === b.size && a.mtimeMs === b.mtimeMs && a.ctimeMs === b.ctimeMs && a.ino === b.ino;
}
