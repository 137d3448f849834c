// Source positions that survive interpolation, include, extends and merge.
//
// Every container (mapping or sequence) of a loaded document carries, in a side table, where
// it was written and where each of its children was written. A merge builds new containers
// and copies each child's position from the side it took the child from, so the locator
// below always answers with the place where a value was *last* defined. The table is a
// WeakMap: documents that are dropped take their positions with them.

import type { SourceLocation } from '../errors.js';
import type { Locator } from './types.js';

interface NodePositions {
  self?: SourceLocation;
  /** Where each child (by key or index) was written. */
  readonly children: Map<string | number, SourceLocation>;
}

const table = new WeakMap<object, NodePositions>();

function entry(container: object): NodePositions {
  let e = table.get(container);
  if (!e) {
    e = { children: new Map() };
    table.set(container, e);
  }
  return e;
}

export function setSelfPosition(container: object, loc: SourceLocation | undefined): void {
  if (loc) entry(container).self = loc;
}

export function selfPosition(container: object): SourceLocation | undefined {
  return table.get(container)?.self;
}

export function setChildPosition(container: object, key: string | number, loc: SourceLocation | undefined): void {
  if (loc) entry(container).children.set(key, loc);
}

export function childPosition(container: object, key: string | number): SourceLocation | undefined {
  return table.get(container)?.children.get(key);
}

/** Copy the position of `from[fromKey]` to `to[toKey]` (merges and array rebuilds use it). */
export function copyChildPosition(from: object, fromKey: string | number, to: object, toKey: string | number): void {
  setChildPosition(to, toKey, childPosition(from, fromKey));
}

/** Where `path` was defined; falls back to the nearest ancestor that has a position. */
export function locateIn(root: unknown, path: readonly (string | number)[]): SourceLocation | undefined {
  let node: unknown = root;
  let best: SourceLocation | undefined = isContainer(root) ? selfPosition(root) : undefined;
  for (const key of path) {
    if (!isContainer(node)) break;
    const here = childPosition(node, key);
    if (here) best = here;
    const next: unknown = Array.isArray(node)
      ? node[typeof key === 'number' ? key : Number(key)]
      : Object.prototype.hasOwnProperty.call(node, key)
        ? (node as Record<string, unknown>)[String(key)]
        : undefined;
    if (next === undefined) break;
    node = next;
  }
  return best;
}

/** A Locator bound to one document. */
export function locatorFor(root: unknown): Locator {
  return (path) => locateIn(root, path);
}

function isContainer(v: unknown): v is object {
  return v !== null && typeof v === 'object';
}

/** `services.web.ports[0]` from `["services","web","ports",0]`. */
export function formatPath(path: readonly (string | number)[]): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out === '' ? p : `.${p}`;
  }
  return out;
}
