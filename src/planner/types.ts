// The plan: a small DAG of operations, each ONE engine call with its cause. The executor
// walks it in dependency order and makes no decisions of its own; `formatPlan` prints it.
// A plan is a plain, deterministic, JSON-serialisable value.

import type {
  BuildImageOptions,
  ContainerCreateBody,
  EndpointConfig,
  NetworkCreateBody,
  VolumeCreateBody,
} from '../api/engine-types.js';
import type { DependencyCondition } from '../model/types.js';
import type { FileContent, ServiceSpecBody } from '../api/swarm-types.js';
import type { SensitiveValues } from './redact.js';
import type { DeliveredFile, FileContents } from './delivered-files.js';

export type { DeliveredFile } from './delivered-files.js';

export interface FieldChange {
  /** Dotted path inside the service spec, e.g. `environment.LOG_LEVEL`. */
  readonly path: string;
  /** JSON-ish rendering of the old/new values, already redacted; undefined = absent. */
  readonly before?: string;
  readonly after?: string;
}

export type CauseKind =
  | 'missing' // nothing there yet
  | 'changed' // the canonical spec differs: see `changes`
  | 'image-changed' // same spec, the image reference now points at another id
  | 'network-detached' // an expected network is not attached
  | 'volume-detached' // an expected volume is not mounted
  | 'forced' // --force-recreate
  | 'dependency-recreated' // depends_on.restart: true, or --always-recreate-deps
  | 'stopped' // exists but not running
  | 'scale-down'
  | 'orphan' // a service no longer in the file (only with --remove-orphans)
  | 'renew-anonymous-volumes' // -V
  | 'interrupted-run' // leftovers of a run that was killed, finished or undone now
  | 'dependency' // an ordering step (a wait) before a dependent starts
  | 'down'
  | 'rotated' // a config's or secret's content changed: a new version under a new name
  | 'unused'; // an old version of a config or secret no service refers to any more

export interface Cause {
  readonly kind: CauseKind;
  /** One short human sentence, already redacted. */
  readonly text: string;
  readonly changes?: readonly FieldChange[];
}

export type OperationKind =
  | 'network.create'
  | 'network.remove'
  | 'network.connect'
  | 'network.disconnect'
  | 'volume.create'
  | 'volume.remove'
  | 'container.create'
  | 'container.start'
  | 'container.stop'
  | 'container.restart'
  | 'container.remove'
  | 'container.wait'
  | 'container.copy-files'
  | 'image.pull'
  | 'image.build'
  | 'image.tag'
  | 'image.push'
  | 'image.remove'
  | 'service.create'
  | 'service.update'
  | 'service.remove'
  | 'config.create'
  | 'config.remove'
  | 'secret.create'
  | 'secret.remove';

/** What a line of the plan says is done to its object. */
export type ChangeVerb = 'pull' | 'build' | 'rebuild' | 'tag' | 'push' | 'create' | 'recreate' | 'start' | 'restart' | 'disconnect' | 'remove' | 'wait' | 'update';

/** `service`, `config` and `secret` are the Swarm target's (src/swarm/). */
export type ChangeObject = 'image' | 'network' | 'volume' | 'container' | 'service' | 'config' | 'secret';

/**
 * The change (one line of the plan) an operation belongs to, kept as data where the planner
 * decides it, so that renderers never read a decision back out of a display string. A
 * recreate's stop, remove, create, connect and start all carry the same change.
 */
export interface PlanChange {
  readonly verb: ChangeVerb;
  readonly object: ChangeObject;
  /** The container, network, volume or image name (for waits: plus the condition). */
  readonly target: string;
}

/** How the executor refers to a container that does not exist yet: by the name it will have. */
export interface ContainerRef {
  readonly name: string;
  /** Known when the container exists already. */
  readonly id?: string;
  readonly service: string;
  readonly number: number;
}

interface OperationBase {
  /** Unique and stable within a plan, e.g. `create container demo-web-1`. */
  readonly id: string;
  readonly kind: OperationKind;
  /** Ids of operations that must have finished successfully first. */
  readonly after: readonly string[];
  readonly cause: Cause;
  /** The service this operation belongs to, for grouping in output. */
  readonly service?: string;
  /** Named group of a composite change, e.g. `recreate demo-web-1`: the display name of `change`. */
  readonly group?: string;
  /** The change this operation belongs to (absent only on hand-made operations, e.g. in tests). */
  readonly change?: PlanChange;
  /**
   * Port-publishing container starts must not run concurrently (the engine allocates host
   * ports non-atomically): the executor runs operations sharing a `serialKey` one at a time.
   */
  readonly serialKey?: string;
}

export interface NetworkCreateOp extends OperationBase {
  readonly kind: 'network.create';
  readonly network: string;
  readonly body: NetworkCreateBody;
}
export interface NetworkRemoveOp extends OperationBase {
  readonly kind: 'network.remove';
  readonly network: string;
  readonly networkId: string;
}
export interface NetworkConnectOp extends OperationBase {
  readonly kind: 'network.connect';
  readonly network: string;
  readonly container: ContainerRef;
  readonly endpoint: EndpointConfig;
}
export interface NetworkDisconnectOp extends OperationBase {
  readonly kind: 'network.disconnect';
  readonly network: string;
  readonly container: ContainerRef;
}
export interface VolumeCreateOp extends OperationBase {
  readonly kind: 'volume.create';
  readonly volume: string;
  readonly body: VolumeCreateBody;
}
export interface VolumeRemoveOp extends OperationBase {
  readonly kind: 'volume.remove';
  readonly volume: string;
}
export interface ContainerCreateOp extends OperationBase {
  readonly kind: 'container.create';
  readonly container: ContainerRef;
  readonly body: ContainerCreateBody;
}
export interface ContainerStartOp extends OperationBase {
  readonly kind: 'container.start';
  readonly container: ContainerRef;
}
export interface ContainerStopOp extends OperationBase {
  readonly kind: 'container.stop';
  readonly container: ContainerRef;
  readonly timeoutSeconds?: number;
}
export interface ContainerRestartOp extends OperationBase {
  readonly kind: 'container.restart';
  readonly container: ContainerRef;
  readonly timeoutSeconds?: number;
}
export interface ContainerRemoveOp extends OperationBase {
  readonly kind: 'container.remove';
  readonly container: ContainerRef;
  readonly removeAnonymousVolumes: boolean;
}
/** Wait for a dependency condition before dependents start. Bounded by `timeoutMs`. */
export interface ContainerWaitOp extends OperationBase {
  readonly kind: 'container.wait';
  readonly container: ContainerRef;
  readonly condition: DependencyCondition;
  /** When false, a failure to meet the condition warns instead of failing the run. */
  readonly required: boolean;
  readonly timeoutMs: number;
}

/**
 * Write files into a created container before its start (one archive upload). The contents
 * are secret: they are in `contents`, which never serialises (FileContents).
 */
export interface ContainerCopyFilesOp extends OperationBase {
  readonly kind: 'container.copy-files';
  readonly container: ContainerRef;
  readonly files: readonly DeliveredFile[];
  readonly contents: FileContents;
}

/**
 * Pull an image the model needs that is not present locally (`observed.images` has no id
 * for the reference). Planned only when the service has no `build` and its pull policy
 * allows it (not `never` / `build`). Container creates using the image come after it.
 */
export interface ImagePullOp extends OperationBase {
  readonly kind: 'image.pull';
  /** The reference as written in the stack file, e.g. `redis:7`. */
  readonly image: string;
  /** `platform:` of the first service that needs it, when given. */
  readonly platform?: string;
  /**
   * The service can also build the image (it has `build:`): a pull that fails is not the end
   * of the run, the façade plans a build instead (Compose's rule, docker/compose pull.go).
   */
  readonly buildIfPullFails?: boolean;
}

// ---- the Swarm target's operations (planned by src/swarm/plan, one gateway call each) ----

/** Create a swarm service. Secret and config ids unknown at plan time are filled in from this run's creates. */
export interface ServiceCreateOp extends OperationBase {
  readonly kind: 'service.create';
  /** The engine name, `<project>_<service>`. */
  readonly serviceName: string;
  readonly body: ServiceSpecBody;
}
/** Replace a service's spec (the engine then rolls its tasks as the spec's update_config says). */
export interface ServiceUpdateOp extends OperationBase {
  readonly kind: 'service.update';
  readonly serviceName: string;
  readonly serviceId: string;
  /** The version the update is made from: the engine refuses it when the service moved on since. */
  readonly version: number;
  readonly body: ServiceSpecBody;
}
export interface ServiceRemoveOp extends OperationBase {
  readonly kind: 'service.remove';
  readonly serviceName: string;
  readonly serviceId: string;
}
/** Create a config or a secret; its content never renders (FileContent). */
export interface SwarmFileCreateOp extends OperationBase {
  readonly kind: 'config.create' | 'secret.create';
  /** The engine name, content-addressed: `<project>_<key>_<hash>`. */
  readonly fileName: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly content: FileContent;
}
export interface SwarmFileRemoveOp extends OperationBase {
  readonly kind: 'config.remove' | 'secret.remove';
  readonly fileName: string;
  readonly fileId: string;
}

/**
 * Where a build's context is, as the executor's injected build preparer reads it: a local
 * folder (sent as a tar, filtered by its .dockerignore), or a URL the engine fetches itself.
 */
export type BuildContextRef =
  | {
      readonly kind: 'local';
      /** Absolute. */
      readonly contextDir: string;
      /** Relative to the context, or absolute when outside it (BuildSpec.dockerfile). */
      readonly dockerfile?: string;
      readonly dockerfileInline?: string;
    }
  | {
      readonly kind: 'remote';
      /** A git URL (or any URL the engine's `remote` takes). */
      readonly url: string;
      /** Relative to that context. */
      readonly dockerfile?: string;
    };

/**
 * Build one image with the classic builder (`POST /build`): one gateway call. The context tar
 * and the registry credentials are I/O, which the executor leaves to an injected preparer; the
 * options are complete otherwise. Build args may hold sensitive values (the plan's `sensitive`
 * list covers them, as it covers container environments).
 */
export interface ImageBuildOp extends OperationBase {
  readonly kind: 'image.build';
  /** The reference the built image gets (first `t`); `options.tags` holds it and `build.tags`. */
  readonly image: string;
  readonly context: BuildContextRef;
  readonly options: Omit<BuildImageOptions, 'dockerfile' | 'remote' | 'registryConfigHeader'>;
  /** The content hash the image is labelled with (absent for a remote context). */
  readonly buildHash?: string;
}

/** Give an image (by reference) one more reference: services sharing one build are built once. */
export interface ImageTagOp extends OperationBase {
  readonly kind: 'image.tag';
  /** The reference (or id) that has the image. */
  readonly source: string;
  /** The reference it gets too. */
  readonly image: string;
}

/** Push a reference to its registry (`stack push`). */
export interface ImagePushOp extends OperationBase {
  readonly kind: 'image.push';
  readonly image: string;
}

/** Remove a reference (the image goes with its last one): pruning an image stack built and no longer uses. */
export interface ImageRemoveOp extends OperationBase {
  readonly kind: 'image.remove';
  /** A reference or an id. */
  readonly image: string;
  readonly force?: boolean;
}

/** The operations about images: what `up` runs first, before anything of the project is touched. */
export type ImageOperation = ImagePullOp | ImageBuildOp | ImageTagOp | ImagePushOp | ImageRemoveOp;

export type Operation =
  | ImagePullOp
  | ImageBuildOp
  | ImageTagOp
  | ImagePushOp
  | ImageRemoveOp
  | NetworkCreateOp
  | NetworkRemoveOp
  | NetworkConnectOp
  | NetworkDisconnectOp
  | VolumeCreateOp
  | VolumeRemoveOp
  | ContainerCreateOp
  | ContainerStartOp
  | ContainerStopOp
  | ContainerRestartOp
  | ContainerRemoveOp
  | ContainerWaitOp
  | ServiceCreateOp
  | ServiceUpdateOp
  | ServiceRemoveOp
  | SwarmFileCreateOp
  | SwarmFileRemoveOp
  | ContainerCopyFilesOp;

export interface PlanWarning {
  readonly message: string;
  readonly service?: string;
}

export interface Plan {
  readonly projectName: string;
  /** Topologically sorted, then by id: deterministic. */
  readonly operations: readonly Operation[];
  readonly warnings: readonly PlanWarning[];
  /**
   * Values that must never be displayed (interpolated variables, env-file values, inline
   * secrets): the container bodies above hold them, because the executor needs them. Every
   * renderer (text, JSON, events, errors) redacts from here, so a copied plan keeps its
   * redaction; serialising the plan never writes the values themselves.
   */
  readonly sensitive: SensitiveValues;
}

export interface ReconcileOptions {
  /** Services named on the command line (with their dependencies unless noDeps). Empty = all. */
  readonly services?: readonly string[];
  readonly forceRecreate?: boolean;
  readonly noRecreate?: boolean;
  readonly alwaysRecreateDeps?: boolean;
  readonly noDeps?: boolean;
  readonly noStart?: boolean;
  readonly removeOrphans?: boolean;
  /** `--scale svc=n` overrides. */
  readonly scale?: Readonly<Record<string, number>>;
  /** -V: recreate anonymous volumes instead of inheriting them. */
  readonly renewAnonVolumes?: boolean;
  /** -y: allow destructive changes to volumes. */
  readonly assumeYes?: boolean;
  /**
   * `--take-over`: the project's containers were brought up from another folder, and this
   * run's file is meant to replace that one: recreate them and allow removals
   * (phases/project-directory.ts). Without it, those steps are refused.
   */
  readonly takeOver?: boolean;
  /** Bound on each dependency wait. */
  readonly waitTimeoutMs?: number;
  /** `--timeout` / `-t` for stops, seconds. */
  readonly stopTimeoutSeconds?: number;
  /** Version string written into labels. */
  readonly stackVersion?: string;
  /**
   * `--wait`: end the plan with a `container.wait` for every container that should be
   * running (healthy when the service has a healthcheck), unless it is untouched and
   * already in that state.
   */
  readonly wait?: boolean;
  /**
   * Services whose networks and named volumes must exist although none of their containers
   * is planned (`stack run`): those missing are created, those present are left as they are
   * (no recreate, no refusal, no duplicate clean-up: that is `up`'s work), and nothing else
   * is planned for these services. Their dependencies are in scope as usual (unless
   * `noDeps`). When this is given and `services` is empty, no other service is requested.
   */
  readonly resourcesFor?: readonly string[];
  /**
   * When images are built: `auto` (default) when missing or their build changed, `always` for
   * every service in scope (or only `services`: `up --build`), `never` (`--no-build`).
   */
  readonly build?: BuildPolicy;
  /** `up --pull`: replaces every service's pull_policy. */
  readonly pull?: PullOverride;
  /** What the façade read for the images phase: build hashes, pull times, the clock. */
  readonly images?: ImageInputs;
}

export interface BuildPolicy {
  readonly policy: 'auto' | 'always' | 'never';
  /** With `always`: only these services are built regardless (the others follow `auto`). */
  readonly services?: readonly string[];
}

export type PullOverride = 'always' | 'missing' | 'never';

/**
 * The facts about images that only I/O can give, gathered by the façade before it plans: the
 * planner stays pure. Keyed by service name (build hashes) or image reference (pull times).
 */
export interface ImageInputs {
  /** The content hash of each service's build as it is now (local contexts only). */
  readonly buildHashes?: Readonly<Record<string, string>>;
  /**
   * For a service whose image carries another build hash: what changed since that build, as
   * the context manifests tell (absent: the old manifest is not in the cache).
   */
  readonly buildChanges?: Readonly<Record<string, BuildChange>>;
  /**
   * The base images of each service's build as the engine has them now (a digest of sorted
   * `reference=id` lines; absent when a base is not present). With the build hash, what makes
   * `stack build` and `up --build` skip a build that would change nothing.
   */
  readonly buildBases?: Readonly<Record<string, string>>;
  /** Services whose Dockerfile ADDs a URL: its content can change with no input changing, so they are always built when asked. */
  readonly buildFetchesUrls?: readonly string[];
  /** Why a service's build could not be hashed (its context is missing, a file cannot be read). */
  readonly buildHashErrors?: Readonly<Record<string, string>>;
  /** When stack last pulled each reference (ms since the epoch), for the refresh policies. */
  readonly lastPulls?: Readonly<Record<string, number>>;
  /** The clock, for the refresh policies (ms since the epoch). */
  readonly now?: number;
  /** Build args given on the command line (`stack build --build-arg`), over the file's. */
  readonly buildArgs?: Readonly<Record<string, string>>;
  /** `stack build --no-cache` / `--pull`: over every build's own. */
  readonly noCache?: boolean;
  readonly pullBaseImages?: boolean;
  /**
   * The images were got by this run already (`up` builds and pulls first, then plans again):
   * every image is used as it is now; one still missing is a problem.
   */
  readonly settled?: boolean;
  /** References whose pull failed this run and that the service can build instead. */
  readonly pullFailed?: readonly string[];
}

/** What changed in a build since the image was built (context-manifest.ts ContextChange, as data). */
export interface BuildChange {
  readonly files: readonly string[];
  readonly dockerfile: boolean;
  readonly args: readonly string[];
  readonly target: boolean;
  readonly platform: boolean;
}
