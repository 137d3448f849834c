// The Swarm part of the Engine API, in our own types: what the gateway returns for services,
// tasks, nodes, configs and secrets, and the request bodies the swarm planner builds. Bodies
// keep the Engine API's field names (API 1.41), so the planner builds them purely and the
// gateway passes them through unchanged. Observed shapes keep only what observe, plan, ps and
// the convergence follower read.

import type { Labels } from './engine-types.js';

/** What `GET /info` says of the engine's place in a swarm. */
export interface SwarmInfo {
  /** `inactive`, `pending`, `active`, `error`, `locked`. */
  readonly localNodeState: string;
  /** True on a manager: only managers answer the service, task, node, config and secret APIs. */
  readonly controlAvailable: boolean;
  readonly nodeId: string;
  readonly nodes: number;
  readonly managers: number;
  /** The swarm's error, when the node is in state `error`. */
  readonly error?: string;
}

export interface Mount {
  readonly Type: 'volume' | 'bind' | 'tmpfs';
  readonly Source?: string;
  readonly Target: string;
  readonly ReadOnly?: boolean;
  readonly VolumeOptions?: { readonly NoCopy?: boolean; readonly Labels?: Labels; readonly DriverConfig?: { readonly Name?: string; readonly Options?: Labels } };
  readonly BindOptions?: { readonly Propagation?: string };
  readonly TmpfsOptions?: { readonly SizeBytes?: number; readonly Mode?: number };
}

export interface FileReference {
  readonly File: { readonly Name: string; readonly UID: string; readonly GID: string; readonly Mode: number };
}
export interface SecretReference extends FileReference {
  readonly SecretID: string;
  readonly SecretName: string;
}
export interface ConfigReference extends FileReference {
  readonly ConfigID: string;
  readonly ConfigName: string;
}

export interface SwarmUpdateConfig {
  readonly Parallelism?: number;
  readonly Delay?: number;
  readonly FailureAction?: 'continue' | 'rollback' | 'pause';
  readonly Monitor?: number;
  readonly MaxFailureRatio?: number;
  readonly Order?: 'stop-first' | 'start-first';
}

export interface EndpointPortConfig {
  readonly Name?: string;
  readonly Protocol: 'tcp' | 'udp' | 'sctp';
  readonly TargetPort: number;
  readonly PublishedPort?: number;
  readonly PublishMode: 'ingress' | 'host';
}

/** `POST /services/create` and `/services/{id}/update` body: the Engine API's ServiceSpec. */
export interface ServiceSpecBody {
  readonly Name: string;
  readonly Labels: Labels;
  readonly TaskTemplate: {
    readonly ContainerSpec: Readonly<Record<string, unknown>> & {
      readonly Image: string;
      readonly Labels?: Labels;
      readonly Secrets?: readonly SecretReference[];
      readonly Configs?: readonly ConfigReference[];
      readonly Mounts?: readonly Mount[];
    };
    readonly Resources?: {
      readonly Limits?: { readonly NanoCPUs?: number; readonly MemoryBytes?: number; readonly Pids?: number };
      readonly Reservations?: { readonly NanoCPUs?: number; readonly MemoryBytes?: number };
    };
    readonly RestartPolicy?: { readonly Condition?: string; readonly Delay?: number; readonly MaxAttempts?: number; readonly Window?: number };
    readonly Placement?: {
      readonly Constraints?: readonly string[];
      readonly Preferences?: readonly { readonly Spread: { readonly SpreadDescriptor: string } }[];
      readonly MaxReplicas?: number;
    };
    readonly Networks?: readonly { readonly Target: string; readonly Aliases?: readonly string[] }[];
    readonly LogDriver?: { readonly Name: string; readonly Options?: Labels };
    /** Bumped to make the engine roll the tasks although nothing else changed (`--force`). */
    readonly ForceUpdate?: number;
  };
  readonly Mode:
    | { readonly Replicated: { readonly Replicas: number } }
    | { readonly Global: Record<string, never> }
    | { readonly ReplicatedJob: { readonly MaxConcurrent?: number; readonly TotalCompletions?: number } }
    | { readonly GlobalJob: Record<string, never> };
  readonly UpdateConfig?: SwarmUpdateConfig;
  readonly RollbackConfig?: SwarmUpdateConfig;
  readonly EndpointSpec?: { readonly Mode: 'vip' | 'dnsrr'; readonly Ports?: readonly EndpointPortConfig[] };
}

/** A service as listed (`GET /services`). */
export interface ObservedService {
  readonly id: string;
  readonly name: string;
  /** The object version: an update must name the version it was made from. */
  readonly version: number;
  /** `Spec.Labels`: the service's labels (ownership, namespace, our spec hash). */
  readonly labels: Labels;
  /** `Spec.Mode`'s key: replicated, global, replicated-job, global-job. */
  readonly mode: string;
  /** For replicated services. */
  readonly replicas?: number;
  /** The image the spec names (with the digest when it was resolved). */
  readonly image: string;
  /** `TaskTemplate.ForceUpdate`: a counter; a new value rolls every task. */
  readonly forceUpdate: number;
  /** The labels of its tasks' containers (`TaskTemplate.ContainerSpec.Labels`). */
  readonly containerLabels: Labels;
  /** Names of the secrets and configs the spec refers to (what keeps them in use). */
  readonly secretNames: readonly string[];
  readonly configNames: readonly string[];
  /** `UpdateStatus`, when an update or rollback has run: `updating`, `paused`, `completed`, `rollback_started`, `rollback_paused`, `rollback_completed`. */
  readonly updateState?: string;
  readonly updateMessage?: string;
  /** `ServiceStatus` (API 1.41, `?status=true`): tasks running, and how many the orchestrator wants (global: one per eligible node). */
  readonly runningTasks?: number;
  readonly desiredTasks?: number;
  readonly completedTasks?: number;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** A task as listed (`GET /tasks`): one scheduled container of a service. */
export interface ObservedTask {
  readonly id: string;
  readonly serviceId: string;
  /** Replicated services: the replica slot; global: 0 (the node identifies it). */
  readonly slot: number;
  readonly nodeId: string;
  readonly desiredState: string;
  /** `new`, `pending`, `assigned`, `preparing`, `starting`, `running`, `complete`, `failed`, `shutdown`, `rejected`, `orphaned`, `remove`. */
  readonly state: string;
  readonly message: string;
  readonly error?: string;
  readonly containerId?: string;
  readonly exitCode?: number;
  /** The image of the task's spec (the service's spec when the task was made). */
  readonly image: string;
  /** The container labels of the task's spec: ours carry the hash of the task template it was made from. */
  readonly containerLabels: Labels;
  readonly createdAt: string;
  readonly updatedAt: string;
  /** When the state last changed. */
  readonly timestamp: string;
}

export interface ObservedNode {
  readonly id: string;
  readonly hostname: string;
  readonly role: string;
  readonly availability: string;
  /** `ready`, `down`, `unknown`, `disconnected`. */
  readonly state: string;
  readonly managerReachability?: string;
  readonly leader: boolean;
}

/** A config or a secret (the engine never returns a secret's data; configs' is not needed). */
export interface ObservedSwarmFile {
  readonly id: string;
  readonly name: string;
  readonly labels: Labels;
  readonly createdAt: string;
}

export interface SwarmFileCreateBody {
  readonly Name: string;
  readonly Labels: Labels;
  /** base64 of the content. */
  readonly Data: string;
}

export interface TaskFilter {
  /** Tasks of these services (ids or names). Tasks carry no labels of their own to filter by. */
  readonly services?: readonly string[];
  readonly desiredState?: 'running' | 'shutdown' | 'accepted';
}

/**
 * The content of a config or secret on its way to the engine. Plans are printed and
 * serialised (`plan --json`, events); this never shows its bytes there, only their size,
 * whichever renderer meets it. The executor reads `base64` for the one create call.
 */
export class FileContent {
  readonly #bytes: Buffer;
  readonly #sha256: string;
  constructor(bytes: Buffer, sha256: string) {
    this.#bytes = bytes;
    this.#sha256 = sha256;
  }
  /** Hex sha256 of the bytes: what names a content-addressed config or secret (a getter: it is not data to print). */
  get sha256(): string {
    return this.#sha256;
  }
  get size(): number {
    return this.#bytes.length;
  }
  get base64(): string {
    return this.#bytes.toString('base64');
  }
  toJSON(): string {
    return `(sensitive, ${this.#bytes.length} bytes)`;
  }
}
