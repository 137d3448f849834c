// Errors and limits (issue 12, item 11): every failure is named and ends with the documented
// exit code, quickly, and leaves nothing half-made behind.
//   - a host port already in use names the service and `ports[i]`, and leaves no container of
//     this run in `created`;
//   - a socket that accepts but never answers is "engine unreachable" (69) within seconds;
//   - `--parallel 0` and `--parallel -1` are usage errors (64);
//   - a stack file that cannot be read is an invalid stack file (65) naming it;
//   - SIGTERM during `up` ends with 143 (128 + 15), as a shell reports a process it terminated;
//   - `env_file: /dev/zero` and `--env-file /dev/zero` are refused (65), never read.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanupProject, docker, eventually, fixturesDir, projectContainers, runStack, stackBin, testImage, uniqueProject } from '../helpers/engine.js';
import { describeRun } from '../helpers/stack-state.js';

const fixtures = join(fixturesDir, 'errors-limits');

/** A free TCP port on 127.0.0.1 (taken, then released). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('a host port already in use', () => {
  const project = uniqueProject('portbusy');
  const holderName = `${project}-holder`;
  const dir = mkdtempSync(join(tmpdir(), 'stack-portbusy-'));
  let port = 0;
  before(async () => {
    port = await freePort();
    // The port's holder is another container, so the engine itself refuses the second
    // binding (with or without its userland proxy).
    const holder = await docker.createContainer({
      name: holderName,
      Image: testImage,
      Cmd: ['sleep', '86400'],
      ExposedPorts: { '80/tcp': {} },
      HostConfig: { PortBindings: { '80/tcp': [{ HostIp: '127.0.0.1', HostPort: String(port) }] }, Init: true },
    });
    await holder.start();
    writeFileSync(
      join(dir, 'stack.yaml'),
      [
        'services:',
        '  web:',
        `    image: ${testImage}`,
        '    init: true',
        '    command: ["sleep", "86400"]',
        '    ports:',
        '      - "127.0.0.1::81"',
        `      - "127.0.0.1:${port}:80"`,
        '',
      ].join('\n'),
    );
  });
  after(async () => {
    await docker.getContainer(holderName).remove({ force: true }).catch(() => undefined);
    await cleanupProject(project);
    rmSync(dir, { recursive: true, force: true });
  });

  it('fails naming the service and ports[1], and leaves no container in created', async () => {
    const r = await runStack(['-p', project, '--progress', 'plain', 'up', '-d'], { cwd: dir });
    assert.equal(r.code, 1, describeRun(r));
    assert.match(r.stderr, /services\.web\.ports\[1\]/, describeRun(r));
    assert.match(r.stderr, new RegExp(`127\\.0\\.0\\.1:${port}`), describeRun(r));
    const states = (await projectContainers(project)).map((c) => `${c.Names[0]} ${c.State}`);
    assert.deepEqual(states.filter((s) => s.endsWith(' created')), [], `no container left in created: ${states.join(', ')}`);
  });
});

describe('a socket that accepts but never answers', () => {
  const dir = mkdtempSync(join(tmpdir(), 'stack-mute-'));
  const socketPath = join(dir, 'mute.sock');
  const sockets: Socket[] = [];
  let server: Server;
  before(async () => {
    server = createServer((s) => void sockets.push(s));
    await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  });
  after(async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('is an unreachable engine (exit 69) after a few seconds, not a failed call after 30', async () => {
    const started = Date.now();
    const r = await runStack(['-H', `unix://${socketPath}`, '-p', 'mute', 'ps'], { timeoutMs: 60_000 });
    const seconds = (Date.now() - started) / 1000;
    assert.equal(r.code, 69, describeRun(r));
    assert.match(r.stderr, /did not answer/, describeRun(r));
    assert.ok(seconds < 20, `gave up after ${seconds} s`);
  });
});

describe('command-line and file errors', () => {
  const plain = join(fixtures, 'plain.yaml');

  it('--parallel 0 and --parallel -1 are usage errors (64)', async () => {
    for (const value of ['0', '-1']) {
      const r = await runStack(['-f', plain, '-p', 'parallel', '--parallel', value, 'config', '-q']);
      assert.equal(r.code, 64, `--parallel ${value}: ${describeRun(r)}`);
      assert.match(r.stderr, /--parallel/, describeRun(r));
    }
  });

  it('a stack file that cannot be read is exit 65 naming it', async () => {
    // Reading /proc/self/mem from offset 0 fails (EIO) for every user, root included.
    const r = await runStack(['-f', '/proc/self/mem', '-p', 'unreadable', 'config', '-q']);
    assert.equal(r.code, 65, describeRun(r));
    assert.match(r.stderr, /\/proc\/self\/mem/, describeRun(r));
  });

  it('env_file: /dev/zero is refused (65) naming it, without reading it', async () => {
    const r = await runStack(['-f', join(fixtures, 'env-file-dev-zero.yaml'), '-p', 'devzero', 'config', '-q'], { timeoutMs: 30_000 });
    assert.equal(r.signal, null, `not killed by the test's timeout: ${describeRun(r)}`);
    assert.equal(r.code, 65, describeRun(r));
    assert.match(r.stderr, /\/dev\/zero/, describeRun(r));
  });

  it('--env-file /dev/zero is refused (65) naming it, without reading it', async () => {
    const r = await runStack(['-f', plain, '--env-file', '/dev/zero', '-p', 'devzero', 'config', '-q'], { timeoutMs: 30_000 });
    assert.equal(r.signal, null, `not killed by the test's timeout: ${describeRun(r)}`);
    assert.equal(r.code, 65, describeRun(r));
    assert.match(r.stderr, /\/dev\/zero/, describeRun(r));
  });
});

describe('SIGTERM during up', () => {
  const project = uniqueProject('sigterm');
  after(() => cleanupProject(project));

  it('ends with exit 143', async () => {
    const child = spawn(stackBin, ['-f', join(fixtures, 'never-healthy.yaml'), '-p', project, '--progress', 'plain', 'up', '-d', '--wait-timeout', '120'], {
      env: { ...process.env, NO_COLOR: '1', STACK_TEST_IMAGE: testImage },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (c) => (output += c));
    child.stderr.on('data', (c) => (output += c));
    const exit = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    // Interrupted while it waits for the dependency that never becomes healthy.
    await eventually(async () => {
      const running = (await projectContainers(project)).filter((c) => c.State === 'running');
      assert.equal(running.length, 1, 'the dependency is running');
    }, 60_000);
    child.kill('SIGTERM');
    assert.equal(await exit, 143, output);
  });
});
