// Attached `up` and log following on the real engine: every service's output appears with its
// prefix; a service recreated by a second `up` (while the first is still attached) keeps
// appearing; a line counter shows no gaps and no repeats across a restart; Ctrl-C stops the
// project and exits 130.

import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';
import { cleanupProject, eventually, fixturesDir, projectContainers, runStack, stackBin, testImage, uniqueProject } from '../helpers/engine.js';

const file = join(fixturesDir, 'attached', 'stack.yaml');

/** A running `stack up` (attached) whose output we can watch. */
function attachedUp(project: string, extraEnv: Record<string, string> = {}): { child: ChildProcessWithoutNullStreams; out: () => string; err: () => string; exit: Promise<number | null> } {
  const child = spawn(process.execPath, [stackBin, '-f', file, '-p', project, 'up'], {
    env: { ...process.env, NO_COLOR: '1', STACK_TEST_IMAGE: testImage, ...extraEnv },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (c) => (out += c));
  child.stderr.on('data', (c) => (err += c));
  const exit = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
  return { child, out: () => out, err: () => err, exit };
}

/** The numbers of `counter-1 | count N` lines, in the order printed. */
function counts(output: string): number[] {
  return [...output.matchAll(/^counter-1 +\| count (\d+)$/gm)].map((m) => Number(m[1]));
}

describe('attached up follows the logs of the whole project', () => {
  const project = uniqueProject('logs');
  let running: ReturnType<typeof attachedUp> | undefined;
  after(async () => {
    if (running && running.child.exitCode === null) running.child.kill('SIGKILL');
    await cleanupProject(project);
  });

  it('shows every service with its prefix, across a restart and a recreate, with no lost or repeated counter lines, and Ctrl-C ends it with 130', async () => {
    running = attachedUp(project);
    const up = running;
    await eventually(() => {
      assert.match(up.out(), /^web-1 +\| web says hello$/m);
      assert.ok(counts(up.out()).length >= 3, 'counter lines appear');
    }, 90_000);

    // A restart: the counter's log stream ends and must be picked up again.
    const restart = await runStack(['-f', file, '-p', project, 'restart', '-t', '1', 'counter']);
    assert.equal(restart.code, 0, restart.stderr);
    const beforeRestart = counts(up.out()).length;
    await eventually(() => assert.ok(counts(up.out()).length > beforeRestart + 5, 'counting goes on after the restart'), 30_000);

    // A recreate by a second `up` while the first is attached: a new container id for web.
    const webBefore = (await projectContainers(project)).find((c) => c.Labels['com.docker.compose.service'] === 'web')!.Id;
    const second = await runStack(['-f', file, '-p', project, 'up', '-d'], { env: { GREETING: 'again' } });
    assert.equal(second.code, 0, second.stderr);
    const webAfter = (await projectContainers(project)).find((c) => c.Labels['com.docker.compose.service'] === 'web')!.Id;
    assert.notEqual(webAfter, webBefore, 'the second up recreated web');
    await eventually(() => assert.match(up.out(), /^web-1 +\| web says again$/m), 30_000);

    const started = Date.now();
    up.child.kill('SIGINT');
    const code = await up.exit;
    assert.equal(code, 130);
    assert.ok(Date.now() - started < 15_000, 'stops within the grace periods (2 s) plus a margin');
    const states = (await projectContainers(project)).map((c) => c.State);
    assert.ok(states.every((s) => s === 'exited'), `all containers stopped: ${states.join(', ')}`);

    // The counter is kept in a volume, so it continues across the restart: every number
    // from the first one printed to the last appears exactly once, in order.
    const seen = counts(up.out());
    const first = seen[0]!;
    assert.deepEqual(seen, Array.from({ length: seen.length }, (_, i) => first + i));
  });
});

describe('stack logs', () => {
  const project = uniqueProject('logscmd');
  after(() => cleanupProject(project));

  it('prints the existing output with prefixes, honours --tail and --no-log-prefix, and -t adds timestamps', async () => {
    const up = await runStack(['-f', file, '-p', project, 'up', '-d']);
    assert.equal(up.code, 0, up.stderr);
    await eventually(async () => {
      const r = await runStack(['-p', project, 'logs', 'web']);
      assert.match(r.stdout, /^web-1 +\| web says hello$/m);
    }, 30_000);
    const tail = await runStack(['-p', project, 'logs', '--tail', '2', '--no-log-prefix', 'counter']);
    assert.equal(tail.code, 0, tail.stderr);
    const lines = tail.stdout.trimEnd().split('\n');
    assert.equal(lines.length, 2);
    assert.ok(lines.every((l) => /^count \d+$/.test(l)), tail.stdout);
    const stamped = await runStack(['-p', project, 'logs', '-t', 'web']);
    assert.match(stamped.stdout, /^web-1 +\| \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z web says hello$/m);
  });
});
