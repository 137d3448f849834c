// `down` removes the containers (dependents first) and networks and keeps named volumes with
// their data; `down -v` removes the volumes too (named and anonymous); `down -p NAME` works
// from labels alone, in a directory without any stack file.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { cleanupProject, docker, fixturesDir, projectContainers, projectNetworks, projectVolumes, runStack, uniqueProject } from '../helpers/engine.js';
import { containerEvents, containerFacts, describeRun, emptyDir, readIn, writeIn } from '../helpers/stack-state.js';

describe('down', () => {
  const project = uniqueProject('down');
  const args = ['-f', join(fixturesDir, 'down', 'stack.yaml'), '-p', project, '--progress', 'plain'];
  let anonVolume: string | undefined;
  let downStarted = 0;
  let downEnded = 0;

  before(async () => {
    const r = await runStack([...args, 'up', '-d']);
    assert.equal(r.code, 0, describeRun(r));
    const facts = await containerFacts(project);
    await writeIn(facts.get(`${project}-db-1`)!.id, '/data/sentinel', 'kept');
    anonVolume = (await docker.getContainer(facts.get(`${project}-app-1`)!.id).inspect()).Mounts.find((m) => m.Destination === '/anon')?.Name;
  });
  after(() => cleanupProject(project));

  it('removes containers and networks and keeps the named volume', async () => {
    downStarted = Date.now();
    const r = await runStack([...args, 'down']);
    downEnded = Date.now();
    assert.equal(r.code, 0, describeRun(r));
    assert.deepEqual(await projectContainers(project), []);
    assert.deepEqual(await projectNetworks(project), []);
    assert.ok((await projectVolumes(project)).some((v) => v.Name === `${project}_data`), 'named volume kept');
  });

  it('stopped the dependent before its dependency', async () => {
    const events = await containerEvents(project, downStarted, downEnded);
    const firstStop = (service: string) => events.find((e) => e.name === `${project}-${service}-1` && (e.action === 'kill' || e.action === 'die' || e.action === 'stop'));
    const app = firstStop('app');
    const db = firstStop('db');
    assert.ok(app && db, JSON.stringify(events));
    assert.ok(app.timeNano <= db.timeNano, 'app stopped first');
    const appGone = events.find((e) => e.name === `${project}-app-1` && e.action === 'destroy');
    assert.ok(appGone && appGone.timeNano <= db.timeNano, 'app was removed before db was stopped');
  });

  it('keeps the named volume data for the next up', async () => {
    const r = await runStack([...args, 'up', '-d']);
    assert.equal(r.code, 0, describeRun(r));
    const facts = await containerFacts(project);
    assert.equal(await readIn(facts.get(`${project}-db-1`)!.id, '/data/sentinel'), 'kept');
  });

  it('down -v with only -p, from a directory without a stack file, removes everything including volumes', async () => {
    assert.ok(anonVolume, 'app had an anonymous volume');
    const r = await runStack(['-p', project, '--progress', 'plain', 'down', '-v'], { cwd: emptyDir() });
    assert.equal(r.code, 0, describeRun(r));
    assert.deepEqual(await projectContainers(project), []);
    assert.deepEqual(await projectNetworks(project), []);
    assert.deepEqual((await projectVolumes(project)).map((v) => v.Name), []);
    const anonLeft = await docker.getVolume(anonVolume).inspect().then(() => true, () => false);
    assert.equal(anonLeft, false, 'the anonymous volume is gone too');
  });
});
