// Canonical JSON and hashing for the planner: the same value always gives the same text,
// whatever the key order it was built in. Used for the config hash we label containers,
// networks and volumes with.

import { createHash } from 'node:crypto';

/**
 * JSON with object keys sorted at every depth; `undefined` members are dropped.
 *
 * Written out directly rather than as JSON.stringify of a sorted copy (which it must match
 * byte for byte: the hashes of running containers are made of it). The copies cost ~5 ms of
 * a no-op `up` of 30 services (issue 5). What the copy's key order was, this keeps: V8 lists
 * integer-like keys first, in numeric order, then the others in the order they were sorted.
 */
export function canonicalJson(value: unknown): string {
  return write(value) as string;
}

function write(value: unknown): string | undefined {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      return Number.isFinite(value) ? String(value) : 'null';
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object': {
      if (value === null) return 'null';
      if (Array.isArray(value)) return `[${value.map((v: unknown) => write(v) ?? 'null').join(',')}]`;
      const parts: string[] = [];
      for (const key of keyOrder(Object.keys(value))) {
        const member = write((value as Record<string, unknown>)[key]);
        if (member !== undefined) parts.push(`${JSON.stringify(key)}:${member}`);
      }
      return `{${parts.join(',')}}`;
    }
    case 'bigint':
      return JSON.stringify(value); // throws, as JSON.stringify does
    default:
      return undefined; // undefined, functions and symbols: left out, or null in an array
  }
}

const ARRAY_INDEX = /^(?:0|[1-9]\d{0,9})$/;

function keyOrder(keys: string[]): string[] {
  keys.sort();
  if (!keys.some(isArrayIndex)) return keys;
  const indices = keys.filter(isArrayIndex).sort((a, b) => Number(a) - Number(b));
  return [...indices, ...keys.filter((k) => !isArrayIndex(k))];
}

function isArrayIndex(key: string): boolean {
  return ARRAY_INDEX.test(key) && Number(key) < 4294967295;
}

/** sha256 of the canonical JSON, hex. */
export function canonicalHash(value: unknown): string {
  return sha256Hex(canonicalJson(value));
}

/** sha256 of a text already in canonical JSON, hex. */
export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
