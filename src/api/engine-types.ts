// The Docker Engine API's data, in our own types: what we observe (containers, networks,
// volumes, images) and the request bodies we send (Engine API field names, so the pure planner
// can build them and the gateway passes them through). No behaviour here: the planner depends
// on these shapes without depending on the engine.

export type Labels = Readonly<Record<string, string>>;

export interface EngineInfo {
  /** Engine version, e.g. `20.10.24`. */
  readonly version: string;
  /** API version negotiated for this session, e.g. `1.41`. */
  readonly apiVersion: string;
  readonly os: string;
  readonly arch: string;
  /** CPUs the engine sees: the executor's default parallelism follows it. */
  readonly ncpu: number;
  /** Where we connected, for messages (`unix:///var/run/docker.sock`). */
  readonly endpoint: string;
  /** The engine's own identity (`ID` of GET /info): the same engine under any endpoint spelling. */
  readonly id?: string;
}

export type ContainerState = 'created' | 'running' | 'paused' | 'restarting' | 'removing' | 'exited' | 'dead';
export type HealthState = 'starting' | 'healthy' | 'unhealthy';

export interface ObservedMount {
  readonly type: string;
  /** Volume name for volume mounts. */
  readonly name?: string;
  /** Host path (bind) or volume mountpoint. */
  readonly source: string;
  readonly destination: string;
  readonly rw: boolean;
}

export interface ObservedEndpoint {
  readonly networkId: string;
  readonly ipv4Address?: string;
  readonly aliases: readonly string[];
}

export interface ObservedPort {
  readonly privatePort: number;
  readonly publicPort?: number;
  readonly ip?: string;
  readonly type: string;
}

/** What one filtered container list tells about a container (no inspect needed). */
export interface ObservedContainer {
  readonly id: string;
  /** Without the leading slash. */
  readonly name: string;
  readonly labels: Labels;
  readonly image: string;
  readonly imageId: string;
  readonly state: ContainerState;
  /** From the status text; undefined when the container has no healthcheck. */
  readonly health?: HealthState;
  /** From the status text of an exited container. */
  readonly exitCode?: number;
  /** The engine's status text, e.g. `Up 3 seconds (healthy)`. */
  readonly status: string;
  /** Unix seconds. */
  readonly created: number;
  /** By network name. */
  readonly networks: Readonly<Record<string, ObservedEndpoint>>;
  readonly mounts: readonly ObservedMount[];
  readonly ports: readonly ObservedPort[];
  /**
   * Precise engine times, from an inspect: observe reads them only for the containers whose
   * times the planner compares (see ContainerTimes). Absent for every other container.
   */
  readonly times?: ContainerTimes;
}

/**
 * When a container was created and last started, in microseconds since the epoch, by the
 * engine's clock (the list answer has only whole seconds of creation, and no start time).
 */
export interface ContainerTimes {
  readonly createdUs: number;
  /** Undefined when it never started. */
  readonly startedUs?: number;
}

export interface ObservedNetwork {
  readonly id: string;
  readonly name: string;
  readonly driver: string;
  readonly labels: Labels;
  readonly internal: boolean;
  readonly attachable: boolean;
  readonly enableIpv6: boolean;
  readonly options: Readonly<Record<string, string>>;
  readonly ipam: { readonly driver: string; readonly config: readonly Readonly<Record<string, string>>[] };
  readonly created: string;
}

export interface ObservedVolume {
  readonly name: string;
  readonly driver: string;
  readonly labels: Labels;
  readonly options: Readonly<Record<string, string>>;
  readonly mountpoint: string;
  readonly createdAt?: string;
}

export interface ObservedImage {
  readonly id: string;
  readonly repoTags: readonly string[];
  readonly labels: Labels;
  /** `name@sha256:...` references, for services that pin an image by digest. */
  readonly repoDigests?: readonly string[];
  /** ONBUILD instructions, which run in the builds FROM this image (inspect only, not lists). */
  readonly onBuild?: readonly string[];
  /** The names of the ENV the image sets (inspect only): they win over a build's ARGs of the same name. */
  readonly envNames?: readonly string[];
}

/** Detailed state from an inspect: what a list does not tell. */
export interface ContainerDetails {
  readonly id: string;
  readonly name: string;
  readonly labels: Labels;
  readonly state: ContainerState;
  readonly health?: HealthState;
  readonly exitCode: number;
  readonly oomKilled: boolean;
  /** RFC 3339 with nanoseconds, as the engine reports it. */
  readonly created?: string;
  readonly startedAt?: string;
  readonly finishedAt?: string;
  readonly restartCount: number;
  readonly tty: boolean;
  readonly openStdin: boolean;
  readonly imageId: string;
  readonly pid: number;
  /** `Config.User`: the service's `user`, else the image's USER; '' (root) when neither sets one. */
  readonly user?: string;
}

export interface ListFilter {
  /** `key` or `key=value` label filters, all of which must match. */
  readonly labels?: readonly string[];
  readonly names?: readonly string[];
}

/** Body of POST /containers/create, Docker Engine API field names. */
export interface ContainerCreateBody {
  readonly Image: string;
  readonly Cmd?: readonly string[] | null;
  readonly Entrypoint?: readonly string[] | null;
  readonly Env?: readonly string[];
  readonly Labels?: Labels;
  readonly WorkingDir?: string;
  readonly User?: string;
  readonly Hostname?: string;
  readonly Domainname?: string;
  readonly Tty?: boolean;
  readonly OpenStdin?: boolean;
  readonly StdinOnce?: boolean;
  readonly AttachStdin?: boolean;
  readonly AttachStdout?: boolean;
  readonly AttachStderr?: boolean;
  readonly ExposedPorts?: Readonly<Record<string, Record<string, never>>>;
  readonly StopSignal?: string;
  readonly StopTimeout?: number;
  readonly Healthcheck?: {
    readonly Test?: readonly string[];
    readonly Interval?: number;
    readonly Timeout?: number;
    readonly Retries?: number;
    readonly StartPeriod?: number;
    readonly StartInterval?: number;
  };
  readonly MacAddress?: string;
  readonly HostConfig?: Readonly<Record<string, unknown>>;
  readonly NetworkingConfig?: {
    readonly EndpointsConfig: Readonly<Record<string, EndpointConfig>>;
  };
}

export interface EndpointConfig {
  /**
   * The network's id, when known. The engine resolves a container's networks by name at
   * every start unless this is set, and a name two networks share is refused as ambiguous.
   */
  readonly NetworkID?: string;
  readonly Aliases?: readonly string[];
  readonly IPAMConfig?: { readonly IPv4Address?: string; readonly IPv6Address?: string; readonly LinkLocalIPs?: readonly string[] };
  readonly MacAddress?: string;
  readonly DriverOpts?: Readonly<Record<string, string>>;
  readonly GwPriority?: number;
}

/** Body of POST /networks/create. */
export interface NetworkCreateBody {
  readonly Name: string;
  readonly Driver?: string;
  readonly Internal?: boolean;
  readonly Attachable?: boolean;
  readonly EnableIPv6?: boolean;
  readonly Options?: Readonly<Record<string, string>>;
  readonly Labels?: Labels;
  readonly IPAM?: {
    readonly Driver?: string;
    readonly Config?: readonly Readonly<Record<string, unknown>>[];
    readonly Options?: Readonly<Record<string, string>>;
  };
  readonly CheckDuplicate?: boolean;
}

/** Body of POST /volumes/create. */
export interface VolumeCreateBody {
  readonly Name: string;
  readonly Driver?: string;
  readonly DriverOpts?: Readonly<Record<string, string>>;
  readonly Labels?: Labels;
}

// ---- images: build, push, pull; archives -------------------------------------------------

/**
 * Options of a classic-builder build (`POST /build`), one per Compose `build` attribute the
 * Engine API can do. Values arrive resolved: the gateway passes them through.
 */
export interface BuildImageOptions {
  /** Path of the Dockerfile inside the context (default `Dockerfile`). */
  readonly dockerfile?: string;
  /** `name:tag` references to give the built image (`t`, repeated). */
  readonly tags?: readonly string[];
  /** `null`: declared without a value (the engine then only warns when no ARG uses it). */
  readonly buildArgs?: Readonly<Record<string, string | null>>;
  readonly target?: string;
  readonly labels?: Readonly<Record<string, string>>;
  /** `network`: `default`, `host`, `none`, or a network name or id. */
  readonly networkMode?: string;
  /** `host:ip` entries (Compose's `host=ip` form must be turned into this before). */
  readonly extraHosts?: readonly string[];
  readonly shmSizeBytes?: number;
  /** Always try to pull a newer version of the base images. */
  readonly pull?: boolean;
  readonly noCache?: boolean;
  readonly cacheFrom?: readonly string[];
  readonly ulimits?: readonly { readonly name: string; readonly soft: number; readonly hard: number }[];
  readonly isolation?: string;
  /** One platform, `os/arch[/variant]`. */
  readonly platform?: string;
  /** A context the engine fetches itself (a git URL); the build then sends no tar. */
  readonly remote?: string;
  /** The `X-Registry-Config` header value, already encoded (credentials: never logged). */
  readonly registryConfigHeader?: string;
  /**
   * Remove the intermediate container of a failed step too (default true: a failed build
   * leaves nothing behind on the engine; the Docker CLI's default `--force-rm=false` keeps it).
   */
  readonly forceRemoveIntermediate?: boolean;
}

/** What a build reports while it runs (classic builder). */
export type BuildProgressEvent =
  /** `Step 3/5 : RUN make`. */
  | { readonly type: 'step'; readonly step: number; readonly totalSteps: number; readonly instruction: string }
  /** One line printed by the step's command (ANSI colours removed). */
  | { readonly type: 'output'; readonly line: string }
  /** One line of the builder's own (` ---> Running in 3f1e73b1d003`, `Successfully tagged ...`). */
  | { readonly type: 'builder'; readonly line: string }
  /** Progress of a base image pull or a remote context download. */
  | { readonly type: 'status'; readonly status: string; readonly id?: string; readonly current?: number; readonly total?: number };

/** What a push or a pull reports while it runs: per-layer status lines. */
export interface RegistryProgressEvent {
  readonly status: string;
  /** The layer (or tag) the line is about. */
  readonly id?: string;
  readonly current?: number;
  readonly total?: number;
}

export interface RegistryAuthOptions {
  /** The `X-Registry-Auth` header value, already encoded. Never logged, never in an error. */
  readonly authHeader?: string;
}

export interface PullImageOptions extends RegistryAuthOptions {
  readonly platform?: string;
}

export interface RemoveImageOptions {
  /** Keep untagged parent images (the engine's `noprune`). */
  readonly noPrune?: boolean;
  /** Remove even when a stopped container uses it, or it has several tags. */
  readonly force?: boolean;
}

export interface RemovedImage {
  readonly untagged: readonly string[];
  readonly deleted: readonly string[];
}

export interface PutArchiveOptions {
  /**
   * The engine's `copyUIDGID`. Measured on Docker 20.10: with no `User` in the container's
   * config the tar's own owners are kept; with a `User` the engine looks that user up in the
   * HOST's passwd database (moby#34142), so a name the host lacks, or any `user:group`, fails
   * with a 500 and a numeric uid without a host entry fails too. To give files the container
   * user's ownership reliably, write that uid/gid into the tar headers and leave this off.
   */
  readonly copyUIDGID?: boolean;
  /** Refuse to replace a directory with a non-directory or the reverse (`noOverwriteDirNonDir`). */
  readonly noOverwriteDirNonDir?: boolean;
}
