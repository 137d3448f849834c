// Interoperability with Compose (issue 12, items 4 and 5), with docker-compose 1.29:
//   - a project stack brought up: its containers carry the labels Compose reads (1.29 crashes
//     on a container without `com.docker.compose.version`; v2 lists only containers carrying
//     `com.docker.compose.config-hash`), so `docker-compose up -d` on the same file and project
//     runs and takes the project over;
//   - a project docker-compose brought up: `stack up` says the project is docker-compose's and
//     what to do, exit 1, before touching the engine; `stack down` leaves all of it and says so.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { cleanupProject, docker, fixturesDir, projectContainers, projectNetworks, projectVolumes, runStack, testImage, uniqueProject } from '../helpers/engine.js';
import { ensureDockerCompose, runCompose } from '../helpers/compose.js';
import { describeRun } from '../helpers/stack-state.js';

const file = join(fixturesDir, 'compose-interop', 'stack.yaml');

/** Everything of the project on the engine, by id: what "nothing was touched" compares. */
async function engineState(project: string): Promise<unknown> {
  const containers = await Promise.all(
    (await projectContainers(project)).map(async (c) => {
      const info = await docker.getContainer(c.Id).inspect();
      return { id: c.Id, status: info.State.Status, startedAt: info.State.StartedAt };
    }),
  );
  return {
    containers: containers.sort((a, b) => a.id.localeCompare(b.id)),
    networks: (await projectNetworks(project)).map((n) => n.Id).sort(),
    volumes: (await projectVolumes(project)).map((v) => v.Name).sort(),
  };
}

describe('a project stack brought up, then docker-compose', () => {
  const project = uniqueProject('compose');
  const compose = (...args: string[]) => runCompose(['-f', file, '-p', project, ...args], { STACK_TEST_IMAGE: testImage });

  before(async () => {
    ensureDockerCompose();
    const up = await runStack(['-f', file, '-p', project, 'up', '-d']);
    assert.equal(up.code, 0, describeRun(up));
  });
  after(() => cleanupProject(project));

  it('our containers carry the labels Compose reads, and Compose v2\'s own filter lists them', async () => {
    const ours = await projectContainers(project);
    assert.equal(ours.length, 2);
    for (const c of ours) {
      for (const label of ['com.docker.compose.version', 'com.docker.compose.config-hash', 'com.docker.compose.container-number', 'com.docker.compose.oneoff']) {
        assert.ok(c.Labels[label], `${c.Names[0]} carries ${label}`);
      }
    }
    // Compose v2 (`getDefaultFilters`, `ls`) lists a project's containers by these labels.
    const seenByV2 = await docker.listContainers({
      all: true,
      filters: { label: [`com.docker.compose.project=${project}`, 'com.docker.compose.config-hash', 'com.docker.compose.oneoff=False'] },
    });
    assert.deepEqual(seenByV2.map((c) => c.Id).sort(), ours.map((c) => c.Id).sort());
  });

  it('docker-compose up -d on the same file and project runs and takes the project over', async () => {
    const r = await compose('up', '-d');
    assert.equal(r.code, 0, describeRun(r));
    const ps = await compose('ps', '-q');
    assert.equal(ps.code, 0, describeRun(ps));
    const listed = ps.stdout.split('\n').filter(Boolean);
    assert.equal(listed.length, 2, ps.stdout);
    for (const id of listed) assert.equal((await docker.getContainer(id).inspect()).State.Running, true);
  });
});

describe('a project docker-compose brought up, then stack', () => {
  const project = uniqueProject('dcmade');
  const compose = (...args: string[]) => runCompose(['-f', file, '-p', project, ...args], { STACK_TEST_IMAGE: testImage });

  before(async () => {
    ensureDockerCompose();
    const up = await compose('up', '-d');
    assert.equal(up.code, 0, describeRun(up));
  });
  after(() => cleanupProject(project));

  it('stack up on a project docker-compose brought up says so and what to do, exit 1, touching nothing', async () => {
    const before = await engineState(project);
    const plan = await runStack(['-f', file, '-p', project, 'plan']);
    const up = await runStack(['-f', file, '-p', project, 'up', '-d']);
    for (const r of [plan, up]) {
      assert.equal(r.code, 1, describeRun(r));
      assert.match(r.stderr, new RegExp(`project ${project} was brought up by docker-compose`));
      assert.match(r.stderr, new RegExp(`docker-compose -p ${project} down`));
    }
    assert.doesNotMatch(up.stderr, /remove or rename/, 'no hint that leads to duplicate containers');
    assert.deepEqual(await engineState(project), before);
  });

  it('stack down leaves the containers docker-compose made and says so', async () => {
    const before = await engineState(project);
    const r = await runStack(['-p', project, 'down']);
    assert.equal(r.code, 0, describeRun(r));
    assert.match(r.stderr, new RegExp(`left 2 containers and 1 network not created by stack: ${project}_db_1, ${project}_web_1, ${project}_default`));
    assert.deepEqual(await engineState(project), before, 'nothing of it was ours: nothing changed');
  });
});
