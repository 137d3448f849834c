// The normalised, typed stack model: what the user asked for, in long syntax only, with
// defaults applied and paths absolute. Everything is readonly; the loader freezes it.
//
// User-keyed maps are `Dict`s: null-prototype objects (see `dict()`), so a service or
// variable called `__proto__` is plain data. They serialise with JSON.stringify as-is.

import type { SourceLocation } from '../errors.js';

export type Dict<T> = Readonly<Record<string, T>>;

/** Finds where a node of the merged document came from: `["services","web","ports",0]`. */
export type Locator = (path: readonly (string | number)[]) => SourceLocation | undefined;

/** A fresh null-prototype object for user-keyed data. */
export function dict<T>(entries?: Iterable<readonly [string, T]>): Record<string, T> {
  const out = Object.create(null) as Record<string, T>;
  if (entries) for (const [k, v] of entries) out[k] = v;
  return out;
}

/** Durations are kept in nanoseconds, the unit of the Docker Engine API. */
export type Nanoseconds = number;
/** Intervals stack measures itself (not sent to the engine) are kept in milliseconds. */
export type Milliseconds = number;
/** Sizes are kept in bytes. */
export type Bytes = number;

export interface StackModel {
  readonly projectName: string;
  /** Absolute path; relative paths in the file resolve against it. */
  readonly projectDirectory: string;
  /** Absolute paths of the files that were merged, in order (`-` for stdin). */
  readonly configFiles: readonly string[];
  /** Enabled services only (profiles applied), by name. */
  readonly services: Dict<ServiceSpec>;
  /** Services declared but disabled by profiles: never orphans, never started. */
  readonly disabledServices: readonly string[];
  readonly networks: Dict<NetworkSpec>;
  readonly volumes: Dict<VolumeSpec>;
  readonly secrets: Dict<SecretSpec>;
  readonly configs: Dict<ConfigSpec>;
  /** Every profile named by any service. */
  readonly profiles: readonly string[];
  /** Profiles that were enabled for this load. */
  readonly activeProfiles: readonly string[];
  /**
   * The fields that hold secrets, as dotted paths of this model (`services.web.environment.TOKEN`,
   * `services.web.image`, `configs.app.content`): see sensitive.ts for the rules. Renderers
   * hide these fields, and nothing else.
   */
  readonly sensitivePaths: readonly string[];
  /**
   * Every value the sensitive fields hold, and the secrets themselves: free text stack does
   * not build (an engine's error message) is redacted with these. Never used to hide names.
   */
  readonly sensitiveValues: readonly string[];
  /**
   * Values that are secrets wherever they appear (values of variables whose names look
   * secret, secret contents, values under secret-looking keys): safe to hunt for in any text,
   * names and operation ids included.
   */
  readonly secretValues: readonly string[];
  /**
   * True when a value came from outside the stack files (the environment, an env file, an
   * inline secret): such a model is never written to the model cache.
   */
  readonly holdsOutsideValues: boolean;
  /** Non-fatal findings (unset variables, deprecated keys...), each said once. */
  readonly warnings: readonly ModelWarning[];
  /** Top-level extension fields (`x-*`), kept for `config` output. */
  readonly extensions: Dict<unknown>;
}

export interface ModelWarning {
  readonly message: string;
  readonly path?: string;
  readonly location?: SourceLocation;
}

export type DependencyCondition = 'service_started' | 'service_healthy' | 'service_completed_successfully';

export interface DependsOnSpec {
  readonly condition: DependencyCondition;
  /** Restart this service when the dependency is recreated/restarted by stack. */
  readonly restart: boolean;
  /** When false, a missing or disabled dependency is tolerated with a warning. */
  readonly required: boolean;
  /** True for dependencies implied by links, volumes_from or network_mode: service:x. */
  readonly implicit: boolean;
}

export interface PortSpec {
  /** Container port. */
  readonly target: number;
  /** Host port or range (`"8080"`, `"8000-8010"`); undefined lets the engine choose. */
  readonly published?: string;
  /** Host IP to bind; undefined means all interfaces (the engine default). */
  readonly hostIp?: string;
  readonly protocol: 'tcp' | 'udp' | 'sctp';
  readonly mode: 'ingress' | 'host';
  readonly name?: string;
  readonly appProtocol?: string;
}

export type MountType = 'volume' | 'bind' | 'tmpfs' | 'npipe' | 'cluster' | 'image';

export interface MountSpec {
  readonly type: MountType;
  /**
   * volume: the key in top-level `volumes` (named) or undefined (anonymous);
   * bind: an absolute host path; tmpfs: undefined.
   */
  readonly source?: string;
  /** Absolute path in the container. */
  readonly target: string;
  readonly readOnly: boolean;
  readonly consistency?: string;
  readonly bind?: {
    readonly propagation?: string;
    /** Compose creates a missing host path for short syntax, not for long syntax unless asked. */
    readonly createHostPath: boolean;
    readonly selinux?: 'z' | 'Z';
  };
  readonly volume?: { readonly nocopy: boolean; readonly subpath?: string };
  readonly tmpfs?: { readonly size?: Bytes; readonly mode?: number };
}

export interface ServiceNetworkSpec {
  readonly aliases: readonly string[];
  readonly ipv4Address?: string;
  readonly ipv6Address?: string;
  readonly linkLocalIps: readonly string[];
  readonly macAddress?: string;
  readonly driverOpts: Dict<string>;
  readonly priority: number;
  readonly gwPriority?: number;
}

export interface HealthcheckSpec {
  /** Engine form: `["CMD", ...]`, `["CMD-SHELL", "..."]` or `["NONE"]`. */
  readonly test: readonly string[];
  readonly interval?: Nanoseconds;
  readonly timeout?: Nanoseconds;
  readonly startPeriod?: Nanoseconds;
  readonly startInterval?: Nanoseconds;
  readonly retries?: number;
}

/**
 * Where an attribute was written: its dotted path and, when known, file:line:col. Kept in the
 * model for attributes a later stage may refuse (the build step cannot serve `ssh`, `secrets`,
 * local `additional_contexts`, `cache_to` or several platforms; Compose's loader accepts them,
 * so ours does too), so that the refusal can point at the file. Never part of an identity:
 * leave it out of hashes.
 */
export interface AttributeOrigin {
  readonly path: string;
  readonly location?: SourceLocation;
}

/**
 * What a build context string names (the rules of compose-go's absContextPath and of the
 * Docker CLI's DetectContextType): a local folder (made absolute), a git repository (`git://`,
 * `ssh://`, `git@`, `github.com/`, or an http(s) URL ending in `.git[#ref[:dir]]`), a remote
 * tarball or Dockerfile (other http(s) URLs), another service's image (`service:name`, only in
 * additional_contexts), or a builder-specific `type://` reference (`docker-image://`,
 * `oci-layout://`...).
 */
export type BuildContextKind = 'local' | 'git' | 'url' | 'service' | 'builder';

/** One build secret (`RUN --mount=type=secret,id=<target>`). */
export interface BuildSecretSpec {
  /** Key in top-level `secrets`. */
  readonly source: string;
  /** The id the Dockerfile mounts it by: `target`, defaulting to `source`. */
  readonly target: string;
  readonly uid?: string;
  readonly gid?: string;
  readonly mode?: number;
}

export interface BuildSpec {
  /** An absolute path for a local folder; a URL or remote reference kept as written. */
  readonly context: string;
  readonly contextKind: BuildContextKind;
  /**
   * The Dockerfile, undefined only with `dockerfileInline`. Default `Dockerfile`. For a local
   * context: relative to the context (POSIX separators) when it lies inside it, else the
   * absolute host path (the builder must add it to what it sends). For a remote context:
   * as written, relative to that context.
   */
  readonly dockerfile?: string;
  readonly dockerfileInline?: string;
  /**
   * Build args. A key written without a value takes the variable's value (shell over .env),
   * which is then sensitive (model.sensitiveValues); unset, the key is dropped (compose-go).
   * The Docker CLI's proxy variables are not added here: Compose adds them at build time from
   * the client configuration (`~/.docker/config.json` proxies), which is the build step's to read.
   */
  readonly args: Dict<string>;
  readonly target?: string;
  readonly labels: Dict<string>;
  readonly cacheFrom: readonly string[];
  readonly cacheTo: readonly string[];
  readonly network?: string;
  readonly shmSize?: Bytes;
  /** `host:ip` entries, as the Engine API takes them. */
  readonly extraHosts: readonly string[];
  readonly noCache: boolean;
  /** Stages built without cache (`no_cache_filter`). */
  readonly noCacheFilter: readonly string[];
  readonly pull: boolean;
  readonly platforms: readonly string[];
  readonly tags: readonly string[];
  readonly ulimits: Dict<UlimitSpec>;
  readonly isolation?: string;
  readonly privileged: boolean;
  /** SSH agent sockets or keys by id; '' for the default agent (`ssh: [default]`). Paths absolute. */
  readonly ssh: Dict<string>;
  readonly secrets: readonly BuildSecretSpec[];
  /** Named contexts: absolute paths for local folders, anything else as written. */
  readonly additionalContexts: Dict<string>;
  readonly entitlements: readonly string[];
  /** Attestations, as written (`true`, `false`, `mode=max`...). */
  readonly provenance?: string;
  readonly sbom?: string;
  /** Where each attribute of this build was written, by its name in the file (`ssh`, `cache_to`...). */
  readonly origins: Dict<AttributeOrigin>;
  /** Extension fields (`x-*`) of the build section. */
  readonly extensions: Dict<unknown>;
}

export interface EnvFileSpec {
  /** Absolute path. */
  readonly path: string;
  readonly required: boolean;
  readonly format?: string;
}

export interface FileReferenceSpec {
  /** Key in top-level `secrets` / `configs`. */
  readonly source: string;
  /** Path in the container (absolute after normalisation). */
  readonly target: string;
  readonly uid?: string;
  readonly gid?: string;
  readonly mode?: number;
}

export interface LoggingSpec {
  readonly driver?: string;
  readonly options: Dict<string>;
}

export interface UlimitSpec {
  readonly soft: number;
  readonly hard: number;
}

export interface DeviceSpec {
  readonly source: string;
  readonly target: string;
  readonly permissions: string;
}

export interface ResourcesSpec {
  readonly cpus?: number;
  readonly memory?: Bytes;
  readonly pids?: number;
  readonly memoryReservation?: Bytes;
  readonly cpuReservation?: number;
}

/** `deploy.mode`: the job modes run their tasks to completion (Engine API 1.41+). */
export type DeployMode = 'replicated' | 'global' | 'replicated-job' | 'global-job';

/** `deploy.update_config` / `deploy.rollback_config`, as the Engine API's UpdateConfig. */
export interface UpdateConfigSpec {
  readonly parallelism?: number;
  readonly delay?: Nanoseconds;
  readonly failureAction?: 'continue' | 'rollback' | 'pause';
  readonly monitor?: Nanoseconds;
  readonly maxFailureRatio?: number;
  readonly order?: 'stop-first' | 'start-first';
}

/** `deploy.restart_policy`, as the Engine API's RestartPolicy of a task. */
export interface RestartPolicySpec {
  readonly condition?: 'none' | 'on-failure' | 'any';
  readonly delay?: Nanoseconds;
  readonly maxAttempts?: number;
  readonly window?: Nanoseconds;
}

export interface PlacementSpec {
  readonly constraints: readonly string[];
  /** `spread` descriptors (`node.labels.zone`), in order. */
  readonly preferences: readonly string[];
  readonly maxReplicasPerNode?: number;
}

/**
 * The `deploy` section, for targets that schedule services (Swarm). The container target
 * reads only `replicas` (as `scale`) and `resources` (as `resources`); the rest is kept here,
 * and left out of the container's config hash (planner/canonical.ts).
 */
export interface DeploySpec {
  readonly mode: DeployMode;
  /** `deploy.replicas` as written; undefined = not given (the service's `scale`, else 1). */
  readonly replicas?: number;
  readonly placement: PlacementSpec;
  readonly restartPolicy?: RestartPolicySpec;
  readonly updateConfig?: UpdateConfigSpec;
  readonly rollbackConfig?: UpdateConfigSpec;
  readonly endpointMode?: 'vip' | 'dnsrr';
  /** Labels on the service (not on its containers: those are `labels`). */
  readonly labels: Dict<string>;
  /** Attributes a scheduler cannot honour and were only warned about (generic_resources, devices). */
  readonly ignored: readonly AttributeOrigin[];
}

export type WatchAction = 'sync' | 'rebuild' | 'sync+restart' | 'restart' | 'sync+exec';

/** The command a `sync+exec` rule runs in the container after a sync. */
export interface WatchExecSpec {
  readonly command: readonly string[];
  /** undefined: the service's user. */
  readonly user?: string;
  readonly privileged: boolean;
  /** undefined: the service's working directory. */
  readonly workingDir?: string;
  /** Added to (and over) the container's environment. Bare keys come from the variables. */
  readonly environment: Dict<string>;
}

/** A `post_start` / `pre_stop` hook: a command run in the service's container. */
export interface HookSpec {
  readonly command: readonly string[];
  /** undefined: the service's user. */
  readonly user?: string;
  readonly privileged: boolean;
  /** undefined: the service's working directory. */
  readonly workingDir?: string;
  /** Added to (and over) the container's environment. Bare keys come from the variables. */
  readonly environment: Dict<string>;
}

/** A `pre_start` hook: an init container run to completion before the service's container starts. */
export interface PreStartHookSpec extends Omit<HookSpec, 'command'> {
  /** undefined: the image's own command. */
  readonly command?: readonly string[];
  /** undefined: the service's image. */
  readonly image?: string;
  /** Once per replica (true), or once for the service (undefined / false). */
  readonly perReplica?: boolean;
}

export interface ServiceHooks {
  readonly preStart: readonly PreStartHookSpec[];
  readonly postStart: readonly HookSpec[];
  readonly preStop: readonly HookSpec[];
}

export interface ProviderSpec {
  /** The external component that manages the service (`awesomecloud` runs `awesomecloud compose up`). */
  readonly type: string;
  readonly options: Dict<string | readonly string[]>;
}

export interface WatchRuleSpec {
  readonly action: WatchAction;
  /** Absolute host path (relative paths resolve against the project directory). */
  readonly path: string;
  /** Path in the container; required for the sync actions. */
  readonly target?: string;
  /** .dockerignore-style patterns, relative to `path`. */
  readonly ignore: readonly string[];
  readonly include: readonly string[];
  readonly initialSync: boolean;
  /** Set for `sync+exec` rules (and kept, unused, when written on another action). */
  readonly exec?: WatchExecSpec;
  /** Where the rule was written (`services.web.develop.watch[0]`), for errors of the watch step. */
  readonly origin?: AttributeOrigin;
  /** Extension fields (`x-*`) of the rule: stack's own extras live under `x-stack-*`. */
  readonly extensions?: Dict<unknown>;
}

/**
 * `pull_policy`, normalised: `if_not_present` is `missing`; `daily`, `weekly`,
 * `every_<duration>` and `refresh` with `pull_refresh_after` are `refresh`, with the interval
 * in `ServiceSpec.pullRefreshAfterMs` (compose-go's GetPullPolicy).
 */
export type PullPolicy = 'always' | 'never' | 'missing' | 'build' | 'refresh';

export interface ServiceSpec {
  readonly name: string;
  readonly image?: string;
  readonly build?: BuildSpec;
  /** undefined: not set (Compose then pulls a missing image, or builds it when `build` is set). */
  readonly pullPolicy?: PullPolicy;
  /**
   * With pullPolicy 'refresh': pull again when the last pull is older than this. Like
   * pullPolicy and build, it says how the image is obtained, not what the container is: keep
   * it out of the container's config hash (planner/canonical.ts).
   */
  readonly pullRefreshAfterMs?: Milliseconds;
  readonly platform?: string;

  /** undefined = image default; [] = explicitly empty. */
  readonly command?: readonly string[];
  readonly entrypoint?: readonly string[];
  readonly workingDir?: string;
  readonly user?: string;
  readonly groupAdd: readonly string[];

  /** Final environment: env_file entries, then `environment` on top. */
  readonly environment: Dict<string>;
  readonly envFiles: readonly EnvFileSpec[];
  readonly labels: Dict<string>;
  readonly annotations: Dict<string>;

  readonly containerName?: string;
  readonly hostname?: string;
  readonly domainname?: string;

  /** Number of replicas wanted (`scale`, `deploy.replicas`, default 1). */
  readonly scale: number;
  readonly profiles: readonly string[];
  readonly dependsOn: Dict<DependsOnSpec>;

  readonly ports: readonly PortSpec[];
  readonly expose: readonly string[];
  readonly mounts: readonly MountSpec[];
  /** Service-level `tmpfs:` entries (`/run:size=10m`). */
  readonly tmpfs: readonly string[];
  readonly volumesFrom: readonly string[];
  /** Attachments by network key. Empty when networkMode is set. */
  readonly networks: Dict<ServiceNetworkSpec>;
  readonly networkMode?: string;
  readonly links: readonly string[];
  readonly externalLinks: readonly string[];
  readonly macAddress?: string;
  readonly dns: readonly string[];
  readonly dnsSearch: readonly string[];
  readonly dnsOpt: readonly string[];
  readonly extraHosts: readonly string[];

  readonly healthcheck?: HealthcheckSpec;
  /** True when `healthcheck.disable: true` (engine form NONE). */
  readonly healthcheckDisabled: boolean;
  readonly restart?: string;
  readonly init?: boolean;
  readonly stopSignal?: string;
  readonly stopGracePeriod?: Nanoseconds;
  readonly tty: boolean;
  readonly stdinOpen: boolean;
  readonly privileged: boolean;
  readonly readOnly: boolean;

  readonly capAdd: readonly string[];
  readonly capDrop: readonly string[];
  readonly securityOpt: readonly string[];
  readonly sysctls: Dict<string>;
  readonly ulimits: Dict<UlimitSpec>;
  readonly devices: readonly DeviceSpec[];
  readonly shmSize?: Bytes;
  readonly pid?: string;
  readonly ipc?: string;
  readonly uts?: string;
  readonly userns?: string;
  readonly cgroup?: string;
  readonly cgroupParent?: string;
  readonly runtime?: string;
  readonly isolation?: string;
  readonly oomScoreAdj?: number;
  readonly oomKillDisable?: boolean;
  readonly pidsLimit?: number;
  readonly storageOpt: Dict<string>;
  readonly resources: ResourcesSpec;
  readonly logging?: LoggingSpec;
  /** The `deploy` section beyond replicas and resources; undefined when the file has none. */
  readonly deploy?: DeploySpec;

  readonly secrets: readonly FileReferenceSpec[];
  readonly configs: readonly FileReferenceSpec[];

  /** `develop.watch` rules. */
  readonly watch: readonly WatchRuleSpec[];
  /**
   * `pre_start`, `post_start`, `pre_stop`; undefined when the service declares none (so the
   * specs of services without hooks are what they were before hooks were read).
   */
  readonly hooks?: ServiceHooks;
  /**
   * `provider:` (Compose): the service is managed by an external program, not run as a
   * container. Read and printed; the planner refuses to apply a service that has one.
   */
  readonly provider?: ProviderSpec;
  /** `attach: false` keeps the service's logs out of attached `up`. */
  readonly attach: boolean;
  /** Extension fields (`x-*`) on the service. */
  readonly extensions: Dict<unknown>;
}

export interface IpamSpec {
  readonly driver?: string;
  readonly config: readonly {
    readonly subnet?: string;
    readonly ipRange?: string;
    readonly gateway?: string;
    readonly auxAddresses: Dict<string>;
  }[];
  readonly options: Dict<string>;
}

export interface NetworkSpec {
  /** Key in the file (`default` for the implicit one). */
  readonly key: string;
  /** Engine name: `name:` or `<project>_<key>`, or the external name. */
  readonly name: string;
  readonly external: boolean;
  readonly driver?: string;
  readonly driverOpts: Dict<string>;
  readonly ipam?: IpamSpec;
  readonly internal: boolean;
  readonly attachable: boolean;
  readonly enableIpv6?: boolean;
  readonly enableIpv4?: boolean;
  readonly labels: Dict<string>;
}

export interface VolumeSpec {
  readonly key: string;
  /** Engine name: `name:` or `<project>_<key>`, or the external name. */
  readonly name: string;
  readonly external: boolean;
  readonly driver?: string;
  readonly driverOpts: Dict<string>;
  readonly labels: Dict<string>;
}

export interface SecretSpec {
  readonly key: string;
  readonly name: string;
  readonly external: boolean;
  /** Absolute path of the file, for `file:`. */
  readonly file?: string;
  /** Name of the environment variable, for `environment:`. */
  readonly environment?: string;
  /** That variable's value when the stack was loaded ('' when unset): sensitive. */
  readonly environmentValue?: string;
  /** Inline `content:` (configs only). */
  readonly content?: string;
  readonly labels: Dict<string>;
}
export type ConfigSpec = SecretSpec;
