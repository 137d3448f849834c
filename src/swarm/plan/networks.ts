// The stack's networks on a swarm: overlay networks the services join. A missing one is
// created (driver `overlay` unless the file says otherwise; `attachable` as written). The
// engine cannot change a network in place, and on a swarm a network cannot be replaced while
// any task of any service is on it, so a network that differs from the file is reported, not
// recreated: `stack down` then `up` does it. External networks must exist; a network of our
// name that stack did not create is never adopted.

import { canonicalHash } from '../../model/hash.js';
import { STACK, SWARM, isSwarmManagedBy } from '../../api/labels.js';
import type { NetworkSpec } from '../../model/types.js';
import { canonicalNetworkSpec, implicitNetworkSpec, networkCreateBody } from '../../network/plan.js';
import { opId, inChange } from '../../planner/ids.js';
import type { SwarmPlanContext } from './context.js';

/** How a service reaches a network of the stack: its engine name, and the id when it exists. */
export interface SwarmNetworkRef {
  readonly name: string;
  readonly id?: string;
  /** The create operation of this plan, when the network is missing. */
  readonly createOp?: string;
}

/** Drivers whose networks span a swarm. */
const SWARM_DRIVERS = new Set(['overlay']);

export function planSwarmNetworks(ctx: SwarmPlanContext): Map<string, SwarmNetworkRef> {
  const keys = new Set<string>();
  for (const name of ctx.scope) for (const key of Object.keys(ctx.model.services[name]!.networks)) keys.add(key);
  const out = new Map<string, SwarmNetworkRef>();
  for (const key of [...keys].sort()) {
    const spec = ctx.model.networks[key] ?? implicitNetworkSpec(ctx.model, key);
    const ref = planNetwork(ctx, spec);
    if (ref) out.set(key, ref);
  }
  return out;
}

function planNetwork(ctx: SwarmPlanContext, spec: NetworkSpec): SwarmNetworkRef | undefined {
  const sameName = ctx.observed.networks.filter((n) => n.name === spec.name || (spec.external && n.id === spec.name));
  if (spec.external) {
    const found = sameName[0];
    if (!found) ctx.problems.push(`network ${spec.name} is external but does not exist on the swarm`);
    return found ? { name: found.name, id: found.id } : undefined;
  }
  const driver = spec.driver ?? 'overlay';
  if (!SWARM_DRIVERS.has(driver)) {
    ctx.problems.push(`networks.${spec.key}.driver: a ${driver} network is local to one engine; services on a swarm need an overlay network`);
    return undefined;
  }
  const canonical = canonicalNetworkSpec({ ...spec, driver });
  const hash = canonicalHash(canonical);
  const ours = sameName.find((n) => isSwarmManagedBy(n.labels, ctx.projectName));
  if (!ours) {
    if (sameName.length > 0) {
      ctx.problems.push(`network ${spec.name} exists and was not created by stack: remove or rename it, or declare it external`);
      return undefined;
    }
    const body = networkCreateBody(ctx.model, { ...spec, driver }, hash, canonical, ctx.redactor);
    const createOp = ctx.builder.add({
      id: opId.createNetwork(spec.name),
      kind: 'network.create',
      network: spec.name,
      body: { ...body, Labels: { ...body.Labels, [SWARM.namespace]: ctx.projectName } },
      after: [],
      cause: { kind: 'missing', text: 'no network' },
      ...inChange('create', 'network', spec.name),
    });
    return { name: spec.name, createOp };
  }
  if (ours.labels[STACK.resourceHash] !== hash) {
    ctx.warnings.push({
      message: `network ${spec.name} differs from the stack file and a swarm cannot change it while services use it: \`stack down --target swarm\`, then \`up\`, recreates it`,
    });
  }
  return { name: ours.name, id: ours.id };
}
