// The Swarm part of the engine, in our own types: services, tasks, nodes, configs, secrets and
// service logs, as a manager answers them. `DockerGateway` implements it beside EngineGateway
// (docker-gateway.ts stays the only file that talks to dockerode); the unit tests use an
// in-memory swarm (test/helpers/swarm-memory-gateway.ts).
//
// Errors are typed as for EngineGateway, by status code: 404 NotFoundError, 409 ConflictError,
// anything else EngineApiError. A node that is not a manager answers these calls with 503
// ("This node is not a swarm manager"): callers ask `swarmInfo` first and say so plainly.

import type { Readable } from 'node:stream';
import type { EngineGateway, ListFilter, LogOptions } from './gateway.js';
import type {
  ObservedNode,
  ObservedService,
  ObservedSwarmFile,
  ObservedTask,
  ServiceSpecBody,
  SwarmFileCreateBody,
  SwarmInfo,
  TaskFilter,
} from '../api/swarm-types.js';

export type * from '../api/swarm-types.js';

export interface SwarmGateway {
  /** From `GET /info` (`Swarm`); asked fresh each time, unlike `info()`. */
  swarmInfo(signal?: AbortSignal): Promise<SwarmInfo>;

  /** Services with their status counts (`?status=true`); `labels` filter on the engine, `names` here, exactly. */
  listServices(filter: ListFilter, signal?: AbortSignal): Promise<ObservedService[]>;
  /** Returns the new service's id. */
  createService(body: ServiceSpecBody, signal?: AbortSignal): Promise<string>;
  /** Replaces the spec made from `version`; returns the engine's warnings (an image it could not resolve...). */
  updateService(id: string, version: number, body: ServiceSpecBody, signal?: AbortSignal): Promise<{ warnings: string[] }>;
  removeService(id: string, signal?: AbortSignal): Promise<void>;
  /** Service logs, multiplexed like a container's; no idle deadline. */
  serviceLogs(id: string, options: LogOptions, signal?: AbortSignal): Promise<Readable>;

  listTasks(filter: TaskFilter, signal?: AbortSignal): Promise<ObservedTask[]>;
  listNodes(signal?: AbortSignal): Promise<ObservedNode[]>;

  listConfigs(filter: ListFilter, signal?: AbortSignal): Promise<ObservedSwarmFile[]>;
  createConfig(body: SwarmFileCreateBody, signal?: AbortSignal): Promise<string>;
  removeConfig(id: string, signal?: AbortSignal): Promise<void>;
  listSecrets(filter: ListFilter, signal?: AbortSignal): Promise<ObservedSwarmFile[]>;
  createSecret(body: SwarmFileCreateBody, signal?: AbortSignal): Promise<string>;
  removeSecret(id: string, signal?: AbortSignal): Promise<void>;

  /**
   * The digest a registry gives for `ref` (`GET /distribution/{ref}/json`, what `docker stack
   * deploy --resolve-image` asks), or undefined when no registry answers for it.
   */
  resolveImageDigest(ref: string, signal?: AbortSignal): Promise<string | undefined>;
}

/** True for a gateway that can speak to a swarm (the Docker one; an engine target that cannot has none of these calls). */
export function isSwarmGateway(gateway: EngineGateway): gateway is EngineGateway & SwarmGateway {
  const g = gateway as Partial<SwarmGateway>;
  return typeof g.swarmInfo === 'function' && typeof g.createService === 'function' && typeof g.listTasks === 'function';
}
