// depends_on `restart: true` survives a killed run (issue 12, item 13): `up` recreating db
// plans db's create probe (created, then removed), stop, remove, create and start, then web's
// restart. Killed (SIGKILL, the
// executor's STACK_CRASH_AFTER_OPS hook) right after db started, the run never restarts web;
// the next `up` must, and then have nothing left to do.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { cleanupProject, docker, fixturesDir, runStack, uniqueProject } from '../helpers/engine.js';
import { containerFacts, describeRun } from '../helpers/stack-state.js';

const dir = join(fixturesDir, 'pending-restart');
const base = ['-f', join(dir, 'stack.yaml')];
const changed = ['-f', join(dir, 'stack.yaml'), '-f', join(dir, 'change-db.yaml')];

/** db's creation and web's last start, by the engine's clock (nanosecond text compared as dates with microseconds). */
async function times(project: string): Promise<{ dbCreated: string; webStarted: string; webId: string }> {
  const facts = await containerFacts(project);
  const db = await docker.getContainer(facts.get(`${project}-db-1`)!.id).inspect();
  const web = facts.get(`${project}-web-1`)!;
  return { dbCreated: db.Created, webStarted: web.startedAt, webId: web.id };
}

/** RFC 3339 with nanoseconds → microseconds since the epoch. */
function us(text: string): number {
  const m = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d+))?Z$/.exec(text);
  assert.ok(m, `an engine time: ${text}`);
  return Date.parse(`${m[1]}Z`) * 1000 + Number((m[2] ?? '').padEnd(6, '0').slice(0, 6));
}

describe('a run killed between a dependency recreate and the restart of its dependent', () => {
  const project = uniqueProject('pendrestart');
  before(async () => {
    const r = await runStack([...base, '-p', project, 'up', '-d']);
    assert.equal(r.code, 0, describeRun(r));
  });
  after(() => cleanupProject(project));

  it('is finished by the next up: web restarts after the new db, then nothing is left to do', async () => {
    const plan = await runStack([...changed, '-p', project, 'plan', '--json']);
    assert.equal(plan.code, 0, describeRun(plan));
    const mutating = (JSON.parse(plan.stdout) as { operations: { id: string; kind: string }[] }).operations.filter((o) => o.kind !== 'container.wait');
    assert.deepEqual(
      mutating.map((o) => o.id),
      [
        `create container ${project}-db-1-probe`,
        `remove container ${project}-db-1-probe`,
        `stop container ${project}-db-1`, `remove container ${project}-db-1`, `create container ${project}-db-1`, `start container ${project}-db-1`, `restart container ${project}-web-1`],
    );
    const webBefore = (await times(project)).webId;

    const killed = await runStack([...changed, '-p', project, '--parallel', '1', 'up', '-d'], { env: { STACK_CRASH_AFTER_OPS: '6' } });
    assert.equal(killed.signal, 'SIGKILL', describeRun(killed));
    const cut = await times(project);
    assert.ok(us(cut.webStarted) < us(cut.dbCreated), 'the killed run did not restart web');

    const rerun = await runStack([...changed, '-p', project, '--progress', 'plain', 'up', '-d']);
    assert.equal(rerun.code, 0, describeRun(rerun));
    const done = await times(project);
    assert.equal(done.webId, webBefore, 'web was restarted, not recreated');
    assert.ok(us(done.webStarted) > us(done.dbCreated), `web started (${done.webStarted}) after db was created (${done.dbCreated})`);

    const again = await runStack([...changed, '-p', project, 'plan', '--detailed-exitcode']);
    assert.equal(again.code, 0, `nothing left to do: ${describeRun(again)}`);
  });
});
