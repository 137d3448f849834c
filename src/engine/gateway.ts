// The engine, in our own types. `docker-gateway.ts` implements it over dockerode (the only
// file that imports dockerode); tests use an in-memory implementation. Request bodies keep
// the Docker Engine API's field names so that the planner can build them purely and the
// gateway passes them through unchanged.
//
// Errors: implementations throw the typed errors of `src/errors.ts` (NotFoundError,
// ConflictError, EngineApiError, EngineUnreachableError), chosen by HTTP status code; image
// calls add BuildError and RegistryAuthError, and mark retryable failures `transient`.

import type { Readable } from 'node:stream';
import type {
  EngineInfo,
  ObservedContainer,
  ObservedNetwork,
  ObservedVolume,
  ObservedImage,
  ContainerDetails,
  ListFilter,
  ContainerCreateBody,
  EndpointConfig,
  NetworkCreateBody,
  VolumeCreateBody,
  BuildImageOptions,
  BuildProgressEvent,
  PullImageOptions,
  PutArchiveOptions,
  RegistryAuthOptions,
  RegistryProgressEvent,
  RemovedImage,
  RemoveImageOptions,
} from '../api/engine-types.js';
// The data shapes stay importable from here for the engine's own modules.
export type * from '../api/engine-types.js';

export interface LogOptions {
  readonly follow: boolean;
  readonly stdout?: boolean;
  readonly stderr?: boolean;
  /** Unix seconds (fractions allowed). */
  readonly since?: number;
  readonly until?: number;
  readonly tail?: number | 'all';
  readonly timestamps?: boolean;
}

export interface EngineEvent {
  readonly type: string;
  readonly action: string;
  readonly id: string;
  readonly attributes: Readonly<Record<string, string>>;
  /** Nanoseconds since the epoch. */
  readonly timeNano: number;
}

export interface EventOptions {
  /** Unix seconds. */
  readonly since?: number;
  readonly until?: number;
  readonly labels?: readonly string[];
  readonly types?: readonly string[];
}

export interface ExecOptions {
  readonly cmd: readonly string[];
  readonly env?: readonly string[];
  readonly user?: string;
  readonly workingDir?: string;
  readonly tty: boolean;
  readonly attachStdin: boolean;
  readonly privileged?: boolean;
  /** [rows, cols] of the TTY from the start (API 1.42+ engines; older ones ignore it and get a resize once it runs). */
  readonly consoleSize?: readonly [number, number];
}

/** A bidirectional stream to a container process (attach or exec). */
export interface ProcessStream {
  /** Raw stream; multiplexed unless tty. */
  readonly stream: NodeJS.ReadWriteStream;
  readonly tty: boolean;
}

export interface EngineGateway {
  info(signal?: AbortSignal): Promise<EngineInfo>;

  listContainers(filter: ListFilter, options?: { all?: boolean; signal?: AbortSignal }): Promise<ObservedContainer[]>;
  inspectContainer(idOrName: string, signal?: AbortSignal): Promise<ContainerDetails>;
  createContainer(name: string, body: ContainerCreateBody, signal?: AbortSignal): Promise<string>;
  startContainer(id: string, signal?: AbortSignal): Promise<void>;
  /** `timeoutSeconds` before the engine kills; undefined uses the container's StopTimeout. */
  stopContainer(id: string, timeoutSeconds?: number, signal?: AbortSignal): Promise<void>;
  restartContainer(id: string, timeoutSeconds?: number, signal?: AbortSignal): Promise<void>;
  killContainer(id: string, killSignal?: string, signal?: AbortSignal): Promise<void>;
  removeContainer(id: string, options: { force?: boolean; removeAnonymousVolumes?: boolean }, signal?: AbortSignal): Promise<void>;
  renameContainer(id: string, newName: string, signal?: AbortSignal): Promise<void>;
  pauseContainer(id: string, signal?: AbortSignal): Promise<void>;
  unpauseContainer(id: string, signal?: AbortSignal): Promise<void>;
  /** Resolves with the exit code when the container stops. No deadline. */
  waitContainer(id: string, condition?: 'not-running' | 'next-exit' | 'removed', signal?: AbortSignal): Promise<number>;
  topContainer(id: string, psArgs?: string, signal?: AbortSignal): Promise<{ titles: string[]; processes: string[][] }>;
  /** Raw log stream (multiplexed unless the container has a TTY). No idle deadline. */
  logs(id: string, options: LogOptions, signal?: AbortSignal): Promise<Readable>;
  /** Attach to a container's stdio (before start, for `run`). */
  attachContainer(id: string, options: { stdin: boolean; logs?: boolean }, signal?: AbortSignal): Promise<ProcessStream>;
  resizeContainerTty?(id: string, rows: number, cols: number): Promise<void>;

  exec(containerId: string, options: ExecOptions, signal?: AbortSignal): Promise<{ execId: string; stream: ProcessStream }>;
  execExitCode(execId: string, signal?: AbortSignal): Promise<number | undefined>;
  resizeExecTty?(execId: string, rows: number, cols: number): Promise<void>;

  listNetworks(filter: ListFilter, signal?: AbortSignal): Promise<ObservedNetwork[]>;
  inspectNetwork(idOrName: string, signal?: AbortSignal): Promise<ObservedNetwork & { containers: readonly string[] }>;
  createNetwork(body: NetworkCreateBody, signal?: AbortSignal): Promise<string>;
  removeNetwork(idOrName: string, signal?: AbortSignal): Promise<void>;
  connectNetwork(network: string, containerId: string, endpoint: EndpointConfig, signal?: AbortSignal): Promise<void>;
  disconnectNetwork(network: string, containerId: string, force: boolean, signal?: AbortSignal): Promise<void>;

  listVolumes(filter: ListFilter, signal?: AbortSignal): Promise<ObservedVolume[]>;
  inspectVolume(name: string, signal?: AbortSignal): Promise<ObservedVolume>;
  createVolume(body: VolumeCreateBody, signal?: AbortSignal): Promise<ObservedVolume>;
  removeVolume(name: string, signal?: AbortSignal): Promise<void>;

  inspectImage(ref: string, signal?: AbortSignal): Promise<ObservedImage>;
  listImages(filter: ListFilter, signal?: AbortSignal): Promise<ObservedImage[]>;
  /**
   * Pull an image (optional: not every engine target can pull). Resolves when the pull is
   * complete; a failure reported inside the progress stream is an error too. No deadline.
   * Refused credentials: RegistryAuthError; no such image: NotFoundError; a registry that
   * cannot be reached: EngineApiError with `transient`.
   */
  pullImage?(ref: string, options: PullImageOptions, onProgress?: (event: RegistryProgressEvent) => void, signal?: AbortSignal): Promise<void>;
  /** Push `ref` (`registry/name:tag`) to its registry; errors typed as for pullImage. No deadline. */
  pushImage(ref: string, options: RegistryAuthOptions, onProgress?: (event: RegistryProgressEvent) => void, signal?: AbortSignal): Promise<{ digest?: string }>;
  /**
   * Build an image with the classic builder from a context tar (or `options.remote` with a
   * null context). A failing step is a BuildError naming the step and its last output lines.
   * No deadline.
   */
  buildImage(context: Readable | null, options: BuildImageOptions, onProgress?: (event: BuildProgressEvent) => void, signal?: AbortSignal): Promise<{ imageId: string }>;
  /** Give `source` (a reference or an id) the reference `repo:tag` too. */
  tagImage(source: string, repo: string, tag: string, signal?: AbortSignal): Promise<void>;
  /** Remove a reference (and the image once no reference is left). ConflictError while in use. */
  removeImage(ref: string, options?: RemoveImageOptions, signal?: AbortSignal): Promise<RemovedImage>;

  /**
   * Extract a tar into a container's filesystem at `path` (an existing directory), whatever
   * the container's state. Cannot delete. No deadline beyond the stream.
   */
  putArchive(containerId: string, path: string, tar: Readable, options?: PutArchiveOptions, signal?: AbortSignal): Promise<void>;
  /**
   * A tar of `path` (a file or a directory) in a container's filesystem, whatever the
   * container's state (watch reads /etc/passwd and /etc/group through it to learn the uid and
   * gid of the container's user). NotFoundError when the path does not exist.
   */
  getArchive(containerId: string, path: string, signal?: AbortSignal): Promise<Readable>;

  /** A stream of engine events; ends when the engine restarts (callers reconnect with `since`). */
  events(options: EventOptions, signal?: AbortSignal): AsyncIterable<EngineEvent>;
}
