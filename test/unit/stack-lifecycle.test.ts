// The lifecycle commands through the façade on an in-memory engine: the dependency order from
// the containers' labels (no stack file needed), and failures that never show a secret.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { openProject, removeServices, restartServices, startServices, stopServices, up, type StackEvent } from '../../src/stack/index.js';
import { EngineApiError } from '../../src/errors.js';
import { IMAGE, memoryGateway, projectRequest, stackProject, upOptions } from '../helpers/facade.js';

const SECRET = 'tok-51aa07c3d9';
const STACK = `
services:
  db:
    image: ${IMAGE}
    command: ["sleep", "86400"]
    environment:
      TOKEN: \${TOKEN}
  api:
    image: ${IMAGE}
    command: ["sleep", "86400"]
    depends_on: [db]
  web:
    image: ${IMAGE}
    command: ["sleep", "86400"]
    depends_on: [api]
`;

async function running() {
  const p = stackProject(STACK, { TOKEN: SECRET });
  const g = memoryGateway();
  await up(upOptions(p, g));
  return { p, g };
}

const order = (g: ReturnType<typeof memoryGateway>, call: string): string[] => g.callsTo(call).map((c) => c.target);

describe('lifecycle commands through the façade', () => {
  it('stop goes dependents first and start dependencies first, from labels alone', async () => {
    const { p, g } = await running();
    const project = await openProject(projectRequest(p, g, { labelsOnly: true }));
    assert.equal(project.model, undefined, 'no stack file was read');
    const stopped = await stopServices(project, []);
    assert.deepEqual(stopped.done, ['demo-api-1', 'demo-db-1', 'demo-web-1']);
    assert.deepEqual(order(g, 'stopContainer'), ['demo-web-1', 'demo-api-1', 'demo-db-1']);
    const calls = g.callsTo('startContainer').length;
    await startServices(project, []);
    assert.deepEqual(order(g, 'startContainer').slice(calls), ['demo-db-1', 'demo-api-1', 'demo-web-1']);
  });

  it('restart goes dependencies first, and rm without --stop leaves running containers', async () => {
    const { p, g } = await running();
    const project = await openProject(projectRequest(p, g, { labelsOnly: true }));
    await restartServices(project, []);
    assert.deepEqual(order(g, 'restartContainer'), ['demo-db-1', 'demo-api-1', 'demo-web-1']);
    const removed = await removeServices(project, ['web']);
    assert.deepEqual(removed.done, []);
    assert.deepEqual(removed.stillRunning, ['demo-web-1']);
    const stoppedAndRemoved = await removeServices(project, ['web'], { stop: true });
    assert.deepEqual(stoppedAndRemoved.done, ['demo-web-1']);
    assert.equal(g.container('demo-web-1'), undefined);
  });

  it('reports a failure with the secret redacted when the stack file is known', async () => {
    const { p, g } = await running();
    g.failOn('stopContainer', 'demo-db-1', () => new EngineApiError('stop', `cannot stop: env TOKEN=${SECRET}`, { kind: 'container', name: 'demo-db-1' }, 500));
    const project = await openProject(projectRequest(p, g));
    const result = await stopServices(project, ['db']);
    assert.equal(result.failed.length, 1);
    const error = result.failed[0]!.error as Error;
    assert.ok(!error.message.includes(SECRET), error.message);
    assert.match(error.message, /TOKEN=\(sensitive\)/);
  });

  it('acts on the containers stack created only, and tells its listener what it left alone', async () => {
    const { p, g } = await running();
    const foreign = await g.createContainer('demo-api-2', {
      Image: IMAGE,
      Labels: { 'com.docker.compose.project': 'demo', 'com.docker.compose.service': 'api', 'com.docker.compose.container-number': '2', 'com.docker.compose.oneoff': 'False' },
    });
    await g.startContainer(foreign);
    const project = await openProject(projectRequest(p, g, { labelsOnly: true }));
    const events: StackEvent[] = [];
    const stopped = await stopServices(project, ['api'], {}, { onEvent: (e) => events.push(e) });
    assert.deepEqual(stopped.done, ['demo-api-1']);
    assert.deepEqual(order(g, 'stopContainer'), ['demo-api-1']);
    assert.deepEqual(
      events.filter((e) => e.type === 'left-alone').map((e) => (e.type === 'left-alone' ? [e.projectName, e.containers, e.networks, e.volumes] : [])),
      [['demo', ['demo-api-2'], [], []]],
    );
    const removed = await removeServices(project, [], { stop: true });
    assert.ok(!removed.done.includes('demo-api-2'));
    assert.ok(g.container('demo-api-2'), 'the foreign container is still there');
  });
});
