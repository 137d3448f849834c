// `stack run` through the façade on an in-memory engine: its dependencies, networks and named
// volumes come from ONE plan applied by the executor (as `up` applies one), none of the
// service's own replicas is planned, the one-off joins its networks by the ids the run left,
// and nothing it reports shows a secret.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { networkIdsAfter } from '../../src/stack/run.js';
import { openProject, prepareOneOff, startOneOff, type OneOffRequest, type StackEvent } from '../../src/stack/index.js';
import { SensitiveValues } from '../../src/planner/redact.js';
import type { ObservedState } from '../../src/api/observed.js';
import type { ObservedNetwork } from '../../src/api/engine-types.js';
import type { Operation, Plan } from '../../src/planner/types.js';
import { ConflictError, StackError } from '../../src/errors.js';
import { IMAGE, memoryGateway, projectRequest, stackProject } from '../helpers/facade.js';

const SECRET = 'tok-4f1b9c2e77';
const STACK = `
services:
  db:
    image: ${IMAGE}
    command: ["sleep", "86400"]
    networks: [back]
  tool:
    image: ${IMAGE}
    command: ["echo", "hello"]
    depends_on: [db]
    networks: [back]
    volumes: ["data:/data"]
    environment:
      TOKEN: \${TOKEN}
networks:
  back: {}
volumes:
  data: {}
`;

function request(extra: Partial<OneOffRequest> = {}): OneOffRequest {
  return { service: 'tool', noDeps: false, tty: false, interactive: false, name: 'demo-tool-once', ...extra };
}

async function opened() {
  const p = stackProject(STACK, { TOKEN: SECRET });
  const g = memoryGateway();
  return { g, project: await openProject(projectRequest(p, g, { needModel: true })) };
}

describe('run through the façade', () => {
  it('creates the dependencies, networks and named volumes through a plan, and no replica of the service', async () => {
    const { g, project } = await opened();
    const events: StackEvent[] = [];
    const oneOff = await prepareOneOff(project, request(), { onEvent: (e) => events.push(e) });

    assert.equal(oneOff.name, 'demo-tool-once');
    const planned = events.find((e) => e.type === 'plan');
    assert.ok(planned && planned.type === 'plan');
    assert.deepEqual(planned.steps.map((s) => s.id).sort(), [
      'create container demo-db-1',
      'create network demo_back',
      'create volume demo_data',
      'start container demo-db-1',
    ]);
    assert.ok(events.some((e) => e.type === 'op-done' && e.opId === 'create network demo_back'), 'the executor applied it');
    assert.equal(g.container('demo-db-1')?.state, 'running');
    assert.equal(g.container('demo-tool-1'), undefined);
    const created = g.container('demo-tool-once');
    assert.equal(created?.state, 'created');
    assert.deepEqual(created?.networks, ['demo_back']);
    const oneOffs = await g.listContainers({ labels: ['com.docker.compose.oneoff=True'] }, { all: true });
    assert.deepEqual(oneOffs.map((c) => c.name), ['demo-tool-once']);
  });

  it('with noDeps creates the networks and volumes and leaves the dependencies alone', async () => {
    const { g, project } = await opened();
    await prepareOneOff(project, request({ noDeps: true }));
    assert.equal(g.hasNetwork('demo_back'), true);
    assert.equal(g.hasVolume('demo_data'), true);
    assert.equal(g.container('demo-db-1'), undefined);
    assert.equal(g.container('demo-tool-once')?.state, 'created');
  });

  it('plans nothing the second time, and a detached one-off is started', async () => {
    const { g, project } = await opened();
    await prepareOneOff(project, request({ name: 'demo-tool-a' }));
    const events: StackEvent[] = [];
    const second = await prepareOneOff(project, request({ name: 'demo-tool-b' }), { onEvent: (e) => events.push(e) });
    const planned = events.find((e) => e.type === 'plan');
    assert.ok(planned && planned.type === 'plan');
    assert.deepEqual(planned.steps, []);
    assert.equal(await startOneOff(second, { rm: false, detach: true, interactive: false, io: { stdout: process.stdout, stderr: process.stderr } }), 0);
    assert.equal(g.container('demo-tool-b')?.state, 'running');
  });

  it('never shows the secret in the error of a failed create', async () => {
    const { g, project } = await opened();
    g.failOn('createContainer', 'demo-tool-once', () => new ConflictError('create', `bad env TOKEN=${SECRET}`, { kind: 'container', name: 'demo-tool-once' }, 409));
    await assert.rejects(prepareOneOff(project, request()), (e: unknown) => {
      assert.ok(e instanceof StackError);
      assert.ok(!e.message.includes(SECRET), e.message);
      assert.ok(!(e.stack ?? '').includes(SECRET), 'nor in the stack trace --debug prints');
      assert.match(e.message, /TOKEN=\(sensitive\)/);
      return true;
    });
  });
});

describe('the network ids a one-off joins', () => {
  const network = (name: string, id: string): ObservedNetwork => ({ id, name, labels: {}, driver: 'bridge', created: '' }) as unknown as ObservedNetwork;
  const observed = (networks: ObservedNetwork[]): ObservedState => ({ projectName: 'demo', containers: [], networks, volumes: [], images: {} });
  const planOf = (operations: Operation[]): Plan => ({ projectName: 'demo', operations, warnings: [], sensitive: SensitiveValues.none });
  const removal = (name: string, id: string): Operation =>
    ({ id: `remove network ${name} ${id}`, kind: 'network.remove', network: name, networkId: id, after: [], cause: { kind: 'interrupted-run', text: 'duplicate network' } }) as Operation;

  it('is the one left of two same-named networks once the plan removed the other', () => {
    const ids = networkIdsAfter(observed([network('demo_back', 'aaa'), network('demo_back', 'bbb')]), planOf([removal('demo_back', 'bbb')]), new Map());
    assert.deepEqual([...ids], [['demo_back', 'aaa']]);
  });

  it('is the one the run created, over anything observed', () => {
    const ids = networkIdsAfter(observed([network('demo_back', 'old')]), planOf([removal('demo_back', 'old')]), new Map([['demo_back', 'new']]));
    assert.deepEqual([...ids], [['demo_back', 'new']]);
  });

  it('is none while the name is still ambiguous', () => {
    const ids = networkIdsAfter(observed([network('demo_back', 'aaa'), network('demo_back', 'bbb')]), planOf([]), new Map());
    assert.deepEqual([...ids], []);
  });
});
