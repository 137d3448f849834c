// Ownership: the one rule for "the project's objects that are ours", and how to say who made
// the others. Every command that acts on a project (up, down, the lifecycle commands, exec,
// logs, top, port, ps) selects through `splitByOwnership`, so none of them can act on a
// container that merely carries the project's Compose labels: one made by docker-compose, by
// `docker run --label com.docker.compose.project=P`, or by stack for another project.
//
// Who made an object is read from its labels: our mark (`dev.stack.managed`) and project
// label; Compose (1.x and v2) writes `com.docker.compose.version` on everything it creates,
// and so do we (labels.ts), so the version label without our mark means Compose.

import { COMPOSE, isManagedBy, STACK } from './labels.js';
import type { Labels } from './engine-types.js';

export type Owner =
  /** stack created it for this project. */
  | { readonly kind: 'ours' }
  /** stack created it for another project. */
  | { readonly kind: 'stack'; readonly project: string }
  /** Docker Compose created it (for `project`, when it says). */
  | { readonly kind: 'compose'; readonly project?: string; readonly version?: string }
  /** No tool we know marked it: made by hand, or by another tool (it may still carry a project label). */
  | { readonly kind: 'unknown'; readonly project?: string };

export function ownerOf(labels: Labels, projectName: string): Owner {
  if (isManagedBy(labels, projectName)) return { kind: 'ours' };
  const project = labels[COMPOSE.project] || undefined;
  if (labels[STACK.managed] === 'true' && project !== undefined) return { kind: 'stack', project };
  const version = labels[COMPOSE.version] || undefined;
  if (version !== undefined && labels[STACK.managed] === undefined) {
    return { kind: 'compose', ...(project !== undefined ? { project } : {}), version };
  }
  return { kind: 'unknown', ...(project !== undefined ? { project } : {}) };
}

/** `created by stack for project a`, `created by docker-compose 1.29.2 for project a`, `not created by stack`. */
export function describeOwner(owner: Owner): string {
  switch (owner.kind) {
    case 'ours':
      return 'created by stack for this project';
    case 'stack':
      return `created by stack for project ${owner.project}`;
    case 'compose':
      return `created by ${composeCommand(owner.version)}${owner.version ? ` ${owner.version}` : ''}${owner.project !== undefined ? ` for project ${owner.project}` : ''}`;
    case 'unknown':
      return owner.project !== undefined ? `not created by stack (it carries project ${owner.project}'s labels)` : 'not created by stack';
  }
}

/** The Compose command that wrote a version label: `docker-compose` (1.x, Python) or `docker compose` (v2 and later). */
export function composeCommand(version: string | undefined): string {
  return version !== undefined && /^1\./.test(version) ? 'docker-compose' : 'docker compose';
}

export interface OwnershipSplit<T> {
  /** Created by stack for this project: what commands act on. */
  readonly ours: T[];
  /** Everything else: left alone, and said so. */
  readonly notOurs: T[];
}

/** The one ownership rule, applied to a list of engine objects. */
export function splitByOwnership<T extends { readonly labels: Labels }>(objects: readonly T[], projectName: string): OwnershipSplit<T> {
  const ours: T[] = [];
  const notOurs: T[] = [];
  for (const o of objects) (isManagedBy(o.labels, projectName) ? ours : notOurs).push(o);
  return { ours, notOurs };
}

/** Objects carrying this project's label that stack did not create for it, by kind and sorted name: what a command left alone. */
export interface LeftAlone {
  readonly containers: readonly string[];
  readonly networks: readonly string[];
  readonly volumes: readonly string[];
}

export function leftAloneOf(
  projectName: string,
  objects: { readonly containers?: readonly Named[]; readonly networks?: readonly Named[]; readonly volumes?: readonly Named[] },
): LeftAlone {
  const names = (list: readonly Named[] = []) =>
    [...new Set(list.filter((o) => o.labels[COMPOSE.project] === projectName && !isManagedBy(o.labels, projectName)).map((o) => o.name))].sort();
  return { containers: names(objects.containers), networks: names(objects.networks), volumes: names(objects.volumes) };
}

export function isNothingLeftAlone(left: LeftAlone): boolean {
  return left.containers.length === 0 && left.networks.length === 0 && left.volumes.length === 0;
}

type Named = { readonly name: string; readonly labels: Labels };
