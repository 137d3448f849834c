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
  readonly startedAt?: string;
  readonly finishedAt?: string;
  readonly restartCount: number;
  readonly tty: boolean;
  readonly openStdin: boolean;
  readonly imageId: string;
  readonly pid: number;
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
