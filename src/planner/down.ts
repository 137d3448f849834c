// planDown(observed, options) → Plan: tearing a project down from its labels alone, so that
// `stack down -p NAME` works without the stack file. Only objects carrying our ownership
// label and the project label are touched; external and foreign ones never are, and a network
// a foreign container is still on stays (the engine would refuse to remove it anyway). With
// the stack file, containers brought up from another folder are not taken down without
// `takeOver` (phases/project-directory.ts).
//
// Order: containers are stopped dependents first (from the `com.docker.compose.depends_on`
// labels, the reverse of the start order) and removed; then networks; then, with -v,
// volumes. A removal that fails (Docker 20.10's "network has active endpoints" with nothing
// attached, moby#42119) fails only what depends on it: networks and volumes do not depend on
// each other, so everything else is still done.

import { COMPOSE, isManagedBy, parseDependsOn, serviceOf } from '../api/labels.js';
import { splitByOwnership } from '../api/ownership.js';
import { fromOtherFolders, otherFolderRefusal } from './phases/project-directory.js';
import type { StackModel } from '../model/types.js';
import type { ObservedContainer } from '../api/engine-types.js';
import { isUp, observedRef } from './refs.js';
import { SensitiveValues } from './redact.js';
import { PlanBuilder } from './graph.js';
import { inChange, opId } from './ids.js';
import type { ObservedState } from '../api/observed.js';
import type { Cause, Plan, PlanWarning } from './types.js';

export interface DownOptions {
  /** -v: also remove the project's named and anonymous volumes (never external or foreign ones). */
  readonly removeVolumes: boolean;
  /** Also remove containers of services the model no longer has (only meaningful with a model). */
  readonly removeOrphans?: boolean;
  /** -t: seconds before a stop kills. */
  readonly timeoutSeconds?: number;
  /** When the stack file was loaded: containers of services not in it are orphans, kept unless removeOrphans. */
  readonly model?: StackModel;
  /**
   * `--take-over`: take the project down although its containers were brought up from another
   * folder than the model's (phases/project-directory.ts). Without it, that is refused.
   */
  readonly takeOver?: boolean;
}

const CAUSE: Cause = { kind: 'down', text: 'down' };

export function planDown(observed: ObservedState, options: DownOptions): Plan {
  const project = observed.projectName;
  const b = new PlanBuilder();
  const warnings: PlanWarning[] = [];
  const model = options.model;
  const known = model ? new Set([...Object.keys(model.services), ...model.disabledServices]) : undefined;
  const isOrphan = (c: ObservedContainer) => known !== undefined && !known.has(serviceOf(c.labels));
  const doomed: ObservedContainer[] = [];
  // What stays: kept orphans, and every container stack did not create (its networks stay with it).
  const { ours, notOurs } = splitByOwnership(observed.containers, project);
  const kept: ObservedContainer[] = [...notOurs];
  for (const c of ours) {
    if (isOrphan(c) && !options.removeOrphans) {
      kept.push(c);
      warnings.push({
        service: serviceOf(c.labels),
        message: `found orphan container ${c.name} (service ${serviceOf(c.labels) || '?'} is not in the stack file): run with --remove-orphans to remove it`,
      });
    } else {
      doomed.push(c);
    }
  }
  if (model && !options.takeOver) {
    const others = fromOtherFolders(doomed, model.projectDirectory);
    if (others.size > 0) {
      throw otherFolderRefusal(project, model.projectDirectory, others, doomed.filter((c) => others.has(c.id)).map((c) => c.name), 'down');
    }
  }
  const removeOps = removeContainers(b, doomed, options);
  removeResources(b, observed, kept, removeOps, options);
  return { projectName: project, operations: b.build({ breakCycles: true }), warnings, sensitive: new SensitiveValues(model?.sensitiveValues ?? [], model?.secretValues ?? []) };
}

/** stop (when up) → remove for each container, dependents stopped before their dependencies. Returns the remove ids. */
function removeContainers(b: PlanBuilder, doomed: readonly ObservedContainer[], options: DownOptions): string[] {
  const stopTimeout = options.timeoutSeconds !== undefined ? { timeoutSeconds: options.timeoutSeconds } : {};
  const stopOps = new Map<string, string[]>(); // service → stop op ids
  const removeOps: string[] = [];
  for (const c of doomed) {
    const service = serviceOf(c.labels);
    const grouping = inChange('remove', 'container', c.name);
    let stopId: string | undefined;
    if (isUp(c)) {
      stopId = b.add({ id: opId.stop(c.name), kind: 'container.stop', container: observedRef(c), after: [], cause: CAUSE, service, ...grouping, ...stopTimeout });
      (stopOps.get(service) ?? stopOps.set(service, []).get(service)!).push(stopId);
    }
    removeOps.push(
      b.add({
        id: opId.remove(c.name),
        kind: 'container.remove',
        container: observedRef(c),
        // Compose's anonymous volumes (not ours: ours are named) go with their container on -v.
        removeAnonymousVolumes: options.removeVolumes,
        after: stopId ? [stopId] : [],
        cause: CAUSE,
        service,
        ...grouping,
      }),
    );
  }
  // A dependency stops only after its dependents stopped.
  for (const c of doomed) {
    const own = isUp(c) ? opId.stop(c.name) : undefined;
    if (!own) continue;
    for (const dependent of doomed) {
      if (!parseDependsOn(dependent.labels[COMPOSE.dependsOn]).some((d) => d.service === serviceOf(c.labels))) continue;
      b.after(own, stopOps.get(serviceOf(dependent.labels)) ?? []);
    }
  }
  return removeOps;
}

/** The project's networks (and with -v its volumes), after every container removal; those a kept container uses stay. */
function removeResources(b: PlanBuilder, observed: ObservedState, kept: readonly ObservedContainer[], removeOps: readonly string[], options: DownOptions): void {
  const project = observed.projectName;
  const keptNetworks = new Set<string>();
  const keptVolumes = new Set<string>();
  for (const c of kept) {
    for (const [name, ep] of Object.entries(c.networks)) {
      keptNetworks.add(name);
      if (ep.networkId) keptNetworks.add(ep.networkId);
    }
    for (const m of c.mounts) if (m.type === 'volume' && m.name) keptVolumes.add(m.name);
  }
  // A network or volume the file now declares external is not ours to remove, whatever its labels.
  const externalNames = new Set<string>();
  if (options.model) {
    for (const n of Object.values(options.model.networks)) if (n.external) externalNames.add(n.name);
    for (const v of Object.values(options.model.volumes)) if (v.external) externalNames.add(v.name);
  }
  const sameNameCount = new Map<string, number>();
  for (const n of observed.networks) sameNameCount.set(n.name, (sameNameCount.get(n.name) ?? 0) + 1);
  for (const n of [...observed.networks].sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : x.id < y.id ? -1 : 1))) {
    if (!isManagedBy(n.labels, project) || externalNames.has(n.name)) continue;
    if (keptNetworks.has(n.name) || keptNetworks.has(n.id)) continue;
    const duplicate = (sameNameCount.get(n.name) ?? 0) > 1;
    b.add({
      id: duplicate ? opId.removeNetwork(n.name, n.id) : opId.removeNetwork(n.name),
      kind: 'network.remove',
      network: n.name,
      networkId: n.id,
      after: removeOps,
      cause: CAUSE,
      ...inChange('remove', 'network', duplicate ? `${n.name} ${n.id.slice(0, 12)}` : n.name),
    });
  }
  if (!options.removeVolumes) return;
  for (const v of [...observed.volumes].sort((x, y) => (x.name < y.name ? -1 : 1))) {
    if (!isManagedBy(v.labels, project) || keptVolumes.has(v.name) || externalNames.has(v.name)) continue;
    b.add({ id: opId.removeVolume(v.name), kind: 'volume.remove', volume: v.name, after: removeOps, cause: CAUSE, ...inChange('remove', 'volume', v.name) });
  }
}
