import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseYaml, Tagged, checkNesting } from '../../../src/model/parse.js';
import { locateIn } from '../../../src/model/positions.js';
import { StackFileError } from '../../../src/errors.js';

function problemOf(fn: () => unknown): { message: string; line?: number; col?: number } {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof StackFileError, `expected StackFileError, got ${String(e)}`);
    const p = e.problems[0]!;
    return { message: p.message, ...(p.location ? { line: p.location.line, col: p.location.col } : {}) };
  }
  assert.fail('expected an error');
}

test('every mapping entry and sequence item has its line and column', () => {
  const doc = parseYaml('services:\n  web:\n    image: nginx\n    ports:\n      - "80:80"\n      - 443\n', 's.yaml');
  assert.deepEqual(locateIn(doc, ['services', 'web', 'image']), { file: 's.yaml', line: 3, col: 5 });
  assert.deepEqual(locateIn(doc, ['services', 'web', 'ports', 1]), { file: 's.yaml', line: 6, col: 9 });
});

test('a path below a scalar falls back to the nearest position', () => {
  const doc = parseYaml('services:\n  web:\n    image: nginx\n', 's.yaml');
  assert.deepEqual(locateIn(doc, ['services', 'web', 'image', 'nope']), { file: 's.yaml', line: 3, col: 5 });
});

test('0440 is read as octal, as Compose reads file modes', () => {
  const doc = parseYaml('a: 0440\nb: 0o17\nc: 440\nd: "0440"\n', 's.yaml');
  assert.deepEqual({ ...doc }, { a: 288, b: 15, c: 440, d: '0440' });
});

test('<< merge keys merge mappings, explicit keys winning', () => {
  const doc = parseYaml('x: &b {a: 1, b: 2}\ny:\n  <<: *b\n  b: 3\n', 's.yaml') as Record<string, Record<string, unknown>>;
  assert.deepEqual({ ...doc.y }, { b: 3, a: 1 });
});

test('mappings are null-prototype objects and __proto__ is plain data', () => {
  const doc = parseYaml('services:\n  __proto__:\n    image: x\n  constructor:\n    image: y\n', 's.yaml') as Record<string, Record<string, unknown>>;
  assert.equal(Object.getPrototypeOf(doc.services), null);
  assert.deepEqual(Object.keys(doc.services), ['__proto__', 'constructor']);
  assert.equal(({} as Record<string, unknown>).image, undefined);
});

test('!reset and !override are kept as tagged values for the merge', () => {
  const doc = parseYaml('a: !reset []\nb: !override {x: 1}\n', 's.yaml');
  assert.ok(doc.a instanceof Tagged && doc.a.tag === 'reset');
  assert.ok(doc.b instanceof Tagged && doc.b.tag === 'override');
});

test('duplicate keys are an error at the second key', () => {
  const p = problemOf(() => parseYaml('services:\n  web:\n    image: a\n    image: b\n', 's.yaml'));
  assert.match(p.message, /unique/);
  assert.equal(p.line, 4);
});

test('an unknown tag is an error, not a warning', () => {
  const p = problemOf(() => parseYaml('a: !!python/object foo\n', 's.yaml'));
  assert.match(p.message, /Unresolved tag/);
  assert.equal(p.line, 1);
});

test('a document that is not a mapping is refused', () => {
  assert.match(problemOf(() => parseYaml('- a\n- b\n', 's.yaml')).message, /must be a mapping/);
});

test('an empty file is an empty document', () => {
  assert.deepEqual(Object.keys(parseYaml('', 's.yaml')), []);
});

test('a file over the size cap is refused before parsing', () => {
  const p = problemOf(() => parseYaml('a: ' + 'x'.repeat(2000), 's.yaml', { maxBytes: 1000, maxDepth: 64, maxAliases: 100, maxNodes: 1000 }));
  assert.match(p.message, /larger than/);
});

test('deep flow nesting is refused before parsing', () => {
  assert.throws(() => checkNesting('a: ' + '['.repeat(200), 's.yaml', 64), /nesting deeper than 64/);
});

test('deep block nesting is refused before parsing', () => {
  const text = Array.from({ length: 80 }, (_, i) => `${' '.repeat(i)}k${i}:`).join('\n');
  assert.throws(() => checkNesting(text, 's.yaml', 64), /nesting deeper than 64/);
});

test('a chain of compact sequences counts as nesting', () => {
  assert.throws(() => checkNesting('a:\n' + '- '.repeat(100) + 'x', 's.yaml', 64), /nesting deeper/);
});

test('an alias bomb stops at the node budget', () => {
  const lines = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
  for (let i = 1; i < 9; i++) lines.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(10).fill('*' + String.fromCharCode(96 + i)).join(', ')}]`);
  const p = problemOf(() => parseYaml(lines.join('\n'), 's.yaml'));
  assert.match(p.message, /expands to more than|alias references/);
});

test('<< merge fan-out stops at the node budget', () => {
  const lines = ['b0: &b0 {k0: 0, k1: 1, k2: 2, k3: 3, k4: 4, k5: 5, k6: 6, k7: 7}'];
  for (let i = 1; i < 7; i++) lines.push(`b${i}: &b${i}\n  <<: [${Array.from({ length: 8 }, () => `*b${i - 1}`).join(', ')}]\n  n${i}: {${Array.from({ length: 8 }, (_, j) => `m${j}: *b${i - 1}`).join(', ')}}`);
  const p = problemOf(() => parseYaml(lines.join('\n'), 's.yaml', { maxBytes: 1e6, maxDepth: 64, maxAliases: 1e6, maxNodes: 100_000 }));
  assert.match(p.message, /expands to more than 100000 nodes/);
});

test('a YAML syntax error reports its line and column', () => {
  const p = problemOf(() => parseYaml('services:\n  web:\n    image: "unterminated\n', 's.yaml'));
  assert.equal(typeof p.line, 'number');
  assert.ok(p.message.length > 0);
});
