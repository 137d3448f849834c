// The watch loop's latch (src/stack/watch-applier.ts): one piece of work at a time, batches in
// order and before level work, level work taken as state, nothing new after stop.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Applier } from '../../../src/stack/watch-applier.js';
import { settlePromises } from './fake-clock.js';

/** Work that finishes when the test says, recording when it started. */
function gate(log: string[], name: string): { job: () => Promise<void>; open: () => void } {
  let open!: () => void;
  const done = new Promise<void>((r) => (open = r));
  return {
    job: async () => {
      log.push(`start ${name}`);
      await done;
      log.push(`end ${name}`);
    },
    open,
  };
}

describe('the applier', () => {
  it('runs one piece at a time: work arriving while applying is queued and starts when it ends', async () => {
    const log: string[] = [];
    const applier = new Applier({ takeLevelWork: () => undefined, onError: () => undefined });
    const a = gate(log, 'a');
    const b = gate(log, 'b');
    const ra = applier.submit(a.job);
    assert.equal(applier.state, 'applying');
    const rb = applier.submit(b.job);
    assert.equal(applier.state, 'queued');
    await settlePromises();
    assert.deepEqual(log, ['start a']);
    a.open();
    await ra;
    await settlePromises();
    assert.deepEqual(log, ['start a', 'end a', 'start b']);
    b.open();
    await rb;
    await applier.whenIdle();
    assert.equal(applier.state, 'idle');
  });

  it('takes level work only when no batch waits, once however often it was poked', async () => {
    const log: string[] = [];
    let pending = 0;
    const applier = new Applier({
      takeLevelWork: () => {
        if (pending === 0) return undefined;
        pending = 0;
        return async () => void log.push('catch-up');
      },
      onError: () => undefined,
    });
    const a = gate(log, 'batch');
    const ra = applier.submit(a.job);
    for (let i = 0; i < 10; i++) {
      pending++;
      applier.poke();
    }
    const rb = applier.submit(async () => void log.push('second batch'));
    a.open();
    await Promise.all([ra, rb]);
    await applier.whenIdle();
    assert.deepEqual(log, ['start batch', 'end batch', 'second batch', 'catch-up']);
  });

  it('finishes the running piece on stop, starts nothing after, and refuses new work', async () => {
    const log: string[] = [];
    const applier = new Applier({ takeLevelWork: () => async () => void log.push('level'), onError: () => undefined });
    const a = gate(log, 'a');
    void applier.submit(a.job);
    const stopped = applier.stop();
    assert.equal(applier.state, 'stopped');
    a.open();
    await stopped;
    assert.deepEqual(log, ['start a', 'end a']);
    await assert.rejects(applier.submit(async () => undefined), /stopping/);
  });

  it('reports a failing piece of level work and goes on', async () => {
    const errors: unknown[] = [];
    let once = true;
    const applier = new Applier({
      takeLevelWork: () => {
        if (!once) return undefined;
        once = false;
        return async () => {
          throw new Error('boom');
        };
      },
      onError: (e) => errors.push(e),
    });
    applier.poke();
    await applier.whenIdle();
    assert.equal((errors[0] as Error).message, 'boom');
    assert.equal(await applier.submit(async () => 42), 42);
  });
});
