import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadDocument } from '../../../src/model/load.js';
import { StackFileError } from '../../../src/errors.js';
import { projectDir } from './project-files.js';

const load = (cwd: string, env: Record<string, string> = {}) => loadDocument({ cwd, env });
const plain = (v: unknown): any => JSON.parse(JSON.stringify(v));

test('an included file brings its services, networks and volumes in', async () => {
  const dir = projectDir({
    'stack.yaml': 'include:\n  - db/db.yaml\nservices:\n  web: {image: web}\n',
    'db/db.yaml': 'services:\n  db: {image: pg, volumes: [data:/var/lib/pg]}\nvolumes:\n  data: {}\n',
  });
  const { doc } = await load(dir);
  assert.deepEqual(Object.keys(doc.services as object).sort(), ['db', 'web']);
  assert.deepEqual(Object.keys(doc.volumes as object), ['data']);
  assert.equal('include' in doc, false);
});

test("an included file's relative paths resolve against its own directory", async () => {
  const dir = projectDir({
    'stack.yaml': 'include:\n  - sub/stack.yaml\n',
    'sub/stack.yaml': 'services:\n  api:\n    build: ./api\n    env_file: api.env\n    volumes: ["./conf:/etc/conf:ro", "named:/data"]\n',
  });
  const api = plain((await load(dir)).doc).services.api;
  assert.equal(api.build, join(dir, 'sub', 'api'));
  assert.equal(api.env_file, join(dir, 'sub', 'api.env'));
  assert.deepEqual(api.volumes, [`${join(dir, 'sub', 'conf')}:/etc/conf:ro`, 'named:/data']);
});

test('the long form takes a project_directory and an env_file for interpolation', async () => {
  const dir = projectDir({
    'stack.yaml': 'include:\n  - path: parts/cache.yaml\n    project_directory: parts/root\n    env_file: parts/cache.env\n',
    'parts/cache.yaml': 'services:\n  cache:\n    image: "redis:${REDIS_TAG}"\n    build: .\n',
    'parts/cache.env': 'REDIS_TAG=7\n',
  });
  const cache = plain((await load(dir)).doc).services.cache;
  assert.equal(cache.image, 'redis:7');
  assert.equal(cache.build, join(dir, 'parts', 'root'));
});

test('the included project directory .env is read when no env_file is given', async () => {
  const dir = projectDir({
    'stack.yaml': 'include: [lib/stack.yaml]\n',
    'lib/stack.yaml': 'services:\n  w: {image: "w:${WTAG}"}\n',
    'lib/.env': 'WTAG=3\n',
  });
  assert.equal(plain((await load(dir)).doc).services.w.image, 'w:3');
});

test('a service defined by both the including and the included file is an error at the including key', async () => {
  const dir = projectDir({
    'stack.yaml': 'include:\n  - other.yaml\nservices:\n  web: {image: a}\n',
    'other.yaml': 'services:\n  web: {image: b}\n',
  });
  await assert.rejects(load(dir), (e: unknown) => {
    assert.ok(e instanceof StackFileError);
    assert.match(e.problems[0]!.message, /services\.web conflicts with a resource of the same name imported from other\.yaml/);
    assert.equal(e.problems[0]!.location?.line, 4);
    return true;
  });
});

test('an identical definition on both sides is not a conflict', async () => {
  const dir = projectDir({
    'stack.yaml': 'include: [other.yaml]\nnetworks:\n  shared: {driver: bridge}\n',
    'other.yaml': 'networks:\n  shared: {driver: bridge}\n',
  });
  assert.deepEqual(Object.keys((await load(dir)).doc.networks as object), ['shared']);
});

test('a missing included file is an error at the include entry', async () => {
  const dir = projectDir({ 'stack.yaml': 'services: {}\ninclude:\n  - nope.yaml\n' });
  await assert.rejects(load(dir), (e: unknown) => {
    assert.ok(e instanceof StackFileError);
    assert.match(e.problems[0]!.message, /included file not found: nope\.yaml/);
    assert.equal(e.problems[0]!.location?.line, 3);
    return true;
  });
});

test('an include cycle is an error that names the files', async () => {
  const dir = projectDir({ 'stack.yaml': 'include: [a.yaml]\n', 'a.yaml': 'include: [stack.yaml]\n' });
  await assert.rejects(load(dir), /include cycle: stack\.yaml → a\.yaml → stack\.yaml/);
});

test('includes nest', async () => {
  const dir = projectDir({
    'stack.yaml': 'include: [a/a.yaml]\n',
    'a/a.yaml': 'include: [../b/b.yaml]\nservices:\n  a: {image: a}\n',
    'b/b.yaml': 'services:\n  b: {image: b, build: .}\n',
  });
  const doc = plain((await load(dir)).doc);
  assert.deepEqual(Object.keys(doc.services).sort(), ['a', 'b']);
  assert.equal(doc.services.b.build, join(dir, 'b'));
});
