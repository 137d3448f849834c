// The Swarm target (`--target swarm`): plan, up, down, ps and logs of a stack on a swarm
// manager, through the same pipeline as the container target — load, connect, lock, observe
// once, plan purely, execute dumbly — with src/swarm/ for the observe, the planner and the
// convergence follower. `plan`, `up` and `down` (up-down.ts) hand over here once the target
// is known; everything that leaves passes the same redactor.

import type { StackModel } from '../model/types.js';
import type { Plan, ReconcileOptions } from '../planner/types.js';
import type { EngineGateway } from '../engine/gateway.js';
import type { SwarmGateway } from '../engine/swarm-gateway.js';
import type { SwarmObservedState } from '../api/swarm-observed.js';
import type { ObservedTask } from '../api/swarm-types.js';
import { STACK, swarmProjectFilter } from '../api/labels.js';
import { OperationError, UsageError } from '../errors.js';
import { DEFAULT_WAIT_TIMEOUT_MS } from '../planner/phases/context.js';
import type { EngineConnection } from './connect.js';
import { interruptible, type RunHooks, type StackEvent } from './events.js';
import { pause } from '../api/pause.js';
import { applyPlan, type ApplyOptions } from './apply.js';
import type { ResolveImage } from '../swarm/inputs.js';

export type { ResolveImage };

export interface SwarmRequest {
  readonly reconcile?: ReconcileOptions;
  /** `--resolve-image`: ask a registry for each image's digest (default `always`, as `docker stack deploy`). */
  readonly resolveImage?: ResolveImage;
}

/** `up` and `plan` flags that mean nothing to a swarm, refused rather than ignored. */
const CONTAINER_ONLY: readonly [keyof ReconcileOptions, string][] = [
  ['scale', '--scale (set deploy.replicas in the file)'],
  ['noRecreate', '--no-recreate'],
  ['noStart', '--no-start'],
  ['renewAnonVolumes', '--renew-anon-volumes'],
  ['alwaysRecreateDeps', '--always-recreate-deps'],
  ['noDeps', '--no-deps'],
];

function swarmGatewayOf(connection: EngineConnection): EngineGateway & SwarmGateway {
  const g = connection.gateway as EngineGateway & Partial<SwarmGateway>;
  if (typeof g.listServices !== 'function' || typeof g.createService !== 'function') {
    throw new OperationError('--target swarm: this engine connection does not speak the Swarm API');
  }
  return g as EngineGateway & SwarmGateway;
}

/** Observe the stack on the swarm, read what the planner needs, and plan. */
export async function planOnSwarm(connection: EngineConnection, model: StackModel, request: SwarmRequest, hooks: RunHooks, stackVersion: string): Promise<{ plan: Plan; observed: SwarmObservedState }> {
  const r = request.reconcile ?? {};
  for (const [flag, name] of CONTAINER_ONLY) {
    if (r[flag] !== undefined && r[flag] !== false) throw new UsageError(`${name} does not apply to --target swarm`);
  }
  const gateway = swarmGatewayOf(connection);
  const [{ observeSwarm }, { readSwarmInputs }, { planSwarm }] = await Promise.all([import('../swarm/observe.js'), import('../swarm/inputs.js'), import('../swarm/plan/index.js')]);
  const [observed, inputs] = await interruptible(hooks, () =>
    Promise.all([
      observeSwarm(gateway, model.projectName, model, connection.endpoint, hooks.signal),
      readSwarmInputs(model, gateway, {
        ...(r.services ? { services: r.services } : {}),
        resolveImage: request.resolveImage ?? 'always',
        env: connection.env,
        ...(hooks.signal ? { signal: hooks.signal } : {}),
      }),
    ]),
  );
  const plan = planSwarm(model, observed, inputs, {
    ...(r.services ? { services: r.services } : {}),
    ...(r.removeOrphans ? { removeOrphans: true } : {}),
    ...(r.forceRecreate ? { forceUpdate: true } : {}),
    stackVersion,
  });
  return { plan, observed };
}

export interface SwarmApplied {
  readonly plan: Plan;
  readonly durationMs: number;
  readonly done: number;
}

/**
 * Apply the plan; with `--wait`, follow every service in scope until it runs its current spec
 * (or fail naming the service and the engine's error), then remove the configs and secrets
 * the rollout left unused. Without --wait, they go in a later `up`, once unused.
 */
export async function upOnSwarm(connection: EngineConnection, model: StackModel, request: SwarmRequest, options: ApplyOptions, hooks: RunHooks, stackVersion: string): Promise<SwarmApplied> {
  const started = Date.now();
  const { plan } = await planOnSwarm(connection, model, request, hooks, stackVersion);
  const applied = await applyPlan(plan, connection.gateway, options, hooks);
  let done = applied.done;
  if (request.reconcile?.wait) {
    await waitForRollout(connection, model, plan, request, hooks);
    const again = await planOnSwarm(connection, model, { ...request, resolveImage: 'never' }, hooks, stackVersion);
    const cleanup = onlyKinds(again.plan, ['config.remove', 'secret.remove']);
    if (cleanup.operations.length > 0) done += (await applyPlan(cleanup, connection.gateway, options, hooks)).done;
  }
  return { plan, durationMs: Date.now() - started, done };
}

async function waitForRollout(connection: EngineConnection, model: StackModel, plan: Plan, request: SwarmRequest, hooks: RunHooks): Promise<void> {
  const gateway = swarmGatewayOf(connection);
  const [{ followConvergence }, { swarmServiceName }, { TASK_HASH_LABEL }] = await Promise.all([
    import('../swarm/converge.js'),
    import('../swarm/plan/names.js'),
    import('../swarm/plan/service-body.js'),
  ]);
  const scope = request.reconcile?.services?.length ? request.reconcile.services : Object.keys(model.services);
  const sent = new Map<string, { configHash: string; taskHash: string }>();
  for (const op of plan.operations) {
    if (op.kind === 'service.create' || op.kind === 'service.update') {
      sent.set(op.serviceName, { configHash: op.body.Labels[STACK.configHash] ?? '', taskHash: op.body.TaskTemplate.ContainerSpec.Labels?.[TASK_HASH_LABEL] ?? '' });
    }
  }
  const live = new Map((await gateway.listServices({ labels: swarmProjectFilter(model.projectName) }, hooks.signal)).map((s) => [s.name, s]));
  const targets = [...scope].sort().map((service) => {
    const engineName = swarmServiceName(model.projectName, service);
    const l = live.get(engineName);
    return { service, engineName, ...(sent.get(engineName) ?? { configHash: l?.labels[STACK.configHash] ?? '', taskHash: l?.containerLabels[TASK_HASH_LABEL] ?? '' }) };
  });
  const emit = (event: StackEvent) => hooks.onEvent?.(event);
  await interruptible(hooks, () =>
    followConvergence(gateway, targets, {
      projectName: model.projectName,
      timeoutMs: request.reconcile?.waitTimeoutMs ?? DEFAULT_WAIT_TIMEOUT_MS,
      ...(hooks.signal ? { signal: hooks.signal } : {}),
      onProgress: (p) => emit({ type: 'service-progress', at: Date.now(), ...p }),
    }),
  );
}

/** The plan reduced to some kinds of operation (prerequisites outside it dropped). */
export function onlyKinds(plan: Plan, kinds: readonly string[]): Plan {
  const ops = plan.operations.filter((op) => kinds.includes(op.kind));
  const ids = new Set(ops.map((op) => op.id));
  return { ...plan, operations: ops.map((op) => ({ ...op, after: op.after.filter((a) => ids.has(a)) })), warnings: [] };
}

/** How long `down` waits for the tasks of removed services to be gone before removing their networks. */
const TASKS_GONE_TIMEOUT_MS = 60_000;

/**
 * Remove what stack created for the stack, from labels: services first; then, once their
 * tasks are gone (a network with a task still on it cannot be removed: the engine answers
 * "has active endpoints", which `docker stack rm` users meet), configs, secrets, networks.
 */
export async function downOnSwarm(
  connection: EngineConnection,
  projectName: string,
  model: StackModel | undefined,
  removeVolumes: boolean,
  options: ApplyOptions,
  hooks: RunHooks,
): Promise<{ plan: Plan; durationMs: number }> {
  const started = Date.now();
  const gateway = swarmGatewayOf(connection);
  const [{ observeSwarm }, { planSwarmDown }] = await Promise.all([import('../swarm/observe.js'), import('../swarm/plan/index.js')]);
  const observed = await interruptible(hooks, () => observeSwarm(gateway, projectName, model, connection.endpoint, hooks.signal));
  const plan = planSwarmDown(observed, { removeVolumes });
  const services = onlyKinds(plan, ['service.remove']);
  await applyPlan({ ...services, warnings: plan.warnings }, connection.gateway, options, hooks);
  const removedIds = new Set(plan.operations.flatMap((op) => (op.kind === 'service.remove' ? [op.serviceId] : [])));
  if (removedIds.size > 0) await tasksGone(gateway, removedIds, hooks);
  const rest = onlyKinds(plan, ['config.remove', 'secret.remove', 'network.remove']);
  if (rest.operations.length > 0) await applyPlan(rest, connection.gateway, options, { ...hooks, onEvent: (e) => (e.type === 'plan' ? undefined : hooks.onEvent?.(e)) });
  return { plan, durationMs: Date.now() - started };
}

async function tasksGone(gateway: SwarmGateway, serviceIds: ReadonlySet<string>, hooks: RunHooks): Promise<void> {
  const deadline = Date.now() + TASKS_GONE_TIMEOUT_MS;
  for (;;) {
    const tasks = await gateway.listTasks({}, hooks.signal);
    if (!tasks.some((t) => serviceIds.has(t.serviceId))) return;
    if (Date.now() >= deadline || hooks.signal?.aborted) return;
    await pause(250, hooks.signal);
  }
}

// --- ps and logs --------------------------------------------------------------------------------

export interface SwarmTaskRow {
  readonly id: string;
  /** `<service>.<slot>` (replicated) or `<service>.<node>` (global), as `docker stack ps` names tasks. */
  readonly name: string;
  readonly service: string;
  readonly image: string;
  readonly node: string;
  readonly desiredState: string;
  readonly currentState: string;
  /** When the current state began (RFC 3339). */
  readonly since: string;
  readonly error: string;
}

export interface SwarmPsOptions {
  readonly services?: readonly string[];
  /** Tasks that were shut down too (the rollout history). */
  readonly all?: boolean;
}

/** The stack's tasks: node, desired and current state, and error, newest first within a slot. */
export async function psOnSwarm(connection: EngineConnection, projectName: string, options: SwarmPsOptions): Promise<SwarmTaskRow[]> {
  const gateway = swarmGatewayOf(connection);
  const prefix = `${projectName}_`;
  const services = (await gateway.listServices({ labels: swarmProjectFilter(projectName) })).filter(
    (s) => !options.services?.length || options.services.includes(s.name.slice(prefix.length)),
  );
  if (services.length === 0) return [];
  const [tasks, nodes] = await Promise.all([gateway.listTasks({ services: services.map((s) => s.id) }), gateway.listNodes()]);
  const hostOf = new Map(nodes.map((n) => [n.id, n.hostname]));
  const serviceOf = new Map(services.map((s) => [s.id, s.name.slice(prefix.length)]));
  const rows = tasks
    .filter((t) => options.all || t.desiredState === 'running' || t.desiredState === 'complete' || t.desiredState === 'ready')
    .map((t) => taskRow(t, serviceOf.get(t.serviceId) ?? t.serviceId, hostOf.get(t.nodeId) ?? t.nodeId));
  return rows.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.since > b.since ? -1 : 1));
}

function taskRow(t: ObservedTask, service: string, node: string): SwarmTaskRow {
  return {
    id: t.id,
    name: t.slot > 0 ? `${service}.${t.slot}` : `${service}.${node || t.nodeId}`,
    service,
    image: t.image.replace(/@sha256:[0-9a-f]+$/, ''),
    node,
    desiredState: t.desiredState,
    currentState: t.state,
    since: t.timestamp,
    error: t.error ?? '',
  };
}
