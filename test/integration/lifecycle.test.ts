// Lifecycle commands on the real engine: stop and start follow the dependency order (from
// the containers' labels), rm removes only stopped containers; and the Ctrl-C policy of
// attached `up`: a second SIGINT during a slow graceful stop kills at once, bounded, exit 130.

import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { cleanupProject, docker, eventually, fixturesDir, projectContainers, runStack, stackBin, testImage, uniqueProject } from '../helpers/engine.js';

const file = join(fixturesDir, 'lifecycle', 'stack.yaml');

async function inspectByService(project: string): Promise<Record<string, { id: string; startedAt: number; finishedAt: number; state: string }>> {
  const out: Record<string, { id: string; startedAt: number; finishedAt: number; state: string }> = {};
  for (const c of await projectContainers(project)) {
    const d = await docker.getContainer(c.Id).inspect();
    out[c.Labels['com.docker.compose.service']!] = { id: c.Id, startedAt: Date.parse(d.State.StartedAt), finishedAt: Date.parse(d.State.FinishedAt), state: d.State.Status };
  }
  return out;
}

describe('lifecycle commands', () => {
  const project = uniqueProject('life');
  after(() => cleanupProject(project));

  it('stop stops dependents first, start starts dependencies first, rm removes only what is stopped', async () => {
    const up = await runStack(['-f', file, '-p', project, 'up', '-d', 'db', 'web']);
    assert.equal(up.code, 0, up.stderr);

    const stop = await runStack(['-p', project, 'stop', 'db', 'web']);
    assert.equal(stop.code, 0, stop.stderr);
    let s = await inspectByService(project);
    assert.equal(s.db!.state, 'exited');
    assert.equal(s.web!.state, 'exited');
    assert.ok(s.web!.finishedAt <= s.db!.finishedAt, 'web (the dependent) stopped before db');

    const start = await runStack(['-p', project, 'start']);
    assert.equal(start.code, 0, start.stderr);
    s = await inspectByService(project);
    assert.equal(s.db!.state, 'running');
    assert.equal(s.web!.state, 'running');
    assert.ok(s.web!.startedAt > s.db!.startedAt, 'db (the dependency) started before web');

    const pause = await runStack(['-p', project, 'pause', 'web']);
    assert.equal(pause.code, 0, pause.stderr);
    assert.equal((await inspectByService(project)).web!.state, 'paused');
    assert.equal((await runStack(['-p', project, 'unpause', 'web'])).code, 0);

    const kill = await runStack(['-p', project, 'kill', 'web']);
    assert.equal(kill.code, 0, kill.stderr);
    assert.equal((await inspectByService(project)).web!.state, 'exited');

    const rm = await runStack(['-p', project, 'rm']);
    assert.equal(rm.code, 0, rm.stderr);
    const left = await projectContainers(project);
    assert.deepEqual(left.map((c) => c.Labels['com.docker.compose.service']), ['db'], 'the stopped web is gone, the running db stays');
  });
});

describe('Ctrl-C on attached up', () => {
  const project = uniqueProject('sigint');
  after(() => cleanupProject(project));

  it('a second SIGINT during a slow graceful stop kills the containers at once and exits 130', async () => {
    const child = spawn(process.execPath, [stackBin, '-f', file, '-p', project, 'up'], {
      env: { ...process.env, NO_COLOR: '1', STACK_TEST_IMAGE: testImage },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (err += c));
    const exit = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
    try {
      await eventually(() => {
        assert.match(out, /^web-1 +\| web up$/m);
        assert.match(err, /Attaching to/);
      }, 90_000);
      const first = Date.now();
      child.kill('SIGINT');
      await eventually(() => assert.match(err, /Gracefully stopping/), 5_000, 50);
      // `slow` ignores SIGTERM and has 30 s of grace: only the second signal ends it early.
      child.kill('SIGINT');
      const code = await exit;
      const took = Date.now() - first;
      assert.equal(code, 130, err);
      assert.ok(took < 15_000, `ended within the bound (took ${took} ms, the grace period is 30 s)`);
      await eventually(async () => {
        const states = (await projectContainers(project)).map((c) => `${c.Labels['com.docker.compose.service']}:${c.State}`);
        assert.ok(states.every((x) => x.endsWith(':exited')), states.join(', '));
      }, 10_000);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
