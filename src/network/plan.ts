// Networks, planned purely: what each network of the model should look like, and whether the
// live one (if any) can stay, must be created, or must be recreated. The engine cannot change
// a network in place, so any change to its spec means remove + create (with its containers
// taken off it first, which the reconciler arranges).

import { canonicalHash, canonicalJson } from '../model/hash.js';
import { makeRedactor, type Redactor } from '../planner/redact.js';
import { sensitivePaths, specLabel } from '../planner/sensitive-spec.js';
import { COMPOSE, STACK, isManagedBy, ownershipLabels, parseSpecLabel } from '../api/labels.js';
import type { NetworkSpec, StackModel } from '../model/types.js';
import type { NetworkCreateBody, ObservedNetwork } from '../api/engine-types.js';
import type { NameHolder, ObservedState } from '../api/observed.js';

export type NetworkAction = 'keep' | 'create' | 'recreate' | 'external';

export interface NetworkDecision {
  readonly key: string;
  /** Engine name. */
  readonly name: string;
  readonly action: NetworkAction;
  /** The live network we keep or replace (for `external`: the one that exists). */
  readonly observed?: ObservedNetwork;
  /** Managed networks with the same name beyond the one kept (left by a race): removed. */
  readonly duplicates: readonly ObservedNetwork[];
  readonly body: NetworkCreateBody;
  readonly hash: string;
  /** The canonical spec last applied (from the label), for reasons. */
  readonly previousSpec?: unknown;
  readonly spec: unknown;
}

export interface NetworkProblems {
  readonly missingExternal: string[];
  /** Networks holding a name we would use that stack did not create for this project, with their labels (who made them). */
  readonly foreign: NameHolder[];
}

/** The part of a network's spec that the engine fixes at creation. */
export function canonicalNetworkSpec(spec: NetworkSpec): unknown {
  return JSON.parse(
    canonicalJson({
      name: spec.name,
      driver: spec.driver,
      driverOpts: spec.driverOpts,
      ipam: spec.ipam,
      internal: spec.internal,
      attachable: spec.attachable,
      enableIpv6: spec.enableIpv6,
      enableIpv4: spec.enableIpv4,
      labels: spec.labels,
    }),
  );
}

/** A network the model refers to without declaring it (defensive: the loader adds `default`). */
export function implicitNetworkSpec(model: StackModel, key: string): NetworkSpec {
  return {
    key,
    name: `${model.projectName}_${key}`,
    external: false,
    driverOpts: Object.create(null),
    internal: false,
    attachable: false,
    labels: Object.create(null),
  };
}

/**
 * The create body. Driver options and labels can hold interpolated secrets: the engine needs
 * them in the body, but the spec label holds a digest of each instead (sensitive-spec.ts).
 */
export function networkCreateBody(model: StackModel, spec: NetworkSpec, hash: string, canonical: unknown, redactor: Redactor = makeRedactor(model.secretValues)): NetworkCreateBody {
  const labels: Record<string, string> = Object.create(null);
  Object.assign(labels, spec.labels, ownershipLabels(model.projectName));
  labels[COMPOSE.network] = spec.key;
  labels[STACK.resourceHash] = hash;
  labels[STACK.spec] = specLabel(canonical, sensitivePaths(canonical, redactor));
  const body: Record<string, unknown> = {
    Name: spec.name,
    // Ten concurrent creates made ten networks on this engine even with the check; the
    // project lock is the real guard, the flag costs nothing.
    CheckDuplicate: true,
    Labels: labels,
  };
  if (spec.driver !== undefined) body.Driver = spec.driver;
  if (spec.internal) body.Internal = true;
  if (spec.attachable) body.Attachable = true;
  if (spec.enableIpv6 !== undefined) body.EnableIPv6 = spec.enableIpv6;
  if (Object.keys(spec.driverOpts).length > 0) body.Options = { ...spec.driverOpts };
  if (spec.ipam) {
    const ipam: Record<string, unknown> = {};
    if (spec.ipam.driver !== undefined) ipam.Driver = spec.ipam.driver;
    if (spec.ipam.config.length > 0) {
      ipam.Config = spec.ipam.config.map((c) => {
        const entry: Record<string, unknown> = {};
        if (c.subnet !== undefined) entry.Subnet = c.subnet;
        if (c.ipRange !== undefined) entry.IPRange = c.ipRange;
        if (c.gateway !== undefined) entry.Gateway = c.gateway;
        if (Object.keys(c.auxAddresses).length > 0) entry.AuxiliaryAddresses = { ...c.auxAddresses };
        return entry;
      });
    }
    if (Object.keys(spec.ipam.options).length > 0) ipam.Options = { ...spec.ipam.options };
    body.IPAM = ipam;
  }
  return body as unknown as NetworkCreateBody;
}

/**
 * Which of several same-named networks is kept: the one most containers are on (so that
 * removing the others moves nobody), then the oldest, then by id.
 */
function byUseThenAge(attached: ReadonlyMap<string, number>): (a: ObservedNetwork, b: ObservedNetwork) => number {
  return (a, b) => (attached.get(b.id) ?? 0) - (attached.get(a.id) ?? 0) || byAge(a, b);
}

function byAge(a: ObservedNetwork, b: ObservedNetwork): number {
  if (a.created !== b.created) return a.created < b.created ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/**
 * Decide each network the given keys need. Problems (external network missing, a foreign
 * network holding our name) are collected for the caller to report together.
 */
export function planNetworks(
  model: StackModel,
  observed: ObservedState,
  keys: readonly string[],
  problems: NetworkProblems,
): NetworkDecision[] {
  const out: NetworkDecision[] = [];
  const redactor = makeRedactor(model.secretValues);
  const foreignByName = new Map((observed.foreignByName?.networks ?? []).map((n) => [n.name, n] as const));
  const attachedCounts = new Map<string, number>();
  for (const c of observed.containers) {
    for (const ep of Object.values(c.networks)) if (ep.networkId !== '') attachedCounts.set(ep.networkId, (attachedCounts.get(ep.networkId) ?? 0) + 1);
  }
  for (const key of [...new Set(keys)].sort()) {
    const spec = model.networks[key] ?? implicitNetworkSpec(model, key);
    const canonical = canonicalNetworkSpec(spec);
    const hash = canonicalHash(canonical);
    const body = networkCreateBody(model, spec, hash, canonical, redactor);
    const sameName = observed.networks.filter((n) => n.name === spec.name || (spec.external && n.id === spec.name));
    if (spec.external) {
      const found = sameName[0];
      if (!found) problems.missingExternal.push(spec.name);
      out.push({ key, name: spec.name, action: 'external', ...(found ? { observed: found } : {}), duplicates: [], body, hash, spec: canonical });
      continue;
    }
    const managed = sameName.filter((n) => isManagedBy(n.labels, model.projectName)).sort(byUseThenAge(attachedCounts));
    const foreign = sameName.filter((n) => !isManagedBy(n.labels, model.projectName));
    const holder = foreign[0] ?? (managed.length === 0 ? foreignByName.get(spec.name) : undefined);
    if (holder) {
      problems.foreign.push({ name: spec.name, labels: holder.labels });
      continue;
    }
    const [kept, ...duplicates] = managed;
    if (!kept) {
      out.push({ key, name: spec.name, action: 'create', duplicates: [], body, hash, spec: canonical });
      continue;
    }
    const previousSpec = parseSpecLabel(kept.labels);
    const action: NetworkAction = kept.labels[STACK.resourceHash] === hash ? 'keep' : 'recreate';
    out.push({
      key,
      name: spec.name,
      action,
      observed: kept,
      duplicates,
      body,
      hash,
      spec: canonical,
      ...(previousSpec !== undefined ? { previousSpec } : {}),
    });
  }
  return out;
}
