// scripts/registry-up and scripts/registry-down: two real registries on 127.0.0.1 (Debian's
// docker-registry), checked with the real docker CLI against the real engine. Every docker
// CLI call runs with a temporary DOCKER_CONFIG: the machine's ~/.docker/config.json is never
// read or written. This file's registries live under their own root, so other users of the
// default /tmp/stack-registry are never disturbed.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { docker, eventually, repoRoot, testImage } from '../helpers/engine.js';

const suffix = randomBytes(3).toString('hex');
const root = join(tmpdir(), `stack-registry-test-${suffix}`);
const dockerConfig = mkdtempSync(join(tmpdir(), 'stack-registry-dockercfg-'));
const createdTags: string[] = [];

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function run(cmd: string, args: readonly string[], options: { env?: NodeJS.ProcessEnv; input?: string } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: repoRoot, env: { ...process.env, ...options.env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(options.input ?? '');
  });
}

const script = (name: string, env: NodeJS.ProcessEnv = {}): Promise<Run> =>
  run('bash', [join(repoRoot, 'scripts', name)], { env: { STACK_REGISTRY_ROOT: root, ...env } });
const dockerCli = (args: readonly string[], input?: string): Promise<Run> =>
  run('docker', args, { env: { DOCKER_CONFIG: dockerConfig }, ...(input !== undefined ? { input } : {}) });

/** The KEY=VALUE lines registry-up prints. */
function parseLines(stdout: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of stdout.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) out.set(line.slice(0, eq), line.slice(eq + 1));
  }
  return out;
}

function v2Status(hostPort: string): Promise<number> {
  const [host, port] = hostPort.split(':');
  return new Promise((resolve, reject) => {
    const req = request({ host, port: Number(port), path: '/v2/', timeout: 5000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

/** Whether PID is a process that still runs (a zombie has exited: it only waits to be reaped). */
function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** The local addresses that listen on a TCP port, from /proc/net/tcp{,6} (hex, as the kernel writes them). */
function listeningAddresses(port: number): string[] {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  const out: string[] = [];
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    if (!existsSync(file)) continue;
    for (const line of readFileSync(file, 'utf8').split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length > 3 && cols[3] === '0A' && cols[1]!.endsWith(`:${hexPort}`)) out.push(cols[1]!.split(':')[0]!);
    }
  }
  return out;
}

const pidOf = (which: 'plain' | 'auth'): number => Number(readFileSync(join(root, which, 'pid'), 'utf8').trim());

let lines = new Map<string, string>();

before(async () => {
  const up = await script('registry-up');
  assert.equal(up.code, 0, up.stderr);
  lines = parseLines(up.stdout);
});

after(async () => {
  for (const tag of createdTags) await docker.getImage(tag).remove({ force: true }).catch(() => undefined);
  await script('registry-down');
  rmSync(`${root}.lock`, { force: true });
  rmSync(dockerConfig, { recursive: true, force: true });
});

test('registry-up prints a plain and an authenticated registry on 127.0.0.1, their account and its state file', async () => {
  assert.deepEqual([...lines.keys()], ['REGISTRY', 'REGISTRY_AUTH', 'REGISTRY_USER', 'REGISTRY_PASSWORD', 'REGISTRY_ROOT', 'REGISTRY_STATE']);
  assert.match(lines.get('REGISTRY')!, /^127\.0\.0\.1:\d+$/);
  assert.match(lines.get('REGISTRY_AUTH')!, /^127\.0\.0\.1:\d+$/);
  assert.notEqual(lines.get('REGISTRY'), lines.get('REGISTRY_AUTH'));
  assert.equal(lines.get('REGISTRY_ROOT'), root);
  assert.ok(lines.get('REGISTRY_PASSWORD')!.length >= 16);
  const state = lines.get('REGISTRY_STATE')!;
  assert.equal(readFileSync(state, 'utf8'), [...lines].map(([k, v]) => `${k}=${v}\n`).join(''));
  assert.equal(statSync(state).mode & 0o777, 0o600);
  assert.equal(await v2Status(lines.get('REGISTRY')!), 200);
  assert.equal(await v2Status(lines.get('REGISTRY_AUTH')!), 401);
});

test('both registries listen on 127.0.0.1 only', () => {
  for (const key of ['REGISTRY', 'REGISTRY_AUTH']) {
    const port = Number(lines.get(key)!.split(':')[1]);
    assert.deepEqual(listeningAddresses(port), ['0100007F'], key);
  }
});

test('a second registry-up reuses the running registries and prints the same lines', async () => {
  const pids = [pidOf('plain'), pidOf('auth')];
  const again = await script('registry-up');
  assert.equal(again.code, 0, again.stderr);
  assert.deepEqual(parseLines(again.stdout), lines);
  assert.deepEqual([pidOf('plain'), pidOf('auth')], pids);
});

test('an image pushed to the plain registry with the docker CLI can be removed and pulled back', async () => {
  const tag = `${lines.get('REGISTRY')}/stack-test/script-${suffix}:plain`;
  createdTags.push(tag);
  assert.equal((await dockerCli(['tag', testImage, tag])).code, 0);
  const push = await dockerCli(['push', tag]);
  assert.equal(push.code, 0, push.stderr);
  await docker.getImage(tag).remove();
  const pull = await dockerCli(['pull', tag]);
  assert.equal(pull.code, 0, pull.stderr);
  assert.equal((await docker.getImage(tag).inspect()).RepoTags?.includes(tag), true);
});

test('the authenticated registry refuses a push without login, and takes push and pull after docker login', async () => {
  const registry = lines.get('REGISTRY_AUTH')!;
  const tag = `${registry}/stack-test/script-${suffix}:auth`;
  createdTags.push(tag);
  assert.equal((await dockerCli(['tag', testImage, tag])).code, 0);
  const anonymous = await dockerCli(['push', tag]);
  assert.notEqual(anonymous.code, 0);
  assert.match(anonymous.stderr, /no basic auth credentials/);

  const login = await dockerCli(['login', '--username', lines.get('REGISTRY_USER')!, '--password-stdin', registry], lines.get('REGISTRY_PASSWORD')!);
  assert.equal(login.code, 0, login.stderr);
  // the login went to the temporary config, nowhere else
  assert.ok(JSON.parse(readFileSync(join(dockerConfig, 'config.json'), 'utf8')).auths[registry]);
  const push = await dockerCli(['push', tag]);
  assert.equal(push.code, 0, push.stderr);
  await docker.getImage(tag).remove();
  const pull = await dockerCli(['pull', tag]);
  assert.equal(pull.code, 0, pull.stderr);

  assert.equal((await dockerCli(['logout', registry])).code, 0);
  await docker.getImage(tag).remove();
  const anonymousPull = await dockerCli(['pull', tag]);
  assert.notEqual(anonymousPull.code, 0);
  await assert.rejects(docker.getImage(tag).inspect());
});

test('a wrong password is refused by docker login', async () => {
  const login = await dockerCli(['login', '--username', lines.get('REGISTRY_USER')!, '--password-stdin', lines.get('REGISTRY_AUTH')!], 'not-the-password');
  assert.notEqual(login.code, 0);
  assert.match(login.stderr, /401 Unauthorized/);
});

test('when a registry has died, registry-up stops what is left and starts a fresh pair', async () => {
  const [plainBefore, authBefore] = [pidOf('plain'), pidOf('auth')];
  process.kill(authBefore, 'SIGKILL');
  await eventually(() => assert.ok(!isRunning(authBefore)), 10_000, 100);
  const up = await script('registry-up');
  assert.equal(up.code, 0, up.stderr);
  lines = parseLines(up.stdout);
  assert.ok(!isRunning(plainBefore), 'the survivor of the old pair was stopped');
  assert.ok(isRunning(pidOf('plain')) && isRunning(pidOf('auth')));
  assert.notDeepEqual([pidOf('plain'), pidOf('auth')], [plainBefore, authBefore]);
  assert.equal(await v2Status(lines.get('REGISTRY')!), 200);
  assert.equal(await v2Status(lines.get('REGISTRY_AUTH')!), 401);
});

test('registry-down stops both registries and removes their root; a second call changes nothing', async () => {
  const pids = [pidOf('plain'), pidOf('auth')];
  const down = await script('registry-down');
  assert.equal(down.code, 0, down.stderr);
  for (const pid of pids) assert.ok(!isRunning(pid), `registry pid ${pid} still runs`);
  assert.ok(!existsSync(root));
  const again = await script('registry-down');
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stderr, /nothing to stop/);
});

test('a registry that cannot start leaves no process and no directory behind', async () => {
  const failingRoot = join(tmpdir(), `stack-registry-fail-${suffix}`);
  const bin = mkdtempSync(join(tmpdir(), 'stack-registry-fakebin-'));
  try {
    // A docker-registry that exits at once, as one whose port was taken would.
    mkdirSync(bin, { recursive: true });
    writeFileSync(join(bin, 'docker-registry'), '#!/bin/sh\necho "listen tcp: address already in use" >&2\nexit 1\n');
    chmodSync(join(bin, 'docker-registry'), 0o755);
    const up = await script('registry-up', { STACK_REGISTRY_ROOT: failingRoot, PATH: `${bin}:${process.env.PATH}` });
    assert.notEqual(up.code, 0);
    assert.match(up.stderr, /did not answer 200/);
    assert.equal(up.stdout, '');
    assert.ok(!existsSync(failingRoot));
  } finally {
    rmSync(bin, { recursive: true, force: true });
    rmSync(failingRoot, { recursive: true, force: true });
    rmSync(`${failingRoot}.lock`, { force: true });
  }
});
