// Own only what we labelled. Containers and volumes made by hand with this project's Compose
// labels (but not our ownership label) are neither adopted nor changed nor removed, by `up`,
// `up --remove-orphans` or `down -v`; an external volume survives `down -v`; a name taken by a
// foreign container is an error naming it, and the foreign container is left alone.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { cleanupProject, docker, fixturesDir, projectContainers, projectNetworks, runStack, testImage, uniqueProject } from '../helpers/engine.js';
import { containerFacts, describeRun } from '../helpers/stack-state.js';

const file = join(fixturesDir, 'ownership', 'stack.yaml');

function composeLabels(project: string, service: string, number: number): Record<string, string> {
  return {
    'com.docker.compose.project': project,
    'com.docker.compose.service': service,
    'com.docker.compose.container-number': String(number),
    'com.docker.compose.oneoff': 'False',
  };
}

async function handMadeContainer(name: string, labels: Record<string, string>): Promise<string> {
  const c = await docker.createContainer({ name, Image: testImage, Cmd: ['sleep', '86400'], Labels: labels, HostConfig: { Init: true } });
  await c.start();
  return c.id;
}

async function volumeExists(name: string): Promise<boolean> {
  return docker.getVolume(name).inspect().then(() => true, () => false);
}

describe('objects we did not create', () => {
  const project = uniqueProject('own');
  const extVolume = `${project}-external`;
  const strayVolume = `${project}_stray`;
  const env = { EXT_VOLUME: extVolume };
  const args = ['-f', file, '-p', project, '--progress', 'plain'];
  let sameService: string;
  let ghost: string;

  before(async () => {
    // An external volume that even carries the project's Compose label (docker compose made it).
    await docker.createVolume({ Name: extVolume, Labels: { 'com.docker.compose.project': project } });
    await docker.createVolume({ Name: strayVolume, Labels: { 'com.docker.compose.project': project, 'com.docker.compose.volume': 'stray' } });
    sameService = await handMadeContainer(`${project}-app-7`, composeLabels(project, 'app', 7));
    ghost = await handMadeContainer(`${project}-ghost-1`, composeLabels(project, 'ghost', 1));
  });
  after(async () => {
    await cleanupProject(project);
    await docker.getVolume(extVolume).remove().catch(() => undefined);
  });

  it('up creates our container beside them and adopts neither', async () => {
    const r = await runStack([...args, 'up', '-d'], { env });
    assert.equal(r.code, 0, describeRun(r));
    const facts = await containerFacts(project);
    assert.deepEqual([...facts.keys()].sort(), [`${project}-app-1`, `${project}-app-7`, `${project}-ghost-1`]);
    assert.equal(facts.get(`${project}-app-1`)!.labels['dev.stack.managed'], 'true');
    assert.equal(facts.get(`${project}-app-7`)!.id, sameService);
    assert.equal(facts.get(`${project}-app-7`)!.labels['dev.stack.managed'], undefined, 'not adopted');
    assert.equal(facts.get(`${project}-app-7`)!.state, 'running');
    assert.equal(facts.get(`${project}-ghost-1`)!.id, ghost);
  });

  it('up --remove-orphans leaves the foreign containers alone', async () => {
    const r = await runStack([...args, 'up', '-d', '--remove-orphans'], { env });
    assert.equal(r.code, 0, describeRun(r));
    const facts = await containerFacts(project);
    assert.equal(facts.get(`${project}-ghost-1`)?.id, ghost);
    assert.equal(facts.get(`${project}-ghost-1`)?.state, 'running');
    assert.equal(facts.get(`${project}-app-7`)?.id, sameService);
  });

  it('down -v removes what we made and only that', async () => {
    const r = await runStack([...args, 'down', '-v'], { env });
    assert.equal(r.code, 0, describeRun(r));
    const left = (await projectContainers(project)).map((c) => c.Id).sort();
    assert.deepEqual(left, [sameService, ghost].sort(), 'only the hand-made containers remain');
    assert.equal(await volumeExists(`${project}_data`), false, 'our named volume is gone');
    assert.equal(await volumeExists(extVolume), true, 'the external volume stays');
    assert.equal(await volumeExists(strayVolume), true, 'a volume we did not create stays');
    assert.deepEqual((await projectNetworks(project)).map((n) => n.Name), [], 'our network is gone');
  });
});

describe('a name taken by a foreign container', () => {
  const project = uniqueProject('clash');
  let foreign: string;
  before(async () => {
    await docker.createVolume({ Name: `${project}-external` });
    foreign = await handMadeContainer(`${project}-app-1`, {});
  });
  after(async () => {
    await docker.getContainer(foreign).remove({ force: true }).catch(() => undefined);
    await cleanupProject(project);
    await docker.getVolume(`${project}-external`).remove().catch(() => undefined);
  });

  it('fails naming the container and leaves it as it was', async () => {
    const r = await runStack(['-f', file, '-p', project, 'up', '-d'], { env: { EXT_VOLUME: `${project}-external` } });
    assert.equal(r.code, 1, describeRun(r));
    assert.match(r.stderr, new RegExp(`${project}-app-1`));
    const info = await docker.getContainer(foreign).inspect();
    assert.equal(info.State.Running, true);
    assert.equal(info.Config.Labels['dev.stack.managed'], undefined);
  });
});
