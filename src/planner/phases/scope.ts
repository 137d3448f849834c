// Phase 1: scope and the observed partition.
//
// Scope: which services this plan is about (those named, with their dependencies unless
// --no-deps; all of them when none is named) and which of them were named explicitly
// (--force-recreate applies to those, --always-recreate-deps to the rest).
// Partition: which live containers are ours (the ownership label), which names are taken by
// foreign ones, which of ours are orphans, and ours by service.

import { UsageError } from '../../errors.js';
import { isOneOff, isProbe, serviceOf, type Labels } from '../../api/labels.js';
import { splitByOwnership } from '../../api/ownership.js';
import type { StackModel } from '../../model/types.js';
import type { ObservedContainer } from '../../api/engine-types.js';
import type { ReconcileContext } from './context.js';

export interface Scope {
  /** Services whose containers this plan reconciles (the resources phase may add users of a recreated network or volume). */
  readonly services: ReadonlySet<string>;
  /** Services named on the command line (all, when none was). */
  readonly explicit: ReadonlySet<string>;
  /** Services that only need their networks and named volumes (`resourcesFor`), minus those in `services`. */
  readonly resourcesOnly: ReadonlySet<string>;
}

export interface ObservedPartition {
  /** Containers carrying our ownership label for this project. */
  readonly managed: readonly ObservedContainer[];
  /** Names held by containers that are not ours (name → their labels, which say who made them): creating one of them would fail. */
  readonly foreignContainers: ReadonlyMap<string, Labels>;
  readonly orphans: readonly ObservedContainer[];
  /** Create probes left by a killed run (see STACK.probe): removed. */
  readonly probes: readonly ObservedContainer[];
  /** Our containers of services in the model, one-off containers left out. */
  readonly byService: ReadonlyMap<string, readonly ObservedContainer[]>;
}

export function resolveScope(ctx: ReconcileContext): Scope {
  const { model, options } = ctx;
  const allServices = Object.keys(model.services).sort();
  const resourcesFor = options.resourcesFor ?? [];
  const named = options.services !== undefined && options.services.length > 0;
  const requested = named ? [...options.services!] : resourcesFor.length > 0 ? [] : allServices;
  for (const name of [...requested, ...resourcesFor]) requireService(model, name, allServices);
  // `--scale nosuch=2` would otherwise be ignored without a word. A service disabled by its
  // profiles has no containers to scale: accepted.
  for (const [name, n] of Object.entries(options.scale ?? {})) {
    if (model.services[name] || model.disabledServices.includes(name)) continue;
    throw new UsageError(`--scale ${name}=${n}: no such service: ${name}`, { hint: `services in this stack: ${allServices.join(', ') || '(none)'}` });
  }
  // A `resourcesFor` service's dependencies are requested like those of a named service.
  const roots = [...requested, ...resourcesFor.flatMap((name) => Object.keys(model.services[name]!.dependsOn))];
  const services = options.noDeps ? new Set(requested) : dependencyClosure(model, roots);
  return { services, explicit: new Set(requested), resourcesOnly: new Set(resourcesFor.filter((name) => !services.has(name))) };
}

function requireService(model: StackModel, name: string, allServices: readonly string[]): void {
  if (model.services[name]) return;
  if (model.disabledServices.includes(name)) throw new UsageError(`service ${name} is disabled by its profiles`);
  throw new UsageError(`no such service: ${name}`, { hint: `services in this stack: ${allServices.join(', ') || '(none)'}` });
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

/** Services in dependency order (dependencies first), ties by name. */
export function dependencyOrder(model: StackModel, names: Iterable<string>): string[] {
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

export function partitionObserved(ctx: ReconcileContext): ObservedPartition {
  const { model, observed, projectName } = ctx;
  const { ours: managed, notOurs } = splitByOwnership(observed.containers, projectName);
  const foreignContainers = new Map<string, Labels>([...notOurs, ...(observed.foreignByName?.containers ?? [])].map((c) => [c.name, c.labels]));
  const known = new Set([...Object.keys(model.services), ...model.disabledServices]);
  // Compose's rule: a service no longer in the file, or a one-off container that is not
  // running. Profile-disabled services are not orphans.
  const probes = managed.filter((c) => isProbe(c.labels));
  const orphans = managed.filter((c) => !isProbe(c.labels)).filter((c) => (isOneOff(c.labels) ? c.state === 'exited' || c.state === 'dead' : !known.has(serviceOf(c.labels))));
  const byService = new Map<string, ObservedContainer[]>();
  for (const c of managed) {
    if (isOneOff(c.labels) || isProbe(c.labels)) continue;
    const s = serviceOf(c.labels);
    if (!model.services[s]) continue;
    (byService.get(s) ?? byService.set(s, []).get(s)!).push(c);
  }
  return { managed, foreignContainers, orphans, probes, byService };
}
