// `stack config` with the swarm target says, without an engine, what `plan` would refuse or
// warn about on a swarm, naming the field; with the default target it says nothing of it.

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const bin = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..', 'bin', 'stack.js');
const dir = mkdtempSync(join(tmpdir(), 'stack-swarm-config-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function config(yaml: string, args: string[], env: Record<string, string> = {}): { code: number | null; stdout: string; stderr: string } {
  writeFileSync(join(dir, 'stack.yaml'), yaml);
  const r = spawnSync(process.execPath, [bin, ...args], {
    cwd: dir,
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root', NO_COLOR: '1', STACK_CACHE: '0', DOCKER_HOST: 'unix:///nonexistent.sock', ...env },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const named = 'services:\n  web:\n    image: stack-test/busybox:1\n    container_name: the-web\n';
const privileged = 'services:\n  web:\n    image: stack-test/busybox:1\n    privileged: true\n';

test('config --target swarm warns about a field a swarm ignores, naming it, and still prints the file', () => {
  const r = config(named, ['--target', 'swarm', 'config']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /^warning: services\.web\.container_name: ignored: Swarm names tasks itself/m);
  assert.match(r.stdout, /container_name: the-web/);
});

test('config --target swarm refuses a field a swarm cannot honour, with exit 1 naming it', () => {
  const r = config(privileged, ['--target', 'swarm', 'config', '-q']);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /services\.web\.privileged: Swarm services cannot run privileged/);
});

test('STACK_TARGET=swarm makes config check for a swarm as --target does', () => {
  const r = config(privileged, ['config', '-q'], { STACK_TARGET: 'swarm' });
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /services\.web\.privileged/);
});

test('config for the default target says nothing about swarm', () => {
  const r = config(privileged, ['config', '-q']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, '');
});
