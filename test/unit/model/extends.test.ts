import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadDocument } from '../../../src/model/load.js';
import { StackFileError } from '../../../src/errors.js';
import { projectDir } from './project-files.js';

const load = (cwd: string, env: Record<string, string> = {}) => loadDocument({ cwd, env });
const plain = (v: unknown): any => JSON.parse(JSON.stringify(v));

test('a service extends another in the same file, its own keys merged on top', async () => {
  const dir = projectDir({
    'stack.yaml': 'services:\n  base:\n    image: app\n    environment: {A: "1", B: "2"}\n    ports: ["80:80"]\n  web:\n    extends: base\n    environment: {B: "3"}\n    ports: ["81:81"]\n',
  });
  const web = plain((await load(dir)).doc).services.web;
  assert.deepEqual(web, { image: 'app', environment: { A: '1', B: '3' }, ports: ['80:80', '81:81'] });
});

test('a service extends one from another file whose relative paths resolve next to that file', async () => {
  const dir = projectDir({
    'stack.yaml': 'services:\n  web:\n    extends: {file: common/base.yaml, service: app}\n    image: web\n',
    'common/base.yaml': 'services:\n  app:\n    build: ./src\n    env_file: [app.env]\n    volumes: ["./data:/data"]\n',
  });
  const web = plain((await load(dir)).doc).services.web;
  assert.equal(web.image, 'web');
  assert.equal(web.build, join(dir, 'common', 'src'));
  assert.deepEqual(web.env_file, [join(dir, 'common', 'app.env')]);
  assert.deepEqual(web.volumes, [`${join(dir, 'common', 'data')}:/data`]);
});

test('extends chains are followed across files', async () => {
  const dir = projectDir({
    'stack.yaml': 'services:\n  web:\n    extends: {file: a.yaml, service: mid}\n',
    'a.yaml': 'services:\n  mid:\n    extends: {file: b.yaml, service: root}\n    restart: always\n',
    'b.yaml': 'services:\n  root:\n    image: root\n',
  });
  assert.deepEqual(plain((await load(dir)).doc).services.web, { image: 'root', restart: 'always' });
});

test('an extends cycle is an error that names the chain', async () => {
  const dir = projectDir({ 'stack.yaml': 'services:\n  a: {extends: b, image: x}\n  b: {extends: c}\n  c: {extends: a}\n' });
  await assert.rejects(load(dir), (e: unknown) => {
    assert.ok(e instanceof StackFileError);
    assert.match(e.problems[0]!.message, /extends cycle: a → b → c → a/);
    // It points at the extends that closes the cycle (c's).
    assert.equal(e.problems[0]!.location?.line, 4);
    return true;
  });
});

test('a service extending itself is a cycle', async () => {
  const dir = projectDir({ 'stack.yaml': 'services:\n  a: {extends: a, image: x}\n' });
  await assert.rejects(load(dir), /extends cycle: a → a/);
});

test('extending an unknown service is an error at the extends key', async () => {
  const dir = projectDir({ 'stack.yaml': 'services:\n  web:\n    image: x\n    extends: nope\n' });
  await assert.rejects(load(dir), (e: unknown) => {
    assert.ok(e instanceof StackFileError);
    assert.match(e.problems[0]!.message, /extends refers to service "nope", which is not defined/);
    assert.equal(e.problems[0]!.location?.line, 4);
    return true;
  });
});

test('extending from a missing file is an error at the extends key', async () => {
  const dir = projectDir({ 'stack.yaml': 'services:\n  web:\n    extends:\n      file: gone.yaml\n      service: x\n' });
  await assert.rejects(load(dir), /extended file not found: gone\.yaml/);
});

test('two services extending one base do not share nested values', async () => {
  const dir = projectDir({ 'stack.yaml': 'services:\n  base: {image: b, labels: {a: "1"}}\n  x: {extends: base, labels: {x: "1"}}\n  y: {extends: base, labels: {y: "1"}}\n' });
  const s = plain((await load(dir)).doc).services;
  assert.deepEqual(s.x.labels, { a: '1', x: '1' });
  assert.deepEqual(s.y.labels, { a: '1', y: '1' });
  assert.deepEqual(s.base.labels, { a: '1' });
});

test('!reset in a service that extends another removes the inherited value (issue 12 item 8)', async () => {
  const dir = projectDir({
    'stack.yaml':
      'services:\n  base:\n    image: app\n    environment: {A: "1", B: "2"}\n    ports: ["80:80"]\n' +
      '  web:\n    extends: base\n    ports: !reset []\n    environment:\n      A: !reset null\n',
  });
  const web = plain((await load(dir)).doc).services.web;
  assert.deepEqual(web, { image: 'app', environment: { B: '2' } });
});

test('!override in a service that extends another replaces the inherited value whole', async () => {
  const dir = projectDir({
    'stack.yaml':
      'services:\n  base:\n    image: app\n    environment: {A: "1"}\n    ports: ["80:80"]\n' +
      '  web:\n    extends: base\n    ports: !override ["81:81"]\n    environment: !override {B: "2"}\n',
  });
  const web = plain((await load(dir)).doc).services.web;
  assert.deepEqual(web, { image: 'app', environment: { B: '2' }, ports: ['81:81'] });
});

test('!reset reaches a base in another file, and a later -f file can reset what extends brought', async () => {
  const dir = projectDir({
    'stack.yaml': 'services:\n  web:\n    extends: {file: base.yaml, service: base}\n    ports: !reset []\n',
    'base.yaml': 'services:\n  base:\n    image: app\n    ports: ["80:80"]\n    dns: [1.1.1.1]\n',
    'override.yaml': 'services:\n  web:\n    dns: !reset []\n',
  });
  const loaded = await loadDocument({ cwd: dir, env: {}, files: ['stack.yaml', 'override.yaml'] });
  assert.deepEqual(plain(loaded.doc).services.web, { image: 'app' });
});
