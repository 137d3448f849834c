// A value interpolated into `environment` never leaves stack in what it prints: not in
// `stack events` (text or --json) while a changed secret recreates the container — the old and
// the new container's labels both carry its spec — and not in the error of an `up` that fails
// after the value is in play, with or without --debug.

import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { cleanupProject, docker, eventually, fixturesDir, projectContainers, runStack, stackBin, testImage, uniqueProject } from '../helpers/engine.js';
import { describeRun } from '../helpers/stack-state.js';

const file = join(fixturesDir, 'secrets-in-output', 'stack.yaml');
const failing = join(fixturesDir, 'secrets-in-output', 'failing.yaml');

const secret = (): string => `tok-${randomBytes(8).toString('hex')}`;

interface Following {
  readonly child: ChildProcessWithoutNullStreams;
  readonly out: () => string;
  readonly exit: Promise<number | null>;
}

/** A running `stack events` whose output we can watch. */
function followEvents(project: string, token: string, json: boolean): Following {
  const child = spawn(process.execPath, [stackBin, '-f', file, '-p', project, 'events', ...(json ? ['--json'] : [])], {
    env: { ...process.env, NO_COLOR: '1', STACK_TEST_IMAGE: testImage, TOKEN: token },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (c) => (out += c));
  child.stderr.on('data', (c) => (out += c));
  const exit = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
  return { child, out: () => out, exit };
}

async function serviceContainerId(project: string): Promise<string> {
  const [app] = await projectContainers(project);
  assert.ok(app, 'the app container exists');
  return app.Id;
}

describe('secrets never leave in what stack prints', () => {
  const project = uniqueProject('secretsout');
  const followers: Following[] = [];
  after(async () => {
    for (const f of followers) if (f.child.exitCode === null) f.child.kill('SIGKILL');
    await cleanupProject(project);
  });

  it('stack events, text and --json, shows no secret value during a recreate, and names the service', async () => {
    const [first, second] = [secret(), secret()];
    const upFirst = await runStack(['-f', file, '-p', project, 'up', '-d'], { env: { TOKEN: first } });
    assert.equal(upFirst.code, 0, describeRun(upFirst));
    const oldId = await serviceContainerId(project);
    assert.match(JSON.stringify((await docker.getContainer(oldId).inspect()).Config.Env), new RegExp(first), 'the value is in play');

    const json = followEvents(project, second, true);
    const text = followEvents(project, second, false);
    followers.push(json, text);
    // Subscribed once each has seen a harmless event (SIGWINCH: tini passes it on, sleep ignores it).
    await eventually(async () => {
      await docker.getContainer(oldId).kill({ signal: 'SIGWINCH' });
      assert.match(json.out(), /"action":"kill"/);
      assert.match(text.out(), / container kill /);
    }, 30_000, 500);

    const upSecond = await runStack(['-f', file, '-p', project, 'up', '-d'], { env: { TOKEN: second } });
    assert.equal(upSecond.code, 0, describeRun(upSecond));
    const newId = await serviceContainerId(project);
    assert.notEqual(newId, oldId, 'the changed secret recreated the container');
    await eventually(() => {
      assert.match(json.out(), new RegExp(`"action":"start","id":"${newId}"`));
      assert.match(text.out(), new RegExp(` container start ${newId}`));
    }, 30_000);
    json.child.kill('SIGINT');
    text.child.kill('SIGINT');
    await Promise.all([json.exit, text.exit]);

    for (const [name, out] of [['--json', json.out()], ['text', text.out()]] as const) {
      assert.ok(!out.includes(first), `${name}: the old value is not printed`);
      assert.ok(!out.includes(second), `${name}: the new value is not printed`);
      assert.ok(!out.includes('dev.stack.'), `${name}: no label stack wrote`);
    }
    const lines = json
      .out()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { action: string; id: string; project: string; service: string });
    const destroyed = lines.find((l) => l.action === 'destroy' && l.id === oldId);
    assert.ok(destroyed, 'the old container\'s destroy was followed');
    assert.deepEqual([destroyed.project, destroyed.service], [project, 'app']);
  });

  it('the error of an up that fails after the value is in play shows no secret, with or without --debug', async () => {
    const token = secret();
    for (const debug of [false, true]) {
      const r = await runStack([...(debug ? ['--debug'] : []), '-f', file, '-f', failing, '-p', project, 'up', '-d'], { env: { TOKEN: token } });
      assert.equal(r.code, 1, describeRun(r));
      assert.match(r.stderr, /working directory 'rel-\(sensitive\)' is invalid/, 'the engine refused it, quoting the value');
      assert.ok(!r.stderr.includes(token), `stderr${debug ? ' with --debug' : ''} holds no secret`);
      assert.ok(!r.stdout.includes(token));
    }
  });
});
