// The plan: a small DAG of operations, each ONE engine call with its cause. The executor
// walks it in dependency order and makes no decisions of its own; `formatPlan` prints it.
// A plan is a plain, deterministic, JSON-serialisable value.

import type {
  ContainerCreateBody,
  EndpointConfig,
  NetworkCreateBody,
  VolumeCreateBody,
} from '../api/engine-types.js';
import type { DependencyCondition } from '../model/types.js';
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
  | 'down';

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
  | 'image.pull';

/** What a line of the plan says is done to its object. */
export type ChangeVerb = 'pull' | 'create' | 'recreate' | 'start' | 'restart' | 'disconnect' | 'remove' | 'wait';

export type ChangeObject = 'image' | 'network' | 'volume' | 'container';

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
}

export type Operation =
  | ImagePullOp
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
}
