// `EngineGateway` over the Docker Engine HTTP API, through dockerode (see modem-transport.ts
// for what we keep out of docker-modem's hands, and `loadDockerode` for how it loads cheaply).
// The one place where HTTP status codes become typed errors, and where deadlines are set:
//   - ordinary calls get a per-call deadline (AbortSignal, 30 s by default);
//   - streams (events, logs, wait, attach, exec) get none: an idle timer would kill a quiet
//     `logs -f` or a long `wait` (the docker-modem trap in TRAPS.md);
//   - the API version is negotiated once: min(server's, ours), never below the server's
//     minimum, and every later path is versioned with it. It comes from GET /_ping's
//     API-Version header (unversioned, like the Docker CLI does it): GET /version costs
//     60-300 ms on this engine because dockerd runs `runc --version` and `docker-init
//     --version` to answer it, /_ping 1-35 ms. /version is asked only when the engine speaks
//     a newer API than ours (then its minimum may be above ours) or the ping says nothing.
//   - GET /info (100-300 ms here) is asked at most once per gateway and cached.

import { createRequire } from 'node:module';
import type { Readable } from 'node:stream';
import {
  BuildError,
  ConflictError,
  EngineApiError,
  EngineUnreachableError,
  InternalError,
  NotFoundError,
  RegistryAuthError,
  type BuildFailure,
  type ResourceKind,
} from '../errors.js';
import { BuildStreamReader } from './build-stream.js';
import { classifyRegistryMessage, RegistryStreamReader, type RegistryFailureKind } from './registry-stream.js';
import type { Endpoint } from './endpoint.js';
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
  ObservedEndpoint,
  ObservedImage,
  ObservedMount,
  ObservedNetwork,
  ObservedPort,
  ObservedVolume,
  ProcessStream,
  VolumeCreateBody,
} from './gateway.js';
import { parseJsonLines } from './json-lines.js';
import type { SwarmGateway } from './swarm-gateway.js';
import type { ObservedNode, ObservedService, ObservedSwarmFile, ObservedTask, ServiceSpecBody, SwarmFileCreateBody, SwarmInfo, TaskFilter } from '../api/swarm-types.js';
import { toObservedNode, toObservedService, toObservedSwarmFile, toObservedTask, toSwarmInfo, type RawNode, type RawService, type RawSwarmFile, type RawSwarmInfo, type RawTask } from './swarm-wire.js';
import { connectionFailureOf, explainPlainHttpToTls, explainUnreachable } from './unreachable-cause.js';
import { ModemTransport, TransportError, type BufferedResponse, type DockerodeConstructor, type Query, type TransportOptions, type TransportRequest } from './modem-transport.js';

/**
 * dockerode, from the bundle `npm run build` makes (scripts/bundle-dockerode.mjs): the package
 * itself costs ~0.2 s of start-up to load, mostly ssh2 and grpc/protobufjs that only ssh://
 * through the modem and BuildKit sessions use; in the bundle they load on first use. Without
 * that bundle (a bare `tsc` build) the package is loaded as it is: slower, same code.
 *
 * In the CLI bundle (scripts/bundle-cli.mjs) the vendored require below becomes the copy of
 * dockerode bundled into the CLI itself, which the V8 code cache then covers like the rest.
 */
function loadDockerode(): DockerodeConstructor {
  const require = createRequire(import.meta.url);
  try {
    return require('../../vendor/dockerode.cjs') as DockerodeConstructor;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') throw e;
    return require('dockerode') as DockerodeConstructor;
  }
}

/** The newest API version this code knows. Newer engines are spoken to at this version. */
export const MAX_API_VERSION = '1.47';
export const DEFAULT_CALL_TIMEOUT_MS = 30_000;
/**
 * The deadline of the first call to an endpoint (GET /_ping). An engine answers a ping in
 * milliseconds even when busy (1-35 ms here, under 0.2 s at a load of 10 on two cores); a
 * socket that accepts and then says nothing is not an engine we can use, and the user should
 * hear so in seconds (exit 69), not after the 30 s of an ordinary call.
 */
export const FIRST_CONTACT_TIMEOUT_MS = 5_000;

export interface DockerGatewayOptions {
  /** Receives one line per engine call (`--debug`). Never receives bodies: they may hold secrets. */
  readonly debug?: (line: string) => void;
  readonly callTimeoutMs?: number;
  readonly transport?: TransportOptions;
}

/** Who the error is about, for messages: `create container demo-web-1 failed: ...`. */
interface Subject {
  readonly operation: string;
  readonly resource?: { kind: ResourceKind; name: string };
}

type Method = TransportRequest['method'];

interface CallSpec {
  readonly method: Method;
  /** Unversioned path: `/containers/json`. */
  readonly path: string;
  readonly query?: Query;
  readonly body?: unknown;
  /** Milliseconds; `null` = no deadline (waits). Default: the gateway's call timeout. */
  readonly timeoutMs?: number | null;
  /** Statuses that are not errors beyond 2xx (304 on start/stop: already in that state). */
  readonly alsoOk?: readonly number[];
  /** A streamed request body (a tar), instead of `body`. */
  readonly bodyStream?: Readable;
  /** Request headers; may hold credentials (the transport keeps them from the modem's logs). */
  readonly headers?: Readonly<Record<string, string>>;
  /** The first call to the endpoint: no answer in time means no usable engine there (exit 69). */
  readonly firstContact?: boolean;
}

/** Turns a non-2xx answer into a typed error: `classify`, or a call's own (registry calls). */
type Classifier = (subject: Subject, statusCode: number, body: Buffer) => EngineApiError;

export function compareApiVersions(a: string, b: string): number {
  const [aMajor = 0, aMinor = 0] = a.split('.').map(Number);
  const [bMajor = 0, bMinor = 0] = b.split('.').map(Number);
  return aMajor !== bMajor ? aMajor - bMajor : aMinor - bMinor;
}

/** min(server, ours); refuses when that is below the server's minimum. */
export function negotiateApiVersion(server: { ApiVersion?: string; MinAPIVersion?: string }, endpoint: string): string {
  const serverMax = server.ApiVersion ?? MAX_API_VERSION;
  const chosen = compareApiVersions(serverMax, MAX_API_VERSION) < 0 ? serverMax : MAX_API_VERSION;
  if (server.MinAPIVersion && compareApiVersions(chosen, server.MinAPIVersion) < 0) {
    throw new EngineApiError(
      'negotiate API version with',
      `the engine at ${endpoint} requires API ${server.MinAPIVersion} or newer; stack speaks at most ${MAX_API_VERSION}`,
      { kind: 'engine', name: endpoint },
    );
  }
  return chosen;
}

export class DockerGateway implements EngineGateway, SwarmGateway {
  /** How every call reaches the engine: dockerode's modem. */
  readonly transport: ModemTransport;
  private readonly callTimeoutMs: number;
  private version?: { api: string; engine: string; os: string; arch: string };

  constructor(
    readonly endpoint: Endpoint,
    private readonly options: DockerGatewayOptions = {},
  ) {
    this.transport = new ModemTransport(endpoint, loadDockerode(), options.transport);
    this.callTimeoutMs = options.callTimeoutMs ?? DEFAULT_CALL_TIMEOUT_MS;
  }

  /** The negotiated API version (after `negotiate`). */
  get apiVersion(): string | undefined {
    return this.version?.api;
  }

  /**
   * Picks the API version for every later call; also the reachability check of `openGateway`.
   * Unversioned paths: the only ones every engine answers before a version is chosen.
   */
  async negotiate(signal?: AbortSignal): Promise<string> {
    const subject: Subject = { operation: 'connect to', resource: { kind: 'engine', name: this.endpoint.url } };
    const firstContact = { firstContact: true, timeoutMs: Math.min(this.callTimeoutMs, FIRST_CONTACT_TIMEOUT_MS) };
    const ping = await this.callRaw(subject, { method: 'GET', path: '/_ping', ...firstContact }, signal, false).catch((e: unknown) => {
      // Every engine answers GET /_ping with 200. A 400 to plain HTTP on tcp is a TLS port
      // (Go's TLS server answers plain HTTP that way, whatever the path): unreachable as
      // configured, exit 69 with the hint to turn TLS on, not "an operation failed" (issue 14).
      if (e instanceof EngineApiError && e.statusCode === 400 && this.endpoint.kind === 'tcp' && !this.endpoint.tls) {
        const { cause, hint } = explainPlainHttpToTls(this.endpoint);
        throw new EngineUnreachableError(this.endpoint.url, cause, { hint, cause: e });
      }
      throw e;
    });
    const header = (name: string): string | undefined => {
      const v = ping.headers[name];
      return Array.isArray(v) ? v[0] : v;
    };
    const pingApi = header('api-version');
    const engine = /^Docker\/([^ ]+)/.exec(header('server') ?? '')?.[1] ?? 'unknown';
    const os = header('ostype') ?? 'unknown';
    if (pingApi && compareApiVersions(pingApi, MAX_API_VERSION) <= 0) {
      this.version = { api: pingApi, engine, os, arch: 'unknown' };
      return pingApi;
    }
    const v = await this.call<{ ApiVersion?: string; MinAPIVersion?: string; Version?: string; Os?: string; Arch?: string }>(
      { operation: 'get version of', resource: { kind: 'engine', name: this.endpoint.url } },
      { method: 'GET', path: '/version', ...firstContact },
      signal,
      false,
    );
    const api = negotiateApiVersion(v, this.endpoint.url);
    this.version = { api, engine: v.Version ?? engine, os: v.Os ?? os, arch: v.Arch ?? 'unknown' };
    return api;
  }

  private cachedInfo?: Promise<EngineInfo>;

  /** Asked once per gateway (GET /info is slow) and cached; a failure is not cached. */
  info(signal?: AbortSignal): Promise<EngineInfo> {
    this.cachedInfo ??= this.fetchInfo(signal).catch((e: unknown) => {
      this.cachedInfo = undefined;
      throw e;
    });
    return this.cachedInfo;
  }

  private async fetchInfo(signal?: AbortSignal): Promise<EngineInfo> {
    if (!this.version) await this.negotiate(signal);
    const i = await this.call<{ ID?: string; NCPU?: number; OSType?: string; Architecture?: string; ServerVersion?: string }>(
      { operation: 'get info of', resource: { kind: 'engine', name: this.endpoint.url } },
      { method: 'GET', path: '/info' },
      signal,
    );
    return {
      version: i.ServerVersion ?? this.version!.engine,
      apiVersion: this.version!.api,
      os: i.OSType ?? this.version!.os,
      arch: i.Architecture ?? this.version!.arch,
      ncpu: i.NCPU ?? 1,
      endpoint: this.endpoint.url,
      ...(i.ID ? { id: i.ID } : {}),
    };
  }

  // ---- containers -------------------------------------------------------------------------

  async listContainers(filter: ListFilter, options: { all?: boolean; signal?: AbortSignal } = {}): Promise<ObservedContainer[]> {
    const raw = await this.call<RawContainer[]>(
      { operation: 'list containers' },
      { method: 'GET', path: '/containers/json', query: { all: options.all ?? false, filters: engineFilters(filter) } },
      options.signal,
    );
    const wanted = filter.names ? new Set(filter.names) : undefined;
    return raw.map(toObservedContainer).filter((c) => !wanted || wanted.has(c.name));
  }

  async inspectContainer(idOrName: string, signal?: AbortSignal): Promise<ContainerDetails> {
    const raw = await this.call<RawContainerInspect>(
      { operation: 'inspect', resource: { kind: 'container', name: idOrName } },
      { method: 'GET', path: `/containers/${enc(idOrName)}/json` },
      signal,
    );
    return toContainerDetails(raw);
  }

  async createContainer(name: string, body: ContainerCreateBody, signal?: AbortSignal): Promise<string> {
    const r = await this.call<{ Id: string }>(
      { operation: 'create', resource: { kind: 'container', name } },
      { method: 'POST', path: '/containers/create', query: { name }, body },
      signal,
    );
    return r.Id;
  }

  async startContainer(id: string, signal?: AbortSignal): Promise<void> {
    await this.call({ operation: 'start', resource: { kind: 'container', name: id } }, { method: 'POST', path: `/containers/${enc(id)}/start`, alsoOk: [304] }, signal);
  }

  async stopContainer(id: string, timeoutSeconds?: number, signal?: AbortSignal): Promise<void> {
    await this.call(
      { operation: 'stop', resource: { kind: 'container', name: id } },
      { method: 'POST', path: `/containers/${enc(id)}/stop`, query: { t: timeoutSeconds }, alsoOk: [304], timeoutMs: this.graceDeadline(timeoutSeconds) },
      signal,
    );
  }

  async restartContainer(id: string, timeoutSeconds?: number, signal?: AbortSignal): Promise<void> {
    await this.call(
      { operation: 'restart', resource: { kind: 'container', name: id } },
      { method: 'POST', path: `/containers/${enc(id)}/restart`, query: { t: timeoutSeconds }, timeoutMs: this.graceDeadline(timeoutSeconds) },
      signal,
    );
  }

  async killContainer(id: string, killSignal?: string, signal?: AbortSignal): Promise<void> {
    await this.call({ operation: 'kill', resource: { kind: 'container', name: id } }, { method: 'POST', path: `/containers/${enc(id)}/kill`, query: { signal: killSignal } }, signal);
  }

  async removeContainer(id: string, options: { force?: boolean; removeAnonymousVolumes?: boolean }, signal?: AbortSignal): Promise<void> {
    await this.call(
      { operation: 'remove', resource: { kind: 'container', name: id } },
      { method: 'DELETE', path: `/containers/${enc(id)}`, query: { force: options.force ?? false, v: options.removeAnonymousVolumes ?? false } },
      signal,
    );
  }

  async renameContainer(id: string, newName: string, signal?: AbortSignal): Promise<void> {
    await this.call({ operation: `rename (to ${newName})`, resource: { kind: 'container', name: id } }, { method: 'POST', path: `/containers/${enc(id)}/rename`, query: { name: newName } }, signal);
  }

  async pauseContainer(id: string, signal?: AbortSignal): Promise<void> {
    await this.call({ operation: 'pause', resource: { kind: 'container', name: id } }, { method: 'POST', path: `/containers/${enc(id)}/pause` }, signal);
  }

  async unpauseContainer(id: string, signal?: AbortSignal): Promise<void> {
    await this.call({ operation: 'unpause', resource: { kind: 'container', name: id } }, { method: 'POST', path: `/containers/${enc(id)}/unpause` }, signal);
  }

  async waitContainer(id: string, condition: 'not-running' | 'next-exit' | 'removed' = 'not-running', signal?: AbortSignal): Promise<number> {
    const r = await this.call<{ StatusCode: number; Error?: { Message?: string } | null }>(
      { operation: 'wait for', resource: { kind: 'container', name: id } },
      { method: 'POST', path: `/containers/${enc(id)}/wait`, query: { condition }, timeoutMs: null },
      signal,
    );
    return r.StatusCode;
  }

  async topContainer(id: string, psArgs?: string, signal?: AbortSignal): Promise<{ titles: string[]; processes: string[][] }> {
    const r = await this.call<{ Titles?: string[]; Processes?: string[][] }>(
      { operation: 'list processes of', resource: { kind: 'container', name: id } },
      { method: 'GET', path: `/containers/${enc(id)}/top`, query: { ps_args: psArgs } },
      signal,
    );
    return { titles: r.Titles ?? [], processes: r.Processes ?? [] };
  }

  /** Always a stream, follow or not (the engine streams both; dockerode buffered the latter). */
  async logs(id: string, options: LogOptions, signal?: AbortSignal): Promise<Readable> {
    return this.openStream(
      { operation: 'read logs of', resource: { kind: 'container', name: id } },
      {
        method: 'GET',
        path: `/containers/${enc(id)}/logs`,
        query: {
          follow: options.follow,
          stdout: options.stdout ?? true,
          stderr: options.stderr ?? true,
          since: options.since === undefined ? undefined : unixTime(options.since),
          until: options.until === undefined ? undefined : unixTime(options.until),
          tail: options.tail === undefined ? undefined : String(options.tail),
          timestamps: options.timestamps ?? false,
        },
      },
      signal,
    );
  }

  async attachContainer(id: string, options: { stdin: boolean; logs?: boolean }, signal?: AbortSignal): Promise<ProcessStream> {
    // The caller needs to know whether the stream is multiplexed: that is the container's Tty.
    const details = await this.inspectContainer(id, signal);
    const socket = await this.openUpgrade(
      { operation: 'attach to', resource: { kind: 'container', name: id } },
      {
        method: 'POST',
        path: `/containers/${enc(id)}/attach`,
        query: { stream: true, stdin: options.stdin, stdout: true, stderr: true, logs: options.logs ?? false },
      },
      signal,
    );
    return { stream: socket, tty: details.tty };
  }

  async resizeContainerTty(id: string, rows: number, cols: number): Promise<void> {
    await this.call({ operation: 'resize the terminal of', resource: { kind: 'container', name: id } }, { method: 'POST', path: `/containers/${enc(id)}/resize`, query: { h: rows, w: cols } }, undefined);
  }

  async exec(containerId: string, options: ExecOptions, signal?: AbortSignal): Promise<{ execId: string; stream: ProcessStream }> {
    const subject: Subject = { operation: 'exec in', resource: { kind: 'container', name: containerId } };
    const created = await this.call<{ Id: string }>(
      subject,
      {
        method: 'POST',
        path: `/containers/${enc(containerId)}/exec`,
        body: {
          AttachStdin: options.attachStdin,
          AttachStdout: true,
          AttachStderr: true,
          Tty: options.tty,
          Cmd: options.cmd,
          ...(options.env ? { Env: options.env } : {}),
          ...(options.user ? { User: options.user } : {}),
          ...(options.workingDir ? { WorkingDir: options.workingDir } : {}),
          Privileged: options.privileged ?? false,
          ...(options.consoleSize ? { ConsoleSize: options.consoleSize } : {}),
        },
      },
      signal,
    );
    const socket = await this.openUpgrade(
      { operation: 'start exec', resource: { kind: 'exec', name: created.Id } },
      { method: 'POST', path: `/exec/${enc(created.Id)}/start`, body: { Detach: false, Tty: options.tty } },
      signal,
    );
    return { execId: created.Id, stream: { stream: socket, tty: options.tty } };
  }

  async resizeExecTty(execId: string, rows: number, cols: number): Promise<void> {
    await this.call({ operation: 'resize the terminal of', resource: { kind: 'exec', name: execId } }, { method: 'POST', path: `/exec/${enc(execId)}/resize`, query: { h: rows, w: cols } }, undefined);
  }

  async execExitCode(execId: string, signal?: AbortSignal): Promise<number | undefined> {
    const r = await this.call<{ ExitCode?: number | null; Running?: boolean }>(
      { operation: 'inspect', resource: { kind: 'exec', name: execId } },
      { method: 'GET', path: `/exec/${enc(execId)}/json` },
      signal,
    );
    return r.Running || r.ExitCode === null || r.ExitCode === undefined ? undefined : r.ExitCode;
  }

  // ---- networks ---------------------------------------------------------------------------

  async listNetworks(filter: ListFilter, signal?: AbortSignal): Promise<ObservedNetwork[]> {
    const raw = await this.call<RawNetwork[]>({ operation: 'list networks' }, { method: 'GET', path: '/networks', query: { filters: engineFilters(filter) } }, signal);
    const wanted = filter.names ? new Set(filter.names) : undefined;
    return raw.map(toObservedNetwork).filter((n) => !wanted || wanted.has(n.name));
  }

  async inspectNetwork(idOrName: string, signal?: AbortSignal): Promise<ObservedNetwork & { containers: readonly string[] }> {
    const raw = await this.call<RawNetwork>({ operation: 'inspect', resource: { kind: 'network', name: idOrName } }, { method: 'GET', path: `/networks/${enc(idOrName)}` }, signal);
    return { ...toObservedNetwork(raw), containers: Object.keys(raw.Containers ?? {}) };
  }

  async createNetwork(body: NetworkCreateBody, signal?: AbortSignal): Promise<string> {
    const r = await this.call<{ Id: string }>({ operation: 'create', resource: { kind: 'network', name: body.Name } }, { method: 'POST', path: '/networks/create', body }, signal);
    return r.Id;
  }

  async removeNetwork(idOrName: string, signal?: AbortSignal): Promise<void> {
    await this.call({ operation: 'remove', resource: { kind: 'network', name: idOrName } }, { method: 'DELETE', path: `/networks/${enc(idOrName)}` }, signal);
  }

  async connectNetwork(network: string, containerId: string, endpoint: EndpointConfig, signal?: AbortSignal): Promise<void> {
    await this.call(
      { operation: `connect container ${containerId} to`, resource: { kind: 'network', name: network } },
      { method: 'POST', path: `/networks/${enc(network)}/connect`, body: { Container: containerId, EndpointConfig: endpoint } },
      signal,
    );
  }

  async disconnectNetwork(network: string, containerId: string, force: boolean, signal?: AbortSignal): Promise<void> {
    await this.call(
      { operation: `disconnect container ${containerId} from`, resource: { kind: 'network', name: network } },
      { method: 'POST', path: `/networks/${enc(network)}/disconnect`, body: { Container: containerId, Force: force } },
      signal,
    );
  }

  // ---- volumes ----------------------------------------------------------------------------

  async listVolumes(filter: ListFilter, signal?: AbortSignal): Promise<ObservedVolume[]> {
    const raw = await this.call<{ Volumes?: RawVolume[] | null }>({ operation: 'list volumes' }, { method: 'GET', path: '/volumes', query: { filters: engineFilters(filter) } }, signal);
    const wanted = filter.names ? new Set(filter.names) : undefined;
    return (raw.Volumes ?? []).map(toObservedVolume).filter((v) => !wanted || wanted.has(v.name));
  }

  async inspectVolume(name: string, signal?: AbortSignal): Promise<ObservedVolume> {
    return toObservedVolume(await this.call<RawVolume>({ operation: 'inspect', resource: { kind: 'volume', name } }, { method: 'GET', path: `/volumes/${enc(name)}` }, signal));
  }

  async createVolume(body: VolumeCreateBody, signal?: AbortSignal): Promise<ObservedVolume> {
    return toObservedVolume(await this.call<RawVolume>({ operation: 'create', resource: { kind: 'volume', name: body.Name } }, { method: 'POST', path: '/volumes/create', body }, signal));
  }

  async removeVolume(name: string, signal?: AbortSignal): Promise<void> {
    await this.call({ operation: 'remove', resource: { kind: 'volume', name } }, { method: 'DELETE', path: `/volumes/${enc(name)}` }, signal);
  }

  // ---- images -----------------------------------------------------------------------------

  async inspectImage(ref: string, signal?: AbortSignal): Promise<ObservedImage> {
    // Image references contain `/` and `:` and the engine routes `/images/{name:.*}/json`: keep them.
    const raw = await this.call<RawImage>({ operation: 'inspect', resource: { kind: 'image', name: ref } }, { method: 'GET', path: `/images/${encodeURI(ref)}/json` }, signal);
    const onBuild = raw.Config?.OnBuild ?? [];
    const envNames = (raw.Config?.Env ?? []).map((pair) => pair.slice(0, pair.indexOf('=') >= 0 ? pair.indexOf('=') : pair.length));
    return {
      id: raw.Id,
      repoTags: raw.RepoTags ?? [],
      labels: labelsOf(raw.Config?.Labels ?? raw.Labels),
      repoDigests: raw.RepoDigests ?? [],
      ...(onBuild.length > 0 ? { onBuild } : {}),
      ...(envNames.length > 0 ? { envNames } : {}),
    };
  }

  /** `names` are image references (the engine's `reference` filter, OR-ed). */
  async listImages(filter: ListFilter, signal?: AbortSignal): Promise<ObservedImage[]> {
    const filters: Record<string, string[]> = {};
    if (filter.labels?.length) filters.label = [...filter.labels];
    if (filter.names?.length) filters.reference = [...filter.names];
    const raw = await this.call<RawImage[]>({ operation: 'list images' }, { method: 'GET', path: '/images/json', query: { filters } }, signal);
    return raw.map((i) => ({ id: i.Id, repoTags: i.RepoTags ?? [], labels: labelsOf(i.Labels), repoDigests: i.RepoDigests ?? [] }));
  }

  /**
   * A classic-builder build (`POST /build`, API builder version 1), which every engine has.
   * BuildKit (`version=2`) was tried on this Docker 20.10 through dockerode's own buildImage:
   * 20 sequential and 3 x 4 parallel builds of a tar context all finished, none hung, about
   * 25% faster in parallel; but it needs a gRPC session served by the client (dockerode's
   * serves only Auth, and loads grpc-js and protobufjs), and its progress comes as base64
   * protobuf messages, so it is left out until a build needs what only BuildKit does.
   * `context` is the tar of the build context, or null with
   * `options.remote` (the engine fetches a git URL itself). The gateway consumes the context
   * and destroys it when the build fails early. A failure the engine reports inside its 200
   * stream (a failing step, a base image it cannot get) is a BuildError naming the step and the
   * last output lines. No deadline: builds are slow; abort with the signal.
   */
  async buildImage(
    context: Readable | null,
    options: BuildImageOptions,
    onProgress?: (event: BuildProgressEvent) => void,
    signal?: AbortSignal,
  ): Promise<{ imageId: string }> {
    const image = options.tags?.[0] ?? '(untagged)';
    const subject: Subject = { operation: 'build', resource: { kind: 'image', name: image } };
    if ((context === null) === (options.remote === undefined)) {
      throw new InternalError('buildImage needs either a context tar or options.remote, not both or neither');
    }
    // An error of the context's own producer (an unreadable file) is the cause, not the engine.
    let contextError: unknown;
    context?.once('error', (e) => (contextError = e));
    let stream: Readable;
    try {
      stream = await this.openStream(
        subject,
        {
          method: 'POST',
          path: '/build',
          query: buildQuery(options),
          ...(context ? { bodyStream: context } : {}),
          ...(options.registryConfigHeader ? { headers: { 'X-Registry-Config': options.registryConfigHeader } } : {}),
        },
        signal,
        (_subject, statusCode, body) => new BuildError(image, { detail: engineMessage(body) ?? `HTTP ${statusCode}`, output: [] }, statusCode),
      );
    } catch (e) {
      if (context && !context.readableEnded) context.destroy();
      throw contextError ?? e;
    }
    const reader = new BuildStreamReader(onProgress);
    await this.readProgress(subject, stream, (m) => reader.accept(m), signal);
    const outcome = reader.finish();
    if (!outcome.ok) throw new BuildError(image, outcome.failure, undefined, { transient: isTransientBuildFailure(outcome.failure) });
    return { imageId: outcome.imageId };
  }

  /** `POST /images/{source}/tag`: `source` (a reference or an id) gets `repo:tag` too. */
  async tagImage(source: string, repo: string, tag: string, signal?: AbortSignal): Promise<void> {
    await this.call(
      { operation: `tag (as ${repo}:${tag})`, resource: { kind: 'image', name: source } },
      { method: 'POST', path: `/images/${encodeURI(source)}/tag`, query: { repo, tag } },
      signal,
    );
  }

  /** `DELETE /images/{ref}`: 409 ConflictError while a container uses it (without `force`). */
  async removeImage(ref: string, options: RemoveImageOptions = {}, signal?: AbortSignal): Promise<RemovedImage> {
    const r = await this.call<{ Untagged?: string; Deleted?: string }[] | undefined>(
      { operation: 'remove', resource: { kind: 'image', name: ref } },
      { method: 'DELETE', path: `/images/${encodeURI(ref)}`, query: { force: options.force ?? false, noprune: options.noPrune ?? false } },
      signal,
    );
    const untagged: string[] = [];
    const deleted: string[] = [];
    for (const entry of r ?? []) {
      if (entry.Untagged) untagged.push(entry.Untagged);
      if (entry.Deleted) deleted.push(entry.Deleted);
    }
    return { untagged, deleted };
  }

  /**
   * `POST /images/{name}/push`. The engine answers 200 and reports failures inside the progress
   * stream: refused credentials are a RegistryAuthError, a missing image a NotFoundError, a
   * registry that cannot be reached a transient EngineApiError. No deadline.
   */
  async pushImage(
    ref: string,
    options: RegistryAuthOptions = {},
    onProgress?: (event: RegistryProgressEvent) => void,
    signal?: AbortSignal,
  ): Promise<{ digest?: string }> {
    const subject: Subject = { operation: 'push', resource: { kind: 'image', name: ref } };
    const { name, tag } = splitReference(ref);
    // Docker 20.10 refuses a push without the header (400 "missing X-Registry-Auth"): `{}` is
    // "no credentials".
    const outcome = await this.followRegistryStream(
      subject,
      { method: 'POST', path: `/images/${encodeURI(name)}/push`, query: { tag }, headers: { 'X-Registry-Auth': options.authHeader ?? EMPTY_AUTH } },
      onProgress,
      signal,
    );
    return outcome.digest ? { digest: outcome.digest } : {};
  }

  /**
   * `POST /images/create`. Failures come as a status code before the stream starts (404 for
   * an unknown tag, 500 for refused credentials or an unreachable registry) or inside it; both
   * are typed as for pushImage. No deadline: pulls are slow.
   */
  async pullImage(ref: string, options: PullImageOptions = {}, onProgress?: (event: RegistryProgressEvent) => void, signal?: AbortSignal): Promise<void> {
    const subject: Subject = { operation: 'pull', resource: { kind: 'image', name: ref } };
    const { name, tag } = splitReference(ref);
    await this.followRegistryStream(
      subject,
      {
        method: 'POST',
        path: '/images/create',
        query: { fromImage: name, tag, platform: options.platform },
        ...(options.authHeader ? { headers: { 'X-Registry-Auth': options.authHeader } } : {}),
      },
      onProgress,
      signal,
    );
  }

  private async followRegistryStream(
    subject: Subject,
    spec: CallSpec,
    onProgress: ((event: RegistryProgressEvent) => void) | undefined,
    signal: AbortSignal | undefined,
  ): Promise<{ digest?: string }> {
    const stream = await this.openStream(subject, spec, signal, classifyRegistryAnswer);
    const reader = new RegistryStreamReader(onProgress);
    await this.readProgress(subject, stream, (m) => reader.accept(m), signal);
    const outcome = reader.finish();
    if (!outcome.ok) throw registryFailure(subject, outcome.message);
    return outcome;
  }

  /** Reads a JSON progress stream to its end; a stream cut short is a transient failure. */
  private async readProgress(subject: Subject, stream: Readable, accept: (message: unknown) => void, signal: AbortSignal | undefined): Promise<void> {
    try {
      for await (const message of parseJsonLines(stream)) accept(message);
    } catch (e) {
      if (signal?.aborted) throw signal.reason ?? e;
      const transient = !(e instanceof SyntaxError);
      throw new EngineApiError(subject.operation, `the progress stream broke: ${(e as Error).message}`, subject.resource, undefined, { cause: e, transient });
    } finally {
      stream.destroy();
    }
  }

  // ---- archives ---------------------------------------------------------------------------

  /**
   * `PUT /containers/{id}/archive`: extracts `tar` at `path` (a directory that exists) in the
   * container's filesystem, running or not (also a created or exited container, and with no
   * tar or shell in the image). It cannot delete. The engine answers once it has read the
   * whole tar: no deadline beyond the stream; abort with the signal. See PutArchiveOptions
   * for what `copyUIDGID` really does.
   */
  async putArchive(containerId: string, path: string, tar: Readable, options: PutArchiveOptions = {}, signal?: AbortSignal): Promise<void> {
    let tarError: unknown;
    tar.once('error', (e) => (tarError = e));
    try {
      await this.call(
        { operation: `copy files to ${path} in`, resource: { kind: 'container', name: containerId } },
        {
          method: 'PUT',
          path: `/containers/${enc(containerId)}/archive`,
          query: { path, copyUIDGID: options.copyUIDGID || undefined, noOverwriteDirNonDir: options.noOverwriteDirNonDir || undefined },
          bodyStream: tar,
          timeoutMs: null,
        },
        signal,
      );
    } catch (e) {
      if (!tar.readableEnded) tar.destroy();
      throw tarError ?? e;
    }
  }

  /**
   * `GET /containers/{id}/archive`: a tar of `path` (a file or a directory) in the container's
   * filesystem, whatever the container's state. A path that does not exist is a NotFoundError.
   * Read the stream to its end or destroy it.
   */
  async getArchive(containerId: string, path: string, signal?: AbortSignal): Promise<Readable> {
    return this.openStream(
      { operation: `read ${path} from`, resource: { kind: 'container', name: containerId } },
      { method: 'GET', path: `/containers/${enc(containerId)}/archive`, query: { path } },
      signal,
    );
  }

  // ---- events -----------------------------------------------------------------------------

  /**
   * Newline-delimited JSON, one event per line; a line may arrive split across chunks. The
   * request is sent when iteration starts: pass `since` to not miss what happens before.
   */
  events(options: EventOptions, signal?: AbortSignal): AsyncIterable<EngineEvent> {
    const filters: Record<string, string[]> = {};
    if (options.labels?.length) filters.label = [...options.labels];
    if (options.types?.length) filters.type = [...options.types];
    const spec: CallSpec = {
      method: 'GET',
      path: '/events',
      query: {
        since: options.since === undefined ? undefined : unixTime(options.since),
        until: options.until === undefined ? undefined : unixTime(options.until),
        filters,
      },
    };
    const open = (): Promise<Readable> => this.openStream({ operation: 'follow events of', resource: { kind: 'engine', name: this.endpoint.url } }, spec, signal);
    return { [Symbol.asyncIterator]: () => readEvents(open, signal) };
  }

  // ---- swarm (swarm-gateway.ts) -------------------------------------------------------------

  async swarmInfo(signal?: AbortSignal): Promise<SwarmInfo> {
    if (!this.version) await this.negotiate(signal);
    const i = await this.call<{ Swarm?: RawSwarmInfo }>({ operation: 'get swarm state of', resource: { kind: 'engine', name: this.endpoint.url } }, { method: 'GET', path: '/info' }, signal);
    return toSwarmInfo(i.Swarm);
  }

  async listServices(filter: ListFilter, signal?: AbortSignal): Promise<ObservedService[]> {
    const raw = await this.call<RawService[]>({ operation: 'list services' }, { method: 'GET', path: '/services', query: { status: true, filters: engineFilters(filter) } }, signal);
    const wanted = filter.names ? new Set(filter.names) : undefined;
    return raw.map(toObservedService).filter((s) => !wanted || wanted.has(s.name));
  }

  async createService(body: ServiceSpecBody, signal?: AbortSignal): Promise<string> {
    const r = await this.call<{ ID: string }>({ operation: 'create', resource: { kind: 'service', name: body.Name } }, { method: 'POST', path: '/services/create', body }, signal);
    return r.ID;
  }

  async updateService(id: string, version: number, body: ServiceSpecBody, signal?: AbortSignal): Promise<{ warnings: string[] }> {
    const r = await this.call<{ Warnings?: string[] | null }>(
      { operation: 'update', resource: { kind: 'service', name: body.Name } },
      { method: 'POST', path: `/services/${enc(id)}/update`, query: { version }, body },
      signal,
    );
    return { warnings: r?.Warnings ?? [] };
  }

  async removeService(id: string, signal?: AbortSignal): Promise<void> {
    await this.call({ operation: 'remove', resource: { kind: 'service', name: id } }, { method: 'DELETE', path: `/services/${enc(id)}` }, signal);
  }

  async serviceLogs(id: string, options: LogOptions, signal?: AbortSignal): Promise<Readable> {
    return this.openStream(
      { operation: 'read logs of', resource: { kind: 'service', name: id } },
      {
        method: 'GET',
        path: `/services/${enc(id)}/logs`,
        query: {
          follow: options.follow,
          stdout: options.stdout ?? true,
          stderr: options.stderr ?? true,
          since: options.since === undefined ? undefined : unixTime(options.since),
          tail: options.tail === undefined ? undefined : String(options.tail),
          timestamps: options.timestamps ?? false,
          // Each line then starts with the task and node it came from (swarm/logs.ts reads them).
          details: true,
        },
      },
      signal,
    );
  }

  async listTasks(filter: TaskFilter, signal?: AbortSignal): Promise<ObservedTask[]> {
    const filters: Record<string, string[]> = {};
    if (filter.services?.length) filters.service = [...filter.services];
    if (filter.desiredState) filters['desired-state'] = [filter.desiredState];
    const raw = await this.call<RawTask[]>({ operation: 'list tasks' }, { method: 'GET', path: '/tasks', query: { filters } }, signal);
    return raw.map(toObservedTask);
  }

  async listNodes(signal?: AbortSignal): Promise<ObservedNode[]> {
    return (await this.call<RawNode[]>({ operation: 'list nodes' }, { method: 'GET', path: '/nodes' }, signal)).map(toObservedNode);
  }

  listConfigs(filter: ListFilter, signal?: AbortSignal): Promise<ObservedSwarmFile[]> {
    return this.listSwarmFiles('configs', filter, signal);
  }

  listSecrets(filter: ListFilter, signal?: AbortSignal): Promise<ObservedSwarmFile[]> {
    return this.listSwarmFiles('secrets', filter, signal);
  }

  async createConfig(body: SwarmFileCreateBody, signal?: AbortSignal): Promise<string> {
    return (await this.call<{ ID: string }>({ operation: 'create', resource: { kind: 'config', name: body.Name } }, { method: 'POST', path: '/configs/create', body }, signal)).ID;
  }

  async createSecret(body: SwarmFileCreateBody, signal?: AbortSignal): Promise<string> {
    return (await this.call<{ ID: string }>({ operation: 'create', resource: { kind: 'secret', name: body.Name } }, { method: 'POST', path: '/secrets/create', body }, signal)).ID;
  }

  async removeConfig(id: string, signal?: AbortSignal): Promise<void> {
    await this.call({ operation: 'remove', resource: { kind: 'config', name: id } }, { method: 'DELETE', path: `/configs/${enc(id)}` }, signal);
  }

  async removeSecret(id: string, signal?: AbortSignal): Promise<void> {
    await this.call({ operation: 'remove', resource: { kind: 'secret', name: id } }, { method: 'DELETE', path: `/secrets/${enc(id)}` }, signal);
  }

  /** A failure to reach a registry is not an error here: the caller deploys the reference as written. */
  async resolveImageDigest(ref: string, signal?: AbortSignal): Promise<string | undefined> {
    try {
      const r = await this.call<{ Descriptor?: { digest?: string } }>(
        { operation: 'resolve', resource: { kind: 'image', name: ref } },
        { method: 'GET', path: `/distribution/${encodeURI(ref)}/json` },
        signal,
      );
      return r.Descriptor?.digest;
    } catch (e) {
      if (e instanceof EngineApiError && !signal?.aborted) return undefined;
      throw e;
    }
  }

  private async listSwarmFiles(kind: 'configs' | 'secrets', filter: ListFilter, signal?: AbortSignal): Promise<ObservedSwarmFile[]> {
    const raw = await this.call<RawSwarmFile[]>({ operation: `list ${kind}` }, { method: 'GET', path: `/${kind}`, query: { filters: engineFilters(filter) } }, signal);
    const wanted = filter.names ? new Set(filter.names) : undefined;
    return raw.map(toObservedSwarmFile).filter((f) => !wanted || wanted.has(f.name));
  }

  // ---- plumbing ---------------------------------------------------------------------------

  private graceDeadline(timeoutSeconds: number | undefined): number | null {
    // The engine answers a stop after at most the grace period; unknown grace → no deadline.
    return timeoutSeconds === undefined ? null : timeoutSeconds * 1000 + this.callTimeoutMs;
  }

  private versioned(path: string): string {
    return this.version ? `/v${this.version.api}${path}` : path;
  }

  private async call<T = unknown>(subject: Subject, spec: CallSpec, signal: AbortSignal | undefined, versioned = true): Promise<T> {
    const res = await this.callRaw(subject, spec, signal, versioned);
    if (res.body.length === 0) return undefined as T;
    try {
      return JSON.parse(res.body.toString('utf8')) as T;
    } catch {
      return res.body.toString('utf8') as T;
    }
  }

  /** One buffered call: deadline, trace, and status-code classification. */
  private async callRaw(subject: Subject, spec: CallSpec, signal: AbortSignal | undefined, versioned = true): Promise<BufferedResponse> {
    const { signal: combined, deadline } = this.deadline(spec.timeoutMs, signal);
    const started = Date.now();
    const path = versioned ? this.versioned(spec.path) : spec.path;
    let res: BufferedResponse | undefined;
    try {
      // A call without a deadline (a wait) may hold its connection for long: over ssh it never
      // queues behind other calls, nor they behind it.
      const long = spec.timeoutMs === null;
      res = await this.transport.request({ method: spec.method, path, ...requestParts(spec), ...(combined ? { signal: combined } : {}), ...(long ? { long } : {}) });
    } catch (e) {
      throw this.failure(subject, e, signal, deadline, spec);
    } finally {
      this.trace(spec.method, path, res?.statusCode, started);
    }
    const ok = (res.statusCode >= 200 && res.statusCode < 300) || (spec.alsoOk?.includes(res.statusCode) ?? false);
    if (!ok) throw classify(subject, res.statusCode, res.body);
    return res;
  }

  private async openStream(subject: Subject, spec: CallSpec, signal: AbortSignal | undefined, classifier: Classifier = classify): Promise<Readable> {
    const path = this.versioned(spec.path);
    const started = Date.now();
    let res;
    try {
      res = await this.transport.stream({ method: spec.method, path, ...requestParts(spec), ...(signal ? { signal } : {}) });
    } catch (e) {
      throw this.failure(subject, e, signal, undefined, { timeoutMs: null });
    } finally {
      this.trace(spec.method, path, res?.statusCode, started);
    }
    if (!res.ok) throw classifier(subject, res.statusCode, res.body);
    return res.stream;
  }

  private async openUpgrade(subject: Subject, spec: CallSpec, signal: AbortSignal | undefined): Promise<NodeJS.ReadWriteStream> {
    const path = this.versioned(spec.path);
    const started = Date.now();
    let res;
    try {
      res = await this.transport.upgrade({ method: spec.method, path, ...(spec.query ? { query: spec.query } : {}), ...(spec.body !== undefined ? { body: spec.body } : {}), ...(signal ? { signal } : {}) });
    } catch (e) {
      throw this.failure(subject, e, signal, undefined, { timeoutMs: null });
    } finally {
      this.trace(spec.method, path, res?.statusCode, started);
    }
    if (!res.ok) throw classify(subject, res.statusCode, res.body);
    return res.socket;
  }

  private deadline(timeoutMs: number | null | undefined, signal: AbortSignal | undefined): { signal?: AbortSignal; deadline?: AbortSignal } {
    const ms = timeoutMs === undefined ? this.callTimeoutMs : timeoutMs;
    if (ms === null) return signal ? { signal } : {};
    const deadline = AbortSignal.timeout(ms);
    return { signal: signal ? AbortSignal.any([signal, deadline]) : deadline, deadline };
  }

  /** A failure without an HTTP answer: the caller's abort, our deadline, or no engine. */
  private failure(subject: Subject, e: unknown, signal: AbortSignal | undefined, deadline: AbortSignal | undefined, spec: Pick<CallSpec, 'timeoutMs' | 'firstContact'>): unknown {
    if (!(e instanceof TransportError)) return e;
    if (signal?.aborted) return signal.reason ?? e;
    if (deadline?.aborted) {
      const seconds = Math.max(1, Math.round((spec.timeoutMs ?? this.callTimeoutMs) / 1000));
      if (spec.firstContact) {
        return new EngineUnreachableError(this.endpoint.url, `something accepted the connection but did not answer within ${seconds} s`, {
          hint: 'check that DOCKER_HOST / --host / --context point at a Docker engine, and that the engine is not hung (restart it)',
          cause: e,
        });
      }
      return new EngineApiError(subject.operation, `the engine did not answer within ${seconds} s`, subject.resource, undefined, { cause: e });
    }
    const { cause, hint } = explainUnreachable(connectionFailureOf(e), this.endpoint);
    return new EngineUnreachableError(this.endpoint.url, cause, { hint, cause: e });
  }

  private trace(method: string, path: string, status: number | undefined, started: number): void {
    this.options.debug?.(`engine ${method} ${path} → ${status ?? 'no answer'} (${Date.now() - started} ms)`);
  }
}

/** The parts of a call that the transport sends besides method, path and signal. */
function requestParts(spec: CallSpec): Pick<TransportRequest, 'query' | 'body' | 'bodyStream' | 'headers'> {
  return {
    ...(spec.query ? { query: spec.query } : {}),
    ...(spec.body !== undefined ? { body: spec.body } : {}),
    ...(spec.bodyStream ? { bodyStream: spec.bodyStream } : {}),
    ...(spec.headers ? { headers: spec.headers } : {}),
  };
}

/** Status code → typed error. Never the message text: `reason` is often missing (409 on create). */
export function classify(subject: Subject, statusCode: number, body: Buffer): EngineApiError {
  const detail = engineMessage(body) ?? `HTTP ${statusCode}`;
  if (statusCode === 404) return new NotFoundError(subject.operation, detail, subject.resource, statusCode);
  if (statusCode === 409) return new ConflictError(subject.operation, detail, subject.resource, statusCode);
  return new EngineApiError(subject.operation, detail, subject.resource, statusCode);
}

function engineMessage(body: Buffer): string | undefined {
  const text = body.toString('utf8').trim();
  if (text === '') return undefined;
  try {
    const parsed = JSON.parse(text) as { message?: unknown };
    if (typeof parsed.message === 'string') return parsed.message.trim();
  } catch {
    // plain-text error bodies exist (proxies, old engines)
  }
  return text.slice(0, 500);
}

/** `fromImage` and `tag` for a pull: `localhost:5000/app:1` → (`localhost:5000/app`, `1`); digests stay whole. */
export function splitReference(ref: string): { name: string; tag?: string } {
  if (ref.includes('@')) return { name: ref };
  const colon = ref.lastIndexOf(':');
  if (colon > ref.lastIndexOf('/')) return { name: ref.slice(0, colon), tag: ref.slice(colon + 1) };
  return { name: ref, tag: 'latest' };
}

/** `{}`, base64: the X-Registry-Auth of an anonymous push. */
const EMPTY_AUTH = 'e30=';

/** The query of `POST /build` (API 1.41 names; see moby's api/server/router/build). */
export function buildQuery(o: BuildImageOptions): Query {
  return {
    dockerfile: o.dockerfile,
    t: o.tags?.length ? [...o.tags] : undefined,
    remote: o.remote,
    buildargs: o.buildArgs ? { ...o.buildArgs } : undefined,
    target: o.target,
    labels: o.labels ? { ...o.labels } : undefined,
    networkmode: o.networkMode,
    extrahosts: o.extraHosts?.length ? [...o.extraHosts] : undefined,
    shmsize: o.shmSizeBytes,
    pull: o.pull || undefined,
    nocache: o.noCache || undefined,
    // A JSON array in one parameter, unlike `t` and `extrahosts`.
    cachefrom: o.cacheFrom?.length ? JSON.stringify(o.cacheFrom) : undefined,
    ulimits: o.ulimits?.length ? JSON.stringify(o.ulimits.map((u) => ({ Name: u.name, Soft: u.soft, Hard: u.hard }))) : undefined,
    isolation: o.isolation,
    platform: o.platform,
    rm: true,
    forcerm: o.forceRemoveIntermediate ?? true,
  };
}

/** A build that failed getting something (a base image) rather than running a step may pass when tried again. */
function isTransientBuildFailure(failure: BuildFailure): boolean {
  return failure.commandExitCode === undefined && classifyRegistryMessage(failure.detail) === 'transient';
}

/** A push or pull answered with an error status. See registry-stream.ts for why 500 needs the message. */
function classifyRegistryAnswer(subject: Subject, statusCode: number, body: Buffer): EngineApiError {
  const detail = engineMessage(body) ?? `HTTP ${statusCode}`;
  if (statusCode === 404) return new NotFoundError(subject.operation, detail, subject.resource, statusCode);
  if (statusCode === 401 || statusCode === 403) return registryFailure(subject, detail, statusCode, 'auth');
  if (statusCode === 500) return registryFailure(subject, detail, statusCode);
  return new EngineApiError(subject.operation, detail, subject.resource, statusCode, { transient: statusCode >= 502 && statusCode <= 504 });
}

/** A registry failure the engine could only describe in words. */
function registryFailure(subject: Subject, detail: string, statusCode?: number, kind: RegistryFailureKind = classifyRegistryMessage(detail)): EngineApiError {
  switch (kind) {
    case 'auth':
      return new RegistryAuthError(subject.operation, detail, subject.resource, statusCode, {
        hint: 'the registry refused the credentials: check them (docker login, or the auths / credential helper of the Docker config)',
      });
    case 'not-found':
      return new NotFoundError(subject.operation, detail, subject.resource, statusCode, /pull access denied/i.test(detail) ? { hint: 'if the image is private, log in to its registry' } : {});
    case 'transient':
      return new EngineApiError(subject.operation, detail, subject.resource, statusCode, { transient: true });
    case 'other':
      return new EngineApiError(subject.operation, detail, subject.resource, statusCode);
  }
}

function enc(segment: string): string {
  return encodeURIComponent(segment);
}

/** Unix seconds with fractions, as the engine's `since`/`until` want them (`seconds.nanos`). */
function unixTime(seconds: number): string {
  return Number.isInteger(seconds) ? String(seconds) : seconds.toFixed(9);
}

/**
 * The engine's `name` filter is a regular expression matched anywhere in the name (`web`
 * matches `/app-web-1`): anchor and escape it. Callers still get an exact post-filter.
 */
/**
 * Only label filters go to the engine. Names are matched here, exactly, by the list methods:
 * the engine treats every `name` filter value as a regular expression that it compiles again
 * for every object it lists (twice per container, with and without the leading slash), so a
 * list by N names costs O(objects x N) compilations. At 100 services that one call took 177 ms
 * on an idle engine and most of a no-op `up` on a busy one (issue 5), where an unfiltered list
 * of the same engine takes ~12 ms.
 */
function engineFilters(filter: ListFilter): Record<string, string[]> {
  const filters: Record<string, string[]> = {};
  if (filter.labels?.length) filters.label = [...filter.labels];
  return filters;
}

export { parseJsonLines } from './json-lines.js';

// ---- engine JSON → our types -----------------------------------------------------------------

interface RawContainer {
  Id: string;
  Names?: string[];
  Image?: string;
  ImageID?: string;
  Created?: number;
  Labels?: Record<string, string> | null;
  State?: string;
  Status?: string;
  Ports?: { IP?: string; PrivatePort: number; PublicPort?: number; Type?: string }[] | null;
  NetworkSettings?: { Networks?: Record<string, { NetworkID?: string; IPAddress?: string; Aliases?: string[] | null }> | null };
  Mounts?: { Type?: string; Name?: string; Source?: string; Destination?: string; RW?: boolean }[] | null;
}

interface RawContainerInspect {
  Id: string;
  Name?: string;
  Created?: string;
  Image?: string;
  RestartCount?: number;
  Config?: { Labels?: Record<string, string> | null; Tty?: boolean; OpenStdin?: boolean; User?: string };
  State?: {
    Status?: string;
    ExitCode?: number;
    OOMKilled?: boolean;
    StartedAt?: string;
    FinishedAt?: string;
    Pid?: number;
    Health?: { Status?: string } | null;
  };
}

interface RawNetwork {
  Id: string;
  Name: string;
  Driver?: string;
  Created?: string;
  Labels?: Record<string, string> | null;
  Internal?: boolean;
  Attachable?: boolean;
  EnableIPv6?: boolean;
  Options?: Record<string, string> | null;
  IPAM?: { Driver?: string; Config?: Record<string, string>[] | null } | null;
  Containers?: Record<string, unknown> | null;
}

interface RawVolume {
  Name: string;
  Driver?: string;
  Labels?: Record<string, string> | null;
  Options?: Record<string, string> | null;
  Mountpoint?: string;
  CreatedAt?: string;
}

interface RawImage {
  Id: string;
  RepoTags?: string[] | null;
  RepoDigests?: string[] | null;
  Labels?: Record<string, string> | null;
  Config?: { Labels?: Record<string, string> | null; OnBuild?: string[] | null; Env?: string[] | null };
}

/** Health and exit code from the status text of a list entry: `Up 3 seconds (healthy)`, `Exited (3) 2 seconds ago`. */
export function parseStatusText(status: string): { health?: HealthState; exitCode?: number } {
  const out: { health?: HealthState; exitCode?: number } = {};
  if (/\(health: starting\)/.test(status)) out.health = 'starting';
  else if (/\(unhealthy\)/.test(status)) out.health = 'unhealthy';
  else if (/\(healthy\)/.test(status)) out.health = 'healthy';
  const exit = /^(?:Exited|Restarting) \((-?\d+)\)/.exec(status);
  if (exit) out.exitCode = Number(exit[1]);
  return out;
}

const STATES: readonly ContainerState[] = ['created', 'running', 'paused', 'restarting', 'removing', 'exited', 'dead'];
function toState(state: string | undefined): ContainerState {
  const s = (state ?? '').toLowerCase() as ContainerState;
  return STATES.includes(s) ? s : 'dead';
}

function labelsOf(labels: Record<string, string> | null | undefined): Record<string, string> {
  // Null prototype: label keys are user data (TRAPS: `__proto__`).
  return Object.assign(Object.create(null) as Record<string, string>, labels ?? {});
}

function toObservedContainer(c: RawContainer): ObservedContainer {
  const status = c.Status ?? '';
  const networks = Object.create(null) as Record<string, ObservedEndpoint>;
  for (const [name, n] of Object.entries(c.NetworkSettings?.Networks ?? {})) {
    networks[name] = { networkId: n.NetworkID ?? '', ...(n.IPAddress ? { ipv4Address: n.IPAddress } : {}), aliases: n.Aliases ?? [] };
  }
  const mounts: ObservedMount[] = (c.Mounts ?? []).map((m) => ({
    type: m.Type ?? 'volume',
    ...(m.Name ? { name: m.Name } : {}),
    source: m.Source ?? '',
    destination: m.Destination ?? '',
    rw: m.RW ?? true,
  }));
  const ports: ObservedPort[] = (c.Ports ?? []).map((p) => ({
    privatePort: p.PrivatePort,
    ...(p.PublicPort !== undefined ? { publicPort: p.PublicPort } : {}),
    ...(p.IP ? { ip: p.IP } : {}),
    type: p.Type ?? 'tcp',
  }));
  return {
    id: c.Id,
    name: (c.Names?.[0] ?? '').replace(/^\//, ''),
    labels: labelsOf(c.Labels),
    image: c.Image ?? '',
    imageId: c.ImageID ?? '',
    state: toState(c.State),
    ...parseStatusText(status),
    status,
    created: c.Created ?? 0,
    networks,
    mounts,
    ports,
  };
}

function toContainerDetails(c: RawContainerInspect): ContainerDetails {
  const health = c.State?.Health?.Status;
  return {
    id: c.Id,
    name: (c.Name ?? '').replace(/^\//, ''),
    labels: labelsOf(c.Config?.Labels),
    state: toState(c.State?.Status),
    ...(health === 'starting' || health === 'healthy' || health === 'unhealthy' ? { health } : {}),
    exitCode: c.State?.ExitCode ?? 0,
    oomKilled: c.State?.OOMKilled ?? false,
    ...(c.Created ? { created: c.Created } : {}),
    ...(c.State?.StartedAt && !c.State.StartedAt.startsWith('0001-') ? { startedAt: c.State.StartedAt } : {}),
    ...(c.State?.FinishedAt && !c.State.FinishedAt.startsWith('0001-') ? { finishedAt: c.State.FinishedAt } : {}),
    restartCount: c.RestartCount ?? 0,
    tty: c.Config?.Tty ?? false,
    openStdin: c.Config?.OpenStdin ?? false,
    imageId: c.Image ?? '',
    pid: c.State?.Pid ?? 0,
    user: c.Config?.User ?? '',
  };
}

function toObservedNetwork(n: RawNetwork): ObservedNetwork {
  return {
    id: n.Id,
    name: n.Name,
    driver: n.Driver ?? '',
    labels: labelsOf(n.Labels),
    internal: n.Internal ?? false,
    attachable: n.Attachable ?? false,
    enableIpv6: n.EnableIPv6 ?? false,
    options: labelsOf(n.Options),
    ipam: { driver: n.IPAM?.Driver ?? 'default', config: n.IPAM?.Config ?? [] },
    created: n.Created ?? '',
  };
}

function toObservedVolume(v: RawVolume): ObservedVolume {
  return {
    name: v.Name,
    driver: v.Driver ?? 'local',
    labels: labelsOf(v.Labels),
    options: labelsOf(v.Options),
    mountpoint: v.Mountpoint ?? '',
    ...(v.CreatedAt ? { createdAt: v.CreatedAt } : {}),
  };
}

interface RawEvent {
  Type?: string;
  Action?: string;
  status?: string;
  id?: string;
  Actor?: { ID?: string; Attributes?: Record<string, string> | null };
  time?: number;
  timeNano?: number;
}

export function toEngineEvent(e: RawEvent): EngineEvent {
  return {
    type: e.Type ?? 'container',
    action: e.Action ?? e.status ?? '',
    id: e.Actor?.ID ?? e.id ?? '',
    attributes: labelsOf(e.Actor?.Attributes),
    timeNano: e.timeNano ?? (e.time ?? 0) * 1e9,
  };
}

async function* readEvents(open: () => Promise<Readable>, signal: AbortSignal | undefined): AsyncGenerator<EngineEvent> {
  const stream = await open();
  try {
    for await (const raw of parseJsonLines(stream)) yield toEngineEvent(raw as RawEvent);
  } catch (e) {
    // Aborting is how a caller stops following: end quietly. So does a connection the engine
    // dropped (a daemon restart): the interface says the iterable ends, callers reconnect.
    if (signal?.aborted || !(e instanceof SyntaxError)) return;
    throw e;
  } finally {
    stream.destroy();
  }
}
