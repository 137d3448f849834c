// The rent-or-buy rule of ssh connections (src/engine/connection-gate.ts), with a hand-driven
// clock: which call goes at once, which waits for a busy connection, and when waiting stops.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConnectionGate } from '../../../src/engine/connection-gate.js';

/** Timers that fire only when the test says so. */
function manualTimers(): { setTimer: (fn: () => void, ms: number) => { cancel(): void }; fire(): void; pending(): number[] } {
  const timers = new Set<{ fn: () => void; ms: number }>();
  return {
    setTimer(fn, ms) {
      const t = { fn, ms };
      timers.add(t);
      return { cancel: () => timers.delete(t) };
    },
    fire() {
      for (const t of [...timers]) {
        timers.delete(t);
        t.fn();
      }
    },
    pending: () => [...timers].map((t) => t.ms),
  };
}

/** A pool whose connections open as the gate lets calls through, like the ssh agent's. */
function pool(cost: number | undefined): { gate: ConnectionGate; timers: ReturnType<typeof manualTimers>; open: { n: number } } {
  const timers = manualTimers();
  const open = { n: 0 };
  const gate = new ConnectionGate({ openConnections: () => open.n, newConnectionCostMs: () => cost, setTimer: timers.setTimer });
  return { gate, timers, open };
}

/** Whether a promise settled by the next macrotask. */
async function settled(p: Promise<unknown>): Promise<boolean> {
  let done = false;
  void p.then(() => (done = true));
  await new Promise((r) => setImmediate(r));
  return done;
}

test('the first call goes at once: there is no connection to wait for', async () => {
  const { gate } = pool(300);
  assert.equal(await settled(gate.acquire('short')), true);
  assert.equal(gate.holders, 1);
});

test('a short call waits while every connection is busy, and takes the first one given back', async () => {
  const { gate, timers, open } = pool(300);
  const releaseFirst = await gate.acquire('short');
  open.n = 1;
  const second = gate.acquire('short');
  assert.equal(await settled(second), false);
  assert.deepEqual(timers.pending(), [300], 'it waits at most what a new connection costs');
  releaseFirst();
  assert.equal(await settled(second), true);
  assert.equal(gate.holders, 1, 'the connection changed hands: still one holder');
  assert.deepEqual(timers.pending(), [], 'its timer is gone');
});

test('a short call that waited as long as a new connection costs goes on to open one', async () => {
  const { gate, timers, open } = pool(300);
  await gate.acquire('short');
  open.n = 1;
  const second = gate.acquire('short');
  timers.fire();
  assert.equal(await settled(second), true);
  assert.equal(gate.holders, 2);
});

test('a call goes at once when a connection is idle', async () => {
  const { gate, open } = pool(300);
  const release = await gate.acquire('short');
  open.n = 1;
  release();
  assert.equal(await settled(gate.acquire('short')), true);
});

test('long calls never wait, and short calls do not wait for a connection a long call holds forever', async () => {
  const { gate, timers, open } = pool(300);
  await gate.acquire('long');
  open.n = 1;
  assert.equal(await settled(gate.acquire('long')), true, 'a second stream opens its own connection at once');
  open.n = 2;
  const short = gate.acquire('short');
  assert.equal(await settled(short), false);
  timers.fire();
  assert.equal(await settled(short), true, 'after the cost of a connection it opens one');
});

test('before the cost of a connection is known, nobody waits', async () => {
  const { gate, open, timers } = pool(undefined);
  await gate.acquire('short');
  open.n = 1;
  assert.equal(await settled(gate.acquire('short')), true);
  assert.deepEqual(timers.pending(), []);
});

test('releasing twice gives back one connection only', async () => {
  const { gate, open } = pool(300);
  const release = await gate.acquire('short');
  open.n = 1;
  await gate.acquire('long');
  release();
  release();
  assert.equal(gate.holders, 1);
});

test('waiters are served in the order they came', async () => {
  const { gate, open } = pool(300);
  const release = await gate.acquire('short');
  open.n = 1;
  const order: string[] = [];
  const a = gate.acquire('short').then((r) => (order.push('a'), r));
  const b = gate.acquire('short').then((r) => (order.push('b'), r));
  release();
  (await a)();
  await b;
  assert.deepEqual(order, ['a', 'b']);
});
