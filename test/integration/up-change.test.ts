// Changing one field of one of twenty services recreates exactly that one, restarts its
// `restart: true` dependent, and touches nothing else. The plan names the field. The named
// volume's data survives and the anonymous volume is inherited by the new container.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { cleanupProject, docker, runStack, uniqueProject, type RunResult } from '../helpers/engine.js';
import { assertConverged, containerFacts, describeRun, readIn, STACK20, stack20Expectation, writeIn, type ContainerFacts } from '../helpers/stack-state.js';

const project = uniqueProject('change');
const base = ['-f', join(STACK20.dir, 'stack.yaml'), '-p', project];
const changed = ['-f', join(STACK20.dir, 'stack.yaml'), '-f', join(STACK20.dir, 'change-db.yaml'), '-p', project];

describe('changing one field of one service', () => {
  let planRun: RunResult;
  let upRun: RunResult;
  let beforeFacts: Map<string, ContainerFacts>;
  let afterFacts: Map<string, ContainerFacts>;
  let oldAnonVolume: string | undefined;
  const db = `${project}-db-1`;
  const api = `${project}-api-1`;

  before(async () => {
    const first = await runStack([...base, 'up', '-d']);
    assert.equal(first.code, 0, describeRun(first));
    beforeFacts = await containerFacts(project);
    const dbId = beforeFacts.get(db)!.id;
    await writeIn(dbId, '/data/sentinel', 'named-volume-data');
    await writeIn(dbId, '/anon/sentinel', 'anonymous-volume-data');
    oldAnonVolume = (await docker.getContainer(dbId).inspect()).Mounts.find((m) => m.Destination === '/anon')?.Name;
    planRun = await runStack([...changed, 'plan', '--detailed-exitcode']);
    upRun = await runStack([...changed, '--progress', 'plain', 'up', '-d']);
    afterFacts = await containerFacts(project);
  });
  after(() => cleanupProject(project));

  it('plans the change with exit 2 and names the service and the field', () => {
    assert.equal(planRun.code, 2, describeRun(planRun));
    const dbLines = planRun.stdout.split('\n').filter((l) => l.includes('environment.LOG_LEVEL'));
    assert.equal(dbLines.length, 1, planRun.stdout);
    assert.match(dbLines[0]!, /\bdb\b/);
    assert.match(dbLines[0]!, /info/);
    assert.match(dbLines[0]!, /debug/);
  });

  it('applies it (exit 0) and converges', async () => {
    assert.equal(upRun.code, 0, describeRun(upRun));
    await assertConverged(project, stack20Expectation(project));
  });

  it('recreates the changed service with the new value', async () => {
    const now = afterFacts.get(db)!;
    assert.notEqual(now.id, beforeFacts.get(db)!.id, 'db is a new container');
    const env = (await docker.getContainer(now.id).inspect()).Config.Env;
    assert.ok(env.includes('LOG_LEVEL=debug'), env.join(' '));
  });

  it('restarts the restart:true dependent in place', () => {
    assert.equal(afterFacts.get(api)!.id, beforeFacts.get(api)!.id, 'api is the same container');
    assert.ok(afterFacts.get(api)!.startedAt > beforeFacts.get(api)!.startedAt, 'api was restarted');
  });

  it('leaves the eighteen other services untouched', () => {
    let untouched = 0;
    for (const [name, was] of beforeFacts) {
      if (name === db || name === api) continue;
      const now = afterFacts.get(name)!;
      assert.equal(now.id, was.id, `${name} kept its id`);
      assert.equal(now.startedAt, was.startedAt, `${name} was not restarted`);
      untouched++;
    }
    assert.equal(untouched, 18);
  });

  it('keeps the named volume data and inherits the anonymous volume', async () => {
    const dbId = afterFacts.get(db)!.id;
    assert.equal(await readIn(dbId, '/data/sentinel'), 'named-volume-data');
    assert.equal(await readIn(dbId, '/anon/sentinel'), 'anonymous-volume-data');
    const anon = (await docker.getContainer(dbId).inspect()).Mounts.find((m) => m.Destination === '/anon')?.Name;
    assert.equal(anon, oldAnonVolume, 'the same anonymous volume is mounted');
  });

  it('then has nothing left to do', async () => {
    const r = await runStack([...changed, 'plan', '--detailed-exitcode']);
    assert.equal(r.code, 0, describeRun(r));
  });
});
