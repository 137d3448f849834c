// One lock policy for every command that changes a project: `up` and a lifecycle command
// exclude each other, the waiter is told who holds the lock, the wait is bounded and an
// abort ends it with exit 130.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { acquireProjectLock } from '../../src/engine/lock.js';
import { STACK as LABEL } from '../../src/api/labels.js';
import { hostname } from 'node:os';
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
    const held = await acquireProjectLock({ projectName: 'demo', engine: 'MEMO:RYEN:GINE', waitMs: 0, command: 'stack down', env: p.env });
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
    const held = await acquireProjectLock({ projectName: 'demo', engine: 'MEMO:RYEN:GINE', waitMs: 0, command: 'stack up', env: p.env });
    try {
      const controller = new AbortController();
      const run = up(upOptions(p, g), { signal: controller.signal, onEvent: (e) => (e.type === 'lock-wait' ? controller.abort() : undefined) });
      await assert.rejects(run, (e: unknown) => e instanceof StackError && e.exitCode === 130);
      assert.deepEqual(g.callsTo('createContainer'), []);
    } finally {
      held.release();
    }
  });

  it('waits for a holder on another machine sharing the engine, and fails naming it', async () => {
    const p = stackProject(STACK);
    const g = memoryGateway();
    await g.createVolume({ Name: 'stack-lock.demo', Labels: foreignLock({ expires: Date.now() + 3_600_000 }) });
    const events: StackEvent[] = [];
    await assert.rejects(up(upOptions(p, g, { lockWaitMs: 300 }), { onEvent: (e) => events.push(e) }), (e: unknown) => {
      assert.ok(e instanceof OperationError);
      assert.match(e.message, /project "demo" is locked on the engine by pid 4242 on build-box-7 \(`stack up`/);
      return true;
    });
    assert.deepEqual(events.flatMap((e) => (e.type === 'lock-wait' ? [e.holder] : [])), ['stack up, pid 4242, since 2026-01-01T00:00:00.000Z']);
    assert.deepEqual(g.callsTo('createContainer'), [], 'nothing was created');
    assert.ok(g.hasVolume('stack-lock.demo'), 'the other machine\'s lock stays');
  });

  it('takes over a lock from another machine past its expiry, and removes its own when done', async () => {
    const p = stackProject(STACK);
    const g = memoryGateway();
    await g.createVolume({ Name: 'stack-lock.demo', Labels: foreignLock({ expires: Date.now() - 1000 }) });
    await up(upOptions(p, g, { lockWaitMs: 0 }));
    assert.equal(g.callsTo('createContainer').length, 2);
    assert.ok(!g.hasVolume('stack-lock.demo') && !g.hasVolume('stack-lock.demo.break-f00dfeedf00dfeed'), 'no lock volume is left');
  });

  it('takes over a lock of a dead run on this host at once', async () => {
    const p = stackProject(STACK);
    const g = memoryGateway();
    await g.createVolume({ Name: 'stack-lock.demo', Labels: { ...foreignLock({ expires: Date.now() + 3_600_000 }), [LABEL.lockHost]: hostname(), [LABEL.lockPid]: '999999999' } });
    await up(upOptions(p, g, { lockWaitMs: 0 }));
    assert.equal(g.callsTo('createContainer').length, 2);
  });
});

/** The labels of an engine lock held by `stack up`, pid 4242, on another machine. */
function foreignLock(o: { expires: number }): Record<string, string> {
  return {
    [LABEL.lock]: 'demo',
    [LABEL.lockToken]: 'f00dfeedf00dfeedf00dfeedf00dfeed',
    [LABEL.lockCommand]: 'stack up',
    [LABEL.lockPid]: '4242',
    [LABEL.lockHost]: 'build-box-7',
    [LABEL.lockSince]: '2026-01-01T00:00:00.000Z',
    [LABEL.lockExpires]: new Date(o.expires).toISOString(),
  };
}
