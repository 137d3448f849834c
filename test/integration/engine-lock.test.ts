// The project lock is the engine's, not the socket spelling's nor the machine's (issue 12,
// item 12): two clients that reach one engine by different socket paths
// (unix:///var/run/docker.sock, unix:///run/docker.sock) with different XDG_RUNTIME_DIRs (as
// two machines would have: no shared lock file) are serialised by the lock volume on the
// engine; and a lock left by a killed run on this host is taken over by the next.

import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanupProject, docker, eventually, execIn, fixturesDir, projectContainers, repoRoot, stackBin, testImage, uniqueProject } from '../helpers/engine.js';

const file = join(fixturesDir, 'engine-lock', 'stack.yaml');
const SOCKETS = ['unix:///var/run/docker.sock', 'unix:///run/docker.sock'] as const;

/** A running `stack` whose output can be watched while it runs. */
interface Client {
  readonly child: ChildProcess;
  output(): string;
  readonly exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function startClient(project: string, socket: string, args: readonly string[]): Client {
  const runtimeDir = mkdtempSync(join(tmpdir(), 'stack-engine-lock-'));
  dirs.push(runtimeDir);
  const child = spawn(stackBin, ['-H', socket, '-f', file, '-p', project, '--progress', 'plain', ...args], {
    cwd: repoRoot,
    env: { ...process.env, NO_COLOR: '1', STACK_TEST_IMAGE: testImage, XDG_RUNTIME_DIR: runtimeDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  child.stdout!.on('data', (c) => (text += c));
  child.stderr!.on('data', (c) => (text += c));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
  return { child, output: () => text, exit };
}

const dirs: string[] = [];

async function lockLabels(project: string): Promise<Record<string, string> | undefined> {
  try {
    return ((await docker.getVolume(`stack-lock.${project}`).inspect()) as { Labels?: Record<string, string> }).Labels ?? {};
  } catch {
    return undefined;
  }
}

/** A holds the lock: its `up --wait` waits for gate, which is running and not yet healthy. */
async function holdLock(project: string): Promise<Client> {
  const a = startClient(project, SOCKETS[0], ['up', '-d', '--wait']);
  await eventually(async () => {
    const labels = await lockLabels(project);
    assert.equal(labels?.['dev.stack.lock.pid'], String(a.child.pid), `the lock volume names A: ${a.output()}`);
    const [gate] = await projectContainers(project);
    assert.equal(gate?.State, 'running', 'gate runs');
  }, 60_000);
  return a;
}

describe('the project lock on one engine', () => {
  const project = uniqueProject('englock');
  after(async () => {
    await cleanupProject(project);
    await docker.getVolume(`stack-lock.${project}`).remove().catch(() => undefined);
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('makes a client on another socket spelling and runtime dir wait for the holder, then run', async () => {
    const a = await holdLock(project);
    const b = startClient(project, SOCKETS[1], ['up', '-d']);
    await eventually(() => assert.match(b.output(), new RegExp(`waiting for another run on this project to finish \\(stack up, pid ${a.child.pid}, since `)), 60_000);
    assert.equal(b.child.exitCode, null, 'B still waits');
    const [gate] = await projectContainers(project);
    assert.equal((await execIn(gate!.Id, ['touch', '/tmp/go'])).exitCode, 0);
    const [ra, rb] = await Promise.all([a.exit, b.exit]);
    assert.equal(ra.code, 0, a.output());
    assert.equal(rb.code, 0, b.output());
    assert.equal(await lockLabels(project), undefined, 'the lock volume is removed when the last holder is done');
  });

  it('takes over the lock of a killed run on this host', async () => {
    await cleanupProject(project);
    const a = await holdLock(project);
    a.child.kill('SIGKILL');
    assert.equal((await a.exit).signal, 'SIGKILL');
    assert.ok(await lockLabels(project), 'the killed run left its lock volume');
    const b = startClient(project, SOCKETS[1], ['up', '-d']);
    const rb = await b.exit;
    assert.equal(rb.code, 0, b.output());
    assert.doesNotMatch(b.output(), /waiting for another run/);
    assert.equal(await lockLabels(project), undefined);
  });
});
