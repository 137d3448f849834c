// Helpers for watcher tests on real temp directories: a recorder of file events that a test
// waits on with a bounded condition (never a fixed sleep), and temp trees.
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StackError } from '../../../src/errors.js';
import type { FileEvent, WatchListener, WatchNotice } from '../../../src/watch/watcher.js';

export class EventRecorder implements WatchListener {
  readonly events: FileEvent[] = [];
  readonly errors: StackError[] = [];
  readonly notices: WatchNotice[] = [];
  private waiters: (() => void)[] = [];

  onEvent(event: FileEvent): void {
    this.events.push(event);
    this.wake();
  }
  onError(error: StackError): void {
    this.errors.push(error);
    this.wake();
  }
  onNotice(notice: WatchNotice): void {
    this.notices.push(notice);
  }

  kindsFor(path: string): string[] {
    return this.events.filter((e) => e.path === path).map((e) => e.kind);
  }

  /** Resolves once `check` holds over the recorded events; fails after `timeoutMs` saying what was seen. */
  async until(what: string, check: (events: readonly FileEvent[]) => boolean, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!check(this.events)) {
      const left = deadline - Date.now();
      if (left <= 0) {
        const tail = this.events.slice(-10).map((e) => `${e.kind} ${e.path}`);
        throw new Error(`timed out waiting for ${what}; ${this.events.length} events, last: ${tail.join(', ')}`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Resolves once an event of `kind` for `path` was recorded. */
  untilEvent(kind: FileEvent['kind'], path: string, timeoutMs?: number): Promise<void> {
    return this.until(`${kind} ${path}`, (events) => events.some((e) => e.kind === kind && e.path === path), timeoutMs);
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}

export async function tempTree(prefix: string): Promise<{ root: string; dispose: () => Promise<void> }> {
  const root = await mkdtemp(join(tmpdir(), `stack-watch-${prefix}-`));
  return { root, dispose: () => rm(root, { recursive: true, force: true }) };
}

/** Creates `count` files spread over directories of `perDirectory` below `dir`. */
export async function manyFiles(dir: string, count: number, perDirectory = 100): Promise<void> {
  for (let i = 0; i < count; i += perDirectory) {
    const sub = join(dir, `d${i / perDirectory}`);
    await mkdir(sub, { recursive: true });
    await Promise.all(
      Array.from({ length: Math.min(perDirectory, count - i) }, (_, j) => writeFile(join(sub, `f${i + j}.js`), 'x')),
    );
  }
}
