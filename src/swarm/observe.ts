// One snapshot of a stack on a swarm manager: four list calls, made together, filtered here
// (the engine's label filter cannot say "this label, or one of these names"). Objects carrying
// the stack's namespace label are the stack's (ours, or `docker stack deploy`'s: the planner
// tells them apart); objects the model names are looked up by name too, so an external one is
// found and a foreign one holding our name is reported instead of failing mid-run.
//
// A node that is not a manager answers every one of these calls with 503. Only then is GET
// /info asked (100-300 ms on this engine, so not on every run), to say exactly what the node
// is: not in a swarm, a worker, or locked.

import type { EngineGateway } from '../engine/gateway.js';
import type { SwarmGateway } from '../engine/swarm-gateway.js';
import type { SwarmObservedState } from '../api/swarm-observed.js';
import type { SwarmInfo } from '../api/swarm-types.js';
import type { StackModel } from '../model/types.js';
import { SWARM } from '../api/labels.js';
import { EngineApiError, OperationError } from '../errors.js';
import { swarmServiceName } from './plan/names.js';

export async function observeSwarm(
  gateway: EngineGateway & SwarmGateway,
  projectName: string,
  model: StackModel | undefined,
  endpoint: string,
  signal?: AbortSignal,
): Promise<SwarmObservedState> {
  let lists;
  try {
    lists = await Promise.all([gateway.listServices({}, signal), gateway.listNetworks({}, signal), gateway.listConfigs({}, signal), gateway.listSecrets({}, signal)]);
  } catch (e) {
    if (e instanceof EngineApiError && e.statusCode === 503) throw notAManager(await gateway.swarmInfo(signal), endpoint, e);
    throw e;
  }
  const [services, networks, configs, secrets] = lists;
  const ofStack = (labels: Readonly<Record<string, string>>) => labels[SWARM.namespace] === projectName;
  const names = namesOf(projectName, model);
  return {
    projectName,
    services: services.filter((s) => ofStack(s.labels) || names.services.has(s.name)),
    networks: networks.filter((n) => ofStack(n.labels) || names.networks.has(n.name) || names.networks.has(n.id)),
    configs: configs.filter((c) => ofStack(c.labels) || names.configs.has(c.name)),
    secrets: secrets.filter((s) => ofStack(s.labels) || names.secrets.has(s.name)),
  };
}

function namesOf(projectName: string, model: StackModel | undefined) {
  const set = (values: Iterable<string>) => new Set(values);
  if (!model) return { services: set([]), networks: set([]), configs: set([]), secrets: set([]) };
  return {
    services: set(Object.keys(model.services).map((s) => swarmServiceName(projectName, s))),
    networks: set(Object.values(model.networks).map((n) => n.name)),
    configs: set(Object.values(model.configs).map((c) => c.name)),
    secrets: set(Object.values(model.secrets).map((s) => s.name)),
  };
}

/** What the node is, in words, with what to do about it. */
export function notAManager(info: SwarmInfo, endpoint: string, cause?: unknown): OperationError {
  const state = info.localNodeState;
  const what =
    state === 'inactive'
      ? 'is not part of a swarm'
      : state === 'locked'
        ? 'is a locked swarm manager'
        : state === 'active' && !info.controlAvailable
          ? 'is a swarm worker, not a manager'
          : `is not a swarm manager (swarm state: ${state}${info.error ? `, ${info.error}` : ''})`;
  const hint =
    state === 'inactive'
      ? 'point stack at a manager of your swarm (-H, DOCKER_HOST or -c), or make this engine one with `docker swarm init`'
      : state === 'locked'
        ? 'unlock it with `docker swarm unlock`'
        : 'point stack at a manager of your swarm (-H, DOCKER_HOST or -c): `docker node ls` on a manager lists them';
  return new OperationError(`--target swarm: the engine at ${endpoint} ${what}`, { hint, ...(cause !== undefined ? { cause } : {}) });
}
