import { test } from 'node:test';
import assert from 'node:assert/strict';
import { normaliseProjectName, resolveProjectName } from '../../../src/model/discover.js';
import { loadDocument } from '../../../src/model/load.js';
import { StackFileError, UsageError } from '../../../src/errors.js';
import { projectDir } from './project-files.js';

test('a directory name is normalised as Compose does', () => {
  assert.equal(normaliseProjectName('My App.v2'), 'myappv2');
  assert.equal(normaliseProjectName('__Leading-_x'), 'leading-_x');
  assert.equal(normaliseProjectName('héllo wörld'), 'hllowrld');
});

test('-p wins over the environment, the file and the directory', () => {
  assert.equal(resolveProjectName({ flag: 'flag', variables: { COMPOSE_PROJECT_NAME: 'env' }, fileName: 'file', projectDirectory: '/x/dir' }), 'flag');
});

test('STACK_PROJECT_NAME wins over COMPOSE_PROJECT_NAME and the file', () => {
  assert.equal(resolveProjectName({ variables: { STACK_PROJECT_NAME: 's', COMPOSE_PROJECT_NAME: 'c' }, fileName: 'file', projectDirectory: '/x/dir' }), 's');
  assert.equal(resolveProjectName({ variables: { COMPOSE_PROJECT_NAME: 'c' }, fileName: 'file', projectDirectory: '/x/dir' }), 'c');
});

test('name: in the file wins over the directory', () => {
  assert.equal(resolveProjectName({ variables: {}, fileName: 'file', projectDirectory: '/x/dir' }), 'file');
  assert.equal(resolveProjectName({ variables: {}, projectDirectory: '/x/My_Dir' }), 'my_dir');
});

test('an invalid -p is a usage error (exit 64)', () => {
  assert.throws(() => resolveProjectName({ flag: 'Bad Name', variables: {}, projectDirectory: '/x' }), (e: unknown) => e instanceof UsageError && e.exitCode === 64);
});

test('an invalid name: in the file is a stack file error (exit 65) at its line', async () => {
  const dir = projectDir({ 'stack.yaml': 'services: {}\nname: "-bad"\n' });
  await assert.rejects(loadDocument({ cwd: dir, env: {} }), (e: unknown) => {
    assert.ok(e instanceof StackFileError);
    assert.equal(e.exitCode, 65);
    assert.equal(e.problems[0]!.path, 'name');
    assert.equal(e.problems[0]!.location?.line, 2);
    return true;
  });
});

test('name: may be interpolated', async () => {
  const dir = projectDir({ 'stack.yaml': 'name: "app-${ENV_NAME:-dev}"\nservices: {}\n' });
  assert.equal((await loadDocument({ cwd: dir, env: { ENV_NAME: 'prod' } })).projectName, 'app-prod');
});

test('COMPOSE_PROJECT_NAME may come from .env, the shell winning', async () => {
  const dir = projectDir({ 'stack.yaml': 'services: {}\n', '.env': 'COMPOSE_PROJECT_NAME=fromfile\n' });
  assert.equal((await loadDocument({ cwd: dir, env: {} })).projectName, 'fromfile');
  assert.equal((await loadDocument({ cwd: dir, env: { COMPOSE_PROJECT_NAME: 'shell' } })).projectName, 'shell');
});

test('the directory name is the fallback', async () => {
  const dir = projectDir({ 'stack.yaml': 'services: {}\n' }, 'My.Project');
  assert.equal((await loadDocument({ cwd: dir, env: {} })).projectName, 'myproject');
});
