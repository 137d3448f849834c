// planSwarm(model, observed, inputs, options) → Plan, and planSwarmDown(observed) → Plan: the
// Swarm target's planner. Pure, like the container planner (no I/O, no clock, no engine): the
// façade reads file contents and resolves image digests beforehand (SwarmPlanInputs). The
// plan is the same value the container planner returns, so `formatPlan`, `plan --json`, the
// executor and the exit codes are shared.
//
// Order of work: networks, configs and secrets first (services name them), then the services,
// then what no service needs any more. Nothing is sent for a service that matches the file.

import type { StackModel } from '../../model/types.js';
import type { SwarmObservedState } from '../../api/swarm-observed.js';
import { isSwarmManagedBy } from '../../api/labels.js';
import { dedupeWarnings, problemError } from '../../planner/phases/context.js';
import { PlanBuilder } from '../../planner/graph.js';
import { inChange, opId } from '../../planner/ids.js';
import { SensitiveValues } from '../../planner/redact.js';
import type { Plan } from '../../planner/types.js';
import { swarmPlanContext } from './context.js';
import { planSwarmFiles, removeUnusedFiles } from './files.js';
import { planSwarmNetworks } from './networks.js';
import { planSwarmServices } from './services.js';
import { checkSwarmSupport } from './unsupported.js';
import type { SwarmPlanInputs, SwarmPlanOptions } from './types.js';

export type { SwarmPlanInputs, SwarmPlanOptions } from './types.js';
export { NO_INPUTS } from './types.js';
export { TASK_HASH_LABEL, replicasOf } from './service-body.js';
export { swarmServiceName, swarmFileName } from './names.js';

export function planSwarm(model: StackModel, observed: SwarmObservedState, inputs: SwarmPlanInputs, options: SwarmPlanOptions = {}): Plan {
  const ctx = swarmPlanContext(model, observed, inputs, options);
  checkSwarmSupport(ctx);
  const networks = planSwarmNetworks(ctx);
  const files = planSwarmFiles(ctx);
  const services = planSwarmServices(ctx, { networks, files });
  if (ctx.problems.length > 0) throw problemError(ctx.problems);
  removeUnusedFiles(ctx, files, services.removedIds, services.removeOps);
  return { projectName: model.projectName, operations: ctx.builder.build(), warnings: dedupeWarnings(ctx.warnings), sensitive: new SensitiveValues(model.sensitiveValues, model.secretValues) };
}

export interface SwarmDownOptions {
  /** Named volumes are node-local on a swarm and are not removed here (each node has its own). */
  readonly removeVolumes?: boolean;
}

/**
 * Everything of the stack that stack created, from labels alone: services first, then the
 * configs, secrets and networks they used. Never what it did not create (a `docker stack
 * deploy` of the same name keeps its objects), never external objects.
 */
export function planSwarmDown(observed: SwarmObservedState, options: SwarmDownOptions = {}): Plan {
  const b = new PlanBuilder();
  const project = observed.projectName;
  const down = { kind: 'down' as const, text: 'stack down' };
  const serviceRemovals: string[] = [];
  for (const s of observed.services.filter((x) => isSwarmManagedBy(x.labels, project))) {
    serviceRemovals.push(b.add({ id: `remove service ${s.name}`, kind: 'service.remove', serviceName: s.name, serviceId: s.id, after: [], cause: down, service: s.name.slice(project.length + 1), ...inChange('remove', 'service', s.name) }));
  }
  for (const kind of ['config', 'secret'] as const) {
    for (const f of (kind === 'config' ? observed.configs : observed.secrets).filter((x) => isSwarmManagedBy(x.labels, project))) {
      b.add({ id: `remove ${kind} ${f.name}`, kind: `${kind}.remove`, fileName: f.name, fileId: f.id, after: serviceRemovals, cause: down, ...inChange('remove', kind, f.name) });
    }
  }
  for (const n of observed.networks.filter((x) => isSwarmManagedBy(x.labels, project))) {
    b.add({ id: opId.removeNetwork(n.name), kind: 'network.remove', network: n.name, networkId: n.id, after: serviceRemovals, cause: down, ...inChange('remove', 'network', n.name) });
  }
  const warnings = options.removeVolumes
    ? [{ message: 'named volumes of a swarm stack live on each node that ran a task: remove them on each node (docker volume rm), stack does not reach the nodes one by one' }]
    : [];
  return { projectName: project, operations: b.build(), warnings, sensitive: SensitiveValues.none };
}
