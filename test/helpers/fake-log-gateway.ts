// A tiny in-memory engine for log-following tests: containers with labels, a log per
// container, `logs` streams in the engine's wire format, and an events stream. It behaves like
// the real engine in the ways that matter for following logs:
// - a log stream is multiplexed unless the container has a TTY, and every line carries a
//   fixed-width RFC 3339 nanosecond timestamp when asked;
// - `since` is inclusive and compared with each line's timestamp; `tail` counts from the end;
// - a follow stream delivers new lines until the container stops, then ENDS;
// - the events stream replays events from `since` and can be cut (a daemon restart).
// Everything else of EngineGateway throws.

import { PassThrough, type Readable } from 'node:stream';
import type {
  ContainerDetails,
  EngineEvent,
  EngineGateway,
  EventOptions,
  ListFilter,
  LogOptions,
  ObservedContainer,
} from '../../src/engine/gateway.js';
import { NotFoundError } from '../../src/errors.js';

interface Entry {
  readonly nanos: bigint;
  readonly stream: 'stdout' | 'stderr';
  readonly text: string;
}

interface FakeContainer {
  id: string;
  name: string;
  labels: Record<string, string>;
  running: boolean;
  tty: boolean;
  exitCode: number;
  finishedAt: string;
  startedAt: string;
  log: Entry[];
  followers: Set<{ out: PassThrough; timestamps: boolean }>;
}

/** Formats like the engine's RFC3339NanoFixed. */
export function formatNanos(nanos: bigint): string {
  const ms = Number(nanos / 1_000_000n);
  const iso = new Date(ms).toISOString(); // 2026-11-23T18:22:39.123Z
  const frac = (nanos % 1_000_000_000n).toString().padStart(9, '0');
  return `${iso.slice(0, 19)}.${frac}Z`;
}

function frame(stream: 'stdout' | 'stderr', data: Buffer): Buffer {
  const header = Buffer.alloc(8);
  header[0] = stream === 'stdout' ? 1 : 2;
  header.writeUInt32BE(data.length, 4);
  return Buffer.concat([header, data]);
}

export class FakeLogGateway {
  readonly containers = new Map<string, FakeContainer>();
  private readonly eventLog: EngineEvent[] = [];
  private readonly eventSubscribers = new Set<{ push: (e: EngineEvent | null) => void; since: number }>();
  /** Counts of calls, to check that the follower does not poll. */
  readonly calls = { logs: 0, events: 0, list: 0, inspect: 0 };
  /** The clock the fake stamps lines and events with (ns); tests move it. */
  clock = 1_790_000_000_000_000_000n;
  private starts = 0;

  tick(ns: bigint): bigint {
    this.clock += ns;
    return this.clock;
  }

  /** `foreign`: the container carries the project's Compose labels but not stack's ownership mark. */
  addContainer(id: string, project: string, service: string, number: number, opts: { tty?: boolean; oneoff?: boolean; running?: boolean; foreign?: boolean } = {}): void {
    const c: FakeContainer = {
      id,
      name: `${project}-${service}-${number}`,
      labels: {
        'com.docker.compose.project': project,
        'com.docker.compose.service': service,
        'com.docker.compose.container-number': String(number),
        'com.docker.compose.oneoff': opts.oneoff ? 'True' : 'False',
        ...(opts.foreign ? {} : { 'dev.stack.managed': 'true' }),
      },
      running: false,
      tty: opts.tty ?? false,
      exitCode: 0,
      finishedAt: '0001-01-01T00:00:00Z',
      startedAt: '0001-01-01T00:00:00Z',
      log: [],
      followers: new Set(),
    };
    this.containers.set(id, c);
    if (opts.running ?? true) this.start(id);
  }

  /** Appends a line at the current clock (or at `nanos`), as the container's process would. */
  write(id: string, text: string, stream: 'stdout' | 'stderr' = 'stdout', nanos: bigint = this.clock): void {
    const c = this.must(id);
    const entry: Entry = { nanos, stream, text };
    c.log.push(entry);
    for (const f of c.followers) f.out.write(this.encode(c, entry, f.timestamps));
  }

  start(id: string): void {
    const c = this.must(id);
    c.running = true;
    c.startedAt = formatNanos(this.clock) + `#${++this.starts}`; // unique per run, like the engine's
    this.emit({ type: 'container', action: 'start', id, attributes: { ...c.labels, name: c.name }, timeNano: Number(this.clock) });
  }

  stop(id: string, exitCode = 0): void {
    const c = this.must(id);
    c.running = false;
    c.exitCode = exitCode;
    c.finishedAt = formatNanos(this.clock);
    for (const f of c.followers) f.out.end();
    c.followers.clear();
    this.emit({ type: 'container', action: 'die', id, attributes: { ...c.labels, name: c.name, exitCode: String(exitCode) }, timeNano: Number(this.clock) });
  }

  remove(id: string): void {
    const c = this.must(id);
    this.containers.delete(id);
    this.emit({ type: 'container', action: 'destroy', id, attributes: { ...c.labels, name: c.name }, timeNano: Number(this.clock) });
  }

  /** Ends every open events stream, as a daemon restart does. */
  cutEvents(): void {
    for (const s of this.eventSubscribers) s.push(null);
    this.eventSubscribers.clear();
  }

  private emit(e: EngineEvent): void {
    this.eventLog.push(e);
    for (const s of this.eventSubscribers) s.push(e);
  }

  private must(id: string): FakeContainer {
    const c = this.containers.get(id);
    if (!c) throw new NotFoundError('inspect', 'no such container', { kind: 'container', name: id }, 404);
    return c;
  }

  private encode(c: FakeContainer, e: Entry, timestamps: boolean): Buffer {
    const line = Buffer.from(`${timestamps ? formatNanos(e.nanos) + ' ' : ''}${e.text}\n`);
    return c.tty ? line : frame(e.stream, line);
  }

  private matches(c: FakeContainer, filter: ListFilter): boolean {
    return (filter.labels ?? []).every((l) => {
      const [k, v] = l.split('=', 2) as [string, string | undefined];
      return v === undefined ? k in c.labels : c.labels[k] === v;
    });
  }

  // --- the EngineGateway members the follower uses ---

  async listContainers(filter: ListFilter, options: { all?: boolean } = {}): Promise<ObservedContainer[]> {
    this.calls.list++;
    return [...this.containers.values()]
      .filter((c) => this.matches(c, filter) && (options.all || c.running))
      .map((c) => ({
        id: c.id,
        name: c.name,
        labels: { ...c.labels },
        image: 'img',
        imageId: 'sha256:img',
        state: c.running ? 'running' : 'exited',
        status: c.running ? 'Up' : `Exited (${c.exitCode})`,
        created: 0,
        networks: {},
        mounts: [],
        ports: [],
      }));
  }

  async inspectContainer(id: string): Promise<ContainerDetails> {
    this.calls.inspect++;
    const c = this.must(id);
    return {
      id: c.id,
      name: c.name,
      labels: { ...c.labels },
      state: c.running ? 'running' : 'exited',
      exitCode: c.exitCode,
      oomKilled: false,
      finishedAt: c.finishedAt,
      startedAt: c.startedAt,
      restartCount: 0,
      tty: c.tty,
      openStdin: false,
      imageId: 'sha256:img',
      pid: c.running ? 42 : 0,
    };
  }

  async logs(id: string, options: LogOptions, signal?: AbortSignal): Promise<Readable> {
    this.calls.logs++;
    const c = this.must(id);
    const sinceNanos = options.since === undefined ? undefined : BigInt(Math.round(options.since * 1e6)) * 1000n;
    let entries = c.log.filter((e) => sinceNanos === undefined || e.nanos >= sinceNanos);
    if (typeof options.tail === 'number') entries = options.tail === 0 ? [] : entries.slice(-options.tail);
    const out = new PassThrough();
    // Deliver history in small, awkwardly split chunks, as HTTP chunking may.
    const history = Buffer.concat(entries.map((e) => this.encode(c, e, options.timestamps === true)));
    for (let i = 0; i < history.length; i += 7) out.write(history.subarray(i, i + 7));
    if (options.follow && c.running) {
      const follower = { out, timestamps: options.timestamps === true };
      c.followers.add(follower);
      signal?.addEventListener('abort', () => {
        c.followers.delete(follower);
        out.end();
      });
    } else out.end();
    return out;
  }

  events(options: EventOptions, signal?: AbortSignal): AsyncIterable<EngineEvent> {
    this.calls.events++;
    const sinceNano = (options.since ?? 0) * 1e9;
    const queue: (EngineEvent | null)[] = this.eventLog.filter(
      (e) => e.timeNano >= sinceNano && this.eventMatches(e, options),
    );
    let wake: (() => void) | undefined;
    const sub = {
      since: options.since ?? 0,
      push: (e: EngineEvent | null) => {
        if (e === null || this.eventMatches(e, options)) {
          queue.push(e);
          wake?.();
        }
      },
    };
    this.eventSubscribers.add(sub);
    signal?.addEventListener('abort', () => sub.push(null));
    const subscribers = this.eventSubscribers;
    return {
      async *[Symbol.asyncIterator]() {
        try {
          for (;;) {
            while (queue.length === 0) await new Promise<void>((r) => (wake = r));
            const e = queue.shift()!;
            if (e === null) return;
            yield e;
          }
        } finally {
          subscribers.delete(sub);
        }
      },
    };
  }

  private eventMatches(e: EngineEvent, options: EventOptions): boolean {
    if (options.types && !options.types.includes(e.type)) return false;
    return (options.labels ?? []).every((l) => {
      const [k, v] = l.split('=', 2) as [string, string | undefined];
      return v === undefined ? k in e.attributes : e.attributes[k] === v;
    });
  }

  asGateway(): EngineGateway {
    return new Proxy(this, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver) as unknown;
        if (value !== undefined) return typeof value === 'function' ? (value as Function).bind(target) : value;
        return () => {
          throw new Error(`fake-log-gateway: ${String(prop)} is not implemented`);
        };
      },
    }) as unknown as EngineGateway;
  }
}
