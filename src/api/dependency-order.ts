// The one dependency order of services read from their containers' labels: what the
// lifecycle commands (start, stop, restart, the Ctrl-C stop of attached `up`) follow, so that
// they work from labels alone (`stack -p NAME stop`, no stack file). The planner orders
// services from the model graph instead; a plan built from labels (down) reads the same
// `dependenciesFromLabels`.
//
// A leaf beside labels.ts: it reads labels through it and imports nothing else of ours.

import { COMPOSE, parseDependsOn, serviceOf, type Labels } from './labels.js';

/** Each service's direct dependencies, from the `com.docker.compose.depends_on` labels of its containers. */
export function dependenciesFromLabels(containers: readonly { readonly labels: Labels }[]): Map<string, Set<string>> {
  const deps = new Map<string, Set<string>>();
  for (const c of containers) {
    const service = serviceOf(c.labels);
    const set = deps.get(service) ?? new Set<string>();
    for (const d of parseDependsOn(c.labels[COMPOSE.dependsOn])) set.add(d.service);
    deps.set(service, set);
  }
  return deps;
}

/**
 * Services in start order, grouped in levels: every service comes after the services it
 * depends on. Dependencies outside the map are ignored; a cycle (which `up` refuses) falls
 * back to name order rather than looping. Within a level, names are sorted.
 */
export function dependencyLevels(deps: ReadonlyMap<string, ReadonlySet<string>>): string[][] {
  const levels: string[][] = [];
  const placed = new Set<string>();
  const remaining = new Set(deps.keys());
  while (remaining.size > 0) {
    const ready = [...remaining].filter((s) => [...deps.get(s)!].every((d) => placed.has(d) || !deps.has(d))).sort();
    const level = ready.length > 0 ? ready : [...remaining].sort();
    for (const s of level) {
      placed.add(s);
      remaining.delete(s);
    }
    levels.push(level);
  }
  return levels;
}

/** The start order of the services of these containers, from their labels: dependencies first. */
export function startOrder(containers: readonly { readonly labels: Labels }[]): string[][] {
  return dependencyLevels(dependenciesFromLabels(containers));
}
