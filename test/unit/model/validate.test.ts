import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { didYouMean, editDistance } from '../../../src/model/did-you-mean.js';
import { dict, type Locator } from '../../../src/model/types.js';
import { formatPath, MAX_PROBLEMS, validateDocument } from '../../../src/model/validate.js';

const nowhere: Locator = () => undefined;

describe('validateDocument', () => {
  it('a valid document has no problems', () => {
    assert.deepEqual(validateDocument({ services: { web: { image: 'nginx', ports: ['80:80'] } }, 'x-any': { whatever: 1 } }, nowhere), []);
  });

  it('extension keys are allowed on services, networks and volumes', () => {
    const doc = { services: { web: { image: 'x', 'x-meta': 1 } }, networks: { n: { 'x-a': 1 } }, volumes: { v: { 'x-b': 2 } } };
    assert.deepEqual(validateDocument(doc, nowhere), []);
  });

  it('problems are bounded however many entries are broken', () => {
    const services = dict<unknown>();
    for (let i = 0; i < 10_000; i++) services[`s${i}`] = { image: 1, imgae: 'x' };
    const started = process.hrtime.bigint();
    const problems = validateDocument({ services }, nowhere);
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    assert.equal(problems.length, MAX_PROBLEMS);
    // Not a benchmark: only a guard against the allErrors blow-up (11 s in TRAPS.md).
    assert.ok(ms < 3000, `validation of 10,000 broken services took ${ms} ms`);
  });

  it('the deepest problem comes first', () => {
    const problems = validateDocument({ services: { a: { image: 5 }, b: { image: 'x', depends_on: { c: { condition: 'nope' } } } } }, nowhere);
    assert.equal(problems[0]!.path, 'services.b.depends_on.c.condition');
    assert.equal(problems[1]!.path, 'services.a.image');
  });

  it('a oneOf whose branches all mismatch the type says which types are allowed', () => {
    const [p] = validateDocument({ services: { web: { image: 'x', build: 5 } } }, nowhere);
    assert.equal(p!.message, 'must be a string or a mapping (got the number 5)');
  });

  it('a oneOf branch that matched the type explains the problem instead of the type noise', () => {
    const [p] = validateDocument({ services: { web: { image: 'x', build: { context: '.', dockerfil: 'D' } } } }, nowhere);
    assert.equal(p!.path, 'services.web.build.dockerfil');
    assert.equal(p!.message, "unknown key 'dockerfil' — did you mean 'dockerfile'?");
  });

  it('an unknown key without a close match lists the allowed keys in the hint', () => {
    const [p] = validateDocument({ services: { web: { image: 'x', logging: { zzz: 1 } } } }, nowhere);
    assert.equal(p!.message, "unknown key 'zzz'");
    assert.match(p!.hint ?? '', /allowed keys here: driver, options/);
  });

  it('the location falls back to the nearest ancestor that has one', () => {
    const locate: Locator = (path) => (path.length === 2 ? { file: 'stack.yaml', line: 2, col: 3 } : undefined);
    const [p] = validateDocument({ services: { web: { image: 'x', ports: [{ target: 80, bad: 1 }] } } }, locate);
    assert.deepEqual(p!.location, { file: 'stack.yaml', line: 2, col: 3 });
  });

  it('names like __proto__ in null-prototype mappings are validated as data', () => {
    const services = dict<unknown>([['__proto__', { image: 'x', labels: dict([['constructor', 'c']]) }]]);
    assert.deepEqual(validateDocument({ services }, nowhere), []);
    assert.equal(({} as Record<string, unknown>)['image'], undefined);
  });

  it('uniqueItems compares null-prototype mappings without touching their prototype', () => {
    const port = () => dict<unknown>([['target', 80]]);
    const [p] = validateDocument({ services: { web: { image: 'x', ports: [port(), port()] } } }, nowhere);
    assert.equal(p!.path, 'services.web.ports[1]');
    assert.match(p!.message, /duplicate entry/);
  });
});

describe('formatPath', () => {
  it('writes indices in brackets and odd keys quoted', () => {
    assert.equal(formatPath(['services', 'web', 'ports', 0]), 'services.web.ports[0]');
    assert.equal(formatPath(['services', 'my web']), 'services["my web"]');
    assert.equal(formatPath(['services', 'web', 'labels', 'com.example']), 'services.web.labels["com.example"]');
    assert.equal(formatPath([]), '');
  });
});

describe('didYouMean', () => {
  it('finds a close key and ignores distant ones', () => {
    assert.equal(didYouMean('imgae', ['image', 'build', 'command']), 'image');
    assert.equal(didYouMean('xyz', ['image', 'build']), undefined);
  });

  it('treats case and -/_ differences as near misses', () => {
    assert.equal(didYouMean('container-name', ['container_name', 'hostname']), 'container_name');
    assert.equal(didYouMean('Image', ['image']), 'image');
  });

  it('counts a swap of two letters as one edit', () => {
    assert.equal(editDistance('imgae', 'image'), 1);
    assert.equal(editDistance('', 'abc'), 3);
  });
});
