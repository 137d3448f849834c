// Logs of a project's containers, as lines tagged with service and number — and, when
// following, across restarts, recreates and scale-ups, with no lost and no repeated lines.
//
// Why it is more than "one `logs -f` per container":
// - A `logs -f` stream ENDS when its container stops (TRAPS.md). A restarted container needs a
//   new stream, a recreated or scaled-up one is a new container id.
// - So we subscribe to the project's container events BEFORE listing (with `since` just
//   before the list, so nothing that happens in between is missed), attach one stream per
//   container, and attach again on `start`.
// - A re-attached stream starts at `since` = the second of the last line seen (the engine's
//   `since` is inclusive and coarse), so it repeats some lines. We ALWAYS ask the engine for
//   timestamps (nanoseconds, fixed width) and drop exactly what was already delivered:
//   everything older than the last timestamp seen, and as many lines at that very timestamp
//   as were already delivered. Callers get the timestamp separately and decide whether to
//   show it.
// - The events stream ends when the daemon restarts: reconnect with backoff and `since`.
//
// The core never prints: lines and lifecycle notices go to callbacks.

import { setTimeout as sleep } from 'node:timers/promises';
import type { EngineEvent, EngineGateway, LogOptions, ObservedContainer } from './gateway.js';
import { LineSplitter, readProcessOutput, type StreamName } from './demux.js';
import { COMPOSE, displayNumberOf, isOneOff, ownedFilter } from '../api/labels.js';
import { NotFoundError } from '../errors.js';

/** Which container a line or notice is about. */
export interface LogSource {
  readonly containerId: string;
  /** Without the leading slash, e.g. `demo-web-1`. */
  readonly containerName: string;
  readonly service: string;
  /** `com.docker.compose.container-number`; 0 when absent. */
  readonly number: number;
  readonly oneoff: boolean;
}

export interface LogLine {
  readonly source: LogSource;
  readonly stream: StreamName;
  /** The line without its newline and without the engine's timestamp. */
  readonly text: string;
  /** The engine's timestamp (RFC 3339, nanoseconds, UTC); '' if the engine sent none. */
  readonly timestamp: string;
}

export type LogNotice =
  /** A log stream was opened for a container (first time, or again after a restart). */
  | { readonly kind: 'attached'; readonly source: LogSource; readonly again: boolean }
  /** The container stopped; every line it wrote before stopping has been delivered. */
  | { readonly kind: 'exited'; readonly source: LogSource; readonly exitCode: number; readonly oomKilled: boolean }
  /** The container was removed. */
  | { readonly kind: 'removed'; readonly source: LogSource }
  /** Reading a container's logs (or the events stream) failed; following goes on where it can. */
  | { readonly kind: 'error'; readonly source?: LogSource; readonly error: unknown };

export interface FollowLogsOptions {
  readonly projectName: string;
  /** Only these services; empty or undefined: all. */
  readonly services?: readonly string[];
  /** Unix seconds: lines from this time on (first attach only). */
  readonly since?: number;
  /** Unix seconds: lines up to this time. */
  readonly until?: number;
  /** Lines from the end of each container's existing log (first attach only). */
  readonly tail?: number | 'all';
  readonly follow: boolean;
  /** One-off (`stack run`) containers are left out unless asked for. */
  readonly includeOneOff?: boolean;
  /** Stops following (follow mode runs until this is aborted). */
  readonly signal?: AbortSignal;
  readonly onNotice?: (notice: LogNotice) => void;
  /** Backoff bounds for reconnecting the events stream, ms (tests shorten them). */
  readonly reconnectDelayMs?: { readonly min: number; readonly max: number };
  /** Clock, for `since` of the events subscription (tests inject one). */
  readonly now?: () => number;
}

interface Tracker {
  readonly source: LogSource;
  tty?: boolean;
  /** A stream is open (or being opened) for this container. */
  attached: boolean;
  /** A `start` came while attached: attach again once the current stream ends. */
  startAgain: boolean;
  /** Timestamp (ns) of the last line delivered, and how many lines carried exactly it. */
  lastNanos?: bigint;
  deliveredAtLast: number;
  /** The first attach applies the user's tail/since; later ones continue from lastNanos. */
  attachCount: number;
  /** Wall-clock second of the first attach: where a re-attach starts when no line was seen yet. */
  firstAttachSecond?: number;
  /** StartedAt of the run the current stream belongs to. */
  streamRunStartedAt?: string;
  /** FinishedAt of the last exit we reported, so one stop is reported once. */
  reportedFinish?: string;
  removed: boolean;
}

/** Identity of a container from its labels (list entries and event attributes carry them). */
export function sourceOf(containerId: string, name: string, labels: Readonly<Record<string, string>>): LogSource {
  return {
    containerId,
    containerName: name.replace(/^\//, ''),
    service: labels[COMPOSE.service] ?? name,
    number: displayNumberOf(labels),
    oneoff: isOneOff(labels),
  };
}

/** `2026-11-23T18:22:39.123456789Z` → nanoseconds since the epoch; undefined if not a timestamp. */
export function parseTimestampNanos(ts: string): bigint | undefined {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)$/.exec(ts);
  if (!m) return undefined;
  const ms = Date.parse(`${m[1]}${m[3]}`);
  if (Number.isNaN(ms)) return undefined;
  return BigInt(ms) * 1_000_000n + BigInt((m[2] ?? '').padEnd(9, '0'));
}

/** Splits the engine's `<timestamp> <text>` line. */
export function splitTimestamp(line: string): { timestamp: string; text: string } {
  const space = line.indexOf(' ');
  if (space > 0 && parseTimestampNanos(line.slice(0, space)) !== undefined) {
    return { timestamp: line.slice(0, space), text: line.slice(space + 1) };
  }
  return { timestamp: '', text: line };
}

/** A container whose log could not be read, and why (its last failure). */
export interface LogFailure {
  readonly source: LogSource;
  readonly error: unknown;
}

export interface FollowLogsResult {
  /**
   * Containers whose log stream failed and was not read successfully afterwards. The caller
   * decides what that means (`stack logs` exits 1 naming them, issue 14 item 5): a partial
   * log must not look like a complete one.
   */
  readonly failed: readonly LogFailure[];
}

/**
 * Delivers the logs of the project's containers line by line. Without `follow` it resolves
 * once every container's existing log was read; with `follow` it runs until `signal` aborts.
 */
export async function followProjectLogs(
  gateway: EngineGateway,
  options: FollowLogsOptions,
  onLine: (line: LogLine) => void,
): Promise<FollowLogsResult> {
  return new LogFollower(gateway, options, onLine).run();
}

/** What the stream of one container ended with: run again (re-attach) or stop following it. */
type AfterStream = 'again' | 'stop';

/**
 * One `followProjectLogs` call: a tracker per container (what it delivered, whether a stream
 * is open), and one method per step — list and subscribe (run), attach, one container's
 * streams one after another (followContainer), one stream (readOnce), what its end means
 * (afterStream), and the events that start new streams (onEvent).
 */
class LogFollower {
  private readonly signal: AbortSignal;
  private readonly now: () => number;
  private readonly trackers = new Map<string, Tracker>();
  private readonly running = new Set<Promise<void>>();
  /** Containers whose last stream failed, by id (a later good stream clears the entry). */
  private readonly failed = new Map<string, LogFailure>();

  constructor(
    private readonly gateway: EngineGateway,
    private readonly options: FollowLogsOptions,
    private readonly onLine: (line: LogLine) => void,
  ) {
    this.signal = options.signal ?? new AbortController().signal;
    this.now = options.now ?? Date.now;
  }

  async run(): Promise<FollowLogsResult> {
    const { options, signal } = this;
    // Events first (follow only): `since` a second before the list, so a container started
    // between the two is seen by at least one of them; the tracker map drops doubles.
    let eventsDone: Promise<void> = Promise.resolve();
    if (options.follow) {
      const since = Math.floor(this.now() / 1000) - 1;
      eventsDone = watchEvents(this.gateway, options.projectName, since, signal, (ev) => this.onEvent(ev), (n) => this.notice(n), options.reconnectDelayMs);
    }
    let listed: ObservedContainer[];
    try {
      // The containers stack created for the project only (the ownership rule, as a filter).
      listed = await this.gateway.listContainers({ labels: ownedFilter(options.projectName) }, { all: true, signal });
    } catch (e) {
      if (signal.aborted) return { failed: [] };
      throw e;
    }
    listed.sort((a, b) => a.name.localeCompare(b.name));
    for (const c of listed) {
      const source = sourceOf(c.id, c.name, c.labels);
      if (this.wanted(source)) this.attach(this.track(source));
    }
    if (options.follow) await eventsDone;
    while (this.running.size > 0) await Promise.all([...this.running]);
    return { failed: [...this.failed.values()].sort((a, b) => a.source.containerName.localeCompare(b.source.containerName)) };
  }

  private notice(n: LogNotice): void {
    this.options.onNotice?.(n);
  }

  private wanted(source: LogSource): boolean {
    const { includeOneOff, services } = this.options;
    return (includeOneOff === true || !source.oneoff) && (!services || services.length === 0 || services.includes(source.service));
  }

  private track(source: LogSource): Tracker {
    let t = this.trackers.get(source.containerId);
    if (!t) {
      t = { source, attached: false, startAgain: false, deliveredAtLast: 0, attachCount: 0, removed: false };
      this.trackers.set(source.containerId, t);
    }
    return t;
  }

  /** Opens a stream for the container, or, when one is open, asks for another once it ends. */
  private attach(t: Tracker): void {
    if (t.removed) return;
    if (t.attached) {
      t.startAgain = true;
      return;
    }
    t.attached = true;
    const p = this.followContainer(t).finally(() => this.running.delete(p));
    this.running.add(p);
  }

  private onEvent(ev: EngineEvent): void {
    if (ev.type !== 'container') return;
    const source = sourceOf(ev.id, ev.attributes.name ?? ev.id, ev.attributes);
    if (!this.wanted(source)) return;
    if (ev.action === 'start') this.attach(this.track(source));
    else if (ev.action === 'destroy') {
      const t = this.trackers.get(ev.id);
      if (t && !t.removed) {
        t.removed = true;
        this.notice({ kind: 'removed', source: t.source });
      }
    }
  }

  /**
   * One container: open a stream, deliver its lines, and when it ends decide whether the
   * container runs again (re-attach) or stopped (report the exit once).
   */
  private async followContainer(t: Tracker): Promise<void> {
    const backoff = { delayMs: 50 };
    for (;;) {
      t.startAgain = false;
      const delivered = await this.openAndRead(t);
      if (delivered === undefined || !this.options.follow || this.signal.aborted) break;
      if ((await this.afterStream(t, delivered, backoff)) === 'stop') break;
    }
    t.attached = false;
    // A `start` that arrived after our last look at the container.
    if (t.startAgain && this.options.follow && !this.signal.aborted && !t.removed) {
      t.startAgain = false;
      const now = await this.gateway.inspectContainer(t.source.containerId, this.signal).catch(() => undefined);
      if (now && now.startedAt !== t.streamRunStartedAt) this.attach(t);
    }
  }

  /** One stream of the container; how many lines it delivered, or undefined when following it is over. */
  private async openAndRead(t: Tracker): Promise<number | undefined> {
    try {
      const before = await this.gateway.inspectContainer(t.source.containerId, this.signal);
      t.tty = before.tty;
      t.streamRunStartedAt = before.startedAt;
      this.notice({ kind: 'attached', source: t.source, again: t.attachCount > 0 });
      const delivered = await this.readOnce(t);
      this.failed.delete(t.source.containerId);
      return delivered;
    } catch (e) {
      if (this.signal.aborted) return undefined;
      if (e instanceof NotFoundError) {
        // Removed while we read: its log is gone with it, which is no failure of ours.
        t.removed = true;
        this.failed.delete(t.source.containerId);
        return undefined;
      }
      this.failed.set(t.source.containerId, { source: t.source, error: e });
      this.notice({ kind: 'error', source: t.source, error: e });
      return 0;
    }
  }

  /** The stream ended: the container stopped, or the connection was lost. */
  private async afterStream(t: Tracker, delivered: number, backoff: { delayMs: number }): Promise<AfterStream> {
    let details;
    try {
      details = await this.gateway.inspectContainer(t.source.containerId, this.signal);
    } catch (e) {
      if (!this.signal.aborted && !(e instanceof NotFoundError)) this.notice({ kind: 'error', source: t.source, error: e });
      if (e instanceof NotFoundError) t.removed = true;
      return 'stop';
    }
    // A `start` event for the run this stream already covered (events are replayed from a
    // second before the list) is no reason to attach again.
    const startedSince = t.startAgain && details.startedAt !== t.streamRunStartedAt;
    if (details.state === 'running' || details.state === 'paused' || startedSince) {
      // Still (or again) running: the stream was cut, or a restart raced us. Back off a
      // little when a stream yields nothing, so a broken log driver cannot spin us.
      if (delivered === 0) {
        await sleep(backoff.delayMs, undefined, { signal: this.signal }).catch(() => undefined);
        backoff.delayMs = Math.min(backoff.delayMs * 2, 2000);
      } else backoff.delayMs = 50;
      return this.signal.aborted ? 'stop' : 'again';
    }
    if (details.finishedAt !== t.reportedFinish) {
      t.reportedFinish = details.finishedAt;
      this.notice({ kind: 'exited', source: t.source, exitCode: details.exitCode, oomKilled: details.oomKilled });
    }
    return 'stop';
  }

  /** One log stream, deduplicated against what this container already delivered. */
  private async readOnce(t: Tracker): Promise<number> {
    const request = logRequest(t, this.options, this.now);
    t.attachCount++;
    const raw = await this.gateway.logs(t.source.containerId, request, this.signal);
    const dedup = new Deduplicator(t);
    let delivered = 0;
    const deliver = (stream: StreamName, rawLine: string): void => {
      const line = dedup.accept(rawLine);
      if (!line) return;
      delivered++;
      this.onLine({ source: t.source, stream, ...line });
    };
    const splitter = new LineSplitter();
    const onAbort = (): void => {
      (raw as { destroy?: () => void }).destroy?.();
    };
    this.signal.addEventListener('abort', onAbort, { once: true });
    try {
      for await (const piece of readProcessOutput(raw, t.tty === true)) {
        for (const line of splitter.push(piece)) deliver(piece.stream, line);
      }
    } catch (e) {
      if (!this.signal.aborted) throw e;
    } finally {
      this.signal.removeEventListener('abort', onAbort);
      for (const rest of splitter.flush()) if (!this.signal.aborted) deliver(rest.stream, rest.line);
    }
    return delivered;
  }
}

/** What to ask the engine for on this attach of the container (see the header: since, tail, timestamps). */
function logRequest(t: Tracker, options: FollowLogsOptions, now: () => number): LogOptions {
  const request: { -readonly [K in keyof LogOptions]: LogOptions[K] } = {
    follow: options.follow,
    stdout: true,
    stderr: true,
    timestamps: true,
  };
  if (options.until !== undefined) request.until = options.until;
  if (t.lastNanos !== undefined) {
    // `since` is inclusive and in (fractional) seconds: start at the whole second and
    // drop the repeats below, exactly.
    request.since = Number(t.lastNanos / 1_000_000_000n);
  } else if (t.attachCount === 0) {
    if (options.since !== undefined) request.since = options.since;
    if (options.tail !== undefined) request.tail = options.tail;
    t.firstAttachSecond = Math.floor(now() / 1000);
  } else if (options.tail !== undefined && t.firstAttachSecond !== undefined) {
    // Nothing seen yet, but the user asked for the tail only: do not dump older lines now.
    request.since = Math.max(options.since ?? 0, t.firstAttachSecond);
  } else if (options.since !== undefined) {
    request.since = options.since;
  }
  return request;
}

/**
 * Drops what a re-attached stream repeats: every line older than the last timestamp the
 * container delivered, and as many lines at exactly that timestamp as were delivered; and
 * keeps the tracker's "last timestamp, and how many lines carried it" up to date.
 */
class Deduplicator {
  private readonly skipBefore: bigint | undefined;
  private skipAtBoundary: number;

  constructor(private readonly t: Tracker) {
    this.skipBefore = t.lastNanos;
    this.skipAtBoundary = t.deliveredAtLast;
  }

  /** The line split from its timestamp, or undefined when it was delivered before. */
  accept(rawLine: string): { text: string; timestamp: string } | undefined {
    const { timestamp, text } = splitTimestamp(rawLine);
    const nanos = timestamp ? parseTimestampNanos(timestamp) : undefined;
    if (nanos !== undefined && this.skipBefore !== undefined) {
      if (nanos < this.skipBefore) return undefined;
      if (nanos === this.skipBefore && this.skipAtBoundary > 0) {
        this.skipAtBoundary--;
        return undefined;
      }
    }
    if (nanos !== undefined) {
      if (nanos === this.t.lastNanos) this.t.deliveredAtLast++;
      else {
        this.t.lastNanos = nanos;
        this.t.deliveredAtLast = 1;
      }
    }
    return { text, timestamp };
  }
}

/** The project's container events, reconnecting with backoff and `since` when the stream ends. */
async function watchEvents(
  gateway: EngineGateway,
  projectName: string,
  startSecond: number,
  signal: AbortSignal,
  onEvent: (ev: EngineEvent) => void,
  notice: (n: LogNotice) => void,
  delays: { readonly min: number; readonly max: number } = { min: 100, max: 5000 },
): Promise<void> {
  let since = startSecond;
  let delayMs = delays.min;
  while (!signal.aborted) {
    try {
      for await (const ev of gateway.events({ since, labels: ownedFilter(projectName), types: ['container'] }, signal)) {
        delayMs = delays.min;
        // Replaying the last second again after a reconnect is harmless: attaching is idempotent.
        since = Math.max(since, Math.floor(ev.timeNano / 1e9));
        onEvent(ev);
      }
    } catch (e) {
      if (signal.aborted) break;
      notice({ kind: 'error', error: e });
    }
    if (signal.aborted) break;
    await sleep(delayMs, undefined, { signal }).catch(() => undefined);
    delayMs = Math.min(delayMs * 2, delays.max);
  }
}
