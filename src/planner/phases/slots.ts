// Phase 4, container slots: one slot per replica number a service should have. Each live
// container of ours takes the slot of its replica number; extras go (a duplicate number left
// by a race or a hand-made copy, a container with no valid number, replicas above the
// scale); a slot with no container gets one. A kept container is recreated when a recreate
// rule applies (recreate-rules.ts), and started when it is not up. Names a new container
// would take from a foreign one are problems, reported before anything is planned.

import { isManagedBy, replicaNumberOf } from '../../api/labels.js';
import { describeOwner, ownerOf, type Owner } from '../../api/ownership.js';
import type { ObservedContainer } from '../../api/engine-types.js';
import type { ServiceSpec, StackModel } from '../../model/types.js';
import { canonicalServiceSpec, specHash, type CanonicalSpec } from '../canonical.js';
import { anonymousVolumeName, containerName } from '../names.js';
import { isUp } from '../refs.js';
import type { Cause, ContainerRef } from '../types.js';
import type { ReconcileContext } from './context.js';
import type { ImagePhase } from './images.js';
import { recreateCause, recreateStrategy, type RecreateContext } from './recreate-rules.js';
import type { ResourceDecisions } from './resources.js';
import { dependencyOrder, type ObservedPartition, type Scope } from './scope.js';

export type Fate = 'keep' | 'create' | 'recreate';

/** The operations the containers and readiness phases plan for a slot. */
export interface SlotOperations {
  create?: string;
  /** The start of the container, when this plan starts it. */
  start?: string;
  /** Operations after which the container is ready for its dependents' ordering (start, or restart). */
  readonly ready: string[];
}

export interface Slot {
  readonly service: ServiceSpec;
  readonly number: number;
  /** The name the container has (kept) or will have (created/recreated). */
  readonly name: string;
  /** The live container in this slot, if any (replaced when recreated). */
  readonly existing?: ObservedContainer;
  readonly fate: Fate;
  /** Why it is created, recreated or started; none for a container left as it is. */
  readonly cause?: Cause;
  /**
   * The new container replaces the service's (a recreate, or a create where the service had
   * no container left): its running `depends_on.restart: true` dependents restart after it.
   * A scale-up adds a replica and replaces nothing.
   */
  readonly renewsDependents: boolean;
  readonly ops: SlotOperations;
}

/** A live container that goes, and why. */
export interface Removal {
  readonly container: ObservedContainer;
  readonly cause: Cause;
}

export interface SlotTable {
  /** Services of the plan in dependency order. */
  readonly order: readonly string[];
  readonly slotsByService: ReadonlyMap<string, readonly Slot[]>;
  /** Duplicates, containers without a valid number, and scale-down. */
  readonly removals: readonly Removal[];
  readonly specs: ReadonlyMap<string, CanonicalSpec>;
  /** Services some other service waits on with `service_completed_successfully`: one-shot jobs. */
  readonly oneShots: ReadonlySet<string>;
}

/** How the plan refers to a slot's container: the live one (by id) when kept, else by the name it will have. */
export function refOf(slot: Slot, useExisting: boolean): ContainerRef {
  if (useExisting && slot.existing) {
    return { name: slot.existing.name, id: slot.existing.id, service: slot.service.name, number: slot.number };
  }
  return { name: slot.name, service: slot.service.name, number: slot.number };
}

export function decideSlots(ctx: ReconcileContext, scope: Scope, partition: ObservedPartition, resources: ResourceDecisions, images: ImagePhase): SlotTable {
  const { model, options } = ctx;
  const order = dependencyOrder(model, resources.services);
  const slotsByService = new Map<string, Slot[]>();
  const removals: Removal[] = [];
  const specs = new Map<string, CanonicalSpec>();
  const oneShots = oneShotServices(model);
  const rc: RecreateContext = {
    gone: resources.gone,
    isReplaced: (name) => (slotsByService.get(name) ?? []).some((s) => s.fate !== 'keep'),
  };
  for (const serviceName of order) {
    const service = model.services[serviceName]!;
    const spec = canonicalServiceSpec(model, service);
    specs.set(serviceName, spec);
    const hash = specHash(spec);
    const wanted = Math.max(0, options.scale?.[serviceName] ?? service.scale);
    if (service.containerName !== undefined && wanted > 1) {
      ctx.problems.push(`service ${serviceName} sets container_name ${service.containerName}, so it cannot have ${wanted} replicas`);
    }
    const kept = assignReplicas(ctx, service, partition.byService.get(serviceName) ?? [], wanted, removals);
    const explicit = scope.explicit.has(serviceName);
    const strategy = recreateStrategy(ctx, explicit);
    const imageId = images.presentId(service);
    const imageReplaced = images.replacedCause(service);
    const slots: Slot[] = kept.map(({ number, container }) => {
      const cause = recreateCause(ctx, { service, number, container, spec, hash, strategy, explicit, imageId, ...(imageReplaced !== undefined ? { imageReplaced } : {}) }, rc);
      const name = containerName(ctx.projectName, service, number);
      if (cause) return { service, number, name, existing: container, fate: 'recreate', cause, renewsDependents: true, ops: { ready: [] } };
      const started = startCause(container, oneShots.has(serviceName));
      return { service, number, name, existing: container, fate: 'keep', ...(started ? { cause: started } : {}), renewsDependents: false, ops: { ready: [] } };
    });
    const used = new Set(kept.map((k) => k.number));
    const scalingUp = kept.length > 0;
    for (let n = 1; slots.length < wanted; n++) {
      if (used.has(n)) continue;
      const cause: Cause = { kind: 'missing', text: scalingUp ? `scale up to ${wanted}` : 'no container' };
      slots.push({ service, number: n, name: containerName(ctx.projectName, service, n), fate: 'create', cause, renewsDependents: !scalingUp, ops: { ready: [] } });
    }
    slots.sort((x, y) => x.number - y.number);
    slotsByService.set(serviceName, slots);
    for (const slot of slots) checkNameConflicts(ctx, partition, slot);
  }
  return { order, slotsByService, removals, specs, oneShots };
}

/**
 * One container per replica number, up to `wanted`: returns the containers kept, by number,
 * and adds the others to `removals` (a race, or a hand-renamed copy, can leave two).
 */
function assignReplicas(
  ctx: ReconcileContext,
  service: ServiceSpec,
  containers: readonly ObservedContainer[],
  wanted: number,
  removals: Removal[],
): { number: number; container: ObservedContainer }[] {
  const byNumber = new Map<number, ObservedContainer[]>();
  for (const c of containers) {
    const n = replicaNumberOf(c.labels);
    if (n === undefined) {
      removals.push({ container: c, cause: { kind: 'interrupted-run', text: 'no valid replica number' } });
      continue;
    }
    (byNumber.get(n) ?? byNumber.set(n, []).get(n)!).push(c);
  }
  const present: { number: number; container: ObservedContainer }[] = [];
  for (const [n, list] of [...byNumber].sort((x, y) => x[0] - y[0])) {
    const expectedName = containerName(ctx.projectName, service, n);
    // The one with the expected name stays, else the oldest.
    const sorted = [...list].sort(
      (x, y) => Number(y.name === expectedName) - Number(x.name === expectedName) || x.created - y.created || (x.id < y.id ? -1 : 1),
    );
    present.push({ number: n, container: sorted[0]! });
    for (const dup of sorted.slice(1)) {
      removals.push({ container: dup, cause: { kind: 'interrupted-run', text: `duplicate of replica ${n}` } });
    }
  }
  for (const extra of present.slice(wanted)) {
    removals.push({ container: extra.container, cause: { kind: 'scale-down', text: `scale down to ${wanted}` } });
  }
  return present.slice(0, wanted);
}

/** Why a kept container that is not up is started, if it is. */
function startCause(c: ObservedContainer, oneShot: boolean): Cause | undefined {
  if (isUp(c)) return undefined;
  // A one-shot job (some service waits for it to complete) that already exited 0 is done:
  // starting it again on every `up` would rerun e.g. a migration and make a second `up`
  // anything but a no-op. Compose reruns it; we deliberately do not.
  if (oneShot && c.state === 'exited' && c.exitCode === 0) return undefined;
  return { kind: 'stopped', text: stoppedText(c) };
}

function stoppedText(c: ObservedContainer): string {
  if (c.state === 'created') return 'created, not started';
  if (c.state === 'exited') return c.exitCode !== undefined ? `exited (${c.exitCode})` : 'exited';
  return c.state;
}

/** A container or anonymous volume this slot would create under a name a foreign object holds. */
function checkNameConflicts(ctx: ReconcileContext, partition: ObservedPartition, slot: Slot): void {
  const { observed, projectName } = ctx;
  if (slot.fate === 'keep') return;
  const holder = partition.foreignContainers.get(slot.name);
  if ((slot.fate === 'create' || slot.name !== slot.existing?.name) && holder !== undefined) {
    ctx.problems.push(nameTaken('container', slot.name, ownerOf(holder, projectName)));
  }
  for (const m of slot.service.mounts) {
    if (m.type !== 'volume' || m.source !== undefined) continue;
    const anonName = anonymousVolumeName(projectName, slot.service.name, slot.number, m.target);
    const live = observed.volumes.find((v) => v.name === anonName);
    const foreign = live ? (isManagedBy(live.labels, projectName) ? undefined : live) : observed.foreignByName?.volumes.find((v) => v.name === anonName);
    if (foreign) ctx.problems.push(nameTaken('volume', anonName, ownerOf(foreign.labels, projectName)));
  }
}

/**
 * A container (or anonymous volume) name another object holds. Stack's own objects of another
 * project collide by accident (`container_name`, or project `a` service `b-c` and project `a-b`
 * service `c`): say which project, and that the names must differ.
 */
function nameTaken(kind: 'container' | 'volume', name: string, owner: Owner): string {
  if (owner.kind === 'stack') {
    return `${kind} ${name} already exists, ${describeOwner(owner)}: two projects cannot share a ${kind} name; rename the service (or its container_name) here, or give this stack another project name (-p)`;
  }
  return `${kind} ${name} already exists and was ${describeOwner(owner)}: remove or rename it`;
}

/** Services some other service waits on with `service_completed_successfully`. */
function oneShotServices(model: StackModel): Set<string> {
  const out = new Set<string>();
  for (const s of Object.values(model.services)) {
    for (const [dep, d] of Object.entries(s.dependsOn)) if (d.condition === 'service_completed_successfully') out.add(dep);
  }
  return out;
}

/**
 * The slots that restart when `dependency` is replaced: kept, running containers of services
 * that depend on it with `restart: true`, which this plan neither starts nor replaces.
 */
export function restartingDependents(ctx: ReconcileContext, table: SlotTable, dependency: string): Slot[] {
  const out: Slot[] = [];
  for (const serviceName of table.order) {
    if (!ctx.model.services[serviceName]!.dependsOn[dependency]?.restart) continue;
    for (const slot of table.slotsByService.get(serviceName)!) {
      if (slot.fate === 'keep' && slot.cause === undefined && slot.existing && isUp(slot.existing)) out.push(slot);
    }
  }
  return out;
}
