// Own only what we labelled, in every command (issue 12, item 1). Beside our `app` container the
// test makes three containers that carry the project's Compose labels but not our ownership
// label (as `docker run --label com.docker.compose.project=P` would): one running (a second
// `app`, with a published port and its own output), one created and never started, one paused.
// exec, port, top, logs, pause, unpause, stop, start, restart, kill, rm and down act on ours
// only, leave those three exactly as they were, and say what they left alone.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { cleanupProject, docker, execIn, fixturesDir, projectContainers, projectNetworks, runStack, testImage, uniqueProject } from '../helpers/engine.js';
import { describeRun } from '../helpers/stack-state.js';

const file = join(fixturesDir, 'ownership-commands', 'stack.yaml');

interface Snapshot {
  readonly status: string;
  readonly startedAt: string;
  readonly finishedAt: string;
}

async function snapshot(id: string): Promise<Snapshot> {
  const info = await docker.getContainer(id).inspect();
  return { status: info.State.Status, startedAt: info.State.StartedAt, finishedAt: info.State.FinishedAt };
}

function composeLabels(project: string, service: string, number: number): Record<string, string> {
  return {
    'com.docker.compose.project': project,
    'com.docker.compose.service': service,
    'com.docker.compose.container-number': String(number),
    'com.docker.compose.oneoff': 'False',
  };
}

describe('every command leaves the containers stack did not create alone', () => {
  const project = uniqueProject('owncmd');
  const names = { running: `${project}-app-2`, created: `${project}-ghost-1`, paused: `${project}-frozen-1` };
  const leftLine = `left 3 containers not created by stack: ${names.running}, ${names.paused}, ${names.created}`;
  const foreign = new Map<string, { id: string; before: Snapshot }>();
  const stack = (...args: string[]) => runStack(['-p', project, ...args]);

  async function foreignContainer(name: string, service: string, number: number, state: 'running' | 'created' | 'paused'): Promise<void> {
    const c = await docker.createContainer({
      name,
      Image: testImage,
      Cmd: ['sh', '-c', 'echo foreign-says-hello; exec sleep 86400'],
      Labels: composeLabels(project, service, number),
      ExposedPorts: { '80/tcp': {} },
      HostConfig: { Init: true, PortBindings: { '80/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }] } },
    });
    if (state !== 'created') await c.start();
    if (state === 'paused') await c.pause();
    foreign.set(name, { id: c.id, before: await snapshot(c.id) });
  }

  /** Each foreign container still exists, in the state it was made in, never restarted. */
  async function assertForeignUntouched(): Promise<void> {
    for (const [name, { id, before }] of foreign) {
      const now = await snapshot(id).catch(() => undefined);
      assert.deepEqual(now, before, `${name} is exactly as it was`);
    }
  }

  async function ourApp(): Promise<Snapshot & { id: string }> {
    const ours = (await projectContainers(project)).filter((c) => c.Labels['dev.stack.managed'] === 'true');
    assert.equal(ours.length, 1, 'one container of ours');
    return { id: ours[0]!.Id, ...(await snapshot(ours[0]!.Id)) };
  }

  before(async () => {
    const up = await runStack(['-f', file, '-p', project, 'up', '-d']);
    assert.equal(up.code, 0, describeRun(up));
    await foreignContainer(names.running, 'app', 2, 'running');
    await foreignContainer(names.created, 'ghost', 1, 'created');
    await foreignContainer(names.paused, 'frozen', 1, 'paused');
  });
  after(() => cleanupProject(project));

  it('exec does not run a command in a container stack did not create', async () => {
    const r = await stack('exec', '-T', '--index', '2', 'app', 'touch', '/tmp/exec-marker');
    assert.equal(r.code, 1, describeRun(r));
    assert.match(r.stderr, new RegExp(`${names.running}.*not created by stack`));
    const probe = await execIn(foreign.get(names.running)!.id, ['test', '-e', '/tmp/exec-marker']);
    assert.equal(probe.exitCode, 1, 'the command never ran in the foreign container');
  });

  it('port reports our container and not the one stack did not create', async () => {
    const ours = await stack('port', 'app', '80');
    assert.equal(ours.code, 0, describeRun(ours));
    assert.match(ours.stdout, /^127\.0\.0\.1:\d+\n$/);
    const theirs = await stack('port', '--index', '2', 'app', '80');
    assert.equal(theirs.code, 1, describeRun(theirs));
    assert.equal(theirs.stdout, '');
    assert.match(theirs.stderr, new RegExp(`${names.running}.*not created by stack`));
  });

  it('top lists the processes of our containers only and says what it left alone', async () => {
    const r = await stack('top');
    assert.equal(r.code, 0, describeRun(r));
    assert.match(r.stdout, new RegExp(`^${project}-app-1$`, 'm'));
    for (const name of foreign.keys()) assert.doesNotMatch(r.stdout, new RegExp(name));
    assert.ok(r.stderr.includes(leftLine), r.stderr);
  });

  it('logs shows the output of our containers only and says what it left alone', async () => {
    const r = await stack('logs', '--no-log-prefix');
    assert.equal(r.code, 0, describeRun(r));
    assert.match(r.stdout, /ours-says-hello/);
    assert.doesNotMatch(r.stdout, /foreign-says-hello/);
    assert.ok(r.stderr.includes(leftLine), r.stderr);
  });

  it('pause pauses our containers only and says what it left alone', async () => {
    const r = await stack('pause');
    assert.equal(r.code, 0, describeRun(r));
    assert.equal((await ourApp()).status, 'paused');
    await assertForeignUntouched();
    assert.ok(r.stderr.includes(leftLine), r.stderr);
  });

  it('unpause unpauses our containers only', async () => {
    const r = await stack('unpause');
    assert.equal(r.code, 0, describeRun(r));
    assert.equal((await ourApp()).status, 'running');
    await assertForeignUntouched();
    assert.ok(r.stderr.includes(leftLine), r.stderr);
  });

  it('stop stops our containers only and says what it left alone', async () => {
    const r = await stack('stop');
    assert.equal(r.code, 0, describeRun(r));
    assert.equal((await ourApp()).status, 'exited');
    await assertForeignUntouched();
    assert.ok(r.stderr.includes(leftLine), r.stderr);
  });

  it('start starts our containers only (the created one stays created)', async () => {
    const r = await stack('start');
    assert.equal(r.code, 0, describeRun(r));
    assert.equal((await ourApp()).status, 'running');
    await assertForeignUntouched();
    assert.ok(r.stderr.includes(leftLine), r.stderr);
  });

  it('restart restarts our containers only', async () => {
    const before = await ourApp();
    const r = await stack('restart');
    assert.equal(r.code, 0, describeRun(r));
    const now = await ourApp();
    assert.equal(now.status, 'running');
    assert.notEqual(now.startedAt, before.startedAt, 'ours was restarted');
    await assertForeignUntouched();
    assert.ok(r.stderr.includes(leftLine), r.stderr);
  });

  it('kill kills our containers only', async () => {
    const r = await stack('kill');
    assert.equal(r.code, 0, describeRun(r));
    assert.equal((await ourApp()).status, 'exited');
    await assertForeignUntouched();
    assert.ok(r.stderr.includes(leftLine), r.stderr);
  });

  it('rm -f -s removes our containers only', async () => {
    const r = await stack('rm', '-f', '-s');
    assert.equal(r.code, 0, describeRun(r));
    const left = (await projectContainers(project)).map((c) => c.Names[0]!.replace(/^\//, '')).sort();
    assert.deepEqual(left, [...foreign.keys()].sort(), 'only the containers stack did not create remain');
    await assertForeignUntouched();
    assert.ok(r.stderr.includes(leftLine), r.stderr);
  });

  it('down removes what we made, leaves the rest, and says what it left alone', async () => {
    const r = await stack('down');
    assert.equal(r.code, 0, describeRun(r));
    assert.deepEqual((await projectNetworks(project)).map((n) => n.Name), [], 'our network is gone');
    await assertForeignUntouched();
    assert.ok(r.stderr.includes(leftLine), r.stderr);
  });
});
