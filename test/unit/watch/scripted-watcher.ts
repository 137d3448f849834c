// A FileWatcher whose events the test sends by hand: the façade's watch loop runs against it
// (and against the in-memory engine and a fake clock) with no real file watching underneath.
import type { FileEvent, FileEventKind, FileWatcher, WatchListener, WatchSession } from '../../../src/watch/watcher.js';
import type { IgnoredFn } from '../../../src/watch/rules.js';

export class ScriptedWatcher implements FileWatcher {
  /** Every session started, in order (a reload with new rules starts another). */
  readonly sessions: { paths: readonly string[]; ignored: IgnoredFn; listener: WatchListener; closed: boolean }[] = [];

  async start(paths: readonly string[], ignored: IgnoredFn, listener: WatchListener): Promise<WatchSession> {
    const record = { paths, ignored, listener, closed: false };
    this.sessions.push(record);
    return {
      mode: 'native',
      probe: { result: 'not-run' },
      watchedPaths: () => new Map(),
      close: async () => {
        record.closed = true;
      },
    };
  }

  /** Sends an event to the sessions still open (as chokidar would after a change on disk). */
  send(kind: FileEventKind, path: string): void {
    const event: FileEvent = { kind, path };
    for (const s of this.sessions) if (!s.closed) s.listener.onEvent(event);
  }

  get open(): number {
    return this.sessions.filter((s) => !s.closed).length;
  }
}
