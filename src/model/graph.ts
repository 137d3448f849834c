// The service dependency graph (explicit depends_on plus the implicit links / volumes_from /
// network_mode: service:x edges normalise added). Everything here is deterministic: ties are
// broken by service name, so the same stack always gives the same order and the same error.

import { StackFileError } from '../errors.js';
import type { Dict, Locator, ServiceSpec } from './types.js';
import { locateNearest } from './validate.js';

type Services = Dict<Pick<ServiceSpec, 'dependsOn'>>;

/** Direct dependencies of `name` that are services of the graph, sorted. */
export function directDependencies(services: Services, name: string): string[] {
  const spec = services[name];
  if (!spec) return [];
  return Object.keys(spec.dependsOn).filter((d) => Object.prototype.hasOwnProperty.call(services, d)).sort();
}

/**
 * The first dependency cycle, as a closed walk starting at its smallest name
 * (`["a","b","c","a"]`), or undefined when the graph is acyclic. Deterministic: services and
 * their dependencies are explored in name order.
 */
export function findCycle(services: Services): string[] | undefined {
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (name: string): string[] | undefined => {
    state.set(name, 'visiting');
    stack.push(name);
    for (const dep of directDependencies(services, name)) {
      const s = state.get(dep);
      if (s === 'visiting') return rotate(stack.slice(stack.indexOf(dep)));
      if (s === undefined) {
        const found = visit(dep);
        if (found) return found;
      }
    }
    stack.pop();
    state.set(name, 'done');
    return undefined;
  };
  for (const name of Object.keys(services).sort()) {
    if (state.has(name)) continue;
    const found = visit(name);
    if (found) return found;
  }
  return undefined;
}

/** Start the cycle at its smallest member so the message does not depend on where the walk began. */
function rotate(cycle: string[]): string[] {
  let start = 0;
  for (let i = 1; i < cycle.length; i++) if (cycle[i]! < cycle[start]!) start = i;
  const ordered = [...cycle.slice(start), ...cycle.slice(0, start)];
  return [...ordered, ordered[0]!];
}

/** Throws StackFileError (`services.a.depends_on: dependency cycle a → b → a`) when there is a cycle. */
export function assertAcyclic(services: Services, locate?: Locator): void {
  const cycle = findCycle(services);
  if (!cycle) return;
  const [first, second] = cycle as [string, string];
  const location = locate ? locateNearest(['services', first, 'depends_on', second], locate) : undefined;
  throw new StackFileError([
    {
      message: `dependency cycle ${cycle.join(' → ')}`,
      path: `services.${first}.depends_on`,
      ...(location ? { location } : {}),
      hint: 'remove one of these dependencies (links, volumes_from and network_mode: service:x count as dependencies too)',
    },
  ]);
}

/**
 * All services, dependencies before dependents; among services whose dependencies are met,
 * by name. Throws on a cycle (call assertAcyclic first for a located error).
 */
export function topologicalOrder(services: Services): string[] {
  const names = Object.keys(services).sort();
  const remaining = new Map<string, number>();
  const dependents = new Map<string, string[]>();
  for (const name of names) {
    const deps = directDependencies(services, name);
    remaining.set(name, deps.length);
    for (const d of deps) dependents.set(d, [...(dependents.get(d) ?? []), name]);
  }
  const ready = names.filter((n) => remaining.get(n) === 0);
  const order: string[] = [];
  while (ready.length > 0) {
    ready.sort();
    const next = ready.shift()!;
    order.push(next);
    for (const dependent of dependents.get(next) ?? []) {
      const left = remaining.get(dependent)! - 1;
      remaining.set(dependent, left);
      if (left === 0) ready.push(dependent);
    }
  }
  if (order.length !== names.length) {
    const cycle = findCycle(services);
    throw new StackFileError([{ message: `dependency cycle ${cycle?.join(' → ') ?? ''}`.trim(), path: cycle ? `services.${cycle[0]}.depends_on` : 'services' }]);
  }
  return order;
}

/** The given services and everything they depend on (transitively), in topological order. */
export function withDependencies(services: Services, names: Iterable<string>): string[] {
  const wanted = new Set<string>();
  const walk = (name: string) => {
    if (wanted.has(name) || !Object.prototype.hasOwnProperty.call(services, name)) return;
    wanted.add(name);
    for (const d of directDependencies(services, name)) walk(d);
  };
  for (const n of names) walk(n);
  return topologicalOrder(services).filter((n) => wanted.has(n));
}

/** The given services and everything that depends on them (transitively), in topological order. */
export function withDependents(services: Services, names: Iterable<string>): string[] {
  const wanted = new Set<string>();
  const all = Object.keys(services);
  const walk = (name: string) => {
    if (wanted.has(name) || !Object.prototype.hasOwnProperty.call(services, name)) return;
    wanted.add(name);
    for (const other of all) if (directDependencies(services, other).includes(name)) walk(other);
  };
  for (const n of names) walk(n);
  return topologicalOrder(services).filter((n) => wanted.has(n));
}
