import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { discoverFiles, resolveFiles, resolveProfiles } from '../../../src/model/discover.js';
import { loadDocument } from '../../../src/model/load.js';
import { StackFileError } from '../../../src/errors.js';
import { projectDir } from './project-files.js';

test('stack.yaml is preferred over compose.yaml and docker-compose.yml', () => {
  const dir = projectDir({ 'stack.yaml': '', 'compose.yaml': '', 'docker-compose.yml': '' });
  assert.deepEqual(discoverFiles(dir), [join(dir, 'stack.yaml')]);
});

test('compose.yaml is found with its override sibling', () => {
  const dir = projectDir({ 'compose.yaml': '', 'compose.override.yaml': '' });
  assert.deepEqual(discoverFiles(dir), [join(dir, 'compose.yaml'), join(dir, 'compose.override.yaml')]);
});

test('docker-compose.yml is found with docker-compose.override.yml', () => {
  const dir = projectDir({ 'docker-compose.yml': '', 'docker-compose.override.yml': '' });
  assert.deepEqual(discoverFiles(dir), [join(dir, 'docker-compose.yml'), join(dir, 'docker-compose.override.yml')]);
});

test('the file is looked for in parent directories', () => {
  const dir = projectDir({ 'stack.yml': '', 'deep/er/x.txt': '' });
  assert.deepEqual(discoverFiles(join(dir, 'deep', 'er')), [join(dir, 'stack.yml')]);
});

test('no stack file anywhere is a StackFileError', () => {
  const dir = projectDir({ 'readme.txt': '' });
  // The temp root's parents hold no stack file on this machine; the error names what was looked for.
  assert.throws(() => discoverFiles(dir), (e: unknown) => e instanceof StackFileError && /no stack file found/.test(e.message));
});

test('a missing -f file is a StackFileError naming it', () => {
  assert.throws(() => resolveFiles(['nope.yaml'], '/tmp'), (e: unknown) => e instanceof StackFileError && /stack file not found: nope\.yaml/.test(e.message));
});

test('-f - stays stdin', () => {
  assert.deepEqual(resolveFiles(['-'], '/tmp'), ['-']);
});

test('--profile wins over COMPOSE_PROFILES, which is comma-separated', () => {
  assert.deepEqual(resolveProfiles(['a', 'b,c'], { COMPOSE_PROFILES: 'x' }), ['a', 'b', 'c']);
  assert.deepEqual(resolveProfiles([], { COMPOSE_PROFILES: 'x, y,,x' }), ['x', 'y']);
  assert.deepEqual(resolveProfiles(undefined, { STACK_PROFILES: 's', COMPOSE_PROFILES: 'c' }), ['s']);
});

test('the project directory defaults to the first file\'s directory', async () => {
  const dir = projectDir({ 'sub/stack.yaml': 'services: {}\n' });
  const r = await loadDocument({ cwd: dir, env: {}, files: ['sub/stack.yaml'] });
  assert.equal(r.projectDirectory, join(dir, 'sub'));
  assert.deepEqual(r.configFiles, [join(dir, 'sub', 'stack.yaml')]);
});

test('-f - reads the stack file from stdin', async () => {
  const dir = projectDir({});
  const r = await loadDocument({ cwd: dir, env: {}, files: ['-'], readStdin: async () => 'services:\n  s: {image: x}\n' });
  assert.deepEqual(Object.keys(r.doc.services as object), ['s']);
  assert.equal(r.projectDirectory, dir);
});

test('COMPOSE_PROFILES may come from .env', async () => {
  const dir = projectDir({ 'stack.yaml': 'services: {}\n', '.env': 'COMPOSE_PROFILES=debug,tools\n' });
  assert.deepEqual((await loadDocument({ cwd: dir, env: {} })).profiles, ['debug', 'tools']);
});
