// Secrets and configs that are not host files, on the real engine (issue 12, item 9): a secret
// from `environment:` is at /run/secrets/api and an inline config at its target when the
// container starts, with the mode and numeric owners the file asks for; the value never
// prints; a run killed right after the container's create (before the delivery) is finished
// by the next run; a new value recreates the container with the new file.

import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { cleanupProject, execIn, fixturesDir, projectContainers, runStack, uniqueProject } from '../helpers/engine.js';
import { describeRun, readIn } from '../helpers/stack-state.js';

const file = join(fixturesDir, 'secrets-delivery', 'stack.yaml');
const FIRST = 'sec-1a2b3c4d5e';
const SECOND = 'sec-9f8e7d6c5b';

async function appId(project: string): Promise<string> {
  const [app] = (await projectContainers(project)).filter((c) => c.Names[0] === `/${project}-app-1`);
  assert.ok(app, 'the app container exists');
  return app.Id;
}

async function stat(id: string, path: string): Promise<string> {
  const r = await execIn(id, ['stat', '-c', '%a %u %g', path]);
  assert.equal(r.exitCode, 0, r.output);
  return r.output.trim();
}

describe('secrets from the environment and inline configs', () => {
  const project = uniqueProject('secdeliver');
  const args = ['-f', file, '-p', project];
  after(() => cleanupProject(project));

  it('are in the container when it starts, with mode and owners, and never printed', async () => {
    const plan = await runStack([...args, 'plan', '--json'], { env: { API_SECRET: FIRST } });
    assert.equal(plan.code, 0, describeRun(plan));
    assert.ok(!plan.stdout.includes(FIRST) && !plan.stdout.includes('mode=fast'), 'plan --json holds no content');
    const up = await runStack([...args, '--progress', 'plain', 'up', '-d'], { env: { API_SECRET: FIRST } });
    assert.equal(up.code, 0, describeRun(up));
    assert.ok(!`${up.stdout}${up.stderr}`.includes(FIRST));
    assert.doesNotMatch(up.stderr, /not supported/);
    const id = await appId(project);
    assert.equal(await readIn(id, '/run/secrets/api'), FIRST);
    assert.equal(await stat(id, '/run/secrets/api'), '440 1000 1001');
    assert.equal(await readIn(id, '/etc/app/settings.txt'), 'mode=fast');
    assert.equal(await stat(id, '/etc/app/settings.txt'), '444 0 0');
  });

  it('a new value recreates the container with the new file', async () => {
    const before = await appId(project);
    const r = await runStack([...args, 'up', '-d'], { env: { API_SECRET: SECOND } });
    assert.equal(r.code, 0, describeRun(r));
    const id = await appId(project);
    assert.notEqual(id, before);
    assert.equal(await readIn(id, '/run/secrets/api'), SECOND);
  });

  it('a run killed right after the create is finished by the next: the file is there when it starts', async () => {
    await cleanupProject(project);
    // A cold up: create network, create container, [copy], start. Killed after the create.
    const killed = await runStack([...args, '--parallel', '1', 'up', '-d'], { env: { API_SECRET: FIRST, STACK_CRASH_AFTER_OPS: '2' } });
    assert.equal(killed.signal, 'SIGKILL', describeRun(killed));
    const [created] = await projectContainers(project);
    assert.equal(created?.State, 'created', 'the killed run left the container created, not started');
    const rerun = await runStack([...args, 'up', '-d'], { env: { API_SECRET: FIRST } });
    assert.equal(rerun.code, 0, describeRun(rerun));
    const id = await appId(project);
    assert.equal(id, created.Id, 'the same container, finished');
    assert.equal(await readIn(id, '/run/secrets/api'), FIRST);
    const again = await runStack([...args, 'plan', '--detailed-exitcode'], { env: { API_SECRET: FIRST } });
    assert.equal(again.code, 0, describeRun(again));
  });
});
