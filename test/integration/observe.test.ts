// observe() against the real engine: objects are made with dockerode (test/helpers), so the
// snapshot is checked against a state the code under test did not create.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { docker, testImage, uniqueProject, cleanupProject } from '../helpers/engine.js';
import { openGateway, type OpenedGateway } from '../../src/engine/connect.js';
import { observe } from '../../src/engine/observe.js';
import type { StackModel, ServiceSpec, NetworkSpec, VolumeSpec } from '../../src/model/types.js';
import { dict } from '../../src/model/types.js';

const project = uniqueProject('observe');
const other = uniqueProject('observeother');
const externalNetwork = `${project}-ext-net`;
const externalVolume = `${project}-ext-vol`;
const ours = { 'com.docker.compose.project': project, 'dev.stack.managed': 'true' };
let gateway: OpenedGateway;
const calls: string[] = [];

/** Only the fields observe reads; the rest of a StackModel does not matter here. */
function model(services: Record<string, Partial<ServiceSpec>>): StackModel {
  const net = (key: string, name: string, external: boolean): NetworkSpec => ({ key, name, external } as NetworkSpec);
  const vol = (key: string, name: string, external: boolean): VolumeSpec => ({ key, name, external } as VolumeSpec);
  return {
    projectName: project,
    services: dict(Object.entries(services).map(([k, s]) => [k, { name: k, scale: 1, mounts: [], ...s } as ServiceSpec])),
    networks: dict([
      ['default', net('default', `${project}_default`, false)],
      ['shared', net('shared', externalNetwork, true)],
    ]),
    volumes: dict([
      ['data', vol('data', `${project}_data`, false)],
      ['cache', vol('cache', `${project}_cache`, false)],
      ['ext', vol('ext', externalVolume, true)],
    ]),
  } as unknown as StackModel;
}

async function container(name: string, labels: Record<string, string>): Promise<string> {
  const c = await docker.createContainer({ name, Image: testImage, Cmd: ['true'], Labels: labels });
  return c.id;
}

const ids: Record<string, string> = {};
before(async () => {
  gateway = await openGateway({ env: { ...process.env, DOCKER_HOST: undefined, DOCKER_CONTEXT: undefined }, debug: (line) => calls.push(line) });
  ids.web = await container(`${project}-web-1`, { ...ours, 'com.docker.compose.service': 'web' });
  // Compose's labels without our ownership mark: listed (the planner tells it apart), and foreign by name.
  ids.composeMade = await container(`${project}-api-1`, { 'com.docker.compose.project': project, 'com.docker.compose.service': 'api' });
  // A hand-made container holding a name the model would use, with no labels at all.
  ids.handMade = await container(`${project}-worker-1`, {});
  ids.otherProject = await container(`${other}-web-1`, { 'com.docker.compose.project': other, 'dev.stack.managed': 'true' });
  // Made by stack for ANOTHER project, under a name this project's model would use (a container_name clash).
  ids.otherProjectsName = await container(`${project}-db-1`, { 'com.docker.compose.project': other, 'dev.stack.managed': 'true' });
  await docker.createNetwork({ Name: `${project}_default`, Labels: ours });
  await docker.createNetwork({ Name: externalNetwork, Labels: {} });
  await docker.createNetwork({ Name: `${other}_default`, Labels: { 'com.docker.compose.project': other } });
  await docker.createVolume({ Name: `${project}_data`, Labels: ours });
  await docker.createVolume({ Name: `${project}_cache`, Labels: {} }); // foreign by name
  await docker.createVolume({ Name: externalVolume, Labels: {} });
});

after(async () => {
  await cleanupProject(project);
  await cleanupProject(other);
  for (const n of [`${project}-worker-1`, `${project}-db-1`]) await docker.getContainer(n).remove({ force: true }).catch(() => undefined);
  for (const n of [externalNetwork, `${project}_default`]) await docker.getNetwork(n).remove().catch(() => undefined);
  for (const v of [externalVolume, `${project}_cache`, `${project}_data`]) await docker.getVolume(v).remove().catch(() => undefined);
});

test('observe returns exactly the project\'s objects plus the external ones the model names', async () => {
  const observed = await observe(gateway, project, model({ web: { image: testImage }, api: { image: testImage }, worker: { image: testImage } }));
  assert.equal(observed.projectName, project);
  assert.deepEqual(observed.containers.map((c) => c.name), [`${project}-api-1`, `${project}-web-1`]);
  assert.deepEqual(observed.networks.map((n) => n.name).sort(), [externalNetwork, `${project}_default`].sort());
  assert.deepEqual(observed.volumes.map((v) => v.name).sort(), [externalVolume, `${project}_data`].sort());
});

test('objects holding names the model would use that stack did not create for this project are reported as foreign, with their labels', async () => {
  const observed = await observe(gateway, project, model({ web: { image: testImage }, api: { image: testImage }, worker: { image: testImage }, db: { image: testImage } }));
  const names = (list: readonly { name: string }[] | undefined) => list?.map((o) => o.name);
  assert.deepEqual(names(observed.foreignByName?.containers), [`${project}-api-1`, `${project}-db-1`, `${project}-worker-1`]);
  assert.deepEqual(names(observed.foreignByName?.networks), []);
  assert.deepEqual(names(observed.foreignByName?.volumes), [`${project}_cache`]);
  const db = observed.foreignByName?.containers.find((c) => c.name === `${project}-db-1`);
  assert.equal(db?.labels['com.docker.compose.project'], other, 'the labels say which project it belongs to');
});

test('image ids are resolved for the model\'s references; a missing image has none', async () => {
  const expected = (await docker.getImage(testImage).inspect()).Id;
  const observed = await observe(gateway, project, model({ web: { image: testImage }, api: { image: 'stack-none/missing:1' } }));
  assert.equal(observed.images[testImage], expected);
  assert.equal(observed.images['stack-none/missing:1'], undefined);
});

test('without a model, observe lists the project by label alone (down -p NAME)', async () => {
  const observed = await observe(gateway, project);
  assert.deepEqual(observed.containers.map((c) => c.id).sort(), [ids.composeMade, ids.web].sort());
  assert.deepEqual(observed.networks.map((n) => n.name), [`${project}_default`]);
  assert.deepEqual(observed.volumes.map((v) => v.name), [`${project}_data`]);
  assert.equal(observed.foreignByName, undefined);
});

test('a snapshot costs four list calls, one per kind, however many services the model has', async () => {
  const services: Record<string, Partial<ServiceSpec>> = {};
  for (let i = 0; i < 30; i++) services[`svc${i}`] = { image: i % 2 ? testImage : `stack-none/img${i}:1`, scale: 1 };
  calls.length = 0;
  await observe(gateway, project, model(services));
  assert.equal(calls.length, 4, calls.join('\n'));
  assert.ok(calls.every((c) => /^engine GET \/v[\d.]+\/(containers|networks|volumes|images)/.test(c)), calls.join('\n'));
});
