import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadDocument, loadModel } from '../../../src/model/load.js';
import { StackFileError } from '../../../src/errors.js';
import { projectDir } from './project-files.js';

const plain = (v: unknown): any => JSON.parse(JSON.stringify(v));

test('files given with -f merge in order, later ones winning', async () => {
  const dir = projectDir({ 'a.yaml': 'services:\n  web: {image: a, restart: always}\n', 'b.yaml': 'services:\n  web: {image: b}\n' });
  const r = await loadDocument({ cwd: dir, env: {}, files: ['a.yaml', 'b.yaml'] });
  assert.deepEqual(plain(r.doc).services.web, { image: 'b', restart: 'always' });
  assert.deepEqual(r.locate(['services', 'web', 'image']), { file: 'b.yaml', line: 2, col: 9 });
});

test('the shell environment wins over .env', async () => {
  const dir = projectDir({ 'stack.yaml': 'services:\n  w: {image: "x:${TAG}"}\n', '.env': 'TAG=file\n' });
  assert.equal(plain((await loadDocument({ cwd: dir, env: {} })).doc).services.w.image, 'x:file');
  assert.equal(plain((await loadDocument({ cwd: dir, env: { TAG: 'shell' } })).doc).services.w.image, 'x:shell');
});

test('--env-file replaces .env, later files winning', async () => {
  const dir = projectDir({ 'stack.yaml': 'services:\n  w: {image: "x:${TAG}-${OTHER}"}\n', '.env': 'TAG=dot\nOTHER=dot\n', 'one.env': 'TAG=one\nOTHER=one\n', 'two.env': 'TAG=two\n' });
  const r = await loadDocument({ cwd: dir, env: {}, envFiles: ['one.env', 'two.env'] });
  assert.equal(plain(r.doc).services.w.image, 'x:two-one');
});

test('a missing --env-file is an error', async () => {
  const dir = projectDir({ 'stack.yaml': 'services: {}\n' });
  await assert.rejects(loadDocument({ cwd: dir, env: {}, envFiles: ['gone.env'] }), /env file not found: gone\.env/);
});

test('keys are never interpolated, values are', async () => {
  const dir = projectDir({ 'stack.yaml': 'services:\n  w:\n    image: x\n    labels:\n      "${KEY}": "${VAL}"\n' });
  const r = await loadDocument({ cwd: dir, env: { KEY: 'k', VAL: 'v' } });
  assert.deepEqual(plain(r.doc).services.w.labels, { '${KEY}': 'v' });
});

test('an unset variable warns once and becomes empty', async () => {
  const dir = projectDir({ 'stack.yaml': 'services:\n  w:\n    image: "x${NOPE}"\n    command: "echo $NOPE"\n' });
  const r = await loadDocument({ cwd: dir, env: {} });
  assert.equal(plain(r.doc).services.w.image, 'x');
  assert.equal(r.warnings.filter((w) => w.message.includes('"NOPE"')).length, 1);
  assert.equal(r.warnings[0]!.location?.line, 3);
});

test('substituted values are recorded as sensitive', async () => {
  const dir = projectDir({ 'stack.yaml': 'services:\n  w:\n    image: x\n    environment: {PASSWORD: "${DB_PASSWORD}"}\n', '.env': 'DB_PASSWORD=s3cret\nUNUSED=zzz\n' });
  const r = await loadDocument({ cwd: dir, env: {} });
  assert.ok(r.sensitiveValues.includes('s3cret'));
  assert.equal(r.sensitiveValues.includes('zzz'), false);
});

test('a :? error stops with its message, path and line', async () => {
  const dir = projectDir({ 'stack.yaml': 'services:\n  w:\n    image: "${IMAGE:?set IMAGE first}"\n' });
  await assert.rejects(loadDocument({ cwd: dir, env: {} }), (e: unknown) => {
    assert.ok(e instanceof StackFileError);
    const p = e.problems[0]!;
    assert.equal(p.message, 'required variable IMAGE is missing a value: set IMAGE first');
    assert.equal(p.path, 'services.w.image');
    assert.deepEqual(p.location, { file: 'stack.yaml', line: 3, col: 5 });
    return true;
  });
});

test('interpolated numbers and booleans are converted where Compose converts them', async () => {
  const dir = projectDir({ 'stack.yaml': 'services:\n  w:\n    image: x\n    scale: "${N:-2}"\n    tty: "${T:-true}"\n    ports: [{target: "${P:-80}"}]\n' });
  const w = plain((await loadDocument({ cwd: dir, env: {} })).doc).services.w;
  assert.deepEqual([w.scale, w.tty, w.ports[0].target], [2, true, 80]);
});

test('an interpolated value that cannot be converted is an error at its place', async () => {
  const dir = projectDir({ 'stack.yaml': 'services:\n  w:\n    image: x\n    scale: "${N:-many}"\n' });
  await assert.rejects(loadDocument({ cwd: dir, env: {} }), (e: unknown) => {
    assert.ok(e instanceof StackFileError);
    assert.match(e.problems[0]!.message, /is not a valid whole number/);
    assert.equal(e.problems[0]!.location?.line, 4);
    return true;
  });
});

test('the obsolete version key is dropped with a warning', async () => {
  const dir = projectDir({ 'stack.yaml': 'version: "3.8"\nservices: {}\n' });
  const r = await loadDocument({ cwd: dir, env: {} });
  assert.equal('version' in r.doc, false);
  assert.match(r.warnings[0]!.message, /obsolete/);
});

test('__proto__, constructor and prototype pass through parse, interpolation and a two-file merge as plain names', async () => {
  const dir = projectDir({
    'a.yaml': 'services:\n  __proto__:\n    image: "${__proto__:-p}"\n    labels: {constructor: "${prototype}"}\n  constructor: {image: c}\nnetworks:\n  prototype: {}\n',
    'b.yaml': 'services:\n  __proto__:\n    environment: {__proto__: x}\n  prototype: {image: q}\nvolumes:\n  __proto__: {}\n',
  });
  const r = await loadDocument({ cwd: dir, env: { prototype: 'pv' }, files: ['a.yaml', 'b.yaml'] });
  const services = r.doc.services as Record<string, Record<string, unknown>>;
  assert.deepEqual(Object.keys(services).sort(), ['__proto__', 'constructor', 'prototype']);
  assert.equal(services.__proto__!.image, 'p');
  assert.equal((services.__proto__!.labels as Record<string, unknown>).constructor, 'pv');
  assert.deepEqual(Object.keys(r.doc.volumes as object), ['__proto__']);
  assert.deepEqual(Object.getOwnPropertyNames(Object.prototype).filter((k) => ['image', 'labels', 'environment'].includes(k)), []);
  assert.equal(({} as Record<string, unknown>).image, undefined);
});

test('loadModel hands the merged document to validation and normalisation', async () => {
  const dir = projectDir({ 'stack.yaml': 'name: demo\nservices:\n  web:\n    image: "nginx:${TAG:-1}"\n' });
  const model = await loadModel({ cwd: dir, env: {} });
  assert.equal(model.projectName, 'demo');
  assert.equal(model.services.web?.image, 'nginx:1');
});

test('a value passed through from the shell by `environment: [NAME]` is recorded as sensitive', async () => {
  const dir = projectDir({ 'stack.yaml': 'services:\n  w:\n    image: x\n    environment: [API_TOKEN, MODE=dev]\n' });
  const model = await loadModel({ cwd: dir, env: { API_TOKEN: 'tok-123456' } });
  assert.equal(model.services.w!.environment.API_TOKEN, 'tok-123456');
  assert.ok(model.sensitiveValues.includes('tok-123456'));
  assert.equal(model.sensitiveValues.includes('dev'), false);
});

test('a build arg passed through from .env by `args: [NAME]` is recorded as sensitive', async () => {
  const dir = projectDir({ 'stack.yaml': 'services:\n  w:\n    image: x\n    build:\n      context: .\n      args: [NPM_TOKEN]\n', '.env': 'NPM_TOKEN=npm-s3cret\n' });
  const model = await loadModel({ cwd: dir, env: {} });
  assert.equal(model.services.w!.build!.args.NPM_TOKEN, 'npm-s3cret');
  assert.ok(model.sensitiveValues.includes('npm-s3cret'));
});
