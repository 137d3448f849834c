// chokidar behind a small interface: start(paths, ignored, listener) → a session that reports
// add/change/unlink/addDir/unlinkDir with absolute paths, and close().
//
// What the session adds to chokidar 4, each for a measured reason:
//   - `ignored` is a function (TRAPS.md: a glob list still descends ignored trees; a function
//     keeps node_modules from being read at all);
//   - `atomic` (chokidar's default for native watching): an editor that saves by writing a temp
//     file and renaming it over the real one gives one `change` of the real file;
//   - a second look at every reported path (trailing-check.ts: chokidar swallows a second
//     write within 50 ms, and can report a file deleted that an editor just saved anew);
//   - a walk of new directories once they are quiet (new-dir-rescan.ts: chokidar loses files
//     written into a directory before its watch is in place);
//   - a start-up probe (probe.ts): no native event within the bound → poll, and say so through
//     a notice (library code never prints);
//   - STACK_WATCH_POLL=1 forces polling; ENOSPC/EMFILE become errors naming the limit to raise.
import { watch, type FSWatcher } from 'chokidar';
import type { Stats } from 'node:fs';
import { stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { StackError } from '../errors.js';
import { NewDirectoryRescan } from './new-dir-rescan.js';
import { outermost } from './paths.js';
import { isProbePath, probeNativeEvents, PROBE_TIMEOUT_MS, type ProbeOutcome } from './probe.js';
import type { IgnoredFn } from './rules.js';
import { TrailingCheck } from './trailing-check.js';
import { isWatchLimitError, watchError } from './watch-errors.js';

export type FileEventKind = 'add' | 'change' | 'unlink' | 'addDir' | 'unlinkDir';

export interface FileEvent {
  readonly kind: FileEventKind;
  /** Absolute path. */
  readonly path: string;
}

export type WatchNotice =
  | {
      readonly kind: 'polling';
      /** forced: STACK_WATCH_POLL=1; environment: CHOKIDAR_USEPOLLING; no-native-events: the probe heard nothing. */
      readonly reason: 'forced' | 'environment' | 'no-native-events';
      readonly message: string;
    }
  | { readonly kind: 'probe-skipped'; readonly message: string };

export interface WatchListener {
  onEvent(event: FileEvent): void;
  /** An error after start-up (a directory that could not be watched...); watching goes on. */
  onError(error: StackError): void;
  onNotice?(notice: WatchNotice): void;
}

export interface WatchSession {
  readonly mode: 'native' | 'polling';
  readonly probe: ProbeOutcome | { readonly result: 'not-run' };
  /** chokidar's view: each watched directory and the names it tracks in it. */
  watchedPaths(): Map<string, readonly string[]>;
  close(): Promise<void>;
}

export interface FileWatcher {
  /** Resolves once the initial scan is done and the mode is decided; rejects on a watch limit. */
  start(paths: readonly string[], ignored: IgnoredFn, listener: WatchListener): Promise<WatchSession>;
}

export interface FileWatcherOptions {
  /** Where STACK_WATCH_POLL (and chokidar's CHOKIDAR_USEPOLLING) are read; process.env by default. */
  readonly env?: NodeJS.ProcessEnv;
  readonly probeTimeoutMs?: number;
  readonly pollIntervalMs?: number;
}

/** Polling stats every watched path each interval; 100 ms over 10k files cost 41% of a core here. */
export const POLL_INTERVAL_MS = 500;

export function createFileWatcher(options: FileWatcherOptions = {}): FileWatcher {
  return { start: (paths, ignored, listener) => startSession(paths, ignored, listener, options) };
}

async function startSession(
  paths: readonly string[],
  ignored: IgnoredFn,
  listener: WatchListener,
  options: FileWatcherOptions,
): Promise<WatchSession> {
  paths = await directoriesToWatch(paths);
  const env = options.env ?? process.env;
  const interval = options.pollIntervalMs ?? POLL_INTERVAL_MS;
  const notify = (notice: WatchNotice): void => listener.onNotice?.(notice);
  if (isTruthy(env['STACK_WATCH_POLL'])) {
    const session = await ChokidarSession.open(paths, ignored, listener, { polling: true, interval });
    notify({ kind: 'polling', reason: 'forced', message: `polling every ${interval} ms (STACK_WATCH_POLL is set)` });
    return session;
  }
  const native = await ChokidarSession.open(paths, ignored, listener, { polling: false, interval });
  if (native.mode === 'polling') {
    notify({ kind: 'polling', reason: 'environment', message: 'polling: CHOKIDAR_USEPOLLING is set in the environment' });
    return native;
  }
  const probe = await probeNativeEvents(paths, (path, ms) => native.expectEvent(path, ms), options.probeTimeoutMs ?? PROBE_TIMEOUT_MS);
  native.probe = probe;
  if (probe.result === 'native') return native;
  if (probe.result === 'skipped') {
    notify({ kind: 'probe-skipped', message: `file events not checked: ${probe.reason}` });
    return native;
  }
  await native.close();
  const polled = await ChokidarSession.open(paths, ignored, listener, { polling: true, interval });
  polled.probe = probe;
  notify({
    kind: 'polling',
    reason: 'no-native-events',
    message: `no file event arrived from ${probe.directory} within the probe's bound; polling every ${interval} ms instead`,
  });
  return polled;
}

/**
 * A file (or a path not there yet) is watched through its directory, the `ignored` function
 * keeping its siblings out. chokidar watching a file on its own loses it for good after a
 * save by rename (vim: move to `name~`, write anew): measured, it reported `change` then
 * `unlink`, and nothing for the later saves.
 */
async function directoriesToWatch(paths: readonly string[]): Promise<string[]> {
  const isDirectory = async (p: string): Promise<boolean> => (await stat(p).catch(() => undefined))?.isDirectory() ?? false;
  const directories = await Promise.all(
    paths.map(async (p) => ((await isDirectory(p)) || !(await isDirectory(dirname(p))) ? p : dirname(p))),
  );
  return outermost(directories);
}

function isTruthy(value: string | undefined): boolean {
  return value !== undefined && value !== '' && value !== '0' && value.toLowerCase() !== 'false';
}

interface SessionMode {
  readonly polling: boolean;
  readonly interval: number;
}

class ChokidarSession implements WatchSession {
  probe: ProbeOutcome | { readonly result: 'not-run' } = { result: 'not-run' };
  private readonly fsw: FSWatcher;
  private readonly trailing: TrailingCheck;
  private readonly rescan: NewDirectoryRescan;
  private readonly probeWaiters = new Map<string, () => void>();
  private readonly startupLimitErrors: unknown[] = [];
  private ready = false;

  static async open(paths: readonly string[], ignored: IgnoredFn, listener: WatchListener, mode: SessionMode): Promise<ChokidarSession> {
    const session = new ChokidarSession(paths, ignored, listener, mode);
    await session.whenReady();
    return session;
  }

  private constructor(
    paths: readonly string[],
    ignored: IgnoredFn,
    private readonly listener: WatchListener,
    mode: SessionMode,
  ) {
    // The probe file must be seen whatever the rules ignore.
    const withProbe: IgnoredFn = (path, stats) => !isProbePath(path) && ignored(path, stats);
    this.fsw = watch([...paths], {
      ignored: withProbe,
      ignoreInitial: true,
      persistent: true,
      // Links are sent as links; following them could watch trees far outside the rule's path.
      followSymlinks: false,
      usePolling: mode.polling,
      interval: mode.interval,
      binaryInterval: mode.interval,
    });
    this.trailing = new TrailingCheck({
      changed: (path) => this.deliver('change', path),
      reappeared: (path, isDirectory) => this.deliver(isDirectory ? 'addDir' : 'add', path),
      track: (path) => void this.fsw.add(path),
    });
    this.rescan = new NewDirectoryRescan({
      ignored: withProbe,
      report: (missed) => this.deliver(missed.kind, missed.path),
      track: (missedPaths) => void this.fsw.add(missedPaths),
    });
    this.fsw.on('all', (event, path, stats) => this.onChokidarEvent(event, path, stats));
    this.fsw.on('error', (error) => this.onChokidarError(error));
  }

  get mode(): 'native' | 'polling' {
    return this.fsw.options.usePolling ? 'polling' : 'native';
  }

  watchedPaths(): Map<string, readonly string[]> {
    return new Map(Object.entries(this.fsw.getWatched()));
  }

  async close(): Promise<void> {
    this.trailing.dispose();
    this.rescan.dispose();
    for (const wake of this.probeWaiters.values()) wake();
    await this.fsw.close();
  }

  /** Resolves true when `path` is reported within `timeoutMs`. */
  expectEvent(path: string, timeoutMs: number): Promise<boolean> {
    return new Promise((resolve) => {
      // A zero bound hears nothing, even an event already on its way (callers use it to force polling).
      if (timeoutMs <= 0) return resolve(false);
      const timer = setTimeout(() => {
        this.probeWaiters.delete(path);
        resolve(false);
      }, timeoutMs);
      this.probeWaiters.set(path, () => {
        clearTimeout(timer);
        this.probeWaiters.delete(path);
        resolve(true);
      });
    });
  }

  private async whenReady(): Promise<void> {
    await new Promise<void>((resolve) => this.fsw.once('ready', () => resolve()));
    this.ready = true;
    const [first] = this.startupLimitErrors;
    if (first !== undefined) {
      await this.close();
      throw watchError(first, pathOf(first));
    }
  }

  private onChokidarEvent(event: string, path: string, stats: Stats | undefined): void {
    if (isProbePath(path)) {
      if (event === 'add' || event === 'change') this.probeWaiters.get(path)?.();
      return;
    }
    if (!isFileEventKind(event)) return;
    if (event === 'add' || event === 'change') this.trailing.present(path, stats);
    else if (event === 'unlink' || event === 'unlinkDir') this.trailing.gone(path, event === 'unlinkDir');
    this.deliver(event, path);
  }

  private deliver(kind: FileEventKind, path: string): void {
    this.rescan.onEvent(kind, path);
    this.listener.onEvent({ kind, path });
  }

  private onChokidarError(error: unknown): void {
    if (!this.ready && isWatchLimitError(error)) this.startupLimitErrors.push(error);
    else this.listener.onError(watchError(error, pathOf(error)));
  }
}

const FILE_EVENT_KINDS: ReadonlySet<string> = new Set(['add', 'change', 'unlink', 'addDir', 'unlinkDir']);

function isFileEventKind(event: string): event is FileEventKind {
  return FILE_EVENT_KINDS.has(event);
}

function pathOf(error: unknown): string | undefined {
  const path = (error as { path?: unknown; filename?: unknown } | null)?.path ?? (error as { filename?: unknown } | null)?.filename;
  return typeof path === 'string' ? path : undefined;
}
