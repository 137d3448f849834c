// An in-memory EngineGateway for unit tests (executor, waits, anything that takes a gateway).
//
// ── What it does, and how it differs from a real engine ─────────────────────────────────
// Objects
//  - Containers, networks, volumes and images live in maps. Ids are 64 hex characters,
//    deterministic per gateway (the n-th object of a kind always gets the same id).
//  - createContainer(name, body): 409 ConflictError when the name is taken; 404 NotFoundError
//    when a network in NetworkingConfig does not exist, or (with `strictImages`) the image is
//    unknown. The container starts in state `created`, attached to those networks. It keeps
//    the id of the image its reference named then (a rebuild or pull that moves the reference
//    later does not change it), as the engine does.
//  - startContainer: `running`; starting a running container is a no-op (the engine's 304).
//    A container has a health state (`starting`) when its body has a Healthcheck whose Test
//    is not ["NONE"], or when a health script is registered for it (see below).
//  - stopContainer: `exited` with code 143 (SIGTERM); stopping a stopped container is a no-op.
//    restartContainer = stop + start. killContainer: `exited` with code 137.
//  - removeContainer: 409 when running without `force`; detaches it from its networks.
//  - createNetwork: 409 when the name exists (the real 20.10 engine may create duplicates:
//    TRAPS; this fake is stricter on purpose, so a plan that relies on duplicates fails here).
//    removeNetwork: 409 "has active endpoints" while a container is attached.
//    connectNetwork: 409 when already attached; disconnectNetwork: 404 when not attached.
//  - createVolume: idempotent like the engine (an existing name returns the existing volume);
//    removeVolume: 404 when missing, 409 while a container mounts it (HostConfig.Mounts of
//    type volume, or a `name:/path` entry in HostConfig.Binds).
//  - waitContainer(id, 'not-running'): resolves with the exit code at once when the container
//    is not running, else when it stops; 'next-exit' always waits for the next stop.
//    It honours its abort signal (rejects with an AbortError).
//  - events(): an async iterable of the events the gateway emits from then on (start, die,
//    stop, kill, destroy, create, `health_status: healthy|unhealthy`, network and volume
//    create/destroy/connect/disconnect); filters by `types` and by `labels` (`key` or
//    `key=value` on the container's labels); `since` replays earlier events. Ends on abort.
//    `failEvents(error)` makes every current and future stream throw, to test the fallback.
//  - logs() returns an empty stream; attach and top are not supported (InternalError).
//  - exec(container, options): 409 ConflictError unless the container is running. The command
//    is answered by the handler set with `onExec(handler)` when it returns a result, else: `rm`
//    removes its operands (and what is below them) from the container's fake filesystem, and
//    anything else exits 0 with no output. In a container of an image marked `withoutShell`
//    every command fails as the engine says for a missing executable (exit 126). The output
//    is framed as the engine frames it (multiplexed unless tty); `execs` records every exec
//    (container name, options); execExitCode answers once the stream was created.
// Images and archives
//  - buildImage(context, options): reads the context tar (tar-stream) and records
//    `{ options, files, dockerfile }` in `builds` (files: the tar's entry names, sorted).
//    A missing Dockerfile is a BuildError (500, "Cannot locate specified Dockerfile", as the
//    engine says it); an unknown `target` a BuildError (400). It reports one `step` event per
//    Dockerfile instruction (up to the end of the target stage), `Step i/n : INSTRUCTION`.
//    `failBuild(tag, { step, detail?, output?, commandExitCode? })` makes the build of that tag
//    fail at step `step` (1-based) with a BuildError naming the step; `output` lines are
//    reported as `output` events first. The image id is a hash of the context's entries and
//    the options (tags and the registry header aside): the same inputs give the same id, like
//    the engine's build cache. The image gets `options.labels` and `options.tags` (a tag moves
//    off the image that had it). With `remote` and no context: one step, `FROM <remote>`.
//  - tagImage adds a reference (moved off any other image); 404 for an unknown source.
//    removeImage(ref): removes that reference, and the image when it has none left (a
//    reference that is an id removes the image); 404 when unknown; 409 ConflictError while a
//    container was created from it, unless `force`.
//  - A fake registry: pushImage(ref) stores the image under `ref` (NotFoundError "does not
//    exist locally" when there is no such local image); pullImage(ref) takes it from there;
//    a ref the registry lacks is added as a fresh image (as before), or is a NotFoundError
//    ("manifest unknown") with `strictRegistry`. `addRegistryImage(ref)` seeds the registry.
//    `requireRegistryAuth(host, header)`: push and pull of refs on that host (the first
//    component of the ref) fail with RegistryAuthError unless `authHeader` equals `header`.
//    `registryImage(ref)` is the id stored under a ref.
//  - putArchive(container, path, tar, { copyUIDGID }): 404 for an unknown container, in any
//    state; writes each entry at `path/<entry name>` in the container's fake filesystem
//    (`filesOf(container)`, `readFile(container, path)`), with the tar's owners, or, with
//    copyUIDGID and a `User` in the container's body, the owners Docker 20.10 gives (see
//    archiveOwner in memory-images.ts: an unresolvable user is a 500, like the engine's).
//    The fake filesystem holds the files given with `addImageFiles(image, files)` at create
//    (nothing else of the image) and is dropped with the container; `path` need not exist
//    (the engine would 404). getArchive(container, path): a one-file tar of that file of the
//    fake filesystem, 404 NotFoundError when there is none.
//  - inspectContainer reports `user` (the body's User, '') and `restartCount` (restarts done
//    through restartContainer).
// Time and faults
//  - Every call takes `latencyMs` (a number, or a function of the call name and target) of
//    real time before it acts; it then acts atomically.
//  - failOn(call, target, error, times?) makes the named call fail for that target (a
//    container, network or volume name, or an id) with the given error, after the latency,
//    without acting. `times` defaults to every call.
//  - script(containerName, { healthyAfterMs?, unhealthyAfterMs?, exitAfterMs?, exitCode?,
//    emitEvents? }): on every start of that container, timers move its health to healthy /
//    unhealthy, or make it exit with `exitCode` (default 0). `emitEvents: false` changes the
//    state silently (a missed event), to prove that waits re-check on their own.
//  - dispose() clears every pending timer and ends every stream; call it after each test.
// Observation
//  - `calls`: the call log (call name, target, start and end in ms from performance.now(),
//    outcome). `maxConcurrent(filter)` is the largest number of logged calls whose
//    intervals overlapped; `MUTATING_CALLS` names the calls that change engine state.

import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { performance } from 'node:perf_hooks';
import type {
  BuildImageOptions,
  BuildProgressEvent,
  PullImageOptions,
  PutArchiveOptions,
  RegistryAuthOptions,
  RegistryProgressEvent,
  RemovedImage,
  RemoveImageOptions,
  ContainerCreateBody,
  ContainerDetails,
  ContainerState,
  EndpointConfig,
  EngineEvent,
  EngineGateway,
  EngineInfo,
  EventOptions,
  ExecOptions,
  HealthState,
  ListFilter,
  LogOptions,
  NetworkCreateBody,
  ObservedContainer,
  ObservedImage,
  ObservedMount,
  ObservedNetwork,
  ObservedVolume,
  ProcessStream,
  VolumeCreateBody,
} from '../../src/engine/gateway.js';
import { BuildError, ConflictError, EngineApiError, InternalError, NotFoundError, RegistryAuthError, StackError } from '../../src/errors.js';
import { archiveOwner, dockerfileSteps, readTar, stepsUpToTarget, type DockerfileStep, type FakeFile, type TarEntry } from './memory-images.js';
import { posix } from 'node:path';
import { commandNotFound, execOutputStream, fakeRm, oneFileTar, type ExecResult } from './memory-exec.js';

export type { FakeFile } from './memory-images.js';
export type { ExecResult } from './memory-exec.js';

/** One build the fake ran (or refused), with what it was given. */
export interface BuildRecord {
  readonly options: BuildImageOptions;
  /** The context tar's entry names, sorted (empty for a remote context). */
  readonly files: readonly string[];
  /** The Dockerfile's text, when the context had it. */
  readonly dockerfile?: string;
  imageId?: string;
}

/** How a scripted build fails. */
export interface BuildFailureScript {
  /** 1-based step number. */
  readonly step: number;
  readonly detail?: string;
  readonly output?: readonly string[];
  readonly commandExitCode?: number;
}

export const MUTATING_CALLS: ReadonlySet<string> = new Set([
  'createContainer',
  'startContainer',
  'stopContainer',
  'restartContainer',
  'killContainer',
  'removeContainer',
  'renameContainer',
  'pauseContainer',
  'unpauseContainer',
  'createNetwork',
  'removeNetwork',
  'connectNetwork',
  'disconnectNetwork',
  'createVolume',
  'removeVolume',
  'pullImage',
  'pushImage',
  'buildImage',
  'tagImage',
  'removeImage',
  'putArchive',
]);

export interface CallRecord {
  readonly call: string;
  /** The object's name when known (containers by name even when called by id), else what was passed. */
  readonly target: string;
  readonly startedAt: number;
  endedAt?: number;
  outcome?: 'ok' | 'error';
}

export interface HealthScript {
  readonly healthyAfterMs?: number;
  readonly unhealthyAfterMs?: number;
  readonly exitAfterMs?: number;
  readonly exitCode?: number;
  /** Default true. False: state changes without an event (a missed event). */
  readonly emitEvents?: boolean;
}

export interface MemoryGatewayOptions {
  readonly latencyMs?: number | ((call: string, target: string) => number);
  readonly ncpu?: number;
  /** When true, creating a container from an image not added with addImage fails with 404. */
  readonly strictImages?: boolean;
  /** When true, pulling a ref the fake registry lacks fails with NotFoundError. */
  readonly strictRegistry?: boolean;
}

interface MemContainer {
  readonly id: string;
  name: string;
  readonly body: ContainerCreateBody;
  readonly labels: Record<string, string>;
  readonly created: number;
  /** The image the container was created from, as the engine keeps it ('' when unknown then). */
  readonly imageId: string;
  /** ISO time of the create (the engine's inspect `Created`). */
  readonly createdAt: string;
  state: ContainerState;
  health?: HealthState;
  exitCode: number;
  startedAt?: string;
  finishedAt?: string;
  /** Network name → endpoint. */
  readonly networks: Map<string, EndpointConfig>;
  timers: NodeJS.Timeout[];
}

interface MemNetwork {
  readonly id: string;
  readonly body: NetworkCreateBody;
  readonly created: string;
}

interface Failure {
  readonly call: string;
  readonly target: string;
  readonly error: () => Error;
  remaining: number;
}

interface Subscriber {
  readonly options: EventOptions;
  push(event: EngineEvent): void;
  fail(error: Error): void;
  end(): void;
}

function abortError(): Error {
  const e = new Error('the operation was aborted');
  e.name = 'AbortError';
  return e;
}

export class MemoryGateway implements EngineGateway {
  readonly calls: CallRecord[] = [];
  private readonly containers = new Map<string, MemContainer>();
  private readonly networks = new Map<string, MemNetwork>();
  private readonly volumes = new Map<string, ObservedVolume>();
  private readonly images = new Map<string, ObservedImage>();
  private readonly scripts = new Map<string, HealthScript>();
  private readonly failures: Failure[] = [];
  private readonly subscribers = new Set<Subscriber>();
  private readonly history: EngineEvent[] = [];
  private readonly exitWaiters = new Map<string, Set<(code: number) => void>>();
  private readonly pendingTimers = new Set<NodeJS.Timeout>();
  private eventsError: Error | undefined;
  private readonly counters = new Map<string, number>();
  readonly builds: BuildRecord[] = [];
  private readonly buildFailures = new Map<string, { script: BuildFailureScript; remaining: number }>();
  /** Registry reference → image id. */
  private readonly registry = new Map<string, string>();
  private readonly registryAuth = new Map<string, string>();
  /** Container id → path → file. */
  private readonly filesystems = new Map<string, Map<string, FakeFile>>();
  /** Image reference → the files a container of it starts with. */
  private readonly imageFiles = new Map<string, Map<string, FakeFile>>();
  private readonly shellless = new Set<string>();
  private execHandler: ((container: string, options: ExecOptions) => ExecResult | undefined) | undefined;
  private readonly execResults = new Map<string, number>();
  private readonly restarts = new Map<string, number>();
  /** Every exec, in order: the container's name and what was asked. */
  readonly execs: { readonly container: string; readonly options: ExecOptions }[] = [];

  constructor(private readonly options: MemoryGatewayOptions = {}) {}

  // ── test controls ────────────────────────────────────────────────────────────────────

  failOn(call: string, target: string, error: Error | (() => Error), times = Number.POSITIVE_INFINITY): this {
    this.failures.push({ call, target, error: typeof error === 'function' ? error : () => error, remaining: times });
    return this;
  }

  script(containerName: string, script: HealthScript): this {
    this.scripts.set(containerName, script);
    return this;
  }

  addImage(ref: string, id?: string): this {
    const imageId = id ?? `sha256:${this.newId('image')}`;
    const existing = this.images.get(imageId);
    this.images.set(imageId, { id: imageId, repoTags: [...(existing?.repoTags ?? []), ref], labels: {} });
    return this;
  }

  /** Files every container created from `image` starts with (path → text; owned by root, 0644). */
  addImageFiles(image: string, files: Record<string, string>): this {
    const map = this.imageFiles.get(image) ?? new Map<string, FakeFile>();
    for (const [path, text] of Object.entries(files)) map.set(posix.normalize(path), { type: 'file', content: Buffer.from(text), mode: 0o644, uid: 0, gid: 0 });
    this.imageFiles.set(image, map);
    return this;
  }

  /** Containers of this image have no shell and no `rm`: every exec fails with 126. */
  withoutShell(image: string): this {
    this.shellless.add(image);
    return this;
  }

  /** Answer execs (return undefined to let the default behaviour answer). */
  onExec(handler: (container: string, options: ExecOptions) => ExecResult | undefined): this {
    this.execHandler = handler;
    return this;
  }

  failBuild(tag: string, script: BuildFailureScript, times = Number.POSITIVE_INFINITY): this {
    this.buildFailures.set(tag, { script, remaining: times });
    return this;
  }

  addRegistryImage(ref: string, id?: string): this {
    this.registry.set(ref, id ?? `sha256:${this.newId('registry-image')}`);
    return this;
  }

  registryImage(ref: string): string | undefined {
    return this.registry.get(ref);
  }

  requireRegistryAuth(host: string, authHeader: string): this {
    this.registryAuth.set(host, authHeader);
    return this;
  }

  /** The fake filesystem of a container (by name or id): path → file, as putArchive wrote it. */
  filesOf(container: string): ReadonlyMap<string, FakeFile> {
    const c = this.findContainer(container);
    return (c && this.filesystems.get(c.id)) ?? new Map();
  }

  /** A file's text in a container's fake filesystem, or undefined. */
  readFile(container: string, path: string): string | undefined {
    const file = this.filesOf(container).get(posix.normalize(path));
    return file?.type === 'file' ? file.content.toString('utf8') : undefined;
  }

  failEvents(error: Error): this {
    this.eventsError = error;
    for (const s of this.subscribers) s.fail(error);
    return this;
  }

  /** The largest number of logged calls (matching `filter`) that were in flight at once. */
  maxConcurrent(filter: (record: CallRecord) => boolean = () => true): number {
    const points: Array<[number, number]> = [];
    for (const r of this.calls.filter(filter)) {
      points.push([r.startedAt, 1]);
      points.push([r.endedAt ?? Number.POSITIVE_INFINITY, -1]);
    }
    // At equal times an end comes before a start: back-to-back calls do not overlap.
    points.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    let current = 0;
    let max = 0;
    for (const [, delta] of points) {
      current += delta;
      max = Math.max(max, current);
    }
    return max;
  }

  /** Calls with the given name, in the order they started. */
  callsTo(call: string): CallRecord[] {
    return this.calls.filter((r) => r.call === call);
  }

  /** A container's current state by name, for assertions. */
  container(name: string): { id: string; state: ContainerState; health?: HealthState; exitCode: number; networks: string[] } | undefined {
    const c = this.findContainer(name);
    if (!c) return undefined;
    return { id: c.id, state: c.state, ...(c.health ? { health: c.health } : {}), exitCode: c.exitCode, networks: [...c.networks.keys()] };
  }

  hasNetwork(name: string): boolean {
    return this.findNetwork(name) !== undefined;
  }

  hasVolume(name: string): boolean {
    return this.volumes.has(name);
  }

  dispose(): void {
    for (const t of this.pendingTimers) clearTimeout(t);
    this.pendingTimers.clear();
    for (const c of this.containers.values()) this.clearScript(c);
    for (const s of this.subscribers) s.end();
    this.subscribers.clear();
  }

  // ── plumbing ─────────────────────────────────────────────────────────────────────────

  private newId(kind: string): string {
    const n = (this.counters.get(kind) ?? 0) + 1;
    this.counters.set(kind, n);
    return createHash('sha256').update(`${kind}:${n}`).digest('hex');
  }

  private sleep(ms: number): Promise<void> {
    if (ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.pendingTimers.delete(t);
        resolve();
      }, ms);
      this.pendingTimers.add(t);
    });
  }

  /** Log the call, wait the latency, apply failure injection, then act. */
  private async call<T>(call: string, target: string, act: () => T | Promise<T>): Promise<T> {
    const record: CallRecord = { call, target, startedAt: performance.now() };
    this.calls.push(record);
    try {
      const latency = this.options.latencyMs;
      await this.sleep(typeof latency === 'function' ? latency(call, target) : (latency ?? 0));
      const failure = this.failures.find((f) => f.call === call && f.remaining > 0 && this.matches(f.target, target));
      if (failure) {
        failure.remaining--;
        throw failure.error();
      }
      const result = await act();
      record.outcome = 'ok';
      return result;
    } catch (e) {
      record.outcome = 'error';
      throw e;
    } finally {
      record.endedAt = performance.now();
    }
  }

  /** A failure registered for a name also matches calls made with that object's id, and back. */
  private matches(registered: string, target: string): boolean {
    return registered === target || this.canonical(registered) === this.canonical(target);
  }

  /** Container and network ids → names; anything else as it is. */
  private canonical(idOrName: string): string {
    return this.containers.get(idOrName)?.name ?? this.networks.get(idOrName)?.body.Name ?? idOrName;
  }

  private findContainer(idOrName: string): MemContainer | undefined {
    const byId = this.containers.get(idOrName);
    if (byId) return byId;
    const name = idOrName.replace(/^\//, '');
    for (const c of this.containers.values()) if (c.name === name) return c;
    if (idOrName.length >= 12) for (const c of this.containers.values()) if (c.id.startsWith(idOrName)) return c;
    return undefined;
  }

  private mustContainer(op: string, idOrName: string): MemContainer {
    const c = this.findContainer(idOrName);
    if (!c) throw new NotFoundError(op, `No such container: ${idOrName}`, { kind: 'container', name: idOrName }, 404);
    return c;
  }

  private findNetwork(idOrName: string): MemNetwork | undefined {
    const byId = this.networks.get(idOrName);
    if (byId) return byId;
    for (const n of this.networks.values()) if (n.body.Name === idOrName) return n;
    return undefined;
  }

  private mustNetwork(op: string, idOrName: string): MemNetwork {
    const n = this.findNetwork(idOrName);
    if (!n) throw new NotFoundError(op, `network ${idOrName} not found`, { kind: 'network', name: idOrName }, 404);
    return n;
  }

  private containerTarget(idOrName: string): string {
    return this.findContainer(idOrName)?.name ?? idOrName;
  }

  private emit(type: string, action: string, id: string, attributes: Record<string, string>): void {
    const event: EngineEvent = { type, action, id, attributes, timeNano: Math.round((performance.timeOrigin + performance.now()) * 1e6) };
    this.history.push(event);
    for (const s of this.subscribers) s.push(event);
  }

  private emitContainer(c: MemContainer, action: string, extra: Record<string, string> = {}): void {
    this.emit('container', action, c.id, { ...c.labels, name: c.name, image: c.body.Image, ...extra });
  }

  private schedule(c: MemContainer, ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      c.timers = c.timers.filter((x) => x !== t);
      fn();
    }, ms);
    c.timers.push(t);
  }

  private clearScript(c: MemContainer): void {
    for (const t of c.timers) clearTimeout(t);
    c.timers = [];
  }

  private exited(c: MemContainer, exitCode: number, emitEvents: boolean, actions: readonly string[]): void {
    this.clearScript(c);
    c.state = 'exited';
    c.exitCode = exitCode;
    c.finishedAt = new Date().toISOString();
    if (emitEvents) for (const a of actions) this.emitContainer(c, a, a === 'die' ? { exitCode: String(exitCode) } : {});
    const waiters = this.exitWaiters.get(c.id);
    if (waiters) {
      this.exitWaiters.delete(c.id);
      for (const w of waiters) w(exitCode);
    }
  }

  private hasHealthcheck(c: MemContainer): boolean {
    const test = c.body.Healthcheck?.Test;
    return (test !== undefined && test.length > 0 && test[0] !== 'NONE') || this.scripts.has(c.name);
  }

  private started(c: MemContainer): void {
    c.state = 'running';
    c.exitCode = 0;
    c.startedAt = new Date().toISOString();
    if (this.hasHealthcheck(c)) c.health = 'starting';
    else delete c.health;
    this.emitContainer(c, 'start');
    const script = this.scripts.get(c.name);
    if (!script) return;
    const emitEvents = script.emitEvents ?? true;
    if (script.healthyAfterMs !== undefined) {
      this.schedule(c, script.healthyAfterMs, () => {
        c.health = 'healthy';
        if (emitEvents) this.emitContainer(c, 'health_status: healthy');
      });
    }
    if (script.unhealthyAfterMs !== undefined) {
      this.schedule(c, script.unhealthyAfterMs, () => {
        c.health = 'unhealthy';
        if (emitEvents) this.emitContainer(c, 'health_status: unhealthy');
      });
    }
    if (script.exitAfterMs !== undefined) {
      this.schedule(c, script.exitAfterMs, () => this.exited(c, script.exitCode ?? 0, emitEvents, ['die']));
    }
  }

  private volumeNamesOf(c: MemContainer): string[] {
    const hc = (c.body.HostConfig ?? {}) as { Mounts?: Array<{ Type?: string; Source?: string }>; Binds?: string[] };
    const names: string[] = [];
    for (const m of hc.Mounts ?? []) if (m.Type === 'volume' && m.Source) names.push(m.Source);
    for (const b of hc.Binds ?? []) {
      const source = b.split(':')[0] ?? '';
      if (source && !source.startsWith('/')) names.push(source);
    }
    return names;
  }

  private mountsOf(c: MemContainer): ObservedMount[] {
    const hc = (c.body.HostConfig ?? {}) as { Mounts?: Array<{ Type?: string; Source?: string; Target?: string; ReadOnly?: boolean }> };
    return (hc.Mounts ?? []).map((m) => ({
      type: m.Type ?? 'volume',
      ...(m.Type === 'volume' && m.Source ? { name: m.Source } : {}),
      source: m.Source ?? '',
      destination: m.Target ?? '',
      rw: !m.ReadOnly,
    }));
  }

  private labelsMatch(labels: Readonly<Record<string, string>>, filters: readonly string[] | undefined): boolean {
    for (const f of filters ?? []) {
      const eq = f.indexOf('=');
      if (eq < 0) {
        if (!Object.prototype.hasOwnProperty.call(labels, f)) return false;
      } else if (labels[f.slice(0, eq)] !== f.slice(eq + 1)) return false;
    }
    return true;
  }

  private observed(c: MemContainer): ObservedContainer {
    const health = c.health ? ` (${c.health === 'starting' ? 'health: starting' : c.health})` : '';
    const status = c.state === 'running' ? `Up${health}` : c.state === 'exited' ? `Exited (${c.exitCode})` : c.state === 'created' ? 'Created' : c.state;
    const networks: Record<string, { networkId: string; aliases: string[] }> = Object.create(null);
    for (const [name, ep] of c.networks) networks[name] = { networkId: this.findNetwork(name)?.id ?? '', aliases: [...(ep.Aliases ?? [])] };
    return {
      id: c.id,
      name: c.name,
      labels: { ...c.labels },
      image: c.body.Image,
      imageId: c.imageId,
      state: c.state,
      ...(c.health ? { health: c.health } : {}),
      ...(c.state === 'exited' ? { exitCode: c.exitCode } : {}),
      status,
      created: c.created,
      networks,
      mounts: this.mountsOf(c),
      ports: [],
    };
  }

  private imageFor(ref: string): ObservedImage | undefined {
    for (const image of this.images.values()) if (image.id === ref || image.repoTags.some((t) => sameTag(t, ref))) return image;
    return undefined;
  }

  // ── EngineGateway ────────────────────────────────────────────────────────────────────

  info(): Promise<EngineInfo> {
    return this.call('info', 'engine', () => ({
      version: '20.10.24-memory',
      apiVersion: '1.41',
      os: 'linux',
      arch: 'amd64',
      ncpu: this.options.ncpu ?? 2,
      endpoint: 'memory://',
      id: 'MEMO:RYEN:GINE',
    }));
  }

  listContainers(filter: ListFilter, options: { all?: boolean } = {}): Promise<ObservedContainer[]> {
    return this.call('listContainers', 'containers', () =>
      [...this.containers.values()]
        .filter((c) => (options.all ? true : c.state === 'running'))
        .filter((c) => this.labelsMatch(c.labels, filter.labels))
        .filter((c) => !filter.names || filter.names.includes(c.name))
        .map((c) => this.observed(c)),
    );
  }

  inspectContainer(idOrName: string): Promise<ContainerDetails> {
    return this.call('inspectContainer', this.containerTarget(idOrName), () => {
      const c = this.mustContainer('inspect', idOrName);
      return {
        id: c.id,
        name: c.name,
        labels: { ...c.labels },
        state: c.state,
        ...(c.health ? { health: c.health } : {}),
        exitCode: c.exitCode,
        oomKilled: false,
        created: c.createdAt,
        ...(c.startedAt ? { startedAt: c.startedAt } : {}),
        ...(c.finishedAt ? { finishedAt: c.finishedAt } : {}),
        restartCount: this.restarts.get(c.id) ?? 0,
        tty: c.body.Tty ?? false,
        openStdin: c.body.OpenStdin ?? false,
        imageId: c.imageId,
        pid: c.state === 'running' ? 4242 : 0,
        user: typeof c.body.User === 'string' ? c.body.User : '',
      };
    });
  }

  createContainer(name: string, body: ContainerCreateBody): Promise<string> {
    return this.call('createContainer', name, () => {
      if (this.findContainer(name)?.name === name) {
        throw new ConflictError('create', `the container name "/${name}" is already in use`, { kind: 'container', name }, 409);
      }
      if (this.options.strictImages && !this.imageFor(body.Image)) {
        throw new NotFoundError('create', `No such image: ${body.Image}`, { kind: 'image', name: body.Image }, 404);
      }
      const endpoints = body.NetworkingConfig?.EndpointsConfig ?? {};
      for (const net of Object.keys(endpoints)) this.mustNetwork('create', net);
      const c: MemContainer = {
        id: this.newId('container'),
        name,
        body,
        labels: { ...(body.Labels ?? {}) },
        created: Math.floor(Date.now() / 1000),
        imageId: this.imageFor(body.Image)?.id ?? '',
        createdAt: new Date().toISOString(),
        state: 'created',
        exitCode: 0,
        networks: new Map(Object.entries(endpoints).map(([n, ep]) => [this.mustNetwork('create', n).body.Name, ep])),
        timers: [],
      };
      this.containers.set(c.id, c);
      const seeded = this.imageFiles.get(body.Image);
      if (seeded) this.filesystems.set(c.id, new Map(seeded));
      this.emitContainer(c, 'create');
      return c.id;
    });
  }

  startContainer(id: string): Promise<void> {
    return this.call('startContainer', this.containerTarget(id), () => {
      const c = this.mustContainer('start', id);
      if (c.state === 'running') return;
      this.started(c);
    });
  }

  stopContainer(id: string): Promise<void> {
    return this.call('stopContainer', this.containerTarget(id), () => {
      const c = this.mustContainer('stop', id);
      if (c.state !== 'running') return;
      this.exited(c, 143, true, ['kill', 'die', 'stop']);
    });
  }

  restartContainer(id: string): Promise<void> {
    return this.call('restartContainer', this.containerTarget(id), () => {
      const c = this.mustContainer('restart', id);
      if (c.state === 'running') this.exited(c, 143, true, ['kill', 'die', 'stop']);
      this.started(c);
      this.restarts.set(c.id, (this.restarts.get(c.id) ?? 0) + 1);
      this.emitContainer(c, 'restart');
    });
  }

  killContainer(id: string): Promise<void> {
    return this.call('killContainer', this.containerTarget(id), () => {
      const c = this.mustContainer('kill', id);
      if (c.state !== 'running') throw new ConflictError('kill', `container ${c.name} is not running`, { kind: 'container', name: c.name }, 409);
      this.exited(c, 137, true, ['kill', 'die']);
    });
  }

  removeContainer(id: string, options: { force?: boolean; removeAnonymousVolumes?: boolean }): Promise<void> {
    return this.call('removeContainer', this.containerTarget(id), () => {
      const c = this.mustContainer('remove', id);
      if (c.state === 'running' && !options.force) {
        throw new ConflictError('remove', `You cannot remove a running container ${c.id}`, { kind: 'container', name: c.name }, 409);
      }
      if (c.state === 'running') this.exited(c, 137, true, ['kill', 'die']);
      this.clearScript(c);
      this.containers.delete(c.id);
      this.filesystems.delete(c.id);
      this.emitContainer(c, 'destroy');
    });
  }

  renameContainer(id: string, newName: string): Promise<void> {
    return this.call('renameContainer', this.containerTarget(id), () => {
      const c = this.mustContainer('rename', id);
      if (this.findContainer(newName)?.name === newName) {
        throw new ConflictError('rename', `the container name "/${newName}" is already in use`, { kind: 'container', name: newName }, 409);
      }
      c.name = newName;
      this.emitContainer(c, 'rename');
    });
  }

  pauseContainer(id: string): Promise<void> {
    return this.call('pauseContainer', this.containerTarget(id), () => {
      const c = this.mustContainer('pause', id);
      if (c.state !== 'running') throw new ConflictError('pause', `container ${c.name} is not running`, { kind: 'container', name: c.name }, 409);
      c.state = 'paused';
      this.emitContainer(c, 'pause');
    });
  }

  unpauseContainer(id: string): Promise<void> {
    return this.call('unpauseContainer', this.containerTarget(id), () => {
      const c = this.mustContainer('unpause', id);
      if (c.state !== 'paused') throw new ConflictError('unpause', `container ${c.name} is not paused`, { kind: 'container', name: c.name }, 409);
      c.state = 'running';
      this.emitContainer(c, 'unpause');
    });
  }

  waitContainer(id: string, condition: 'not-running' | 'next-exit' | 'removed' = 'not-running', signal?: AbortSignal): Promise<number> {
    return this.call('waitContainer', this.containerTarget(id), () => {
      const c = this.mustContainer('wait', id);
      if (condition === 'not-running' && c.state !== 'running' && c.state !== 'restarting' && c.state !== 'paused') {
        return c.exitCode;
      }
      return new Promise<number>((resolve, reject) => {
        if (signal?.aborted) return reject(abortError());
        const waiters = this.exitWaiters.get(c.id) ?? new Set<(code: number) => void>();
        this.exitWaiters.set(c.id, waiters);
        const onExit = (code: number) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(code);
        };
        const onAbort = () => {
          waiters.delete(onExit);
          reject(abortError());
        };
        waiters.add(onExit);
        signal?.addEventListener('abort', onAbort, { once: true });
      });
    });
  }

  topContainer(): Promise<{ titles: string[]; processes: string[][] }> {
    return Promise.reject(new InternalError('topContainer is not supported by the memory gateway'));
  }

  logs(id: string, _options: LogOptions): Promise<Readable> {
    return this.call('logs', this.containerTarget(id), () => {
      this.mustContainer('logs', id);
      return Readable.from([]);
    });
  }

  attachContainer(): Promise<ProcessStream> {
    return Promise.reject(new InternalError('attachContainer is not supported by the memory gateway'));
  }

  exec(containerId: string, options: ExecOptions): Promise<{ execId: string; stream: ProcessStream }> {
    return this.call('exec', this.containerTarget(containerId), () => {
      const c = this.mustContainer('exec in', containerId);
      if (c.state !== 'running') throw new ConflictError('exec in', `Container ${c.id} is not running`, { kind: 'container', name: c.name }, 409);
      this.execs.push({ container: c.name, options });
      const fs = this.filesystems.get(c.id) ?? new Map<string, FakeFile>();
      this.filesystems.set(c.id, fs);
      const result = this.shellless.has(c.body.Image)
        ? commandNotFound(options.cmd[0] ?? '')
        : (this.execHandler?.(c.name, options) ?? fakeRm(fs, options.cmd) ?? { exitCode: 0 });
      const execId = this.newId('exec');
      this.execResults.set(execId, result.exitCode);
      return { execId, stream: { stream: execOutputStream(result, options.tty), tty: options.tty } };
    });
  }

  execExitCode(execId: string): Promise<number | undefined> {
    return this.call('execExitCode', execId, () => {
      if (!this.execResults.has(execId)) throw new NotFoundError('inspect', `No such exec instance: ${execId}`, { kind: 'exec', name: execId }, 404);
      return this.execResults.get(execId);
    });
  }

  getArchive(containerId: string, path: string): Promise<Readable> {
    return this.call('getArchive', this.containerTarget(containerId), async () => {
      const c = this.mustContainer(`read ${path} from`, containerId);
      const file = this.filesystems.get(c.id)?.get(posix.normalize(path));
      if (!file) throw new NotFoundError(`read ${path} from`, `Could not find the file ${path} in container ${c.name}`, { kind: 'container', name: c.name }, 404);
      return Readable.from([await oneFileTar(path, file)]);
    });
  }

  private observedNetwork(n: MemNetwork): ObservedNetwork {
    return {
      id: n.id,
      name: n.body.Name,
      driver: n.body.Driver ?? 'bridge',
      labels: { ...(n.body.Labels ?? {}) },
      internal: n.body.Internal ?? false,
      attachable: n.body.Attachable ?? false,
      enableIpv6: n.body.EnableIPv6 ?? false,
      options: { ...(n.body.Options ?? {}) },
      ipam: { driver: n.body.IPAM?.Driver ?? 'default', config: [] },
      created: n.created,
    };
  }

  listNetworks(filter: ListFilter): Promise<ObservedNetwork[]> {
    return this.call('listNetworks', 'networks', () =>
      [...this.networks.values()]
        .filter((n) => this.labelsMatch(n.body.Labels ?? {}, filter.labels))
        .filter((n) => !filter.names || filter.names.includes(n.body.Name))
        .map((n) => this.observedNetwork(n)),
    );
  }

  inspectNetwork(idOrName: string): Promise<ObservedNetwork & { containers: readonly string[] }> {
    return this.call('inspectNetwork', idOrName, () => {
      const n = this.mustNetwork('inspect', idOrName);
      const containers = [...this.containers.values()].filter((c) => c.networks.has(n.body.Name)).map((c) => c.id);
      return { ...this.observedNetwork(n), containers };
    });
  }

  createNetwork(body: NetworkCreateBody): Promise<string> {
    return this.call('createNetwork', body.Name, () => {
      if (this.findNetwork(body.Name)) {
        throw new ConflictError('create', `network with name ${body.Name} already exists`, { kind: 'network', name: body.Name }, 409);
      }
      const n: MemNetwork = { id: this.newId('network'), body, created: new Date().toISOString() };
      this.networks.set(n.id, n);
      this.emit('network', 'create', n.id, { name: body.Name, type: n.body.Driver ?? 'bridge' });
      return n.id;
    });
  }

  removeNetwork(idOrName: string): Promise<void> {
    const target = this.findNetwork(idOrName)?.body.Name ?? idOrName;
    return this.call('removeNetwork', target, () => {
      const n = this.mustNetwork('remove', idOrName);
      if ([...this.containers.values()].some((c) => c.networks.has(n.body.Name))) {
        throw new ConflictError('remove', `error while removing network: network ${n.body.Name} id ${n.id} has active endpoints`, { kind: 'network', name: n.body.Name }, 409);
      }
      this.networks.delete(n.id);
      this.emit('network', 'destroy', n.id, { name: n.body.Name });
    });
  }

  connectNetwork(network: string, containerId: string, endpoint: EndpointConfig): Promise<void> {
    const target = `${this.findNetwork(network)?.body.Name ?? network} ${this.containerTarget(containerId)}`;
    return this.call('connectNetwork', target, () => {
      const n = this.mustNetwork('connect', network);
      const c = this.mustContainer('connect', containerId);
      if (c.networks.has(n.body.Name)) {
        throw new ConflictError('connect', `endpoint with name ${c.name} already exists in network ${n.body.Name}`, { kind: 'network', name: n.body.Name }, 409);
      }
      c.networks.set(n.body.Name, endpoint);
      this.emit('network', 'connect', n.id, { name: n.body.Name, container: c.id });
    });
  }

  disconnectNetwork(network: string, containerId: string): Promise<void> {
    const target = `${this.findNetwork(network)?.body.Name ?? network} ${this.containerTarget(containerId)}`;
    return this.call('disconnectNetwork', target, () => {
      const n = this.mustNetwork('disconnect', network);
      const c = this.mustContainer('disconnect', containerId);
      if (!c.networks.delete(n.body.Name)) {
        throw new NotFoundError('disconnect', `container ${c.name} is not connected to network ${n.body.Name}`, { kind: 'network', name: n.body.Name }, 404);
      }
      this.emit('network', 'disconnect', n.id, { name: n.body.Name, container: c.id });
    });
  }

  listVolumes(filter: ListFilter): Promise<ObservedVolume[]> {
    return this.call('listVolumes', 'volumes', () =>
      [...this.volumes.values()]
        .filter((v) => this.labelsMatch(v.labels, filter.labels))
        .filter((v) => !filter.names || filter.names.includes(v.name)),
    );
  }

  inspectVolume(name: string): Promise<ObservedVolume> {
    return this.call('inspectVolume', name, () => {
      const v = this.volumes.get(name);
      if (!v) throw new NotFoundError('inspect', `get ${name}: no such volume`, { kind: 'volume', name }, 404);
      return v;
    });
  }

  createVolume(body: VolumeCreateBody): Promise<ObservedVolume> {
    return this.call('createVolume', body.Name, () => {
      const name = body.Name || this.newId('volume');
      const existing = this.volumes.get(name);
      if (existing) return existing;
      const v: ObservedVolume = {
        name,
        driver: body.Driver ?? 'local',
        labels: { ...(body.Labels ?? {}) },
        options: { ...(body.DriverOpts ?? {}) },
        mountpoint: `/var/lib/docker/volumes/${name}/_data`,
        createdAt: new Date().toISOString(),
      };
      this.volumes.set(name, v);
      this.emit('volume', 'create', name, { driver: v.driver });
      return v;
    });
  }

  removeVolume(name: string): Promise<void> {
    return this.call('removeVolume', name, () => {
      if (!this.volumes.has(name)) throw new NotFoundError('remove', `get ${name}: no such volume`, { kind: 'volume', name }, 404);
      const user = [...this.containers.values()].find((c) => this.volumeNamesOf(c).includes(name));
      if (user) throw new ConflictError('remove', `remove ${name}: volume is in use - [${user.id}]`, { kind: 'volume', name }, 409);
      this.volumes.delete(name);
      this.emit('volume', 'destroy', name, {});
    });
  }

  inspectImage(ref: string): Promise<ObservedImage> {
    return this.call('inspectImage', ref, () => {
      const image = this.imageFor(ref);
      if (!image) throw new NotFoundError('inspect', `No such image: ${ref}`, { kind: 'image', name: ref }, 404);
      return image;
    });
  }

  listImages(filter: ListFilter): Promise<ObservedImage[]> {
    return this.call('listImages', 'images', () => [...this.images.values()].filter((i) => this.labelsMatch(i.labels, filter.labels)));
  }

  /** The optional gateway member the executor uses for `image.pull`. */
  pullImage(ref: string, options: PullImageOptions = {}, onProgress?: (event: RegistryProgressEvent) => void): Promise<void> {
    return this.call('pullImage', ref, () => {
      this.checkRegistryAuth('pull', ref, options.authHeader);
      const id = this.registry.get(ref);
      if (id === undefined && this.options.strictRegistry) {
        throw new NotFoundError('pull', `manifest for ${ref} not found: manifest unknown: manifest unknown`, { kind: 'image', name: ref }, 404);
      }
      onProgress?.({ status: `Pulling from ${ref}` });
      if (id !== undefined) this.setImage(id, ref, {});
      else if (!this.imageFor(ref)) this.addImage(ref);
    });
  }

  pushImage(ref: string, options: RegistryAuthOptions = {}, onProgress?: (event: RegistryProgressEvent) => void): Promise<{ digest?: string }> {
    return this.call('pushImage', ref, () => {
      const image = this.imageFor(ref);
      if (!image) throw new NotFoundError('push', `An image does not exist locally with the tag: ${ref}`, { kind: 'image', name: ref });
      this.checkRegistryAuth('push', ref, options.authHeader);
      onProgress?.({ status: 'Pushed', id: image.id.slice(7, 19) });
      this.registry.set(ref, image.id);
      return { digest: `sha256:${createHash('sha256').update(`${ref}@${image.id}`).digest('hex')}` };
    });
  }

  buildImage(context: Readable | null, options: BuildImageOptions, onProgress?: (event: BuildProgressEvent) => void): Promise<{ imageId: string }> {
    const tag = options.tags?.[0] ?? '(untagged)';
    // The tar is read at once (the engine reads the whole context before it starts).
    const entries = context ? readTar(context) : Promise.resolve([] as TarEntry[]);
    entries.catch(() => undefined); // awaited in the call; a failure injected first must not leave it unhandled
    return this.call('buildImage', tag, async () => {
      const files = await entries;
      const dockerfileName = options.dockerfile ?? 'Dockerfile';
      const dockerfile = files.find((f) => f.name === dockerfileName && f.type === 'file')?.content.toString('utf8');
      const record: BuildRecord = { options, files: files.map((f) => f.name).filter((n) => n !== '').sort(), ...(dockerfile !== undefined ? { dockerfile } : {}) };
      this.builds.push(record);
      const steps = this.buildSteps(tag, options, dockerfile);
      this.runBuildSteps(tag, steps, onProgress);
      const imageId = `sha256:${buildHash(files, options)}`;
      record.imageId = imageId;
      const existing = this.images.get(imageId);
      this.images.set(imageId, { id: imageId, repoTags: existing?.repoTags ?? [], labels: Object.assign(Object.create(null) as Record<string, string>, options.labels ?? {}) });
      for (const t of options.tags ?? []) this.setImage(imageId, t, {});
      return { imageId };
    });
  }

  tagImage(source: string, repo: string, tag: string): Promise<void> {
    return this.call('tagImage', source, () => {
      const image = this.imageFor(source);
      if (!image) throw new NotFoundError('tag', `No such image: ${source}`, { kind: 'image', name: source }, 404);
      this.setImage(image.id, `${repo}:${tag}`, {});
    });
  }

  removeImage(ref: string, options: RemoveImageOptions = {}): Promise<RemovedImage> {
    return this.call('removeImage', ref, () => {
      const image = this.imageFor(ref);
      if (!image) throw new NotFoundError('remove', `No such image: ${ref}`, { kind: 'image', name: ref }, 404);
      const user = [...this.containers.values()].find((c) => this.imageFor(c.body.Image)?.id === image.id);
      if (user && !options.force) {
        throw new ConflictError('remove', `conflict: unable to remove repository reference "${ref}" (must force) - container ${user.id.slice(0, 12)} is using its referenced image`, { kind: 'image', name: ref }, 409);
      }
      const byId = ref === image.id;
      const left = byId ? [] : image.repoTags.filter((t) => !sameTag(t, ref));
      const untagged = byId ? [...image.repoTags] : [ref];
      if (left.length > 0) {
        this.images.set(image.id, { ...image, repoTags: left });
        return { untagged, deleted: [] };
      }
      this.images.delete(image.id);
      return { untagged, deleted: [image.id] };
    });
  }

  putArchive(containerId: string, path: string, tar: Readable, options: PutArchiveOptions = {}): Promise<void> {
    const entries = readTar(tar);
    entries.catch(() => undefined); // awaited in the call; a failure injected first must not leave it unhandled
    return this.call('putArchive', this.containerTarget(containerId), async () => {
      const files = await entries;
      const c = this.mustContainer('copy files to', containerId);
      const user = typeof c.body.User === 'string' && c.body.User !== '' ? c.body.User : undefined;
      const written: Array<[string, FakeFile]> = [];
      for (const entry of files) {
        const owner = archiveOwner(entry, user, options.copyUIDGID ?? false);
        if (!owner) throw new EngineApiError(`copy files to ${path} in`, `getent unable to find entry "${user}" in passwd database`, { kind: 'container', name: c.name }, 500);
        const file: FakeFile = { type: entry.type, content: entry.content, mode: entry.mode, ...owner, ...(entry.linkname ? { linkname: entry.linkname } : {}) };
        written.push([posix.join(path, entry.name), file]);
      }
      const fs = this.filesystems.get(c.id) ?? new Map<string, FakeFile>();
      for (const [p, file] of written) fs.set(p, file);
      this.filesystems.set(c.id, fs);
    });
  }

  /** Give image `id` the reference `ref`, taking it off any other image. */
  private setImage(id: string, ref: string, labels: Record<string, string>): void {
    for (const image of this.images.values()) {
      if (image.id !== id && image.repoTags.some((t) => sameTag(t, ref))) this.images.set(image.id, { ...image, repoTags: image.repoTags.filter((t) => !sameTag(t, ref)) });
    }
    const image = this.images.get(id);
    const repoTags = [...(image?.repoTags ?? []).filter((t) => !sameTag(t, ref)), ref];
    this.images.set(id, { id, repoTags, labels: image?.labels ?? Object.assign(Object.create(null) as Record<string, string>, labels) });
  }

  private checkRegistryAuth(operation: string, ref: string, authHeader: string | undefined): void {
    const expected = this.registryAuth.get(registryHost(ref));
    if (expected !== undefined && authHeader !== expected) {
      throw new RegistryAuthError(operation, 'unauthorized: authentication required', { kind: 'image', name: ref }, undefined);
    }
  }

  private buildSteps(tag: string, options: BuildImageOptions, dockerfile: string | undefined): DockerfileStep[] {
    if (options.remote !== undefined) return [{ instruction: `FROM ${options.remote}` }];
    if (dockerfile === undefined) {
      throw new BuildError(tag, { detail: `Cannot locate specified Dockerfile: ${options.dockerfile ?? 'Dockerfile'}`, output: [] }, 500);
    }
    const steps = dockerfileSteps(dockerfile);
    if (options.target === undefined) return steps;
    const upTo = stepsUpToTarget(steps, options.target);
    if (!upTo) throw new BuildError(tag, { detail: `failed to reach build target ${options.target} in Dockerfile`, output: [] }, 400);
    return upTo;
  }

  private runBuildSteps(tag: string, steps: readonly DockerfileStep[], onProgress?: (event: BuildProgressEvent) => void): void {
    const scripted = this.buildFailures.get(tag);
    const failure = scripted && scripted.remaining > 0 ? scripted.script : undefined;
    for (const [i, step] of steps.entries()) {
      onProgress?.({ type: 'step', step: i + 1, totalSteps: steps.length, instruction: step.instruction });
      if (failure?.step !== i + 1) continue;
      scripted!.remaining--;
      for (const line of failure.output ?? []) onProgress?.({ type: 'output', line });
      throw new BuildError(tag, {
        detail: failure.detail ?? `The command '/bin/sh -c ${step.instruction.replace(/^RUN\s+/i, '')}' returned a non-zero code: ${failure.commandExitCode ?? 1}`,
        step: `Step ${i + 1}/${steps.length} : ${step.instruction}`,
        commandExitCode: failure.commandExitCode ?? 1,
        output: [...(failure.output ?? [])],
      });
    }
  }

  events(options: EventOptions, signal?: AbortSignal): AsyncIterable<EngineEvent> {
    const gateway = this;
    const wanted = (e: EngineEvent): boolean =>
      (!options.types || options.types.includes(e.type)) &&
      (!options.labels || gateway.labelsMatch(e.attributes, options.labels)) &&
      (options.since === undefined || e.timeNano >= options.since * 1e9) &&
      (options.until === undefined || e.timeNano <= options.until * 1e9);
    return {
      [Symbol.asyncIterator](): AsyncIterator<EngineEvent> {
        const queue: EngineEvent[] = options.since !== undefined ? gateway.history.filter(wanted) : [];
        let ended = false;
        let failure: Error | undefined = gateway.eventsError;
        let notify: (() => void) | undefined;
        const wakeUp = () => {
          const n = notify;
          notify = undefined;
          n?.();
        };
        const subscriber: Subscriber = {
          options,
          push: (e) => {
            if (wanted(e)) {
              queue.push(e);
              wakeUp();
            }
          },
          fail: (error) => {
            failure = error;
            wakeUp();
          },
          end: () => {
            ended = true;
            wakeUp();
          },
        };
        const close = () => {
          ended = true;
          gateway.subscribers.delete(subscriber);
          wakeUp();
        };
        gateway.subscribers.add(subscriber);
        signal?.addEventListener('abort', close, { once: true });
        if (signal?.aborted) close();
        return {
          async next(): Promise<IteratorResult<EngineEvent>> {
            for (;;) {
              if (failure) {
                close();
                throw failure;
              }
              const e = queue.shift();
              if (e) return { value: e, done: false };
              if (ended) return { value: undefined, done: true };
              await new Promise<void>((resolve) => (notify = resolve));
            }
          },
          async return(): Promise<IteratorResult<EngineEvent>> {
            close();
            return { value: undefined, done: true };
          },
        };
      },
    };
  }
}

/** Errors the tests inject look like the gateway's own: typed, with a status code. */
export function engineError(operation: string, kind: 'container' | 'network' | 'volume', name: string, statusCode = 500): StackError {
  if (statusCode === 404) return new NotFoundError(operation, 'not found', { kind, name }, 404);
  if (statusCode === 409) return new ConflictError(operation, 'conflict', { kind, name }, 409);
  return new EngineApiError(operation, `engine said ${statusCode}`, { kind, name }, statusCode);
}

/** The registry host of a reference: its first component when that has a `.` or `:` or is `localhost`. */
function registryHost(ref: string): string {
  const first = ref.split('/')[0]!;
  return ref.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost') ? first : 'docker.io';
}

/** A build's id: its context entries and options (tags and credentials aside), like the build cache. */
/** `app` and `app:latest` name one image, as for the engine. */
function sameTag(a: string, b: string): boolean {
  const tagged = (r: string) => (r.includes('@') || r.slice(r.lastIndexOf('/') + 1).includes(':') ? r : `${r}:latest`);
  return tagged(a) === tagged(b);
}

function buildHash(files: readonly TarEntry[], options: BuildImageOptions): string {
  const hash = createHash('sha256');
  for (const f of [...files].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    hash.update(`${f.name}\0${f.type}\0${f.mode}\0${f.linkname ?? ''}\0`).update(f.content).update('\0');
  }
  const { tags: _tags, registryConfigHeader: _header, ...rest } = options;
  hash.update(JSON.stringify(rest));
  return hash.digest('hex');
}
