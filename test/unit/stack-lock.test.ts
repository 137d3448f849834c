// One lock policy for every command that changes a project: `up` and a lifecycle command
// exclude each other, the waiter is told who holds the lock, the wait is bounded and an
// abort ends it with exit 130.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { acquireProjectLock } from '../../src/engine/lock.js';
import { openProject, stopServices, up, type StackEvent } from '../../src/stack/index.js';
import { OperationError, StackError } from '../../src/errors.js';
import { IMAGE, memoryGateway, projectRequest, stackProject, upOptions } from '../helpers/facade.js';

const STACK = `
services:
  db:
    image: ${IMAGE}
    command: ["sleep", "86400"]
  app:
    image: ${IMAGE}
    command: ["sleep", "86400"]
    depends_on: [db]
`;

describe('the project lock', () => {
  it('makes a stop wait for a running up, and tells the waiter that up holds it', async () => {
    const p = stackProject(STACK);
    // Slow starts keep `up` inside its lock long enough for the stop to find it taken.
    const g = memoryGateway({ latencyMs: (call) => (call === 'startContainer' ? 150 : 0) });
    let upStarted!: () => void;
    const upHasLock = new Promise<void>((r) => (upStarted = r));
    const upRun = up(upOptions(p, g), { onEvent: (e) => (e.type === 'op-started' ? upStarted() : undefined) });
    await upHasLock;
    const project = await openProject(projectRequest(p, g, { labelsOnly: true }));
    const events: StackEvent[] = [];
    const stopped = await stopServices(project, [], {}, { onEvent: (e) => events.push(e) });
    await upRun;

    const waits = events.flatMap((e) => (e.type === 'lock-wait' ? [e.holder] : []));
    assert.equal(waits.length, 1, 'told once');
    assert.match(waits[0]!, new RegExp(`^stack up, pid ${process.pid}, since `));
    assert.deepEqual(stopped.done, ['demo-app-1', 'demo-db-1']);
    const mutations = g.calls.filter((c) => c.call === 'startContainer' || c.call === 'stopContainer').map((c) => `${c.call} ${c.target}`);
    assert.deepEqual(mutations, ['startContainer demo-db-1', 'startContainer demo-app-1', 'stopContainer demo-app-1', 'stopContainer demo-db-1'], 'the stop ran after up released the lock');
  });

  it('fails after the wait it was given, naming the holder', async () => {
    const p = stackProject(STACK);
    const g = memoryGateway();
    await up(upOptions(p, g));
    const held = await acquireProjectLock({ projectName: 'demo', endpoint: 'injected-gateway', waitMs: 0, command: 'stack down', env: p.env });
    try {
      const project = await openProject(projectRequest(p, g, { labelsOnly: true }));
      await assert.rejects(stopServices(project, [], { lockWaitMs: 200 }), (e: unknown) => {
        assert.ok(e instanceof OperationError);
        assert.match(e.message, /project "demo" is locked by pid \d+ .*`stack down`/);
        return true;
      });
      assert.deepEqual(g.callsTo('stopContainer'), [], 'nothing was stopped');
    } finally {
      held.release();
    }
  });

  it('ends the wait at once with an interruption when aborted', async () => {
    const p = stackProject(STACK);
    const g = memoryGateway();
    const held = await acquireProjectLock({ projectName: 'demo', endpoint: 'injected-gateway', waitMs: 0, command: 'stack up', env: p.env });
    try {
      const controller = new AbortController();
      const run = up(upOptions(p, g), { signal: controller.signal, onEvent: (e) => (e.type === 'lock-wait' ? controller.abort() : undefined) });
      await assert.rejects(run, (e: unknown) => e instanceof StackError && e.exitCode === 130);
      assert.deepEqual(g.callsTo('createContainer'), []);
    } finally {
      held.release();
    }
  });
});
