// Phase 2: networks and volumes.
//
// Decisions first, as a fixpoint: a network or volume that must be recreated takes every
// container on it down with it, so the services of those containers join the scope, and
// their networks and volumes are decided in turn. Then the operations: create (after remove,
// for a recreate) and the removal of duplicates. Last, once the containers phase has planned
// every container removal, each network or volume removal is ordered after the removals of
// the containers on it.

import type { ObservedContainer } from '../../api/engine-types.js';
import type { NameHolder } from '../../api/observed.js';
import { describeOwner, ownerOf } from '../../api/ownership.js';
import { planNetworks, type NetworkDecision, type NetworkProblems } from '../../network/plan.js';
import { planVolumes, type VolumeDecision, type VolumeProblems } from '../../volume/plan.js';
import { describeChange, diffSpecs, changedCause } from '../spec-diff.js';
import type { CanonicalSpec } from '../canonical.js';
import { inChange, opId } from '../ids.js';
import { volumeName } from '../names.js';
import type { Cause } from '../types.js';
import type { ReconcileContext } from './context.js';
import type { ObservedPartition, Scope } from './scope.js';

/** The fixpoint ends long before this; the bound only guards against a bug looping forever. */
const MAX_ROUNDS = 10;

/** Networks and volumes this plan removes (to recreate them, or as duplicates). */
export interface GoneResources {
  readonly networkNames: ReadonlySet<string>;
  readonly networkIds: ReadonlySet<string>;
  readonly volumeNames: ReadonlySet<string>;
}

export interface ResourceDecisions {
  /** The scope's services plus the users of recreated networks and volumes. */
  readonly services: ReadonlySet<string>;
  readonly networks: readonly NetworkDecision[];
  readonly volumes: readonly VolumeDecision[];
  readonly gone: GoneResources;
  /**
   * Networks this plan keeps (or uses as external), by name → id. Containers join them by id:
   * an interrupted run can leave two networks with one name, and the engine refuses to start
   * a container whose network it must find by a name that is ambiguous (TRAPS). Networks this
   * run creates are pinned the same way by the executor, which learns their ids.
   */
  readonly keptNetworkIds: ReadonlyMap<string, string>;
}

/** Create operations by network key and by volume key: the containers' creates come after them. */
export interface ResourceOperations {
  readonly networkCreates: ReadonlyMap<string, string>;
  readonly volumeCreates: ReadonlyMap<string, string>;
}

export function decideResources(ctx: ReconcileContext, scope: Scope, partition: ObservedPartition): ResourceDecisions {
  let services = new Set(scope.services);
  let round: RoundResult = { networks: [], volumes: [], problems: [], warnings: [] };
  for (let i = 0; i < MAX_ROUNDS; i++) {
    round = decideRound(ctx, services, scope.resourcesOnly);
    const gone = goneResources(round.networks, round.volumes);
    const extra = new Set<string>();
    for (const [s, containers] of partition.byService) {
      if (!services.has(s) && containers.some((c) => attachedToGone(c, gone))) extra.add(s);
    }
    if (extra.size === 0) break;
    services = new Set([...services, ...extra]);
  }
  ctx.problems.push(...round.problems);
  ctx.warnings.push(...round.warnings.map((message) => ({ message })));
  return {
    services,
    networks: round.networks,
    volumes: round.volumes,
    gone: goneResources(round.networks, round.volumes),
    keptNetworkIds: keptNetworkIdsByName(round.networks),
  };
}

interface RoundResult {
  readonly networks: NetworkDecision[];
  readonly volumes: VolumeDecision[];
  readonly problems: string[];
  readonly warnings: string[];
}

/** One round: decide the networks and named volumes of `services` (and, only to ensure they exist, of `resourcesOnly`). */
function decideRound(ctx: ReconcileContext, services: ReadonlySet<string>, resourcesOnly: ReadonlySet<string>): RoundResult {
  const { model, observed, options } = ctx;
  const needed = resourceKeys(ctx, services);
  const ensured = resourceKeys(ctx, [...resourcesOnly].filter((s) => !services.has(s)));
  const ensuredNetworks = new Set(ensured.networks.filter((k) => !needed.networks.includes(k)));
  const ensuredVolumes = new Set(ensured.volumes.filter((k) => !needed.volumes.includes(k)));
  const netProblems: NetworkProblems = { missingExternal: [], foreign: [] };
  const volProblems: VolumeProblems = { missingExternal: [], foreign: [], shared: [], refusedChanges: [] };
  const networks = planNetworks(model, observed, [...needed.networks, ...ensuredNetworks], netProblems).map((d) =>
    ensuredNetworks.has(d.key) ? ensureOnly(d) : d,
  );
  const volumes = planVolumes(model, observed, [...needed.volumes, ...ensuredVolumes], options.assumeYes === true, volProblems).map((d) =>
    ensuredVolumes.has(d.key) ? ensureOnly(d) : d,
  );
  const ensuredVolumeNames = new Set([...ensuredVolumes].map((k) => volumeName(model, k)));
  const refused = volProblems.refusedChanges.filter((n) => !ensuredVolumeNames.has(n));
  const problems = [
    ...netProblems.missingExternal.map(
      (n) => `external network ${n} does not exist: create it first (docker network create ${n}) or drop external: true`,
    ),
    ...volProblems.missingExternal.map(
      (n) => `external volume ${n} does not exist: create it first (docker volume create ${n}) or drop external: true`,
    ),
    ...netProblems.foreign.map((n) => resourceTaken(ctx, 'network', n)),
    ...volProblems.foreign.map((v) => resourceTaken(ctx, 'volume', v)),
    ...refused.map((n) => {
      const d = volumes.find((v) => v.name === n);
      const why = d?.previousSpec !== undefined ? diffSpecs(d.previousSpec, d.spec as CanonicalSpec, ctx.redactor).map(describeChange).join(', ') : 'its spec changed';
      return `volume ${n} would have to be recreated (${why}), which deletes its data: run again with -y to allow it`;
    }),
  ];
  const warnings = volProblems.shared.map(
    (v) =>
      `volume ${v.name} is shared: it was ${describeOwner(ownerOf(v.labels, ctx.projectName))}; this project uses it as it is and never changes or removes it (declare it external: true to say so)`,
  );
  return { networks, volumes, problems, warnings };
}

/** A network or volume name another object holds: who made it, and what to do. */
function resourceTaken(ctx: ReconcileContext, kind: 'network' | 'volume', holder: NameHolder): string {
  const owner = ownerOf(holder.labels, ctx.projectName);
  if (owner.kind === 'unknown' && owner.project === undefined) {
    return `${kind} ${holder.name} already exists and was not created by stack: remove or rename it, or declare it external`;
  }
  return `${kind} ${holder.name} already exists, ${describeOwner(owner)}: declare it external: true to use it as it is, or give yours another name`;
}

/** Network keys and named volume keys the containers of these services use, in scope order. */
function resourceKeys(ctx: ReconcileContext, services: Iterable<string>): { networks: string[]; volumes: string[] } {
  const networks: string[] = [];
  const volumes: string[] = [];
  for (const name of services) {
    const s = ctx.model.services[name]!;
    if (s.networkMode === undefined) networks.push(...Object.keys(s.networks));
    for (const m of s.mounts) if (m.type === 'volume' && m.source !== undefined) volumes.push(m.source);
  }
  return { networks, volumes };
}

/**
 * A resource only needed to exist (`resourcesFor`): created when missing, never recreated.
 * Same-named duplicates of a network are still removed, as `up` does: while two networks
 * share the name, the engine refuses to start any container that joins it by name (TRAPS).
 */
function ensureOnly<D extends NetworkDecision | VolumeDecision>(d: D): D {
  return d.action === 'recreate' ? { ...d, action: 'keep' as const } : d;
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

/** The first network of a container that this plan removes: `[name, endpoint]`. */
export function goneNetworkOf(c: ObservedContainer, gone: GoneResources): [string, ObservedContainer['networks'][string]] | undefined {
  return Object.entries(c.networks).find(([name, ep]) => gone.networkNames.has(name) || (ep.networkId !== '' && gone.networkIds.has(ep.networkId)));
}

/** The first volume mount of a container whose volume this plan removes. */
export function goneVolumeOf(c: ObservedContainer, gone: GoneResources): ObservedContainer['mounts'][number] | undefined {
  return c.mounts.find((m) => m.type === 'volume' && m.name !== undefined && gone.volumeNames.has(m.name));
}

function attachedToGone(c: ObservedContainer, gone: GoneResources): boolean {
  return goneNetworkOf(c, gone) !== undefined || goneVolumeOf(c, gone) !== undefined;
}

function keptNetworkIdsByName(decisions: readonly NetworkDecision[]): Map<string, string> {
  const ids = new Map<string, string>();
  for (const d of decisions) if ((d.action === 'keep' || d.action === 'external') && d.observed) ids.set(d.name, d.observed.id);
  return ids;
}

export function emitResourceOperations(ctx: ReconcileContext, decisions: ResourceDecisions): ResourceOperations {
  const networkCreates = new Map<string, string>();
  const volumeCreates = new Map<string, string>();
  for (const d of decisions.networks) {
    emitDuplicateRemovals(ctx, d);
    const created = emitRecreate(ctx, d, 'network');
    if (created !== undefined) networkCreates.set(d.key, created);
  }
  for (const d of decisions.volumes) {
    const created = emitRecreate(ctx, d, 'volume');
    if (created !== undefined) volumeCreates.set(d.key, created);
  }
  return { networkCreates, volumeCreates };
}

function emitDuplicateRemovals(ctx: ReconcileContext, d: NetworkDecision): void {
  for (const dup of d.duplicates) {
    ctx.builder.add({
      id: opId.removeNetwork(d.name, dup.id),
      kind: 'network.remove',
      network: d.name,
      networkId: dup.id,
      after: [],
      cause: { kind: 'interrupted-run', text: 'duplicate network' },
      ...inChange('remove', 'network', `${d.name} ${dup.id.slice(0, 12)}`),
    });
  }
}

/** create, or remove → create: returns the create operation's id, or undefined when kept. */
function emitRecreate(ctx: ReconcileContext, d: NetworkDecision | VolumeDecision, object: 'network' | 'volume'): string | undefined {
  if (d.action !== 'create' && d.action !== 'recreate') return undefined;
  const b = ctx.builder;
  const grouping = inChange(d.action, object, d.name);
  const cause: Cause =
    d.action === 'create'
      ? { kind: 'missing', text: `no ${object}` }
      : d.previousSpec !== undefined
        ? changedCause(d.previousSpec, d.spec as CanonicalSpec, ctx.redactor)
        : { kind: 'changed', text: `${object} spec differs` };
  if (object === 'network') {
    const nd = d as NetworkDecision;
    const removeId =
      nd.action === 'recreate'
        ? b.add({ id: opId.removeNetwork(nd.name), kind: 'network.remove', network: nd.name, networkId: nd.observed!.id, after: [], cause, ...grouping })
        : undefined;
    return b.add({ id: opId.createNetwork(nd.name), kind: 'network.create', network: nd.name, body: nd.body, after: removeId ? [removeId] : [], cause, ...grouping });
  }
  const vd = d as VolumeDecision;
  const removeId = vd.action === 'recreate' ? b.add({ id: opId.removeVolume(vd.name), kind: 'volume.remove', volume: vd.name, after: [], cause, ...grouping }) : undefined;
  return b.add({ id: opId.createVolume(vd.name), kind: 'volume.create', volume: vd.name, body: vd.body, after: removeId ? [removeId] : [], cause, ...grouping });
}

/**
 * A network or volume being replaced goes only after every container on it is gone.
 * `containerRemovals`: container id (or `id/network` for a disconnect) → the operation
 * after which it is off the resource.
 */
export function orderResourceRemovals(
  ctx: ReconcileContext,
  decisions: ResourceDecisions,
  managed: readonly ObservedContainer[],
  containerRemovals: ReadonlyMap<string, string>,
): void {
  const b = ctx.builder;
  const gone = decisions.gone;
  for (const d of decisions.networks) {
    const removeIds = [opId.removeNetwork(d.name), ...d.duplicates.map((dup) => opId.removeNetwork(d.name, dup.id))].filter((id) => b.has(id));
    if (removeIds.length === 0) continue;
    for (const c of managed) {
      const attached = Object.entries(c.networks).some(([name, ep]) => name === d.name || (ep.networkId !== '' && gone.networkIds.has(ep.networkId)));
      if (!attached) continue;
      const blocker = containerRemovals.get(c.id) ?? containerRemovals.get(`${c.id}/${d.name}`);
      for (const id of removeIds) b.after(id, [blocker]);
    }
  }
  for (const d of decisions.volumes) {
    if (d.action !== 'recreate') continue;
    for (const c of managed) {
      if (!c.mounts.some((m) => m.type === 'volume' && m.name === d.name)) continue;
      b.after(opId.removeVolume(d.name), [containerRemovals.get(c.id)]);
    }
  }
}
