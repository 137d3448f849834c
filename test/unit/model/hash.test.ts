// canonicalJson is written out by hand for speed, but the hashes of running containers are
// made of its output: it must stay byte for byte what JSON.stringify of a key-sorted copy
// gives (the first implementation, kept here as the reference).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalJson } from '../../../src/model/hash.js';

function reference(value: unknown): string {
  const sortKeys = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sortKeys);
    if (v !== null && typeof v === 'object') {
      const out = Object.create(null) as Record<string, unknown>;
      for (const key of Object.keys(v).sort()) {
        const member = (v as Record<string, unknown>)[key];
        if (member !== undefined) out[key] = sortKeys(member);
      }
      return out;
    }
    return v;
  };
  return JSON.stringify(sortKeys(value));
}

/** A small deterministic generator (mulberry32), so a failure can be replayed. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const KEYS = ['a', 'B', 'b', '_x', '10', '2', '0', '01', '4294967295', '4294967294', '-1', '1.5', 'é', '\u{1F600}', 'key with "quotes"', 'z\n', ''];
const LEAVES: unknown[] = ['', 'text', 'é\u2028"\\', 0, -0, 1.5, 1e21, -3, NaN, Infinity, true, false, null, undefined, () => 1];

function value(next: () => number, depth: number): unknown {
  const r = next();
  if (depth > 3 || r < 0.4) return LEAVES[Math.floor(next() * LEAVES.length)];
  if (r < 0.6) return Array.from({ length: Math.floor(next() * 4) }, () => value(next, depth + 1));
  const o: Record<string, unknown> = {};
  for (let i = Math.floor(next() * 6); i > 0; i--) o[KEYS[Math.floor(next() * KEYS.length)]!] = value(next, depth + 1);
  return o;
}

test('canonicalJson matches JSON.stringify of a key-sorted copy on 5000 generated values', () => {
  const next = random(20261130);
  for (let i = 0; i < 5000; i++) {
    const v = value(next, 0);
    assert.equal(canonicalJson(v), reference(v), `value #${i}: ${String(reference(v))}`);
  }
});

test('integer-like keys come first in numeric order, as in a V8 object', () => {
  assert.equal(canonicalJson({ b: 1, '10': 2, a: 3, '2': 4 }), '{"2":4,"10":2,"a":3,"b":1}');
});

test('undefined members are dropped and undefined array items become null', () => {
  assert.equal(canonicalJson({ a: undefined, b: [undefined, 1] }), '{"b":[null,1]}');
});
