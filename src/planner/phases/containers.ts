// Phase 4, container operations: what the slots decided, as engine calls.
//   - removals (duplicates, scale-down, orphans with --remove-orphans): stop (when up) → remove;
//     a kept orphan on a network that is recreated is disconnected from it instead;
//   - a kept container that is not up: start;
//   - create and recreate, one group each: [probe → stop → remove the old one (volumes
//     kept)] → anonymous volumes (created once, then inherited) → create → connect to the
//     other networks → start. The create waits for its networks, named volumes and image, and
//     for the containers whose network or volumes it shares;
//   - a create probe left by a killed run: removed.
// The probe is the one temporary name: see the crash-safety note in reconcile.ts.

import { isOneOff, ownershipLabels, serviceOf, STACK } from '../../api/labels.js';
import type { ContainerCreateBody, ObservedContainer } from '../../api/engine-types.js';
import type { ServiceSpec } from '../../model/types.js';
import { anonymousVolumeBody } from '../../volume/plan.js';
import { containerIdentityDependencies, type CanonicalSpec } from '../canonical.js';
import { buildContainerCreateBody, endpointConfig, orderedNetworkKeys, pinNetworkId, pinNetworkIds } from '../container-spec.js';
import { inChange, opId, type InChange } from '../ids.js';
import { networkName } from '../names.js';
import { isUp, observedRef } from '../refs.js';
import { serviceSensitivePaths } from '../sensitive-spec.js';
import type { Cause, ContainerRef } from '../types.js';
import { deliveryOf } from '../delivered-files.js';
import type { ReconcileContext } from './context.js';
import type { ImagePhase } from './images.js';
import type { ResourceDecisions, ResourceOperations } from './resources.js';
import type { ObservedPartition } from './scope.js';
import { refOf, restartingDependents, type Slot, type SlotTable } from './slots.js';

/** Container id (or `id/network` for a disconnect) → the operation after which it no longer holds its networks and volumes. */
export type ContainerRemovals = Map<string, string>;

/** stop (when up) → remove, for a container that goes away. Returns the remove operation's id. */
function removeContainer(
  ctx: ReconcileContext,
  removals: ContainerRemovals,
  c: ObservedContainer,
  cause: Cause,
  grouping: InChange,
  service?: string,
  removeAnonymousVolumes = false,
  after: readonly string[] = [],
): string {
  const b = ctx.builder;
  const r = observedRef(c);
  let stopId: string | undefined;
  if (isUp(c)) {
    stopId = b.add({ id: opId.stop(c.name), kind: 'container.stop', container: r, after: [...after], cause, ...grouping, ...(service ? { service } : {}), ...ctx.stopTimeout });
  }
  const removeId = b.add({
    id: opId.remove(c.name),
    kind: 'container.remove',
    container: r,
    removeAnonymousVolumes,
    after: stopId ? [stopId] : [...after],
    cause,
    ...grouping,
    ...(service ? { service } : {}),
  });
  removals.set(c.id, removeId);
  return removeId;
}

/** Duplicates, scale-down and orphans: removed, or (orphans kept) warned about. */
export function emitRemovals(ctx: ReconcileContext, table: SlotTable, partition: ObservedPartition, resources: ResourceDecisions): ContainerRemovals {
  const removals: ContainerRemovals = new Map();
  for (const { container, cause } of table.removals) {
    removeContainer(ctx, removals, container, cause, inChange('remove', 'container', container.name), serviceOf(container.labels));
  }
  for (const probe of partition.probes) {
    removeContainer(ctx, removals, probe, { kind: 'interrupted-run', text: 'create probe left by an interrupted run' }, inChange('remove', 'container', probe.name));
  }
  for (const c of partition.orphans) {
    const service = serviceOf(c.labels);
    if (ctx.options.removeOrphans) {
      removeContainer(ctx, removals, c, { kind: 'orphan', text: isOneOff(c.labels) ? 'stopped one-off container' : 'orphan' }, inChange('remove', 'container', c.name), service);
      continue;
    }
    ctx.warnings.push({
      service,
      message: `found orphan container ${c.name} (service ${service} is not in the stack file): run with --remove-orphans to remove it`,
    });
    // A kept orphan on a network we recreate would block the removal: take it off first.
    const gone = resources.gone;
    for (const [netName, ep] of Object.entries(c.networks)) {
      if (!gone.networkNames.has(netName) && !gone.networkIds.has(ep.networkId)) continue;
      const id = ctx.builder.add({
        id: opId.disconnect(c.name, netName),
        kind: 'network.disconnect',
        network: netName,
        container: observedRef(c),
        after: [],
        cause: { kind: 'orphan', text: `network ${netName} is recreated` },
        service,
        ...inChange('disconnect', 'container', c.name),
      });
      removals.set(`${c.id}/${netName}`, id);
    }
  }
  return removals;
}

/** What the container operations wait for, from the phases before. */
export interface ContainerInputs {
  readonly table: SlotTable;
  readonly resources: ResourceDecisions;
  readonly resourceOps: ResourceOperations;
  readonly images: ImagePhase;
  readonly removals: ContainerRemovals;
}

export function emitContainerOperations(ctx: ReconcileContext, inputs: ContainerInputs): void {
  const { table } = inputs;
  for (const serviceName of table.order) {
    for (const slot of table.slotsByService.get(serviceName)!) {
      if (slot.fate === 'keep') emitStartOfKept(ctx, slot);
      else emitCreate(ctx, inputs, slot, table.specs.get(serviceName)!);
    }
  }
}

/**
 * A kept container that is not up is started. One that never ran (`created`) may miss the
 * files delivered between create and start (the run that made it died in between): they are
 * written again first, which changes nothing when they are there.
 */
function emitStartOfKept(ctx: ReconcileContext, slot: Slot): void {
  if (!slot.cause || ctx.options.noStart) return;
  const service = slot.service;
  const grouping = inChange('start', 'container', slot.name);
  const copy = slot.existing!.state === 'created' ? emitDelivery(ctx, slot, refOf(slot, true), [], grouping, slot.cause) : undefined;
  slot.ops.start = ctx.builder.add({
    id: opId.start(slot.existing!.name),
    kind: 'container.start',
    container: refOf(slot, true),
    after: copy !== undefined ? [copy] : [],
    cause: slot.cause,
    service: service.name,
    ...inChange('start', 'container', slot.name),
    ...(service.ports.length > 0 ? { serialKey: 'ports' } : {}),
  });
  slot.ops.ready.push(slot.ops.start);
}

/** One create or recreate group: [stop → remove old] → anonymous volumes → create → connects → start. */
function emitCreate(ctx: ReconcileContext, inputs: ContainerInputs, slot: Slot, spec: CanonicalSpec): void {
  const { model, options, builder: b } = ctx;
  const service = slot.service;
  const serviceName = service.name;
  const grouping = inChange(slot.fate === 'create' ? 'create' : 'recreate', 'container', slot.name);
  const cause = slot.cause!;
  const body = pinNetworkIds(
    buildContainerCreateBody(model, service, slot.number, {
      spec,
      sensitivePaths: serviceSensitivePaths(model, serviceName, spec, ctx.redactor),
      ...(slot.fate === 'recreate' && !options.renewAnonVolumes ? { inheritedVolumes: imageDeclaredVolumes(service, slot.existing!) } : {}),
      ...(slot.renewsDependents && !options.noStart ? { restartDependents: restartingDependents(ctx, inputs.table, serviceName).map((d) => d.existing!.id) } : {}),
      ...(options.stackVersion !== undefined ? { stackVersion: options.stackVersion } : {}),
    }),
    inputs.resources.keptNetworkIds,
  );
  const createAfter: (string | undefined)[] = [];
  let oldRemoveId: string | undefined;
  if (slot.fate === 'recreate') {
    const probeRemoveId = emitProbe(ctx, inputs, slot, body, grouping);
    oldRemoveId = removeContainer(ctx, inputs.removals, slot.existing!, cause, grouping, serviceName, options.renewAnonVolumes === true, probeRemoveId ? [probeRemoveId] : []);
    createAfter.push(oldRemoveId);
  }
  createAfter.push(...emitAnonymousVolumes(ctx, slot, grouping, oldRemoveId));
  if (service.networkMode === undefined) for (const key of Object.keys(service.networks)) createAfter.push(inputs.resourceOps.networkCreates.get(key));
  for (const m of service.mounts) if (m.type === 'volume' && m.source !== undefined) createAfter.push(inputs.resourceOps.volumeCreates.get(m.source));
  createAfter.push(inputs.images.readyFor(service));
  for (const dep of containerIdentityDependencies(service)) {
    for (const d of inputs.table.slotsByService.get(dep) ?? []) createAfter.push(...d.ops.ready, d.ops.create);
  }
  const keptNetworkIds = inputs.resources.keptNetworkIds;
  const newRef = refOf(slot, false);
  slot.ops.create = b.add({ id: opId.create(slot.name), kind: 'container.create', container: newRef, body, after: [], cause, service: serviceName, ...grouping });
  b.after(slot.ops.create, createAfter);
  const connectOps: string[] = [];
  if (service.networkMode === undefined) {
    for (const key of orderedNetworkKeys(service).slice(1)) {
      const net = networkName(model, key);
      const networkCreate = inputs.resourceOps.networkCreates.get(key);
      connectOps.push(
        b.add({
          id: opId.connect(slot.name, net),
          kind: 'network.connect',
          network: net,
          container: newRef,
          endpoint: pinNetworkId(endpointConfig(service, key), keptNetworkIds.get(net)),
          after: [slot.ops.create, ...(networkCreate !== undefined ? [networkCreate] : [])],
          cause,
          service: serviceName,
          ...grouping,
        }),
      );
    }
  }
  // Secrets and configs that are not host files go in before the first start (also with
  // --no-start: a later start, by stack or by hand, finds them there).
  const copy = emitDelivery(ctx, slot, newRef, [slot.ops.create], grouping, cause);
  if (options.noStart) return;
  slot.ops.start = b.add({
    id: opId.start(slot.name),
    kind: 'container.start',
    container: newRef,
    after: [slot.ops.create, ...connectOps, ...(copy !== undefined ? [copy] : [])],
    cause,
    service: serviceName,
    ...grouping,
    ...(service.ports.length > 0 ? { serialKey: 'ports' } : {}),
  });
  slot.ops.ready.push(slot.ops.start);
}

/** The name of the create probe of a container (see emitProbe). */
export function probeName(container: string): string {
  return `${container}-probe`;
}

/**
 * A recreate stops and removes the old container before it creates the new one (so that the
 * two never coexist under one name: see reconcile.ts). A create the engine refuses (a relative
 * working_dir, a bad device, an unknown runtime...) would then leave the service with no
 * container. So the new body is first tried as a probe: created under `<name>-probe`, never
 * started, labelled STACK.probe and nothing else a replica has, then removed; the old
 * container is stopped only after that. A refused probe fails the run with the old container
 * untouched. A probe left by a killed run is neither a replica nor an orphan: the next run
 * removes it (emitRemovals). Returns the probe's remove, which the old container's stop waits
 * for, or undefined when no probe is made:
 *   - when the create needs something this plan makes first (a network or named volume, a
 *     missing anonymous volume, which the engine would make itself, unlabelled, for a probe)
 *     or a container of another service (network_mode / volumes_from `service:`), whose own
 *     recreate may wait for this one: the probe could not come before the stop;
 *   - when a container already holds the probe's name (a leftover, removed in this plan).
 */
function emitProbe(ctx: ReconcileContext, inputs: ContainerInputs, slot: Slot, body: ContainerCreateBody, grouping: InChange): string | undefined {
  const { observed, builder: b } = ctx;
  const service = slot.service;
  const name = probeName(slot.name);
  if (observed.containers.some((c) => c.name === name)) return undefined;
  if (containerIdentityDependencies(service).length > 0) return undefined;
  if (service.networkMode === undefined && Object.keys(service.networks).some((key) => inputs.resourceOps.networkCreates.has(key))) return undefined;
  for (const m of service.mounts) {
    if (m.type !== 'volume') continue;
    if (m.source !== undefined ? inputs.resourceOps.volumeCreates.has(m.source) : !observed.volumes.some((v) => v.name === anonymousVolumeBody(ctx.projectName, service.name, slot.number, m.target).Name)) {
      return undefined;
    }
  }
  const labels: Record<string, string> = ownershipLabels(ctx.projectName);
  labels[STACK.probe] = slot.name;
  const ref = { name, service: service.name, number: slot.number };
  // The recreate's own cause: the plan shows one line per change, with its first operation's cause.
  const cause = slot.cause!;
  const imageReady = inputs.images.readyFor(service);
  const createId = b.add({ id: opId.create(name), kind: 'container.create', container: ref, body: { ...body, Labels: labels }, after: imageReady ? [imageReady] : [], cause, service: service.name, ...grouping });
  return b.add({ id: opId.remove(name), kind: 'container.remove', container: ref, removeAnonymousVolumes: false, after: [createId], cause, service: service.name, ...grouping });
}

/**
 * The slot's anonymous volumes: created when missing (or renewed with -V, after the old
 * container is gone). Returns the creates the container's create waits for.
 */
function emitAnonymousVolumes(ctx: ReconcileContext, slot: Slot, grouping: InChange, oldRemoveId: string | undefined): string[] {
  const { observed, options, builder: b } = ctx;
  const serviceName = slot.service.name;
  const creates: string[] = [];
  for (const m of slot.service.mounts) {
    if (m.type !== 'volume' || m.source !== undefined) continue;
    const body = anonymousVolumeBody(ctx.projectName, serviceName, slot.number, m.target);
    const live = observed.volumes.find((v) => v.name === body.Name);
    let removeId: string | undefined;
    const volCause: Cause = options.renewAnonVolumes && live ? { kind: 'renew-anonymous-volumes', text: 'renewed (-V)' } : { kind: 'missing', text: 'no volume' };
    if (live && options.renewAnonVolumes) {
      removeId = b.add({ id: opId.removeVolume(body.Name), kind: 'volume.remove', volume: body.Name, after: oldRemoveId ? [oldRemoveId] : [], cause: volCause, service: serviceName, ...grouping });
    }
    if (!live || options.renewAnonVolumes) {
      creates.push(b.add({ id: opId.createVolume(body.Name), kind: 'volume.create', volume: body.Name, body, after: removeId ? [removeId] : [], cause: volCause, service: serviceName, ...grouping }));
    }
  }
  return creates;
}

/**
 * Volumes of a container that the stack file does not account for: anonymous volumes its
 * image declares (`VOLUME /var/lib/postgresql/data`). Inherited on recreate, as Compose does.
 * Not crash-proof like ours: if a run dies between removing the old container and creating
 * the new one, the next run cannot know them and the image gets a fresh volume (the old one
 * is left, detached, not deleted).
 */
function imageDeclaredVolumes(service: ServiceSpec, old: ObservedContainer): { name: string; target: string }[] {
  const claimed = new Set<string>([
    ...service.mounts.map((m) => m.target),
    ...service.tmpfs.map((t) => t.split(':')[0]!),
    ...service.secrets.map((r) => r.target),
    ...service.configs.map((r) => r.target),
  ]);
  return old.mounts
    // The engine names anonymous volumes with 64 hex digits; named ones (ours, or a mount
    // the user removed from the file) are not inherited.
    .filter((m) => m.type === 'volume' && m.name !== undefined && /^[0-9a-f]{64}$/.test(m.name) && !claimed.has(m.destination))
    .map((m) => ({ name: m.name!, target: m.destination }))
    .sort((a, b) => (a.target < b.target ? -1 : 1));
}

/** Files to deliver that cannot be written as asked (an owner given by name) are problems, found before anything is planned. */
export function checkDeliveries(ctx: ReconcileContext, order: readonly string[]): void {
  for (const serviceName of order) {
    const service = ctx.model.services[serviceName];
    if (service) deliveryOf(ctx.model, service, ctx.problems);
  }
}

/** The copy of a slot's delivered files (secrets and configs that are not host files), after `after`; its id, or undefined when there are none. */
function emitDelivery(ctx: ReconcileContext, slot: Slot, container: ContainerRef, after: readonly string[], grouping: InChange, cause: Cause): string | undefined {
  const delivery = deliveryOf(ctx.model, slot.service);
  if (!delivery) return undefined;
  return ctx.builder.add({
    id: opId.copyFiles(container.name),
    kind: 'container.copy-files',
    container,
    files: delivery.files,
    contents: delivery.contents,
    after,
    cause,
    service: slot.service.name,
    ...grouping,
  });
}
