// reconcile(model, observed, options) → Plan. Pure: no I/O, no clock, no engine.
//
// Compose's rules, which users rely on: create what is missing; recreate a container when
// its canonical spec (hash) differs, its image reference now resolves to another id, or an
// expected network/volume is not attached; start what is stopped; scale up and down (lower
// numbers kept); orphans warned, removed only with --remove-orphans; a changed network is
// recreated with its containers; a changed volume is refused without -y; external objects
// must exist and are never touched; objects without our ownership label are never adopted.
//
// Crash safety by construction. Every composite change is ordered so that a run killed
// after ANY operation leaves a state the next reconcile finishes:
//   recreate = stop old → remove old (volumes kept) → create new → connect → start.
//   - killed after stop: the old container is stopped with the old hash → recreated again;
//   - after remove: nothing has the name → created (anonymous volumes have deterministic
//     names, so the new container still gets the old data);
//   - after create/connect: the new container exists with the new hash, stopped → started
//     (a missing extra network shows as "not attached" → recreated, harmless);
//   no temporary names are ever used, so nothing can be left behind under another name, and
//   two containers can never hold one replica number for long: duplicates are removed.

import { OperationError, UsageError } from '../errors.js';
import { COMPOSE, STACK, isManagedBy, isOneOff, parseSensitivePaths, parseSpecLabel, replicaNumberOf, serviceOf } from '../api/labels.js';
import type { DependencyCondition, ServiceSpec, StackModel } from '../model/types.js';
import type { ObservedContainer } from '../api/engine-types.js';
import { planNetworks, type NetworkDecision } from '../network/plan.js';
import { anonymousVolumeBody, planVolumes, type VolumeDecision } from '../volume/plan.js';
import {
  canonicalServiceSpec,
  containerIdentityDependencies,
  describeChange,
  diffSpecs,
  sensitivePaths,
  specHash,
  type CanonicalSpec,
} from './canonical.js';
import { buildContainerCreateBody, endpointConfig, orderedNetworkKeys, pinNetworkId, pinNetworkIds } from './container-spec.js';
import { isUp as isRunning, observedRef } from './refs.js';
import { PlanBuilder } from './graph.js';
import { conditionWord, opId } from './ids.js';
import { anonymousVolumeName, containerName, imageReference, networkName, volumeName } from './names.js';
import { makeRedactor, SensitiveValues, type Redactor } from './redact.js';
import type { ObservedState } from '../api/observed.js';
import type { Cause, ContainerRef, Plan, PlanWarning, ReconcileOptions } from './types.js';

/** Bound on a dependency wait when the caller gives none: health checks with long start periods must fit. */
export const DEFAULT_WAIT_TIMEOUT_MS = 300_000;

type Fate = 'keep' | 'create' | 'recreate';

interface Slot {
  readonly service: ServiceSpec;
  readonly number: number;
  /** The name the container has (kept) or will have (created/recreated). */
  readonly name: string;
  /** The live container in this slot, if any (replaced when recreated). */
  readonly existing?: ObservedContainer;
  fate: Fate;
  cause?: Cause;
  /** Whether this plan starts (or restarts) the container. */
  startOp?: string;
  createOp?: string;
  /** Ops after which the container is ready for dependents' ordering (start, or restart). */
  readyOps: string[];
}

function ref(slot: Slot, useExisting: boolean): ContainerRef {
  if (useExisting && slot.existing) {
    return { name: slot.existing.name, id: slot.existing.id, service: slot.service.name, number: slot.number };
  }
  return { name: slot.name, service: slot.service.name, number: slot.number };
}

/** `busybox` is stored as `busybox:latest` by the engine. */
export function observedImageId(images: Readonly<Record<string, string>>, reference: string): string | undefined {
  const direct = images[reference];
  if (direct !== undefined) return direct;
  const lastSegment = reference.slice(reference.lastIndexOf('/') + 1);
  if (!lastSegment.includes(':') && !reference.includes('@')) return images[`${reference}:latest`];
  return undefined;
}

const short = (id: string) => id.replace(/^sha256:/, '').slice(0, 12);

function hasHealthcheck(service: ServiceSpec): boolean {
  return !service.healthcheckDisabled && service.healthcheck !== undefined && service.healthcheck.test[0] !== 'NONE';
}

/** Services some other service waits on with `service_completed_successfully`: one-shot jobs. */
function oneShotServices(model: StackModel): Set<string> {
  const out = new Set<string>();
  for (const s of Object.values(model.services)) {
    for (const [dep, d] of Object.entries(s.dependsOn)) if (d.condition === 'service_completed_successfully') out.add(dep);
  }
  return out;
}

/** Services in dependency order (dependencies first), ties by name. */
function dependencyOrder(model: StackModel, names: Iterable<string>): string[] {
  const wanted = new Set(names);
  const out: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string) => {
    if (state.get(name) !== undefined) return; // a cycle (rejected by the loader) is cut here
    state.set(name, 'visiting');
    const s = model.services[name];
    if (s) for (const dep of Object.keys(s.dependsOn).sort()) if (wanted.has(dep)) visit(dep);
    state.set(name, 'done');
    out.push(name);
  };
  for (const name of [...wanted].sort()) visit(name);
  return out;
}

function dependencyClosure(model: StackModel, roots: readonly string[]): Set<string> {
  const out = new Set<string>();
  const stack = [...roots];
  while (stack.length > 0) {
    const name = stack.pop()!;
    if (out.has(name) || !model.services[name]) continue;
    out.add(name);
    for (const dep of Object.keys(model.services[name]!.dependsOn)) stack.push(dep);
  }
  return out;
}

function changedCause(previous: unknown, spec: CanonicalSpec, redactor: Redactor, previouslySensitive: readonly string[] = []): Cause {
  if (previous === undefined) {
    return { kind: 'changed', text: 'config hash differs (no recorded spec to compare)' };
  }
  const changes = diffSpecs(previous, spec, redactor, previouslySensitive);
  if (changes.length === 0) return { kind: 'changed', text: 'config hash differs' };
  const shown = changes.slice(0, 3).map(describeChange);
  const more = changes.length > 3 ? `, and ${changes.length - 3} more` : '';
  return { kind: 'changed', text: shown.join(', ') + more, changes };
}

function stoppedText(c: ObservedContainer): string {
  if (c.state === 'created') return 'created, not started';
  if (c.state === 'exited') return c.exitCode !== undefined ? `exited (${c.exitCode})` : 'exited';
  return c.state;
}

function problemError(problems: string[]): OperationError {
  if (problems.length === 1) return new OperationError(problems[0]!);
  return new OperationError(`cannot apply the plan:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
}

export function reconcile(model: StackModel, observed: ObservedState, options: ReconcileOptions = {}): Plan {
  const project = model.projectName;
  const redactor = makeRedactor(model.sensitiveValues);
  const b = new PlanBuilder();
  const warnings: PlanWarning[] = [];
  const problems: string[] = [];
  const waitTimeoutMs = options.waitTimeoutMs ?? DEFAULT_WAIT_TIMEOUT_MS;
  const stopTimeout = options.stopTimeoutSeconds !== undefined ? { timeoutSeconds: options.stopTimeoutSeconds } : {};

  // ---- scope -------------------------------------------------------------------------
  const allServices = Object.keys(model.services).sort();
  const requested = options.services && options.services.length > 0 ? [...options.services] : allServices;
  for (const name of requested) {
    if (model.services[name]) continue;
    if (model.disabledServices.includes(name)) throw new UsageError(`service ${name} is disabled by its profiles`);
    throw new UsageError(`no such service: ${name}`, { hint: `services in this stack: ${allServices.join(', ') || '(none)'}` });
  }
  const explicit = new Set(requested);
  let scope = options.noDeps ? new Set(requested) : dependencyClosure(model, requested);

  // ---- observed partition --------------------------------------------------------------
  const managed = observed.containers.filter((c) => isManagedBy(c.labels, project));
  const foreignContainerNames = new Set([
    ...observed.containers.filter((c) => !isManagedBy(c.labels, project)).map((c) => c.name),
    ...(observed.foreignByName?.containers ?? []),
  ]);
  const known = new Set([...allServices, ...model.disabledServices]);
  // Compose's rule: a service no longer in the file, or a one-off container that is not
  // running. Profile-disabled services are not orphans.
  const orphans = managed.filter((c) =>
    isOneOff(c.labels) ? c.state === 'exited' || c.state === 'dead' : !known.has(serviceOf(c.labels)),
  );
  const byService = new Map<string, ObservedContainer[]>();
  for (const c of managed) {
    if (isOneOff(c.labels)) continue;
    const s = serviceOf(c.labels);
    if (!model.services[s]) continue;
    (byService.get(s) ?? byService.set(s, []).get(s)!).push(c);
  }

  // ---- networks and volumes (a fixpoint: recreating one pulls its users into scope) ---
  let networkDecisions: NetworkDecision[] = [];
  let volumeDecisions: VolumeDecision[] = [];
  let resourceProblems: string[] = [];
  for (let round = 0; round < 10; round++) {
    const netKeys: string[] = [];
    const volKeys: string[] = [];
    for (const name of scope) {
      const s = model.services[name]!;
      if (s.networkMode === undefined) netKeys.push(...Object.keys(s.networks));
      for (const m of s.mounts) if (m.type === 'volume' && m.source !== undefined) volKeys.push(m.source);
    }
    const netProblems = { missingExternal: [] as string[], foreign: [] as string[] };
    const volProblems = { missingExternal: [] as string[], foreign: [] as string[], refusedChanges: [] as string[] };
    networkDecisions = planNetworks(model, observed, netKeys, netProblems);
    volumeDecisions = planVolumes(model, observed, volKeys, options.assumeYes === true, volProblems);
    resourceProblems = [
      ...netProblems.missingExternal.map(
        (n) => `external network ${n} does not exist: create it first (docker network create ${n}) or drop external: true`,
      ),
      ...volProblems.missingExternal.map(
        (n) => `external volume ${n} does not exist: create it first (docker volume create ${n}) or drop external: true`,
      ),
      ...netProblems.foreign.map((n) => `network ${n} already exists and was not created by stack: remove or rename it, or declare it external`),
      ...volProblems.foreign.map((n) => `volume ${n} already exists and was not created by stack: remove or rename it, or declare it external`),
      ...volProblems.refusedChanges.map((n) => {
        const d = volumeDecisions.find((v) => v.name === n);
        const why = d?.previousSpec !== undefined ? diffSpecs(d.previousSpec, d.spec as CanonicalSpec, redactor).map(describeChange).join(', ') : 'its spec changed';
        return `volume ${n} would have to be recreated (${why}), which deletes its data: run again with -y to allow it`;
      }),
    ];
    const gone = goneResources(networkDecisions, volumeDecisions);
    const extra = new Set<string>();
    for (const [s, containers] of byService) {
      if (scope.has(s)) continue;
      if (containers.some((c) => attachedToGone(c, gone))) extra.add(s);
    }
    if (extra.size === 0) break;
    scope = new Set([...scope, ...extra]);
  }
  problems.push(...resourceProblems);
  const gone = goneResources(networkDecisions, volumeDecisions);
  const networkByKey = new Map(networkDecisions.map((d) => [d.key, d]));
  const keptNetworkIds = keptNetworkIdsByName(networkDecisions);
  const volumeByKey = new Map(volumeDecisions.map((d) => [d.key, d]));

  // ---- slots -----------------------------------------------------------------------------
  const order = dependencyOrder(model, scope);
  const slotsByService = new Map<string, Slot[]>();
  const removals: { container: ObservedContainer; cause: Cause }[] = [];
  const specs = new Map<string, CanonicalSpec>();
  const oneShots = oneShotServices(model);

  for (const serviceName of order) {
    const service = model.services[serviceName]!;
    const spec = canonicalServiceSpec(model, service);
    specs.set(serviceName, spec);
    const hash = specHash(spec);
    const wanted = Math.max(0, options.scale?.[serviceName] ?? service.scale);
    if (service.containerName !== undefined && wanted > 1) {
      problems.push(`service ${serviceName} sets container_name ${service.containerName}, so it cannot have ${wanted} replicas`);
    }

    // One container per replica number: extras (a race, or a hand-renamed copy) go.
    const byNumber = new Map<number, ObservedContainer[]>();
    for (const c of byService.get(serviceName) ?? []) {
      const n = replicaNumberOf(c.labels);
      if (n === undefined) {
        removals.push({ container: c, cause: { kind: 'interrupted-run', text: 'no valid replica number' } });
        continue;
      }
      (byNumber.get(n) ?? byNumber.set(n, []).get(n)!).push(c);
    }
    const present: { number: number; container: ObservedContainer }[] = [];
    for (const [n, list] of [...byNumber].sort((x, y) => x[0] - y[0])) {
      const expectedName = containerName(project, service, n);
      const sorted = [...list].sort(
        (x, y) => Number(y.name === expectedName) - Number(x.name === expectedName) || x.created - y.created || (x.id < y.id ? -1 : 1),
      );
      present.push({ number: n, container: sorted[0]! });
      for (const dup of sorted.slice(1)) {
        removals.push({ container: dup, cause: { kind: 'interrupted-run', text: `duplicate of replica ${n}` } });
      }
    }
    const kept = present.slice(0, wanted);
    for (const extra of present.slice(wanted)) {
      removals.push({ container: extra.container, cause: { kind: 'scale-down', text: `scale down to ${wanted}` } });
    }
    const slots: Slot[] = [];
    const strategy = explicit.has(serviceName)
      ? options.forceRecreate
        ? 'force'
        : options.noRecreate
          ? 'never'
          : 'diverged'
      : options.alwaysRecreateDeps
        ? 'force'
        : options.noRecreate
          ? 'never'
          : 'diverged';
    const identityDeps = containerIdentityDependencies(service);
    const desiredNetworks = service.networkMode === undefined ? Object.keys(service.networks).map((k) => networkName(model, k)) : [];
    const desiredVolumeMounts = (n: number) =>
      service.mounts
        .filter((m) => m.type === 'volume')
        .map((m) => ({
          name: m.source !== undefined ? volumeName(model, m.source) : anonymousVolumeName(project, serviceName, n, m.target),
          target: m.target,
        }));
    const imageId = observedImageId(observed.images, imageReference(project, service));

    for (const { number, container } of kept) {
      const slot: Slot = { service, number, name: containerName(project, service, number), existing: container, fate: 'keep', readyOps: [] };
      const recreate = (cause: Cause) => {
        slot.fate = 'recreate';
        slot.cause = cause;
      };
      const goneNetwork = Object.entries(container.networks).find(
        ([name, ep]) => gone.networkNames.has(name) || (ep.networkId !== '' && gone.networkIds.has(ep.networkId)),
      );
      const goneVolume = container.mounts.find((m) => m.type === 'volume' && m.name !== undefined && gone.volumeNames.has(m.name));
      const recreatedIdentityDep = identityDeps.find((d) => (slotsByService.get(d) ?? []).some((s) => s.fate !== 'keep'));
      if (container.state === 'dead') recreate({ kind: 'stopped', text: 'dead container' });
      else if (goneNetwork) recreate({ kind: 'network-detached', text: `network ${goneNetwork[0]} is recreated` });
      else if (goneVolume) recreate({ kind: 'volume-detached', text: `volume ${goneVolume.name} is recreated` });
      else if (recreatedIdentityDep) {
        recreate({ kind: 'dependency-recreated', text: `${recreatedIdentityDep} is recreated and this container shares its network or volumes` });
      } else if (strategy === 'never') {
        // --no-recreate: keep whatever is there.
      } else if (strategy === 'force') {
        recreate({ kind: 'forced', text: explicit.has(serviceName) ? 'forced (--force-recreate)' : 'forced (--always-recreate-deps)' });
      } else if (container.labels[STACK.configHash] !== hash) {
        recreate(changedCause(parseSpecLabel(container.labels), spec, redactor, parseSensitivePaths(container.labels)));
      } else if (imageId !== undefined && container.imageId !== '' && container.imageId !== imageId) {
        recreate({
          kind: 'image-changed',
          text: `image ${imageReference(project, service)} now points to ${short(imageId)} (container has ${short(container.imageId)})`,
        });
      } else {
        const missingNet = desiredNetworks.find((n) => container.networks[n] === undefined);
        const missingVol = desiredVolumeMounts(number).find(
          (v) => !container.mounts.some((m) => m.type === 'volume' && m.name === v.name && m.destination === v.target),
        );
        if (missingNet !== undefined) recreate({ kind: 'network-detached', text: `not attached to network ${missingNet}` });
        else if (missingVol !== undefined) recreate({ kind: 'volume-detached', text: `volume ${missingVol.name} not mounted at ${missingVol.target}` });
      }
      if (slot.fate === 'keep' && !isRunning(container)) {
        const completedJob = oneShots.has(serviceName) && container.state === 'exited' && container.exitCode === 0;
        // A one-shot job (some service waits for it to complete) that already exited 0 is
        // done: starting it again on every `up` would rerun e.g. a migration and make a
        // second `up` anything but a no-op. Compose reruns it; we deliberately do not.
        if (!completedJob) slot.cause = { kind: 'stopped', text: stoppedText(container) };
      }
      slots.push(slot);
    }
    const used = new Set(kept.map((k) => k.number));
    const scalingUp = kept.length > 0;
    for (let n = 1; slots.length < wanted; n++) {
      if (used.has(n)) continue;
      slots.push({
        service,
        number: n,
        name: containerName(project, service, n),
        fate: 'create',
        cause: { kind: 'missing', text: scalingUp ? `scale up to ${wanted}` : 'no container' },
        readyOps: [],
      });
    }
    slots.sort((x, y) => x.number - y.number);
    slotsByService.set(serviceName, slots);

    for (const slot of slots) {
      if (slot.fate === 'keep') continue;
      if (slot.fate === 'create' || slot.name !== slot.existing?.name) {
        if (foreignContainerNames.has(slot.name)) {
          problems.push(`container ${slot.name} already exists and was not created by stack: remove or rename it`);
        }
      }
      for (const m of service.mounts) {
        if (m.type !== 'volume' || m.source !== undefined) continue;
        const anonName = anonymousVolumeName(project, serviceName, slot.number, m.target);
        const live = observed.volumes.find((v) => v.name === anonName);
        if ((live && !isManagedBy(live.labels, project)) || (!live && observed.foreignByName?.volumes.includes(anonName))) {
          problems.push(`volume ${anonName} already exists and was not created by stack: remove or rename it`);
        }
      }
    }
  }

  if (problems.length > 0) throw problemError(problems);

  // ---- operations: networks and named volumes ------------------------------------------
  const containerRemovalOps = new Map<string, string>(); // container id → remove op id
  const netCreateOp = new Map<string, string>(); // network key → create op id
  const volCreateOp = new Map<string, string>(); // volume key → create op id

  for (const d of networkDecisions) {
    for (const dup of d.duplicates) {
      b.add({
        id: opId.removeNetwork(d.name, dup.id),
        kind: 'network.remove',
        network: d.name,
        networkId: dup.id,
        after: [],
        cause: { kind: 'interrupted-run', text: 'duplicate network' },
        group: `remove network ${d.name} ${dup.id.slice(0, 12)}`,
      });
    }
    if (d.action === 'create' || d.action === 'recreate') {
      const group = `${d.action} network ${d.name}`;
      const cause: Cause =
        d.action === 'create'
          ? { kind: 'missing', text: 'no network' }
          : d.previousSpec !== undefined
            ? changedCause(d.previousSpec, d.spec as CanonicalSpec, redactor)
            : { kind: 'changed', text: 'network spec differs' };
      let removeId: string | undefined;
      if (d.action === 'recreate') {
        removeId = b.add({ id: opId.removeNetwork(d.name), kind: 'network.remove', network: d.name, networkId: d.observed!.id, after: [], cause, group });
      }
      const createId = b.add({
        id: opId.createNetwork(d.name),
        kind: 'network.create',
        network: d.name,
        body: d.body,
        after: removeId ? [removeId] : [],
        cause,
        group,
      });
      netCreateOp.set(d.key, createId);
    }
  }
  for (const d of volumeDecisions) {
    if (d.action !== 'create' && d.action !== 'recreate') continue;
    const group = `${d.action} volume ${d.name}`;
    const cause: Cause =
      d.action === 'create'
        ? { kind: 'missing', text: 'no volume' }
        : d.previousSpec !== undefined
          ? changedCause(d.previousSpec, d.spec as CanonicalSpec, redactor)
          : { kind: 'changed', text: 'volume spec differs' };
    let removeId: string | undefined;
    if (d.action === 'recreate') removeId = b.add({ id: opId.removeVolume(d.name), kind: 'volume.remove', volume: d.name, after: [], cause, group });
    volCreateOp.set(d.key, b.add({ id: opId.createVolume(d.name), kind: 'volume.create', volume: d.name, body: d.body, after: removeId ? [removeId] : [], cause, group }));
  }

  /** stop (when running) → remove, for a container that goes away. Returns the remove op id. */
  const removeContainer = (c: ObservedContainer, cause: Cause, group: string, service?: string, removeAnonymousVolumes = false) => {
    const r = observedRef(c);
    let stopId: string | undefined;
    if (isRunning(c)) {
      stopId = b.add({ id: opId.stop(c.name), kind: 'container.stop', container: r, after: [], cause, group, ...(service ? { service } : {}), ...stopTimeout });
    }
    const removeId = b.add({
      id: opId.remove(c.name),
      kind: 'container.remove',
      container: r,
      removeAnonymousVolumes,
      after: stopId ? [stopId] : [],
      cause,
      group,
      ...(service ? { service } : {}),
    });
    containerRemovalOps.set(c.id, removeId);
    return removeId;
  };

  // ---- removals: duplicates, scale-down, orphans -----------------------------------------
  for (const { container, cause } of removals) {
    removeContainer(container, cause, `remove ${container.name}`, serviceOf(container.labels));
  }
  for (const c of orphans) {
    const service = serviceOf(c.labels);
    if (options.removeOrphans) {
      removeContainer(c, { kind: 'orphan', text: isOneOff(c.labels) ? 'stopped one-off container' : 'orphan' }, `remove ${c.name}`, service);
    } else {
      warnings.push({
        service,
        message: `found orphan container ${c.name} (service ${service} is not in the stack file): run with --remove-orphans to remove it`,
      });
      // A kept orphan on a network we recreate would block the removal: take it off first.
      for (const [netName, ep] of Object.entries(c.networks)) {
        if (!gone.networkNames.has(netName) && !gone.networkIds.has(ep.networkId)) continue;
        const id = b.add({
          id: opId.disconnect(c.name, netName),
          kind: 'network.disconnect',
          network: netName,
          container: observedRef(c),
          after: [],
          cause: { kind: 'orphan', text: `network ${netName} is recreated` },
          service,
          group: `disconnect ${c.name}`,
        });
        containerRemovalOps.set(`${c.id}/${netName}`, id);
      }
    }
  }

  // ---- containers -------------------------------------------------------------------------
  const pullOps = new Map<string, string>();
  const pullFor = (service: ServiceSpec): string | undefined => {
    const reference = imageReference(project, service);
    if (observedImageId(observed.images, reference) !== undefined) return undefined;
    if (service.build !== undefined || service.pullPolicy === 'build') {
      warnings.push({ service: service.name, message: `image ${reference} is not present and building images is not supported yet: build it first` });
      return undefined;
    }
    if (service.pullPolicy === 'never') {
      warnings.push({ service: service.name, message: `image ${reference} is not present and pull_policy is never` });
      return undefined;
    }
    const existing = pullOps.get(reference);
    if (existing) return existing;
    // pull_policy: always is treated as "missing": which id a pull would give is unknowable
    // to a pure planner, and an image that does change is caught by its id on the next run.
    const id = b.add({
      id: opId.pull(reference),
      kind: 'image.pull',
      image: reference,
      ...(service.platform !== undefined ? { platform: service.platform } : {}),
      after: [],
      cause: { kind: 'missing', text: 'image not present' },
      service: service.name,
      group: `pull ${reference}`,
    });
    pullOps.set(reference, id);
    return id;
  };

  for (const serviceName of order) {
    const service = model.services[serviceName]!;
    const spec = specs.get(serviceName)!;
    for (const slot of slotsByService.get(serviceName)!) {
      if (slot.fate === 'keep') {
        if (slot.cause && !options.noStart) {
          const group = `start ${slot.name}`;
          slot.startOp = b.add({
            id: opId.start(slot.existing!.name),
            kind: 'container.start',
            container: ref(slot, true),
            after: [],
            cause: slot.cause,
            service: serviceName,
            group,
            ...(service.ports.length > 0 ? { serialKey: 'ports' } : {}),
          });
          slot.readyOps.push(slot.startOp);
        }
        continue;
      }
      const verb = slot.fate === 'create' ? 'create' : 'recreate';
      const group = `${verb} ${slot.name}`;
      const cause = slot.cause!;
      const createAfter: (string | undefined)[] = [];
      let oldRemoveId: string | undefined;
      if (slot.fate === 'recreate') {
        oldRemoveId = removeContainer(slot.existing!, cause, group, serviceName, options.renewAnonVolumes === true);
        createAfter.push(oldRemoveId);
      }
      // Anonymous volumes: created once, then inherited by every later container of the slot.
      for (const m of service.mounts) {
        if (m.type !== 'volume' || m.source !== undefined) continue;
        const body = anonymousVolumeBody(project, serviceName, slot.number, m.target);
        const live = observed.volumes.find((v) => v.name === body.Name);
        let removeId: string | undefined;
        const volCause: Cause = options.renewAnonVolumes && live ? { kind: 'renew-anonymous-volumes', text: 'renewed (-V)' } : { kind: 'missing', text: 'no volume' };
        if (live && options.renewAnonVolumes) {
          removeId = b.add({ id: opId.removeVolume(body.Name), kind: 'volume.remove', volume: body.Name, after: oldRemoveId ? [oldRemoveId] : [], cause: volCause, service: serviceName, group });
        }
        if (!live || options.renewAnonVolumes) {
          createAfter.push(
            b.add({ id: opId.createVolume(body.Name), kind: 'volume.create', volume: body.Name, body, after: removeId ? [removeId] : [], cause: volCause, service: serviceName, group }),
          );
        }
      }
      if (service.networkMode === undefined) for (const key of Object.keys(service.networks)) createAfter.push(netCreateOp.get(key));
      for (const m of service.mounts) if (m.type === 'volume' && m.source !== undefined) createAfter.push(volCreateOp.get(m.source));
      createAfter.push(pullFor(service));
      for (const dep of containerIdentityDependencies(service)) {
        for (const d of slotsByService.get(dep) ?? []) createAfter.push(...d.readyOps, d.createOp);
      }
      const body = buildContainerCreateBody(model, service, slot.number, {
        spec,
        sensitivePaths: sensitivePaths(spec, redactor),
        ...(slot.fate === 'recreate' && !options.renewAnonVolumes ? { inheritedVolumes: imageDeclaredVolumes(service, slot.existing!) } : {}),
        ...(options.stackVersion !== undefined ? { stackVersion: options.stackVersion } : {}),
      });
      const newRef = ref(slot, false);
      slot.createOp = b.add({ id: opId.create(slot.name), kind: 'container.create', container: newRef, body: pinNetworkIds(body, keptNetworkIds), after: [], cause, service: serviceName, group });
      b.after(slot.createOp, createAfter);
      const connectOps: string[] = [];
      if (service.networkMode === undefined) {
        for (const key of orderedNetworkKeys(service).slice(1)) {
          const net = networkName(model, key);
          connectOps.push(
            b.add({
              id: opId.connect(slot.name, net),
              kind: 'network.connect',
              network: net,
              container: newRef,
              endpoint: pinNetworkId(endpointConfig(service, key), keptNetworkIds.get(net)),
              after: [slot.createOp, ...(netCreateOp.has(key) ? [netCreateOp.get(key)!] : [])],
              cause,
              service: serviceName,
              group,
            }),
          );
        }
      }
      if (!options.noStart) {
        slot.startOp = b.add({
          id: opId.start(slot.name),
          kind: 'container.start',
          container: newRef,
          after: [slot.createOp, ...connectOps],
          cause,
          service: serviceName,
          group,
          ...(service.ports.length > 0 ? { serialKey: 'ports' } : {}),
        });
        slot.readyOps.push(slot.startOp);
      }
    }
  }

  // A network or volume being replaced goes only after every container on it is gone.
  for (const d of networkDecisions) {
    const removeIds = [opId.removeNetwork(d.name), ...d.duplicates.map((dup) => opId.removeNetwork(d.name, dup.id))].filter((id) => b.has(id));
    if (removeIds.length === 0) continue;
    for (const c of managed) {
      const attached = Object.entries(c.networks).some(([name, ep]) => name === d.name || (ep.networkId !== '' && gone.networkIds.has(ep.networkId)));
      if (!attached) continue;
      const blocker = containerRemovalOps.get(c.id) ?? containerRemovalOps.get(`${c.id}/${d.name}`);
      for (const id of removeIds) b.after(id, [blocker]);
    }
  }
  for (const d of volumeDecisions) {
    if (d.action !== 'recreate') continue;
    for (const c of managed) {
      if (!c.mounts.some((m) => m.type === 'volume' && m.name === d.name)) continue;
      b.after(opId.removeVolume(d.name), [containerRemovalOps.get(c.id)]);
    }
  }

  // ---- dependency ordering, waits, restarts ------------------------------------------------
  const waitOp = (slotOrContainer: { ref: ContainerRef; after: (string | undefined)[] }, condition: DependencyCondition, required: boolean, service: string, cause: Cause) => {
    const id = opId.wait(slotOrContainer.ref.name, condition, required);
    const group = `wait ${slotOrContainer.ref.name} ${conditionWord(condition)}${required ? '' : ' (optional)'}`;
    b.add({ id, kind: 'container.wait', container: slotOrContainer.ref, condition, required, timeoutMs: waitTimeoutMs, after: [], cause, service, group });
    b.after(id, slotOrContainer.after);
    return id;
  };

  /** Dependency targets of a service: its slots when in scope, else the live containers. */
  const dependencyTargets = (dep: string): { ref: ContainerRef; touched: boolean; existing?: ObservedContainer; ready: string[]; willExist: boolean }[] => {
    const slots = slotsByService.get(dep);
    if (slots) {
      return slots.map((s) => ({
        ref: s.fate === 'keep' ? ref(s, true) : ref(s, false),
        touched: s.readyOps.length > 0,
        ...(s.fate === 'keep' && s.existing ? { existing: s.existing } : {}),
        ready: s.readyOps,
        willExist: true,
      }));
    }
    return (byService.get(dep) ?? [])
      .filter((c) => !isOneOff(c.labels))
      .sort((x, y) => x.name.localeCompare(y.name))
      .map((c) => ({ ref: observedRef(c), touched: false, existing: c, ready: [], willExist: true }));
  };

  /** The ops a container start must come after for the dependencies of `service`. */
  const readinessOf = (service: ServiceSpec, onlyDep?: string): string[] => {
    const out: string[] = [];
    for (const dep of Object.keys(service.dependsOn).sort()) {
      if (onlyDep !== undefined && dep !== onlyDep) continue;
      const d = service.dependsOn[dep]!;
      if (!model.services[dep]) continue;
      const targets = dependencyTargets(dep);
      if (targets.length === 0) {
        const wanted = options.scale?.[dep] ?? model.services[dep]!.scale;
        if (wanted > 0 && d.required) warnings.push({ service: service.name, message: `${service.name} depends on ${dep}, which has no container` });
        continue;
      }
      const cause: Cause = { kind: 'dependency', text: `${service.name} depends on ${dep} (${d.condition})` };
      for (const t of targets) {
        if (d.condition === 'service_started') {
          out.push(...t.ready);
          continue;
        }
        const satisfied =
          !t.touched &&
          t.existing !== undefined &&
          (d.condition === 'service_healthy'
            ? t.existing.state === 'running' && t.existing.health === 'healthy'
            : t.existing.state === 'exited' && t.existing.exitCode === 0);
        if (satisfied) continue;
        out.push(waitOp({ ref: t.ref, after: t.ready }, d.condition, d.required, dep, cause));
      }
    }
    return out;
  };

  for (const serviceName of order) {
    const service = model.services[serviceName]!;
    for (const slot of slotsByService.get(serviceName)!) {
      if (slot.startOp === undefined) continue;
      b.after(slot.startOp, readinessOf(service));
    }
  }

  // Dependents with `depends_on.restart: true` restart after their dependency was replaced.
  if (!options.noStart) {
    for (const serviceName of order) {
      const service = model.services[serviceName]!;
      for (const dep of Object.keys(service.dependsOn).sort()) {
        if (!service.dependsOn[dep]!.restart) continue;
        const replaced = (slotsByService.get(dep) ?? []).some((s) => s.fate === 'recreate');
        if (!replaced) continue;
        for (const slot of slotsByService.get(serviceName)!) {
          if (slot.fate !== 'keep' || slot.startOp !== undefined || !slot.existing || !isRunning(slot.existing)) continue;
          const id = b.add({
            id: opId.restart(slot.existing.name),
            kind: 'container.restart',
            container: ref(slot, true),
            after: [],
            cause: { kind: 'dependency-recreated', text: `${dep} is recreated (depends_on restart: true)` },
            service: serviceName,
            group: `restart ${slot.existing.name}`,
            ...stopTimeout,
            // A restart binds its ports again: same rule as starts.
            ...(service.ports.length > 0 ? { serialKey: 'ports' } : {}),
          });
          b.after(id, readinessOf(service, dep));
          slot.readyOps.push(id);
        }
      }
    }
  }

  // --wait: every container that should be up, unless it is untouched and already there.
  if (options.wait && !options.noStart) {
    for (const serviceName of order) {
      const service = model.services[serviceName]!;
      for (const slot of slotsByService.get(serviceName)!) {
        const touched = slot.readyOps.length > 0;
        const live = slot.fate === 'keep' ? slot.existing : undefined;
        const condition: DependencyCondition = oneShots.has(serviceName)
          ? 'service_completed_successfully'
          : hasHealthcheck(service) || (!touched && live?.health !== undefined)
            ? 'service_healthy'
            : 'service_started';
        if (!touched && live) {
          const satisfied =
            condition === 'service_completed_successfully'
              ? live.state === 'exited' && live.exitCode === 0
              : condition === 'service_healthy'
                ? live.state === 'running' && live.health === 'healthy'
                : live.state === 'running';
          if (satisfied) continue;
        }
        waitOp(
          { ref: slot.fate === 'keep' ? ref(slot, true) : ref(slot, false), after: slot.readyOps },
          condition,
          true,
          serviceName,
          { kind: 'dependency', text: '--wait' },
        );
      }
    }
  }

  // Environment/content secrets and configs need a file copied into the container, which no
  // operation does yet: say so rather than start a container without them.
  for (const serviceName of order) {
    const service = model.services[serviceName]!;
    for (const kind of ['secrets', 'configs'] as const) {
      for (const r of service[kind]) {
        const def = model[kind][r.source];
        if (def && def.file === undefined && !def.external) {
          warnings.push({ service: serviceName, message: `${kind.slice(0, -1)} ${r.source} of ${serviceName} is not file-based and is not supported yet: it will be missing in the container` });
        }
      }
    }
  }

  return { projectName: project, operations: b.build(), warnings: dedupeWarnings(warnings), sensitive: new SensitiveValues(model.sensitiveValues) };
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

function dedupeWarnings(warnings: PlanWarning[]): PlanWarning[] {
  const seen = new Set<string>();
  return warnings.filter((w) => {
    const key = `${w.service ?? ''}\u0000${w.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

interface GoneResources {
  readonly networkNames: Set<string>;
  readonly networkIds: Set<string>;
  readonly volumeNames: Set<string>;
}

/**
 * Networks this plan keeps (or uses as external), by name → id. Containers join them by id:
 * an interrupted run can leave two networks with one name, and the engine refuses to start
 * a container whose network it must find by a name that is ambiguous (TRAPS). Networks this
 * run creates are pinned the same way by the executor, which learns their ids.
 */
function keptNetworkIdsByName(decisions: readonly NetworkDecision[]): Map<string, string> {
  const ids = new Map<string, string>();
  for (const d of decisions) if ((d.action === 'keep' || d.action === 'external') && d.observed) ids.set(d.name, d.observed.id);
  return ids;
}

/** Networks and volumes this plan removes (to recreate them, or as duplicates). */
function goneResources(networks: readonly NetworkDecision[], volumes: readonly VolumeDecision[]): GoneResources {
  const networkNames = new Set<string>();
  const networkIds = new Set<string>();
  for (const d of networks) {
    if (d.action === 'recreate') {
      networkNames.add(d.name);
      if (d.observed) networkIds.add(d.observed.id);
    }
    for (const dup of d.duplicates) networkIds.add(dup.id);
  }
  const volumeNames = new Set(volumes.filter((v) => v.action === 'recreate').map((v) => v.name));
  return { networkNames, networkIds, volumeNames };
}

function attachedToGone(c: ObservedContainer, gone: GoneResources): boolean {
  return (
    Object.entries(c.networks).some(([name, ep]) => gone.networkNames.has(name) || (ep.networkId !== '' && gone.networkIds.has(ep.networkId))) ||
    c.mounts.some((m) => m.type === 'volume' && m.name !== undefined && gone.volumeNames.has(m.name))
  );
}
