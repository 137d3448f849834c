// The services of the stack: create what is missing, update what differs from the file (one
// update carries the whole new spec; the engine rolls the tasks as update_config says), leave
// alone what matches it — without sending anything, so its version does not move — and report
// (or, with --remove-orphans, remove) services of the stack no longer in the file. A service
// of our name that stack did not create (a `docker stack deploy` of the same name, say) is
// never adopted.

import { STACK, SWARM, isSwarmManagedBy, parseSensitivePaths, parseSpecLabel } from '../../api/labels.js';
import type { ObservedService } from '../../api/swarm-types.js';
import { inChange } from '../../planner/ids.js';
import { changedCause } from '../../planner/spec-diff.js';
import type { Cause } from '../../planner/types.js';
import type { SwarmPlanContext } from './context.js';
import { desiredService, type DesiredService, type ServiceRefs } from './service-body.js';
import { swarmServiceName } from './names.js';

export interface ServicePhase {
  readonly desired: ReadonlyMap<string, DesiredService>;
  /** Ids of the services this plan removes (orphans). */
  readonly removedIds: ReadonlySet<string>;
  /** The plan's service removals, after which freed configs and secrets may go. */
  readonly removeOps: readonly string[];
}

export function planSwarmServices(ctx: SwarmPlanContext, refs: ServiceRefs): ServicePhase {
  const byName = new Map(ctx.observed.services.map((s) => [s.name, s]));
  const desired = new Map<string, DesiredService>();
  for (const name of ctx.scope) {
    const service = ctx.model.services[name]!;
    const engineName = swarmServiceName(ctx.projectName, name);
    const live = byName.get(engineName);
    if (live && !isSwarmManagedBy(live.labels, ctx.projectName)) {
      ctx.problems.push(`service ${engineName} exists and was not created by stack${live.labels[SWARM.namespace] === ctx.projectName ? ' (it is `docker stack deploy`\'s)' : ''}: remove it (docker service rm ${engineName}) or use another project name`);
      continue;
    }
    const d = desiredService(ctx, service, refs, live);
    desired.set(name, d);
    const after = prerequisites(service, refs);
    if (!live) {
      ctx.builder.add({ id: `create service ${engineName}`, kind: 'service.create', serviceName: engineName, body: d.body, after, cause: { kind: 'missing', text: 'no service' }, service: name, ...inChange('create', 'service', engineName) });
      continue;
    }
    const cause = updateCause(ctx, live, d);
    if (cause) {
      ctx.builder.add({ id: `update service ${engineName}`, kind: 'service.update', serviceName: engineName, serviceId: live.id, version: live.version, body: d.body, after, cause, service: name, ...inChange('update', 'service', engineName) });
    }
  }
  return { desired, ...planOrphans(ctx) };
}

function prerequisites(service: { readonly networks: object; readonly secrets: readonly { source: string }[]; readonly configs: readonly { source: string }[] }, refs: ServiceRefs): string[] {
  const out: string[] = [];
  for (const key of Object.keys(service.networks)) {
    const op = refs.networks.get(key)?.createOp;
    if (op) out.push(op);
  }
  for (const [kind, list] of [['secret', service.secrets], ['config', service.configs]] as const) {
    for (const r of list) {
      const op = refs.files.get(`${kind}:${r.source}`)?.createOp;
      if (op) out.push(op);
    }
  }
  return out;
}

/** Why a live service must be updated; undefined when it matches the file. */
function updateCause(ctx: SwarmPlanContext, live: ObservedService, d: DesiredService): Cause | undefined {
  if (live.labels[STACK.configHash] !== d.hash) {
    const cause = changedCause(parseSpecLabel(live.labels), d.spec, ctx.redactor, parseSensitivePaths(live.labels));
    // After a failed update the engine rolls the spec back: the file is then still ahead.
    return live.updateState === 'rollback_completed' ? { ...cause, text: `${cause.text} (the last update was rolled back)` } : cause;
  }
  if (ctx.options.forceUpdate) return { kind: 'forced', text: '--force-recreate: every task is replaced' };
  return undefined;
}

function planOrphans(ctx: SwarmPlanContext): Omit<ServicePhase, 'desired'> {
  const known = new Set([...Object.keys(ctx.model.services), ...ctx.model.disabledServices].map((n) => swarmServiceName(ctx.projectName, n)));
  const orphans = ctx.observed.services.filter((s) => isSwarmManagedBy(s.labels, ctx.projectName) && !known.has(s.name)).sort((a, b) => (a.name < b.name ? -1 : 1));
  const removedIds = new Set<string>();
  const removeOps: string[] = [];
  for (const s of orphans) {
    if (!ctx.options.removeOrphans) {
      ctx.warnings.push({ message: `service ${s.name} is no longer in the stack file: \`up --remove-orphans\` removes it` });
      continue;
    }
    removedIds.add(s.id);
    removeOps.push(ctx.builder.add({ id: `remove service ${s.name}`, kind: 'service.remove', serviceName: s.name, serviceId: s.id, after: [], cause: { kind: 'orphan', text: 'no longer in the stack file' }, service: s.name.slice(ctx.projectName.length + 1), ...inChange('remove', 'service', s.name) }));
  }
  return { removedIds, removeOps };
}
